// The header's site-wide search: papers ranked by rank.js (title, keywords, authors and
// affiliations, TL;DR, abstract), then speakers, workshops, sessions and pages, from
// papers.json and search.json (written at freeze time). The index loads on first focus,
// so pages that never search pay nothing.

import { el, fetchJSON, siteUrl } from "./common.js";
import { buildIndex, marked, paperIndex, rankedOrder, search } from "./rank.js";

const MAX_RESULTS = 8;
const MAX_PAGES = 3; // other pages shown when papers match too

async function loadIndex() {
  const [papers, searchData, papersIndex] = await Promise.all([
    fetchJSON("papers.json"), fetchJSON("search.json"), paperIndex("full")]);
  const pages = searchData.pages;
  // Other pages are ranked the same way: their title as the title, their words as the abstract.
  const pagesIndex = buildIndex(pages.map((page) => [page.title, "", "", "", page.text]));
  return {papers, papersIndex, pages, pagesIndex};
}

/**
 * The best results for a query: {results, papers} where `papers` counts every matching
 * paper (what "All N papers" opens) and results hold the best papers, then other pages.
 */
export function searchSite(index, query, limit = MAX_RESULTS) {
  const paperResult = search(index.papersIndex, query);
  if (!paperResult) return {results: [], papers: 0, query: null};
  const pageResult = search(index.pagesIndex, query);
  const pages = rankedOrder(pageResult).slice(0, MAX_PAGES).map((i) => ({...index.pages[i], detail: ""}));
  const paperLimit = Math.max(limit - pages.length, limit - MAX_PAGES);
  const papers = rankedOrder(paperResult).slice(0, paperLimit).map((i) => {
    const paper = index.papers[i];
    return {kind: "Paper", title: paper.title, url: paper.url, detail: paper.authors.join(", ")};
  });
  return {results: [...papers, ...pages].slice(0, limit), papers: paperResult.count, query: paperResult.query};
}

export function wireSiteSearch() {
  const input = document.getElementById("site-search-input");
  const list = document.getElementById("site-search-results");
  if (!input || !list) return;
  const box = input.closest(".site-search");
  box.hidden = false;
  let index = null;
  let active = -1;

  const options = () => [...list.querySelectorAll("[role=option]")];
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (next) => {
    const items = options();
    if (!items.length) return;
    active = (next + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", i === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({block: "nearest"});
  };
  const render = async () => {
    index ??= loadIndex();
    const loaded = await index;
    const query = input.value.trim();
    const {results, papers, query: parsed} = searchSite(loaded, query);
    list.replaceChildren();
    active = -1;
    if (!query) return close();
    results.forEach((entry, i) => {
      list.append(el("li", {role: "option", id: `site-search-option-${i}`, "aria-selected": "false"},
        el("a", {href: siteUrl(entry.url), tabindex: "-1"},
          el("span", {class: "result-kind"}, entry.kind),
          el("span", {class: "result-title"}, ...marked(entry.title, parsed)),
          entry.detail ? el("span", {class: "result-detail"}, entry.detail) : null)));
    });
    const papersLink = `${siteUrl("papers.html")}?q=${encodeURIComponent(query)}`;
    list.append(el("li", {role: "option", id: "site-search-option-all", "aria-selected": "false", class: "result-all"},
      el("a", {href: papersLink, tabindex: "-1"},
        // It counts what it opens: the papers page filtered by the query.
        papers ? `All ${papers.toLocaleString("en")} paper${papers === 1 ? "" : "s"} matching “${query}”`
          : results.length ? `No papers match “${query}”` : `No results for “${query}”`)));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };

  input.addEventListener("focus", () => { index ??= loadIndex(); });
  input.addEventListener("input", render);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) render(); else highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") close();
    else if (event.key === "Enter" && input.value.trim()) {
      // The chosen result, or else the papers page filtered by the query.
      event.preventDefault();
      const chosen = active >= 0 ? options()[active] : list.querySelector(".result-all");
      if (chosen) window.location.href = chosen.querySelector("a").href;
      else window.location.href = `${siteUrl("papers.html")}?q=${encodeURIComponent(input.value.trim())}`;
    }
  });
  box.addEventListener("focusout", (event) => {
    if (!box.contains(event.relatedTarget)) close();
  });
}
