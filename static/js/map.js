// The paper map: the pipeline's 2-D layout (papers.json "pos", x and y in [0, 1]) drawn
// on one canvas, so 10,000 papers are 10,000 rectangles in six paths, not DOM nodes.
//
// View: screen = (world - origin) * scale, in CSS pixels. Drag pans, the wheel or a
// pinch zooms around the pointer, Shift+drag (or "Select area") selects a box whose
// papers are listed beside the map. A grid of buckets finds the paper under the
// pointer without scanning every point. The list beside the map (papers in view,
// matching the highlight, or selected) offers the same papers to keyboards.
//
// Colours are the tracks'; on a site without tracks, the pipeline's clusters
// (explore.json "clusters", from pipeline/labels.py), whose names are drawn over their
// regions wherever they fit without overlapping (more appear as one zooms in). The
// view (centre, zoom) and the highlight query live in the URL (?x=&y=&z=&q=), and
// ?paper=ID (a paper page's "Show on the map") centres on that paper and selects it.

import { onBookmarksChanged, starredIds } from "./bookmarks.js";
import { el, fetchJSON, siteUrl, trackColours } from "./common.js";
import { paperIndex, rankedOrder, search } from "./rank.js";

const GRID = 128; // buckets per side of the hover index
const HOVER_RADIUS = 8; // CSS pixels
const LIST_LIMIT = 200;

const root = document.getElementById("paper-map");
if (root) await start(root);

async function start(root) {
  const [papers, explore] = await Promise.all([fetchJSON("papers.json"), fetchJSON("explore.json")]);
  const placed = papers.filter((paper) => Array.isArray(paper.pos));
  const canvas = document.getElementById("map-canvas");
  const tooltip = document.getElementById("map-tooltip");
  const list = document.getElementById("map-list");
  const listHeading = document.getElementById("map-list-heading");
  const listCount = document.getElementById("map-list-count");
  const queryInput = document.getElementById("map-query");
  const selectButton = document.getElementById("map-select");
  if (!placed.length) {
    document.getElementById("map-empty").hidden = false;
    canvas.hidden = true;
    root.dataset.ready = "true";
    return;
  }

  const count = placed.length;
  const xs = new Float32Array(count);
  const ys = new Float32Array(count);
  // Where each placed paper is in papers.json (the search index's numbering).
  const paperNumber = new Map(papers.map((paper, n) => [paper, n]));
  const indexOf = Int32Array.from(placed, (paper) => paperNumber.get(paper));
  // Colour groups: tracks when papers have them, else the pipeline's named clusters.
  const clusters = explore.clusters || [];
  const byTracks = placed.some((paper) => paper.track);
  const clusterOf = new Map();
  clusters.forEach((cluster, c) => { for (const id of cluster.papers) clusterOf.set(id, `c${c}`); });
  const groupIds = byTracks ? explore.tracks.map((track) => track.id) : clusters.map((_, c) => `c${c}`);
  const groupNames = new Map(byTracks ? explore.tracks.map((track) => [track.id, track.name])
    : clusters.map((cluster, c) => [`c${c}`, cluster.label]));
  const groups = new Map([...groupIds.map((id) => [id, []]), ["", []]]); // "": no group (grey)
  const groupOf = placed.map((paper) => {
    const id = byTracks ? paper.track : clusterOf.get(paper.id);
    return groups.has(id) ? id : "";
  });
  const buckets = Array.from({length: GRID * GRID}, () => []);
  placed.forEach((paper, i) => {
    xs[i] = paper.pos[0];
    ys[i] = paper.pos[1];
    groups.get(groupOf[i]).push(i);
    buckets[bucketOf(xs[i], ys[i])].push(i);
  });
  const withGrey = (map) => map.set("", "#8a8f98");
  let colours = withGrey(trackColours(groupIds));
  // Where each cluster's name goes: the mean position of its papers (largest first).
  // (Named on every map that has clusters, coloured by track or not.)
  const regionLabels = clusters.map((cluster) => ({text: cluster.label, x: 0, y: 0, size: 0}));
  placed.forEach((paper, i) => {
    const label = regionLabels[Number(clusterOf.get(paper.id)?.slice(1))];
    if (label) { label.x += xs[i]; label.y += ys[i]; label.size += 1; }
  });
  for (const label of regionLabels) { label.x /= label.size || 1; label.y /= label.size || 1; }
  regionLabels.sort((a, b) => b.size - a.size);

  const view = {x0: 0, y0: 0, scale: 1, width: 0, height: 0};
  let highlighted = null; // Uint8Array of matches, or null when no query
  let highlightOrder = []; // the matches' indices, best match first
  let selected = null; // array of indices, or null
  let starred = starredIds();
  let hovered = -1;
  let box = null; // {x1, y1, x2, y2} in screen pixels while selecting
  let drawQueued = false;

  function bucketOf(x, y) {
    const bx = Math.min(GRID - 1, Math.max(0, Math.floor(x * GRID)));
    const by = Math.min(GRID - 1, Math.max(0, Math.floor(y * GRID)));
    return by * GRID + bx;
  }

  function fit() {
    view.scale = Math.min(view.width, view.height) * 0.92;
    view.x0 = 0.5 - view.width / (2 * view.scale);
    view.y0 = 0.5 - view.height / (2 * view.scale);
  }

  function resize() {
    const rect = canvas.getBoundingClientRect();
    const first = view.width === 0;
    view.width = rect.width;
    view.height = rect.height;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    if (first) { fit(); restoreView(); }
    requestDraw();
  }

  function requestDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    drawQueued = false;
    performance.mark("map-draw-start");
    const context = canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, view.width, view.height);
    const {x0, y0, scale, width, height} = view;
    // Points grow when there are few of them and as one zooms in, within 2.5 to 10 px.
    const spacing = Math.sqrt((width * height) / count);
    const zoom = Math.sqrt(scale / (Math.min(width, height) * 0.92));
    const size = Math.min(10, Math.max(2.5, 0.3 * spacing * zoom));
    const half = size / 2;
    const plot = (indices, grow = 0) => {
      context.beginPath();
      for (const i of indices) {
        const sx = (xs[i] - x0) * scale;
        const sy = (ys[i] - y0) * scale;
        if (sx < -size || sy < -size || sx > width + size || sy > height + size) continue;
        context.rect(sx - half - grow, sy - half - grow, size + 2 * grow, size + 2 * grow);
      }
    };
    context.globalAlpha = highlighted || selected ? 0.22 : 0.85;
    for (const [id, indices] of groups) {
      context.fillStyle = colours.get(id);
      plot(indices);
      context.fill();
    }
    context.globalAlpha = 1;
    const ink = getComputedStyle(canvas).color;
    // Highlighted and selected papers: full colour, larger, outlined in the text colour,
    // so they stand out whatever their colour (grey ones included).
    const emphasised = [];
    if (highlighted) for (let i = 0; i < count; i++) if (highlighted[i]) emphasised.push(i);
    if (selected) emphasised.push(...selected);
    if (emphasised.length) {
      context.strokeStyle = ink;
      context.lineWidth = 1.5;
      for (const [id] of groups) {
        context.fillStyle = colours.get(id);
        plot(emphasised.filter((i) => groupOf[i] === id), 1.5);
        context.fill();
        context.stroke();
      }
    }
    drawRegionLabels(context, ink);
    // Starred papers: a larger ring in the text colour, above everything else.
    if (starred.size) {
      context.strokeStyle = ink;
      context.lineWidth = 2;
      context.beginPath();
      placed.forEach((paper, i) => {
        if (!starred.has(paper.id)) return;
        const sx = (xs[i] - x0) * scale;
        const sy = (ys[i] - y0) * scale;
        context.moveTo(sx + size + 3, sy);
        context.arc(sx, sy, size + 3, 0, 2 * Math.PI);
      });
      context.stroke();
    }
    if (hovered >= 0) {
      context.strokeStyle = ink;
      context.lineWidth = 2;
      context.strokeRect((xs[hovered] - x0) * scale - size, (ys[hovered] - y0) * scale - size, 2 * size, 2 * size);
    }
    if (box) {
      context.strokeStyle = ink;
      context.lineWidth = 1;
      context.setLineDash([5, 4]);
      context.strokeRect(box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1);
      context.setLineDash([]);
    }
    performance.measure("map-draw", "map-draw-start");
  }

  // Cluster names, largest cluster first, each where it fits without overlapping one
  // already drawn: zooming in spreads the regions apart and more names appear.
  function drawRegionLabels(context, ink) {
    if (!regionLabels.length) return;
    const placedBoxes = [];
    context.font = "600 13px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.lineJoin = "round";
    const halo = getComputedStyle(canvas.parentElement).backgroundColor; // the stage's surface
    for (const label of regionLabels) {
      if (!label.size || !label.text) continue;
      const sx = (label.x - view.x0) * view.scale;
      const sy = (label.y - view.y0) * view.scale;
      const width = context.measureText(label.text).width + 10;
      const box = {x1: sx - width / 2, y1: sy - 10, x2: sx + width / 2, y2: sy + 10};
      if (box.x2 < 0 || box.y2 < 0 || box.x1 > view.width || box.y1 > view.height) continue;
      if (placedBoxes.some((b) => box.x1 < b.x2 && b.x1 < box.x2 && box.y1 < b.y2 && b.y1 < box.y2)) continue;
      placedBoxes.push(box);
      context.strokeStyle = halo;
      context.lineWidth = 4;
      context.strokeText(label.text, sx, sy);
      context.fillStyle = ink;
      context.fillText(label.text, sx, sy);
    }
    root.dataset.labelsDrawn = String(placedBoxes.length);
  }

  function toWorld(sx, sy) {
    return [view.x0 + sx / view.scale, view.y0 + sy / view.scale];
  }

  function nearest(sx, sy) {
    const [wx, wy] = toWorld(sx, sy);
    const radius = HOVER_RADIUS / view.scale;
    const from = bucketOf(wx - radius, wy - radius);
    const to = bucketOf(wx + radius, wy + radius);
    let best = -1;
    let bestDistance = radius * radius;
    for (let by = Math.floor(from / GRID); by <= Math.floor(to / GRID); by++) {
      for (let bx = from % GRID; bx <= to % GRID; bx++) {
        for (const i of buckets[by * GRID + bx]) {
          const distance = (xs[i] - wx) ** 2 + (ys[i] - wy) ** 2;
          if (distance <= bestDistance) { best = i; bestDistance = distance; }
        }
      }
    }
    return best;
  }

  function zoomAt(sx, sy, factor) {
    const [wx, wy] = toWorld(sx, sy);
    view.scale = Math.min(Math.max(view.scale * factor, 50), 200000);
    view.x0 = wx - sx / view.scale;
    view.y0 = wy - sy / view.scale;
    requestDraw();
    scheduleList();
  }

  function pan(dx, dy) {
    view.x0 -= dx / view.scale;
    view.y0 -= dy / view.scale;
    requestDraw();
    scheduleList();
  }

  // ------------------------------------------------------------------ the list beside the map
  let listTimer = 0;
  function scheduleList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(renderList, 150);
    scheduleViewWrite();
  }

  function renderList() {
    let indices;
    if (selected) {
      listHeading.textContent = "Selected papers";
      indices = selected;
    } else if (highlighted) {
      listHeading.textContent = "Matching papers";
      indices = highlightOrder;
    } else {
      listHeading.textContent = "Papers in view";
      const [left, top] = toWorld(0, 0);
      const [right, bottom] = toWorld(view.width, view.height);
      indices = [];
      for (let i = 0; i < count; i++) {
        if (xs[i] >= left && xs[i] <= right && ys[i] >= top && ys[i] <= bottom) indices.push(i);
      }
    }
    const shown = indices.slice(0, LIST_LIMIT);
    listCount.textContent = indices.length > LIST_LIMIT
      ? `${indices.length} papers; the first ${LIST_LIMIT} are listed.`
      : `${indices.length} paper${indices.length === 1 ? "" : "s"}.`;
    list.replaceChildren(...shown.map((i) => {
      const paper = placed[i];
      return el("li", {class: starred.has(paper.id) ? "is-starred" : null},
        el("span", {class: `swatch track-${groupOf[i]}`, "aria-hidden": "true"}),
        el("a", {href: siteUrl(paper.url), "data-index": i}, paper.title),
        starred.has(paper.id) ? el("span", {class: "star-mark", title: "Starred"}, " ★") : null);
    }));
  }

  // Hovering or focusing a title in the list shows that paper on the map.
  const showFromList = (event) => {
    const link = event.target.closest("a[data-index]");
    hovered = link ? Number(link.dataset.index) : -1;
    requestDraw();
  };
  list.addEventListener("pointerover", showFromList);
  list.addEventListener("focusin", showFromList);

  // ------------------------------------------------------------------ pointer input
  const pointers = new Map();
  let gesture = null;

  function local(event) {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    const [sx, sy] = local(event);
    pointers.set(event.pointerId, [sx, sy]);
    if (pointers.size === 2) {
      const [[ax, ay], [bx, by]] = [...pointers.values()];
      gesture = {kind: "pinch", distance: Math.hypot(ax - bx, ay - by), moved: true};
      box = null;
      return;
    }
    const selecting = event.shiftKey || selectButton.getAttribute("aria-pressed") === "true";
    gesture = {kind: selecting ? "select" : "pan", startX: sx, startY: sy, lastX: sx, lastY: sy, moved: false};
  });

  canvas.addEventListener("pointermove", (event) => {
    const [sx, sy] = local(event);
    if (pointers.has(event.pointerId)) pointers.set(event.pointerId, [sx, sy]);
    if (gesture?.kind === "pinch" && pointers.size === 2) {
      const [[ax, ay], [bx, by]] = [...pointers.values()];
      const distance = Math.hypot(ax - bx, ay - by);
      zoomAt((ax + bx) / 2, (ay + by) / 2, distance / (gesture.distance || distance));
      gesture.distance = distance;
      return;
    }
    if (gesture && Math.hypot(sx - gesture.startX, sy - gesture.startY) > 4) gesture.moved = true;
    if (gesture?.kind === "pan" && gesture.moved) {
      pan(sx - gesture.lastX, sy - gesture.lastY);
      gesture.lastX = sx;
      gesture.lastY = sy;
      tooltip.hidden = true;
      return;
    }
    if (gesture?.kind === "select") {
      box = {x1: Math.min(gesture.startX, sx), y1: Math.min(gesture.startY, sy),
             x2: Math.max(gesture.startX, sx), y2: Math.max(gesture.startY, sy)};
      requestDraw();
      return;
    }
    const found = nearest(sx, sy);
    if (found !== hovered) {
      hovered = found;
      requestDraw();
    }
    canvas.style.cursor = found >= 0 ? "pointer" : "grab";
    if (found >= 0) {
      tooltip.textContent = placed[found].title;
      tooltip.hidden = false;
      tooltip.style.left = `${Math.min(sx + 12, view.width - 260)}px`;
      tooltip.style.top = `${sy + 14}px`;
    } else {
      tooltip.hidden = true;
    }
  });

  const endGesture = (event) => {
    pointers.delete(event.pointerId);
    const done = gesture;
    if (pointers.size > 0) return;
    gesture = null;
    if (!done) return;
    if (done.kind === "select" && box && done.moved) {
      const [left, top] = toWorld(box.x1, box.y1);
      const [right, bottom] = toWorld(box.x2, box.y2);
      selected = [];
      for (let i = 0; i < count; i++) {
        if (xs[i] >= left && xs[i] <= right && ys[i] >= top && ys[i] <= bottom) selected.push(i);
      }
      box = null;
      requestDraw();
      renderList();
    } else if (!done.moved && event.type === "pointerup") {
      const [sx, sy] = local(event);
      const found = nearest(sx, sy);
      if (found >= 0) window.location.href = siteUrl(placed[found].url);
      else if (selected) { selected = null; requestDraw(); renderList(); }
    }
  };
  canvas.addEventListener("pointerup", endGesture);
  canvas.addEventListener("pointercancel", endGesture);
  canvas.addEventListener("pointerleave", () => { tooltip.hidden = true; });

  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [sx, sy] = local(event);
    zoomAt(sx, sy, Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015)));
  }, {passive: false});

  canvas.addEventListener("keydown", (event) => {
    const step = 60;
    const keys = {
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
      "+": () => zoomAt(view.width / 2, view.height / 2, 1.4), "=": () => zoomAt(view.width / 2, view.height / 2, 1.4),
      "-": () => zoomAt(view.width / 2, view.height / 2, 1 / 1.4),
      "0": () => { fit(); requestDraw(); scheduleList(); },
      Escape: () => { selected = null; requestDraw(); renderList(); },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });

  // ------------------------------------------------------------------ toolbar, legend, stars
  document.getElementById("map-zoom-in").addEventListener("click", () => zoomAt(view.width / 2, view.height / 2, 1.5));
  document.getElementById("map-zoom-out").addEventListener("click", () => zoomAt(view.width / 2, view.height / 2, 1 / 1.5));
  document.getElementById("map-reset").addEventListener("click", () => {
    selected = null;
    fit();
    requestDraw();
    renderList();
  });
  selectButton.addEventListener("click", () => {
    const on = selectButton.getAttribute("aria-pressed") !== "true";
    selectButton.setAttribute("aria-pressed", on ? "true" : "false");
    canvas.classList.toggle("selecting", on);
  });
  // The highlight finds what the papers page finds (rank.js), abstracts included.
  async function applyHighlight() {
    const index = await paperIndex("full");
    const result = search(index, queryInput.value);
    highlighted = result ? Uint8Array.from(indexOf, (n) => result.matched[n]) : null;
    // The list beside the map shows the matches best first, as the papers page does.
    const placedAt = new Map(Array.from(indexOf, (n, i) => [n, i]));
    highlightOrder = result ? rankedOrder(result).filter((n) => placedAt.has(n)).map((n) => placedAt.get(n)) : [];
    requestDraw();
    renderList();
    scheduleViewWrite();
  }
  queryInput.addEventListener("input", applyHighlight);

  // ------------------------------------------------------------------ the view in the URL
  let viewTimer = 0;
  function scheduleViewWrite() {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(() => {
      const [cx, cy] = toWorld(view.width / 2, view.height / 2);
      const params = new URLSearchParams();
      params.set("x", cx.toFixed(4));
      params.set("y", cy.toFixed(4));
      params.set("z", (view.scale / (Math.min(view.width, view.height) * 0.92)).toFixed(3));
      if (queryInput.value.trim()) params.set("q", queryInput.value.trim());
      history.replaceState(history.state, "", `?${params}`);
    }, 300);
  }

  function restoreView() {
    const params = new URLSearchParams(window.location.search);
    const shown = params.has("paper") ? placed.findIndex((paper) => paper.id === params.get("paper")) : -1;
    const number = (name) => (params.has(name) && Number.isFinite(Number(params.get(name))) ? Number(params.get(name)) : null);
    let [cx, cy, zoom] = [number("x"), number("y"), number("z")];
    if (shown >= 0) {
      selected = [shown];
      [cx, cy, zoom] = [xs[shown], ys[shown], Math.max(zoom || 0, 4)];
    }
    if (zoom !== null) view.scale = Math.min(Math.max(Math.min(view.width, view.height) * 0.92 * zoom, 50), 200000);
    if (cx !== null && cy !== null) {
      view.x0 = cx - view.width / (2 * view.scale);
      view.y0 = cy - view.height / (2 * view.scale);
    }
    if (params.get("q")) { queryInput.value = params.get("q"); applyHighlight(); }
  }

  const legend = document.getElementById("map-legend");
  legend.setAttribute("aria-label", byTracks ? "Tracks" : "Regions of the map");
  legend.replaceChildren(...groupIds.filter((id) => groups.get(id).length).map((id) =>
    el("li", {}, el("span", {class: `swatch track-${id}`, "aria-hidden": "true"}),
      `${groupNames.get(id)} (${groups.get(id).length})`)));
  // Swatches take the same colours as the canvas (computed from the theme).
  const paintSwatches = () => {
    for (const swatch of root.querySelectorAll(".swatch")) {
      const track = [...swatch.classList].find((name) => name.startsWith("track-"))?.slice(6);
      if (colours.has(track)) swatch.style.setProperty("--swatch", colours.get(track));
    }
  };
  if (byTracks && clusters.length) {
    const regions = document.getElementById("map-regions");
    regions.replaceChildren(...clusters.map((cluster) => el("li", {}, `${cluster.label} (${cluster.papers.length})`)));
    regions.hidden = false;
    document.getElementById("map-regions-heading").hidden = false;
  }
  new MutationObserver(paintSwatches).observe(list, {childList: true});
  paintSwatches();

  onBookmarksChanged(() => { starred = starredIds(); requestDraw(); renderList(); });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    colours = withGrey(trackColours(groupIds));
    paintSwatches();
    requestDraw();
  });

  new ResizeObserver(resize).observe(canvas);
  resize();
  renderList();
  root.dataset.ready = "true";
}
