"""The timetable in a real browser: the visitor's own days, the grid by room and time,
filters in the URL, keyboard and phone (Playwright with ``timezone_id``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.test_schedule_browser import DST_SESSION

pytestmark = pytest.mark.browser

AUCKLAND = "Pacific/Auckland"


def panel_sessions(tab) -> dict[str, list[str]]:
    """Session ids per day panel, as the page grouped them (list order)."""
    return tab.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        "[data-timetable-days] section.day")].map(day => [day.dataset.day,
        [...day.querySelectorAll(".agenda-item")].map(item => item.dataset.sessionId)]))""")


def test_auckland_sees_its_own_days_on_the_schedule(open_page, demo_url, demo_conference):
    tab = open_page(demo_url + "schedule.html", AUCKLAND)
    # Lisbon's Tuesday afternoon is Auckland's Wednesday morning: three days, each
    # holding exactly the sessions that start on that date in Auckland.
    assert tab.get_by_role("tab").all_inner_texts() == ["Wed 12 May", "Thu 13 May", "Fri 14 May"]
    expected: dict[str, list[str]] = defaultdict(list)
    for session in demo_conference.sessions:
        expected[session.start.astimezone(ZoneInfo(AUCKLAND)).date().isoformat()].append(session.id)
    grouped = panel_sessions(tab)
    assert {day: sorted(ids) for day, ids in grouped.items()} == {
        day: sorted(ids) for day, ids in expected.items()
    }
    assert grouped["2027-05-12"][0] == "d1-opening"  # 13:00 Lisbon = 00:00 Wednesday
    assert "d3-oral-health" in grouped["2027-05-14"]  # Thursday 22:30 Lisbon = Friday 09:30
    heading = tab.locator("section.day:visible h2").inner_text()
    assert heading == "Wednesday 12 May · New Zealand Standard Time"
    # The day's rows carry no date, the zone is named once, by the name people know.
    assert tab.locator('td[data-session-id="d1-opening"] .time-range').inner_text() == "00:00–00:30"
    assert (
        "New Zealand Standard Time (Pacific/Auckland), your time zone"
        in tab.locator(".zone-note").inner_text()
    )


def test_auckland_papers_day_facet_follows_its_own_dates(open_page, demo_url):
    tab = open_page(demo_url + "papers.html", AUCKLAND)
    tab.locator("#paper-browser[data-ready]").wait_for(state="attached")
    days = tab.locator("#facet-day option").all_inner_texts()
    assert [day.split(" (")[0] for day in days] == [
        "All days",
        "Wed 12 May",
        "Thu 13 May",
        "Fri 14 May",
    ]
    # The health session (Thursday night in Lisbon) is Friday in Auckland.
    tab.locator("#facet-day").select_option("2027-05-14")
    cards = tab.locator("#paper-cards [data-paper-id]")
    ids = set(cards.evaluate_all("cards => cards.map(c => c.dataset.paperId)"))
    assert {"h27-039", "h27-045", "h27-040", "h27-041", "h27-043"} <= ids
    assert "day=2027-05-14" in tab.url


def cell_box(tab, session_id: str) -> dict:
    return tab.locator(f'td[data-session-id="{session_id}"]').bounding_box()


def column_box(tab, room: str) -> dict:
    return tab.locator(".timetable thead th", has_text=room).bounding_box()


def row_label(tab, session_id: str) -> str:
    return tab.locator(f'td[data-session-id="{session_id}"]').evaluate(
        "cell => cell.parentElement.querySelector('th').innerText"
    )


def test_grid_places_parallel_sessions_in_their_rooms_at_their_rows(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    heads = tab.locator(".timetable thead th").all_inner_texts()
    # Rooms in the order config.yml gives; sessions without a room in their own column.
    assert heads == ["Time", "Main stage", "Room A", "Room B", "Poster hall", "No room"]
    language, vision = cell_box(tab, "d1-oral-language"), cell_box(tab, "d1-oral-vision")
    assert language["y"] == vision["y"] and language["height"] == vision["height"]
    for session_id, room in [
        ("d1-oral-language", "Room A"),
        ("d1-oral-vision", "Room B"),
        ("d1-keynote", "Main stage"),
        ("d1-break", "No room"),
    ]:
        cell, column = cell_box(tab, session_id), column_box(tab, room)
        assert column["x"] <= cell["x"]
        assert cell["x"] + cell["width"] <= column["x"] + column["width"] + 1
    assert row_label(tab, "d1-oral-language") == "14:45"
    assert row_label(tab, "d1-keynote") == "13:30"
    # Sized by their length: 75 minutes of talks against the keynote's 60.
    keynote = cell_box(tab, "d1-keynote")
    assert language["height"] / keynote["height"] == pytest.approx(75 / 60, rel=0.03)
    # One after the other in time: the keynote ends where the break starts.
    assert keynote["y"] + keynote["height"] == pytest.approx(cell_box(tab, "d1-break")["y"], abs=2)


def test_room_names_sort_naturally(serve_folder, sitedata_copy: Path, tmp_path: Path, open_page):
    from miniconf.site.build import freeze_site
    from miniconf.structure.loader import load_conference

    config = sitedata_copy / "config.yml"
    config.write_text(
        config.read_text().replace("rooms: [Main stage, Room A, Room B, Poster hall]", "")
    )
    sessions = sitedata_copy / "sessions.yml"
    sessions.write_text(
        sessions.read_text()
        .replace("room: Room A", "room: Hall 10")
        .replace("room: Room B", "room: Hall 2")
    )
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    freeze_site(conference, tmp_path / "build", jobs=1)
    tab = open_page(serve_folder(tmp_path / "build") + "schedule.html", "Europe/Lisbon")
    assert tab.locator(".timetable thead th").all_inner_texts() == [
        "Time",
        "Hall 2",
        "Hall 10",
        "Main stage",
        "Poster hall",
        "No room",
    ]


def test_midnight_crossing_session_continues_into_the_next_days_hours(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html#day-2027-05-13", "Europe/Lisbon")
    assert row_label(tab, "d3-oral-health") == "22:30"
    labels = tab.locator(".timetable tbody th").all_inner_texts()
    # Past midnight the rows say so, and go on to the session's end (00:30).
    assert labels[-6:] == ["23:00", "23:15", "23:30", "23:45", "Fri 00:00", "00:15"]
    # Two hours tall, like the 120 minutes it lasts (2 px a minute).
    assert cell_box(tab, "d3-oral-health")["height"] == pytest.approx(240, abs=2)


def test_daylight_saving_night_in_the_grid(
    open_page, sitedata_copy: Path, tmp_path: Path, serve_folder
):
    """00:30–02:30 Lisbon on the spring-forward night lasts one hour: in London the rows
    jump from 00:30 GMT to 02:00 BST, and the session is an hour tall."""
    from miniconf.site.build import freeze_site
    from miniconf.structure.loader import load_conference

    with (sitedata_copy / "sessions.yml").open("a", encoding="utf-8") as file:
        file.write(DST_SESSION)
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    freeze_site(conference, tmp_path / "build", jobs=1)
    url = serve_folder(tmp_path / "build") + "schedule.html#day-2027-03-28"
    tab = open_page(url, "Europe/London")
    assert tab.get_by_role("tab", name="Sun 28 Mar").get_attribute("aria-selected") == "true"
    assert tab.locator(".timetable tbody th").all_inner_texts() == ["00:30", "02:00 BST"]
    assert cell_box(tab, "dst-spring")["height"] == pytest.approx(120, abs=2)
    assert tab.locator('td[data-session-id="dst-spring"] .time-range').inner_text() == (
        "00:30 GMT–02:30 BST"
    )


def test_now_line_and_live_session_in_the_grid(open_page, demo_url):
    # 13:00 UTC is 14:00 in Lisbon: halfway through the keynote (13:30–14:30).
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon", now="2027-05-11T13:00:00Z")
    keynote = tab.locator('td[data-session-id="d1-keynote"]')
    assert "is-live" in keynote.get_attribute("class")
    assert keynote.get_by_text("Live now").is_visible()
    assert tab.locator("td.is-live").count() == 1
    line = tab.locator(".grid-now")
    assert line.is_visible() and line.inner_text() == "Now · 14:00"
    box = keynote.bounding_box()
    assert line.bounding_box()["y"] == pytest.approx(box["y"] + box["height"] / 2, abs=3)
    # The session's own page says it is live.
    tab.goto(demo_url + "sessions/d1-keynote.html")
    assert tab.locator("[data-live-session]").is_visible()
    tab.goto(demo_url + "sessions/d1-social.html")
    assert tab.locator("[data-live-session]").is_hidden()


def shown_sessions(tab) -> list[str]:
    return tab.locator("td[data-session-id]").evaluate_all(
        "cells => cells.map(cell => cell.dataset.sessionId)"
    )


def test_filters_live_in_the_url_and_survive_a_reload(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon", bookmarks='["h27-009"]')
    tab.get_by_label("Session type", exact=True).select_option("oral")
    assert shown_sessions(tab) == ["d1-oral-language", "d1-oral-vision"]
    tab.get_by_label("Room", exact=True).select_option("Room A")
    assert shown_sessions(tab) == ["d1-oral-language"]
    assert "type=oral" in tab.url and "room=Room+A" in tab.url
    tab.get_by_role("tab", name="Wed 12 May").click()
    tab.reload()
    assert tab.get_by_label("Session type", exact=True).input_value() == "oral"
    assert tab.get_by_label("Room", exact=True).input_value() == "Room A"
    assert tab.get_by_role("tab", name="Wed 12 May").get_attribute("aria-selected") == "true"
    assert shown_sessions(tab) == ["d2-oral-reinforcement"]
    count = tab.locator("[data-filter-count]").inner_text()
    assert count == "3 of 21 sessions match"
    # The list view filters the same way, and remembers it is the list.
    tab.get_by_role("button", name="List").click()
    assert "view=list" in tab.url
    visible = tab.locator("section.day:visible .agenda-item:visible")
    assert visible.evaluate_all("items => items.map(i => i.dataset.sessionId)") == [
        "d2-oral-reinforcement"
    ]
    # My agenda only: the sessions of the bookmarked paper (h27-009).
    tab.get_by_role("button", name="Clear filters").click()
    tab.get_by_label("My agenda only").check()
    tab.reload()
    assert tab.get_by_label("My agenda only").is_checked()
    tab.get_by_role("tab", name="Tue 11 May").click()
    assert visible.evaluate_all("items => items.map(i => i.dataset.sessionId)") == [
        "d1-oral-vision",
        "d1-poster-1",
    ]


def test_keyboard_reaches_every_session_of_the_grid_in_time_order(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    expected = shown_sessions(tab)  # table order: by row (time), then room
    assert len(expected) == 7
    tab.get_by_role("tab", name="Tue 11 May").focus()
    reached = []  # (session, what has the focus) in the order Tab goes
    for _ in range(60):
        tab.keyboard.press("Tab")
        focused = tab.evaluate("""() => {
            const cell = document.activeElement.closest('td[data-session-id]');
            return cell && [cell.dataset.sessionId, document.activeElement.tagName]; }""")
        if focused:
            reached.append(tuple(focused))
        elif reached:
            break
    # Each session's link, then its agenda star.
    assert reached == [(sid, tag) for sid in expected for tag in ("A", "BUTTON")]
    # The last session's link opens with Enter.
    tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/sessions/{expected[-1]}.html")
    # The grid is a table for screen readers: rooms are column headers, times row headers.
    tab.go_back()
    assert tab.get_by_role("columnheader", name="Room A").count() == 1
    assert tab.get_by_role("rowheader", name="14:45").count() == 1


def test_phone_width_has_no_overflow_and_keeps_times_and_rooms_in_view(
    browser, demo_url, tmp_path: Path
):
    context = browser.new_context(
        timezone_id="Asia/Kolkata",
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    try:
        tab = context.new_page()
        tab.goto(demo_url + "schedule.html")
        tab.locator(".timetable").wait_for()
        tab.screenshot(path=tmp_path / "schedule-phone.png", full_page=True)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"
        scroller = tab.locator(".grid-scroll")
        # The grid scrolls inside its box; the time column and room names stay in view.
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        scroller.evaluate("el => { el.scrollLeft = 400; el.scrollTop = 200; }")
        time_cell = tab.locator(".timetable tbody th").first.bounding_box()
        box = scroller.bounding_box()
        assert time_cell["x"] == pytest.approx(box["x"] + 1, abs=2)
        head = tab.locator(".timetable thead th").nth(1).bounding_box()
        assert head["y"] == pytest.approx(box["y"] + 1, abs=2)
        tab.get_by_role("button", name="List").click()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        tab.screenshot(path=tmp_path / "schedule-phone-list.png", full_page=True)
    finally:
        context.close()


def test_the_grid_star_adds_a_session_to_my_agenda(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    star = tab.locator('td[data-session-id="d1-keynote"]').get_by_role(
        "button", name="Add “Keynote: Small Data, Big Languages” to my agenda"
    )
    assert star.get_attribute("aria-pressed") == "false"
    star.press("Enter")
    assert star.get_attribute("aria-pressed") == "true"
    assert tab.locator("[data-agenda-status]").inner_text() == "1 session (from 1 picked session)"
    tab.get_by_label("My agenda only").check()
    assert shown_sessions(tab) == ["d1-keynote"]
    # The list agrees, and after a reload too.
    tab.reload()
    tab.get_by_role("button", name="List").click()
    pick = tab.locator('li[data-session-id="d1-keynote"] [data-agenda-pick]')
    assert pick.get_attribute("aria-pressed") == "true"


def test_session_page_shows_talk_times_in_the_visitors_zone_and_the_talk_on_now(
    open_page, demo_url
):
    # 14:10 UTC is 15:10 in Lisbon: the second talk (15:05–15:25) of the language session.
    tab = open_page(
        demo_url + "sessions/d1-oral-language.html", "Asia/Kolkata", now="2027-05-11T14:10:00Z"
    )
    slots = tab.locator(".talk-slot")
    assert [text.split(" On now")[0] for text in slots.all_inner_texts()] == [
        "Talk 19:15–19:35",
        "Talk 19:35–19:55",
        "Talk 19:55–20:15",
        "Talk 20:15–20:30",
    ]
    assert tab.locator("h1 + [data-live-session]").is_visible()  # the session: Live now
    on_now = [slot.get_by_text("On now").is_visible() for slot in slots.all()]
    assert on_now == [False, True, False, False]
    # The paper page shows its own slot, in the visitor's zone.
    tab.goto(demo_url + "papers/h27-007.html")
    assert tab.locator(".talk-slot .time-range").inner_text() == (
        "Tue 11 May, 19:35–19:55 India Standard Time"
    )


def test_today_the_grid_opens_at_now(open_page, demo_url):
    # 21:40 UTC is 14:40 in Los Angeles on Thursday 13 May, hours below the grid's top.
    tab = open_page(demo_url + "schedule.html", "America/Los_Angeles", now="2027-05-13T21:40:00Z")
    assert tab.get_by_role("tab", name="Thu 13 May").get_attribute("aria-selected") == "true"
    line, scroller = tab.locator(".grid-now"), tab.locator(".grid-scroll")
    box = scroller.bounding_box()
    top, bottom = box["y"], box["y"] + box["height"]
    assert top < line.bounding_box()["y"] < bottom, "the now line is scrolled into view"


def test_arrow_keys_move_between_rooms_and_times(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    focused = "document.activeElement.closest('td[data-session-id]')?.dataset.sessionId"
    tab.locator('td[data-session-id="d1-keynote"] a').focus()
    tab.keyboard.press("ArrowDown")  # the next session in the Main stage
    assert tab.evaluate(focused) == "d1-social"
    tab.keyboard.press("ArrowUp")
    tab.keyboard.press("ArrowRight")  # Room A, nearest in time: the language orals
    assert tab.evaluate(focused) == "d1-oral-language"
    tab.keyboard.press("ArrowRight")
    assert tab.evaluate(focused) == "d1-oral-vision"
    tab.keyboard.press("ArrowLeft")
    assert tab.evaluate(focused) == "d1-oral-language"
