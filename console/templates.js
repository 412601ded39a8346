/**
 * Templates: _generate, then _download polled until that generation is completed, then
 * the file fetched through its presigned URL and offered as a download.
 */
import { ApiError, download, fetchFile, generate, saveBlob } from "./api.js";
import { loadKnown } from "./campaigns.js";
import { busy, byId, h, say, showError, sleep } from "./dom.js";

const POLL_MS = 500;
const TIMEOUT_MS = 10 * 60 * 1000;
const TYPE_NAMES = {
  facilityWithBoundary: "facilities",
  userWithBoundary: "users",
  boundary: "boundaries",
};

async function completed(request, started) {
  const deadline = Date.now() + TIMEOUT_MS;
  let row = started;
  while (row.status === "inprogress") {
    if (Date.now() > deadline) throw new Error(`generation ${row.id} still in progress`);
    await sleep(POLL_MS);
    const [latest] = await download({ ...request, id: started.id });
    if (latest) row = latest;
  }
  if (row.status !== "completed") {
    // The generation's own error (its code and message), as the API stored it.
    const reason = row.additionalDetails?.error ?? {};
    throw new ApiError(0, [
      {
        code: reason.code ?? `GENERATION_${row.status.toUpperCase()}`,
        message: reason.message ?? `generation ${row.id} ended ${row.status}`,
      },
    ]);
  }
  return row;
}

async function submit(event) {
  event.preventDefault();
  const status = byId("template-status");
  const problem = byId("template-error");
  const request = {
    type: byId("template-type").value,
    hierarchyType: byId("template-hierarchy").value.trim(),
    campaignId: byId("template-campaign").value.trim() || undefined,
  };
  showError(problem, null);
  await busy(byId("template-submit"), async () => {
    try {
      say(status, "Asking for the template …");
      const started = await generate({ ...request, force: byId("template-force").checked });
      say(status, `Generating the template (${started.id}) …`);
      const done = await completed(request, started);
      say(status, "Fetching the workbook …");
      const name = [TYPE_NAMES[request.type] ?? request.type, request.hierarchyType, request.campaignId]
        .filter(Boolean)
        .join("-");
      const { blob, filename } = await fetchFile(done.fileStoreId, `${name}.xlsx`);
      saveBlob(blob, filename);
      say(
        status,
        h("strong", {}, "Downloaded "),
        h("span", { id: "template-filename" }, filename),
        ` — ${done.count ?? "?"} boundaries, generation `,
        h("code", {}, done.id),
        ". Fill it in, then ",
        h("a", { href: "#/upload" }, "upload it"),
        ".",
      );
    } catch (error) {
      say(status);
      showError(problem, error);
    }
  });
}

export function init() {
  byId("template-form").addEventListener("submit", submit);
}

export function show(campaignId) {
  if (campaignId) byId("template-campaign").value = campaignId;
  loadKnown().catch(() => {});
}
