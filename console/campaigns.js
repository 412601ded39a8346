/**
 * Campaigns: the ones this browser knows of in the tenant, and a form for a new one (a
 * child when it names a parent).
 *
 * The API searches campaigns by id only, so the list is of the ids this browser has met:
 * campaigns created here (kept in localStorage per tenant: ids, nothing secret), those the
 * tenant's uploads name, and any looked up by id. What is shown is always the API's answer
 * for those ids.
 */
import { createCampaign, searchCampaigns, searchResources, session } from "./api.js";
import { badge, busy, byId, h, say, showError } from "./dom.js";

const MAX_KNOWN = 100;

function storageKey() {
  return `pf.console.campaigns.${session.tenant}`;
}

function knownIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(storageKey()) ?? "[]");
    return Array.isArray(ids) ? ids.map(String) : [];
  } catch {
    return [];
  }
}

function remember(...ids) {
  const merged = [...new Set([...ids, ...knownIds()])].slice(0, MAX_KNOWN);
  localStorage.setItem(storageKey(), JSON.stringify(merged));
}

let listed = [];

/** Fills the campaign inputs' suggestions (the <datalist>) and the parent choice. */
function offer(campaigns) {
  const options = byId("campaign-options");
  options.replaceChildren(
    ...campaigns.map((campaign) => h("option", { value: campaign.id }, campaign.name)),
  );
  const parent = byId("campaign-parent");
  const chosen = parent.value;
  parent.replaceChildren(
    h("option", { value: "" }, "None"),
    ...campaigns.map((campaign) =>
      h("option", { value: campaign.id }, `${campaign.name} (${campaign.id.slice(0, 8)})`),
    ),
  );
  parent.value = campaigns.some((campaign) => campaign.id === chosen) ? chosen : "";
}

/** The known campaigns as the API has them now (and the suggestions refreshed). */
export async function loadKnown({ withUploads = false } = {}) {
  let ids = knownIds();
  if (withUploads) {
    const rows = await searchResources({ limit: 100 });
    ids = [...new Set([...ids, ...rows.map((row) => row.campaignId).filter(Boolean)])];
  }
  listed = await searchCampaigns(ids.slice(0, MAX_KNOWN));
  const order = new Map(ids.map((id, index) => [id, index]));
  listed.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  offer(listed);
  return listed;
}

function render(campaigns) {
  const names = new Map(campaigns.map((campaign) => [campaign.id, campaign.name]));
  const body = byId("campaigns-table").querySelector("tbody");
  body.replaceChildren(
    ...campaigns.map((campaign) =>
      h(
        "tr",
        { "data-campaign": campaign.id },
        h("th", { scope: "row" }, campaign.name),
        h("td", {}, h("code", {}, campaign.id)),
        h("td", {}, campaign.hierarchyType),
        h(
          "td",
          {},
          campaign.boundaries.map((boundary) => `${boundary.code} (${boundary.type})`).join(", "),
        ),
        h("td", { class: "parent" }, campaign.parentId ? (names.get(campaign.parentId) ?? campaign.parentId) : "—"),
        h("td", {}, badge(campaign.status)),
        h(
          "td",
          { class: "row-actions" },
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              onclick: () => startChild(campaign),
              "aria-label": `Add a child campaign to ${campaign.name}`,
            },
            "Add a child",
          ),
          h(
            "a",
            {
              class: "button secondary small",
              href: `#/templates/${encodeURIComponent(campaign.id)}`,
              "aria-label": `Download a template for ${campaign.name}`,
            },
            "Template",
          ),
        ),
      ),
    ),
  );
  byId("campaigns-empty").hidden = campaigns.length > 0;
}

function startChild(parent) {
  byId("campaign-parent").value = parent.id;
  byId("campaign-hierarchy").value = parent.hierarchyType;
  byId("campaign-form-title").textContent = `New child campaign of ${parent.name}`;
  byId("campaign-name").focus();
}

/** "CODE Level" lines as campaign boundaries. */
export function parseBoundaries(text, includeAllChildren) {
  const boundaries = [];
  for (const [index, line] of text.split("\n").entries()) {
    const words = line.trim().split(/[\s,;]+/).filter(Boolean);
    if (words.length === 0) continue;
    if (words.length !== 2) {
      throw new Error(`line ${index + 1}: give a boundary code and its level, e.g. KOLO_F765D1 District`);
    }
    boundaries.push({ code: words[0], type: words[1], includeAllChildren });
  }
  if (boundaries.length === 0) throw new Error("give at least one boundary");
  return boundaries;
}

async function refresh() {
  try {
    render(await loadKnown({ withUploads: true }));
    showError(byId("campaigns-error"), null);
  } catch (error) {
    showError(byId("campaigns-error"), error);
  }
}

export function init() {
  byId("campaign-find").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = byId("campaign-find-id").value.trim();
    try {
      const [found] = await searchCampaigns([id]);
      if (!found) throw new Error(`no campaign ${id} in tenant ${session.tenant}`);
      remember(id);
      byId("campaign-find-id").value = "";
      await refresh();
    } catch (error) {
      showError(byId("campaigns-error"), error);
    }
  });
  byId("campaign-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = byId("campaign-status");
    const problem = byId("campaign-error");
    await busy(byId("campaign-submit"), async () => {
      try {
        const parentId = byId("campaign-parent").value || undefined;
        const created = await createCampaign({
          name: byId("campaign-name").value.trim(),
          hierarchyType: byId("campaign-hierarchy").value.trim(),
          boundaries: parseBoundaries(
            byId("campaign-boundaries").value,
            byId("campaign-children").checked,
          ),
          parentId,
        });
        remember(created.id);
        showError(problem, null);
        say(
          status,
          "Created ",
          h("strong", {}, created.name),
          " ",
          h("code", {}, created.id),
          parentId ? ", a child campaign: its templates are generated again with the new boundaries." : ".",
        );
        byId("campaign-form").reset();
        byId("campaign-form-title").textContent = "New campaign";
        await refresh();
      } catch (error) {
        say(status);
        showError(problem, error);
      }
    });
  });
}

export function show() {
  refresh();
}
