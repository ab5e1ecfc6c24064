"""The program in the Frab schedule format: ``schedule.json`` and ``schedule.xml``.

Frab is what pretalx exports and the conference apps (Giggity, ConfClerk,
EventFahrplan) read; its schemas are published by the voc/schedule project. One Frab
*event* per session, in its room, under the day it starts on (in the conference's
zone); the papers of a session are listed in its description and links.

Both files are written from one document (frab_document): the JSON by json.dumps,
the XML by ElementTree. The document's version is a digest of the rest of it, so it
changes whenever the program does (apps compare it to decide whether to reload).
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from .. import __version__
from ..structure.conference import Conference
from ..structure.models import Session
from .export_common import (
    GENERATOR,
    NO_ROOM,
    SessionPaper,
    absolute_url,
    acronym,
    plain_description,
    room_guid,
    room_name,
    session_guid,
    session_papers,
    type_label,
)
from .timetable import Timetable

#: Event slugs the XML schema accepts; an event whose slug does not match has none there.
XML_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")


def schedule_json(document: dict) -> str:
    """``schedule.json``: the document, compact."""
    return _compact_json(document) + "\n"


def schedule_xml(document: dict) -> bytes:
    """``schedule.xml``: the document's data in the elements of the Frab XSD, in its order."""
    schedule = document["schedule"]
    info = schedule["conference"]
    base_url = schedule.get("base_url")
    root = ET.Element("schedule")
    ET.SubElement(
        root,
        "generator",
        name=document["generator"]["name"],
        version=document["generator"]["version"],
    )
    if base_url:
        ET.SubElement(root, "url").text = f"{base_url.rstrip('/')}/schedule.xml"
    ET.SubElement(root, "version").text = schedule["version"]
    head = ET.SubElement(root, "conference")
    for key in ("title", "acronym", "start", "end"):
        ET.SubElement(head, key).text = info[key]
    ET.SubElement(head, "days").text = str(info["daysCount"])
    ET.SubElement(head, "timeslot_duration").text = info["timeslot_duration"]
    if base_url:
        ET.SubElement(head, "base_url").text = base_url
        ET.SubElement(head, "url").text = base_url
    ET.SubElement(head, "time_zone_name").text = info["time_zone_name"]
    for track in info["tracks"]:
        ET.SubElement(head, "track", name=track["name"])
    guids = {room["name"]: room["guid"] for room in info["rooms"]}
    for day in info["days"]:
        day_element = ET.SubElement(
            root,
            "day",
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
            index=str(day["index"]),
        )
        for room, events in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", name=room, guid=guids[room])
            for event in events:
                _xml_event(room_element, event)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _xml_event(parent: ET.Element, event: dict) -> None:
    element = ET.SubElement(parent, "event", id=str(event["id"]), guid=event["guid"])
    for key in ("room", "title", "subtitle", "type", "date", "start", "duration", "abstract"):
        ET.SubElement(element, key).text = event[key]
    if XML_SLUG.fullmatch(event["slug"]):
        ET.SubElement(element, "slug").text = event["slug"]
    ET.SubElement(element, "track").text = event["track"]
    persons = ET.SubElement(element, "persons")
    for person in event["persons"]:
        ET.SubElement(persons, "person").text = person["name"]
    ET.SubElement(element, "language").text = event["language"]
    ET.SubElement(element, "description").text = event["description"]
    links = ET.SubElement(element, "links")
    for link in event["links"]:
        ET.SubElement(links, "link", href=link["url"], type=link["type"]).text = link["title"]
    if event["url"].startswith(("http://", "https://")):  # the schema's URLs are absolute
        ET.SubElement(element, "url").text = event["url"]


def frab_document(conference: Conference) -> dict:
    """The Frab schedule as a dict, in schedule.json's layout."""
    config = conference.config
    event_ids = _event_ids(conference)
    all_rooms = _rooms(conference)
    zone = config.zone
    days = []
    for index, (day, sessions) in enumerate(conference.days, 1):
        rooms: dict[str, list[dict]] = {room: [] for room in all_rooms}
        for session in sessions:
            rooms[room_name(session)].append(_event(conference, session, event_ids[session.id]))
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": min(s.start for s in sessions).astimezone(zone).isoformat(),
                "day_end": max(s.end for s in sessions).astimezone(zone).isoformat(),
                "rooms": {room: events for room, events in rooms.items() if events},
            }
        )
    schedule: dict = {"version": ""}
    if config.base_url:
        schedule["base_url"] = config.base_url
    record: dict = {
        "acronym": acronym(conference),
        "title": config.name,
        "start": config.start_date.isoformat(),
        "end": config.end_date.isoformat(),
        "daysCount": (config.end_date - config.start_date).days + 1,
        "timeslot_duration": "00:15",
        "time_zone_name": config.timezone,
        "rooms": [{"name": room, "guid": room_guid(conference, room)} for room in all_rooms],
        "tracks": [
            {"name": label} for label in dict.fromkeys(map(type_label, conference.sessions))
        ],
        "days": days,
    }
    if config.tagline:
        record["description"] = config.tagline
    if config.base_url:
        record["url"] = config.base_url
    schedule["conference"] = record
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR, "version": __version__},
        "schedule": schedule,
    }
    digest = hashlib.sha256(_compact_json(document).encode()).hexdigest()[:12]
    schedule["version"] = f"1.0-{digest}"
    return document


def _compact_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _event(conference: Conference, session: Session, event_id: int) -> dict:
    zone = conference.config.zone
    start = session.start.astimezone(zone)
    papers = session_papers(conference, session)
    links = [
        {
            "type": "paper",
            "url": absolute_url(conference, f"papers/{paper_id}.html"),
            "title": title,
        }
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
        # Frab slugs are lower case and end in a letter or digit.
        "slug": f"{acronym(conference)}-{session.id.lower()}".rstrip("-_"),
        "url": absolute_url(conference, f"sessions/{session.id}.html"),
        "title": session.title,
        "subtitle": "",
        "track": type_label(session),
        "type": session.type.value,
        "language": "en",
        "abstract": session.description,
        "description": plain_description(conference, session, papers),
        "persons": [
            {"name": name, "public_name": name} for name in _people(conference, session, papers)
        ],
        "links": links,
        "attachments": [],
    }


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


def _rooms(conference: Conference) -> list[str]:
    """The rooms in the schedule grid's order (config.yml's ``rooms``, then natural
    order), as apps show them; sessions without a room last, in NO_ROOM."""
    rooms = list(Timetable(conference).rooms)
    if any(not session.room for session in conference.sessions) and NO_ROOM not in rooms:
        rooms.append(NO_ROOM)
    return rooms


def _duration(start: datetime, end: datetime) -> str:
    """Elapsed time as HH:MM. In UTC: Python subtracts two times of the same zone by
    their wall clocks, which would make 00:30–02:30 two hours on a spring-forward night."""
    minutes = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _people(conference: Conference, session: Session, papers: list[SessionPaper]) -> list[str]:
    """Who appears in a session: keynote speakers, workshop organizers, paper authors."""
    names: list[str] = [conference.speaker_by_id[s].name for s in session.speakers]
    if session.workshop:
        names.extend(conference.workshop_by_id[session.workshop].organizers)
    for _id, _title, authors in papers:
        names.extend(authors)
    return list(dict.fromkeys(names))
