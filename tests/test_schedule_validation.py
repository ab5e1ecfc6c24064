"""Sessions in sitedata: times, rooms and references are checked, each error with file:line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from miniconf.structure.loader import load_conference
from miniconf.structure.problems import Severity


def session_line(sitedata: Path, session_id: str, key: str) -> int:
    """The 1-based line of ``key:`` inside the session with ``session_id`` in sessions.yml."""
    lines = (sitedata / "sessions.yml").read_text().splitlines()
    start = lines.index(f"- id: {session_id}")
    for number in range(start, len(lines)):
        if lines[number].lstrip("- ").startswith(f"{key}:"):
            return number + 1
    raise AssertionError(f"{key} not found in {session_id}")


def replace_in_sessions(sitedata: Path, old: str, new: str) -> None:
    file = sitedata / "sessions.yml"
    text = file.read_text()
    assert old in text, old
    file.write_text(text.replace(old, new, 1))


def errors_of(sitedata: Path) -> list[str]:
    conference, problems = load_conference(sitedata)
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    assert conference is None and errors
    # Paths as the organizer sees them inside their sitedata folder.
    return [error.removeprefix(f"{sitedata}/") for error in errors]


def test_the_demo_schedule_is_valid(demo_conference):
    assert len(demo_conference.sessions) == 21
    assert [day.isoformat() for day, _ in demo_conference.days] == [
        "2027-05-11",
        "2027-05-12",
        "2027-05-13",
    ]


def test_naive_times_take_the_conference_zone(demo_conference):
    keynote = demo_conference.session_by_id["d1-keynote"]
    assert keynote.start == datetime(2027, 5, 11, 13, 30, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert keynote.start.utcoffset().total_seconds() == 3600  # summer time


def test_overlap_in_one_room_names_both_sessions(sitedata_copy: Path):
    # d1-social (Main stage, 18:00–19:00) moved onto the keynote (13:30–14:30).
    replace_in_sessions(sitedata_copy, "start: 2027-05-11T18:00", "start: 2027-05-11T14:00")
    replace_in_sessions(sitedata_copy, "end: 2027-05-11T19:00", "end: 2027-05-11T15:00")
    line = session_line(sitedata_copy, "d1-social", "start")
    keynote_line = session_line(sitedata_copy, "d1-keynote", "start")

    errors = errors_of(sitedata_copy)
    assert any(
        error.startswith(f"sessions.yml:{line}:")
        and "overlaps session 'd1-keynote'" in error
        and "Main stage" in error
        and f"line {keynote_line}" in error
        for error in errors
    ), errors


def test_touching_sessions_in_one_room_do_not_overlap(sitedata_copy: Path):
    # d1-opening ends 13:30 exactly when d1-keynote starts, both on the Main stage.
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems


def test_end_before_start(sitedata_copy: Path):
    replace_in_sessions(
        sitedata_copy,
        "end: 2027-05-11T13:30\n  room: Main stage",
        "end: 2027-05-11T12:30\n  room: Main stage",
    )
    line = session_line(sitedata_copy, "d1-opening", "id")
    errors = errors_of(sitedata_copy)
    # Reported at the start of the session's entry, whose two times disagree.
    assert errors == [
        f"sessions.yml:{line}: [0]: ends (2027-05-11T12:30:00+01:00) before it starts"
    ], errors


def test_dangling_paper_speaker_and_workshop(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, "papers: [h27-001, h27-007,", "papers: [h27-001, h27-999,")
    replace_in_sessions(sitedata_copy, "speakers: [ada-okafor]", "speakers: [ada-okafro]")
    replace_in_sessions(sitedata_copy, "workshop: ws-trustworthy", "workshop: ws-trustworthi")
    errors = errors_of(sitedata_copy)

    paper_line = session_line(sitedata_copy, "d1-oral-language", "papers")
    speaker_line = session_line(sitedata_copy, "d1-keynote", "speakers")
    workshop_line = session_line(sitedata_copy, "d2-workshop-trust", "workshop")
    assert (
        f"sessions.yml:{paper_line}: [3].papers[1]: no paper with id 'h27-999' "
        "(expected papers/h27-999.yml)" in errors
    )
    assert (
        f"sessions.yml:{speaker_line}: [1].speakers[0]: no speaker with id 'ada-okafro' "
        "in speakers.yml" in errors
    )
    assert (
        f"sessions.yml:{workshop_line}: [12].workshop: no workshop with id "
        "'ws-trustworthi' in workshops.yml" in errors
    )


def test_unknown_session_type_is_an_error_with_its_line(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, "type: keynote", "type: plenary")
    line = session_line(sitedata_copy, "d1-keynote", "type")
    errors = errors_of(sitedata_copy)
    assert any(e.startswith(f"sessions.yml:{line}: [1].type:") for e in errors), errors
