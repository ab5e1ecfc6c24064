// Schedule in the visitor's time zone (MiniConf).
//
// Pages render every session time in the conference's zone, as
//   <span class="time-range" data-start="ISO" data-end="ISO">…</span>  and
//   <time datetime="ISO" data-format="…">…</time>.
// This script rewrites them in the zone the visitor chose (or their browser's own),
// and on the pages that have them: fills the zone switcher, turns the schedule's days
// into tabs, draws a "now" line, lists "happening now / up next" on the home page and
// builds a personal agenda .ics from bookmarked papers.
//
// Storage (localStorage, keys per site: "miniconf:<site root path>:<name>", as
// common.js storageKey() makes them): "timezone" is the chosen IANA zone ("" or
// missing: the browser's); "agenda" is a JSON array of the session ids the visitor added
// to their agenda here; "bookmarks" is read only: a JSON array of paper ids, written by
// the bookmarks feature.
(() => {
  "use strict";

  const script = document.currentScript;
  const CONFERENCE_ZONE = script?.dataset.conferenceZone || "UTC";
  const SESSIONS_URL = script?.dataset.sessionsUrl || "sessions.json";
  // This script is static/js/schedule.js: the site's root is two folders up.
  const SITE_ROOT = new URL("../../", script?.src || window.location.href).pathname;
  const ZONE_KEY = `miniconf:${SITE_ROOT}:timezone`;
  const BOOKMARKS_KEY = `miniconf:${SITE_ROOT}:bookmarks`;
  const AGENDA_KEY = `miniconf:${SITE_ROOT}:agenda`;
  carryOverOnce();

  /** Settings under the unscoped keys of earlier versions are copied once (as in common.js). */
  function carryOverOnce() {
    const marker = `miniconf:${SITE_ROOT}:carried-over`;
    try {
      if (localStorage.getItem(marker)) return;
      for (const name of ["bookmarks", "agenda", "timezone"]) {
        const old = localStorage.getItem(`miniconf.${name}`);
        const key = `miniconf:${SITE_ROOT}:${name}`;
        if (old !== null && localStorage.getItem(key) === null) localStorage.setItem(key, old);
      }
      localStorage.setItem(marker, "1");
    } catch {
      /* storage disabled: nothing to carry over */
    }
  }
  const MINUTE = 60 * 1000;

  // ------------------------------------------------------------------ zones

  function browserZone() {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }

  function isKnownZone(zone) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }

  function storedZone() {
    try {
      return localStorage.getItem(ZONE_KEY) || "";
    } catch {
      return ""; // storage disabled: follow the browser
    }
  }

  /** The zone times are shown in: the visitor's choice, else their browser's. */
  function activeZone() {
    const chosen = storedZone();
    return chosen && isKnownZone(chosen) ? chosen : browserZone();
  }

  function rememberZone(zone) {
    try {
      if (zone) localStorage.setItem(ZONE_KEY, zone);
      else localStorage.removeItem(ZONE_KEY);
    } catch {
      /* storage disabled: the choice lasts for this page only */
    }
  }

  // ------------------------------------------------------------------ formatting

  const formatters = new Map();
  function formatter(zone, options) {
    const key = zone + JSON.stringify(options);
    if (!formatters.has(key)) {
      formatters.set(key, new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options }));
    }
    return formatters.get(key);
  }

  const DATE = { weekday: "short", day: "2-digit", month: "short" };
  const TIME = { hour: "2-digit", minute: "2-digit" };

  function dayKey(moment, zone) {
    // en-CA formats as YYYY-MM-DD: a sortable calendar date in that zone.
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(moment);
  }

  function zoneAbbreviation(moment, zone) {
    const part = formatter(zone, { timeZoneName: "short" })
      .formatToParts(moment)
      .find((p) => p.type === "timeZoneName");
    return part ? part.value : zone;
  }

  function dateTime(moment, zone) {
    return `${formatter(zone, DATE).format(moment)}, ${formatter(zone, TIME).format(moment)}`;
  }

  function timeElement(moment, text) {
    const element = document.createElement("time");
    element.dateTime = moment.toISOString();
    element.textContent = text;
    return element;
  }

  function zoneElement(moment, zone) {
    const label = document.createElement("abbr");
    label.className = "zone";
    label.title = zone;
    label.textContent = zoneAbbreviation(moment, zone);
    return label;
  }

  /** "Tue 11 May, 14:45–16:00 WEST", with the end's date when it falls on another day
   * and the end's zone name when the clocks change in between ("00:30 GMT–02:30 BST"). */
  function renderRange(span, zone) {
    const start = new Date(span.dataset.start);
    const end = new Date(span.dataset.end);
    if (isNaN(start) || isNaN(end)) return;
    const sameDay = dayKey(start, zone) === dayKey(end, zone);
    const clocksChange = zoneAbbreviation(start, zone) !== zoneAbbreviation(end, zone);
    const endText = sameDay ? formatter(zone, TIME).format(end) : dateTime(end, zone);
    span.replaceChildren(
      timeElement(start, dateTime(start, zone)),
      ...(clocksChange ? [" ", zoneElement(start, zone)] : []),
      "–",
      timeElement(end, endText),
      " ",
      zoneElement(clocksChange ? end : start, zone),
    );
    span.dataset.zone = zone;
  }

  function renderSingle(element, zone) {
    const moment = new Date(element.dateTime);
    if (isNaN(moment)) return;
    element.textContent = `${dateTime(moment, zone)} ${zoneAbbreviation(moment, zone)}`;
  }

  function zoneDescription(zone) {
    if (zone === CONFERENCE_ZONE) return `the conference's time zone, ${zone}`;
    if (zone === browserZone()) return `your time zone, ${zone}`;
    return zone;
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

  function setUpZonePickers() {
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    document.querySelectorAll("[data-zone-picker]").forEach((picker) => {
      const select = picker.querySelector("select");
      select.options[0].textContent = `Your time zone (${browserZone()})`;
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
        refresh();
      });
      picker.hidden = false;
    });
  }

  // ------------------------------------------------------------------ day tabs

  function setUpDayTabs() {
    const tablist = document.querySelector("[data-day-tabs]");
    if (!tablist) return;
    const days = [...document.querySelectorAll("section.day[data-day]")];
    if (days.length < 2) return;
    const tabs = days.map((day, index) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.id = `${day.id}-tab`;
      tab.setAttribute("aria-controls", day.id);
      tab.textContent = `Day ${index + 1} · ${day.dataset.dayLabel}`;
      day.setAttribute("role", "tabpanel");
      day.setAttribute("aria-labelledby", tab.id);
      tab.addEventListener("click", () => select(index, true));
      tab.addEventListener("keydown", (event) => {
        const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: days.length - 1 - index };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const next = (index + moves[event.key] + days.length) % days.length;
        select(next, true);
        tabs[next].focus();
      });
      return tab;
    });

    function select(chosen, remember) {
      days.forEach((day, index) => {
        const on = index === chosen;
        day.hidden = !on;
        tabs[index].setAttribute("aria-selected", String(on));
        tabs[index].tabIndex = on ? 0 : -1;
      });
      if (remember) history.replaceState(null, "", `#${days[chosen].id}`);
    }

    tablist.replaceChildren(...tabs);
    tablist.hidden = false;
    const fromHash = days.findIndex((day) => `#${day.id}` === location.hash);
    const today = dayKey(new Date(), CONFERENCE_ZONE);
    const todayIndex = days.findIndex((day) => day.dataset.day === today);
    select(fromHash >= 0 ? fromHash : Math.max(todayIndex, 0), false);
  }

  // ------------------------------------------------------------------ now line

  function markNow() {
    const now = Date.now();
    const zone = activeZone();
    document.querySelectorAll(".now-line").forEach((line) => line.remove());
    document.querySelectorAll("ol.agenda").forEach((agenda) => {
      const items = [...agenda.querySelectorAll(".agenda-item[data-start]")];
      let lineBefore = null;
      let first = Infinity;
      let last = -Infinity;
      for (const item of items) {
        const start = Date.parse(item.dataset.start);
        const end = Date.parse(item.dataset.end);
        first = Math.min(first, start);
        last = Math.max(last, end);
        const live = start <= now && now < end;
        item.classList.toggle("is-live", live);
        item.classList.toggle("is-past", end <= now);
        if (lineBefore === null && start > now) lineBefore = item;
      }
      if (now < first || now >= last) return;
      const line = document.createElement("li");
      line.className = "now-line";
      line.textContent = `Now · ${formatter(zone, TIME).format(now)}`;
      agenda.insertBefore(line, lineBefore);
    });
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

  function setUpAgenda() {
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
      const blob = new Blob([agendaCalendar(agendaSessions())], { type: "text/calendar" });
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = "my-agenda.ics";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
    window.addEventListener("storage", (event) => {
      if (event.key === BOOKMARKS_KEY || event.key === AGENDA_KEY) describe();
    });
    describe();
    button.closest("[hidden]")?.removeAttribute("hidden");
  }

  // ------------------------------------------------------------------ start

  function refresh() {
    renderAllTimes();
    markNow();
    showNowNext();
  }

  function start() {
    setUpZonePickers();
    setUpDayTabs();
    setUpAgenda();
    refresh();
    // Keep "now" honest on a page left open: redraw at the start of every minute.
    const tick = () => {
      markNow();
      showNowNext();
      setTimeout(tick, MINUTE - (Date.now() % MINUTE));
    };
    setTimeout(tick, MINUTE - (Date.now() % MINUTE));
    window.addEventListener("storage", (event) => {
      if (event.key === ZONE_KEY) refresh();
    });
  }

  // Exposed for tests and for other features (e.g. a bookmarks page offering the .ics).
  window.miniconfSchedule = { agendaCalendar, activeZone };

  start();
})();
