"""Registered attendees only, at build time: what a published copy of the site reveals.

The browser side (unlocking with a code or the passphrase) is tests/test_access_browser.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from access_site import (
    ATTENDEES,
    PAPER_LINKS,
    PASSPHRASE,
    SECRET,
    STREAM_URL,
    AttendeeSite,
    make_attendee_site,
)
from click.testing import CliRunner

from miniconf.cli import cli
from miniconf.site.access import Keys, normalize_code

#: Protected values of the demo conference (and of the additions in access_site.py):
#: talks by id or file, slides and posters by URL or file, and its chat rooms.
DEMO_PROTECTED = [
    "Hx7Kq2LmP0a",
    "Rk4vT9wQz2M",
    "76979871",
    "347119375",
    "38922923",
    "38931207",
    "talk.webm",
    "talk.en.vtt",
    "slides.pdf",
    "poster.pdf",
    "https://helios-conf.example.org/slides/h27-001.pdf",
    "https://helios-conf.example.org/posters/h27-003.pdf",
    "#paper-h27-001:helios-conf.example.org",
    "#session-d1-keynote:helios-conf.example.org",
    "paper-h27-001",
    "chat.helios-conf.example.org/#/room",
]
PROTECTED = [STREAM_URL, *PAPER_LINKS.values(), *DEMO_PROTECTED]
#: Local files that only attendees may see: their bytes must not be in the build either.
PROTECTED_FILES = [
    "media/h27-001/poster.pdf",
    "media/h27-003/slides.pdf",
    "media/h27-003/talk.webm",
    "media/h27-003/talk.en.vtt",
    "media/h27-005/poster.pdf",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> AttendeeSite:
    made = make_attendee_site(tmp_path_factory.mktemp("attendees"))
    made.issue_codes()
    return made


@pytest.fixture(scope="module")
def build(site: AttendeeSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("attendee-build") / "build"
    result = site.freeze(out)
    assert result.exit_code == 0, result.output
    return out


def every_file(folder: Path) -> dict[str, bytes]:
    return {
        file.relative_to(folder).as_posix(): file.read_bytes()
        for file in sorted(folder.rglob("*"))
        if file.is_file()
    }


def searchable(name: str, data: bytes) -> bytes:
    """A file's bytes as a reader would search them: calendars unfolded (RFC 5545 folds
    long lines), HTML entities for & and / undone, JSON's escaped slashes undone, and
    %-escapes decoded (a Matrix link writes '#room:server' as '%23room%3Aserver')."""
    if name.endswith(".ics"):
        data = data.replace(b"\r\n ", b"")
    data = data.replace(b"&amp;", b"&").replace(b"&#x2F;", b"/").replace(b"\\/", b"/")
    return unquote_to_bytes(data)


def test_no_protected_value_appears_anywhere_in_the_build(build: Path, site: AttendeeSite):
    files = every_file(build)
    assert len(files) > 100
    for name, data in files.items():
        text = searchable(name, data)
        for value in PROTECTED:
            assert value.encode() not in text, f"{value!r} is readable in {name}"
    # The protected local files are in the build only encrypted, under other names.
    for relative in PROTECTED_FILES:
        original = (site.sitedata / relative).read_bytes()
        middle = original[len(original) // 2 :][:48]
        assert len(middle) >= 32
        for name, data in files.items():
            assert middle not in data, f"part of {relative} is readable in {name}"
    assert not (build / "assets" / "media" / "h27-001").exists()
    assert not (build / "thumbnails").exists(), "a poster's first page would show the poster"


def test_protected_parts_say_what_is_behind_them(build: Path):
    paper = (build / "papers" / "h27-006.html").read_text()
    assert "Registered attendees: unlock to open the talk, slides and poster." in paper
    assert "Registered attendees: unlock to join the discussion." in paper
    # What anyone may see stays: the abstract, the paper's PDF and code links.
    assert "https://helios-conf.example.org/papers/h27-006.pdf" in paper
    keynote = (build / "sessions" / "d1-keynote.html").read_text()
    assert "Registered attendees: unlock to watch the stream." in keynote
    talk = (build / "papers" / "h27-001.html").read_text()
    for notice in ("watch the talk", "see the poster", "see the slides"):
        assert f"Registered attendees: unlock to {notice}." in talk
    chat = (build / "chat.html").read_text()
    assert "Registered attendees: unlock to join the discussion." in chat
    # The public program is whole: schedule exports keep the session, without its stream.
    assert "UID:d1-keynote@helios-conf.example.org" in (build / "schedule.ics").read_text()
    sessions = json.loads((build / "sessions.json").read_text())["sessions"]
    keynote_record = next(s for s in sessions if s["id"] == "d1-keynote")
    assert keynote_record["stream_url"] is None and keynote_record["room"] == "Main stage"


def _key_material(site: AttendeeSite) -> list[str]:
    keys = Keys.from_secret(SECRET)
    codes = site.issue_codes()
    material = [SECRET, PASSPHRASE]
    for code in codes.values():
        material += [code, normalize_code(code)]
    for raw in (keys.content, keys.nonce, keys.codes):
        material += [raw.hex(), base64.b64encode(raw).decode()]
    return material


def test_no_key_material_in_the_build_or_in_sitedata(build: Path, site: AttendeeSite):
    material = _key_material(site)
    for folder in (build, site.sitedata):
        for name, data in every_file(folder).items():
            for secret in material:
                assert secret.encode() not in data, f"key material in {folder.name}/{name}"
    raw_keys = Keys.from_secret(SECRET)
    for name, data in every_file(build).items():
        assert raw_keys.content not in data and raw_keys.codes not in data, name


def test_two_builds_are_byte_identical_and_another_secret_changes_them(
    site: AttendeeSite, build: Path, tmp_path: Path
):
    again = tmp_path / "again"
    result = site.freeze(again)
    assert result.exit_code == 0
    assert (
        "Registered attendees only: streams, videos, slides, posters, chat, 5 local files "
        "encrypted; 3 ways to unlock"
    ) in result.output  # Ada, Bob and the passphrase
    first, second = every_file(build), every_file(again)
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []
    # The check can fail: a new secret re-keys every sealed part (and the codes).
    rotated = tmp_path / "rotated"
    other = "another-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert (
        site.freeze(rotated, MINICONF_ACCESS_SECRET=other, MINICONF_ACCESS_CODES="").exit_code == 0
    )
    assert (rotated / "papers" / "h27-006.html").read_bytes() != first["papers/h27-006.html"]


@pytest.mark.slow  # three freezes
def test_a_refreeze_with_a_new_secret_reseals_every_page(site: AttendeeSite, tmp_path: Path):
    """Unchanged paper pages are reused by the next freeze: not when the key changed."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    other = {
        "MINICONF_ACCESS_SECRET": "rotated-secret-aa11bb22cc33dd44ee55ff66aa77bb88",
        "MINICONF_ACCESS_CODES": "",
    }
    assert site.freeze(out).exit_code == 0
    assert site.freeze(out, **other).exit_code == 0
    assert site.freeze(fresh, **other).exit_code == 0
    assert every_file(out) == every_file(fresh)


def test_keys_file_holds_one_slot_per_code_not_revoked_and_the_passphrase(build: Path):
    keys = json.loads((build / "access" / "keys.json").read_text())
    assert len(keys["slots"]) == len(ATTENDEES) - 1 + 1  # Eve is revoked; + passphrase
    assert set(keys) == {"version", "key_id", "salt", "passphrase_rounds", "slots"}


def test_public_build_has_no_placeholder_or_script_and_shows_everything(frozen_demo: Path):
    """access: public (the default): the demo as it always was, protected values in the clear."""
    files = every_file(frozen_demo)
    assert not any(name.startswith(("access/", "locked/")) for name in files)
    assert "static/js/access.js" not in files and "static/css/access.css" not in files
    for name, data in files.items():
        assert b"data-sealed" not in data and b"access.js" not in data, name
        assert b"Registered attendees" not in data, name
    paper = searchable("x.html", files["papers/h27-001.html"]).decode()
    assert "Hx7Kq2LmP0a" in paper and "assets/media/h27-001/poster.pdf" in paper
    assert "https://helios-conf.example.org/slides/h27-001.pdf" in paper
    assert "#paper-h27-001:helios-conf.example.org" in paper
    assert (
        files["assets/media/h27-003/talk.webm"]
        == (Path(__file__).parent.parent / "sitedata/media/h27-003/talk.webm").read_bytes()
    )


def test_after_the_conference_access_public_republishes_in_the_clear(
    site: AttendeeSite, tmp_path: Path
):
    config = site.sitedata / "config.yml"
    before = config.read_text()
    try:
        config.write_text(before.replace("mode: attendees", "mode: public"))
        out = tmp_path / "after"
        assert site.freeze(out).exit_code == 0
    finally:
        config.write_text(before)
    keynote = (out / "sessions" / "d1-keynote.html").read_text()
    assert f'href="{STREAM_URL}"' in keynote and "data-sealed" not in keynote
    assert PAPER_LINKS["video"] in (out / "papers" / "h27-006.html").read_text()
    assert STREAM_URL in (out / "sessions.json").read_text()


# --------------------------------------------------------------------------- keys and codes


def test_freeze_without_the_secret_says_how_to_give_it_and_writes_nothing(
    site: AttendeeSite, tmp_path: Path
):
    out = tmp_path / "out"
    result = site.freeze(out, MINICONF_ACCESS_SECRET="")
    assert result.exit_code == 1
    assert "MINICONF_ACCESS_SECRET" in result.output and "GitHub Actions secret" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MINICONF_ACCESS_SECRET": "short"}, "at least 32"),
        ({"MINICONF_ACCESS_PASSPHRASE": "", "MINICONF_ACCESS_CODES": ""}, "nobody could unlock"),
        ({"MINICONF_ACCESS_PASSPHRASE": "abc"}, "shorter than 8"),
    ],
)
def test_unusable_keys_are_refused(site: AttendeeSite, tmp_path: Path, env, message):
    result = site.freeze(tmp_path / "out", **env)
    assert result.exit_code == 1 and message in result.output, result.output


def test_keys_and_attendee_lists_inside_sitedata_are_refused(site: AttendeeSite, tmp_path: Path):
    inside = site.sitedata / "attendees.csv"
    inside.write_text(site.attendees_csv.read_text())
    try:
        result = site.freeze(tmp_path / "out", MINICONF_ACCESS_CODES=str(inside))
    finally:
        inside.unlink()
    assert result.exit_code == 1 and "inside the sitedata folder" in result.output


def test_freeze_refuses_an_attendee_list_inside_a_repository(site: AttendeeSite, tmp_path: Path):
    inside = Path(__file__).parent / "attendees-freeze-test.csv"
    inside.write_text(site.attendees_csv.read_text())
    try:
        result = site.freeze(tmp_path / "out", MINICONF_ACCESS_CODES=str(inside))
    finally:
        inside.unlink()
    assert result.exit_code == 1 and "inside the git working tree" in result.output


def test_codes_are_stable_personal_and_change_with_the_secret(site: AttendeeSite):
    codes = site.issue_codes()
    assert list(codes) == ATTENDEES and len(set(codes.values())) == 3
    assert all(len(normalize_code(code)) == 16 for code in codes.values())
    assert site.issue_codes() == codes  # issuing again changes nothing
    rotated = site.issue_codes(MINICONF_ACCESS_SECRET="x" * 40)
    assert all(rotated[email] != codes[email] for email in ATTENDEES)
    site.issue_codes()  # back to the secret the other tests use
    assert "revoked" in site.attendees_csv.read_text().splitlines()[0]


def test_a_code_issued_under_another_secret_stops_the_freeze(site: AttendeeSite, tmp_path: Path):
    stale = tmp_path / "stale.csv"
    stale.write_text("email,code\nada@example.org,AAAA-BBBB-CCCC-DDDD\n")
    result = site.freeze(tmp_path / "out", MINICONF_ACCESS_CODES=str(stale))
    assert result.exit_code == 1
    assert f"{stale}:2: code: this code was not issued under the current secret" in result.output


def test_codes_command_refuses_a_list_inside_a_repository(site: AttendeeSite):
    inside = Path(__file__).parent / "attendees-test.csv"
    inside.write_text("email\nada@example.org\n")
    try:
        result = CliRunner().invoke(cli, ["access", "codes", str(inside)], env=site.env)
    finally:
        inside.unlink()
    assert result.exit_code == 1 and "inside the git working tree" in result.output


def test_codes_command_reports_a_list_without_an_email_column(site: AttendeeSite, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nAda\n")
    result = CliRunner().invoke(cli, ["access", "codes", str(bad)], env=site.env)
    assert result.exit_code == 1
    assert f"{bad}:1: the attendee list needs an 'email' (or 'id') column" in result.output


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        ("secret", "config.yml:{line}: access: unknown access 'secret'; choose public"),
        (
            {"mode": "attendees", "protect": ["stream"]},
            "access.protect[0]: unknown part 'stream'; choose from streams: the live stream link",
        ),
        (
            {"mode": "attendees", "pages": ["keynote"]},
            "access.pages[0]: unknown kind of page 'keynote'; choose from paper, session",
        ),
        ({"mode": "attendees", "protect": []}, "access: attendees protects nothing"),
    ],
)
def test_access_config_errors_explain_the_choices(tmp_path: Path, access, expected):
    made = make_attendee_site(tmp_path, access=access)
    result = CliRunner().invoke(cli, ["validate", str(made.sitedata)])
    assert result.exit_code == 1
    lines = (made.sitedata / "config.yml").read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("access"))
    assert expected.format(line=line) in result.output, result.output


def test_whole_pages_keep_their_title_and_hide_their_prose_everywhere(tmp_path: Path):
    made = make_attendee_site(tmp_path, access={"mode": "attendees", "pages": ["paper"]})
    out = tmp_path / "build"
    result = made.freeze(out)
    assert result.exit_code == 0, result.output
    page = (out / "papers" / "h27-001.html").read_text()
    title = "Ribbon Attention: Linear-Time Long-Context Transformers with Banded Low-Rank Memory"
    assert f"<h1>{title}</h1>" in page and f"<title>{title} · Helios 2027</title>" in page
    assert "Registered attendees: unlock to read this page." in page
    # The abstract is nowhere: not on the page, not in site search, not in papers.json.
    phrase = b"splits every head into two"
    words = b"summarises"  # one of its words, as site search would index it
    for name, data in every_file(out).items():
        assert phrase not in data and words not in data, name
    # Only paper pages are sealed whole; streams and the rest stay protected by default.
    assert (
        "Registered attendees: unlock to read this page."
        not in (out / "speakers" / "ada-okafor.html").read_text()
    )
    assert STREAM_URL not in (out / "sessions" / "d1-keynote.html").read_text()
