"""The map of a site without tracks (every Mini-Conf import): coloured and named by the
pipeline's clusters, with highlighted and selected papers visible on the canvas."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, load_ok

from miniconf.site.build import freeze_site

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import write_outputs  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = REPO / "tests" / "out"


@pytest.fixture(scope="module")
def trackless_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sitedata = tmp_path_factory.mktemp("trackless") / "sitedata"
    shutil.copytree(REPO / "sitedata", sitedata, ignore=shutil.ignore_patterns(".miniconf-cache"))
    config = yaml.safe_load((sitedata / "config.yml").read_text())
    config.pop("tracks")
    (sitedata / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    for paper in (sitedata / "papers").glob("*.yml"):
        paper.write_text(re.sub(r"(?m)^track: .*\n", "", paper.read_text()))
    write_outputs(sitedata, dims=16)
    out = sitedata.parent / "build"
    freeze_site(load_ok(sitedata), out)
    return out


@pytest.fixture(scope="module")
def site(trackless_build: Path, serve_folder) -> str:
    return serve_folder(trackless_build)


def pixel_at(page, paper: dict) -> list[int]:
    """The canvas pixel at a paper's point in the initial (fitted) view."""
    return page.evaluate(
        """(pos) => {
        const canvas = document.getElementById('map-canvas');
        const rect = canvas.getBoundingClientRect();
        const scale = Math.min(rect.width, rect.height) * 0.92;
        const ratio = canvas.width / rect.width;
        const x = (rect.width / 2 + (pos[0] - 0.5) * scale) * ratio;
        const y = (rect.height / 2 + (pos[1] - 0.5) * scale) * ratio;
        return [...canvas.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data];
    }""",
        paper["pos"],
    )


def test_a_trackless_map_is_coloured_named_and_shows_highlights(page, site, trackless_build):
    papers = json.loads((trackless_build / "papers.json").read_text())
    explore = json.loads((trackless_build / "explore.json").read_text())
    assert explore["tracks"] == [] and len(explore["clusters"]) >= 2
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}map.html")
    page.wait_for_selector("#paper-map[data-ready]")
    page.wait_for_selector("#paper-map[data-labels-drawn]")
    assert int(page.get_attribute("#paper-map", "data-labels-drawn")) >= 1
    # The legend names the regions (for everyone, screen readers included).
    legend = page.locator("#map-legend li").all_inner_texts()
    assert legend == [f"{c['label']} ({len(c['papers'])})" for c in explore["clusters"]]
    assert page.get_attribute("#map-legend", "aria-label") == "Regions of the map"
    # Points are coloured by cluster, not all one grey.
    colours = {tuple(pixel_at(page, paper)[:3]) for paper in papers}
    assert len(colours) >= 3
    target = next(paper for paper in papers if paper["id"] == "h27-001")
    other = next(paper for paper in papers if paper["id"] == "h27-030")
    before = pixel_at(page, other)
    page.fill("#map-query", "ribbon")  # only h27-001
    page.locator("#map-list-heading", has_text="Matching").wait_for()
    assert page.locator("#map-list a").all_inner_texts() == [target["title"]]
    page.wait_for_timeout(100)  # the next animation frame
    # The match is drawn opaque; the others fade (the canvas is transparent over the page).
    dimmed = pixel_at(page, other)
    assert dimmed[3] < before[3] / 2, (before, dimmed)
    assert pixel_at(page, target)[3] == 255
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "map-trackless-highlight.png"))
    # The view and the highlight are in the URL: a reload shows the same.
    page.wait_for_url(re.compile(r"[?&]q=ribbon"))
    page.reload()
    page.wait_for_selector("#paper-map[data-ready]")
    assert page.input_value("#map-query") == "ribbon"
    page.locator("#map-list-heading", has_text="Matching").wait_for()
    assert page.console_errors == []


def test_show_on_the_map_selects_the_paper(page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}papers/h27-010.html")
    page.click("text=Show on the map")
    page.wait_for_selector("#paper-map[data-ready]")
    assert page.inner_text("#map-list-heading") == "Selected papers"
    assert page.locator("#map-list a").all_inner_texts() == [
        page.locator("#map-list a").first.inner_text()
    ]
    assert "View-Consistent 3D Scene Editing" in page.locator("#map-list a").first.inner_text()
    assert page.console_errors == []
