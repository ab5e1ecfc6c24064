"""The grid's columns and the schedule's filters, as the page gives them to the browser."""

from __future__ import annotations

import json
from pathlib import Path

from miniconf.site.timetable import Timetable
from tests.conftest import load_ok


def test_rooms_follow_config_then_natural_order(sitedata_copy: Path):
    config = sitedata_copy / "config.yml"
    config.write_text(
        config.read_text().replace(
            "rooms: [Main stage, Room A, Room B, Poster hall]", "rooms: [Poster hall, Nowhere]"
        )
    )
    sessions = sitedata_copy / "sessions.yml"
    sessions.write_text(
        sessions.read_text()
        .replace("room: Room A", "room: Hall 10")
        .replace("room: Room B", "room: hall 2")
    )
    timetable = Timetable(load_ok(sitedata_copy))
    # Listed rooms first (a listed room without sessions is left out), then by number.
    assert timetable.rooms == ("Poster hall", "hall 2", "Hall 10", "Main stage")


def test_types_and_tracks_are_those_the_program_uses(demo_conference):
    timetable = Timetable(demo_conference)
    assert [kind.value for kind in timetable.types] == [
        "keynote",
        "oral",
        "poster",
        "workshop",
        "tutorial",
        "social",
        "break",
    ]
    health = demo_conference.session_by_id["d3-oral-health"]
    assert timetable.tracks_of(health) == ("health",)
    poster = demo_conference.session_by_id["d1-poster-1"]
    assert timetable.tracks_of(poster) == ("language", "vision")  # in config order
    assert timetable.tracks_of(demo_conference.session_by_id["d1-break"]) == ()


def test_frab_rooms_come_in_the_grids_order(frozen_demo: Path):
    document = json.loads((frozen_demo / "schedule.json").read_text())
    rooms = [room["name"] for room in document["schedule"]["conference"]["rooms"]]
    assert rooms == ["Main stage", "Room A", "Room B", "Poster hall", "General"]
