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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from flask import Flask, Response, abort

from .. import __version__
from ..structure.conference import Conference
from ..structure.models import Session

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


def _people(conference: Conference, session: Session) -> list[str]:
    """Who appears in a session: keynote speakers, workshop organizers, paper authors."""
    names: list[str] = [conference.speaker_by_id[s].name for s in session.speakers]
    if session.workshop:
        names.extend(conference.workshop_by_id[session.workshop].organizers)
    for paper_id in session.papers:
        names.extend(conference.paper_by_id[paper_id].author_names)
    return list(dict.fromkeys(names))


def _plain_description(
    conference: Conference, session: Session, max_papers: int | None = None
) -> str:
    """The session as plain text: description, chairs, keynote, workshop, papers in order
    (the first ``max_papers`` of them, the rest counted)."""
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
        shown = session.papers[:max_papers] if max_papers else session.papers
        lines = ["Papers:"]
        for number, paper_id in enumerate(shown, 1):
            paper = conference.paper_by_id[paper_id]
            lines.append(f"{number}. {paper.title} ({', '.join(paper.author_names)})")
        if len(shown) < len(session.papers):
            lines.append(f"… and {len(session.papers) - len(shown)} more on the session's page")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


#: Papers listed in a calendar event's description: enough for an oral session; a poster
#: session of 50 would bury the link to its page (and icalendar folds lines slowly).
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


def _vevent(conference: Conference, session: Session, stamp: datetime) -> icalendar.Event:
    zone = conference.config.zone
    event = icalendar.Event()
    event.add("uid", session_uid(conference, session))
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("dtstart", session.start.astimezone(zone))
    event.add("dtend", session.end.astimezone(zone))
    event.add("summary", session.title)
    event.add("categories", [type_label(session)])
    description = _plain_description(conference, session, ICS_MAX_PAPERS)
    page = absolute_url(conference, f"sessions/{session.id}.html")
    event.add("description", f"{description}\n\n{page}" if description else page)
    location = session.room or session.stream_url
    if location:
        event.add("location", location)
    if conference.config.base_url:
        event.add("url", page)
    elif session.stream_url and session.stream_url.startswith("http"):
        event.add("url", session.stream_url)
    return event


def _ics_bytes(conference: Conference, calendar: icalendar.Calendar) -> bytes:
    # One VTIMEZONE per zone used, generated from the zoneinfo database with the DST
    # changes of a year either side of the program (the default, 1970–2038, is 30 times
    # slower and bigger, and stops before a conference in 2040).
    starts = [session.start.date() for session in conference.sessions] or [date.today()]
    calendar.add_missing_timezones(first_date=min(starts) - timedelta(days=366),
                                   last_date=max(starts) + timedelta(days=366))
    return calendar.to_ical()


def schedule_ics(conference: Conference) -> bytes:
    """Every session of the conference as one calendar."""
    calendar = _calendar(conference, conference.config.name)
    stamp = _dtstamp()
    for session in conference.sessions:
        calendar.add_component(_vevent(conference, session, stamp))
    return _ics_bytes(conference, calendar)


def session_ics(conference: Conference, session: Session) -> bytes:
    """One session, for "Add to calendar"; its UID is the same as in schedule.ics."""
    calendar = _calendar(conference, f"{session.title} · {conference.config.name}")
    calendar.add_component(_vevent(conference, session, _dtstamp()))
    return _ics_bytes(conference, calendar)


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
    return list(dict.fromkeys(room_name(session) for session in conference.sessions))


def _frab_event(conference: Conference, session: Session, event_id: int) -> dict:
    zone = conference.config.zone
    start = session.start.astimezone(zone)
    links = [
        {
            "type": "paper",
            "url": absolute_url(conference, f"papers/{paper_id}.html"),
            "title": conference.paper_by_id[paper_id].title,
        }
        for paper_id in session.papers
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
        "description": _plain_description(conference, session),
        "persons": [{"name": name, "public_name": name} for name in _people(conference, session)],
        "links": links,
        "attachments": [],
    }


def _compact_json(document: dict) -> str:
    # Without indent, json uses its C encoder: 20 times faster for a 10,000-paper program.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def frab_document(conference: Conference) -> dict:
    """The Frab schedule as a dict; its version is a digest of everything else in it, so
    it changes whenever the program does (apps compare it to decide whether to reload)."""
    document = _frab_document(conference)
    digest = hashlib.sha256(_compact_json(document).encode()).hexdigest()[:12]
    document["schedule"]["version"] = f"1.0-{digest}"
    return document


def _frab_document(conference: Conference) -> dict:
    config = conference.config
    ids = _event_ids(conference)
    days = []
    for index, day, start, end, sessions in _frab_days(conference):
        rooms: dict[str, list[dict]] = {room: [] for room in _rooms(conference)}
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
        "rooms": [
            {"name": room, "guid": _room_guid(conference, room)} for room in _rooms(conference)
        ],
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
    return _compact_json(frab_document(conference)) + "\n"


def schedule_xml(conference: Conference) -> bytes:
    """The Frab ``schedule.xml`` (the format most conference apps read)."""
    document = frab_document(conference)["schedule"]
    info = document["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR, version=__version__)
    if conference.config.base_url:
        ET.SubElement(root, "url").text = absolute_url(conference, "schedule.xml")
    ET.SubElement(root, "version").text = document["version"]
    head = ET.SubElement(root, "conference")
    for key in ("title", "acronym", "start", "end"):
        ET.SubElement(head, key).text = str(info[key])
    ET.SubElement(head, "days").text = str(info["daysCount"])
    ET.SubElement(head, "timeslot_duration").text = info["timeslot_duration"]
    if conference.config.base_url:
        ET.SubElement(head, "base_url").text = conference.config.base_url
        ET.SubElement(head, "url").text = conference.config.base_url
    ET.SubElement(head, "time_zone_name").text = info["time_zone_name"]
    for track in info["tracks"]:
        ET.SubElement(head, "track", name=track["name"])
    slug_pattern = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
    for day in info["days"]:
        day_element = ET.SubElement(root, "day", date=day["date"], start=day["day_start"],
                                    end=day["day_end"], index=str(day["index"]))
        for room, events in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", name=room,
                                         guid=_room_guid(conference, room))
            for event in events:
                element = ET.SubElement(room_element, "event", id=str(event["id"]),
                                        guid=event["guid"])
                for key in ("room", "title", "subtitle", "type", "date", "start", "duration",
                            "abstract"):
                    ET.SubElement(element, key).text = event[key]
                if slug_pattern.fullmatch(event["slug"]):
                    ET.SubElement(element, "slug").text = event["slug"]
                ET.SubElement(element, "track").text = event["track"]
                persons = ET.SubElement(element, "persons")
                for person in event["persons"]:
                    ET.SubElement(persons, "person").text = person["name"]
                ET.SubElement(element, "language").text = event["language"]
                ET.SubElement(element, "description").text = event["description"]
                links = ET.SubElement(element, "links")
                for item in event["links"]:
                    ET.SubElement(links, "link", href=item["url"], type=item["type"]).text = (
                        item["title"]
                    )
                if event["url"].startswith(("http://", "https://")):
                    ET.SubElement(element, "url").text = event["url"]
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


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

    def text(body: str | bytes, mimetype: str) -> Response:
        return Response(body, mimetype=mimetype)

    app.add_url_rule("/schedule.ics", "schedule_ics",
                     lambda: text(schedule_ics(conference), "text/calendar"))
    app.add_url_rule("/schedule.json", "schedule_json",
                     lambda: text(schedule_json(conference), "application/json"))
    app.add_url_rule("/schedule.xml", "schedule_xml",
                     lambda: text(schedule_xml(conference), "application/xml"))
    app.add_url_rule("/sessions.json", "sessions_json",
                     lambda: text(sessions_json(conference), "application/json"))

    def one_session_ics(session_id: str) -> Response:
        session = conference.session_by_id.get(session_id) or abort(404)
        return text(session_ics(conference, session), "text/calendar")

    app.add_url_rule("/sessions/<session_id>.ics", "session_ics", one_session_ics)
