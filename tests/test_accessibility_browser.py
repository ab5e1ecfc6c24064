"""Star buttons big enough to hit and named after their paper; the talk without JavaScript."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_star_buttons_are_24px_and_say_which_paper(page, demo_url, frozen_demo):
    titles = {
        paper["id"]: paper["title"]
        for paper in json.loads((frozen_demo / "papers.json").read_text())
    }
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for url in ("papers.html", "papers/h27-010.html"):
        page.goto(f"{demo_url}{url}")
        stars = page.locator("[data-star]:visible")
        stars.first.wait_for()
        for i in range(min(stars.count(), 10)):
            star = stars.nth(i)
            box = star.bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (url, box)
            paper_id = star.get_attribute("data-star")
            title = titles[paper_id]
            # The accessible name, as Chromium computes it for screen readers.
            assert star.aria_snapshot() == f'- button "Star “{title}”"', paper_id
    page.get_by_role("button", name="Star “View-Consistent 3D Scene Editing", exact=False).click()
    assert page.locator(".paper [data-star]").get_attribute("aria-pressed") == "true"
    assert page.console_errors == []


def test_without_javascript_the_talk_is_a_plain_link(browser, demo_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{demo_url}papers/h27-001.html")
    play = page.get_by_role("link", name="Play the talk")
    assert play.get_attribute("href").startswith("https://www.youtube.com/watch?v=")
    context.close()
    # With JavaScript it is a button that plays the talk in the page.
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo_url}papers/h27-001.html")
    assert page.get_by_role("button", name="Play the talk").count() == 1
    assert page.get_by_role("link", name="Play the talk").count() == 0
    context.close()
