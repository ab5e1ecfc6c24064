"""Bounded fuzzing (hypothesis) of the two parsers strangers' text goes through: the YAML
loader and the Markdown renderer. No input may crash them (anything but a YamlProblem
or a list of problems), hang them (each input has a deadline), or, for Markdown, give
HTML outside the allow-list.

The number of inputs is fixed so that ``make test`` stays fast (a few seconds);
``MINICONF_FUZZ_SCALE=20`` tries twenty times as many. No example database is written.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miniconf.site.markup import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    MATH_ATTRIBUTES,
    MATH_TAGS,
    render_inline,
    render_markdown,
)
from miniconf.structure.loader import load_conference
from miniconf.structure.yamlsource import LineDict, LineList, YamlProblem, parse_yaml

SCALE = int(os.environ.get("MINICONF_FUZZ_SCALE", "1"))


def fuzz(examples: int):
    return settings(
        max_examples=examples * SCALE,
        deadline=2_000,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


#: Characters that mean something to YAML, line breaks of every kind, a BOM, tabs.
YAML_ALPHABET = list("-?:,[]{}#&*!|>'\"%@`~ \n\t\r.0123456789abcxyz=\\") + [
    "\ufeff",
    "\x85",
    "\u2028",
    "\x00",
    "é",
    "\U0001f600",
    "\ufffe",
]
YAML_PIECES = [
    "- ",
    ": ",
    "key: ",
    "&a ",
    "*a",
    "!!set ",
    "!!python/object:os.system ",
    "? ",
    "---\n",
    "...\n",
    "|\n  ",
    ">-\n  ",
    "!!binary ",
    "<<: *a\n",
    "  ",
    "\n",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "\\u0000",
    "2027-02-30",
    "0o17",
    ".inf",
]
yaml_text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(YAML_ALPHABET), max_size=400),
    st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=5), max_size=60).map("".join),
)


def _plain(value):
    """LineDict/LineList as plain dicts and lists, to compare with PyYAML."""
    if isinstance(value, LineDict | dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, LineList | list):
        return [_plain(item) for item in value]
    return value


@fuzz(600)
@given(yaml_text)
def test_yaml_loader_never_crashes(text: str):
    try:
        parse_yaml(text)
    except YamlProblem as problem:
        assert problem.line >= 1 and problem.message


documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.floats(allow_nan=False),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@fuzz(300)
@given(documents, st.booleans())
def test_yaml_loader_reads_what_pyyaml_writes_as_pyyaml_reads_it(document, flow: bool):
    """Every layer (the plain reader, the untagged walk, the constructor) must build
    exactly what PyYAML's own safe loader builds."""
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    expected = yaml.safe_load(text)
    try:
        assert _plain(parse_yaml(text)) == expected
    except YamlProblem as problem:  # only for what the loader refuses on purpose
        assert re.search(r"nested more than|control character|not valid", problem.message), (
            problem.message
        )


@pytest.fixture(scope="module")
def tiny_sitedata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "sitedata"
    (root / "papers").mkdir(parents=True)
    (root / "config.yml").write_text("name: Fuzz\nstart_date: 2027-05-11\nend_date: 2027-05-12\n")
    return root


@fuzz(150)
@given(st.one_of(yaml_text.map(str.encode), st.binary(max_size=300)))
def test_loading_any_paper_file_gives_problems_never_a_crash(tiny_sitedata: Path, data: bytes):
    (tiny_sitedata / "papers" / "p1.yml").write_bytes(data)
    conference, problems = load_conference(tiny_sitedata)
    if conference is None:
        assert any(problem.path.endswith("papers/p1.yml") for problem in problems)


MARKDOWN_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "![",
    "*",
    "_",
    "`",
    "```",
    "~~~",
    "#",
    "> ",
    "- ",
    "1. ",
    "|",
    "---",
    "\n",
    "\n\n",
    "    ",
    "&",
    "&#x61;",
    "&amp;",
    "\\",
    "javascript:",
    "data:",
    "//evil.example",
    "/\\evil",
    "vbscript:",
    "<script>",
    "</script>",
    "<img src=x onerror=1>",
    "<a href='javascript:x'>",
    "onload=",
    '"',
    "'",
    "http://a.example",
    "mailto:a@b",
    "<svg>",
    "<style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "\u202e",
    "\x00",
    "\ufffd",
]
markdown_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(max_size=4), max_size=50).map("".join),
)


class _Checker(HTMLParser):
    """Fails on any tag, attribute or link outside what the sanitizers allow (prose, and
    the MathML of $…$)."""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in ALLOWED_TAGS | MATH_TAGS, tag
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | MATH_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            assert name in allowed | {"rel"}, (tag, name)
            if name == "href":
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                assert scheme is None or scheme.group(1).lower() in ALLOWED_SCHEMES, value
                assert not re.match(r"\s*[/\\]{2}", value or ""), value


@fuzz(500)
@given(markdown_text)
def test_markdown_renders_any_text_to_allowed_html(text: str):
    for html in (render_markdown(text), render_inline(text)):
        checker = _Checker()
        checker.feed(str(html))
        checker.close()
