// The papers page: instant search, facets with counts, sorting, state in the URL query.
//
// Built for 10,000 papers: each paper's lowercase search text is computed once; a
// keystroke is one pass over those strings (no debounce needed), and only a page of
// cards is rendered ("Show more" and scrolling add the next page). The server-rendered
// list stays in the HTML for browsers without JavaScript.

import { onBookmarksChanged, refreshStarButtons, starredIds } from "./bookmarks.js";
import { fetchJSON, matchesAll, paperCard, paperText, queryTerms } from "./common.js";

const PAGE_SIZE = 50;
const MAX_KEYWORD_OPTIONS = 300;
const FACETS = ["track", "day", "session", "kw"];

const root = document.getElementById("paper-browser");
if (root) await start(root);

async function start(root) {
  const [papers, explore] = await Promise.all([fetchJSON("papers.json"), fetchJSON("explore.json")]);
  const form = root.querySelector("form");
  const query = form.elements.q;
  const sort = form.elements.sort;
  const count = document.getElementById("paper-count");
  const list = document.getElementById("paper-cards");
  const more = document.getElementById("paper-more");

  const trackNames = new Map(explore.tracks.map((track) => [track.id, track.name]));
  const sessionsById = new Map(explore.sessions.map((session) => [session.id, session]));
  const items = papers.map((paper) => {
    const sessions = paper.sessions.filter((id) => sessionsById.has(id));
    const starts = sessions.map((id) => Date.parse(sessionsById.get(id).start));
    return {
      paper,
      text: paperText(paper),
      values: {
        track: paper.track ? [paper.track] : [],
        day: [...new Set(sessions.map((id) => sessionsById.get(id).day))],
        session: sessions,
        kw: paper.keywords,
      },
      start: starts.length ? Math.min(...starts) : Infinity,
    };
  });
  const collator = new Intl.Collator(undefined, {sensitivity: "base", numeric: true});
  const byTitle = items.slice().sort((a, b) => collator.compare(a.paper.title, b.paper.title));
  const titleRank = new Map(byTitle.map((item, rank) => [item, rank]));
  const byTime = items.slice().sort((a, b) => a.start - b.start || titleRank.get(a) - titleRank.get(b));

  const labels = {
    track: (id) => trackNames.get(id) || id,
    day: (day) => explore.sessions.find((session) => session.day === day)?.dayLabel || day,
    session: (id) => sessionsById.get(id)?.title || id,
    kw: (keyword) => keyword,
  };
  const allLabels = {track: "All tracks", day: "All days", session: "All sessions", kw: "All keywords"};
  // Facet values in a fixed order: tracks as configured, days and sessions by time.
  const facetOrder = {
    track: [...trackNames.keys()],
    day: [...new Set(explore.sessions.map((session) => session.day))],
    session: explore.sessions.map((session) => session.id),
    kw: null, // by count, most used first
  };

  const state = readState();
  let shown = PAGE_SIZE;
  let results = [];

  function readState() {
    const params = new URLSearchParams(window.location.search);
    const read = {q: params.get("q") || "", sort: params.get("sort") || "title", seed: params.get("seed") || ""};
    for (const facet of FACETS) read[facet] = params.get(facet) || "";
    if (!["title", "time", "shuffle"].includes(read.sort)) read.sort = "title";
    if (read.sort === "shuffle" && !read.seed) read.seed = newSeed();
    return read;
  }

  function writeState() {
    const params = new URLSearchParams();
    for (const key of ["q", ...FACETS]) if (state[key]) params.set(key, state[key]);
    if (state.sort !== "title") params.set("sort", state.sort);
    if (state.sort === "shuffle") params.set("seed", state.seed);
    const search = params.toString();
    history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
  }

  function newSeed() {
    return Math.floor(Math.random() * 1e9).toString(36);
  }

  function shuffled(seed) {
    // A stable shuffle: order by a hash of (seed, id), so a shared link shows the same order.
    const key = (id) => {
      let hash = 2166136261;
      for (const char of seed + id) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
      return hash >>> 0;
    };
    return items.map((item) => [key(item.paper.id), item]).sort((a, b) => a[0] - b[0]).map((pair) => pair[1]);
  }

  let shuffleCache = null;
  function ordered() {
    if (state.sort === "time") return byTime;
    if (state.sort === "shuffle") {
      if (shuffleCache?.seed !== state.seed) shuffleCache = {seed: state.seed, items: shuffled(state.seed)};
      return shuffleCache.items;
    }
    return byTitle;
  }

  function update() {
    performance.mark("papers-update-start");
    const terms = queryTerms(state.q);
    const counts = Object.fromEntries(FACETS.map((facet) => [facet, new Map()]));
    results = [];
    for (const item of ordered()) {
      if (terms.length && !matchesAll(item.text, terms)) continue;
      // A facet's counts ignore that facet's own choice (so its other options stay useful).
      let failed = null;
      let failures = 0;
      for (const facet of FACETS) {
        if (state[facet] && !item.values[facet].includes(state[facet])) {
          failed = facet;
          failures += 1;
        }
      }
      if (failures > 1) continue;
      for (const facet of FACETS) {
        if (failures === 1 && facet !== failed) continue;
        const facetCounts = counts[facet];
        for (const value of item.values[facet]) facetCounts.set(value, (facetCounts.get(value) || 0) + 1);
      }
      if (failures === 0) results.push(item);
    }
    for (const facet of FACETS) fillFacet(facet, counts[facet]);
    shown = PAGE_SIZE;
    render();
    writeState();
    performance.measure("papers-update", "papers-update-start");
  }

  function fillFacet(facet, counts) {
    const select = form.querySelector(`[data-facet="${facet}"]`);
    let values = facetOrder[facet] || [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || a.localeCompare(b))
      .slice(0, MAX_KEYWORD_OPTIONS);
    values = values.filter((value) => counts.has(value) || value === state[facet]);
    if (state[facet] && !values.includes(state[facet])) values.unshift(state[facet]);
    const options = [new Option(allLabels[facet], "")];
    for (const value of values) {
      options.push(new Option(`${labels[facet](value)} (${counts.get(value) || 0})`, value));
    }
    select.replaceChildren(...options);
    select.value = state[facet];
    select.closest(".control").hidden = values.length === 0 && !state[facet];
  }

  function render() {
    const starred = starredIds();
    const cards = results.slice(0, shown).map((item) => paperCard(item.paper, trackNames, starred.has(item.paper.id)));
    list.replaceChildren(...cards);
    const total = results.length;
    count.textContent = total === items.length && !state.q
      ? `${total} papers`
      : `${total} of ${items.length} papers match`;
    more.hidden = shown >= total;
    more.textContent = `Show more (${Math.min(PAGE_SIZE, total - shown)} of ${total - shown} left)`;
  }

  function showMore() {
    const starred = starredIds();
    const next = results.slice(shown, shown + PAGE_SIZE);
    list.append(...next.map((item) => paperCard(item.paper, trackNames, starred.has(item.paper.id))));
    shown += next.length;
    more.hidden = shown >= results.length;
    more.textContent = `Show more (${Math.min(PAGE_SIZE, results.length - shown)} of ${results.length - shown} left)`;
  }

  query.addEventListener("input", () => { state.q = query.value; update(); });
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target === sort) {
      state.sort = sort.value;
      if (state.sort === "shuffle") state.seed = newSeed();
    } else if (target.dataset.facet) {
      state[target.dataset.facet] = target.value;
    } else {
      return;
    }
    update();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const key of ["q", ...FACETS]) state[key] = "";
    query.value = "";
    state.sort = "title";
    sort.value = "title";
    update();
  });
  more.addEventListener("click", showMore);
  // Load the next page as the "Show more" button scrolls into view.
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting) && !more.hidden) showMore();
  }, {rootMargin: "400px"}).observe(more);
  onBookmarksChanged(() => refreshStarButtons(list));

  query.value = state.q;
  sort.value = state.sort;
  document.getElementById("paper-index").hidden = true;
  root.hidden = false;
  update();
  root.dataset.ready = "true";
  performance.mark("papers-interactive");

  // Abstract words arrive after the first render: the page is usable before they land.
  const search = await fetchJSON("search.json");
  items.forEach((item, index) => { item.text += ` ${search.papers[index] || ""}`; });
  root.dataset.abstracts = "true";
  if (state.q) update();
}
