"""Page reuse (site/incremental.py): a freeze that hard-links pages from the previous
build writes exactly the site a fresh freeze writes, whatever was edited, and it reuses
pages on a fresh checkout with the build and cache restored, as the deploy workflow does."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load_ok

from miniconf.site.build import freeze_site


def replace_once(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_title(sitedata: Path) -> None:
    replace_once(sitedata / "papers" / "h27-002.yml", 'title: "', 'title: "Edited ')


def edit_tldr(sitedata: Path) -> None:  # on the paper's cards, not in the program
    replace_once(sitedata / "papers" / "h27-002.yml", 'tldr: "', 'tldr: "Edited. ')


def edit_abstract(sitedata: Path) -> None:  # on its page and in the search index only
    replace_once(sitedata / "papers" / "h27-002.yml", "abstract: |\n  ", "abstract: |\n  Edited. ")


def rename_author(sitedata: Path) -> None:  # shown on the pages listing it as similar
    replace_once(sitedata / "papers" / "h27-004.yml", "- name: ", "- name: Renamed ")


def move_session(sitedata: Path) -> None:
    replace_once(sitedata / "sessions.yml", "room: ", "room: Atrium ")


def rename_speaker(sitedata: Path) -> None:  # speakers.yml is shared by every page
    replace_once(sitedata / "speakers.yml", "name: ", "name: Prof. ")


def replace_poster(sitedata: Path) -> None:  # a new thumbnail version on two pages
    poster = sitedata / "media" / "h27-001" / "poster.pdf"
    shutil.copyfile(sitedata / "media" / "h27-005" / "poster.pdf", poster)


def rename_conference(sitedata: Path) -> None:  # in every page's header
    replace_once(sitedata / "config.yml", "name: ", "name: Renamed ")


EDITS: list[Callable[[Path], None]] = [
    edit_title,
    edit_tldr,
    edit_abstract,
    rename_author,
    move_session,
    rename_speaker,
    replace_poster,
    rename_conference,
]


def files_of(build: Path) -> dict[str, bytes]:
    return {
        str(file.relative_to(build)): file.read_bytes()
        for file in sorted(build.rglob("*"))
        if file.is_file()
    }


def inodes(build: Path) -> dict[str, int]:
    """The files that may be reused: paper and session pages, sessions' calendar files."""
    return {
        str(page.relative_to(build)): page.stat().st_ino
        for folder in ("papers", "sessions")
        for page in (build / folder).iterdir()
    }


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_a_refreeze_after_an_edit_writes_what_a_fresh_freeze_writes(
    sitedata_copy: Path, tmp_path: Path, edit: Callable[[Path], None]
):
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata_copy), out)
    before = inodes(out)
    edit(sitedata_copy)
    conference = load_ok(sitedata_copy)
    freeze_site(conference, out)
    fresh = tmp_path / "fresh"
    freeze_site(conference, fresh)
    assert files_of(out) == files_of(fresh)
    after = inodes(out)
    rendered = {page for page in after if after[page] != before.get(page)}
    if edit in (rename_conference, rename_speaker):
        assert rendered == set(after), "a change to what every page shares left pages stale"
    else:  # the edit reached some pages, and the rest were the previous build's files
        assert rendered and len(rendered) < len(after) // 2, sorted(rendered)


SITE_FILES = (
    "papers.json",
    "papers.html",
    "search.json",
    "schedule.html",
    "schedule.ics",
    "schedule.json",
    "schedule.xml",
)


#: papers.json shows nearly all of every paper and is always rewritten.
PROGRAM = {"papers.html", "schedule.html", "schedule.ics", "schedule.json", "schedule.xml"}


@pytest.mark.parametrize(
    ("edit", "rewritten"),
    [
        (edit_title, {"papers.json", *PROGRAM}),
        (edit_tldr, {"papers.json"}),
        (edit_abstract, {"papers.json", "search.json"}),
        (move_session, set(SITE_FILES)),
    ],
    ids=lambda value: value.__name__ if callable(value) else "",
)
def test_files_of_every_paper_are_rewritten_only_when_what_they_show_changed(
    sitedata_copy: Path, tmp_path: Path, edit: Callable[[Path], None], rewritten: set[str]
):
    """An author's TL;DR fix must not rewrite the program and the search index of
    10,000 papers; a new title must."""
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata_copy), out)
    before = {name: (out / name).stat().st_ino for name in SITE_FILES}
    edit(sitedata_copy)
    freeze_site(load_ok(sitedata_copy), out)
    after = {name: (out / name).stat().st_ino for name in SITE_FILES}
    assert {name for name in SITE_FILES if after[name] != before[name]} == rewritten


def test_the_pages_an_edit_touches_are_rendered_again(sitedata_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    conference = load_ok(sitedata_copy)
    freeze_site(conference, out)
    before = inodes(out)
    move_session(sitedata_copy)
    edited = load_ok(sitedata_copy)
    [moved] = [
        session
        for session in edited.sessions
        if session.room != conference.session_by_id[session.id].room
    ]
    freeze_site(edited, out)
    after = inodes(out)
    expected = {
        f"sessions/{moved.id}.html",
        f"sessions/{moved.id}.ics",
        *(f"papers/{paper}.html" for paper in moved.papers),
    }
    assert {page for page in after if after[page] != before[page]} == expected


def test_a_fresh_checkout_with_the_build_and_cache_restored_reuses_pages(
    sitedata_copy: Path, tmp_path: Path
):
    """The deploy workflow restores build/ and .miniconf-cache/ on a new machine: every
    file has a new modification time and inode, and unchanged pages are still reused."""
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata_copy), out)
    checkout = tmp_path / "fresh-checkout"
    # copyfile, not copy2: new modification times, as a git checkout makes them.
    shutil.copytree(sitedata_copy, checkout / "sitedata", copy_function=shutil.copyfile)
    shutil.copytree(out, checkout / "build", copy_function=shutil.copyfile)
    restored = checkout / "build"
    before = inodes(restored)
    edit_title(checkout / "sitedata")
    conference = load_ok(checkout / "sitedata")
    freeze_site(conference, restored)
    after = inodes(restored)
    rendered = sorted(page for page in after if after[page] != before[page])
    assert "papers/h27-002.html" in rendered and len(rendered) < len(after) // 2, rendered
    freeze_site(conference, tmp_path / "fresh")
    assert files_of(restored) == files_of(tmp_path / "fresh")
