"""Schedule exports as their readers see them: calendars parsed back by icalendar (and
their times resolved through their own VTIMEZONEs), Frab files checked against the
voc/schedule schemas, schedule.json and schedule.xml telling the same program; on the
demo, the demo moved to Pacific/Auckland, text made awkward on purpose, and real sites."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import load_ok

from miniconf.importers.miniconf import import_miniconf
from miniconf.site.app import create_app
from miniconf.site.calendar_export import schedule_ics, session_ics
from miniconf.site.export_common import session_guid, session_uid
from miniconf.site.frab_export import frab_document, schedule_json, schedule_xml
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference

LISBON = ZoneInfo("Europe/Lisbon")
AUCKLAND = ZoneInfo("Pacific/Auckland")
HOST = "helios-conf.example.org"


def events_by_uid(ics: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def frab_json(conference: Conference) -> dict:
    return json.loads(schedule_json(frab_document(conference)))


def frab_xml(conference: Conference) -> bytes:
    return schedule_xml(frab_document(conference))


def json_events(document: dict) -> list[dict]:
    days = document["schedule"]["conference"]["days"]
    return [event for day in days for room in day["rooms"].values() for event in room]


def add_sessions(sitedata: Path, yaml_text: str) -> Conference:
    """The demo with extra sessions appended to sessions.yml, loaded (must be valid)."""
    with (sitedata / "sessions.yml").open("a", encoding="utf-8") as file:
        file.write(yaml_text)
    conference, problems = load_conference(sitedata)
    assert conference is not None, "\n".join(map(str, problems))
    return conference


def set_config(sitedata: Path, old: str, new: str) -> None:
    config = sitedata / "config.yml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))


# --------------------------------------------------------------------------- iCalendar


def test_schedule_ics_holds_every_session_with_its_times(demo_conference: Conference):
    events = events_by_uid(schedule_ics(demo_conference))

    assert len(events) == len(demo_conference.sessions) == 21
    for session in demo_conference.sessions:
        event = events[f"{session.id}@{HOST}"]
        assert str(event["SUMMARY"]) == session.title
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
        # In the conference's zone, so calendars can show "Lisbon time" next to the local one.
        assert event["DTSTART"].params["TZID"] == "Europe/Lisbon"
        assert event.decoded("DTSTART").utcoffset() == session.start.utcoffset()
        assert f"https://{HOST}/sessions/{session.id}.html" in str(event["DESCRIPTION"])
        assert str(event["URL"]) == f"https://{HOST}/sessions/{session.id}.html"


def test_schedule_ics_is_valid_rfc5545(demo_conference: Conference):
    ics = schedule_ics(demo_conference)
    calendar = icalendar.Calendar.from_ical(ics)

    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Lisbon"]  # every TZID used is defined in the file
    for event in calendar.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
    assert b"\r\n" in ics and b"\n" not in ics.replace(b"\r\n", b"")
    assert max(len(line) for line in ics.split(b"\r\n")) <= 75  # folded lines


def test_first_session_details(demo_conference: Conference):
    event = events_by_uid(schedule_ics(demo_conference))[f"d1-oral-language@{HOST}"]

    assert event.decoded("DTSTART") == datetime(2027, 5, 11, 14, 45, tzinfo=LISBON)
    assert str(event["LOCATION"]) == "Room A"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Oral session"]
    description = str(event["DESCRIPTION"])
    assert "Chairs: Yiting Chen" in description
    # Papers in the session's order (h27-001, h27-007, ...), not sorted by id, with
    # their talk times.
    first = demo_conference.paper_by_id["h27-001"].title
    second = demo_conference.paper_by_id["h27-007"].title
    assert description.index(first) < description.index(second)
    assert "Papers (talk times in Europe/Lisbon):\n1. 14:45–" in description


def test_a_poster_session_lists_its_first_papers_and_counts_the_rest(demo_conference: Conference):
    session = max(demo_conference.sessions, key=lambda s: len(s.papers))
    assert len(session.papers) > 12
    event = events_by_uid(schedule_ics(demo_conference))[f"{session.id}@{HOST}"]
    description = str(event["DESCRIPTION"])
    assert "\n12. " in description and "\n13. " not in description
    assert f"… and {len(session.papers) - 12} more on the session's page" in description
    # The Frab files have room for all of them.
    [frab] = [
        e
        for e in json_events(frab_json(demo_conference))
        if e["guid"] == session_guid(demo_conference, session)
    ]
    assert len([link for link in frab["links"] if link["type"] == "paper"]) == len(session.papers)


def test_session_ics_has_the_same_uid_as_the_full_calendar(demo_conference: Conference):
    session = demo_conference.session_by_id["d2-keynote"]
    ics = session_ics(demo_conference, session)
    single = events_by_uid(ics)
    full = events_by_uid(schedule_ics(demo_conference))

    assert list(single) == [f"d2-keynote@{HOST}"]
    for name in ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
        assert single[f"d2-keynote@{HOST}"].decoded(name) == full[f"d2-keynote@{HOST}"].decoded(
            name
        )
    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["X-WR-CALNAME"]) == f"{session.title} · {demo_conference.config.name}"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Lisbon"]


def test_a_calendar_without_sessions(sitedata_copy: Path):
    (sitedata_copy / "sessions.yml").write_text("[]\n")
    calendar = icalendar.Calendar.from_ical(schedule_ics(load_ok(sitedata_copy)))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []
    assert str(calendar["X-WR-CALNAME"]) == "Helios 2027"


def test_uids_survive_moving_a_session(sitedata_copy: Path, demo_conference: Conference):
    """Re-importing an updated calendar must update events, so UIDs ignore times and order."""
    text = (sitedata_copy / "sessions.yml").read_text()
    moved = text.replace(
        "start: 2027-05-11T13:00\n  end: 2027-05-11T13:30",
        "start: 2027-05-11T12:00\n  end: 2027-05-11T12:30",
    )
    assert moved != text
    (sitedata_copy / "sessions.yml").write_text(moved)
    conference = load_ok(sitedata_copy)

    before = events_by_uid(schedule_ics(demo_conference))
    after = events_by_uid(schedule_ics(conference))
    assert set(before) == set(after)
    uid = f"d1-opening@{HOST}"
    assert after[uid].decoded("DTSTART") == before[uid].decoded("DTSTART") - timedelta(hours=1)
    assert session_guid(conference, conference.session_by_id["d1-opening"]) == (
        session_guid(demo_conference, demo_conference.session_by_id["d1-opening"])
    )
    # Apps reload a Frab schedule when its version changes: it does, with the program.
    versions = [frab_document(c)["schedule"]["version"] for c in (demo_conference, conference)]
    assert versions[0] != versions[1]
    assert frab_document(demo_conference)["schedule"]["version"] == versions[0]


def test_exports_are_reproducible(demo_conference: Conference, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert schedule_ics(demo_conference) == schedule_ics(demo_conference)
    assert frab_xml(demo_conference) == frab_xml(demo_conference)
    event = next(iter(events_by_uid(schedule_ics(demo_conference)).values()))
    assert event.decoded("DTSTAMP") == datetime(2000, 1, 1, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    event = next(iter(events_by_uid(schedule_ics(demo_conference)).values()))
    assert event.decoded("DTSTAMP") == datetime.fromtimestamp(1800000000, UTC)


def test_session_crossing_midnight(demo_conference: Conference):
    session = demo_conference.session_by_id["d3-oral-health"]
    event = events_by_uid(schedule_ics(demo_conference))[f"d3-oral-health@{HOST}"]
    assert event.decoded("DTSTART") == datetime(2027, 5, 13, 22, 30, tzinfo=LISBON)
    assert event.decoded("DTEND") == datetime(2027, 5, 14, 0, 30, tzinfo=LISBON)

    frab = frab_json(demo_conference)["schedule"]["conference"]
    day3 = frab["days"][2]
    assert day3["date"] == "2027-05-13"  # listed on the day it starts
    [health] = [
        e for e in day3["rooms"]["Room B"] if e["guid"] == session_guid(demo_conference, session)
    ]
    assert (health["start"], health["duration"]) == ("22:30", "02:00")
    assert health["end"] == "2027-05-14T00:30:00+01:00"
    assert day3["day_end"] == "2027-05-14T00:30:00+01:00"


DST_SESSIONS = """\
- id: dst-spring
  title: "Night owls (clocks go forward at 01:00)"
  type: social
  start: 2027-03-28T00:30
  end: 2027-03-28T02:30
  room: Night room
- id: dst-autumn
  title: "Night owls (clocks go back at 02:00)"
  type: social
  start: 2027-10-31T00:30
  end: 2027-10-31T02:30
  room: Night room
"""


def test_daylight_saving_transitions(sitedata_copy: Path):
    """00:30–02:30 Lisbon is one hour on the spring-forward night and three in autumn."""
    conference = add_sessions(sitedata_copy, DST_SESSIONS)
    events = events_by_uid(schedule_ics(conference))

    spring = events[f"dst-spring@{HOST}"]
    assert spring.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert spring.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    autumn = events[f"dst-autumn@{HOST}"]
    assert autumn.decoded("DTSTART").astimezone(UTC) == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    assert autumn.decoded("DTEND").astimezone(UTC) == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)

    # The VTIMEZONE carries both offsets, so a calendar app resolves 02:30 correctly.
    calendar = icalendar.Calendar.from_ical(schedule_ics(conference))
    [zone] = calendar.walk("VTIMEZONE")
    offsets = {str(sub["TZNAME"]) for sub in zone.subcomponents}
    assert {"WET", "WEST"} <= offsets

    days = frab_json(conference)["schedule"]["conference"]["days"]
    frab = {e["slug"]: e for d in days for events in d["rooms"].values() for e in events}
    assert frab["helios_2027-dst-spring"]["duration"] == "01:00"
    assert frab["helios_2027-dst-spring"]["date"] == "2027-03-28T00:30:00+00:00"
    assert frab["helios_2027-dst-spring"]["end"] == "2027-03-28T02:30:00+01:00"
    assert frab["helios_2027-dst-autumn"]["duration"] == "03:00"


def test_explicit_offset_is_kept(sitedata_copy: Path):
    conference = add_sessions(
        sitedata_copy,
        """\
- id: tokyo-meetup
  title: "Tokyo meet-up"
  type: social
  start: 2027-05-12T09:00+09:00
  end: 2027-05-12T10:00+09:00
""",
    )
    event = events_by_uid(schedule_ics(conference))[f"tokyo-meetup@{HOST}"]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 5, 12, 0, 0, tzinfo=UTC)
    # Shown in the conference's zone: 01:00 WEST.
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 5, 12, 1, 0)


# --------------------------------------------------------------------------- Pacific/Auckland

AUCKLAND_DST_SESSIONS = """\
- id: nz-autumn
  title: "Clocks go back at 03:00"
  type: social
  start: 2027-04-04T01:30
  end: 2027-04-04T03:30
- id: nz-spring
  title: "Clocks go forward at 02:00"
  type: social
  start: 2027-09-26T01:30
  end: 2027-09-26T03:30
"""


@pytest.fixture
def auckland(sitedata_copy: Path) -> Conference:
    """The demo held in Auckland (its times are wall-clock times there), with a session
    on each of New Zealand's 2027 clock changes."""
    set_config(sitedata_copy, "timezone: Europe/Lisbon", "timezone: Pacific/Auckland")
    return add_sessions(sitedata_copy, AUCKLAND_DST_SESSIONS)


def test_an_auckland_calendar_resolves_through_its_own_vtimezone(auckland: Conference):
    """What a calendar app without the zoneinfo database sees: each DTSTART/DTEND with
    TZID=Pacific/Auckland, resolved by the file's VTIMEZONE to the session's instant."""
    calendar = icalendar.Calendar.from_ical(schedule_ics(auckland))
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Pacific/Auckland"
    assert {str(sub["TZNAME"]) for sub in zone.subcomponents} == {"NZST", "NZDT"}
    from_file = zone.to_tz()
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == len(auckland.sessions) == 23
    for session in auckland.sessions:
        event = events[f"{session.id}@{HOST}"]
        for name, moment in (("DTSTART", session.start), ("DTEND", session.end)):
            assert event[name].params["TZID"] == "Pacific/Auckland"
            wall_clock = event[name].dt.replace(tzinfo=None)
            assert wall_clock == moment.astimezone(AUCKLAND).replace(tzinfo=None)
            assert wall_clock.replace(tzinfo=from_file).astimezone(UTC) == moment


def test_auckland_times_in_utc(auckland: Conference):
    events = events_by_uid(schedule_ics(auckland))
    opening = events[f"d1-opening@{HOST}"]  # 13:00 NZST (+12:00)
    assert opening.decoded("DTSTART").astimezone(UTC) == datetime(2027, 5, 11, 1, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Pacific/Auckland:20270511T130000" in opening.to_ical()
    autumn, spring = events[f"nz-autumn@{HOST}"], events[f"nz-spring@{HOST}"]
    # 01:30 NZDT to 03:30 NZST: three hours; 01:30 NZST to 03:30 NZDT: one.
    assert autumn.decoded("DTSTART").astimezone(UTC) == datetime(2027, 4, 3, 12, 30, tzinfo=UTC)
    assert autumn.decoded("DTEND").astimezone(UTC) == datetime(2027, 4, 3, 15, 30, tzinfo=UTC)
    assert spring.decoded("DTSTART").astimezone(UTC) == datetime(2027, 9, 25, 13, 30, tzinfo=UTC)
    assert spring.decoded("DTEND").astimezone(UTC) == datetime(2027, 9, 25, 14, 30, tzinfo=UTC)


def test_auckland_frab_days_are_auckland_days(auckland: Conference):
    conference = frab_json(auckland)["schedule"]["conference"]
    assert conference["time_zone_name"] == "Pacific/Auckland"
    # Listed under the day they start in Auckland (in UTC the spring one is a day earlier).
    assert [day["date"] for day in conference["days"]] == [
        "2027-04-04",
        "2027-05-11",
        "2027-05-12",
        "2027-05-13",
        "2027-09-26",
    ]
    events = {event["slug"]: event for event in json_events(frab_json(auckland))}
    assert events["helios_2027-d1-opening"]["date"] == "2027-05-11T13:00:00+12:00"
    autumn, spring = events["helios_2027-nz-autumn"], events["helios_2027-nz-spring"]
    assert (autumn["date"], autumn["end"], autumn["duration"]) == (
        "2027-04-04T01:30:00+13:00",
        "2027-04-04T03:30:00+12:00",
        "03:00",
    )
    assert (spring["date"], spring["end"], spring["duration"]) == (
        "2027-09-26T01:30:00+12:00",
        "2027-09-26T03:30:00+13:00",
        "01:00",
    )


# --------------------------------------------------------------------------- awkward text

AWKWARD_SESSIONS = """\
- id: awkward-stream
  title: "Streamed only, with ^caret^ & <markup>; commas, \\"quotes\\" \\\\ back ☕ 😀"
  type: tutorial
  start: 2027-05-12T09:00
  end: 2027-05-12T10:00
  stream_url: https://stream.example.org/live?a=1&b=<2>
  chairs: ["Chair <One>", "Chair & Two; \\\\Three"]
  description: "Line one\\nLine two with ]]> and & and <tag>\\n\\n{wide}"
  papers: [h27-001, h27-002, h27-003]
- id: awkward-folds
  title: "{fold}"
  type: social
  start: 2027-05-12T23:30
  end: 2027-05-13T00:15
""".format(
    wide="ü😀" * 60,
    # Folded where a line would break an escape (\\, \; \,) or a UTF-8 sequence.
    fold="x" * 64 + "\\\\\\\\" + "^" * 40 + ",;" * 20 + "é" * 30,
)


@pytest.fixture(
    params=[
        ("Europe/Lisbon", True),
        ("UTC", True),
        ("Africa/Abidjan", False),
        ("Asia/Kathmandu", True),
    ],
    ids=lambda param: f"{param[0]}-{'base' if param[1] else 'nobase'}",
)
def awkward(request, sitedata_copy: Path) -> Conference:
    """The demo with escapes, markup, non-ASCII and 4-byte characters in its text, a
    session with a stream instead of a room, in zones icalendar writes differently
    (with a TZID; UTC and Africa/Abidjan as "Z" times) and with or without base_url."""
    zone, base_url = request.param
    paper = sitedata_copy / "papers" / "h27-002.yml"
    text = paper.read_text()
    title = 'Title with "quotes", \\back\\slash, <b>tags</b> & ampersands — ☕'
    paper.write_text(
        text.replace(text.split("\n", 2)[1], f"title: {json.dumps(title)}", 1).replace(
            "name: ", "name: Ó'", 1
        )
    )
    set_config(sitedata_copy, "timezone: Europe/Lisbon", f"timezone: {zone}")
    if not base_url:
        set_config(sitedata_copy, f"base_url: https://{HOST}/\n", "")
    return add_sessions(sitedata_copy, AWKWARD_SESSIONS)


def test_awkward_text_comes_back_from_the_calendar(awkward: Conference):
    ics = schedule_ics(awkward)
    assert max(len(line) for line in ics.split(b"\r\n")) <= 75
    events = events_by_uid(ics)
    assert len(events) == len(awkward.sessions)
    for session in awkward.sessions:
        event = events[session_uid(awkward, session)]
        assert str(event["SUMMARY"]) == session.title
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
    stream = events[session_uid(awkward, awkward.session_by_id["awkward-stream"])]
    assert str(stream["LOCATION"]) == "https://stream.example.org/live?a=1&b=<2>"
    description = str(stream["DESCRIPTION"])
    assert "Chairs: Chair <One>, Chair & Two; \\Three" in description
    assert "ü😀" * 60 in description
    assert awkward.paper_by_id["h27-002"].title in description
    single = events_by_uid(session_ics(awkward, awkward.session_by_id["awkward-folds"]))
    assert [str(e["SUMMARY"]) for e in single.values()] == [
        awkward.session_by_id["awkward-folds"].title
    ]


def test_awkward_text_comes_back_from_the_frab_files(awkward: Conference, frab_schemas: Path):
    import xmlschema

    xml = frab_xml(awkward)
    xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd")).validate(xml.decode())
    document = frab_json(awkward)
    assert json_validator(frab_schemas).is_valid(document)
    assert_same_events(document, xml)
    titles = [element.text for element in ET.fromstring(xml).iter("title")]
    assert awkward.session_by_id["awkward-stream"].title in titles
    assert awkward.session_by_id["awkward-folds"].title in titles


# --------------------------------------------------------------------------- Frab


@pytest.fixture(scope="module")
def frab_schemas(shared_dir: Path) -> Path:
    folder = shared_dir / "schemas" / "frab"
    if not (folder / "schedule.xml.xsd").is_file():
        pytest.skip("../shared/schemas/frab is missing")
    return folder


def json_validator(frab_schemas: Path):
    import jsonschema

    schema = json.loads((frab_schemas / "schedule.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_same_events(document: dict, xml: bytes) -> None:
    """schedule.json and schedule.xml tell the same program: the same version, days and
    rooms, and event by event the same times, texts, people and links."""
    root = ET.fromstring(xml)
    schedule = document["schedule"]
    assert root.findtext("version") == schedule["version"]
    days = schedule["conference"]["days"]
    assert [(d.get("date"), d.get("start"), d.get("end")) for d in root.findall("day")] == [
        (day["date"], day["day_start"], day["day_end"]) for day in days
    ]
    xml_rooms = [[room.get("name") for room in day.findall("room")] for day in root.iter("day")]
    assert xml_rooms == [list(day["rooms"]) for day in days]
    xml_events = root.findall("day/room/event")
    events = json_events(document)
    assert len(xml_events) == len(events) > 0
    for element, event in zip(xml_events, events, strict=True):
        assert (element.get("guid"), element.get("id")) == (event["guid"], str(event["id"]))
        for key in ("room", "title", "type", "date", "start", "duration", "track", "language"):
            assert element.findtext(key) == event[key], key
        assert (element.findtext("abstract") or "") == event["abstract"]
        assert (element.findtext("description") or "") == event["description"]
        assert [p.text or "" for p in element.findall("persons/person")] == [
            person["name"] for person in event["persons"]
        ]
        assert [
            (link.get("href"), link.get("type"), link.text or "")
            for link in element.findall("links/link")
        ] == [(link["url"], link["type"], link["title"]) for link in event["links"]]


def test_schedule_json_matches_the_frab_schema(demo_conference: Conference, frab_schemas: Path):
    validator = json_validator(frab_schemas)
    document = frab_json(demo_conference)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []

    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "helios_2027"
    assert conference["time_zone_name"] == "Europe/Lisbon"
    assert [day["date"] for day in conference["days"]] == ["2027-05-11", "2027-05-12", "2027-05-13"]
    # Rooms in the schedule grid's order (config.yml's rooms), sessions without one last.
    assert [room["name"] for room in conference["rooms"]] == [
        "Main stage",
        "Room A",
        "Room B",
        "Poster hall",
        "General",
    ]
    events = json_events(document)
    assert len(events) == 21
    assert len({e["guid"] for e in events}) == len({e["id"] for e in events}) == 21
    keynote = next(e for e in events if e["url"].endswith("/sessions/d1-keynote.html"))
    assert keynote["persons"][0]["name"] == "Ada Okafor"
    assert (keynote["date"], keynote["start"], keynote["duration"]) == (
        "2027-05-11T13:30:00+01:00",
        "13:30",
        "01:00",
    )


def test_the_json_check_catches_a_broken_export(demo_conference: Conference, frab_schemas: Path):
    """The schema check is real: an event without its guid is refused."""
    document = frab_json(demo_conference)
    event = document["schedule"]["conference"]["days"][0]["rooms"]["Main stage"][0]
    del event["guid"]
    assert not json_validator(frab_schemas).is_valid(document)


def test_schedule_xml_matches_the_frab_xsd(demo_conference: Conference, frab_schemas: Path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd"))
    xml = frab_xml(demo_conference)
    schema.validate(xml.decode())
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<schedule>")

    root = ET.fromstring(xml)
    assert root.findtext("url") == f"https://{HOST}/schedule.xml"
    assert root.find("generator").get("name") == "MiniConf"
    assert root.findtext("conference/time_zone_name") == "Europe/Lisbon"
    assert len(root.findall("day")) == 3
    events = root.findall("day/room/event")
    assert len(events) == 21
    oral = next(e for e in events if e.findtext("url", "").endswith("/d1-oral-language.html"))
    assert oral.findtext("start") == "14:45" and oral.findtext("duration") == "01:15"
    assert oral.findtext("room") == "Room A"
    assert [link.get("href") for link in oral.findall("links/link")][:2] == [
        f"https://{HOST}/papers/h27-001.html",
        f"https://{HOST}/papers/h27-007.html",
    ]

    broken = xml.replace(b"<duration>01:15</duration>", b"<duration>75 minutes</duration>", 1)
    assert not schema.is_valid(broken.decode())


def test_schedule_json_and_xml_tell_the_same_program(demo_conference: Conference):
    document = frab_document(demo_conference)
    assert_same_events(json.loads(schedule_json(document)), schedule_xml(document))


def test_frab_exports_without_base_url(sitedata_copy: Path, frab_schemas: Path):
    """No base_url: UIDs fall back to a name from the conference; the XML stays valid
    and leaves out the URLs it could only give relative (the schema wants them absolute)."""
    import xmlschema

    set_config(sitedata_copy, f"base_url: https://{HOST}/\n", "")
    conference = load_ok(sitedata_copy)

    uids = events_by_uid(schedule_ics(conference))
    assert "d1-opening@helios-2027.miniconf.invalid" in uids
    assert "URL" not in uids["d1-opening@helios-2027.miniconf.invalid"]
    xml = frab_xml(conference)
    xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd")).validate(xml.decode())
    root = ET.fromstring(xml)
    assert root.find("url") is None and root.find("day/room/event/url") is None
    assert root.find("day/room/event/links/link").get("href").startswith("papers/")


# --------------------------------------------------------------------------- real sites


@pytest.fixture(
    scope="module",
    params=[
        "miniconf-iclr2020",
        "real-sites/ozchi2022",
        pytest.param("real-sites/acl2023", marks=pytest.mark.slow),  # imported and checked: 6 s
    ],
)
def real_conference(
    request, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Conference:
    """A real Mini-Conf site (ICLR 2020; OzCHI 2022 in Australia/Sydney; ACL 2023,
    408 sessions in America/New_York), imported."""
    source = shared_dir / "data" / request.param
    if not source.is_dir():
        pytest.skip(f"shared/data/{request.param} is not there")
    out = tmp_path_factory.mktemp(source.name) / "sitedata"
    import_miniconf(source, out)
    return load_ok(out)


def test_a_real_sites_calendar_holds_its_sessions(real_conference: Conference):
    sessions = real_conference.sessions
    assert len(sessions) > 20
    calendar = icalendar.Calendar.from_ical(schedule_ics(real_conference))
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == len(sessions)
    zone = real_conference.config.timezone
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ([] if zone == "UTC" else [zone])
    for session in sessions:
        event = events[session_uid(real_conference, session)]
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
        assert str(event["SUMMARY"]) == session.title


def test_a_real_sites_frab_files_match_the_schemas_and_each_other(
    real_conference: Conference, frab_schemas: Path
):
    import xmlschema

    document = frab_document(real_conference)
    text, xml = schedule_json(document), schedule_xml(document)
    errors = [e.message for e in json_validator(frab_schemas).iter_errors(json.loads(text))]
    assert errors == []
    xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd")).validate(xml.decode())
    assert_same_events(json.loads(text), xml)
    assert len(json_events(json.loads(text))) == len(real_conference.sessions)


# --------------------------------------------------------------------------- in the build


def test_the_app_serves_the_exports(sitedata_copy: Path):
    conference = load_ok(sitedata_copy)
    client = create_app(conference).test_client()
    xml = client.get("/schedule.xml")
    document = client.get("/schedule.json")
    assert xml.mimetype == "application/xml" and document.mimetype == "application/json"
    assert_same_events(json.loads(document.data), xml.data)
    calendar = client.get("/schedule.ics")
    assert calendar.mimetype == "text/calendar"
    assert len(events_by_uid(calendar.data)) == len(conference.sessions)
    assert list(events_by_uid(client.get("/sessions/d2-keynote.ics").data)) == [
        f"d2-keynote@{HOST}"
    ]
    assert client.get("/sessions/no-such-session.ics").status_code == 404


def test_exports_are_in_the_frozen_site(frozen_demo: Path, demo_conference: Conference):
    for name in ("schedule.ics", "schedule.json", "schedule.xml", "sessions.json"):
        assert (frozen_demo / name).stat().st_size > 0
    for session in demo_conference.sessions:
        assert (frozen_demo / "sessions" / f"{session.id}.ics").is_file()
    records = json.loads((frozen_demo / "sessions.json").read_text())["sessions"]
    assert [r["id"] for r in records] == [s.id for s in demo_conference.sessions]

    session_page = (frozen_demo / "sessions" / "d1-keynote.html").read_text()
    assert 'href="d1-keynote.ics"' in session_page  # "Add to calendar"
    schedule_page = (frozen_demo / "schedule.html").read_text()
    for link in (
        'href="schedule.ics"',
        'href="schedule.xml"',
        'href="schedule.json"',
        f'href="webcal://{HOST}/schedule.ics"',
    ):
        assert link in schedule_page


def test_schedule_page_without_javascript_names_the_conference_zone(frozen_demo: Path):
    page = (frozen_demo / "schedule.html").read_text()
    assert "Europe/Lisbon" in page
    # 13:00 Lisbon summer time, named, as the server rendered it, under its day's
    # heading (which names the date, so the row does not).
    assert '"2027-05-11T13:00:00+01:00">13:00</time>–<time' in page and ">WEST</abbr>" in page
    assert "Day 1 · Tuesday 11 May" in page and "Tue 11 May, 13:00" not in page
    # The session across midnight shows its end date.
    assert ('>22:30</time>–<time datetime="2027-05-14T00:30:00+01:00">Fri 14 May, 00:30') in page
