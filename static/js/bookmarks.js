// Bookmarks ("stars"): a set of paper ids in localStorage, never sent anywhere. Every
// [data-star] button on the page shows and toggles its paper's star.
//
// The key and format (a JSON array of paper ids) are shared: the schedule feature
// (static/js/schedule.js) reads them to build the personal agenda. The key is this
// site's own (common.js storageKey()), so two sites on one origin keep separate stars.

import { downloadFile, storageKey } from "./common.js";

const STORAGE_KEY = storageKey("bookmarks");
const CHANGED = "miniconf:bookmarks-changed";

export function starredIds() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
    return new Set(Array.isArray(stored) ? stored.filter((id) => typeof id === "string") : []);
  } catch {
    return new Set(); // storage disabled or a corrupt value: start empty rather than fail
  }
}

function save(ids) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify([...ids].sort()));
  } catch {
    // Storage full or disabled (private mode): the star lasts for this page only.
  }
  document.dispatchEvent(new CustomEvent(CHANGED));
}

export function setStarred(paperId, on) {
  const ids = starredIds();
  if (on) ids.add(paperId); else ids.delete(paperId);
  save(ids);
}

/** Call back whenever the stars change, on this page or in another tab of the site. */
export function onBookmarksChanged(callback) {
  document.addEventListener(CHANGED, callback);
  window.addEventListener("storage", (event) => { if (event.key === STORAGE_KEY) callback(); });
}

/** Bring every star button on the page up to date. */
export function refreshStarButtons(root = document) {
  const ids = starredIds();
  for (const button of root.querySelectorAll("[data-star]")) {
    const on = ids.has(button.dataset.star);
    button.hidden = false;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.title = on ? "Remove from My papers" : "Add to My papers";
    const icon = button.querySelector(".star-icon");
    const label = button.querySelector(".star-label");
    if (icon) icon.textContent = on ? "★" : "☆";
    if (label) label.textContent = on ? "Starred" : "Star";
  }
}

/** One click listener for all star buttons, including cards rendered later. */
export function wireStarButtons() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-star]");
    if (!button) return;
    setStarred(button.dataset.star, button.getAttribute("aria-pressed") !== "true");
  });
  onBookmarksChanged(() => refreshStarButtons());
  refreshStarButtons();
}

/** The stars as a downloadable JSON file. */
export function exportBookmarks(siteName) {
  const data = {format: "miniconf-bookmarks", version: 1, site: siteName, papers: [...starredIds()].sort()};
  downloadFile("my-papers.json", JSON.stringify(data, null, 2) + "\n", "application/json");
}

/** Merge a file written by exportBookmarks (or a plain JSON list of ids); returns how many were new. */
export async function importBookmarks(file, knownIds) {
  const data = JSON.parse(await file.text());
  const list = Array.isArray(data) ? data : data && data.papers;
  if (!Array.isArray(list)) throw new Error("this file holds no list of papers");
  const ids = starredIds();
  let added = 0;
  for (const id of list) {
    if (typeof id === "string" && knownIds.has(id) && !ids.has(id)) {
      ids.add(id);
      added += 1;
    }
  }
  save(ids);
  return added;
}
