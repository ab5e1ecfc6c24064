"""Finding papers as researchers do, in a real browser: ranked search, links, Back.

The site is the demo plus papers written for ranking (their words appear nowhere else)
and 120 filler papers, so the list has more than one page of cards.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, load_ok

from miniconf.site.build import freeze_site

pytestmark = pytest.mark.browser

RANKING_PAPERS = {
    # The query "quokka lattice" is this paper's title: it must come first.
    "r-title": (
        "Quokka Lattice Networks",
        "Wes Tarrant",
        "Harbour University",
        "We study a model of something else entirely.",
    ),
    # Both words, many times, but only in the abstract (and next to each other).
    "r-abstract": (
        "A Survey of Marsupial Computing",
        "Ines Okonkwo",
        "Harbour University",
        "Quokka lattice methods, quokka lattice variants and a quokka lattice "
        "benchmark are reviewed.",
    ),
    # Both words, apart: matches the words but not the phrase "quokka lattice".
    "r-apart": (
        "Sparse Coding for Animal Tracking",
        "Pavel Ruiz",
        "Wombat Polytechnic",
        "A lattice of sensors follows every quokka on the island.",
    ),
    # Only the plural: found by "quokka" (stemming), not by "lattice".
    "r-plural": (
        "Counting Island Fauna",
        "Mei Tan",
        "Harbour University",
        "We count quokkas from drone images.",
    ),
}
FILLERS = 120
MATH_PAPER = r"""id: r-math
title: 'Sorting in $O(n \log n)$ Time'
authors: [{name: Ada Math}]
abstract: 'Speedups of $10{\times}{-}25{\times}$, and $<script>window.pwned = 1</script>$
  and $<img src=x onerror="window.pwned = 2">$ stay inert.'
"""


def write_paper(
    folder: Path, paper_id: str, title: str, author: str, affiliation: str, abstract: str
) -> None:
    (folder / f"{paper_id}.yml").write_text(
        f'id: {paper_id}\ntitle: "{title}"\nauthors:\n  - name: {author}\n'
        f'    affiliation: {affiliation}\nabstract: "{abstract}"\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def find_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sitedata = tmp_path_factory.mktemp("find") / "sitedata"
    shutil.copytree(REPO / "sitedata", sitedata, ignore=shutil.ignore_patterns(".miniconf-cache"))
    for paper_id, fields in RANKING_PAPERS.items():
        write_paper(sitedata / "papers", paper_id, *fields)
    for n in range(FILLERS):
        write_paper(
            sitedata / "papers",
            f"f-{n:03d}",
            f"Filler Paper {n:03d}",
            "Sam Filler",
            "Nowhere",
            "Plain text.",
        )
    (sitedata / "papers" / "r-math.yml").write_text(MATH_PAPER, encoding="utf-8")
    # Two different people named Wei Zhang, told apart by ORCID, and one without an id.
    for paper_id, orcid in (
        ("r-wei-a", "0000-0001-0000-000X"),
        ("r-wei-b", "0000-0002-0000-0002"),
        ("r-wei-c", None),
    ):
        identity = f"\n    orcid: {orcid}" if orcid else ""
        (sitedata / "papers" / f"{paper_id}.yml").write_text(
            f"id: {paper_id}\ntitle: Paper {paper_id}\nauthors:\n  - name: Wei Zhang{identity}\n",
            encoding="utf-8",
        )
    out = sitedata.parent / "build"
    freeze_site(load_ok(sitedata), out)
    return out


@pytest.fixture(scope="module")
def site(find_build: Path, serve_folder) -> str:
    return serve_folder(find_build)


def open_papers(page, site: str, query: str = "") -> None:
    page.goto(f"{site}papers.html{query}")
    page.wait_for_selector("#paper-browser[data-abstracts]")


def card_ids(page) -> list[str]:
    return page.locator("#paper-cards .paper-card").evaluate_all(
        "cards => cards.map(card => card.dataset.paperId)"
    )


def test_the_best_match_comes_first_and_is_marked(page, site, find_build):
    total = len(json.loads((find_build / "papers.json").read_text()))
    open_papers(page, site)
    page.fill("#paper-query", "quokka lattice")
    # Title beats an abstract with the words three times; words apart still match.
    assert card_ids(page) == ["r-title", "r-abstract", "r-apart"]
    marks = page.locator("[data-paper-id=r-title] h3 mark").all_inner_texts()
    assert marks == ["Quokka", "Lattice"]
    assert page.inner_text("#paper-count") == f"3 of {total} papers match"
    # A quoted phrase needs its words together.
    page.fill("#paper-query", '"quokka lattice"')
    assert card_ids(page) == ["r-title", "r-abstract"]
    # Stemming and prefixes: "quokkas" finds "quokka", and "quok" finds both while typing.
    page.fill("#paper-query", "quokkas")
    assert set(card_ids(page)) == {"r-title", "r-abstract", "r-apart", "r-plural"}
    page.fill("#paper-query", "quok")
    assert set(card_ids(page)) == {"r-title", "r-abstract", "r-apart", "r-plural"}
    # Whole words only: "lat" is a prefix of "lattice", "attice" is in no word's start.
    page.fill("#paper-query", "attice")
    assert card_ids(page) == []
    # Affiliations are searched (with the authors).
    page.fill("#paper-query", "wombat")
    assert card_ids(page) == ["r-apart"]
    assert page.console_errors == []


def test_latex_renders_as_mathml_and_script_in_it_stays_inert(page, site):
    page.goto(f"{site}papers/r-math.html")
    title_math = page.locator("h1 math")
    assert title_math.count() == 1 and "log" in title_math.text_content()
    formulas = page.locator(".prose math")
    assert formulas.count() == 3
    box = formulas.first.bounding_box()
    assert box["width"] > 30 and box["height"] > 8  # drawn as math, not an empty element
    assert "×" in formulas.first.text_content()
    assert page.locator(".prose script, .prose img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert "$" not in page.inner_text(".prose")
    # The card of the papers page shows the title's math too.
    open_papers(page, site, "?q=sorting")
    card_title = page.locator("[data-paper-id=r-math] h3 a")
    assert card_title.locator("math").count() == 1 and "$" not in card_title.inner_text()
    assert page.console_errors == []


def test_the_header_counts_what_it_opens(page, site):
    page.goto(f"{site}schedule.html")
    page.fill("#site-search-input", "quokka lattice")
    first = page.locator("#site-search-results [role=option]").first
    first.wait_for()
    assert "Quokka Lattice Networks" in first.inner_text()
    all_link = page.locator("#site-search-results .result-all a")
    assert all_link.inner_text() == "All 3 papers matching “quokka lattice”"
    all_link.click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert len(card_ids(page)) == 3
    assert page.console_errors == []


def test_author_keyword_and_track_links_filter_the_list(page, site, find_build):
    open_papers(page, site)
    page.fill("#paper-query", "wombat")
    page.locator("[data-paper-id=r-apart] .byline a", has_text="Pavel Ruiz").click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert card_ids(page) == ["r-apart"]
    assert page.locator("#paper-author-filter").is_visible()
    # From a paper page: "papers by this author" and keyword links.
    page.goto(f"{site}papers/h27-010.html")
    page.locator(".paper .authors a", has_text="Chloé Bérard").click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    ids = card_ids(page)
    assert "h27-010" in ids and all(
        "Chloé Bérard" in page.inner_text(f"[data-paper-id='{i}'] .byline") for i in ids
    )
    page.goto(f"{site}papers/h27-010.html")
    page.locator(".paper .tags a", has_text="neural rendering").click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert "h27-010" in card_ids(page)
    assert page.input_value("#facet-keyword") == "neural rendering"
    assert page.console_errors == []


def test_papers_by_this_author_tells_namesakes_apart_by_orcid(page, site):
    page.goto(f"{site}papers/r-wei-a.html")
    page.locator(".paper .authors a", has_text="Wei Zhang").click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    # The same ORCID, or the same name without an id; not the other Wei Zhang.
    assert sorted(card_ids(page)) == ["r-wei-a", "r-wei-c"]
    page.goto(f"{site}papers/r-wei-c.html")  # no id: every Wei Zhang
    page.locator(".paper .authors a", has_text="Wei Zhang").click()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert sorted(card_ids(page)) == ["r-wei-a", "r-wei-b", "r-wei-c"]
    assert page.console_errors == []


def test_back_from_a_paper_restores_the_cards_and_the_scroll(page, site):
    page.set_viewport_size({"width": 1000, "height": 800})
    open_papers(page, site, "?q=filler")
    for _ in range(6):  # scroll down: more cards load as "Show more" comes into view
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(150)
    count = len(card_ids(page))
    assert count > 50
    target = page.locator("#paper-cards .paper-card").nth(count - 5)
    target.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the position is saved once scrolling pauses
    scroll = page.evaluate("window.scrollY")
    target_id = target.get_attribute("data-paper-id")
    target.locator("h3 a").click()
    page.wait_for_url(f"**/papers/{target_id}.html")
    page.go_back()
    page.wait_for_selector("#paper-browser[data-abstracts]")
    assert len(card_ids(page)) == count
    assert abs(page.evaluate("window.scrollY") - scroll) < 50
    assert page.locator(f"[data-paper-id='{target_id}']").is_visible()
    assert page.console_errors == []
