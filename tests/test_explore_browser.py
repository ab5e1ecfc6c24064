"""Exploring the program in a real browser: papers page, stars, "For you", map, site search.

The demo is frozen here with stand-in pipeline outputs (bench/fake_pipeline.py), so the
map and "For you" have data; ``frozen_demo`` (no outputs) covers the site without them.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import REPO, load_ok

from miniconf.site.build import freeze_site

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import write_outputs  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def explore_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    sitedata = tmp_path_factory.mktemp("explore") / "sitedata"
    shutil.copytree(REPO / "sitedata", sitedata, ignore=shutil.ignore_patterns(".miniconf-cache"))
    write_outputs(sitedata, dims=32)
    out = sitedata.parent / "build"
    freeze_site(load_ok(sitedata), out)
    return out


@pytest.fixture(scope="module")
def site(explore_build: Path, serve_folder) -> str:
    return serve_folder(explore_build)


@pytest.fixture(scope="module")
def papers(explore_build: Path) -> list[dict]:
    return json.loads((explore_build / "papers.json").read_text())


def open_papers(page, site: str, query: str = ""):
    page.goto(f"{site}papers.html{query}")
    page.wait_for_selector("#paper-browser[data-ready]")


def card_titles(page) -> list[str]:
    return page.locator("#paper-cards .paper-card h3").all_text_contents()


def test_search_narrows_results_and_the_url_keeps_it(page, site, papers):
    open_papers(page, site)
    assert len(card_titles(page)) == len(papers)
    page.fill("#paper-query", "ribbon")
    assert card_titles(page) == [
        "Ribbon Attention: Linear-Time Long-Context Transformers with Banded Low-Rank Memory"
    ]
    page.wait_for_url(re.compile(r"\?q=ribbon$"))  # written once typing pauses
    assert parse_qs(urlsplit(page.url).query) == {"q": ["ribbon"]}
    page.reload()
    page.wait_for_selector("#paper-browser[data-ready]")
    assert page.input_value("#paper-query") == "ribbon"
    assert len(card_titles(page)) == 1
    # Abstract words count too, once search.json has arrived.
    page.wait_for_selector("#paper-browser[data-abstracts]")
    page.fill("#paper-query", "passkey")  # only in h27-001's abstract
    assert len(card_titles(page)) == 1
    assert page.console_errors == []


def test_a_track_facet_filters_with_counts_and_is_shareable(page, site, papers):
    open_papers(page, site)
    vision = sum(1 for paper in papers if paper["track"] == "vision")
    option = page.locator("#facet-track option[value=vision]")
    assert option.inner_text().endswith(f"({vision})")
    page.select_option("#facet-track", "vision")
    assert page.locator("#paper-cards .paper-card").count() == vision
    assert set(page.locator("#paper-cards .track").all_text_contents()) == {"Vision & Perception"}
    assert "track=vision" in page.url
    # The shared link opens the same view; other facets count within it.
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("#paper-browser[data-ready]")
    assert other.locator("#paper-cards .paper-card").count() == vision
    day_counts = other.locator("#facet-day option").all_inner_texts()[1:]
    assert sum(int(re.search(r"\((\d+)\)$", text).group(1)) for text in day_counts) >= vision
    assert page.console_errors == []


def test_sorting_by_time_and_a_stable_shuffle(page, site):
    open_papers(page, site)
    by_title = card_titles(page)
    page.select_option("#paper-sort", "shuffle")
    shuffled = card_titles(page)
    assert sorted(shuffled) == sorted(by_title) and shuffled != by_title
    page.reload()
    page.wait_for_selector("#paper-browser[data-ready]")
    assert card_titles(page) == shuffled  # the seed is in the URL
    page.select_option("#paper-sort", "time")
    assert "sort=time" in page.url


def test_a_star_survives_a_reload_and_shows_in_my_papers(page, site):
    page.goto(f"{site}papers/h27-007.html")
    star = page.locator(".paper [data-star]")
    star.click()
    assert star.get_attribute("aria-pressed") == "true"
    page.reload()
    assert page.locator(".paper [data-star]").get_attribute("aria-pressed") == "true"
    page.goto(f"{site}my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#my-papers-list .paper-card").evaluate_all(
        "cards => cards.map(card => card.dataset.paperId)"
    ) == ["h27-007"]
    # Unstarring on the papers page removes it.
    open_papers(page, site)
    page.locator("#paper-cards [data-star=h27-007]").click()
    page.goto(f"{site}my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#my-papers-list li").count() == 0
    assert page.locator("#for-you").is_hidden()
    assert page.console_errors == []


def test_for_you_ranks_the_nearest_neighbour_near_the_top(page, site, explore_build):
    similar = json.loads((explore_build / "papers.json").read_text())
    nearest = next(paper["similar"][0] for paper in similar if paper["id"] == "h27-012")
    page.goto(f"{site}my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#for-you").is_hidden()  # nothing starred yet
    page.goto(f"{site}papers/h27-012.html")
    page.locator(".paper [data-star]").click()
    page.goto(f"{site}my-papers.html")
    page.wait_for_selector("#my-papers[data-for-you=ready]")
    ranked = page.locator("#for-you-list .paper-card").evaluate_all(
        "cards => cards.map(card => card.dataset.paperId)"
    )
    assert "h27-012" not in ranked
    assert nearest in ranked[:3]
    assert page.console_errors == []


def test_bookmarks_export_and_import(page, site, tmp_path):
    page.goto(f"{site}papers/h27-003.html")
    page.locator(".paper [data-star]").click()
    page.goto(f"{site}my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    with page.expect_download() as download:
        page.click("#bookmarks-export")
    saved = tmp_path / "stars.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["papers"] == ["h27-003"]
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#my-papers-list li").count() == 0
    page.set_input_files("#bookmarks-import", str(saved))
    page.wait_for_selector("#my-papers-list [data-paper-id=h27-003]")
    assert "Imported 1" in page.inner_text("#bookmarks-message")


def isolated_paper(papers: list[dict]) -> dict:
    def gap(paper):
        return min(math.dist(paper["pos"], other["pos"]) for other in papers if other is not paper)

    return max(papers, key=gap)


def test_a_click_on_the_map_opens_that_paper(page, site, papers):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}map.html")
    page.wait_for_selector("#paper-map[data-ready]")
    target = isolated_paper(papers)
    box = page.locator("#map-canvas").bounding_box()
    # The initial view fits the unit square, centred (map.js fit()).
    scale = min(box["width"], box["height"]) * 0.92
    x = box["x"] + box["width"] / 2 + (target["pos"][0] - 0.5) * scale
    y = box["y"] + box["height"] / 2 + (target["pos"][1] - 0.5) * scale
    page.mouse.move(x, y)
    assert page.inner_text("#map-tooltip") == target["title"]
    page.mouse.click(x, y)
    page.wait_for_url(f"**/papers/{target['id']}.html")
    assert page.console_errors == []


def test_map_search_selection_and_list(page, site, papers):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}map.html")
    page.wait_for_selector("#paper-map[data-ready]")
    assert page.locator("#map-list li").count() == len(papers)
    assert page.locator("#map-legend li").count() == 6
    page.fill("#map-query", "ribbon")
    # (a locator, not wait_for_function: the site's CSP forbids the eval that polling uses)
    page.locator("#map-list-heading", has_text="Matching").wait_for()
    assert page.locator("#map-list a").all_inner_texts() == [
        next(p["title"] for p in papers if p["id"] == "h27-001")
    ]
    page.fill("#map-query", "")
    # Box-select the whole canvas: every paper is listed as selected.
    box = page.locator("#map-canvas").bounding_box()
    page.click("#map-select")
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] - 2, steps=4)
    page.mouse.up()
    assert page.inner_text("#map-list-heading") == "Selected papers"
    assert page.locator("#map-list li").count() == len(papers)
    # The list is reachable by keyboard: its links are ordinary links.
    page.focus("#map-list a >> nth=0")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.console_errors == []


def test_site_search_finds_papers_and_speakers(page, site):
    page.goto(f"{site}schedule.html")
    page.fill("#site-search-input", "ribbon")
    option = page.locator("#site-search-results [role=option]").first
    option.wait_for()
    assert "Ribbon Attention" in option.inner_text()
    page.press("#site-search-input", "ArrowDown")
    page.press("#site-search-input", "Enter")
    page.wait_for_url("**/papers/h27-001.html")
    page.fill("#site-search-input", "bedside")  # a word of a keynote title
    page.locator("#site-search-results [role=option]").first.wait_for()
    found = page.locator("#site-search-results [role=option] a").all_text_contents()
    assert any(text.startswith("Speaker") and "Inês Vasconcelos" in text for text in found)
    # Enter without choosing a result opens the papers page filtered by the query.
    page.press("#site-search-input", "Enter")
    page.wait_for_url("**/papers.html?q=bedside")
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert page.input_value("#paper-query") == "bedside"
    assert page.console_errors == []


def test_papers_page_without_javascript_lists_every_paper(browser, site, papers):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}papers.html")
    links = page.locator("#paper-index a")
    assert links.count() == len(papers)
    assert page.locator("#paper-browser").is_hidden()
    links.first.click()
    page.wait_for_url("**/papers/*.html")
    context.close()


def test_no_console_errors_on_any_page(page, site, frozen_demo, serve_folder):
    """Every page of the demo build, then the explore pages with stand-in outputs."""
    plain = serve_folder(frozen_demo)
    pages = sorted(path.relative_to(frozen_demo).as_posix() for path in frozen_demo.rglob("*.html"))
    assert len(pages) > 60
    data_pages = ("papers.html", "map.html", "my-papers.html")
    for base, names in ((plain, pages), (site, [*data_pages, "index.html", "papers/h27-001.html"])):
        for name in names:
            page.goto(base + name)
            if name in data_pages:
                page.wait_for_selector("[data-ready]")
            assert page.console_errors == [], name
    assert page.locator("#map-empty").is_hidden()  # the map has data with the outputs


def test_starred_papers_reach_the_schedule_agenda(page, site):
    """The schedule's personal agenda reads the same stars (this site's localStorage key)."""
    page.goto(f"{site}papers/h27-001.html")
    page.locator(".paper [data-star]").click()
    assert page.evaluate("JSON.parse(localStorage.getItem('miniconf:/:bookmarks'))") == ["h27-001"]
    page.goto(f"{site}schedule.html")
    page.wait_for_function("document.body.innerText.includes('1 bookmarked paper')")
    assert page.console_errors == []


def test_without_pipeline_outputs_the_map_says_how_to_make_one(page, sitedata_copy, serve_folder):
    import shutil

    shutil.rmtree(sitedata_copy / "pipeline", ignore_errors=True)
    out = sitedata_copy.parent / "build"
    freeze_site(load_ok(sitedata_copy), out)
    base = serve_folder(out)
    page.goto(f"{base}map.html")
    page.wait_for_selector("#paper-map[data-ready]")
    assert page.locator("#map-empty").is_visible()
    page.goto(f"{base}papers/h27-001.html")
    page.locator(".paper [data-star]").click()
    page.goto(f"{base}my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#my-papers-list .paper-card").count() == 1
    assert page.locator("#for-you").is_hidden()  # no vectors to rank with
    assert page.console_errors == []
