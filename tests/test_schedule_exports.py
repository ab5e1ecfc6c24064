"""Schedule exports: iCalendar parsed back and compared with the data, Frab against its schemas."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from miniconf.site import schedule_exports as exports
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference

LISBON = ZoneInfo("Europe/Lisbon")
HOST = "helios-conf.example.org"


def events_by_uid(ics: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def add_sessions(sitedata: Path, yaml_text: str) -> Conference:
    """The demo with extra sessions appended to sessions.yml, loaded (must be valid)."""
    with (sitedata / "sessions.yml").open("a", encoding="utf-8") as file:
        file.write(yaml_text)
    conference, problems = load_conference(sitedata)
    assert conference is not None, "\n".join(map(str, problems))
    return conference


# --------------------------------------------------------------------------- iCalendar


def test_schedule_ics_holds_every_session_with_its_times(demo_conference: Conference):
    events = events_by_uid(exports.schedule_ics(demo_conference))

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


def test_schedule_ics_is_valid_rfc5545(demo_conference: Conference):
    ics = exports.schedule_ics(demo_conference)
    calendar = icalendar.Calendar.from_ical(ics)

    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Lisbon"]  # every TZID used is defined in the file
    for event in calendar.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
    assert b"\r\n" in ics and b"\n" not in ics.replace(b"\r\n", b"")
    assert max(len(line) for line in ics.split(b"\r\n")) <= 75  # folded lines


def test_first_session_details(demo_conference: Conference):
    event = events_by_uid(exports.schedule_ics(demo_conference))[f"d1-oral-language@{HOST}"]

    assert event.decoded("DTSTART") == datetime(2027, 5, 11, 14, 45, tzinfo=LISBON)
    assert str(event["LOCATION"]) == "Room A"
    description = str(event["DESCRIPTION"])
    assert "Chairs: Yiting Chen" in description
    # Papers in the session's order (h27-001, h27-007, ...), not sorted by id.
    first = demo_conference.paper_by_id["h27-001"].title
    second = demo_conference.paper_by_id["h27-007"].title
    assert description.index(first) < description.index(second)


def test_session_ics_has_the_same_uid_as_the_full_calendar(demo_conference: Conference):
    session = demo_conference.session_by_id["d2-keynote"]
    single = events_by_uid(exports.session_ics(demo_conference, session))
    full = events_by_uid(exports.schedule_ics(demo_conference))

    assert list(single) == [f"d2-keynote@{HOST}"]
    assert single[f"d2-keynote@{HOST}"].decoded("DTSTART") == full[
        f"d2-keynote@{HOST}"
    ].decoded("DTSTART")


def test_uids_survive_moving_a_session(sitedata_copy: Path, demo_conference: Conference):
    """Re-importing an updated calendar must update events, so UIDs ignore times and order."""
    text = (sitedata_copy / "sessions.yml").read_text()
    moved = text.replace("start: 2027-05-11T13:00\n  end: 2027-05-11T13:30",
                         "start: 2027-05-11T12:00\n  end: 2027-05-11T12:30")
    assert moved != text
    (sitedata_copy / "sessions.yml").write_text(moved)
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems

    before = events_by_uid(exports.schedule_ics(demo_conference))
    after = events_by_uid(exports.schedule_ics(conference))
    assert set(before) == set(after)
    uid = f"d1-opening@{HOST}"
    assert after[uid].decoded("DTSTART") == before[uid].decoded("DTSTART") - timedelta(hours=1)
    assert exports.session_guid(conference, conference.session_by_id["d1-opening"]) == (
        exports.session_guid(demo_conference, demo_conference.session_by_id["d1-opening"])
    )


def test_exports_are_reproducible(demo_conference: Conference, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert exports.schedule_ics(demo_conference) == exports.schedule_ics(demo_conference)
    assert exports.schedule_xml(demo_conference) == exports.schedule_xml(demo_conference)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    event = next(iter(events_by_uid(exports.schedule_ics(demo_conference)).values()))
    assert event.decoded("DTSTAMP") == datetime.fromtimestamp(1800000000, UTC)


def test_session_crossing_midnight(demo_conference: Conference):
    session = demo_conference.session_by_id["d3-oral-health"]
    event = events_by_uid(exports.schedule_ics(demo_conference))[f"d3-oral-health@{HOST}"]
    assert event.decoded("DTSTART") == datetime(2027, 5, 13, 22, 30, tzinfo=LISBON)
    assert event.decoded("DTEND") == datetime(2027, 5, 14, 0, 30, tzinfo=LISBON)

    frab = json.loads(exports.schedule_json(demo_conference))["schedule"]["conference"]
    day3 = frab["days"][2]
    assert day3["date"] == "2027-05-13"  # listed on the day it starts
    [health] = [e for e in day3["rooms"]["Room B"] if e["guid"] ==
                exports.session_guid(demo_conference, session)]
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
    events = events_by_uid(exports.schedule_ics(conference))

    spring = events[f"dst-spring@{HOST}"]
    assert spring.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert spring.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    autumn = events[f"dst-autumn@{HOST}"]
    assert autumn.decoded("DTSTART").astimezone(UTC) == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    assert autumn.decoded("DTEND").astimezone(UTC) == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)

    # The VTIMEZONE carries both offsets, so a calendar app resolves 02:30 correctly.
    calendar = icalendar.Calendar.from_ical(exports.schedule_ics(conference))
    [zone] = calendar.walk("VTIMEZONE")
    offsets = {str(sub["TZNAME"]) for sub in zone.subcomponents}
    assert {"WET", "WEST"} <= offsets

    days = json.loads(exports.schedule_json(conference))["schedule"]["conference"]["days"]
    frab = {e["slug"]: e for d in days for events in d["rooms"].values() for e in events}
    assert frab["helios_2027-dst-spring"]["duration"] == "01:00"
    assert frab["helios_2027-dst-spring"]["date"] == "2027-03-28T00:30:00+00:00"
    assert frab["helios_2027-dst-spring"]["end"] == "2027-03-28T02:30:00+01:00"
    assert frab["helios_2027-dst-autumn"]["duration"] == "03:00"


def test_explicit_offset_is_kept(sitedata_copy: Path):
    conference = add_sessions(sitedata_copy, """\
- id: tokyo-meetup
  title: "Tokyo meet-up"
  type: social
  start: 2027-05-12T09:00+09:00
  end: 2027-05-12T10:00+09:00
""")
    event = events_by_uid(exports.schedule_ics(conference))[f"tokyo-meetup@{HOST}"]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 5, 12, 0, 0, tzinfo=UTC)
    # Shown in the conference's zone: 01:00 WEST.
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 5, 12, 1, 0)


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


def test_schedule_json_matches_the_frab_schema(demo_conference: Conference, frab_schemas: Path):
    validator = json_validator(frab_schemas)
    document = json.loads(exports.schedule_json(demo_conference))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []

    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "helios_2027"
    assert conference["time_zone_name"] == "Europe/Lisbon"
    assert [day["date"] for day in conference["days"]] == ["2027-05-11", "2027-05-12", "2027-05-13"]
    events = [e for day in conference["days"] for room in day["rooms"].values() for e in room]
    assert len(events) == 21
    assert len({e["guid"] for e in events}) == len({e["id"] for e in events}) == 21
    keynote = next(e for e in events if e["url"].endswith("/sessions/d1-keynote.html"))
    assert keynote["persons"][0]["name"] == "Ada Okafor"
    assert (keynote["date"], keynote["start"], keynote["duration"]) == (
        "2027-05-11T13:30:00+01:00", "13:30", "01:00")


def test_the_json_check_catches_a_broken_export(demo_conference: Conference, frab_schemas: Path):
    """The schema check is real: an event without its guid is refused."""
    document = json.loads(exports.schedule_json(demo_conference))
    event = document["schedule"]["conference"]["days"][0]["rooms"]["Main stage"][0]
    del event["guid"]
    assert not json_validator(frab_schemas).is_valid(document)


def test_schedule_xml_matches_the_frab_xsd(demo_conference: Conference, frab_schemas: Path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd"))
    xml = exports.schedule_xml(demo_conference)
    schema.validate(xml.decode())

    root = ET.fromstring(xml)
    assert root.findtext("conference/time_zone_name") == "Europe/Lisbon"
    assert len(root.findall("day")) == 3
    events = root.findall("day/room/event")
    assert len(events) == 21
    oral = next(e for e in events if e.findtext("url", "").endswith("/d1-oral-language.html"))
    assert oral.findtext("start") == "14:45" and oral.findtext("duration") == "01:15"
    assert oral.findtext("room") == "Room A"
    assert [link.get("href") for link in oral.findall("links/link")][:2] == [
        f"https://{HOST}/papers/h27-001.html", f"https://{HOST}/papers/h27-007.html"]

    broken = xml.replace(b"<duration>01:15</duration>", b"<duration>75 minutes</duration>", 1)
    assert not schema.is_valid(broken.decode())


def test_frab_exports_without_base_url(sitedata_copy: Path, frab_schemas: Path):
    """No base_url: UIDs fall back to a name from the conference; the XML stays valid."""
    import xmlschema

    config = sitedata_copy / "config.yml"
    config.write_text(config.read_text().replace(f"base_url: https://{HOST}/\n", ""))
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems

    uids = events_by_uid(exports.schedule_ics(conference))
    assert "d1-opening@helios-2027.miniconf.invalid" in uids
    schema = xmlschema.XMLSchema(str(frab_schemas / "schedule.xml.xsd"))
    schema.validate(exports.schedule_xml(conference).decode())


# --------------------------------------------------------------------------- in the build


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
    for link in ('href="schedule.ics"', 'href="schedule.xml"', 'href="schedule.json"',
                 f'href="webcal://{HOST}/schedule.ics"'):
        assert link in schedule_page


def test_schedule_page_without_javascript_names_the_conference_zone(frozen_demo: Path):
    page = (frozen_demo / "schedule.html").read_text()
    assert "Europe/Lisbon" in page
    # 13:00 Lisbon summer time, named, as the server rendered it, under its day's
    # heading (which names the date, so the row does not).
    assert '"2027-05-11T13:00:00+01:00">13:00</time>–<time' in page and ">WEST</abbr>" in page
    assert "Day 1 · Tuesday 11 May" in page and "Tue 11 May, 13:00" not in page
    # The session across midnight shows its end date.
    assert ('>22:30</time>–<time datetime="2027-05-14T00:30:00+01:00">'
            "Fri 14 May, 00:30") in page
