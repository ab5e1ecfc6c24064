"""The papers page's Discussion sort and badges in Chromium, from a chat activity file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from miniconf.site.build import freeze_site
from tests.conftest import load_ok

pytestmark = pytest.mark.browser


def test_sorting_by_discussion_puts_the_busiest_paper_first_with_its_badge(
    sitedata_copy: Path, tmp_path: Path, serve_folder, page
) -> None:
    activity = {
        "version": 1,
        "read_at": "2027-05-12T10:00:00+00:00",
        "rooms": {
            "paper/h27-004": {"messages": 3, "posters": 2, "last_message": "2027-05-12T09:00:00Z"},
            "paper/h27-002": {
                "messages": 250,
                "posters": 31,
                "last_message": "2027-05-12T08:00:00Z",
            },
            "paper/h27-009": {"messages": 3, "posters": 1, "last_message": "2027-05-12T09:30:00Z"},
        },
    }
    (sitedata_copy / "chat").mkdir(exist_ok=True)
    (sitedata_copy / "chat" / "activity.json").write_text(json.dumps(activity))
    out = tmp_path / "build"
    conference = load_ok(sitedata_copy)
    freeze_site(conference, out, jobs=1)
    titles = {paper.id: paper.title for paper in conference.papers}
    site = serve_folder(out)

    page.goto(site + "papers.html")
    page.locator("#paper-browser[data-ready='true']").wait_for()
    page.get_by_label("Sort").select_option("discussion")
    cards = page.locator("#paper-cards .paper-card")
    # Most messages first; a tie goes to the later last message.
    first_three = [cards.nth(n).locator("h3").inner_text() for n in range(3)]
    assert first_three == [titles["h27-002"], titles["h27-009"], titles["h27-004"]]
    badge = cards.first.locator(".discussion-badge")
    assert badge.inner_text() == "Discussion: 250 messages from 31 people"
    assert cards.nth(3).locator(".discussion-badge").count() == 0  # no message, no badge
    assert "sort=discussion" in page.url  # a shareable link keeps the order
    page.reload()
    page.locator("#paper-browser[data-ready='true']").wait_for()
    assert page.get_by_label("Sort").input_value() == "discussion"
    assert page.console_errors == []


def test_without_activity_the_sort_has_no_discussion_option(
    sitedata_copy: Path, tmp_path: Path, serve_folder, page
) -> None:
    config = yaml.safe_load((sitedata_copy / "config.yml").read_text())
    assert config["chat"]["provider"] == "matrix"
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata_copy), out, jobs=1)
    page.goto(serve_folder(out) + "papers.html?sort=discussion")
    page.locator("#paper-browser[data-ready='true']").wait_for()
    # An unknown sort falls back to the default, best match (by title without a query).
    assert page.get_by_label("Sort").input_value() == ""
    assert page.locator("#paper-sort option[value='discussion']").count() == 0
    assert page.locator(".discussion-badge").count() == 0
    assert page.console_errors == []
