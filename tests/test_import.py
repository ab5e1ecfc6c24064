"""``miniconf import miniconf``: a Mini-Conf site moves over, and what cannot is reported."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from miniconf.cli import cli
from miniconf.importers.miniconf import MiniConfImportError, import_miniconf, slugify
from miniconf.site.build import freeze_site
from miniconf.site.linkcheck import check_links
from miniconf.structure.loader import load_conference
from miniconf.structure.pipeline_outputs import load_pipeline_outputs


def _rows(file: Path) -> list[dict]:
    with file.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def iclr_import(iclr_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("iclr") / "sitedata"
    summary = import_miniconf(iclr_dir, out)
    return out, summary


@pytest.fixture(scope="module")
def iclr_conference(iclr_import):
    conference, problems = load_conference(iclr_import[0])
    assert conference is not None, "\n".join(map(str, problems))
    return conference


def test_every_iclr_record_arrives(iclr_dir: Path, iclr_import, iclr_conference):
    _, summary = iclr_import
    conference = iclr_conference

    papers = _rows(iclr_dir / "papers.csv")
    assert len(papers) == 687
    assert [p.id for p in conference.papers] == sorted(row["UID"] for row in papers)
    first = conference.paper_by_id[papers[0]["UID"]]
    assert first.title == papers[0]["title"]
    assert first.author_names == papers[0]["authors"].split("|")
    assert first.keywords == papers[0]["keywords"].split("|")

    speakers = _rows(iclr_dir / "speakers.csv")
    assert sorted(s.name for s in conference.speakers) == sorted(
        row["speaker"].strip() for row in speakers
    )
    assert len(conference.workshops) == len(_rows(iclr_dir / "workshops.csv")) == 2
    calendar = json.loads((iclr_dir / "main_calendar.json").read_text())
    assert len(conference.sessions) == len(calendar) == 56
    faq = yaml.safe_load((iclr_dir / "faq.yml").read_text())["FAQ"]
    assert len(conference.faq) == sum(len(section["QA"]) for section in faq)
    committee = yaml.safe_load((iclr_dir / "committee.yml").read_text())["committee"]
    assert [m.name for m in conference.committee] == [m["name"] for m in committee]
    assert summary.counts["papers"] == 687 and summary.counts["sessions"] == 56


def test_iclr_sessions_join_calendar_and_papers(iclr_conference):
    conference = iclr_conference
    # The one paper with sessions ("Tues Session 1|Mon Session 1") is in both poster
    # sessions, which take their times from the calendar events linking to them.
    sessions = {s.id for s in conference.sessions_of_paper("B1xSperKvH")}
    assert sessions == {"mon-session-1", "tues-session-1"}
    monday = conference.session_by_id["mon-session-1"]
    assert monday.title == "Poster Day 1 Session 1 (P1S1)"
    assert monday.start.isoformat() == "2020-04-27T05:00:00+00:00"
    # Live Q&A events link to speaker pages: they become keynotes with that speaker.
    keynotes = [s for s in conference.sessions if s.speakers]
    assert {speaker for s in keynotes for speaker in s.speakers} == {"1", "2"}
    # Repeated titles get distinct, stable ids.
    towns = sorted(s.id for s in conference.sessions if s.title == "ICLR Town")
    assert towns == ["iclr-town", "iclr-town-20200429-2200"]
    assert conference.config.start_date.isoformat() == "2020-04-27"


def test_iclr_projection_becomes_the_map(iclr_import, iclr_conference):
    out, summary = iclr_import
    document = json.loads((out / "pipeline" / "map.json").read_text())
    assert document["model"] == "imported" and document["method"] == "imported"
    # The site shows it: the outputs are current for exactly the imported papers.
    outputs = load_pipeline_outputs(iclr_conference)
    assert outputs.current and len(outputs.positions) == 687
    positions = document["positions"]
    assert len(positions) == 687
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    assert min(xs) == min(ys) == 0.0 and max(xs) == max(ys) == 1.0


def test_iclr_summary_reports_what_did_not_fit(iclr_import):
    _, summary = iclr_import
    text = "\n".join(summary.lines())
    assert "highlighted.csv: highlights have no place in our model" in text
    assert "committee.yml field 'tw'" in text
    assert "config.yml: no place in our config.yml for" in text and "'auth0_client_id'" in text
    assert "chat_server → chat" in text


def test_iclr_import_freezes_without_broken_links(iclr_conference, tmp_path: Path):
    report = freeze_site(iclr_conference, tmp_path / "build")
    assert report.files > 687
    checked, broken = check_links(tmp_path / "build")
    assert checked > 5000 and broken == []


# --------------------------------------------------------------------------- a fork's columns


FORK_PAPERS = (
    "\ufeffUID,title,authors,abstract,keywords,sessions,track,paper_type,pdf_url,presentation_id\r\n"
    'p1,First paper,Ann|Bob,"Line one\r\nline two",a|b,Day 1 Posters,Vision,long,'
    "https://example.org/p1.pdf,38922815\r\n"
    "p2,Second paper,Cy,Text,,Day 1 Posters|Lost Session,Language,short,,\r\n"
    "bad/id,Third,Dee,Text,,,,,,\r\n"
    "p4,Fourth,Eve,Text,,,,,javascript:alert(1),\r\n"
)
FORK_SPEAKERS = (
    "UID,image,title,institution,speaker,abstract,bio,session\n"
    "1,javascript:alert(1),Talk,Uni,Ada,Abstract,Bio,1\n"
    ",https://example.org/b.png,,,Bea Example,,,\n"
)
FORK_CALENDAR = [
    {
        "title": "Posters <b>one</b>",
        "start": "2027-06-01T10:00:00+02:00",
        "end": "2027-06-01T12:00:00+02:00",
        "link": "papers.html?session=Day+1+Posters",
        "calendarId": "---",
    },
    {
        "title": "Posters one, repeated",
        "start": "2027-06-02T10:00:00+02:00",
        "end": "2027-06-02T12:00:00+02:00",
        "link": "papers.html?session=Day+1+Posters",
    },
    {
        "title": "Zoom social",
        "start": "2027-06-02T18:00:00+02:00",
        "end": "2027-06-02T19:00:00+02:00",
        "link": "https://zoom.example/j/1",
    },
]


@pytest.fixture
def fork_dir(tmp_path: Path) -> Path:
    source = tmp_path / "minisite"
    source.mkdir()
    (source / "papers.csv").write_bytes(FORK_PAPERS.encode())
    (source / "main_calendar.json").write_text(json.dumps(FORK_CALENDAR))
    (source / "speakers.csv").write_text(FORK_SPEAKERS)
    (source / "config.yml").write_text("name: Fork Conf\ntagline: A <br> B\nfancy: yes\n")
    (source / "tutorials.csv").write_text("UID,title\nt1,Tutorial\n")
    return source


def test_fork_columns_are_kept_or_reported(fork_dir: Path, tmp_path: Path):
    summary = import_miniconf(fork_dir, tmp_path / "out", allow_loss=True)
    conference, problems = load_conference(tmp_path / "out")
    assert conference is not None, problems
    p1 = conference.paper_by_id["p1"]
    assert p1.track == "vision" and conference.track_name("vision") == "Vision"
    assert p1.links.pdf == "https://example.org/p1.pdf"
    assert p1.abstract == "Line one\nline two"  # CRLF inside a cell: one newline
    assert p1.author_names == ["Ann", "Bob"] and p1.keywords == ["a", "b"]
    session = conference.session_by_id["day-1-posters"]
    assert session.papers == ["p1", "p2"] and session.title == "Posters one"
    repeat = conference.session_by_id["day-1-posters-20270602-1000"]  # same name, later
    assert repeat.papers == ["p1", "p2"]
    social = conference.session_by_id["zoom-social"]
    assert social.type == "social" and "https://zoom.example/j/1" in social.description
    assert conference.config.tagline == "A · B"
    ada, bea = conference.speakers
    assert (ada.id, ada.photo, ada.talk_title) == ("1", None, "Talk")
    assert bea.id == "bea-example"  # no UID: derived from the name

    text = "\n".join(summary.lines())
    # Columns forks added land where the model has a place for them.
    assert p1.type == "long" and conference.paper_by_id["p2"].type == "short"
    assert p1.media.video.source == ("slideslive", "38922815")
    assert "paper_type" not in text and "presentation_id" not in text
    assert (
        "papers.csv:5: paper id 'bad/id' cannot be a file name or URL; it is now 'bad-id'" in text
    )
    assert (
        "papers.csv:6: links.pdf: URL scheme 'javascript:' is not allowed "
        "(use http, https or mailto); that field was dropped"
    ) in text
    assert conference.paper_by_id["p4"].links.pdf is None  # the paper arrives, the link not
    assert "papers.csv session 'Lost Session': no event in main_calendar.json" in text
    assert "config.yml: no place in our config.yml for 'fancy'" in text
    assert summary.counts["papers"] == 4
    memberships = summary.tallies["session memberships"]
    assert (memberships.source, memberships.imported) == (3, 2)


def test_logo_is_copied_only_from_inside_the_repository(fork_dir: Path, tmp_path: Path):
    (fork_dir.parent / "static").mkdir()
    (fork_dir.parent / "static" / "logo.png").write_bytes(b"\x89PNG logo")
    (fork_dir / "config.yml").write_text("name: Fork\nlogo:\n  image: static/logo.png\n")
    import_miniconf(fork_dir, tmp_path / "with-logo", allow_loss=True)
    assert (tmp_path / "with-logo" / "logo.png").read_bytes() == b"\x89PNG logo"
    conference, problems = load_conference(tmp_path / "with-logo")
    assert conference is not None and conference.config.logo == "logo.png", problems

    (fork_dir / "config.yml").write_text("name: Fork\nlogo: ../../../../../../etc/hostname\n")
    summary = import_miniconf(fork_dir, tmp_path / "no-logo", allow_loss=True)
    assert not (tmp_path / "no-logo" / "hostname").exists()
    assert any(note.startswith("config.yml logo:") for note in summary.not_imported)


def test_import_is_deterministic(fork_dir: Path, tmp_path: Path):
    import_miniconf(fork_dir, tmp_path / "a", allow_loss=True)
    import_miniconf(fork_dir, tmp_path / "b", allow_loss=True)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert files_a == files_b
    for name in files_a:
        if (tmp_path / "a" / name).is_file():
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_import_refuses_to_overwrite(fork_dir: Path, tmp_path: Path):
    out = tmp_path / "existing"
    out.mkdir()
    (out / "config.yml").write_text("mine\n")
    with pytest.raises(MiniConfImportError, match="already exists, is not empty"):
        import_miniconf(fork_dir, out, allow_loss=True)
    assert (out / "config.yml").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing", "minisite"]


def test_import_into_an_empty_folder(fork_dir: Path, tmp_path: Path):
    out = tmp_path / "empty"
    out.mkdir()
    import_miniconf(fork_dir, out, allow_loss=True)
    assert (out / "papers" / "p1.yml").is_file()


def test_import_command(fork_dir: Path, tmp_path: Path):
    out = tmp_path / "site"
    command = ["import", "miniconf", str(fork_dir), "--out", str(out)]
    lossy = CliRunner().invoke(cli, command)
    # 'Lost Session' has no time: one membership cannot come across, so nothing is written.
    assert lossy.exit_code == 1 and "would lose 1 of 3 session memberships" in lossy.stderr
    assert not out.exists()
    result = CliRunner().invoke(cli, [*command, "--allow-loss"])
    assert result.exit_code == 0, result.output
    assert "  papers                     4         4" in result.stdout
    assert "Not imported:" in result.stdout
    assert f"Validated {out}: OK" in result.stdout
    again = CliRunner().invoke(cli, [*command, "--allow-loss"])  # unchanged source: no-op
    assert again.exit_code == 0, again.output


def test_not_a_miniconf_folder(tmp_path: Path):
    with pytest.raises(MiniConfImportError, match="neither papers.csv nor config.yml"):
        import_miniconf(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_invalid_utf8_csv_is_a_clear_error(fork_dir: Path, tmp_path: Path):
    (fork_dir / "papers.csv").write_bytes(b"UID,title,authors\np1,caf\xe9,A\n")
    with pytest.raises(MiniConfImportError, match=r"papers.csv:2: not valid UTF-8 \(byte 24\)"):
        import_miniconf(fork_dir, tmp_path / "out", allow_loss=True)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Mon Session 1", "mon-session-1"),
        ("Live Q&A: Yoshua Benjio", "live-q-a-yoshua-benjio"),
        ("Research with 🤗 Transformers", "research-with-transformers"),
        ("Café à Lisboa", "cafe-a-lisboa"),
        ("../../etc", "etc"),
        ("🤗", "item"),
    ],
)
def test_slugify_gives_valid_stable_ids(name: str, slug: str):
    assert slugify(name) == slug


def test_duplicate_speaker_and_workshop_ids_are_left_out_and_reported(
    fork_dir: Path, tmp_path: Path
):
    (fork_dir / "workshops.csv").write_text(
        "UID,title,authors,abstract\n,Trust Workshop,Ann,One\nTRUST-workshop,Again,Bob,Two\n"
    )
    with (fork_dir / "speakers.csv").open("a") as speakers:
        speakers.write(",,Talk again,,Bea Example,,,\n")
    summary = import_miniconf(fork_dir, tmp_path / "out", allow_loss=True)
    text = "\n".join(summary.lines())
    assert "workshops.csv:3: duplicate workshop id 'TRUST-workshop'; workshop left out" in text
    assert "duplicate speaker id 'bea-example'; speaker left out" in text
    conference, problems = load_conference(tmp_path / "out")
    assert conference is not None, problems
    assert [w.id for w in conference.workshops] == ["trust-workshop"]
    assert [s.id for s in conference.speakers].count("bea-example") == 1
