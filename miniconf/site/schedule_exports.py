"""The program as files other tools read: iCalendar, Frab XML/JSON and sessions.json.

- ``schedule.ics`` (every session) and ``sessions/<id>.ics`` (one session, for the
  "Add to calendar" button): RFC 5545, times in the conference's zone with its
  VTIMEZONE, so a calendar shows them in whatever zone its user lives in.
- ``schedule.xml`` and ``schedule.json``: the Frab schedule format that pretalx exports
  and the conference apps (Giggity, ConfClerk, EventFahrplan) read. One Frab *event*
  per session; the papers of a session are listed in its description and links.
- ``sessions.json``: what the browser needs for "happening now / up next" and for
  building a personal agenda ``.ics`` from bookmarked papers (static/js/schedule.js).

Identifiers are stable: they come from the session id and the conference's host, never
from times or order, so re-importing an updated calendar replaces events instead of
duplicating them. Everything here is a pure function of the Conference, so the same
data always gives the same bytes (DTSTAMP comes from SOURCE_DATE_EPOCH when set).

For a program of 10,000 papers these files are megabytes; :class:`ScheduleExports`
(one per site) makes what several of them share once: the Frab document and its JSON
(schedule.xml carries the JSON's digest), the VTIMEZONE, each session's VEVENT.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cached_property
from json.encoder import encode_basestring as json_string
from urllib.parse import urlsplit

import icalendar
from flask import Flask, Response, abort

from .. import __version__
from ..structure.conference import Conference
from ..structure.models import Session
from .timetable import Timetable

GENERATOR = "MiniConf"

#: DTSTAMP when SOURCE_DATE_EPOCH is not set: a fixed instant, so builds are reproducible.
_DEFAULT_STAMP = datetime(2000, 1, 1, tzinfo=UTC)

#: Frab events must sit in a room; sessions without one (breaks) go here.
NO_ROOM = "General"

SESSION_TYPE_LABELS = {
    "keynote": "Keynote",
    "oral": "Oral session",
    "poster": "Poster session",
    "workshop": "Workshop",
    "tutorial": "Tutorial",
    "social": "Social",
    "break": "Break",
}


# --------------------------------------------------------------------------- identity


def site_host(conference: Conference) -> str:
    """The host of base_url, or a name made from the conference's name when there is none."""
    if conference.config.base_url:
        host = urlsplit(conference.config.base_url).hostname
        if host:
            return host
    return f"{acronym(conference).replace('_', '-')}.miniconf.invalid"


def acronym(conference: Conference) -> str:
    """A Frab acronym (``[a-z0-9_]{4,}``) from the conference name: "Helios 2027" → helios_2027."""
    text = re.sub(r"[^a-z0-9]+", "_", conference.config.name.lower()).strip("_")
    return (text or "conference").ljust(4, "0")


def session_uid(conference: Conference, session: Session) -> str:
    """The iCalendar UID of a session: ``<session id>@<host>``."""
    return f"{session.id}@{site_host(conference)}"


def session_guid(conference: Conference, session: Session) -> str:
    """The Frab guid: a UUID derived (uuid5) from the iCalendar UID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:miniconf:{session_uid(conference, session)}"))


def _room_guid(conference: Conference, room: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:miniconf:room:{room}@{site_host(conference)}"))


def _event_ids(conference: Conference) -> dict[str, int]:
    """Frab's legacy numeric ids: a hash of the session id (not its position), unique."""
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for session in sorted(conference.sessions, key=lambda s: s.id):
        number = int(hashlib.sha256(session.id.encode()).hexdigest()[:7], 16) + 1
        while number in taken:
            number += 1
        taken.add(number)
        ids[session.id] = number
    return ids


def absolute_url(conference: Conference, path: str) -> str:
    """``path`` under base_url; relative (as on the site) when no base_url is configured."""
    base = conference.config.base_url
    return f"{base.rstrip('/')}/{path}" if base else path


def _dtstamp() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else _DEFAULT_STAMP


def room_name(session: Session) -> str:
    return session.room or NO_ROOM


def type_label(session: Session) -> str:
    return SESSION_TYPE_LABELS.get(session.type.value, session.type.value.capitalize())


#: (id, title, author names) of a paper in a session.
SessionPaper = tuple[str, str, list[str]]


def _session_papers(
    conference: Conference, session: Session, limit: int | None = None
) -> list[SessionPaper]:
    """The session's papers (the first ``limit`` of them), in order. Read once per event:
    the papers of a 10,000-paper program are slow to walk (they fill no CPU cache)."""
    paper_by_id = conference.paper_by_id
    return [
        (paper_id, paper.title, paper.author_names)
        for paper_id in session.papers[:limit]
        for paper in (paper_by_id[paper_id],)
    ]


def _people(conference: Conference, session: Session, papers: list[SessionPaper]) -> list[str]:
    """Who appears in a session: keynote speakers, workshop organizers, paper authors."""
    names: list[str] = [conference.speaker_by_id[s].name for s in session.speakers]
    if session.workshop:
        names.extend(conference.workshop_by_id[session.workshop].organizers)
    for _id, _title, authors in papers:
        names.extend(authors)
    return list(dict.fromkeys(names))


def _plain_description(
    conference: Conference,
    session: Session,
    papers: list[SessionPaper],
) -> str:
    """The session as plain text: description, chairs, keynote, workshop, papers in order
    (``papers``: all of them or the first few, the rest counted)."""
    parts: list[str] = []
    if session.description:
        parts.append(session.description.strip())
    if session.chairs:
        parts.append("Chairs: " + ", ".join(session.chairs))
    for speaker_id in session.speakers:
        speaker = conference.speaker_by_id[speaker_id]
        talk = f": {speaker.talk_title}" if speaker.talk_title else ""
        parts.append(f"Keynote by {speaker.name}{talk}")
    if session.workshop:
        parts.append(f"Workshop: {conference.workshop_by_id[session.workshop].title}")
    if session.papers:
        # Talk slots: each timed talk's start and end, in the conference's zone.
        zone = conference.config.zone
        slots = {paper_id: (start, end) for paper_id, start, end in session.talk_slots()
                 if start is not None and end is not None}
        clock = "%H:%M"

        def slot(paper_id: str) -> str:
            if paper_id not in slots:
                return ""
            start, end = (moment.astimezone(zone) for moment in slots[paper_id])
            return f"{start.strftime(clock)}–{end.strftime(clock)} "

        heading = f"Papers (talk times in {conference.config.timezone}):" if slots else "Papers:"
        lines = [heading]
        lines += [
            f"{number}. {slot(paper_id)}{title} ({', '.join(authors)})"
            for number, (paper_id, title, authors) in enumerate(papers, 1)
        ]
        if len(papers) < len(session.papers):
            lines.append(f"… and {len(session.papers) - len(papers)} more on the session's page")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


#: Papers listed in a calendar event's description: enough for an oral session; a poster
#: session of 50 would bury the link to its page.
ICS_MAX_PAPERS = 12


# --------------------------------------------------------------------------- iCalendar


def _calendar(conference: Conference, name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{GENERATOR}//{conference.config.name}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", conference.config.timezone)
    return calendar


def _vtimezones(conference: Conference) -> list[icalendar.Timezone]:
    """The VTIMEZONEs of a calendar of this conference's sessions, as icalendar adds them.

    Every event is in the conference's zone (and DTSTAMP in UTC), so one time in that
    zone needs the same VTIMEZONEs as all events: generated from the zoneinfo database
    with the DST changes of a year either side of the program (the default, 1970–2038,
    is 30 times slower and bigger, and stops before a conference in 2040)."""
    if not conference.sessions:
        return []
    probe = icalendar.Calendar()
    event = icalendar.Event()
    event.add("dtstart", conference.sessions[0].start.astimezone(conference.config.zone))
    probe.add_component(event)
    starts = [session.start.date() for session in conference.sessions]
    probe.add_missing_timezones(first_date=min(starts) - timedelta(days=366),
                                last_date=max(starts) + timedelta(days=366))
    return probe.timezones


class _Times:
    """How icalendar writes a DATE-TIME in the conference's zone: with a TZID parameter,
    or without one and with a "Z" in zones it counts as UTC (UTC, Etc/UTC, but also
    Africa/Abidjan). Asked of icalendar once: the same for every time in the zone."""

    def __init__(self, zone: tzinfo):
        value = icalendar.vDDDTypes(datetime(2000, 1, 1, tzinfo=zone))
        params = value.params.to_ical().decode()
        self.params = f";{params}" if params else ""
        self.suffix = "Z" if value.to_ical().endswith(b"Z") else ""
        self.zone = zone

    def line(self, name: str, moment: datetime) -> str:
        return f"{name}{self.params}:{_ical_datetime(moment.astimezone(self.zone))}{self.suffix}"


def _ical_datetime(moment: datetime) -> str:
    return (f"{moment.year:04}{moment.month:02}{moment.day:02}"
            f"T{moment.hour:02}{moment.minute:02}{moment.second:02}")


def _ical_text(text: str) -> str:
    return icalendar.vText(text).to_ical().decode()


def _vevent_lines(
    conference: Conference, session: Session, stamp: datetime, times: _Times
) -> list[str]:
    """The session's VEVENT as icalendar writes an Event with these properties (in its
    canonical order, values encoded by icalendar's types), without building the Event:
    that took a quarter of a millisecond per session, most of a 10,000-paper
    schedule.ics. tests/test_exports_match_reference.py builds the Event it must equal."""
    papers = _session_papers(conference, session, ICS_MAX_PAPERS)
    description = _plain_description(conference, session, papers)
    page = absolute_url(conference, f"sessions/{session.id}.html")
    text = f"{description}\n\n{page}" if description else page
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_ical_text(session.title)}",
        times.line("DTSTART", session.start),
        times.line("DTEND", session.end),
        f"DTSTAMP:{_ical_datetime(stamp.astimezone(UTC))}Z",
        f"UID:{_ical_text(session_uid(conference, session))}",
        "SEQUENCE:0",
        f"CATEGORIES:{icalendar.vCategory([type_label(session)]).to_ical().decode()}",
        f"DESCRIPTION:{_ical_text(text)}",
    ]
    location = session.room or session.stream_url
    if location:
        lines.append(f"LOCATION:{_ical_text(location)}")
    if conference.config.base_url:
        lines.append(f"URL:{icalendar.vUri(page).to_ical().decode()}")
    elif session.stream_url and session.stream_url.startswith("http"):
        lines.append(f"URL:{icalendar.vUri(session.stream_url).to_ical().decode()}")
    lines.append("END:VEVENT")
    return lines


def component_ical(component: icalendar.Component) -> bytes:
    """``component.to_ical()``, the same bytes, folded by fold_line (icalendar folds a
    character at a time, which was most of the time of a 10,000-paper schedule.ics)."""
    return b"".join(fold_line(line) + b"\r\n" for line in component.content_lines() if line)


def fold_line(line: str) -> bytes:
    """A content line folded as icalendar folds it: pieces of at most 74 octets, never
    splitting a character, and a piece ending in a backslash or caret (the start of an
    escape) hands it on to the next piece."""
    data = line.encode("utf-8")
    if len(data) <= 74:
        return data
    pieces = []
    start = 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence: fold before it
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


def schedule_ics(conference: Conference) -> bytes:
    """Every session of the conference as one calendar."""
    return ScheduleExports(conference).schedule_ics()


def session_ics(conference: Conference, session: Session) -> bytes:
    """One session, for "Add to calendar"; its UID is the same as in schedule.ics."""
    return ScheduleExports(conference).session_ics(session)


# --------------------------------------------------------------------------- Frab


def _duration(start: datetime, end: datetime) -> str:
    """Elapsed time as HH:MM. In UTC: Python subtracts two times of the same zone by
    their wall clocks, which would make 00:30–02:30 two hours on a spring-forward night."""
    minutes = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _slug(conference: Conference, session: Session) -> str:
    # Frab slugs are lower case and end in a letter or digit.
    return f"{acronym(conference)}-{session.id.lower()}".rstrip("-_")


def _frab_days(conference: Conference) -> list[tuple[int, date, datetime, datetime, list]]:
    """(index, date, day start, day end, sessions) per conference day with sessions."""
    zone = conference.config.zone
    days = []
    for index, (day, sessions) in enumerate(conference.days, 1):
        start = min(s.start for s in sessions).astimezone(zone)
        end = max(s.end for s in sessions).astimezone(zone)
        days.append((index, day, start, end, list(sessions)))
    return days


def _rooms(conference: Conference) -> list[str]:
    """The rooms in the schedule grid's order (config.yml's ``rooms``, then natural
    order), apps show them so too; sessions without a room last, in NO_ROOM."""
    rooms = list(Timetable(conference).rooms)
    if any(not session.room for session in conference.sessions) and NO_ROOM not in rooms:
        rooms.append(NO_ROOM)
    return rooms


def _frab_event(conference: Conference, session: Session, event_id: int) -> dict:
    zone = conference.config.zone
    start = session.start.astimezone(zone)
    papers = _session_papers(conference, session)
    papers_url = absolute_url(conference, "papers/")
    links = [
        {"type": "paper", "url": f"{papers_url}{paper_id}.html", "title": title}
        for paper_id, title, _authors in papers
    ]
    if session.stream_url and session.stream_url.startswith("http"):
        links.insert(0, {"type": "media", "url": session.stream_url, "title": "Stream"})
    return {
        "guid": session_guid(conference, session),
        "id": event_id,
        "logo": "",
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": session.end.astimezone(zone).isoformat(),
        "duration": _duration(session.start, session.end),
        "room": room_name(session),
        "slug": _slug(conference, session),
        "url": absolute_url(conference, f"sessions/{session.id}.html"),
        "title": session.title,
        "subtitle": "",
        "track": type_label(session),
        "type": session.type.value,
        "language": "en",
        "abstract": session.description,
        "description": _plain_description(conference, session, papers),
        "persons": [
            {"name": name, "public_name": name} for name in _people(conference, session, papers)
        ],
        "links": links,
        "attachments": [],
    }


def _compact_json(document) -> str:
    # Without indent, json uses its C encoder: 20 times faster for a 10,000-paper program.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _frab_json(document: dict) -> str:
    """``_compact_json(document)``, the same text, with the days (nearly all of it)
    written by _day_json: json.dumps spent most of its time on the 40,000 small dicts
    of persons and links."""
    schedule = document["schedule"]
    conference = schedule["conference"]
    text = _compact_json(
        {**document, "schedule": {**schedule, "conference": {**conference, "days": []}}})
    days = ",".join(map(_day_json, conference["days"]))
    # Strings are written with their quotes escaped, so the first '"days":[]' is the key.
    return text.replace('"days":[]', f'"days":[{days}]', 1)


def _day_json(day: dict) -> str:
    rooms = ",".join(
        f"{json_string(room)}:[{','.join(map(_event_json, events))}]"
        for room, events in day["rooms"].items()
    )
    return (f'{{"index":{_compact_json(day["index"])},"date":{json_string(day["date"])},'
            f'"day_start":{json_string(day["day_start"])},'
            f'"day_end":{json_string(day["day_end"])},"rooms":{{{rooms}}}}}')


def _event_json(event: dict) -> str:
    """An event of _frab_event as json.dumps writes it (keys in the same order)."""
    head = ",".join(f'"{key}":{json_string(event[key])}' for key in _EVENT_TEXT_KEYS)
    persons = ",".join([
        f'{{"name":{json_string(person["name"])},'
        f'"public_name":{json_string(person["public_name"])}}}'
        for person in event["persons"]
    ])
    links = ",".join([
        f'{{"type":{json_string(link["type"])},"url":{json_string(link["url"])},'
        f'"title":{json_string(link["title"])}}}'
        for link in event["links"]
    ])
    return (f'{{"guid":{json_string(event["guid"])},"id":{_compact_json(event["id"])},{head},'
            f'"persons":[{persons}],"links":[{links}],'
            f'"attachments":{_compact_json(event["attachments"])}}}')


#: The string fields of an event between "id" and "persons", in _frab_event's order.
_EVENT_TEXT_KEYS = ("logo", "date", "start", "end", "duration", "room", "slug", "url",
                    "title", "subtitle", "track", "type", "language", "abstract",
                    "description")


def frab_document(conference: Conference) -> dict:
    """The Frab schedule as a dict; its version is a digest of everything else in it, so
    it changes whenever the program does (apps compare it to decide whether to reload)."""
    return ScheduleExports(conference).frab_document


def _frab_document(conference: Conference) -> dict:
    config = conference.config
    ids = _event_ids(conference)
    all_rooms = _rooms(conference)
    days = []
    for index, day, start, end, sessions in _frab_days(conference):
        rooms: dict[str, list[dict]] = {room: [] for room in all_rooms}
        for session in sessions:
            rooms[room_name(session)].append(_frab_event(conference, session, ids[session.id]))
        days.append({
            "index": index,
            "date": day.isoformat(),
            "day_start": start.isoformat(),
            "day_end": end.isoformat(),
            "rooms": {room: events for room, events in rooms.items() if events},
        })
    schedule: dict = {"version": ""}
    if config.base_url:
        schedule["base_url"] = config.base_url
    conference_record: dict = {
        "acronym": acronym(conference),
        "title": config.name,
        "start": config.start_date.isoformat(),
        "end": config.end_date.isoformat(),
        "daysCount": (config.end_date - config.start_date).days + 1,
        "timeslot_duration": "00:15",
        "time_zone_name": config.timezone,
        "rooms": [{"name": room, "guid": _room_guid(conference, room)} for room in all_rooms],
        "tracks": [{"name": label} for label in _used_type_labels(conference)],
        "days": days,
    }
    if config.tagline:
        conference_record["description"] = config.tagline
    if config.base_url:
        conference_record["url"] = config.base_url
    schedule["conference"] = conference_record
    return {"$schema": "https://c3voc.de/schedule/schema.json",
            "generator": {"name": GENERATOR, "version": __version__}, "schedule": schedule}


def _used_type_labels(conference: Conference) -> list[str]:
    return list(dict.fromkeys(type_label(session) for session in conference.sessions))


def schedule_json(conference: Conference) -> str:
    """The Frab/pretalx ``schedule.json``."""
    return ScheduleExports(conference).schedule_json()


def schedule_xml(conference: Conference) -> bytes:
    """The Frab ``schedule.xml`` (the format most conference apps read)."""
    return ScheduleExports(conference).schedule_xml()


#: Frab XML slugs (the XSD's pattern); an event whose slug does not match has none.
_XML_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")


def _xml_text(text: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _xml_attribute(value: str) -> str:
    """An attribute's value escaped as ElementTree escapes it."""
    value = _xml_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#09;")
    return value


def _xml_attributes(**attributes: str) -> str:
    """Attributes as ElementTree writes them (in the order given)."""
    return "".join(f' {name}="{_xml_attribute(value)}"' for name, value in attributes.items())


def _xml_leaf(indent: str, tag: str, text: str = "", attributes: str = "") -> str:
    """An element without children on its own line; empty, it closes itself (``<a />``)."""
    if text:
        return f"{indent}<{tag}{attributes}>{_xml_text(text)}</{tag}>"
    return f"{indent}<{tag}{attributes} />"


def _xml_parent(indent: str, tag: str, children: list[str], attributes: str = "") -> list[str]:
    """An element around its children's lines, or closing itself when it has none."""
    if not children:
        return [f"{indent}<{tag}{attributes} />"]
    return [f"{indent}<{tag}{attributes}>", *children, f"{indent}</{tag}>"]


def _xml_event(event: dict, indent: str) -> list[str]:
    inner, innermost = indent + " ", indent + "  "
    lines = [_xml_leaf(inner, key, event[key]) for key in (
        "room", "title", "subtitle", "type", "date", "start", "duration", "abstract")]
    if _XML_SLUG.fullmatch(event["slug"]):
        lines.append(_xml_leaf(inner, "slug", event["slug"]))
    lines.append(_xml_leaf(inner, "track", event["track"]))
    # Persons and links are most of the file: written here rather than by _xml_leaf.
    persons = [
        f"{innermost}<person>{_xml_text(name)}</person>" if name else f"{innermost}<person />"
        for name in [person["name"] for person in event["persons"]]
    ]
    lines += _xml_parent(inner, "persons", persons)
    lines.append(_xml_leaf(inner, "language", event["language"]))
    lines.append(_xml_leaf(inner, "description", event["description"]))
    links = [
        f'{innermost}<link href="{_xml_attribute(item["url"])}"'
        f' type="{_xml_attribute(item["type"])}"'
        + (f'>{_xml_text(item["title"])}</link>' if item["title"] else " />")
        for item in event["links"]
    ]
    lines += _xml_parent(inner, "links", links)
    if event["url"].startswith(("http://", "https://")):
        lines.append(_xml_leaf(inner, "url", event["url"]))
    return _xml_parent(indent, "event", lines,
                       _xml_attributes(id=str(event["id"]), guid=event["guid"]))


# --------------------------------------------------------------------------- one site's exports


class ScheduleExports:
    """The export files of one conference. The site's app keeps one, so that what
    several files share is made once per process: the Frab document and its JSON
    (schedule.xml carries its digest), the VTIMEZONE and each session's VEVENT (in
    schedule.ics and in the session's own calendar)."""

    def __init__(self, conference: Conference):
        self.conference = conference
        self._vevents: dict[tuple[str, datetime], bytes] = {}

    # ------------------------------------------------------------------ iCalendar

    def schedule_ics(self) -> bytes:
        return self._ics(self.conference.config.name, self.conference.sessions)

    def session_ics(self, session: Session) -> bytes:
        return self._ics(f"{session.title} · {self.conference.config.name}", [session])

    def _ics(self, name: str, sessions) -> bytes:
        """The calendar: its properties, its VTIMEZONEs (first, where icalendar's
        add_missing_timezones puts them), an event per session."""
        stamp = _dtstamp()
        events = [self._vevent(session, stamp) for session in sessions]
        timezones = [self._vtimezones] if events else []
        head = [
            fold_line(self._calendar_name(name) if line == "X-WR-CALNAME:" else line) + b"\r\n"
            for line in self._calendar_head
        ]
        return b"".join([*head, *timezones, *events, b"END:VCALENDAR\r\n"])

    @cached_property
    def _calendar_head(self) -> list[str]:
        """BEGIN:VCALENDAR and the calendar's properties as icalendar writes them, made
        once (a calendar cost 0.15 ms, a third of a session's .ics); the name is left
        empty for _calendar_name."""
        *head, end = (line for line in _calendar(self.conference, "").content_lines() if line)
        assert end == "END:VCALENDAR" and "X-WR-CALNAME:" in head
        return head

    @staticmethod
    def _calendar_name(name: str) -> str:
        value = icalendar.Calendar.types_factory.for_property("X-WR-CALNAME")(name)
        return f"X-WR-CALNAME:{value.to_ical().decode()}"

    def _vevent(self, session: Session, stamp: datetime) -> bytes:
        key = (session.id, stamp)
        if key not in self._vevents:
            lines = _vevent_lines(self.conference, session, stamp, self._times)
            self._vevents[key] = b"".join(fold_line(line) + b"\r\n" for line in lines)
        return self._vevents[key]

    @cached_property
    def _times(self) -> _Times:
        return _Times(self.conference.config.zone)

    @cached_property
    def _vtimezones(self) -> bytes:
        return b"".join(component_ical(zone) for zone in _vtimezones(self.conference))

    # ------------------------------------------------------------------ Frab

    @cached_property
    def _frab(self) -> tuple[dict, str]:
        """The Frab document and its compact JSON. The version is a digest of the JSON
        with an empty version, so the JSON is written once and the version put in."""
        document = _frab_document(self.conference)
        text = _frab_json(document)
        version = f"1.0-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        document["schedule"]["version"] = version
        # "$schema" and "generator" come first and hold no such text: the first match
        # is the schedule's version.
        empty = '"schedule":{"version":""'
        text = text.replace(empty, f'"schedule":{{"version":"{version}"', 1)
        return document, text

    @property
    def frab_document(self) -> dict:
        return self._frab[0]

    def schedule_json(self) -> str:
        return self._frab[1] + "\n"

    def schedule_xml(self) -> bytes:
        conference, config = self.conference, self.conference.config
        schedule = self.frab_document["schedule"]
        info = schedule["conference"]
        head = [_xml_leaf("  ", key, str(info[key]))
                for key in ("title", "acronym", "start", "end")]
        head.append(_xml_leaf("  ", "days", str(info["daysCount"])))
        head.append(_xml_leaf("  ", "timeslot_duration", info["timeslot_duration"]))
        if config.base_url:
            head.append(_xml_leaf("  ", "base_url", config.base_url))
            head.append(_xml_leaf("  ", "url", config.base_url))
        head.append(_xml_leaf("  ", "time_zone_name", info["time_zone_name"]))
        head += [_xml_leaf("  ", "track", attributes=_xml_attributes(name=track["name"]))
                 for track in info["tracks"]]
        lines = [_xml_leaf(" ", "generator",
                           attributes=_xml_attributes(name=GENERATOR, version=__version__))]
        if config.base_url:
            lines.append(_xml_leaf(" ", "url", absolute_url(conference, "schedule.xml")))
        lines.append(_xml_leaf(" ", "version", schedule["version"]))
        lines += _xml_parent(" ", "conference", head)
        for day in info["days"]:
            rooms = []
            for room, events in day["rooms"].items():
                rooms += _xml_parent(
                    "  ", "room", [line for event in events for line in _xml_event(event, "   ")],
                    _xml_attributes(name=room, guid=_room_guid(conference, room)))
            lines += _xml_parent(" ", "day", rooms, _xml_attributes(
                date=day["date"], start=day["day_start"], end=day["day_end"],
                index=str(day["index"])))
        # As ElementTree writes it (indented by one space per level), characters UTF-8
        # cannot hold (lone surrogates) as references.
        body = "\n".join(_xml_parent("", "schedule", lines))
        return b"<?xml version='1.0' encoding='utf-8'?>\n" + body.encode(
            "utf-8", "xmlcharrefreplace") + b"\n"


# --------------------------------------------------------------------------- browser data


def sessions_json(conference: Conference) -> str:
    """Sessions for the browser: now/next on the home page and the personal agenda."""
    records = [
        {
            "id": session.id,
            "uid": session_uid(conference, session),
            "title": session.title,
            "type": session.type.value,
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "room": session.room,
            "stream_url": session.stream_url,
            "papers": list(session.papers),
            "url": f"sessions/{session.id}.html",
        }
        for session in conference.sessions
    ]
    document = {
        "conference": conference.config.name,
        "timezone": conference.config.timezone,
        "host": site_host(conference),
        "base_url": conference.config.base_url,
        "sessions": records,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def subscribe_url(conference: Conference) -> str | None:
    """``webcal://`` address of schedule.ics: calendar apps subscribe and refetch it, so
    later changes to the program reach them. Needs base_url (an absolute address)."""
    if not conference.config.base_url:
        return None
    return "webcal://" + absolute_url(conference, "schedule.ics").split("://", 1)[1]


def export_urls(conference: Conference) -> list[str]:
    """The URLs this module serves, for the freezer."""
    urls = ["/schedule.ics", "/schedule.json", "/schedule.xml", "/sessions.json"]
    urls.extend(f"/sessions/{session.id}.ics" for session in conference.sessions)
    return urls


def register_routes(app: Flask, conference: Conference) -> None:
    """Add the export routes to the site's Flask app (and session_uid() for templates)."""
    app.jinja_env.globals["session_uid"] = lambda session: session_uid(conference, session)
    app.jinja_env.globals["calendar_subscribe_url"] = subscribe_url(conference)
    app.jinja_env.globals["timetable"] = Timetable(conference)  # the schedule page's grid

    exports = ScheduleExports(conference)

    def text(body: str | bytes, mimetype: str) -> Response:
        return Response(body, mimetype=mimetype)

    app.add_url_rule("/schedule.ics", "schedule_ics",
                     lambda: text(exports.schedule_ics(), "text/calendar"))
    app.add_url_rule("/schedule.json", "schedule_json",
                     lambda: text(exports.schedule_json(), "application/json"))
    app.add_url_rule("/schedule.xml", "schedule_xml",
                     lambda: text(exports.schedule_xml(), "application/xml"))
    app.add_url_rule("/sessions.json", "sessions_json",
                     lambda: text(sessions_json(conference), "application/json"))

    def one_session_ics(session_id: str) -> Response:
        session = conference.session_by_id.get(session_id) or abort(404)
        return text(exports.session_ics(session), "text/calendar")

    app.add_url_rule("/sessions/<session_id>.ics", "session_ics", one_session_ics)
    # None of these views reads the request: the freezer may call them directly.
    app.extensions["miniconf.pages"].update(
        {"schedule_ics", "schedule_json", "schedule_xml", "sessions_json", "session_ics"}
    )
