"""The Session model holds Mini-Conf's main_calendar.json (what the importer maps)."""

from __future__ import annotations

import json
from pathlib import Path

from miniconf.site import schedule_exports as exports
from miniconf.structure.conference import Conference
from miniconf.structure.models import Config, Session, SessionType


def calendar_sessions(iclr_dir: Path) -> list[Session]:
    """main_calendar.json entries as sessions: UTC offsets kept, links as stream URLs."""
    entries = json.loads((iclr_dir / "main_calendar.json").read_text())
    kinds = {"qa": SessionType.KEYNOTE, "talk": SessionType.KEYNOTE}
    sessions = []
    for number, entry in enumerate(entries, 1):
        kind = kinds.get(entry["calendarId"], SessionType.SOCIAL)
        if entry["title"].startswith("Poster"):
            kind = SessionType.POSTER
        sessions.append(Session.model_validate({
            "id": f"calendar-{number}",
            "title": entry["title"],
            "type": kind,
            "start": entry["start"],
            "end": entry["end"],
            "stream_url": entry["location"],
        }, context={"timezone": "UTC"}))
    return sessions


def test_main_calendar_fits_the_session_model_and_exports(iclr_dir: Path, shared_dir: Path):
    sessions = calendar_sessions(iclr_dir)
    assert len(sessions) == 56
    assert all(s.start.utcoffset().total_seconds() == 0 for s in sessions)
    config = Config(name="ICLR 2020", start_date="2020-04-26", end_date="2020-05-01",
                    base_url="https://iclr.cc/virtual/")
    conference = Conference(root=iclr_dir, config=config,
                            sessions=tuple(sorted(sessions, key=lambda s: (s.start, s.id))))

    document = json.loads(exports.schedule_json(conference))
    events = [e for day in document["schedule"]["conference"]["days"]
              for room in day["rooms"].values() for e in room]
    assert len(events) == 56

    import jsonschema
    import xmlschema

    schemas = shared_dir / "schemas" / "frab"
    schema = json.loads((schemas / "schedule.schema.json").read_text())
    jsonschema.validate(document, schema)
    xmlschema.XMLSchema(str(schemas / "schedule.xml.xsd")).validate(
        exports.schedule_xml(conference).decode())
    # A relative Mini-Conf link ("papers.html?session=...") stays a plain link on the page
    # but is not offered to calendar apps as a stream.
    relative = next(s for s in sessions if s.stream_url and not s.stream_url.startswith("http"))
    event = next(e for e in events if e["title"] == relative.title)
    assert all(link["type"] != "media" for link in event["links"])
