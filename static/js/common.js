// Shared helpers of the explore feature: where the site's data files are, safe DOM
// building (text only, never innerHTML with data), and the paper card.

/** The site's root folder, found from this module's own URL (static/js/common.js). */
export const siteRoot = new URL("../../", import.meta.url);

/** Absolute URL of a file or page given relative to the site root. */
export function siteUrl(path) {
  return new URL(path, siteRoot).href;
}

/**
 * The localStorage key of one of this site's settings ("bookmarks", "agenda",
 * "timezone"). Keys are per site, scoped by the site's root path, because several
 * MiniConf sites can share one origin (GitHub Pages project sites all live on
 * org.github.io). static/js/schedule.js (a classic script) scopes its keys the same way.
 */
export function storageKey(name) {
  carryOverOnce();
  return `miniconf:${siteRoot.pathname}:${name}`;
}

/** Settings kept under the unscoped keys of earlier versions are copied, once, to this site's. */
function carryOverOnce() {
  const marker = `miniconf:${siteRoot.pathname}:carried-over`;
  try {
    if (localStorage.getItem(marker)) return;
    for (const name of ["bookmarks", "agenda", "timezone"]) {
      const old = localStorage.getItem(`miniconf.${name}`);
      const key = `miniconf:${siteRoot.pathname}:${name}`;
      if (old !== null && localStorage.getItem(key) === null) localStorage.setItem(key, old);
    }
    localStorage.setItem(marker, "1");
  } catch {
    // Storage disabled: nothing to carry over.
  }
}

const loads = new Map();

/** Fetch a JSON file of the site once per page, however many modules ask for it. */
export function fetchJSON(path) {
  if (!loads.has(path)) {
    loads.set(path, fetch(siteUrl(path)).then((response) => {
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return response.json();
    }));
  }
  return loads.get(path);
}

/** Create an element: el("a", {href: "x", class: "y"}, "text", child). Text is never parsed as HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Split a query into lowercase terms; a paper matches when its text contains every term. */
export function queryTerms(query) {
  return (query || "").toLowerCase().split(/\s+/).filter(Boolean);
}

export function matchesAll(text, terms) {
  for (const term of terms) if (!text.includes(term)) return false;
  return true;
}

/** Link to the papers page filtered by some URL parameters ({kw: "x"}, {author: "Ada"}). */
export function papersUrl(params) {
  return `${siteUrl("papers.html")}?${new URLSearchParams(params)}`;
}

/** The star button of one paper; bookmarks.js keeps every button of a paper in sync. */
export function starButton(paperId, pressed, title) {
  return el("button", {
    type: "button", class: "star-button star-small", "data-star": paperId,
    "aria-pressed": pressed ? "true" : "false",
  }, el("span", {class: "star-icon", "aria-hidden": "true"}, pressed ? "★" : "☆"),
  el("span", {class: "star-label"}, pressed ? "Starred" : "Star"),
  // The accessible name says which paper (Star “Ribbon Attention…”), like the page's buttons.
  el("span", {class: "visually-hidden"}, `“${title}”`));
}

/** Tracks by id ({id, name, color}) from explore.json; color is the theme's 1-6. */
export function tracksById(explore) {
  return new Map(explore.tracks.map((track) => [track.id, track]));
}

/**
 * A compact paper card (the same content as the paper_card macro, built in the browser).
 * `mark(text)` gives a text's nodes with the query's matches marked (rank.js marked()).
 */
export function paperCard(paper, tracks, starred, tag = "li", mark = (text) => [text]) {
  const track = tracks.get(paper.track);
  const authors = [];
  paper.authors.forEach((name, i) => {
    if (i) authors.push(", ");
    const key = paper.authorIds?.[i];
    const params = key ? {author: name, author_id: key} : {author: name};
    authors.push(el("a", {href: papersUrl(params), class: "author-link"}, ...mark(name)));
  });
  const card = el("article", {class: "card paper-card", "data-paper-id": paper.id},
    el("div", {class: "card-head"},
      el("h3", {}, el("a", {href: siteUrl(paper.url)}, ...(paper.titleHtml ? [mathTitle(paper.titleHtml)] : mark(paper.title)))),
      starButton(paper.id, starred, paper.title)),
    paper.thumbnail ? el("img", {class: "card-thumb-side", src: siteUrl(paper.thumbnail), alt: "",
      width: 160, height: 90, loading: "lazy", decoding: "async"}) : null,
    el("p", {class: "byline"}, ...authors),
    paper.track ? el("a", {class: `track t${track?.color || 1}`, href: papersUrl({track: paper.track})},
      track?.name || paper.track) : null,
    paper.tldr ? el("p", {class: "tldr"}, ...mark(paper.tldr)) : null,
    paper.keywords.length ? el("ul", {class: "tags", "aria-label": "Keywords"},
      ...paper.keywords.map((keyword) => el("li", {}, el("a", {href: papersUrl({kw: keyword})}, ...mark(keyword))))) : null);
  return el(tag, {}, card);
}

/**
 * A title with math: papers.json's titleHtml, made at build time from escaped text and
 * MathML that the build's sanitizer reduced to math elements (miniconf/site/markup.py),
 * so it is parsed as HTML, unlike any other data; a <template> parses it inert.
 */
function mathTitle(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

/** Track colours: the theme's --t1 … --t6, then evenly spread hues for further tracks. */
export function trackColours(trackIds) {
  const style = getComputedStyle(document.documentElement);
  const colours = new Map();
  trackIds.forEach((id, index) => {
    const themed = index < 6 ? style.getPropertyValue(`--t${index + 1}`).trim() : "";
    colours.set(id, themed || `hsl(${Math.round((index * 137.5) % 360)} 60% 50%)`);
  });
  return colours;
}

// Offers text as a file to save (an agenda's .ics, the bookmarks' JSON): a link to a
// Blob, clicked, then released once the browser has started the download.
export function downloadFile(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
