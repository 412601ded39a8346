/**
 * Upload: the file stored (multipart through the API, or a presigned upload straight to
 * S3), then _create with validate or create; the run's screen follows it.
 */
import { MULTIPART_MAX_BYTES, createResource, uploadFile } from "./api.js";
import { loadKnown } from "./campaigns.js";
import { busy, byId, say, showError } from "./dom.js";

async function submit(event) {
  event.preventDefault();
  const status = byId("upload-status");
  const problem = byId("upload-error");
  const [file] = byId("upload-file").files;
  if (!file) return;
  showError(problem, null);
  await busy(byId("upload-submit"), async () => {
    try {
      const presigned = byId("upload-presigned").checked || file.size > MULTIPART_MAX_BYTES;
      say(status, `Uploading ${file.name}${presigned ? " straight to storage" : ""} …`);
      const fileStoreId = await uploadFile(file, { presigned });
      const action = document.querySelector('input[name="action"]:checked').value;
      say(status, `Uploaded; asking to ${action} …`);
      const row = await createResource({
        type: byId("upload-type").value,
        fileStoreId,
        action,
        hierarchyType: byId("upload-hierarchy").value.trim(),
        campaignId: byId("upload-campaign").value.trim() || undefined,
      });
      say(status);
      window.location.hash = `#/runs/${encodeURIComponent(row.id)}`;
    } catch (error) {
      say(status);
      showError(problem, error);
    }
  });
}

export function init() {
  byId("upload-form").addEventListener("submit", submit);
}

export function show() {
  loadKnown().catch(() => {});
}
