// Schedule in the visitor's time zone (MiniConf).
//
// Pages render every session time in the conference's zone, as
//   <span class="time-range" data-start="ISO" data-end="ISO">…</span>  and
//   <time datetime="ISO" data-format="…">…</time>.
// This module rewrites them in the zone the visitor chose (or their browser's own,
// see zones.js), and on the pages that have them: fills the zone switcher, marks what
// is live now, lists "happening now / up next" on the home page, builds a personal
// agenda .ics from bookmarked papers, and on the schedule page starts the timetable
// (timetable.js: the visitor's days, grid or list, filters).
//
// Storage (localStorage, keys per site, common.js storageKey()): "timezone" (zones.js);
// "agenda" is a JSON array of the session ids the visitor added to their agenda here;
// "bookmarks" is read only: a JSON array of paper ids, written by the bookmarks feature.

import { downloadFile, storageKey } from "./common.js";
import { setUpTimetable } from "./timetable.js";
import {
  activeZone, browserZone, formatter, renderRange, rememberZone, storedZone, TIME, dateTime,
  zoneName, ZONE_KEY,
} from "./zones.js";

const script = document.querySelector("script[data-schedule-script]");
const CONFERENCE_ZONE = script?.dataset.conferenceZone || "UTC";
const SESSIONS_URL = script?.dataset.sessionsUrl || "sessions.json";
const BOOKMARKS_KEY = storageKey("bookmarks");
const AGENDA_KEY = storageKey("agenda");
const MINUTE = 60 * 1000;

// ------------------------------------------------------------------ times on the page

function renderSingle(element, zone) {
  const moment = new Date(element.dateTime);
  if (isNaN(moment)) return;
  element.textContent = `${dateTime(moment, zone)} ${zoneName(moment, zone)}`;
  element.title = zone;
}

/** The moment zones are named for: the page's first session (summer time in a May
 * conference, even when the page is read in winter), else now. */
function referenceMoment() {
  const first = document.querySelector("[data-start]")?.dataset.start;
  return first ? new Date(first) : new Date();
}

/** "India Standard Time (Asia/Kolkata), your time zone". */
function zoneDescription(zone) {
  const name = zoneName(referenceMoment(), zone);
  const named = name === zone ? zone : `${name} (${zone.replaceAll("_", " ")})`;
  if (zone === CONFERENCE_ZONE) return `${named}, the conference's time zone`;
  if (zone === browserZone()) return `${named}, your time zone`;
  return named;
}

function renderAllTimes() {
  const zone = activeZone();
  document.querySelectorAll(".time-range[data-start][data-end]").forEach((span) => {
    renderRange(span, zone);
  });
  document.querySelectorAll("time[datetime][data-format]").forEach((element) => {
    renderSingle(element, zone);
  });
  document.querySelectorAll("[data-zone-note]").forEach((note) => {
    note.textContent = zoneDescription(zone);
  });
  document.documentElement.dataset.timezone = zone;
}

// ------------------------------------------------------------------ zone switcher

/** `onChange`: redraw the page's times after the visitor picked a zone. */
function setUpZonePickers(onChange) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const now = referenceMoment();
  document.querySelectorAll("[data-zone-picker]").forEach((picker) => {
    const select = picker.querySelector("select");
    const own = browserZone();
    select.options[0].textContent = `Your time zone (${zoneName(now, own)}, ${own.replaceAll("_", " ")})`;
    if (select.options[1]) {
      select.options[1].textContent = `Conference time (${zoneName(now, CONFERENCE_ZONE)}, ${CONFERENCE_ZONE.replaceAll("_", " ")})`;
    }
    const listed = new Set([...select.options].map((option) => option.value));
    const others = document.createElement("optgroup");
    others.label = "Other time zones";
    for (const zone of zones) {
      if (!listed.has(zone)) others.append(new Option(zone.replaceAll("_", " "), zone));
    }
    if (others.children.length) select.append(others);
    const chosen = storedZone();
    if (chosen && ![...select.options].some((option) => option.value === chosen)) {
      select.append(new Option(chosen, chosen));
    }
    select.value = chosen;
    select.addEventListener("change", () => {
      rememberZone(select.value);
      document.querySelectorAll("[data-zone-picker] select").forEach((other) => {
        other.value = select.value;
      });
      onChange();
    });
    picker.hidden = false;
  });
}

// ------------------------------------------------------------------ live now, now line

/** `timetable`: the schedule page's (null elsewhere), which marks its grid too. */
function markNow(timetable) {
  const now = Date.now();
  const zone = activeZone();
  const live = (element) => {
    const start = Date.parse(element.dataset.start);
    return start <= now && now < Date.parse(element.dataset.end);
  };
  // A session's own page, and every session of the schedule: "Live now".
  document.querySelectorAll("[data-live-session]").forEach((badge) => { badge.hidden = !live(badge); });
  document.querySelectorAll(".now-line").forEach((line) => line.remove());
  document.querySelectorAll("ol.agenda").forEach((agenda) => {
    const items = [...agenda.querySelectorAll(".agenda-item[data-start]")];
    let lineBefore = null;
    let first = Infinity;
    let last = -Infinity;
    for (const item of items) {
      const start = Date.parse(item.dataset.start);
      const end = Date.parse(item.dataset.end);
      const on = live(item);
      item.classList.toggle("is-live", on);
      item.classList.toggle("is-past", end <= now);
      const badge = item.querySelector("[data-live-badge]");
      if (badge) badge.hidden = !on;
      if (item.hidden) continue; // filtered out: the line goes between shown sessions
      first = Math.min(first, start);
      last = Math.max(last, end);
      if (lineBefore === null && start > now) lineBefore = item;
    }
    if (now < first || now >= last) return;
    const line = document.createElement("li");
    line.className = "now-line";
    line.textContent = `Now · ${formatter(zone, TIME).format(now)}`;
    agenda.insertBefore(line, lineBefore);
  });
  timetable?.markNow(now);
}

// ------------------------------------------------------------------ home: now / next

function sessionItem(record, base, zone) {
  const item = document.createElement("li");
  item.className = `session-line session-${record.type}`;
  const anchor = document.createElement("a");
  anchor.href = new URL(record.url, base).href;
  anchor.textContent = record.title;
  const meta = document.createElement("span");
  meta.className = "meta";
  const range = document.createElement("span");
  range.className = "time-range";
  range.dataset.start = record.start;
  range.dataset.end = record.end;
  renderRange(range, zone);
  meta.append(range);
  if (record.room) meta.append(` · ${record.room}`);
  item.append(anchor, meta);
  return item;
}

let sessionsPromise = null;
function loadSessions() {
  sessionsPromise ??= fetch(SESSIONS_URL)
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((data) => ({ data, base: new URL(SESSIONS_URL, location.href) }));
  return sessionsPromise;
}

async function showNowNext() {
  const box = document.querySelector("[data-now-next]");
  if (!box) return;
  let loaded;
  try {
    loaded = await loadSessions();
  } catch {
    return; // offline copy or file://: the section stays hidden
  }
  const now = Date.now();
  const zone = activeZone();
  const sessions = loaded.data.sessions;
  const live = sessions.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
  const upcoming = sessions.filter((s) => Date.parse(s.start) > now);
  const nextStart = Math.min(...upcoming.map((s) => Date.parse(s.start)));
  const next = upcoming.filter((s) => Date.parse(s.start) === nextStart);
  if (!live.length && !next.length) {
    box.hidden = true;
    return;
  }
  box.querySelector("[data-now-list]").replaceChildren(
    ...live.map((s) => sessionItem(s, loaded.base, zone)),
  );
  box.querySelector("[data-now-empty]").hidden = live.length > 0;
  box.querySelector("[data-next-list]").replaceChildren(
    ...next.map((s) => sessionItem(s, loaded.base, zone)),
  );
  box.querySelector("[data-next-heading]").hidden = next.length === 0;
  box.hidden = false;
}

// ------------------------------------------------------------------ personal agenda

function readIds(key) {
  try {
    const value = JSON.parse(localStorage.getItem(key) || "[]");
    return new Set(Array.isArray(value) ? value.filter((id) => typeof id === "string") : []);
  } catch {
    return new Set();
  }
}

function writeIds(key, ids) {
  try {
    localStorage.setItem(key, JSON.stringify([...ids].sort()));
  } catch {
    /* storage disabled: the pick lasts for this page only */
  }
}

/** Paper ids bookmarked by the bookmarks feature (session ids found there count too). */
function bookmarkedPapers() {
  return readIds(BOOKMARKS_KEY);
}

/** Sessions the visitor added to their agenda on the schedule page. */
function pickedSessions() {
  return readIds(AGENDA_KEY);
}

function icsText(value) {
  return String(value).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,")
    .replace(/\r?\n/g, "\\n");
}

function icsDate(moment) {
  return new Date(moment).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Lines longer than 75 octets are folded (RFC 5545 §3.1). */
function fold(line) {
  const bytes = new TextEncoder();
  const parts = [];
  let current = "";
  for (const char of line) {
    const limit = parts.length ? 74 : 75; // continuation lines start with a space
    if (bytes.encode(current + char).length > limit) {
      parts.push(current);
      current = "";
    }
    current += char;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** An RFC 5545 calendar of the given sessions, UIDs as in schedule.ics (times in UTC). */
function agendaCalendar(sessions) {
  const stamp = icsDate(Date.now());
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//MiniConf//personal agenda//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${icsText(`My agenda · ${document.title.split(" · ").pop()}`)}`,
  ];
  for (const session of sessions) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${icsText(session.uid)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${icsDate(session.start)}`,
      `DTEND:${icsDate(session.end)}`,
      `SUMMARY:${icsText(session.title)}`,
      `URL:${session.url}`,
    );
    if (session.room) lines.push(`LOCATION:${icsText(session.room)}`);
    lines.push(`DESCRIPTION:${icsText(session.url)}`, "END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return lines.map(fold).join("\r\n") + "\r\n";
}

function inAgenda(item, papers, picked) {
  const id = item.dataset.sessionId;
  return picked.has(id) || papers.has(id) ||
    item.dataset.papers.split(" ").some((paper) => papers.has(paper));
}

function agendaSessions() {
  const papers = bookmarkedPapers();
  const picked = pickedSessions();
  return [...document.querySelectorAll(".agenda-item[data-session-id]")]
    .filter((item) => inAgenda(item, papers, picked))
    .map((item) => ({
      uid: item.dataset.uid,
      start: item.dataset.start,
      end: item.dataset.end,
      title: item.querySelector(".agenda-title").textContent.trim(),
      url: item.querySelector(".agenda-title").href,
      room: item.dataset.room || "",
    }));
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** `onChange`: the agenda changed (the timetable's "My agenda only" follows it). */
function setUpAgenda(onChange) {
  const button = document.querySelector("[data-agenda-download]");
  if (!button) return;
  const status = document.querySelector("[data-agenda-status]");
  const picks = [...document.querySelectorAll("[data-agenda-pick]")];

  const describe = () => {
    const papers = bookmarkedPapers();
    const picked = pickedSessions();
    for (const pick of picks) {
      const item = pick.closest(".agenda-item");
      const chosen = picked.has(item.dataset.sessionId);
      pick.setAttribute("aria-pressed", String(chosen));
      pick.textContent = chosen ? "★ In my agenda" : "☆ Add to my agenda";
      item.classList.toggle("in-agenda", inAgenda(item, papers, picked));
    }
    const sessions = agendaSessions().length;
    button.disabled = sessions === 0;
    const sources = [];
    if (papers.size) sources.push(plural(papers.size, "bookmarked paper"));
    if (picked.size) sources.push(plural(picked.size, "picked session"));
    status.textContent = sessions
      ? `${plural(sessions, "session")} (from ${sources.join(" and ")})`
      : "Add sessions or bookmark papers to build your agenda";
    onChange();
  };

  for (const pick of picks) {
    pick.addEventListener("click", () => {
      const id = pick.closest(".agenda-item").dataset.sessionId;
      const picked = pickedSessions();
      if (picked.has(id)) picked.delete(id);
      else picked.add(id);
      writeIds(AGENDA_KEY, picked);
      describe();
    });
    pick.hidden = false;
  }
  button.addEventListener("click", () => {
    downloadFile("my-agenda.ics", agendaCalendar(agendaSessions()), "text/calendar");
  });
  window.addEventListener("storage", (event) => {
    if (event.key === BOOKMARKS_KEY || event.key === AGENDA_KEY) describe();
  });
  describe();
  button.closest("[hidden]")?.removeAttribute("hidden");
}


// ------------------------------------------------------------------ start

function refresh(timetable) {
  timetable?.render();
  renderAllTimes();
  markNow(timetable);
  showNowNext();
}

function start() {
  const timetable = setUpTimetable({
    isMine: (item) => inAgenda(item, bookmarkedPapers(), pickedSessions()),
  });
  const redraw = () => refresh(timetable);
  setUpZonePickers(redraw);
  setUpAgenda(() => timetable?.agendaChanged());
  redraw();
  // Keep "now" honest on a page left open: redraw at the start of every minute.
  const tick = () => {
    markNow(timetable);
    showNowNext();
    setTimeout(tick, MINUTE - (Date.now() % MINUTE));
  };
  setTimeout(tick, MINUTE - (Date.now() % MINUTE));
  window.addEventListener("storage", (event) => {
    if (event.key === ZONE_KEY) redraw();
  });
}

// Exposed for tests and for other features (e.g. a bookmarks page offering the .ics).
window.miniconfSchedule = { agendaCalendar, activeZone };

start();
