// Time zones and days as the visitor sees them (MiniConf): which zone times are shown
// in, the calendar day of an instant there, and the zone's name as people know it.
// Shared by the schedule (schedule.js, timetable.js) and the papers page's Day facet
// (papers.js), so that "a day" means the same everywhere: the visitor's date.
//
// Storage (localStorage, this site's key "miniconf:<site root path>:timezone", see
// common.js storageKey()): the chosen IANA zone ("" or missing: the browser's own).

import { storageKey } from "./common.js";

export const ZONE_KEY = storageKey("timezone");

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function isKnownZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function storedZone() {
  try {
    return localStorage.getItem(ZONE_KEY) || "";
  } catch {
    return ""; // storage disabled: follow the browser
  }
}

/** The zone times are shown in: the visitor's choice, else their browser's. */
export function activeZone() {
  const chosen = storedZone();
  return chosen && isKnownZone(chosen) ? chosen : browserZone();
}

export function rememberZone(zone) {
  try {
    if (zone) localStorage.setItem(ZONE_KEY, zone);
    else localStorage.removeItem(ZONE_KEY);
  } catch {
    /* storage disabled: the choice lasts for this page only */
  }
}

const formatters = new Map();

/** An Intl.DateTimeFormat in the browser's language for a zone (made once per options). */
export function formatter(zone, options) {
  const key = zone + JSON.stringify(options);
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options }));
  }
  return formatters.get(key);
}

/** The calendar date of an instant in a zone, as a sortable "YYYY-MM-DD". */
export function dayKey(moment, zone = activeZone()) {
  const parts = formatter(zone, { year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(moment);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The visitor's day of an ISO 8601 time: what day tabs and the Day facet group by. */
export function viewerDay(iso) {
  return dayKey(new Date(iso), activeZone());
}

/** "Tue 11 May" for a "YYYY-MM-DD" day key (a date, so no zone conversion). */
export function dayLabel(key, options = { weekday: "short", day: "2-digit", month: "short" }) {
  return formatter("UTC", options).format(new Date(`${key}T12:00:00Z`));
}

function zonePart(moment, zone, style) {
  const part = formatter(zone, { timeZoneName: style })
    .formatToParts(moment)
    .find((p) => p.type === "timeZoneName");
  return part ? part.value : zone;
}

/** The zone's name at that moment as people know it: the short name where the language
 * has one ("WEST", "BST", "PDT"), else the long one ("India Standard Time") rather than
 * an offset such as "GMT+5:30". */
export function zoneName(moment, zone) {
  const short = zonePart(moment, zone, "short");
  return /^(GMT|UTC)[+-−]/.test(short) ? zonePart(moment, zone, "long") : short;
}

/** The zone's long name at that moment ("Pacific Daylight Time"). */
export function zoneLongName(moment, zone) {
  return zonePart(moment, zone, "long");
}

// ---------------------------------------------------------------------------- time ranges

export const DATE = { weekday: "short", day: "2-digit", month: "short" };
export const TIME = { hour: "2-digit", minute: "2-digit" };

export function dateTime(moment, zone) {
  return `${formatter(zone, DATE).format(moment)}, ${formatter(zone, TIME).format(moment)}`;
}

function timeElement(moment, text) {
  const element = document.createElement("time");
  element.dateTime = moment.toISOString();
  element.textContent = text;
  return element;
}

/** The zone's name, with its IANA name on hover. */
export function zoneElement(moment, zone) {
  const label = document.createElement("abbr");
  label.className = "zone";
  label.title = zone;
  label.textContent = zoneName(moment, zone);
  return label;
}

/** Fill a <span class="time-range" data-start data-end>: "Tue 11 May, 14:45–16:00 WEST",
 * with the end's date when it falls on another day and the end's zone name when the
 * clocks change in between ("00:30 GMT–02:30 BST"). Marked data-within-day (a list of
 * one day's sessions, whose heading names the day and the zone): "14:45–16:00", the
 * zone only where the clocks change. */
export function renderRange(span, zone) {
  const start = new Date(span.dataset.start);
  const end = new Date(span.dataset.end);
  if (isNaN(start) || isNaN(end)) return;
  const withinDay = "withinDay" in span.dataset;
  const sameDay = dayKey(start, zone) === dayKey(end, zone);
  const clocksChange = zoneName(start, zone) !== zoneName(end, zone);
  const time = formatter(zone, TIME);
  const endText = sameDay ? time.format(end) : dateTime(end, zone);
  span.replaceChildren(
    timeElement(start, withinDay ? time.format(start) : dateTime(start, zone)),
    ...(clocksChange ? [" ", zoneElement(start, zone)] : []),
    "–",
    timeElement(end, endText),
    ...(withinDay && !clocksChange ? [] : [" ", zoneElement(clocksChange ? end : start, zone)]),
  );
  span.dataset.zone = zone;
}

/** A new time range for an ISO start and end (see renderRange). */
export function timeRange(start, end, zone, { withinDay = false } = {}) {
  const span = document.createElement("span");
  span.className = "time-range";
  span.dataset.start = start;
  span.dataset.end = end;
  if (withinDay) span.dataset.withinDay = "";
  renderRange(span, zone);
  return span;
}
