"""The schedule in a real browser with an emulated time zone (Playwright ``timezone_id``)."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

pytestmark = pytest.mark.browser

HOST = "helios-conf.example.org"


def range_text(tab, session_id: str) -> str:
    """The session's time as the grid shows it (the day shown is the tab's)."""
    return tab.locator(f'td[data-session-id="{session_id}"] .time-range').inner_text()


def test_times_convert_to_the_visitors_zone_and_the_switcher_remembers(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Asia/Tokyo")

    # 13:00 in Lisbon (UTC+1) is 21:00 in Tokyo (UTC+9); the day's heading names the
    # date and the zone, so the grid's times carry neither.
    assert range_text(tab, "d1-opening") == "21:00–21:30"
    assert tab.locator("section.day:visible h2").inner_text() == (
        "Tuesday 11 May · Japan Standard Time"
    )
    note = tab.locator(".zone-note")
    assert note.inner_text() == (
        "Times are shown in Japan Standard Time (Asia/Tokyo), your time zone."
    )
    # Across midnight in Lisbon: the next morning in Tokyo, so under Tokyo's Friday.
    tab.get_by_role("tab", name="Fri 14 May").click()
    assert range_text(tab, "d3-oral-health") == "06:30–08:30"

    picker = tab.get_by_label("Show times in")
    picker.select_option("Europe/Lisbon")
    # Lisbon has no Friday: the last day before it is shown, where the session starts.
    assert tab.get_by_role("tab", name="Thu 13 May").get_attribute("aria-selected") == "true"
    assert range_text(tab, "d3-oral-health") == "22:30–Fri 14 May, 00:30"
    picker.select_option("America/New_York")
    assert range_text(tab, "d3-oral-health") == "17:30–19:30"

    # Remembered across pages: a session page shows New York time too.
    tab.goto(demo_url + "sessions/d1-keynote.html")
    assert tab.locator(".meta .time-range").inner_text().startswith("Tue 11 May, 08:30–09:30")
    assert tab.get_by_label("Show times in").input_value() == "America/New_York"
    # Back to "your time zone".
    tab.get_by_label("Show times in").select_option("")
    assert tab.locator(".meta .time-range").inner_text() == (
        "Tue 11 May, 21:30–22:30 Japan Standard Time"
    )
    assert tab.locator(".meta .time-range abbr").get_attribute("title") == "Asia/Tokyo"
    assert tab.console_errors == []


def test_paper_page_shows_its_sessions_in_the_visitors_zone(open_page, demo_url):
    tab = open_page(demo_url + "papers/h27-001.html", "America/Los_Angeles")
    ranges = tab.locator(".session-list .time-range").all_inner_texts()
    # Oral 14:45 and posters 16:15 in Lisbon are 06:45 and 08:15 in California.
    # Zones by the names people know (en-GB has no short name for California's).
    assert ranges == [
        "Tue 11 May, 06:45–08:00 Pacific Daylight Time",
        "Tue 11 May, 08:15–09:45 Pacific Daylight Time",
    ]


def test_daylight_saving_is_applied_per_date(open_page, demo_url):
    """New York is UTC-4 in May: the Lisbon keynote at 13:30 (UTC+1) is 08:30 there."""
    tab = open_page(demo_url + "sessions/d1-keynote.html", "America/New_York")
    text = tab.locator(".meta .time-range").inner_text()
    assert text.startswith("Tue 11 May, 08:30–09:30")
    # Lord Howe Island shifts by 30 minutes and is in its standard time (UTC+10:30) in May.
    tab.get_by_label("Show times in").select_option("Australia/Lord_Howe")
    assert (
        tab.locator(".meta .time-range")
        .inner_text()
        .startswith("Tue 11 May, 23:00–Wed 12 May, 00:00")
    )


def test_day_tabs_work_with_the_keyboard(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    tabs = tab.get_by_role("tab")
    assert tabs.count() == 3
    assert tab.locator("#day-2027-05-12").is_hidden()
    tabs.first.focus()
    tab.keyboard.press("ArrowRight")
    assert tab.locator("#day-2027-05-12").is_visible()
    assert tab.locator("#day-2027-05-11").is_hidden()
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    assert tab.evaluate("document.activeElement.id") == "day-2027-05-12-tab"


def test_now_line_and_live_session(open_page, demo_url):
    # 13:00 UTC is 14:00 in Lisbon on day 1: the keynote (13:30–14:30) is live.
    tab = open_page(
        demo_url + "schedule.html?view=list", "Europe/Lisbon", now="2027-05-11T13:00:00Z"
    )
    day_one = tab.get_by_role("tab", name="Tue 11 May")
    assert day_one.get_attribute("aria-selected") == "true"
    live = tab.locator(".agenda-item.is-live")
    assert live.count() == 1 and live.get_attribute("data-session-id") == "d1-keynote"
    assert live.get_by_text("Live now").is_visible()
    line = tab.locator(".now-line")
    assert line.inner_text() == "Now · 14:00"
    # The line sits just before the first session still to come (the coffee break).
    following = line.evaluate("el => el.nextElementSibling.dataset.sessionId")
    assert following == "d1-break"


def test_home_page_happening_now_and_up_next(open_page, demo_url):
    # 13:35 UTC is 14:35 in Lisbon: the coffee break (14:30–14:45) is on, two orals follow.
    tab = open_page(demo_url, "Asia/Tokyo", now="2027-05-11T13:35:00Z")
    box = tab.locator("[data-now-next]")
    box.wait_for(state="visible")
    assert box.locator("[data-now-list] a").all_inner_texts() == ["Coffee break"]
    assert box.locator("[data-next-list] a").all_inner_texts() == [
        "Oral session: Language & Dialogue",
        "Oral session: Vision & Perception",
    ]
    # In the visitor's zone: 14:45 Lisbon is 22:45 in Tokyo.
    assert "22:45" in box.locator("[data-next-list] .time-range").first.inner_text()
    box.locator("[data-next-list] a").first.click()
    assert tab.url.endswith("/sessions/d1-oral-language.html")


def test_home_page_hides_now_next_after_the_conference(open_page, demo_url):
    tab = open_page(demo_url, "Europe/Lisbon", now="2027-06-01T12:00:00Z")
    tab.wait_for_load_state("networkidle")
    assert tab.locator("[data-now-next]").is_hidden()


def test_personal_agenda_from_bookmarked_papers(open_page, demo_url, tmp_path: Path):
    tab = open_page(
        demo_url + "schedule.html?view=list", "Europe/Lisbon", bookmarks='["h27-001", "h27-039"]'
    )
    status = tab.locator("[data-agenda-status]")
    assert status.inner_text() == "4 sessions (from 2 bookmarked papers)"
    with tab.expect_download() as download_info:
        tab.get_by_role("button", name="My agenda (.ics)").click()
    target = tmp_path / "agenda.ics"
    download_info.value.save_as(target)

    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # The same UIDs as schedule.ics: importing both updates instead of duplicating.
    assert set(events) == {
        f"{sid}@{HOST}"
        for sid in ("d1-oral-language", "d1-poster-1", "d3-poster-3", "d3-oral-health")
    }
    health = events[f"d3-oral-health@{HOST}"]
    assert health.decoded("DTSTART").isoformat() == "2027-05-13T21:30:00+00:00"
    assert health.decoded("DTEND").isoformat() == "2027-05-13T23:30:00+00:00"
    assert str(health["SUMMARY"]) == "Oral session: ML for Health & Science (Asia-Pacific friendly)"


def test_sessions_picked_on_the_schedule_join_the_agenda(open_page, demo_url, tmp_path: Path):
    tab = open_page(demo_url + "schedule.html?view=list", "Europe/Lisbon", bookmarks='["h27-001"]')
    pick = tab.get_by_role("button", name="Add “Keynote: Small Data, Big Languages” to my agenda")
    pick.click()
    assert pick.get_attribute("aria-pressed") == "true"
    status = tab.locator("[data-agenda-status]")
    assert status.inner_text() == "3 sessions (from 1 bookmarked paper and 1 picked session)"

    tab.reload()  # remembered
    assert pick.get_attribute("aria-pressed") == "true"
    with tab.expect_download() as download_info:
        tab.get_by_role("button", name="My agenda (.ics)").click()
    target = tmp_path / "agenda.ics"
    download_info.value.save_as(target)
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")}
    assert uids == {f"{sid}@{HOST}" for sid in ("d1-keynote", "d1-oral-language", "d1-poster-1")}

    pick.press("Enter")  # a keyboard user takes it out again
    assert pick.get_attribute("aria-pressed") == "false"
    assert status.inner_text() == "2 sessions (from 1 bookmarked paper)"


def test_agenda_button_without_bookmarks_is_disabled(open_page, demo_url):
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    assert tab.get_by_role("button", name="My agenda (.ics)").is_disabled()
    status = tab.locator("[data-agenda-status]").inner_text()
    assert status == "Add sessions or bookmark papers to build your agenda"


def test_without_javascript_times_stay_in_the_conference_zone(browser, demo_url):
    context = browser.new_context(timezone_id="Asia/Tokyo", java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(demo_url + "schedule.html")
        # The day's heading names the date: its rows do not repeat it.
        first = tab.locator('[data-session-id="d1-opening"] .time-range').inner_text()
        assert first == "13:00–13:30 WEST"
        assert tab.locator("#day-2027-05-11 h2").inner_text() == "Day 1 · Tuesday 11 May"
        assert "Europe/Lisbon" in tab.locator(".zone-note").inner_text()
        assert tab.locator("[data-zone-picker]").is_hidden()
        # Every day is listed, one after the other.
        assert tab.locator("section.day").count() == 3
        assert tab.locator("#day-2027-05-13").is_visible()
    finally:
        context.close()


DST_SESSION = """\
- id: dst-spring
  title: "Night owls (clocks go forward at 01:00)"
  type: social
  start: 2027-03-28T00:30
  end: 2027-03-28T02:30
  room: Night room
"""


def test_daylight_saving_night_in_the_browser(
    open_page, sitedata_copy: Path, tmp_path: Path, serve_folder
):
    """00:30–02:30 Lisbon on the spring-forward night lasts one hour, wherever it is shown."""
    from miniconf.site.build import freeze_site
    from miniconf.structure.loader import load_conference

    with (sitedata_copy / "sessions.yml").open("a", encoding="utf-8") as file:
        file.write(DST_SESSION)
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    freeze_site(conference, tmp_path / "build", jobs=1)
    url = serve_folder(tmp_path / "build") + "sessions/dst-spring.html"

    def shown(tab) -> str:
        return tab.locator(".meta .time-range").inner_text()

    # London changes its clocks at the same instant: both zone names are shown.
    assert shown(open_page(url, "Europe/London")) == "Sun 28 Mar, 00:30 GMT–02:30 BST"
    # Tokyo has no summer time: the same hour is 09:30–10:30.
    assert shown(open_page(url, "Asia/Tokyo")) == "Sun 28 Mar, 09:30–10:30 Japan Standard Time"
    assert shown(open_page(url, "UTC")) == "Sun 28 Mar, 00:30–01:30 UTC"
    # New York moved to summer time two weeks earlier (14 March 2027).
    assert shown(open_page(url, "America/New_York")) == (
        "Sat 27 Mar, 20:30–21:30 Eastern Daylight Time"
    )
    # Without JavaScript: the conference's zone, both names.
    html = (tmp_path / "build" / "sessions" / "dst-spring.html").read_text()
    zone = '<abbr class="zone" title="Europe/Lisbon">'
    assert f">Sun 28 Mar, 00:30</time> {zone}WET</abbr>–" in html
    assert f">02:30</time> {zone}WEST</abbr>" in html


def test_agenda_calendar_folds_long_lines_and_escapes_text(open_page, demo_url):
    """Titles come from authors: commas, semicolons, newlines and long non-ASCII text."""
    tab = open_page(demo_url + "schedule.html", "Europe/Lisbon")
    title = "Sessão de pôsteres; visão, linguagem \\ 視覚と言語 " * 4
    ics = tab.evaluate(
        """title => window.miniconfSchedule.agendaCalendar([{
        uid: "x@example.org", start: "2027-05-11T13:00:00+01:00",
        end: "2027-05-11T14:00:00+01:00", title, url: "https://example.org/s.html",
        room: "Sala 1, piso 2"}])""",
        title,
    )
    lines = ics.encode().split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Sala 1, piso 2"
    assert event.decoded("DTSTART").isoformat() == "2027-05-11T12:00:00+00:00"
