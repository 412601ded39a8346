/**
 * The project-factory web console: screens chosen by the URL's hash (#/templates,
 * #/upload, #/runs/<id>, #/uploads, #/campaigns, #/connection), each a module of its own.
 */
import { claimsOf, health, session } from "./api.js";
import * as campaigns from "./campaigns.js";
import { byId, h, say, showError } from "./dom.js";
import * as run from "./run.js";
import * as templates from "./templates.js";
import * as upload from "./upload.js";
import * as uploads from "./uploads.js";

const connection = {
  init() {
    byId("connection-tenant").value = session.tenant;
    byId("connection-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const tenant = byId("connection-tenant").value.trim();
      const token = byId("connection-token").value.trim().replace(/^Bearer\s+/i, "");
      session.save(tenant, token);
      byId("connection-token").value = "";
      showWho();
      window.location.hash = "#/templates";
    });
    byId("connection-forget").addEventListener("click", () => {
      session.forget();
      showWho();
      connection.show();
    });
  },
  show(reason) {
    byId("connection-tenant").value = session.tenant;
    showError(byId("connection-error"), reason ? new Error(reason) : null);
    const claims = session.token ? claimsOf(session.token) : null;
    const status = byId("connection-status");
    if (!claims) {
      say(status);
      return;
    }
    say(
      status,
      h("h2", {}, "The token in use"),
      h(
        "dl",
        { class: "facts" },
        fact("Subject", claims.sub ?? "—"),
        fact("Tenants", listOf(claims.tenants ?? claims.userInfo?.tenantId)),
        fact("Roles", listOf(claims.roles ?? claims.userInfo?.roles?.map((role) => role.code))),
        fact("Expires", claims.exp ? new Date(claims.exp * 1000).toLocaleString() : "—"),
      ),
    );
  },
};

function fact(term, value) {
  return [h("dt", {}, term), h("dd", {}, value)];
}

function listOf(value) {
  if (Array.isArray(value)) return value.join(", ") || "—";
  return value ? String(value) : "—";
}

/** The header's line: who is signed in, in which tenant, and whether the token expired. */
function showWho() {
  const who = byId("who");
  if (!session.token) {
    who.replaceChildren("Not signed in");
    return;
  }
  const claims = claimsOf(session.token) ?? {};
  const expired = claims.exp && claims.exp * 1000 < Date.now();
  who.replaceChildren(
    h("span", {}, claims.sub ?? "signed in"),
    " · tenant ",
    h("strong", { id: "who-tenant" }, session.tenant),
    expired ? h("span", { class: "warning" }, " · token expired") : "",
  );
}

const screens = { connection, templates, upload, run, uploads, campaigns };
let current = null;

function route() {
  let [name, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  if (name === "runs") name = "run";
  if (!(name in screens)) name = session.token ? "templates" : "connection";
  const reason =
    name !== "connection" && !session.token ? "Sign in first: the API needs a token." : null;
  if (reason) name = "connection";
  if (current && current !== screens[name]) current.leave?.();
  current = screens[name];
  for (const section of document.querySelectorAll("[data-screen]")) {
    section.hidden = section.dataset.screen !== name;
  }
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const title = document.querySelector(`[data-screen="${name}"] h1`);
  document.title = `${title?.textContent ?? "Console"} · project-factory`;
  current.show(reason ?? rest.map(decodeURIComponent).join("/"));
}

async function showHealth() {
  const line = byId("health");
  try {
    const answer = await health();
    line.textContent = `API ${answer.status === "UP" ? "up" : answer.status} at ${window.location.origin}`;
  } catch (error) {
    line.textContent = `API unreachable: ${error.message}`;
  }
}

for (const screen of Object.values(screens)) screen.init();
showWho();
showHealth();
window.addEventListener("hashchange", route);
route();
