"""$…$ and $$…$$ in titles and abstracts: MathML rendered at build time, sanitized to
math elements only (no script, no links, no styles), with ordinary dollars left alone."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from miniconf.site.markup import render_inline, render_markdown, render_title


def test_latex_becomes_mathml():
    html = render_markdown(r"Speedups of $10{\times}{-}25{\times}$ over $$\sum_i x_i^2$$.")
    assert html.count("<math") == 2
    assert '<math display="inline">' in html and '<math display="block">' in html
    assert "<mo>×</mo>" in html and "<msubsup>" in html and "$" not in html


def test_markdown_does_not_touch_the_math_and_still_works_around_it():
    html = render_markdown(r"**Bold** and $a_1 * b_2$ and *it*")
    assert "<strong>Bold</strong>" in html and "<em>it</em>" in html
    assert "<msub><mi>a</mi><mn>1</mn></msub><mo>*</mo>" in html


@pytest.mark.parametrize(
    "latex",
    [
        r"<script>alert(1)</script>",
        r"<img src=x onerror=alert(1)>",
        r"\href{javascript:alert(1)}{x}",
        r"\style{background:url(//evil)}{x}",
    ],
)
def test_nothing_inside_math_can_run_or_link(latex):
    html = render_markdown(f"Before ${latex}$ after")
    assert "<math" in html
    lowered = html.lower()
    for bad in ("<script", "<img", "onerror", "href", "javascript:", "style=", "url("):
        assert bad not in lowered, html


def test_dollar_amounts_and_unparsable_latex_stay_text():
    assert render_markdown("It costs $5 and $10.") == "<p>It costs $5 and $10.</p>\n"
    assert "<math" not in render_markdown(r"Broken $\frac{a}{$ here")
    assert render_inline(r"Escaped \$x\$ stays") == "Escaped $x$ stays"


def test_a_title_is_escaped_around_its_math():
    html = str(render_title(r"<b>Fast</b> $O(n^2)$ & more"))
    assert html.startswith("&lt;b&gt;Fast&lt;/b&gt; <math") and html.endswith(" &amp; more")


def test_slot_markers_in_authors_text_cannot_inject_math():
    # The private-use characters that mark cut-out math are removed from authors' text.
    html = render_markdown("x \ue0000\ue001 $y$")
    assert html.count("<math") == 1 and "\ue000" not in html


def test_the_iclr_abstracts_with_latex_render_as_math(iclr_dir: Path):
    with (iclr_dir / "papers.csv").open(encoding="utf-8") as handle:
        abstracts = [row["abstract"] for row in csv.DictReader(handle) if "$" in row["abstract"]]
    assert len(abstracts) >= 40
    rendered = [render_markdown(text) for text in abstracts]
    with_math = [html for html in rendered if "<math" in html]
    assert len(with_math) >= 0.9 * len(abstracts)
    assert not any("<script" in html for html in rendered)
