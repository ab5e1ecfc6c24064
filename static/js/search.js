// The header's site-wide search: papers (title, authors, keywords, abstract words),
// speakers, workshops, sessions and pages, from papers.json and search.json (written at
// freeze time). The index loads on first focus, so pages that never search pay nothing.

import { el, fetchJSON, matchesAll, paperText, queryTerms, siteUrl } from "./common.js";

const MAX_RESULTS = 8;

async function loadIndex() {
  const [papers, search] = await Promise.all([fetchJSON("papers.json"), fetchJSON("search.json")]);
  const entries = papers.map((paper, index) => ({
    kind: "Paper", title: paper.title, url: paper.url, detail: paper.authors.join(", "),
    titleText: paper.title.toLowerCase(),
    text: `${paperText(paper)} ${search.papers[index] || ""}`,
  }));
  for (const page of search.pages) {
    const titleText = page.title.toLowerCase();
    entries.push({...page, detail: "", titleText, text: `${titleText} ${page.text}`});
  }
  return entries;
}

/** Best matches first: a title containing every term beats a match elsewhere. */
export function searchEntries(entries, query, limit = MAX_RESULTS) {
  const terms = queryTerms(query);
  if (!terms.length) return {results: [], total: 0};
  const inTitle = [];
  const elsewhere = [];
  for (const entry of entries) {
    if (matchesAll(entry.titleText, terms)) inTitle.push(entry);
    else if (matchesAll(entry.text, terms)) elsewhere.push(entry);
  }
  const all = inTitle.concat(elsewhere);
  return {results: all.slice(0, limit), total: all.length};
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
    const entries = await index;
    const query = input.value.trim();
    const {results, total} = searchEntries(entries, query);
    list.replaceChildren();
    active = -1;
    if (!query) return close();
    results.forEach((entry, i) => {
      list.append(el("li", {role: "option", id: `site-search-option-${i}`, "aria-selected": "false"},
        el("a", {href: siteUrl(entry.url), tabindex: "-1"},
          el("span", {class: "result-kind"}, entry.kind),
          el("span", {class: "result-title"}, entry.title),
          entry.detail ? el("span", {class: "result-detail"}, entry.detail) : null)));
    });
    const papersLink = `${siteUrl("papers.html")}?q=${encodeURIComponent(query)}`;
    list.append(el("li", {role: "option", id: "site-search-option-all", "aria-selected": "false", class: "result-all"},
      el("a", {href: papersLink, tabindex: "-1"},
        total ? `All ${total} results: filter the papers for “${query}”` : `No results for “${query}”`)));
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
