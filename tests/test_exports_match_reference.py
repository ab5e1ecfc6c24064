"""The big single files are written by hand for speed; here they must equal, byte for byte,
what the plain way writes: icalendar's Calendar, ElementTree, json.dumps, a Jinja loop.

The plain ways are kept below as references (they were the exports' code). The data is
the demo made awkward on purpose: escapes (backslash, ``\\N``, ``;`` ``,`` ``^``), markup
characters, non-ASCII and 4-byte characters, lines that fold on an escape, sessions with
a stream instead of a room, and zones icalendar treats differently (UTC, Africa/Abidjan).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from conftest import REPO, load_ok
from icalendar.parser import Contentline

from miniconf.site import schedule_exports as exports
from miniconf.site.app import create_app
from miniconf.site.explore import _json_positions, paper_record, papers_json_text
from miniconf.structure.conference import Conference
from miniconf.structure.pipeline_outputs import load_pipeline_outputs

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import write_outputs  # noqa: E402

AWKWARD_SESSIONS = """\
- id: awkward-stream
  title: "Streamed \\\\N only, with ^caret^ & <markup>; commas, \\"quotes\\" ☕ 😀"
  type: tutorial
  start: 2027-05-12T09:00
  end: 2027-05-12T10:00
  stream_url: https://stream.example.org/live?a=1&b=<2>
  chairs: ["Chair <One>", "Chair & Two; \\\\Three"]
  description: "Line one\\nLine two with ]]> and & and <tag>\\n\\n{wide}"
  papers: [h27-001, h27-002, h27-003, h27-004, h27-005, h27-006, h27-007, h27-008,
           h27-009, h27-010, h27-011, h27-012, h27-013, h27-014]
- id: awkward-folds
  title: "{fold}"
  type: social
  start: 2027-05-12T23:30
  end: 2027-05-13T00:15
""".format(
    wide="ü😀" * 60,
    fold="x" * 64 + "\\\\\\\\" + "^" * 40 + ",;" * 20 + "é" * 30,
)


def awkward(sitedata: Path, zone: str | None = None, base_url: bool = True) -> Conference:
    """The demo with awkward text in a paper and two extra sessions, in ``zone``."""
    paper = sitedata / "papers" / "h27-002.yml"
    text = paper.read_text()
    title = 'Title with "quotes", \\\\back\\\\slash, <b>tags</b> & ampersands — ☕'
    text = text.replace(text.split("\n", 2)[1], f"title: {json.dumps(title)}", 1)
    paper.write_text(text.replace("name: ", "name: Ó'", 1))
    with (sitedata / "sessions.yml").open("a", encoding="utf-8") as file:
        file.write(AWKWARD_SESSIONS)
    config = sitedata / "config.yml"
    text = config.read_text()
    if zone:
        text = text.replace("timezone: Europe/Lisbon", f"timezone: {zone}")
    if not base_url:
        text = text.replace("base_url: https://helios-conf.example.org/\n", "")
    config.write_text(text)
    return load_ok(sitedata)


@pytest.fixture(params=[
    ("Europe/Lisbon", True), ("America/Sao_Paulo", False), ("UTC", True),
    ("Africa/Abidjan", False), ("Asia/Kathmandu", True),
], ids=lambda param: f"{param[0]}-{'base' if param[1] else 'nobase'}")
def conference(request, sitedata_copy: Path) -> Conference:
    zone, base_url = request.param
    return awkward(sitedata_copy, zone, base_url)


# --------------------------------------------------------------------------- iCalendar


def reference_ics(conference: Conference, name: str, sessions) -> bytes:
    """The calendar as icalendar writes it from its own Calendar and Event objects."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{exports.GENERATOR}//{conference.config.name}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", conference.config.timezone)
    zone, stamp = conference.config.zone, exports._dtstamp()
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", exports.session_uid(conference, session))
        event.add("dtstamp", stamp)
        event.add("sequence", 0)
        event.add("dtstart", session.start.astimezone(zone))
        event.add("dtend", session.end.astimezone(zone))
        event.add("summary", session.title)
        event.add("categories", [exports.type_label(session)])
        papers = exports._session_papers(conference, session, exports.ICS_MAX_PAPERS)
        description = exports._plain_description(conference, session, papers)
        page = exports.absolute_url(conference, f"sessions/{session.id}.html")
        event.add("description", f"{description}\n\n{page}" if description else page)
        location = session.room or session.stream_url
        if location:
            event.add("location", location)
        if conference.config.base_url:
            event.add("url", page)
        elif session.stream_url and session.stream_url.startswith("http"):
            event.add("url", session.stream_url)
        calendar.add_component(event)
    starts = [session.start.date() for session in conference.sessions] or [date.today()]
    calendar.add_missing_timezones(first_date=min(starts) - timedelta(days=366),
                                   last_date=max(starts) + timedelta(days=366))
    return calendar.to_ical()


def test_calendars_are_what_icalendar_writes(conference: Conference, monkeypatch):
    for epoch in (None, "1800000000"):
        if epoch:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        else:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        site = exports.ScheduleExports(conference)  # one for all files, as the app has
        ics = site.schedule_ics()
        assert ics == reference_ics(conference, conference.config.name, conference.sessions)
        assert len(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == len(conference.sessions)
        for session in conference.sessions:
            single = site.session_ics(session)
            name = f"{session.title} · {conference.config.name}"
            assert single == reference_ics(conference, name, [session]), session.id
            [event] = icalendar.Calendar.from_ical(single).walk("VEVENT")
            assert str(event["SUMMARY"]) == session.title.replace("\\N", "\n")


def test_a_calendar_without_sessions(sitedata_copy: Path):
    (sitedata_copy / "sessions.yml").write_text("[]\n")
    conference = load_ok(sitedata_copy)
    ics = exports.schedule_ics(conference)
    assert ics == reference_ics(conference, conference.config.name, [])
    assert b"VTIMEZONE" not in ics


def test_lines_fold_as_icalendar_folds_them():
    rng = random.Random(5545)
    alphabet = "ab\\^;, é€😀中"
    lines = ["", "x" * 74, "x" * 75, "x" * 73 + "\\n", "x" * 73 + "^x", "é" * 40, "😀" * 30,
             "\\" * 200, "^" * 160 + "x", "x" * 72 + "😀" + "y" * 80]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(300)))
              for _ in range(3000)]
    for line in lines:
        assert exports.fold_line(line) == Contentline(line).to_ical(), line


# --------------------------------------------------------------------------- Frab


def reference_frab_json(conference: Conference) -> tuple[dict, str]:
    document = exports._frab_document(conference)
    digest = hashlib.sha256(exports._compact_json(document).encode()).hexdigest()[:12]
    document["schedule"]["version"] = f"1.0-{digest}"
    return document, exports._compact_json(document) + "\n"


def reference_xml(conference: Conference, document: dict) -> bytes:
    """schedule.xml as ElementTree writes it."""
    document = document["schedule"]
    info = document["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=exports.GENERATOR, version=exports.__version__)
    if conference.config.base_url:
        ET.SubElement(root, "url").text = exports.absolute_url(conference, "schedule.xml")
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
    for day in info["days"]:
        day_element = ET.SubElement(root, "day", date=day["date"], start=day["day_start"],
                                    end=day["day_end"], index=str(day["index"]))
        for room, events in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", name=room,
                                         guid=exports._room_guid(conference, room))
            for event in events:
                element = ET.SubElement(room_element, "event", id=str(event["id"]),
                                        guid=event["guid"])
                for key in ("room", "title", "subtitle", "type", "date", "start", "duration",
                            "abstract"):
                    ET.SubElement(element, key).text = event[key]
                if exports._XML_SLUG.fullmatch(event["slug"]):
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


def test_frab_files_are_what_json_and_elementtree_write(conference: Conference):
    document, text = reference_frab_json(conference)
    site = exports.ScheduleExports(conference)
    assert site.schedule_xml() == reference_xml(conference, document)  # XML first: it
    assert site.schedule_json() == text  # makes the JSON that schedule.json reuses
    assert exports.frab_document(conference) == document
    assert exports.schedule_json(conference) == text


def test_xml_escapes_attributes_as_elementtree_does():
    value = 'a&b<c>d"e\rf\ng\th'
    element = ET.Element("x", name=value)
    assert ET.tostring(element, encoding="unicode") == (
        f"<x{exports._xml_attributes(name=value)} />")


# --------------------------------------------------------------------------- explore


def test_papers_json_is_what_json_dumps_writes(sitedata_copy: Path):
    awkward(sitedata_copy)
    write_outputs(sitedata_copy, dims=16)  # similar papers and map positions
    conference = load_ok(sitedata_copy)
    fresh = load_pipeline_outputs(conference)
    assert fresh.current
    for outputs in (fresh, None):
        records = [paper_record(conference, paper, outputs) for paper in conference.papers]
        expected = json.dumps(records, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        assert papers_json_text(conference, outputs) == expected
    assert papers_json_text(Conference(root=conference.root, config=conference.config)) == "[]"


def test_exports_are_the_same_through_the_app(sitedata_copy: Path):
    """The app keeps one ScheduleExports: what it serves equals fresh functions' output."""
    conference = awkward(sitedata_copy)
    client = create_app(conference).test_client()
    assert client.get("/schedule.xml").data == exports.schedule_xml(conference)
    assert client.get("/schedule.json").data.decode() == exports.schedule_json(conference)
    assert client.get("/schedule.ics").data == exports.schedule_ics(conference)
    session = conference.session_by_id["awkward-stream"]
    assert client.get("/sessions/awkward-stream.ics").data == exports.session_ics(
        conference, session)


def test_map_positions_are_written_as_json_dumps_writes_them():
    positions = {"a": (0.1, 1.0), "b": (0.0, 0.30000000000000004), "c": (1e-05, 0.5)}
    written = _json_positions(positions)
    assert written == {key: json.dumps(list(xy), separators=(",", ":"))
                       for key, xy in positions.items()}
    odd = {"a": (float("nan"), float("inf")), "b": (0.5, 0.25)}
    assert _json_positions(odd) == {"a": "[NaN,Infinity]", "b": "[0.5,0.25]"}
