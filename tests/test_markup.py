"""Markdown rendering: plain prose skips the parser and the sanitizer, and must come out
exactly as they would make it."""

from __future__ import annotations

import csv
import random

import pytest

from miniconf.site import markup


def parsed_block(text: str) -> str:
    """What the Markdown parser makes of the text (the path every non-plain text takes)."""
    html = markup._parser().render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return markup.sanitize(html)


def parsed_inline(text: str) -> str:
    return markup.sanitize(markup._parser().renderInline(text))


def assert_same_as_parser(text: str) -> bool:
    """Checks the shortcut against the parser; True when the shortcut applied."""
    plain = markup._plain_paragraphs(text)
    if plain is None:
        return False
    assert plain == parsed_block(text), repr(text)
    if markup._cut_math(text)[1]:  # $math$ becomes MathML (tests/test_math.py)
        return True
    assert markup.render_markdown(text) == plain
    if "\n" not in text:
        assert markup.render_inline(text) == parsed_inline(text), repr(text)
    return True


@pytest.mark.parametrize(
    "text",
    [
        "We study syntax. It works (mostly): 9.1 pt, 100% of the time!",
        'A "quoted" claim, an e-mail a@b.org and $x$ in C++ = fine.',
        "First paragraph\nwraps here.\n\n\n\nSecond one.\n",
        "Ünïcödé wörds — and digits 2019 in the middle.",
    ],
)
def test_plain_prose_takes_the_shortcut_and_matches_the_parser(text):
    assert assert_same_as_parser(text)


@pytest.mark.parametrize(
    "text",
    [
        "1. a list item",
        "2019) also a list",
        "- bullet",
        "+ bullet",
        "Heading\n===",
        "Heading\n---",
        "    indented code",
        "two spaces at the end  \nmake a line break",
        "*emphasis* and _this_",
        "a [link](https://example.org)",
        "an &amp; entity and <b>html</b>",
        "`code`",
        "# heading",
        "> quote",
        "~~~\nfence\n~~~",
        "a | table | row",
        "non\u00a0breaking space",
    ],
)
def test_markdown_goes_through_the_parser(text):
    assert markup._plain_paragraphs(text) is None
    assert markup.render_markdown(text) == parsed_block(text)


def test_random_texts_render_the_same_either_way():
    alphabet = list("ab cdé1 2.\n\n,;:'\"?%/()!$@+=-–—“”_*#`<>&[]~|\\\t\u00a0")
    rng = random.Random(7)
    shortcut = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        shortcut += assert_same_as_parser(text)
    assert shortcut > 1_000, "the shortcut should apply to a good share of these"


def test_real_abstracts_render_the_same_either_way(iclr_dir):
    with (iclr_dir / "papers.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    texts = [row.get(field) or "" for row in rows for field in ("abstract", "title", "TLDR")]
    shortcut = sum(assert_same_as_parser(text) for text in texts if text)
    assert shortcut > len(texts) // 2, "most real abstracts are plain prose"
