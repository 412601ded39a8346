/**
 * One run (#/runs/<resource id>): _search by id polled until the row is final, a progress
 * bar from its live counters (or its final counts), the per-row errors a page at a time,
 * and the processed workbook (and, for users, the credentials file) to download.
 */
import { ApiError, createResource, fetchFile, saveBlob, searchResources } from "./api.js";
import { COUNT_NAMES, FINAL_STATUSES, STATUS_TEXT, pageOf, progressOf, rowErrorsOf } from "./progress.js";
import { badge, busy, byId, every, h, pager, showError, when } from "./dom.js";

const POLL_MS = 700;
const ERRORS_PER_PAGE = 10;
const RETRYABLE = new Set(["failed", "partially-created"]);

let stop = null;
let row = null;
let errorPage = 0;

function fact(term, ...value) {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function renderFacts() {
  byId("run-facts").replaceChildren(
    ...fact("Status", badge(row.status, STATUS_TEXT[row.status] ?? row.status)),
    ...fact("Type", row.type),
    ...fact("Action", row.action),
    ...fact("Hierarchy", row.hierarchyType),
    ...fact("Campaign", row.campaignId ? h("code", {}, row.campaignId) : "—"),
    ...fact("Uploaded", when(row.auditDetails?.createdTime)),
    ...fact("Resource", h("code", {}, row.id)),
  );
}

function renderProgress() {
  const progress = progressOf(row);
  const bar = byId("run-progress");
  if (progress.percent === null) {
    bar.removeAttribute("value");
    byId("run-percent").textContent = "";
  } else {
    bar.value = progress.percent;
    byId("run-percent").textContent = `${progress.percent}%`;
  }
  bar.setAttribute("aria-valuetext", progress.percent === null ? progress.label : `${progress.percent}%, ${progress.label}`);
  byId("run-stage").textContent = progress.label;
  byId("run-detail").textContent = progress.detail;
}

function renderCounts() {
  const counts = row.additionalDetails?.counts;
  const table = byId("run-counts");
  table.hidden = !counts;
  if (!counts) return;
  table.querySelector("thead tr").replaceChildren(
    ...COUNT_NAMES.map(([, text]) => h("th", { scope: "col" }, text)),
  );
  table.querySelector("tbody tr").replaceChildren(
    ...COUNT_NAMES.map(([key]) => h("td", { class: "num", "data-count": key }, counts[key] ?? 0)),
  );
}

function renderErrors() {
  const entries = rowErrorsOf(row);
  byId("run-errors-section").hidden = entries.length === 0;
  const page = pageOf(entries, errorPage, ERRORS_PER_PAGE);
  errorPage = page.page;
  byId("run-errors").querySelector("tbody").replaceChildren(
    ...page.items.map((entry) =>
      h(
        "tr",
        {},
        h("td", { class: "num" }, entry.row),
        h("td", {}, badge(entry.status.toLowerCase(), entry.status)),
        h("td", {}, entry.column || "—"),
        h("td", {}, entry.message),
      ),
    ),
  );
  const first = page.page * ERRORS_PER_PAGE + 1;
  const last = first + page.items.length - 1;
  byId("run-errors-pager").replaceChildren(
    entries.length > ERRORS_PER_PAGE
      ? pager(
          "Row error pages",
          { ...page, text: `Errors ${first} to ${last} of ${entries.length} (page ${page.page + 1} of ${page.pages})` },
          (next) => {
            errorPage = next;
            renderErrors();
          },
        )
      : "",
  );
}

function renderActions() {
  const final = FINAL_STATUSES.has(row.status);
  byId("run-download").hidden = !(final && row.processedFileStoreId);
  byId("run-credentials").hidden = !row.additionalDetails?.credentialsFileStoreId;
  byId("run-retry").hidden = !RETRYABLE.has(row.status);
}

function render() {
  byId("run-title").textContent = `Run of a ${row.type} file`;
  renderFacts();
  renderProgress();
  renderCounts();
  renderErrors();
  renderActions();
  // A run that failed as a whole says why in additionalDetails.error (code and message).
  const failure = row.additionalDetails?.error;
  showError(
    byId("run-error"),
    row.status === "failed" && failure
      ? new ApiError(0, [
          { code: failure.code ?? "FAILED", message: failure.message ?? JSON.stringify(failure) },
        ])
      : null,
  );
}

function follow(id) {
  stop?.();
  stop = every(POLL_MS, async () => {
    try {
      const [found] = await searchResources({ id: [id] });
      if (!found) throw new Error(`no resource ${id} in this tenant`);
      row = found;
      render();
      showError(byId("run-file-error"), null);
      return !FINAL_STATUSES.has(row.status);
    } catch (error) {
      showError(byId("run-error"), error);
      return false;
    }
  });
}

async function downloadFile(button, fileStoreId, fallback) {
  await busy(button, async () => {
    try {
      const { blob, filename } = await fetchFile(fileStoreId, fallback);
      saveBlob(blob, filename);
      showError(byId("run-file-error"), null);
    } catch (error) {
      showError(byId("run-file-error"), error);
    }
  });
}

export function init() {
  byId("run-download").addEventListener("click", (event) =>
    downloadFile(event.currentTarget, row.processedFileStoreId, `processed-${row.type}.xlsx`),
  );
  byId("run-credentials").addEventListener("click", (event) =>
    downloadFile(
      event.currentTarget,
      row.additionalDetails.credentialsFileStoreId,
      `credentials-${row.id}.xlsx`,
    ),
  );
  byId("run-retry").addEventListener("click", async (event) => {
    await busy(event.currentTarget, async () => {
      try {
        const reopened = await createResource({
          type: row.type,
          fileStoreId: row.fileStoreId,
          action: "retry",
          hierarchyType: row.hierarchyType,
          campaignId: row.campaignId ?? undefined,
        });
        follow(reopened.id);
      } catch (error) {
        showError(byId("run-file-error"), error);
      }
    });
  });
}

export function show(id) {
  if (!row || row.id !== id) {
    row = null;
    errorPage = 0;
    byId("run-title").textContent = "Run";
    byId("run-facts").replaceChildren();
    byId("run-progress").removeAttribute("value");
    byId("run-percent").textContent = "";
    byId("run-stage").textContent = "Waiting for the first answer";
    byId("run-detail").textContent = "";
    byId("run-counts").hidden = true;
    byId("run-errors-section").hidden = true;
    for (const button of ["run-download", "run-credentials", "run-retry"]) byId(button).hidden = true;
    showError(byId("run-error"), null);
    showError(byId("run-file-error"), null);
  }
  follow(id);
}

export function leave() {
  stop?.();
  stop = null;
}
