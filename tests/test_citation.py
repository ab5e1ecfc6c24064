"""Each paper page offers a citation (BibTeX and plain text) built from its data and the
conference's name and year, with copy buttons."""

from __future__ import annotations

from pathlib import Path

import pytest

from miniconf.site.citation import cite


def test_bibtex_is_built_from_the_paper_and_the_conference(demo_conference):
    paper = demo_conference.paper_by_id["h27-010"]
    citation = cite(demo_conference, paper)
    assert citation.key == "berard2027view"
    assert citation.bibtex.splitlines() == [
        "@inproceedings{berard2027view,",
        "  title = {View-Consistent 3D Scene Editing with Multi-View Diffusion Priors},",
        "  author = {Bérard, Chloé and Feldmann, Jonas and Rahman, Aisha},",
        "  booktitle = {Helios 2027},",
        "  year = {2027},",
        "  url = {https://helios-conf.example.org/papers/h27-010.html}",
        "}",
    ]
    assert citation.text == (
        "Chloé Bérard, Jonas Feldmann and Aisha Rahman. View-Consistent 3D Scene Editing with "
        "Multi-View Diffusion Priors. In Helios 2027, 2027. "
        "https://helios-conf.example.org/papers/h27-010.html"
    )


def test_bibtex_specials_are_escaped_and_braces_cannot_break_the_entry(demo_conference):
    paper = demo_conference.paper_by_id["h27-010"].model_copy(
        update={"title": "100% R&D on C# }{ with_underscores"}
    )
    bibtex = cite(demo_conference, paper).bibtex
    title = next(line for line in bibtex.splitlines() if line.startswith("  title"))
    assert title == r"  title = {100\% R\&D on C\#  with\_underscores},"
    assert bibtex.count("{") == bibtex.count("}")


@pytest.mark.browser
def test_the_copy_button_copies_the_bibtex(browser, frozen_demo: Path, serve_folder):
    site = serve_folder(frozen_demo)
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.rstrip("/"))
    page = context.new_page()
    page.goto(f"{site}papers/h27-010.html")
    page.get_by_role("button", name="Copy BibTeX").click()
    page.locator(".cite-status", has_text="copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@inproceedings{berard2027view,") and "Helios 2027" in copied
    context.close()
