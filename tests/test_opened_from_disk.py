"""The built site opened from disk (file://), as someone who downloads the build sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_papers_page_from_disk_lists_every_paper(browser, frozen_demo: Path, demo_conference):
    page = browser.new_page()
    page.goto((frozen_demo / "papers.html").as_uri())
    links = page.locator("#paper-index a")
    assert links.count() == len(demo_conference.papers)
    assert links.first.is_visible()
    assert "web server" in page.locator("#paper-index-section").inner_text()
    links.first.click()  # relative links work from disk too
    page.wait_for_url("**/papers/*.html")
    assert page.locator("h1").first.is_visible()
    page.close()


def test_papers_page_served_replaces_the_plain_list(page, demo_url: str):
    page.goto(f"{demo_url}papers.html")
    page.wait_for_selector("#paper-browser[data-ready]")
    assert page.locator("#paper-index").count() == 0  # no second, hidden copy of the list
    assert page.locator("#paper-cards li").count() > 0
    assert page.console_errors == []
