"""Text that a browser or an XML reader reads differently from the PR check: links that
are relative only in name, characters XML cannot hold. (The refusals with file:line are
cases of tests/corpus, run by test_untrusted.py.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from miniconf.site.markup import render_markdown
from miniconf.structure.loader import load_conference


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str | None] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))

    def handle_data(self, data: str) -> None:
        self.text += data


@pytest.mark.parametrize(
    "markdown",
    [
        "[a talk](//evil.example/x)",
        "[a talk](<//evil.example>)",
        "[a talk]( //evil.example)",
        "[a talk](///evil.example)",
        "[a talk]\n\n[a talk]: //evil.example",
    ],
)
def test_markdown_links_to_another_host_keep_only_their_text(markdown: str):
    parsed = _Links()
    parsed.feed(render_markdown(markdown))
    assert parsed.hrefs == [None]
    assert parsed.text.strip() == "a talk"


@pytest.mark.parametrize("markdown", [r"[a](/\evil.example)", r"[a](\\evil.example)"])
def test_markdown_backslash_links_stay_on_the_site(markdown: str):
    """markdown-it percent-encodes a backslash, so the browser sees a path, not a host."""
    parsed = _Links()
    parsed.feed(render_markdown(markdown))
    (href,) = parsed.hrefs
    assert href is not None and "\\" not in href and not href.startswith("//")


def test_relative_and_absolute_markdown_links_still_work():
    parsed = _Links()
    parsed.feed(render_markdown("[a](papers.html) [b](/pages/about.html) [c](https://a.example/)"))
    assert parsed.hrefs == ["papers.html", "/pages/about.html", "https://a.example/"]


def test_schedule_xml_stays_well_formed_with_unusual_legal_characters(sitedata_copy: Path):
    """What passes validation must make a well-formed schedule.xml: characters XML can
    hold (astral, U+FFFD, private use) pass; U+FFFE is refused (the corpus)."""
    from miniconf.site.frab_export import frab_document, schedule_xml

    sessions_file = sitedata_copy / "sessions.yml"
    sessions = yaml.safe_load(sessions_file.read_text(encoding="utf-8"))
    title = "Odd \U0001f600 \ufffd \ue000 \U0010fffd <&> ]]> end"
    sessions[0]["title"] = title
    sessions[0]["description"] = title
    sessions_file.write_text(yaml.safe_dump(sessions, allow_unicode=True), encoding="utf-8")
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    root = ET.fromstring(schedule_xml(frab_document(conference)))
    assert title in [element.text for element in root.iter("title")]
