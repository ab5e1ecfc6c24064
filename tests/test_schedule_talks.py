"""Talk slots: a session may give each of its papers a start time (``talk_starts``)."""

from __future__ import annotations

from pathlib import Path

import icalendar

from miniconf.structure.loader import load_conference
from tests.test_schedule_validation import errors_of, replace_in_sessions, session_line

TIMED = """  papers: [h27-001, h27-007, h27-005, h27-002]
  talk_starts:   # quoted: YAML would read 14:45 as a number
    h27-001: "14:45"
    h27-007: "15:05"
    h27-005: "15:25"
    h27-002: "15:45"
"""


def talk_line(sitedata: Path, paper_id: str) -> int:
    lines = (sitedata / "sessions.yml").read_text().splitlines()
    start = lines.index("- id: d1-oral-language")
    return next(n + 1 for n in range(start, len(lines)) if lines[n].strip().startswith(paper_id))


def test_clock_times_are_on_the_session_day_and_after_midnight_the_next(demo_conference):
    health = demo_conference.session_by_id["d3-oral-health"]  # 22:30 to 00:30 in Lisbon
    slots = [
        (paper, start.isoformat(), end.isoformat()) for paper, start, end in health.talk_slots()
    ]
    assert slots[0] == ("h27-039", "2027-05-13T22:30:00+01:00", "2027-05-13T22:55:00+01:00")
    assert slots[-1] == ("h27-043", "2027-05-14T00:10:00+01:00", "2027-05-14T00:30:00+01:00")


def test_an_unquoted_time_means_the_same(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, 'h27-007: "15:05"', "h27-007: 15:05")
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    start = conference.session_by_id["d1-oral-language"].talk_starts["h27-007"]
    assert start.isoformat() == "2027-05-11T15:05:00+01:00"


def test_a_talk_outside_its_session_is_an_error_at_its_line(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, 'h27-002: "15:45"', 'h27-002: "16:10"')
    errors = errors_of(sitedata_copy)
    line = talk_line(sitedata_copy, "h27-002")
    expected = (
        f"sessions.yml:{line}: [3].talk_starts.h27-002: talk starts at "
        "2027-05-11T16:10:00+01:00, outside the session"
    )
    assert any(e.startswith(expected) for e in errors), errors


def test_talks_out_of_order_or_overlapping_are_errors(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, 'h27-005: "15:25"', 'h27-005: "15:05"')  # same as h27-007
    errors = errors_of(sitedata_copy)
    line = talk_line(sitedata_copy, "h27-005")
    assert any(
        e.startswith(f"sessions.yml:{line}: [3].talk_starts.h27-005:")
        and "not after the talk before it ('h27-007'" in e
        for e in errors
    ), errors


def test_a_talk_of_a_paper_not_in_the_session_is_an_error(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, 'h27-001: "14:45"', 'h27-031: "14:45"')
    errors = errors_of(sitedata_copy)
    line = talk_line(sitedata_copy, "h27-031")
    assert (
        f"sessions.yml:{line}: [3].talk_starts.h27-031: paper 'h27-031' is not in this "
        "session's papers" in errors
    ), errors


def test_a_talk_time_that_is_no_time_is_an_error(sitedata_copy: Path):
    replace_in_sessions(sitedata_copy, 'h27-001: "14:45"', 'h27-001: "quarter to three"')
    errors = errors_of(sitedata_copy)
    line = session_line(sitedata_copy, "d1-oral-language", "talk_starts") + 1
    where = f"sessions.yml:{line}: [3].talk_starts.h27-001:"
    assert any(e.startswith(where) for e in errors), errors


def test_session_page_lists_each_talk_time_and_the_paper_page_its_own(frozen_demo: Path):
    session = (frozen_demo / "sessions" / "d1-oral-language.html").read_text()
    assert session.count('class="talk-slot"') == 4
    assert (
        '<p class="talk-slot">Talk <span class="time-range" '
        'data-start="2027-05-11T15:05:00+01:00" data-end="2027-05-11T15:25:00+01:00" '
        "data-within-day>"
    ) in session
    # In order: the 15:05 talk is h27-007's, listed before h27-005's.
    slot = 'class="talk-slot">Talk <span class="time-range" data-start="2027-05-11T{}'
    assert (
        session.index(slot.format("15:05"))
        < session.index("papers/h27-007.html")
        < session.index(slot.format("15:25"))
        < session.index("papers/h27-005.html")
    )
    paper = (frozen_demo / "papers" / "h27-007.html").read_text()
    assert "This paper's talk:" in paper and ">Tue 11 May, 15:05</time>–<time" in paper
    # A paper whose session gives no times says nothing of a talk.
    assert "This paper's talk" not in (frozen_demo / "papers" / "h27-009.html").read_text()


def test_calendar_and_frab_exports_carry_the_talk_times(frozen_demo: Path):
    calendar = icalendar.Calendar.from_ical((frozen_demo / "schedule.ics").read_bytes())
    [event] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("d1-oral-language@")]
    description = str(event["DESCRIPTION"])
    assert "Papers (talk times in Europe/Lisbon):" in description
    assert "\n2. 15:05–15:25 " in description
    frab = (frozen_demo / "schedule.xml").read_text()
    assert "2. 15:05–15:25 " in frab
    assert "5. 00:10–00:30 " in (frozen_demo / "schedule.json").read_text()
    # A session without talk times lists its papers as before.
    [vision] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("d1-oral-vision@")]
    assert "\nPapers:\n1. " in str(vision["DESCRIPTION"])
