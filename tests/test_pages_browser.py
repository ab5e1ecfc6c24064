"""The demo in a real browser: no errors, fits a phone, usable with a keyboard, dark mode."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "index.html",
    "papers.html",
    "schedule.html",
    "speakers.html",
    "workshops.html",
    "help.html",
    "papers/h27-001.html",
    "404.html",
]


def test_pages_load_without_console_errors(page, demo_url):
    for path in PAGES:
        page.goto(demo_url + path)
        assert page.locator("h1").first.is_visible(), path
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["index.html", "papers/h27-001.html", "schedule.html"])
def test_pages_fit_a_phone_screen(browser, demo_url, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(demo_url + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"


def test_keyboard_skip_link_reaches_main_content(page, demo_url):
    page.goto(demo_url + "papers/h27-001.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    focused_inside_main = page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_inside_main


def test_dark_mode_follows_the_system(browser, demo_url):
    colors = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        tab = context.new_page()
        tab.goto(demo_url + "index.html")
        colors[scheme] = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert colors["light"] != colors["dark"]


def test_landmarks_and_nav_state(page, demo_url):
    page.goto(demo_url + "schedule.html")
    assert page.locator("header").count() >= 1
    assert page.locator("main#main").count() == 1
    assert page.locator("footer").count() >= 1
    current = page.locator("nav[aria-label=Main] a[aria-current=page]")
    assert current.inner_text() == "Schedule"
    for image in page.locator("img").all():
        assert image.get_attribute("alt") is not None
