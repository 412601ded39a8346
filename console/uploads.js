/**
 * Uploads: the tenant's resource rows, newest first, a page at a time (_search with
 * limit and offset; one row more than a page is asked for, to know whether a next exists).
 */
import { searchResources } from "./api.js";
import { STATUS_TEXT, progressOf } from "./progress.js";
import { badge, byId, h, pager, showError, when } from "./dom.js";

let offset = 0;

function size() {
  return Number(byId("uploads-size").value);
}

async function load() {
  const limit = size();
  try {
    const rows = await searchResources({
      type: byId("uploads-type").value,
      status: byId("uploads-status").value,
      limit: limit + 1,
      offset,
    });
    showError(byId("uploads-error"), null);
    render(rows.slice(0, limit), rows.length > limit);
  } catch (error) {
    showError(byId("uploads-error"), error);
  }
}

function render(rows, more) {
  byId("uploads-table").querySelector("tbody").replaceChildren(
    ...rows.map((row) => {
      const counts = row.additionalDetails?.counts ?? {};
      const errors = row.additionalDetails?.rowErrors?.length ?? 0;
      const progress = progressOf(row);
      return h(
        "tr",
        { "data-resource": row.id },
        h("td", {}, when(row.auditDetails?.createdTime)),
        h("td", {}, row.type),
        h("td", {}, row.action),
        h(
          "td",
          {},
          badge(row.status, STATUS_TEXT[row.status] ?? row.status),
          progress.percent !== null && progress.percent < 100 ? ` ${progress.percent}%` : "",
        ),
        h("td", { class: "num" }, counts.total ?? "—"),
        h("td", { class: "num" }, counts.created ?? "—"),
        h("td", { class: "num" }, errors || "—"),
        h("td", {}, row.campaignId ? h("code", { title: row.campaignId }, row.campaignId.slice(0, 8)) : "—"),
        h(
          "td",
          {},
          h("a", { href: `#/runs/${encodeURIComponent(row.id)}`, "aria-label": `Details of the ${row.type} upload of ${when(row.auditDetails?.createdTime)}` }, "Details"),
        ),
      );
    }),
  );
  byId("uploads-empty").hidden = rows.length > 0;
  const page = Math.floor(offset / size());
  const first = rows.length ? offset + 1 : 0;
  byId("uploads-pager").replaceChildren(
    pager(
      "Upload pages",
      { page, pages: more ? page + 2 : page + 1, text: `Uploads ${first} to ${offset + rows.length}` },
      (next) => {
        offset = Math.max(0, next * size());
        load();
      },
    ),
  );
}

export function init() {
  byId("uploads-form").addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    load();
  });
}

export function show() {
  load();
}
