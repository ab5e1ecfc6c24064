"""Real data: ICLR 2020's main_calendar.json, brought in by the Mini-Conf importer, exports
to calendars and Frab files that the schemas accept."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from miniconf.importers.miniconf import import_miniconf
from miniconf.site.calendar_export import schedule_ics
from miniconf.site.frab_export import frab_document, schedule_json, schedule_xml
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference


@pytest.fixture(scope="module")
def iclr_conference(iclr_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Conference:
    out = tmp_path_factory.mktemp("iclr-schedule") / "sitedata"
    import_miniconf(iclr_dir, out)
    conference, problems = load_conference(out)
    assert conference is not None, [str(p) for p in problems[:5]]
    return conference


def test_every_calendar_event_is_a_session_in_the_calendar(iclr_dir: Path, iclr_conference):
    events = json.loads((iclr_dir / "main_calendar.json").read_text())
    calendar = icalendar.Calendar.from_ical(schedule_ics(iclr_conference))
    vevents = list(calendar.walk("VEVENT"))
    assert len(vevents) == len(iclr_conference.sessions) == len(events) == 56
    assert len({str(event["UID"]) for event in vevents}) == 56
    # Mini-Conf's times carry their offset (+00:00); they survive the round trip.
    starts = sorted(event.decoded("DTSTART").isoformat() for event in vevents)
    assert starts[0] == min(event["start"] for event in events)


def test_iclr_frab_exports_match_the_schemas(iclr_conference, shared_dir: Path):
    import jsonschema
    import xmlschema

    schemas = shared_dir / "schemas" / "frab"
    document = json.loads(schedule_json(frab_document(iclr_conference)))
    jsonschema.validate(document, json.loads((schemas / "schedule.schema.json").read_text()))
    xmlschema.XMLSchema(str(schemas / "schedule.xml.xsd")).validate(
        schedule_xml(frab_document(iclr_conference)).decode()
    )

    # A session's papers are its event's links, in order.
    days = document["schedule"]["conference"]["days"]
    events = [event for day in days for room in day["rooms"].values() for event in room]
    assert len(events) == 56
    poster = max(iclr_conference.sessions, key=lambda session: len(session.papers))
    assert poster.papers
    event = next(e for e in events if e["url"].endswith(f"sessions/{poster.id}.html"))
    paper_links = [link["url"] for link in event["links"] if link["type"] == "paper"]
    assert paper_links == [f"papers/{paper_id}.html" for paper_id in poster.papers]
