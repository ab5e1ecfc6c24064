// The papers page: ranked search, facets with counts, sorting, state in the URL query.
//
// Built for 10,000 papers: the search is rank.js's inverted index (a keystroke reads
// only its words' postings; no debounce needed), and only a page of cards is rendered
// ("Show more" and scrolling add the next page). The server-rendered list stays in the
// HTML for browsers without JavaScript. Back from a paper restores the cards shown and
// the scroll position (kept in history.state).

import { onBookmarksChanged, refreshStarButtons, starredIds } from "./bookmarks.js";
import { fetchJSON, paperCard, tracksById } from "./common.js";
import { marked, paperIndex, rankedOrder, search } from "./rank.js";
import { dayLabel, viewerDay } from "./zones.js";
import { byDiscussion, withDiscussionBadge } from "./discussion.js";

const PAGE_SIZE = 50;
const MAX_KEYWORD_OPTIONS = 300;
const FACETS = ["track", "day", "session", "kw"];

const root = document.getElementById("paper-browser");
if (root) await start(root);

async function start(root) {
  const [papers, explore] = await Promise.all([fetchJSON("papers.json"), fetchJSON("explore.json")]);
  const controls = document.getElementById("paper-controls");
  const query = document.getElementById("paper-query");
  const sort = document.getElementById("paper-sort");
  const count = document.getElementById("paper-count");
  const list = document.getElementById("paper-cards");
  const more = document.getElementById("paper-more");

  const tracks = tracksById(explore);
  const trackNames = new Map(explore.tracks.map((track) => [track.id, track.name]));
  const sessionsById = new Map(explore.sessions.map((session) => [session.id, session]));
  // Facet values are numbered once, so counting a keystroke's matches is integer work.
  const facetValues = Object.fromEntries(FACETS.map((facet) => [facet, []]));
  const facetCode = Object.fromEntries(FACETS.map((facet) => [facet, new Map()]));
  const code = (facet, value) => {
    let found = facetCode[facet].get(value);
    if (found === undefined) {
      found = facetValues[facet].length;
      facetValues[facet].push(value);
      facetCode[facet].set(value, found);
    }
    return found;
  };
  for (const id of trackNames.keys()) code("track", id);
  // Days are the visitor's own (their date of each session, in the zone times are shown in).
  const dayOf = new Map(explore.sessions.map((session) => [session.id, viewerDay(session.start)]));
  for (const session of explore.sessions) { code("day", dayOf.get(session.id)); code("session", session.id); }
  const items = papers.map((paper, index) => {
    const sessions = paper.sessions.filter((id) => sessionsById.has(id));
    const starts = sessions.map((id) => Date.parse(sessionsById.get(id).start));
    const values = {
      track: paper.track ? [paper.track] : [],
      day: [...new Set(sessions.map((id) => dayOf.get(id)))],
      session: sessions,
      kw: paper.keywords,
    };
    const codes = FACETS.map((facet) => Int32Array.from(values[facet], (value) => code(facet, value)));
    return {paper, index, codes, start: starts.length ? Math.min(...starts) : Infinity};
  });
  const collator = new Intl.Collator(undefined, {sensitivity: "base", numeric: true});
  const byTitle = items.slice().sort((a, b) => collator.compare(a.paper.title, b.paper.title));
  const titleRank = new Int32Array(items.length);
  byTitle.forEach((item, rank) => { titleRank[item.index] = rank; });
  const byTime = items.slice().sort((a, b) => a.start - b.start || titleRank[a.index] - titleRank[b.index]);
  const byMessages = byDiscussion(byTitle);
  const card = (item, starred) => withDiscussionBadge(
    paperCard(item.paper, tracks, starred.has(item.paper.id), "li", mark), item.paper.id);

  const labels = {
    track: (id) => trackNames.get(id) || id,
    day: (day) => dayLabel(day),
    session: (id) => sessionsById.get(id)?.title || id,
    kw: (keyword) => keyword,
  };
  const allLabels = {track: "All tracks", day: "All days", session: "All sessions", kw: "All keywords"};
  const state = readState();
  const authorFilter = document.getElementById("paper-author-filter");
  let shown = PAGE_SIZE;
  let results = [];
  let writeTimer = 0;

  function readState() {
    const params = new URLSearchParams(window.location.search);
    // sort "" is "best match" (by title when there is no query).
    const read = {q: params.get("q") || "", sort: params.get("sort") || "", seed: params.get("seed") || "",
                  author: params.get("author") || "", author_id: params.get("author_id") || ""};
    for (const facet of FACETS) read[facet] = params.get(facet) || "";
    if (read.sort !== "" && ![...sort.options].some((option) => option.value === read.sort)) read.sort = "";
    if (read.sort === "shuffle" && !read.seed) read.seed = newSeed();
    return read;
  }

  function writeState() {
    const params = new URLSearchParams();
    for (const key of ["q", "author", "author_id", ...FACETS]) if (state[key]) params.set(key, state[key]);
    if (state.sort) params.set("sort", state.sort);
    if (state.sort === "shuffle") params.set("seed", state.seed);
    const query = params.toString();
    history.replaceState(history.state, "", query ? `?${query}` : window.location.pathname);
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
    if (state.sort === "discussion") return byMessages;
    if (state.sort === "shuffle") {
      if (shuffleCache?.seed !== state.seed) shuffleCache = {seed: state.seed, items: shuffled(state.seed)};
      return shuffleCache.items;
    }
    return byTitle;
  }

  // The search index: titles, keywords, authors and TL;DRs first (built on the first
  // query), then with the abstracts once search.json has arrived.
  let index = null;
  let ranking = null; // rank.js search() of the query, or null without one
  let mark = (text) => [text];

  function rankQuery() {
    ranking = state.q.trim() && index ? search(index, state.q) : null;
    mark = ranking ? (text) => marked(text, ranking.query) : (text) => [text];
  }

  // Papers of one author (from an author link): by their ORCID or OpenReview id where the
  // link has one (authors without an id then match by name), else by name, case and
  // accents aside.
  const sameName = (a, b) => a.localeCompare(b, undefined, {sensitivity: "base"}) === 0;
  const byAuthor = (paper) => paper.authors.some((name, i) => {
    const key = paper.authorIds?.[i];
    return state.author_id && key ? key === state.author_id : sameName(name, state.author);
  });

  function sequence() {
    if (ranking && !state.sort) return rankedOrder(ranking, titleRank).map((i) => items[i]);
    return ordered();
  }

  async function update({typing = false} = {}) {
    if (state.q.trim() && !index) index = await paperIndex("titles");
    performance.mark("papers-update-start");
    rankQuery();
    authorFilter.hidden = !state.author;
    authorFilter.querySelector("[data-author-name]").textContent = state.author;
    const counts = FACETS.map((facet) => new Int32Array(facetValues[facet].length));
    const chosen = FACETS.map((facet) => (state[facet] ? facetCode[facet].get(state[facet]) ?? -2 : -1));
    const filtering = chosen.some((choice) => choice !== -1);
    results = [];
    for (const item of sequence()) {
      if (ranking && !ranking.matched[item.index]) continue;
      if (state.author && !byAuthor(item.paper)) continue;
      // A facet's counts ignore that facet's own choice (so its other options stay useful).
      let failed = -1;
      let failures = 0;
      if (filtering) {
        for (let f = 0; f < FACETS.length; f++) {
          if (chosen[f] !== -1 && !item.codes[f].includes(chosen[f])) {
            failed = f;
            failures += 1;
          }
        }
        if (failures > 1) continue;
      }
      for (let f = 0; f < FACETS.length; f++) {
        if (failures === 1 && f !== failed) continue;
        const facetCounts = counts[f];
        const codes = item.codes[f];
        for (let v = 0; v < codes.length; v++) facetCounts[codes[v]] += 1;
      }
      if (failures === 0) results.push(item);
    }
    FACETS.forEach((facet, f) => fillFacet(facet, counts[f]));
    shown = PAGE_SIZE;
    render();
    performance.measure("papers-update", "papers-update-start");
    // Updating the URL costs Chrome ~10 ms a call: while typing, do it once typing pauses.
    clearTimeout(writeTimer);
    if (typing) writeTimer = setTimeout(writeState, 250);
    else writeState();
  }

  function fillFacet(facet, counts) {
    const select = controls.querySelector(`[data-facet="${facet}"]`);
    let codes = [...counts.keys()].filter((i) => counts[i] > 0 || facetValues[facet][i] === state[facet]);
    if (facet === "kw") {
      codes.sort((a, b) => counts[b] - counts[a] || facetValues.kw[a].localeCompare(facetValues.kw[b]));
      codes = codes.slice(0, MAX_KEYWORD_OPTIONS);
    }
    const values = codes.map((i) => facetValues[facet][i]);
    if (state[facet] && !values.includes(state[facet])) { values.unshift(state[facet]); codes.unshift(-1); }
    const texts = codes.map((i, n) => `${labels[facet](values[n])} (${i >= 0 ? counts[i] : 0})`);
    const options = select.options;
    // Same options as before (the usual case while typing): update the counts in place.
    const same = options.length === values.length + 1 && values.every((value, n) => options[n + 1].value === value);
    if (same) {
      texts.forEach((text, n) => { if (options[n + 1].text !== text) options[n + 1].text = text; });
    } else {
      select.replaceChildren(new Option(allLabels[facet], ""), ...values.map((value, n) => new Option(texts[n], value)));
    }
    select.value = state[facet];
    select.closest(".control").hidden = values.length === 0;
  }

  function render() {
    const starred = starredIds();
    const cards = results.slice(0, shown).map((item) => card(item, starred));
    list.replaceChildren(...cards);
    const total = results.length;
    const number = (n) => n.toLocaleString("en");
    count.textContent = total === items.length
      ? `${number(total)} papers`
      : `${number(total)} of ${number(items.length)} papers match`;
    more.hidden = shown >= total;
    more.textContent = `Show more (${Math.min(PAGE_SIZE, total - shown)} of ${total - shown} left)`;
  }

  function showMore() {
    const starred = starredIds();
    const next = results.slice(shown, shown + PAGE_SIZE);
    list.append(...next.map((item) => card(item, starred)));
    shown += next.length;
    more.hidden = shown >= results.length;
    more.textContent = `Show more (${Math.min(PAGE_SIZE, results.length - shown)} of ${results.length - shown} left)`;
  }

  query.addEventListener("input", () => { state.q = query.value; update({typing: true}); });
  controls.addEventListener("change", (event) => {
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
  document.getElementById("paper-clear").addEventListener("click", () => {
    for (const key of ["q", "author", "author_id", ...FACETS]) state[key] = "";
    query.value = "";
    state.sort = "";
    sort.value = "";
    update();
  });
  authorFilter.querySelector("button").addEventListener("click", () => {
    state.author = state.author_id = "";
    update();
  });
  more.addEventListener("click", showMore);
  // Load the next page as the "Show more" button scrolls into view.
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting) && !more.hidden) showMore();
  }, {rootMargin: "400px"}).observe(more);
  onBookmarksChanged(() => refreshStarButtons(list));

  // Back from a paper: show as many cards as before and scroll to where the reader was.
  // The browser restores the URL (filters, query); history.state holds the rest.
  let saveTimer = 0;
  const saveView = () => {
    history.replaceState({...history.state, papersShown: shown, papersScroll: window.scrollY}, "");
  };
  window.addEventListener("scroll", () => { clearTimeout(saveTimer); saveTimer = setTimeout(saveView, 150); },
    {passive: true});
  window.addEventListener("pagehide", saveView);
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";

  query.value = state.q;
  sort.value = state.sort;
  root.hidden = false;
  document.getElementById("paper-index-section")?.remove(); // the plain list, now replaced
  await update();
  const saved = history.state || {};
  if (saved.papersShown > shown) {
    shown = Math.min(saved.papersShown, results.length);
    render();
  }
  if (saved.papersScroll) window.scrollTo(0, saved.papersScroll);
  root.dataset.ready = "true";
  performance.mark("papers-interactive");

  // The abstracts arrive after the first render: the page is usable before they land.
  index = await paperIndex("full");
  root.dataset.abstracts = "true";
  if (state.q) {
    const keep = shown;
    await update();
    if (keep > shown) { shown = Math.min(keep, results.length); render(); }
  }
}
