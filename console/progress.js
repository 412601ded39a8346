/**
 * What a resource row says about its run, for the progress bar and the error table.
 * Pure functions of the row: nothing here touches the page or the network.
 */

export const FINAL_STATUSES = new Set([
  "invalid",
  "validated",
  "created",
  "partially-created",
  "failed",
]);

/** What each status means to someone watching, in the order a run passes through them. */
export const STATUS_TEXT = {
  "data-accepted": "Accepted",
  "validation-started": "Validating",
  validated: "Validated",
  created: "Created",
  "partially-created": "Partially created",
  invalid: "Invalid",
  failed: "Failed",
};

/** The final counts of a run, in the order the console shows them. */
export const COUNT_NAMES = [
  ["total", "Rows"],
  ["created", "Created"],
  ["updated", "Updated"],
  ["deactivated", "Deactivated"],
  ["skipped", "Skipped"],
  ["invalid", "Invalid"],
  ["failed", "Failed"],
  ["notCreated", "Not created"],
  ["attempts", "Attempts"],
];

const STAGE_TEXT = {
  validating: "Validating",
  creating: "Creating",
  confirming: "Confirming",
  finalizing: "Finalizing",
  waiting: "Waiting to retry",
};

function number(value) {
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * The bar of a row: {label, detail, done, total, percent}. `percent` is null while the
 * run gives no figures (the bar is then indeterminate). From the live counters
 * (additionalDetails.progress: stage, done, total, attempt, …) while it runs, from the
 * final counts once it has ended (100%).
 */
export function progressOf(row) {
  const details = row?.additionalDetails ?? {};
  const status = String(row?.status ?? "");
  const counts = details.counts ?? {};
  const live = details.progress ?? {};
  if (FINAL_STATUSES.has(status)) {
    const total = number(counts.total ?? live.total);
    return {
      label: STATUS_TEXT[status] ?? status,
      detail: total === null ? "" : `${total} of ${total} rows`,
      done: total,
      total,
      percent: 100,
    };
  }
  const total = number(live.total);
  const done = number(live.done) ?? 0;
  let label = STAGE_TEXT[live.stage] ?? (live.stage ? String(live.stage) : null);
  label ??= STATUS_TEXT[status] ?? (status || "Submitted");
  const attempt = number(live.attempt);
  if (attempt !== null && attempt > 1) label += ` (attempt ${attempt})`;
  const parts = [];
  if (total !== null) parts.push(`${done} of ${total} rows`);
  for (const [key, text] of [
    ["created", "created"],
    ["failed", "failed"],
    ["pending", "pending"],
  ]) {
    if (number(live[key]) !== null) parts.push(`${live[key]} ${text}`);
  }
  // progress.py: `chunks` is how many there are, `chunksDone` how many have no row pending.
  const chunks = { done: live.chunksDone, total: live.chunks };
  if (number(chunks.done) !== null && number(chunks.total) !== null) {
    parts.push(`chunk ${chunks.done} of ${chunks.total}`);
  }
  if (live.nextRetryAt) {
    const at = new Date(live.nextRetryAt);
    if (!Number.isNaN(at.getTime())) parts.push(`next attempt at ${at.toLocaleTimeString()}`);
  }
  const percent = total ? Math.min(100, Math.floor((100 * done) / total)) : null;
  return { label, detail: parts.join(", "), done, total, percent };
}

const CODE_PREFIX = /^[A-Z][A-Z0-9_]+$/;

/**
 * The column an error message names, or "": messages start with the column's header text
 * ("Capacity must be …", "Boundary Code: not within …", "Facility Name 'x' is repeated …").
 * A service's refusal starts with its code instead (ERR_HRMS_USER_EXIST_MOB: …).
 */
export function columnOf(message) {
  const text = String(message ?? "");
  const verb = /^([A-Z][^:,'"]{0,59}?)(?: '[^']*')? (?:must|is|are|should) /.exec(text);
  if (verb) return /^(This|The|It|A|An)\b/.test(verb[1]) ? "" : verb[1];
  const colon = /^([^:,'"]{1,60}): /.exec(text);
  if (colon) return CODE_PREFIX.test(colon[1]) ? "" : colon[1];
  return "";
}

/** additionalDetails.rowErrors as one entry per message: [{row, status, column, message}]. */
export function rowErrorsOf(row) {
  const entries = [];
  for (const error of row?.additionalDetails?.rowErrors ?? []) {
    const messages = error.errors?.length ? error.errors : [""];
    for (const message of messages) {
      entries.push({
        row: error.row,
        status: error.status ?? "",
        column: columnOf(message),
        message: String(message),
      });
    }
  }
  return entries;
}

/** Page `page` (0-based) of `items`, `size` a page: {items, page, pages}. */
export function pageOf(items, page, size) {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(current * size, (current + 1) * size), page: current, pages };
}
