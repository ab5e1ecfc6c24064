"""Markdown from sitedata: CommonMark rendered, then sanitized, since authors' text is
untrusted. (Math inside $…$ is tests/test_math.py; hostile links tests/test_untrusted_*.)"""

from __future__ import annotations

import csv

import pytest

from miniconf.site.markup import render_inline, render_markdown


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Plain prose, 100% of it.", "<p>Plain prose, 100% of it.</p>\n"),
        (
            "First paragraph\nwraps.\n\n\nSecond.",
            "<p>First paragraph\nwraps.</p>\n<p>Second.</p>\n",
        ),
        ("*emphasis* and **strong**", "<p><em>emphasis</em> and <strong>strong</strong></p>\n"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
        ("1. first", "<ol>\n<li>first</li>\n</ol>\n"),
        ("`x < y`", "<p><code>x &lt; y</code></p>\n"),
        ("# A heading", "<h2>A heading</h2>\n"),  # never outranks the page's own <h1>
        (
            "a | b\n--|--\n1 | 2",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
            "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n",
        ),
    ],
)
def test_markdown_renders_as_commonmark(text, html):
    assert render_markdown(text) == html


def test_links_keep_safe_targets_only():
    html = render_markdown("[site](https://example.org) [bad](javascript:alert(1)) [rel](a.html)")
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="javascript' not in html
    assert 'href="a.html"' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_raw_html_is_shown_as_text_never_run(text):
    for html in (render_markdown(text), render_inline(text)):
        assert "<script" not in html and "<img" not in html and "<iframe" not in html
        assert "<a " not in html


def test_inline_fields_have_no_blocks():
    assert render_inline("a *b* `c`") == "a <em>b</em> <code>c</code>"
    assert "<p>" not in render_inline("one line")
    assert render_markdown("") == "" and render_inline("") == ""


def test_real_abstracts_render_as_paragraphs_without_markup_left(iclr_dir):
    with (iclr_dir / "papers.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    abstracts = [row["abstract"] for row in rows if row.get("abstract")]
    assert len(abstracts) > 600
    for text in abstracts:
        html = render_markdown(text)
        assert html.startswith(("<p>", "<ul>", "<ol>", "<h2>", "<pre>", "<blockquote>")), text
        assert "<script" not in html and " on" not in html.split(">", 1)[0]
