"""Validation: every kind of mistake is reported with its file, line and field."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from miniconf.structure.loader import load_conference
from miniconf.structure.models import _has_space_or_control
from miniconf.structure.problems import Severity


def problems_of(root: Path) -> list[str]:
    conference, problems = load_conference(root)
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    assert conference is None, "expected the conference to be rejected"
    return errors


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PAPER = """\
id: {id}
title: A paper about things
authors:
  - name: Ada Lovelace
abstract: Something substantial.
track: language
"""


def test_demo_is_valid(demo_conference):
    assert len(demo_conference.papers) >= 40
    assert len({paper.track for paper in demo_conference.papers}) >= 5
    assert len(demo_conference.speakers) >= 3
    assert len(demo_conference.workshops) >= 2


def test_unknown_field_is_an_error_with_a_suggestion(sitedata_copy):
    paper = sitedata_copy / "papers" / "h27-001.yml"
    text = paper.read_text().replace("title:", "titel:", 1)
    write(paper, text)
    lines = text.splitlines()
    line = lines.index(next(entry for entry in lines if entry.startswith("titel:"))) + 1
    errors = problems_of(sitedata_copy)
    expected = (
        f"sitedata/papers/h27-001.yml:{line}: titel: unknown field 'titel'; did you mean 'title'?"
    )
    # One typo, one error: not also "title: required field is missing", nor "no paper
    # with id 'h27-001'" wherever sessions.yml lists it (issue 15).
    assert len(errors) == 1 and errors[0].endswith(expected), errors


def test_missing_field_and_wrong_type(sitedata_copy):
    write(sitedata_copy / "papers" / "zz-1.yml", "id: zz-1\ntitle: T\nauthors: Ada\n")
    errors = problems_of(sitedata_copy)
    assert any("papers/zz-1.yml:3: authors: Input should be a valid list" in e for e in errors)


def test_nested_field_error_points_at_its_line(sitedata_copy):
    write(
        sitedata_copy / "papers" / "zz-2.yml",
        "id: zz-2\ntitle: T\nauthors:\n  - name: Ada\n  - affiliation: Nowhere\n",
    )
    errors = problems_of(sitedata_copy)
    assert any("papers/zz-2.yml:5: authors[1].name: required field is missing" in e for e in errors)


def test_all_problems_are_reported_at_once(sitedata_copy):
    write(sitedata_copy / "papers" / "zz-3.yml", "id: zz-3\ntitle: T\n")
    write(sitedata_copy / "papers" / "zz-4.yml", "id: zz-4\nauthors: []\n")
    errors = problems_of(sitedata_copy)
    assert any("zz-3.yml" in e for e in errors) and any("zz-4.yml" in e for e in errors)


def test_id_must_match_file_name(sitedata_copy):
    write(sitedata_copy / "papers" / "zz-5.yml", PAPER.format(id="zz-6"))
    assert any(
        "zz-5.yml:1: id: 'zz-6' does not match the file name" in e
        for e in problems_of(sitedata_copy)
    )


@pytest.mark.parametrize("bad_id", ["../etc", "a/b", "has space", ".hidden", "é-accent", "x" * 101])
def test_ids_unsafe_as_file_names_are_refused(sitedata_copy, bad_id):
    sessions = sitedata_copy / "speakers.yml"
    text = sessions.read_text()
    first_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    write(sessions, text.replace(f"id: {first_id}", f"id: {bad_id!r}", 1))
    errors = problems_of(sitedata_copy)
    # The message names the offending character (or the length), not just the pattern.
    assert any(
        "speakers.yml:" in e
        and ("[0].id: id may use only ASCII" in e or "[0].id: id is 101 characters long" in e)
        for e in errors
    )


def test_duplicate_ids_name_both_places(sitedata_copy):
    speakers = sitedata_copy / "speakers.yml"
    text = speakers.read_text()
    first_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    second_id = text.split("id: ")[2].split("\n", 1)[0]
    write(speakers, text.replace(f"id: {second_id}", f"id: {first_id}"))
    errors = problems_of(sitedata_copy)
    assert any(f"duplicate speaker id '{first_id}' (also at" in e for e in errors)


def test_ids_differing_only_in_case_collide(sitedata_copy):
    write(sitedata_copy / "papers" / "Dup-1.yml", PAPER.format(id="Dup-1"))
    write(sitedata_copy / "papers" / "dup-1.yml", PAPER.format(id="dup-1"))
    assert any("duplicate paper id" in e for e in problems_of(sitedata_copy))


def test_dangling_references(sitedata_copy):
    sessions = sitedata_copy / "sessions.yml"
    text = sessions.read_text()
    text = text.replace("h27-001", "h27-999", 1)
    speaker_line = next(line for line in text.splitlines() if "speakers: [" in line)
    text = text.replace(speaker_line, speaker_line.split("[")[0] + "[nobody]", 1)
    lines = text.splitlines()
    workshop_line = next(entry for entry in lines if entry.strip().startswith("workshop: "))
    text = text.replace(workshop_line, workshop_line.split(":")[0] + ": no-such-workshop", 1)
    write(sessions, text)
    errors = problems_of(sitedata_copy)
    lines = text.splitlines()
    paper_line = next(i for i, line in enumerate(lines, 1) if "h27-999" in line)
    assert any(
        f"sessions.yml:{paper_line}:" in e and "no paper with id 'h27-999'" in e for e in errors
    )
    assert any("no speaker with id 'nobody'" in e for e in errors)
    assert any("no workshop with id 'no-such-workshop'" in e for e in errors)


def test_unknown_track(sitedata_copy):
    paper = sitedata_copy / "papers" / "h27-001.yml"
    text = paper.read_text()
    track_line = next(line for line in text.splitlines() if line.startswith("track:"))
    write(paper, text.replace(track_line, "track: astrology"))
    line = text.splitlines().index(track_line) + 1
    assert any(
        f"h27-001.yml:{line}: track: unknown track 'astrology'" in e
        for e in problems_of(sitedata_copy)
    )


def test_yaml_syntax_error_and_duplicate_key_have_lines(sitedata_copy):
    write(sitedata_copy / "papers" / "zz-7.yml", "id: zz-7\ntitle: [unclosed\nauthors: []\n")
    write(sitedata_copy / "papers" / "zz-8.yml", "id: zz-8\ntitle: A\ntitle: B\n")
    errors = problems_of(sitedata_copy)
    assert any("zz-7.yml:" in e and "invalid YAML" in e for e in errors)
    assert any("zz-8.yml:3: key 'title' given twice (first on line 2)" in e for e in errors)


@pytest.mark.parametrize(
    "value, message",
    [
        ("2027-02-30", "the date '2027-02-30' is not valid (day is out of range for month)"),
        ("!!int 'x'", "the int 'x' is not valid"),
        ("!!seq {x: 1}", "!!seq needs a list"),
    ],
)
def test_a_value_its_type_cannot_hold_is_a_problem_on_its_line(sitedata_copy, value, message):
    paper = sitedata_copy / "papers" / "h27-001.yml"
    write(paper, paper.read_text() + f"extra: {value}\n")
    lines = paper.read_text().count("\n")
    errors = problems_of(sitedata_copy)
    assert any(f"h27-001.yml:{lines}: invalid YAML: {message}" in e for e in errors), errors


def test_session_ending_before_it_starts(sitedata_copy):
    sessions = sitedata_copy / "sessions.yml"
    text = sessions.read_text()
    start = next(line for line in text.splitlines() if line.strip().startswith("start:"))
    end = next(line for line in text.splitlines() if line.strip().startswith("end:"))
    write(sessions, text.replace(end, end.split(":")[0] + ": 2027-05-10T08:00", 1))
    errors = problems_of(sitedata_copy)
    assert any("sessions.yml:" in e and "before it starts" in e for e in errors), errors
    assert start


def test_paper_in_no_session_is_a_warning(sitedata_copy):
    write(sitedata_copy / "papers" / "zz-9.yml", PAPER.format(id="zz-9"))
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None
    warnings = [str(p) for p in problems if p.severity is Severity.WARNING]
    assert any("zz-9.yml:1: warning: id: paper is in no session" in w for w in warnings)


def test_cli_validate_reports_path_line_and_exits_nonzero(sitedata_copy, tmp_path):
    write(sitedata_copy / "papers" / "zz-10.yml", "id: zz-10\ntitle: T\nauthors: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "miniconf", "validate", "sitedata"],
        cwd=sitedata_copy.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "sitedata/papers/zz-10.yml:3: authors: List should have at least 1 item" in result.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "miniconf", "validate", str(Path("sitedata"))],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: ")


def test_url_check_reads_ascii_as_the_per_character_rule_does():
    """models._has_space_or_control takes a regex for ASCII text; same answer per character."""
    for code in range(128):
        char = chr(code)
        expected = char.isspace() or unicodedata.category(char) == "Cc"
        for text in (char, f"https://a.example/{char}x"):
            assert _has_space_or_control(text) == expected, code
    assert _has_space_or_control("https://é.example/\u00a0") is True  # no-break space
    assert _has_space_or_control("https://é.example/\u0085") is True  # NEL, a control
    assert _has_space_or_control("https://é.example/ok") is False


def test_every_overlap_in_a_room_is_reported_once(sitedata_copy):
    """Sessions are compared room by room: each overlapping pair in one room, named from
    the later entry, and none across rooms or without a room."""

    def session(name: str, start: str, end: str, room: str | None) -> str:
        where = f"  room: {room}\n" if room else ""
        return (
            f"- id: {name}\n  title: {name}\n  type: social\n"
            f"  start: 2027-05-11T{start}\n  end: 2027-05-11T{end}\n{where}"
        )

    (sitedata_copy / "sessions.yml").write_text(
        "".join(
            [
                session("a1", "09:00", "11:00", "A"),
                session("b1", "09:00", "10:00", "B"),
                session("a2", "10:00", "12:00", "A"),  # overlaps a1
                session("n1", "09:00", "12:00", None),  # no room: overlaps nothing
                session("b2", "10:00", "11:00", "B"),  # touches b1 only
                session("a3", "10:30", "10:45", "A"),  # overlaps a1 and a2
                session("c1", "09:00", "12:00", "C"),
            ]
        ),
        encoding="utf-8",
    )
    conference, problems = load_conference(sitedata_copy)
    overlaps = sorted((p.line, p.field, p.message) for p in problems if "overlaps" in p.message)
    assert overlaps == [
        (16, "[2].start", "overlaps session 'a1' in room 'A' (line 4)"),
        (33, "[5].start", "overlaps session 'a1' in room 'A' (line 4)"),
        (33, "[5].start", "overlaps session 'a2' in room 'A' (line 16)"),
    ]


def _safe_url_by_urlsplit(value: str) -> str:
    """models._safe_url as it was before its shortcut for plain web links."""
    from urllib.parse import urlsplit

    value = value.strip()
    if not value or any(c.isspace() or unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must be a URL without spaces")
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme.lower() not in ("http", "https", "mailto"):
            raise ValueError(
                f"URL scheme '{parts.scheme}:' is not allowed (use http, https or mailto)"
            )
        if parts.scheme.lower() in ("http", "https") and not parts.netloc:
            raise ValueError("must name a host, e.g. https://example.org/")
    elif value[:2] in ("//", "/\\", "\\\\", "\\/"):  # what browsers read as another host
        raise ValueError("protocol-relative URLs are not allowed; write https://")
    return value


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/papers/p1.pdf",
        "http://a.example",
        "https://a.example/?q=1#f",
        "https://a..b/",
        "https://-a-/x",
        "https://a.example/[x]",
        "https://[::1]/x",
        "https://[::1/x",
        "https://a]b/",
        "http://a.example:8080/x",
        "https://é.example/x",
        "https://a.example/é",
        "HTTPS://A.EXAMPLE/",
        "https:a.example",
        "https:///x",
        "https://",
        "https://a.example\\x",
        "javascript:alert(1)",
        "//a.example/x",
        "mailto:a@b.example",
        "papers/p1.pdf",
        " https://a.example/x ",
        "https://a b/",
    ],
)
def test_url_shortcut_agrees_with_urlsplit(url):
    from miniconf.structure.models import _safe_url

    def outcome(check):
        try:
            return "ok", check(url)
        except ValueError as error:
            return "error", str(error)

    assert outcome(_safe_url) == outcome(_safe_url_by_urlsplit)


def test_unreadable_paper_files_are_problems(sitedata_copy):
    papers = sitedata_copy / "papers"
    (papers / "folder.yml").mkdir()
    (papers / "gone.yml").symlink_to(sitedata_copy / "no-such-file.yml")
    errors = problems_of(sitedata_copy)
    assert any(
        error.endswith("papers/folder.yml:1: cannot read: Is a directory") for error in errors
    ), errors
    # A link is refused whether or not it leads anywhere (see test_untrusted_files.py).
    assert any(
        error.endswith(
            "papers/gone.yml:1: is a symbolic link; content files must be "
            "regular files inside the sitedata folder (commit the file itself)"
        )
        for error in errors
    ), errors
