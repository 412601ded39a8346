/**
 * The project-factory HTTP API as the console speaks it.
 *
 * Every API call goes to this page's own origin (relative URLs) with the session's bearer
 * token; files travel through the presigned URLs the API answers, which carry no token
 * (S3 would refuse a second credential). A refusal becomes an ApiError holding the
 * answer's codes and messages, whichever of the three shapes it came in: the DIGIT
 * envelope ({"Errors": [{code, message}]}), API Gateway's own ({"message": "Unauthorized"},
 * with a www-authenticate header saying why), or S3's XML error.
 */

const TOKEN_KEY = "pf.console.token";
const TENANT_KEY = "pf.console.tenant";
/** The locale of generated templates (RequestInfo.msgId "…|en_IN"). */
export const LOCALE = "en_IN";
/** The module uploads are filed under, as the DIGIT admin console files them. */
const MODULE = "HCM-ADMIN-CONSOLE";
/**
 * Larger files go straight to S3 through a presigned upload: a multipart upload reaches
 * its Lambda base64-encoded inside a 6 MB invocation payload, so about 4.4 MB is the most
 * that route can take.
 */
export const MULTIPART_MAX_BYTES = 4 * 1024 * 1024;

/** The tenant and token of this tab (sessionStorage: gone when the tab closes). */
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  },
  get tenant() {
    return sessionStorage.getItem(TENANT_KEY) ?? "";
  },
  save(tenant, token) {
    sessionStorage.setItem(TENANT_KEY, tenant);
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  forget() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** What the token says of its holder (read, not verified: the API verifies it). */
export function claimsOf(token) {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const text = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(text, (character) => character.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: no answer at all)
   * @param {{code: string, message: string}[]} errors
   */
  constructor(status, errors) {
    super(errors.map((error) => `${error.code}: ${error.message}`).join("; "));
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
  }

  get code() {
    return this.errors[0]?.code ?? "ERROR";
  }
}

const GATEWAY_CODES = {
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  413: "REQUEST_TOO_LARGE",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
};

/** The reason a bearer challenge gives (`error_description="…"`), if it gives one. */
function challengeReason(header) {
  const found = /error_description="([^"]*)"/.exec(header ?? "");
  return found ? found[1] : "";
}

function s3Error(text) {
  if (!text.trimStart().startsWith("<")) return null;
  const xml = new DOMParser().parseFromString(text, "application/xml");
  const code = xml.querySelector("Error > Code")?.textContent;
  if (!code) return null;
  return { code, message: xml.querySelector("Error > Message")?.textContent ?? "" };
}

/** The errors an answer that is not OK carries, as [{code, message}]. */
export async function errorsOf(response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (body && Array.isArray(body.Errors) && body.Errors.length > 0) {
    return body.Errors.map((error) => ({
      code: String(error.code ?? "ERROR"),
      message: String(error.message ?? error.description ?? ""),
    }));
  }
  const code = GATEWAY_CODES[response.status] ?? `HTTP_${response.status}`;
  if (body && typeof body.message === "string") {
    const reason = challengeReason(response.headers.get("www-authenticate"));
    return [{ code, message: reason ? `${body.message}: ${reason}` : body.message }];
  }
  return [s3Error(text) ?? { code, message: text.slice(0, 300) || response.statusText }];
}

function requestInfo() {
  return { apiId: "console", msgId: `console|${LOCALE}` };
}

async function call(method, path, { query, body, form } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, [
      { code: "API_UNREACHABLE", message: `${method} ${url.pathname}: ${error.message}` },
    ]);
  }
  if (!response.ok) throw new ApiError(response.status, await errorsOf(response));
  return response.json();
}

// ------------------------------------------------------------------------ the routes
export function health() {
  return call("GET", "/health");
}

function templateQuery({ type, hierarchyType, campaignId }) {
  return { tenantId: session.tenant, type, hierarchyType, campaignId };
}

/** POST _generate: the generation (GeneratedResource) it started or found. */
export async function generate({ type, hierarchyType, campaignId, force }) {
  const answer = await call("POST", "/project-factory/v1/data/_generate", {
    query: { ...templateQuery({ type, hierarchyType, campaignId }), forceUpdate: String(!!force) },
    body: { RequestInfo: requestInfo() },
  });
  return answer.GeneratedResource[0];
}

/** POST _download: the template's generation `id` (or its latest), [] or [one]. */
export async function download({ type, hierarchyType, campaignId, id }) {
  const answer = await call("POST", "/project-factory/v1/data/_download", {
    query: { ...templateQuery({ type, hierarchyType, campaignId }), id },
    body: { RequestInfo: requestInfo() },
  });
  return answer.GeneratedResource;
}

/** POST _create: the resource row it accepted (validate, create or retry). */
export async function createResource(details) {
  const answer = await call("POST", "/project-factory/v1/data/_create", {
    body: { RequestInfo: requestInfo(), ResourceDetails: { tenantId: session.tenant, ...details } },
  });
  return answer.ResourceDetails;
}

/** POST _search in the session's tenant: resource rows, newest first. */
export async function searchResources(criteria) {
  const SearchCriteria = { tenantId: session.tenant };
  for (const [key, value] of Object.entries(criteria)) {
    if (value !== undefined && value !== null && value !== "") SearchCriteria[key] = value;
  }
  const answer = await call("POST", "/project-factory/v1/data/_search", {
    body: { RequestInfo: requestInfo(), SearchCriteria },
  });
  return answer.ResourceDetails;
}

export async function searchCampaigns(ids) {
  if (ids.length === 0) return [];
  const answer = await call("POST", "/project-factory/v1/project-type/search", {
    body: { RequestInfo: requestInfo(), CampaignDetails: { tenantId: session.tenant, ids } },
  });
  return answer.CampaignDetails;
}

export async function createCampaign(details) {
  const answer = await call("POST", "/project-factory/v1/project-type/create", {
    body: { RequestInfo: requestInfo(), CampaignDetails: { tenantId: session.tenant, ...details } },
  });
  return answer.CampaignDetails;
}

// ------------------------------------------------------------------------ files
/** GET /filestore/v1/files/url: the presigned URL of one file. */
export async function fileUrl(fileStoreId) {
  const answer = await call("GET", "/filestore/v1/files/url", {
    query: { tenantId: session.tenant, fileStoreIds: fileStoreId },
  });
  return answer.fileStoreIds[0].url;
}

function filenameOf(disposition, fallback) {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? "");
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // a name that does not decode: the fallback
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition ?? "");
  return plain ? plain[1] : fallback;
}

/** A stored file's bytes, fetched through its presigned URL: {blob, filename}. */
export async function fetchFile(fileStoreId, fallbackName) {
  const url = await fileUrl(fileStoreId);
  let response;
  try {
    response = await fetch(url, { credentials: "omit", cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, [{ code: "DOWNLOAD_FAILED", message: error.message }]);
  }
  if (!response.ok) throw new ApiError(response.status, await errorsOf(response));
  const blob = await response.blob();
  return { blob, filename: filenameOf(response.headers.get("content-disposition"), fallbackName) };
}

/** Offers `blob` to the browser as a download named `filename`. */
export function saveBlob(blob, filename) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/**
 * Stores a file; its fileStoreId. Through the API (multipart) unless `presigned` or the
 * file is too large for it; then straight to S3 with the upload the API signs: a PUT
 * with the headers it names, or a form POST with its fields (the file last).
 */
export async function uploadFile(file, { presigned = false } = {}) {
  if (!presigned && file.size <= MULTIPART_MAX_BYTES) {
    const form = new FormData();
    form.append("tenantId", session.tenant);
    form.append("module", MODULE);
    form.append("file", file, file.name);
    const answer = await call("POST", "/filestore/v1/files", { form });
    return answer.files[0].fileStoreId;
  }
  const grant = await call("POST", "/filestore/v1/files/upload-url", {
    body: { tenantId: session.tenant, fileName: file.name, module: MODULE },
  });
  if (grant.maxBytes && file.size > grant.maxBytes) {
    throw new ApiError(0, [
      {
        code: "FILE_TOO_LARGE",
        message: `${file.name} is ${file.size.toLocaleString()} bytes; uploads take at most ${grant.maxBytes.toLocaleString()}`,
      },
    ]);
  }
  let request;
  if ((grant.method ?? "PUT").toUpperCase() === "POST") {
    const form = new FormData();
    for (const [key, value] of Object.entries(grant.fields ?? {})) form.append(key, value);
    form.append("file", file, file.name);
    request = { method: "POST", body: form };
  } else {
    request = { method: grant.method ?? "PUT", headers: grant.headers ?? {}, body: file };
  }
  let response;
  try {
    response = await fetch(grant.url, { ...request, credentials: "omit" });
  } catch (error) {
    throw new ApiError(0, [{ code: "UPLOAD_FAILED", message: error.message }]);
  }
  if (!response.ok) throw new ApiError(response.status, await errorsOf(response));
  return grant.fileStoreId;
}
