"""Six real Mini-Conf-family sites come across whole: counts from the source files
themselves, then validate, freeze and link-check (shared/data/real-sites, skipped
cleanly when absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from miniconf.chat.mapping import read_rooms_file
from miniconf.importers.miniconf import import_miniconf
from miniconf.site.build import freeze_site
from miniconf.site.linkcheck import check_links
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference
from miniconf.structure.problems import Severity


def _rows(file: Path) -> list[dict]:
    with file.open(encoding="utf-8-sig", newline="") as stream:
        return [
            {key.lower(): value for key, value in row.items()} for row in csv.DictReader(stream)
        ]


@pytest.fixture(scope="module")
def real_sites(shared_dir: Path) -> Path:
    folder = shared_dir / "data" / "real-sites"
    if not folder.is_dir():
        pytest.skip("shared/data/real-sites is not there")
    return folder


@pytest.fixture(scope="module")
def imported(real_sites: Path, tmp_path_factory: pytest.TempPathFactory):
    """Import a site once per module: (source folder, summary, conference)."""
    done: dict[str, tuple] = {}

    def run(name: str):
        if name not in done:
            out = tmp_path_factory.mktemp(name) / "sitedata"
            summary = import_miniconf(real_sites / name, out)  # no --allow-loss: none lost
            conference, problems = load_conference(out)
            errors = [str(p) for p in problems if p.severity is Severity.ERROR]
            assert conference is not None and not errors, errors
            done[name] = real_sites / name, summary, conference
        return done[name]

    return run


def _memberships(conference: Conference) -> int:
    return sum(len(session.papers) for session in conference.sessions)


def _assert_freezes_clean(conference: Conference, out: Path) -> None:
    freeze_site(conference, out)
    checked, broken = check_links(out)
    assert checked > 1000 and broken == []


def test_colt2020(imported, tmp_path: Path):
    source, summary, conference = imported("colt2020")
    papers = _rows(source / "papers.csv")
    open_problems = _rows(source / "open_problems.csv")
    assert len(conference.papers) == len(papers) + len(open_problems) == 125
    problem = conference.paper_by_id[open_problems[0]["uid"]]
    assert problem.type == "Open problem" and problem.title == open_problems[0]["title"]
    # `session` (not `sessions`) holds "Session 1A|Session 1E": every paper in both.
    pairs = {(row["uid"], name) for row in papers for name in row["session"].split("|")}
    tally = summary.tallies["session memberships"]
    assert tally.source == tally.imported == len(pairs) == 240
    first = conference.paper_by_id[papers[0]["uid"]]
    assert {s.title for s in conference.sessions_of_paper(first.id)} == set(
        papers[0]["session"].split("|")
    )
    assert first.media.video.source == ("slideslive", papers[0]["slideslive_1"])
    calendar = json.loads((source / "main_calendar.json").read_text())
    assert len(conference.sessions) == len(calendar)
    # chairs.csv names each session's chair; times keep their zone (EDT), not UTC.
    chair = _rows(source / "chairs.csv")[0]
    session = next(s for s in conference.sessions if s.title == chair["uid"])
    assert session.chairs == [chair["chair"]]
    assert conference.config.timezone == "America/New_York"
    assert conference.config.start_date.isoformat() == "2020-07-08"
    assert [s.name for s in conference.speakers] == [
        row["speaker"] for row in _rows(source / "speakers.csv")
    ]
    _assert_freezes_clean(conference, tmp_path / "build")


def test_eeml2020_comma_authors_and_youtube(imported, tmp_path: Path):
    source, summary, conference = imported("eeml2020")
    papers = _rows(source / "papers.csv")
    assert len(conference.papers) == len(papers)
    first = conference.paper_by_id[papers[0]["uid"]]
    assert first.author_names == [a.strip() for a in papers[0]["authors"].split(",")]
    assert len(first.author_names) == 6
    assert _memberships(conference) == sum(bool(row["session"]) for row in papers)
    # One URL of the source is broken (".../embed/44"): counted, not embedded.
    youtube = [row for row in papers if len(row["youtubeurl"].split("/embed/")[-1]) == 11]
    assert len(youtube) == len(papers) - 1
    with_video = [p for p in conference.papers if p.media and p.media.video]
    assert len(with_video) == len(youtube) == summary.tallies["videos"].imported
    # Lectures link calendar tabs, not speaker pages: their titles name the talks.
    lecture = next(
        s for s in conference.sessions if s.title == "Overview of Unsupervised Learning (Mihaela)"
    )
    assert [conference.speaker_by_id[i].name for i in lecture.speakers] == ["Mihaela Rosca"]
    assert lecture.type == "keynote"
    # The map comes across and is what the site shows.
    assert summary.tallies["map positions"].imported == len(papers)
    _assert_freezes_clean(conference, tmp_path / "build")
    assert "pos" in json.loads((tmp_path / "build" / "papers.json").read_text())[0]


def test_ismir2024_capitalized_headers_affiliations_and_slack(imported, tmp_path: Path):
    source, summary, conference = imported("ismir2024")
    papers = _rows(source / "papers.csv")
    demos = _rows(source / "lbd.csv")  # late-breaking demos: papers too
    assert len(conference.papers) == len(papers) + len(demos)
    assert sum(p.type == "Late-breaking demo" for p in conference.papers) == len(demos)
    row = papers[1]
    paper = conference.paper_by_id[row["uid"]]
    assert paper.abstract.split()[:5] == row["abstract"].split()[:5]  # `Abstract` column
    # "Jiwoo Ryu (Sogang University); ...": names with their affiliations.
    assert [(a.name, a.affiliation) for a in paper.authors][0] == ("Jiwoo Ryu", "Sogang University")
    assert len(paper.authors) == len(row["authors"].split(";"))
    assert _memberships(conference) >= len(papers)
    assert summary.tallies["session memberships"].imported == len(papers)
    # Each paper's Slack channel is its room; the mapping says so.
    assert conference.config.chat.provider == "slack"
    rooms = read_rooms_file(conference.root / "chat" / "rooms.json").rooms
    assert rooms[f"paper/{row['uid']}"].name == row["slack_channel"]
    assert conference.config.timezone == "America/Los_Angeles"
    _assert_freezes_clean(conference, tmp_path / "build")
    page = (tmp_path / "build" / "papers" / f"{row['uid']}.html").read_text()
    assert f"channel={row['slack_channel']}" in page


def test_ozchi2022_sessions_yml_and_zone(imported, tmp_path: Path):
    source, summary, conference = imported("ozchi2022")
    papers = _rows(source / "papers.csv")
    assert len(conference.papers) == len(papers)
    listed = yaml.safe_load((source / "sessions.yml").read_text())
    for entry in listed:
        session = next(s for s in conference.sessions if s.title == entry["title"])
        members = [row["uid"] for row in papers if row["session_code"] == entry["UID"]]
        assert sorted(session.papers) == sorted(members)
        assert session.room == entry["location"] and session.chairs == [entry["chair"]]
    # AEDT: the program starts on the 29th in Canberra, not a day early in UTC.
    assert conference.config.timezone == "Australia/Sydney"
    assert conference.config.start_date.isoformat() == "2022-11-29"
    first = min(conference.sessions, key=lambda s: s.start)
    assert first.start.isoformat() == "2022-11-29T09:30:00+11:00"
    assert len(conference.speakers) == len(yaml.safe_load((source / "speakers.yml").read_text()))
    _assert_freezes_clean(conference, tmp_path / "build")


@pytest.mark.slow
def test_acl2020_fork_layout(imported, tmp_path: Path):
    source, summary, conference = imported("acl2020")
    files = sorted(source.glob("*_papers.csv"))
    assert len(conference.papers) == sum(len(_rows(file)) for file in files)
    paper = conference.paper_by_id["main.8"]  # dotted ids are kept
    assert paper.type == "Long" and paper.links.pdf.endswith("2020.acl-main.8.pdf")
    memberships = sum(
        len(entry["papers"])
        for file in source.glob("*paper_sessions.yml")
        for entry in yaml.safe_load(file.read_text()).values()
    )
    assert summary.tallies["session memberships"].imported == memberships
    named = {
        f"session-{name.lower()}"
        for file in source.glob("main_paper_sessions.yml")
        for name, entry in yaml.safe_load(file.read_text()).items()
        if "main.1" in entry["papers"]
    }
    assert {s.id for s in conference.sessions_of_paper("main.1")} == named and len(named) == 2
    slides = {
        row["uid"]: row["presentation_id"]
        for row in _rows(source / "main_paper_slideslive_ids.csv")
    }
    assert conference.paper_by_id["main.1"].media.video.source == ("slideslive", slides["main.1"])
    workshops = yaml.safe_load((source / "workshops.yml").read_text())
    assert len(conference.workshops) == len(workshops)
    assert conference.paper_by_id["W1.1"].workshop == "W1"
    rooms = read_rooms_file(conference.root / "chat" / "rooms.json").rooms
    assert rooms["paper/main.8"].name == "paper-main-8"
    assert rooms["workshop/W1"].name == workshops[0]["rocketchat_channel"]
    _assert_freezes_clean(conference, tmp_path / "build")
    page = (tmp_path / "build" / "papers" / "main.8.html").read_text()
    assert "acl2020.rocket.chat/channel/paper-main-8" in page


@pytest.mark.slow
def test_acl2023_conference_json(imported, tmp_path: Path):
    source, summary, conference = imported("acl2023")
    data = json.loads((source / "data" / "conference.json").read_text())
    real = {key: p for key, p in data["papers"].items() if p["authors"]}
    assert len(conference.papers) == len(real)
    assert _memberships(conference) == sum(len(p["event_ids"]) for p in real.values())
    assert len(conference.sessions) == len(data["events"])
    event = data["events"]["session-10_-discourse-and-pragmatics-(oral)"]
    session = conference.session_by_id["session-10-discourse-and-pragmatics-oral"]
    assert session.papers == event["paper_ids"] and session.type == "oral"
    assert conference.config.timezone == "America/New_York"
    _assert_freezes_clean(conference, tmp_path / "build")
