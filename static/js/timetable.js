// The schedule page's timetable (MiniConf): the program by the visitor's own days, one
// day at a time, as a grid (rooms as columns, time down the side) or as a list, with
// filters by track, session type, room and "my agenda only".
//
// The page holds every session as an <li class="agenda-item"> with data-* (see
// templates/partials/schedule_item.html), grouped by the conference's days: that list
// is the page without JavaScript. Here the same <li>s are regrouped by their date in
// the zone times are shown in (zones.js), so a visitor in Auckland finds the morning
// sessions of "Wed 12 May" under Wed 12 May. The grid is a real <table> (column and
// row headers for screen readers; sessions are links, reached with Tab in time order),
// drawn for the day shown only, so a program of thousands of papers stays quick.
//
// State: the view and filters in the URL query (?view=list&track=…&type=…&room=…&mine=1),
// the day in its fragment (#day-2027-05-12), so a filtered view is a link to share and
// survives a reload.

import { activeZone, dayKey, dayLabel, formatter, TIME, timeRange, zoneName } from "./zones.js";

const MINUTE = 60 * 1000;
/** Height of one minute in the grid, in CSS pixels: a 15-minute break is 30 px tall. */
const PX_PER_MINUTE = 2;
const FILTERS = ["track", "type", "room", "mine"];
const NO_ROOM = "";
const NO_ROOM_LABEL = "No room";

/** Start the timetable if this is the schedule page; null elsewhere. `isMine(item)`
 * says whether a session's <li> is in the visitor's agenda. */
export function setUpTimetable({ isMine }) {
  const daysRoot = document.querySelector("[data-timetable-days]");
  const source = document.querySelector("[data-schedule-days]");
  if (!daysRoot || !source) return null;
  const controls = document.querySelector("[data-schedule-controls]");
  const tablist = document.querySelector("[data-day-tabs]");
  const count = controls.querySelector("[data-filter-count]");

  const sessions = [...source.querySelectorAll(".agenda-item[data-session-id]")].map((item) => {
    const title = item.querySelector(".agenda-title");
    return {
      item,
      id: item.dataset.sessionId,
      startIso: item.dataset.start,
      endIso: item.dataset.end,
      start: Date.parse(item.dataset.start),
      end: Date.parse(item.dataset.end),
      type: item.dataset.type,
      typeLabel: item.querySelector(".session-type").textContent,
      room: item.dataset.room || NO_ROOM,
      tracks: (item.dataset.tracks || "").split(" ").filter(Boolean),
      papers: (item.dataset.papers || "").split(" ").filter(Boolean).length,
      title: title.textContent.trim(),
      href: title.getAttribute("href"),
    };
  });
  // Column order: as the room filter lists them (config.yml's rooms, then natural order).
  const roomOrder = new Map([...controls.querySelectorAll("[data-room-order] option")]
    .filter((option) => option.value).map((option, index) => [option.value, index]));
  const roomRank = (room) => (room === NO_ROOM ? Infinity : roomOrder.get(room) ?? roomOrder.size);

  const state = readState();
  let days = []; // [{key, sessions, panel, tab, list, gridHolder}] of the current zone
  let shownDay = null;
  let grid = null; // the drawn grid: {table, scroller, t0, stepMs, rows}
  let dayChosen = location.hash.startsWith("#day-");

  // ---------------------------------------------------------------- state in the URL

  function readState() {
    const params = new URLSearchParams(location.search);
    const read = { view: params.get("view") === "list" ? "list" : "grid" };
    for (const name of FILTERS) read[name] = params.get(name) || "";
    if (read.mine !== "1") read.mine = "";
    return read;
  }

  function writeState() {
    const params = new URLSearchParams(location.search);
    params.delete("view");
    for (const name of FILTERS) params.delete(name);
    if (state.view !== "grid") params.set("view", state.view);
    for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
    const query = params.toString();
    // The day goes into the URL once the visitor picks one (or came with one).
    const hash = shownDay && dayChosen ? `#${shownDay.panel.id}` : location.hash;
    const url = `${location.pathname}${query ? `?${query}` : ""}${hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) {
      history.replaceState(null, "", url);
    }
  }

  function matches(session) {
    if (state.track && !session.tracks.includes(state.track)) return false;
    if (state.type && session.type !== state.type) return false;
    if (state.room && session.room !== state.room) return false;
    if (state.mine && !isMine(session.item)) return false;
    return true;
  }

  // ---------------------------------------------------------------- controls

  for (const name of ["track", "type", "room"]) {
    // A program without tracks (or rooms) has no such filter: a link's value is ignored.
    if (!controls.querySelector(`select[data-filter="${name}"]`)) state[name] = "";
  }
  for (const select of controls.querySelectorAll("select[data-filter]")) {
    // A value from a shared link that this program lacks is kept, and shows no session.
    const value = state[select.dataset.filter];
    if (value && ![...select.options].some((option) => option.value === value)) {
      select.append(new Option(`${value} (not in this program)`, value));
    }
    select.value = value;
    select.addEventListener("change", () => {
      state[select.dataset.filter] = select.value;
      applyFilters();
    });
  }
  const mine = controls.querySelector("input[data-filter='mine']");
  mine.checked = state.mine === "1";
  mine.addEventListener("change", () => {
    state.mine = mine.checked ? "1" : "";
    applyFilters();
  });
  controls.querySelector("[data-filter-reset]").addEventListener("click", () => {
    for (const name of FILTERS) state[name] = "";
    controls.querySelectorAll("select[data-filter]").forEach((select) => { select.value = ""; });
    mine.checked = false;
    applyFilters();
  });
  const viewButtons = [...controls.querySelectorAll("[data-view]")];
  for (const button of viewButtons) {
    button.addEventListener("click", () => {
      state.view = button.dataset.view;
      showView();
      writeState();
    });
  }

  // ---------------------------------------------------------------- days and tabs

  /** Group the sessions by their date in the zone shown and build a tab and panel per day. */
  function render() {
    const zone = activeZone();
    const byDay = new Map();
    const ordered = sessions.slice().sort((a, b) =>
      a.start - b.start || roomRank(a.room) - roomRank(b.room) || a.end - b.end);
    for (const session of ordered) {
      const key = dayKey(new Date(session.start), zone);
      if (!byDay.has(key)) byDay.set(key, []);
      byDay.get(key).push(session);
    }
    const previous = shownDay?.key;
    days = [...byDay.keys()].sort().map((key) => makeDay(key, byDay.get(key), zone));
    daysRoot.replaceChildren(...days.map((day) => day.panel));
    tablist.replaceChildren(...days.map((day) => day.tab));
    source.remove(); // its sessions live in the panels now (and its day ids are theirs)
    daysRoot.hidden = false;
    tablist.hidden = days.length < 2;
    controls.hidden = false;
    const fromHash = days.find((day) => `#${day.panel.id}` === location.hash);
    // After a zone switch: the same date, else the last day before it.
    const kept = days.find((day) => day.key === previous) ||
      days.findLast((day) => previous && day.key < previous);
    const today = days.find((day) => day.key === dayKey(new Date(), zone));
    selectDay(fromHash || kept || today || days[0], { focus: false, draw: false });
    applyFilters();
  }

  function makeDay(key, daySessions, zone) {
    const id = `day-${key}`;
    const tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.id = `${id}-tab`;
    tab.setAttribute("aria-controls", id);
    tab.textContent = dayLabel(key);
    const panel = document.createElement("section");
    panel.className = "day";
    panel.id = id;
    panel.dataset.day = key;
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    const heading = document.createElement("h2");
    heading.className = "day-heading";
    heading.textContent = dayLabel(key, { weekday: "long", day: "numeric", month: "long" });
    const zoneNote = document.createElement("span");
    zoneNote.className = "meta";
    zoneNote.title = zone; // the IANA name on hover
    zoneNote.textContent = ` · ${zoneName(new Date(daySessions[0].start), zone)}`;
    heading.append(zoneNote);
    const gridHolder = document.createElement("div");
    gridHolder.className = "grid-holder";
    const list = document.createElement("ol");
    list.className = "agenda";
    list.append(...daySessions.map((session) => session.item));
    const empty = document.createElement("p");
    empty.className = "day-empty";
    empty.textContent = "No session on this day matches the filters.";
    empty.hidden = true;
    panel.append(heading, empty, gridHolder, list);
    const day = { key, sessions: daySessions, panel, tab, list, gridHolder, empty };
    tab.addEventListener("click", () => selectDay(day, { focus: false, remember: true }));
    tab.addEventListener("keydown", (event) => {
      const index = days.indexOf(day);
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: days.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectDay(days[(index + moves[event.key] + days.length) % days.length],
        { focus: true, remember: true });
    });
    return day;
  }

  function selectDay(chosen, { focus, remember = false, draw = true }) {
    shownDay = chosen;
    for (const day of days) {
      const on = day === chosen;
      day.panel.hidden = !on;
      day.tab.setAttribute("aria-selected", String(on));
      day.tab.tabIndex = on ? 0 : -1;
    }
    if (focus) chosen.tab.focus();
    if (draw) showView();
    if (remember) {
      dayChosen = true;
      writeState();
    }
  }

  // ---------------------------------------------------------------- filters and views

  function applyFilters() {
    let shown = 0;
    for (const session of sessions) {
      const on = matches(session);
      session.item.hidden = !on;
      if (on) shown += 1;
    }
    const filtering = FILTERS.some((name) => state[name]);
    count.textContent = filtering ? `${shown} of ${sessions.length} sessions match` : "";
    controls.querySelector("[data-filter-reset]").hidden = !filtering;
    for (const day of days) {
      const any = day.sessions.some((session) => !session.item.hidden);
      day.tab.classList.toggle("day-tab-empty", !any);
    }
    showView();
    writeState();
  }

  function showView() {
    for (const button of viewButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
    }
    if (!shownDay) return;
    const visible = shownDay.sessions.filter((session) => !session.item.hidden);
    shownDay.empty.hidden = visible.length > 0;
    const asGrid = state.view === "grid";
    shownDay.list.hidden = asGrid;
    shownDay.gridHolder.hidden = !asGrid;
    for (const day of days) if (day !== shownDay) day.gridHolder.replaceChildren();
    grid = null;
    shownDay.gridHolder.replaceChildren();
    if (asGrid && visible.length) {
      grid = drawGrid(shownDay, visible, activeZone());
      shownDay.gridHolder.append(grid.scroller);
      markNow(Date.now());
      // Today: scroll the grid to what is on now, with the hour before it in view.
      if (!grid.nowLine.hidden) {
        grid.scroller.scrollTop = Math.max(0, grid.nowLine.offsetTop - 60 * PX_PER_MINUTE);
      }
    }
    performance.mark("timetable-drawn");
  }

  // ---------------------------------------------------------------- the grid

  /** Minutes since midnight of an instant's wall-clock time in a zone. */
  function clockMinutes(moment, zone) {
    const parts = formatter(zone, { hour: "numeric", minute: "numeric", hourCycle: "h23" })
      .formatToParts(moment);
    const part = (type) => Number(parts.find((p) => p.type === type).value);
    return part("hour") * 60 + part("minute");
  }

  function gcd(a, b) {
    return b ? gcd(b, a % b) : a;
  }

  /** Rooms as columns, each split into lanes where its sessions overlap (sessions without
   * a room may: they have their own column, last). */
  function columnsOf(daySessions) {
    const byRoom = new Map();
    for (const session of daySessions) {
      if (!byRoom.has(session.room)) byRoom.set(session.room, []);
      byRoom.get(session.room).push(session);
    }
    const rooms = [...byRoom.keys()].sort((a, b) => roomRank(a) - roomRank(b) || a.localeCompare(b));
    return rooms.map((room) => {
      const lanes = []; // each: the end of its last session, and its sessions
      for (const session of byRoom.get(room)) {
        let lane = lanes.find((candidate) => candidate.end <= session.start);
        if (!lane) {
          lane = { end: -Infinity, sessions: [] };
          lanes.push(lane);
        }
        lane.end = session.end;
        lane.sessions.push(session);
      }
      return { room, lanes };
    });
  }

  function drawGrid(day, daySessions, zone) {
    // Rows are instants, evenly spaced from the half hour before the first session to
    // the half hour after the last: a night when the clocks change shows its jump in
    // the row labels and keeps every session as long as it really is.
    const first = Math.min(...daySessions.map((s) => s.start));
    const last = Math.max(...daySessions.map((s) => s.end));
    const floorMinute = (moment) => moment - (moment % MINUTE);
    const t0 = floorMinute(first) - (clockMinutes(new Date(first), zone) % 30) * MINUTE;
    const overEnd = clockMinutes(new Date(last), zone) % 30;
    const t1 = Math.ceil(last / MINUTE) * MINUTE + (overEnd ? 30 - overEnd : 0) * MINUTE;
    let step = 30;
    for (const s of daySessions) {
      step = gcd(step, Math.round((s.start - t0) / MINUTE));
      step = gcd(step, Math.round((s.end - t0) / MINUTE));
    }
    step = Math.max(step, 5);
    const stepMs = step * MINUTE;
    const rowCount = Math.max(1, Math.ceil((t1 - t0) / stepMs));
    const rowOf = (moment) => Math.min(rowCount, Math.max(0, Math.round((moment - t0) / stepMs)));

    const columns = columnsOf(daySessions);
    const lanes = columns.flatMap((column) => column.lanes);
    const table = document.createElement("table");
    table.className = "timetable";
    table.style.setProperty("--row-height", `${step * PX_PER_MINUTE}px`);
    const caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = `Sessions on ${dayLabel(day.key, { weekday: "long", day: "numeric", month: "long" })} by room and time`;
    table.append(caption);

    const head = table.createTHead().insertRow();
    const corner = document.createElement("th");
    corner.scope = "col";
    corner.className = "grid-time-head";
    corner.textContent = "Time";
    head.append(corner);
    for (const column of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.colSpan = column.lanes.length;
      th.textContent = column.room === NO_ROOM ? NO_ROOM_LABEL : column.room;
      head.append(th);
    }

    // Which lane cell starts at each row (or is covered by a session started above).
    const starts = lanes.map(() => new Map());
    const covered = lanes.map(() => new Set());
    lanes.forEach((lane, index) => {
      for (const session of lane.sessions) {
        const top = rowOf(session.start);
        const span = Math.max(1, rowOf(session.end) - top);
        starts[index].set(top, { session, span });
        for (let row = top + 1; row < top + span; row++) covered[index].add(row);
      }
    });
    const body = table.createTBody();
    const startDay = day.key;
    let lastDate = startDay;
    const firstZone = zoneName(new Date(t0), zone);
    const time = formatter(zone, TIME);
    const rows = [];
    for (let row = 0; row < rowCount; row++) {
      const moment = new Date(t0 + row * stepMs);
      const tr = body.insertRow();
      rows.push(tr);
      const minutes = clockMinutes(moment, zone);
      tr.className = minutes % 60 === 0 ? "grid-hour" : minutes % 30 === 0 ? "grid-half" : "grid-minor";
      const th = document.createElement("th");
      th.scope = "row";
      const label = document.createElement("time");
      label.dateTime = moment.toISOString();
      let text = time.format(moment);
      const date = dayKey(moment, zone);
      if (date !== lastDate) { // past midnight: the next day's hours
        text = `${dayLabel(date, { weekday: "short" })} ${text}`;
        lastDate = date;
      }
      const name = zoneName(moment, zone);
      if (name !== firstZone) text += ` ${name}`; // after the clocks change
      label.textContent = text;
      th.append(label);
      tr.append(th);
      lanes.forEach((lane, index) => {
        if (covered[index].has(row)) return;
        const placed = starts[index].get(row);
        if (!placed) {
          tr.append(emptyCell());
          return;
        }
        const cell = sessionCell(placed.session, placed.span, step, zone);
        cell.dataset.lane = index;
        tr.append(cell);
      });
    }
    const scroller = document.createElement("div");
    scroller.className = "grid-scroll";
    scroller.tabIndex = 0; // scrollable with the keyboard
    scroller.setAttribute("role", "region");
    scroller.setAttribute("aria-label", caption.textContent);
    const nowLine = document.createElement("div");
    nowLine.className = "grid-now";
    nowLine.hidden = true;
    nowLine.setAttribute("aria-hidden", "true");
    scroller.append(table, nowLine);
    table.addEventListener("keydown", moveByArrows);
    return { scroller, table, rows, t0, stepMs, nowLine, zone };
  }

  /** Arrow keys move between the grid's sessions: up and down in a room, left and right
   * to the session in the next room nearest in time (Tab still goes through all). */
  function moveByArrows(event) {
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const from = event.target.closest("td[data-lane]");
    if (!(event.key in moves) || !from || event.target.tagName !== "A") return;
    const [across, down] = moves[event.key];
    const cells = [...event.currentTarget.querySelectorAll("td[data-lane]")];
    const lane = Number(from.dataset.lane);
    const start = Date.parse(from.dataset.start);
    let target;
    if (down) {
      const inLane = cells.filter((cell) => Number(cell.dataset.lane) === lane);
      target = inLane[inLane.indexOf(from) + down];
    } else {
      const lanes = [...new Set(cells.map((cell) => Number(cell.dataset.lane)))].sort((a, b) => a - b);
      const next = lanes[lanes.indexOf(lane) + across];
      const distance = (cell) => Math.abs(Date.parse(cell.dataset.start) - start);
      target = cells.filter((cell) => Number(cell.dataset.lane) === next)
        .sort((a, b) => distance(a) - distance(b))[0];
    }
    if (!target) return;
    event.preventDefault();
    target.querySelector("a").focus();
  }

  function emptyCell() {
    const td = document.createElement("td");
    td.className = "grid-empty";
    return td;
  }

  function sessionCell(session, span, step, zone) {
    const td = document.createElement("td");
    td.rowSpan = span;
    td.className = `grid-session session-${session.type}`;
    td.dataset.sessionId = session.id;
    td.dataset.start = session.startIso;
    td.dataset.end = session.endIso;
    const box = document.createElement("div");
    box.className = "grid-box";
    // Fixed height: a long title never stretches its rows and the time axis stays even.
    box.style.height = `${span * step * PX_PER_MINUTE - 1}px`;
    const link = document.createElement("a");
    link.href = session.href;
    link.className = "grid-title";
    link.textContent = session.title;
    const meta = document.createElement("span");
    meta.className = "grid-meta";
    const details = [session.typeLabel];
    if (session.papers) details.push(`${session.papers} paper${session.papers === 1 ? "" : "s"}`);
    meta.append(timeRange(session.startIso, session.endIso, zone, { withinDay: true }),
      ` · ${details.join(" · ")}`);
    const live = document.createElement("span");
    live.className = "live-badge";
    live.dataset.liveBadge = "";
    live.textContent = "Live now";
    live.hidden = true;
    box.append(link, meta, live);
    const listPick = session.item.querySelector("[data-agenda-pick]");
    if (listPick && !listPick.hidden) {
      // The list's own button does the work (schedule.js), so both always agree.
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "grid-pick";
      pick.setAttribute("aria-label", listPick.getAttribute("aria-label"));
      pick.addEventListener("click", () => listPick.click());
      box.append(pick);
    }
    box.title = session.title;
    td.append(box);
    showPick(td, session);
    return td;
  }

  /** A grid cell's agenda star and mark, as its list item says. */
  function showPick(td, session) {
    td.classList.toggle("in-agenda", isMine(session.item));
    const pick = td.querySelector(".grid-pick");
    if (!pick) return;
    const pressed = session.item.querySelector("[data-agenda-pick]").getAttribute("aria-pressed");
    pick.setAttribute("aria-pressed", pressed);
    pick.textContent = pressed === "true" ? "★" : "☆";
    pick.title = pressed === "true" ? "In my agenda" : "Add to my agenda";
  }

  /** Mark live and past sessions and place the "now" line (called every minute). */
  function markNow(now) {
    if (!grid) return;
    for (const cell of grid.table.querySelectorAll("td[data-session-id]")) {
      const live = Date.parse(cell.dataset.start) <= now && now < Date.parse(cell.dataset.end);
      cell.classList.toggle("is-live", live);
      cell.classList.toggle("is-past", Date.parse(cell.dataset.end) <= now);
      cell.querySelector("[data-live-badge]").hidden = !live;
    }
    const position = (now - grid.t0) / grid.stepMs;
    const index = Math.floor(position);
    const row = grid.rows[index];
    grid.nowLine.hidden = !row;
    if (!row) return;
    const top = grid.table.offsetTop + row.offsetTop + (position - index) * row.offsetHeight;
    grid.nowLine.style.top = `${top}px`;
    grid.nowLine.style.width = `${grid.table.offsetWidth}px`;
    grid.nowLine.textContent = `Now · ${formatter(grid.zone, TIME).format(now)}`;
  }

  function agendaChanged() {
    if (!days.length) return; // not drawn yet
    if (state.mine) applyFilters();
    else if (grid) {
      for (const cell of grid.table.querySelectorAll("td[data-session-id]")) {
        showPick(cell, sessions.find((s) => s.id === cell.dataset.sessionId));
      }
    }
  }

  window.addEventListener("resize", () => markNow(Date.now()));
  return { render, markNow, agendaChanged };
}
