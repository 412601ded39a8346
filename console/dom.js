/**
 * Small helpers for building the page. Text always goes in as text nodes (never as
 * HTML), so nothing the API answers can become markup.
 */
import { ApiError } from "./api.js";

/** An element: h("td", {class: "num"}, "42"); `on…` props are listeners. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      element.className = value;
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const byId = (id) => document.getElementById(id);

/** Shows an error (an ApiError's codes and messages) in `container`; none hides it. */
export function showError(container, error) {
  container.replaceChildren();
  container.hidden = !error;
  if (!error) return;
  const errors =
    error instanceof ApiError
      ? error.errors
      : [{ code: "ERROR", message: String(error?.message ?? error) }];
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : "";
  for (const [index, item] of errors.entries()) {
    container.append(
      h(
        "p",
        {},
        h("strong", { class: "code" }, item.code),
        " ",
        item.message,
        index === errors.length - 1 ? status : "",
      ),
    );
  }
}

/** Says `text` in a status line (role=status, read out politely). */
export function say(container, ...content) {
  container.replaceChildren(...content);
  container.hidden = content.length === 0;
}

/** A badge for a status (its class names its colour). */
export function badge(status, text = status) {
  return h("span", { class: `badge badge-${String(status).replace(/[^a-z-]/gi, "")}` }, text);
}

/** Runs `task` every `ms` while it returns true; the function returned stops it. */
export function every(ms, task) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    let again = false;
    try {
      again = await task();
    } finally {
      if (again && !stopped) timer = setTimeout(tick, ms);
    }
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A date of the API (milliseconds) as local date and time. */
export function when(milliseconds) {
  if (!milliseconds) return "";
  return new Date(milliseconds).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** Marks a button busy while `work` runs (disabled, aria-busy). */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** A pager (Previous / "Page x of y" / Next) for `state` {page, pages}; `go(page)`. */
export function pager(label, { page, pages, text }, go) {
  return h(
    "nav",
    { class: "pager", "aria-label": label },
    h(
      "button",
      { type: "button", disabled: page <= 0, onclick: () => go(page - 1) },
      "Previous",
    ),
    h("span", { "aria-live": "polite" }, text ?? `Page ${page + 1} of ${pages}`),
    h(
      "button",
      { type: "button", disabled: page >= pages - 1, onclick: () => go(page + 1) },
      "Next",
    ),
  );
}
