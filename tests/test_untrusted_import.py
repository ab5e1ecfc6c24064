"""A Mini-Conf calendar crafted to be slow: thousands of events of one name at one
time once took the importer minutes (each new id counted up from 2 again)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from miniconf.importers.miniconf import import_miniconf


def test_thousands_of_events_of_one_name_and_time_get_distinct_ids_in_order(tmp_path: Path):
    source = tmp_path / "old"
    source.mkdir()
    (source / "config.yml").write_text("name: Crowded\n")
    event = {
        "title": "Poster session",
        "start": "2020-04-27T10:00:00",
        "end": "2020-04-27T11:00:00",
    }
    (source / "main_calendar.json").write_text(json.dumps([event] * 3_000))
    import_miniconf(source, tmp_path / "new")
    sessions = yaml.safe_load((tmp_path / "new" / "sessions.yml").read_text())
    ids = [session["id"] for session in sessions]
    stamped = "poster-session-20200427-1000"
    assert ids == ["poster-session", stamped, *(f"{stamped}-{n}" for n in range(2, 3_000))]
