"""OpenReview and CSV imports, re-running an import, and the pieces every import uses:
dotted ids, author forms, control characters, links into the old site, old rooms."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from miniconf.cli import cli
from miniconf.importers.common import fix_markdown_links, split_authors
from miniconf.importers.miniconf import MiniConfImportError, import_miniconf
from miniconf.importers.openreview import import_openreview
from miniconf.site.build import freeze_site
from miniconf.site.linkcheck import check_links
from miniconf.structure.loader import load_conference
from miniconf.structure.models import Paper

FIXTURES = Path(__file__).parent / "import_fixtures"


def _load(root: Path):
    conference, problems = load_conference(root)
    assert conference is not None, "\n".join(map(str, problems))
    return conference


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    "paper_id",
    ["main.8", "TACL.2255", "WS-1.100", "2020.acl-main.1", "10.1109_TVCG.2018.2865018", "h27-001"],
)
def test_dotted_ids_are_ids(paper_id: str):
    assert Paper(id=paper_id, title="T", authors=[{"name": "A"}]).id == paper_id


@pytest.mark.parametrize(
    ("paper_id", "message"),
    [
        (".hidden", "must start with a letter or digit"),
        ("a..b", "between other characters"),
        ("main.", "between other characters"),
        ("a/b", "SOLIDUS"),
        ("x" * 101, "limit is 100"),
    ],
)
def test_bad_ids_are_explained(paper_id: str, message: str):
    with pytest.raises(ValidationError, match=message):
        Paper(id=paper_id, title="T", authors=[{"name": "A"}])


# --------------------------------------------------------------------------- text forms


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Ann Lee|Bo Chen", ["Ann Lee", "Bo Chen"]),
        (
            "Chris Tennant, Adam Carpenter, Tom Powers",
            ["Chris Tennant", "Adam Carpenter", "Tom Powers"],
        ),
        (
            "Girma Alemneh, Andreas Rauber and Solomon Atnafu",
            ["Girma Alemneh", "Andreas Rauber", "Solomon Atnafu"],
        ),
        ("Flexer, Arthur*", ["Arthur Flexer"]),
        ("Ryu, Jiwoo; Dong, Hao-Wen*", ["Jiwoo Ryu", "Hao-Wen Dong"]),
        ("Ann Lee (MIT)*; Bo Chen (Tsinghua University)", ["Ann Lee", "Bo Chen"]),
    ],
)
def test_author_forms(cell: str, names: list[str]):
    assert [author["name"] for author in split_authors(cell)] == names


def test_affiliations_in_parentheses():
    assert split_authors("Ann Lee (MIT)*; Bo Chen") == [
        {"name": "Ann Lee", "affiliation": "MIT"},
        {"name": "Bo Chen"},
    ]


def test_links_into_the_old_site():
    text = "See the [Schedule](/schedule.html), [FAQ](#top) and [ACL](https://acl.org)."
    fixed, changed = fix_markdown_links(text, "https://virtual.acl2020.org")
    assert fixed == (
        "See the [Schedule](https://virtual.acl2020.org/schedule.html), "
        "[FAQ](#top) and [ACL](https://acl.org)."
    )
    assert changed == 1
    assert fix_markdown_links(text, None)[0].startswith("See the Schedule, [FAQ](#top)")


# --------------------------------------------------------------------------- OpenReview


def test_openreview_notes(tmp_path: Path):
    out = tmp_path / "sitedata"
    summary = import_openreview(FIXTURES / "openreview_notes.json", out)
    conference = _load(out)
    notes = json.loads((FIXTURES / "openreview_notes.json").read_text())["notes"]
    assert [p.id for p in conference.papers] == sorted(n["id"] for n in notes[:3])
    paper = conference.paper_by_id["Hk3mPK5gg"]
    content = notes[0]["content"]
    assert paper.title == content["title"]["value"]
    assert paper.author_names == content["authors"]["value"]
    assert paper.keywords == content["keywords"]["value"]
    assert paper.tldr == content["TLDR"]["value"]
    assert paper.abstract == content["abstract"]["value"]
    assert paper.type == "Oral" and conference.paper_by_id["B1xSperKvH"].type == "Spotlight"
    assert paper.links.pdf == "https://openreview.net" + content["pdf"]["value"]
    assert paper.links.project == "https://openreview.net/forum?id=Hk3mPK5gg"
    assert paper.links.code == content["code"]["value"]
    # A control character in a title no longer drops the paper: it is removed, and said.
    assert (
        conference.paper_by_id["rJ_8xQ2-Zz"].title
        == "Calibrated Uncertainty for Graph Neural Networks"
    )
    text = "\n".join(summary.lines())
    assert "removed control character(s) U+0007" in text
    assert "2 withdrawn, rejected or pending note(s)" in text
    assert summary.tallies["papers"].source == summary.tallies["papers"].imported == 3
    assert conference.config.name == "ICLR 2027"  # the venue, less "Oral"
    freeze_site(conference, tmp_path / "build")
    assert check_links(tmp_path / "build")[1] == []


# --------------------------------------------------------------------------- CSV exports


CSV_MAP = (
    "id=Paper ID,title=Paper Title,authors=Author Names,track=Track Name,"
    "keywords=Secondary Subject Areas"
)


def test_csv_export_with_a_saved_map(tmp_path: Path):
    out = tmp_path / "sitedata"
    export = tmp_path / "cmt.csv"
    shutil.copy(FIXTURES / "cmt_export.csv", export)
    runner = CliRunner()
    command = ["import", "csv", str(export), "--out", str(out), "--map", CSV_MAP]
    refused = runner.invoke(cli, command)
    # Paper 15 has no title: the import would lose it, so it writes nothing.
    assert refused.exit_code == 1 and "would lose 1 of 4 papers" in refused.stderr
    assert not out.exists()
    result = runner.invoke(cli, [*command, "--allow-loss", "--name", "Demo Conf 2027"])
    assert result.exit_code == 0, result.output
    conference = _load(out)
    assert [p.id for p in conference.papers] == ["12", "13", "14.a"]
    first = conference.paper_by_id["12"]
    assert [(a.name, a.affiliation) for a in first.authors] == [
        ("Maria Garcia", "Universidad de Chile"),
        ("Tom Brown", "MIT"),
    ]
    assert first.abstract == "Children speak over each other.\nWe release a corpus of 40 hours."
    assert first.keywords == ["Speech -> robustness", "Datasets"]
    assert conference.paper_by_id["13"].author_names == ["Soo-ah Kim", "Jonas Müller"]
    assert conference.track_name(first.track) == "Main Track"
    assert "Author Emails".lower().replace(" ", "_") in result.stdout  # reported, not kept
    assert "mgarcia@example.org" not in (out / "papers" / "12.yml").read_text()

    # The program changes: a title is fixed. The same command without --map re-imports.
    export.write_text(
        export.read_text(encoding="utf-8").replace(
            "Robust Speech Recognition", "Robust Speech Recognition Revisited"
        ),
        encoding="utf-8",
    )
    again = runner.invoke(cli, ["import", "csv", str(export), "--out", str(out), "--allow-loss"])
    assert again.exit_code == 0, again.output
    assert "with the saved --map" in again.stdout
    assert (
        _load(out).paper_by_id["12"].title
        == "Robust Speech Recognition Revisited in Noisy Classrooms"
    )
    assert _load(out).config.name == "Demo Conf 2027"


# --------------------------------------------------------------------------- re-running


@pytest.fixture
def small_site(tmp_path: Path) -> Path:
    source = tmp_path / "old" / "sitedata"
    source.mkdir(parents=True)
    (source / "papers.csv").write_text(
        "UID,title,authors,session\nmain.1,First,Ann Lee,Posters A\n"
        "main.2,Second,Bo Chen,Posters A\n",
        encoding="utf-8",
    )
    (source / "main_calendar.json").write_text(
        json.dumps(
            [
                {
                    "title": "Posters A",
                    "start": "2027-05-11T10:00:00+02:00",
                    "end": "2027-05-11T11:00:00+02:00",
                    "link": "papers.html?session=Posters+A",
                }
            ]
        )
    )
    (source / "config.yml").write_text("name: Small Conf\nchat_server: chat.example.org\n")
    return source


def test_reimport_keeps_edits_and_refuses_conflicts(small_site: Path, tmp_path: Path):
    out = tmp_path / "sitedata"
    import_miniconf(small_site, out)
    paper_file = out / "papers" / "main.1.yml"
    paper_file.write_text(paper_file.read_text() + "tldr: Added by hand.\n")
    # The source changes another paper: the hand edit stays, the change arrives.
    csv_file = small_site / "papers.csv"
    csv_file.write_text(csv_file.read_text().replace("Second", "Second (revised)"))
    summary = import_miniconf(small_site, out)
    assert "papers/main.1.yml" in summary.preserved
    conference = _load(out)
    assert conference.paper_by_id["main.1"].tldr == "Added by hand."
    assert conference.paper_by_id["main.2"].title == "Second (revised)"
    # Now the source changes the edited paper too: the import stops and names the file.
    csv_file.write_text(csv_file.read_text().replace("First", "First (revised)"))
    before = paper_file.read_text()
    with pytest.raises(
        MiniConfImportError,
        match=r"(?s)edited since the last import.*"
        r"papers/main\.1\.yml",
    ):
        import_miniconf(small_site, out)
    assert paper_file.read_text() == before


def test_old_rooms_are_linked(small_site: Path, tmp_path: Path):
    out = tmp_path / "sitedata"
    import_miniconf(small_site, out)
    rooms = json.loads((out / "chat" / "rooms.json").read_text())["rooms"]
    assert rooms["paper/main.1"]["name"] == "paper_main.1"  # Mini-Conf's room, kept
    freeze_site(_load(out), tmp_path / "build")
    page = (tmp_path / "build" / "papers" / "main.1.html").read_text()
    assert "https://chat.example.org/channel/paper_main.1" in page


# --------------------------------------------------------------------------- original ICLR


def test_original_iclr_layout(tmp_path: Path):
    """papers.json of OpenReview (v1) notes and poster_schedule.yml, as the first
    Mini-Conf site kept them; the calendar gives the poster sessions their times."""
    source = tmp_path / "iclr" / "sitedata"
    source.mkdir(parents=True)
    notes = [
        {
            "id": f"n{i}",
            "forum": forum,
            "content": {
                "title": f"Paper {i}",
                "authors": ["Ann Lee", "Bo Chen"],
                "authorids": ["a", "b"],
                "abstract": "Text.",
                "keywords": ["k"],
                "TL;DR": "Short.",
                "pdf": f"/pdf/{forum}.pdf",
            },
        }
        for i, forum in enumerate(["B1xSperKvH", "SJlbGJrtDB"])
    ]
    (source / "papers.json").write_text(json.dumps(notes))
    (source / "poster_schedule.yml").write_text(
        "- name: Mon Session 1\n  posters: [B1xSperKvH, SJlbGJrtDB]\n"
        "- name: Tues Session 2\n  posters: [SJlbGJrtDB]\n"
    )
    (source / "speakers.yml").write_text(
        "- UID: '1'\n  speaker: Ada Example\n  title: A Keynote\n  institution: Uni\n"
    )
    (source / "main_calendar.json").write_text(
        json.dumps(
            [
                {
                    "title": "Poster Day 1 Session 1",
                    "start": "2020-04-27T05:00:00+00:00",
                    "end": "2020-04-27T07:00:00+00:00",
                    "link": "papers.html?session=Mon+Session+1",
                },
                {
                    "title": "Poster Day 2 Session 2",
                    "start": "2020-04-28T08:00:00+00:00",
                    "end": "2020-04-28T10:00:00+00:00",
                    "link": "papers.html?session=Tues+Session+2",
                },
                {
                    "title": "Keynote",
                    "start": "2020-04-27T08:00:00+00:00",
                    "end": "2020-04-27T09:00:00+00:00",
                    "link": "speaker_1.html",
                },
            ]
        )
    )
    (source / "config.yml").write_text("name: ICLR 2020\nchat_server: iclr.rocket.chat\n")
    out = tmp_path / "sitedata"
    summary = import_miniconf(source, out)
    assert summary.layout.startswith("original ICLR 2020")
    conference = _load(out)
    assert [p.id for p in conference.papers] == ["B1xSperKvH", "SJlbGJrtDB"]
    assert conference.paper_by_id["B1xSperKvH"].tldr == "Short."
    assert {s.id for s in conference.sessions_of_paper("SJlbGJrtDB")} == {
        "mon-session-1",
        "tues-session-2",
    }
    assert summary.tallies["session memberships"].imported == 3
    assert conference.session_by_id["keynote"].speakers == ["1"]


def test_paper_rooms_named_otherwise(small_site: Path, tmp_path: Path):
    """EEML named its rooms zzz_paper_<id>: --paper-room says so, and pages link them."""
    out = tmp_path / "sitedata"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "miniconf",
            str(small_site),
            "--out",
            str(out),
            "--paper-room",
            "zzz_paper_{id}",
        ],
    )
    assert result.exit_code == 0, result.output
    rooms = json.loads((out / "chat" / "rooms.json").read_text())["rooms"]
    assert rooms["paper/main.2"]["name"] == "zzz_paper_main.2"
    freeze_site(_load(out), tmp_path / "build")
    page = (tmp_path / "build" / "papers" / "main.2.html").read_text()
    assert "https://chat.example.org/channel/zzz_paper_main.2" in page


def test_filter_and_search_links_name_sessions(small_site: Path, tmp_path: Path):
    calendar = small_site / "main_calendar.json"
    calendar.write_text(
        calendar.read_text().replace(
            "papers.html?session=Posters+A", "papers.html?filter=sessions&search=Posters+A"
        )
    )
    out = tmp_path / "sitedata"
    summary = import_miniconf(small_site, out)
    assert summary.tallies["session memberships"].imported == 2
    assert _load(out).session_by_id["posters-a"].papers == ["main.1", "main.2"]


def test_an_import_record_cannot_reach_outside(small_site: Path, tmp_path: Path):
    out = tmp_path / "sitedata"
    import_miniconf(small_site, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    record = json.loads((out / ".miniconf-import.json").read_text())
    record["files"]["../victim.txt"] = "0" * 64
    (out / ".miniconf-import.json").write_text(json.dumps(record))
    with pytest.raises(MiniConfImportError, match="names a file outside"):
        import_miniconf(small_site, out)
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("papers.csv", b"UID,title,authors\nmain.1,caf\xe9,A\n", r"papers\.csv:2: not valid UTF-8"),
        ("main_calendar.json", "[{not json", "main_calendar.json: not valid JSON"),
        ("config.yml", "name: [unclosed\n", r"config\.yml:\d+"),
    ],
)
def test_broken_source_files_are_clear_errors(
    small_site: Path, tmp_path: Path, name: str, text: str | bytes, message: str
):
    file = small_site / name
    file.write_bytes(text) if isinstance(text, bytes) else file.write_text(text)
    result = CliRunner().invoke(
        cli, ["import", "miniconf", str(small_site), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert re.search(message, result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


def test_emnlp_style_workshop_papers(tmp_path: Path):
    """EMNLP 2020's workshop_papers.csv: ids such as WS-1.100, the workshop in a column
    or before the dot; paper_sessions.yml without a prefix."""
    source = tmp_path / "emnlp" / "sitedata"
    source.mkdir(parents=True)
    (source / "main_papers.csv").write_text(
        "UID,title,authors,abstract,keywords,track,paper_type,pdf_url\n"
        "main.8,Dotted,Ann Lee|Bo Chen,Text,a|b,Dialogue,Long,"
        "https://www.aclweb.org/anthology/2020.emnlp-main.8.pdf\n"
    )
    (source / "workshop_papers.csv").write_text(
        "UID,title,authors,abstract,presentation_id\n"
        "WS-1.100,A workshop paper,Cy Dee,Text,38939001\n"
    )
    (source / "workshops.yml").write_text(
        "- UID: WS-1\n  title: 'WS-1: A Workshop'\n  organizers: [Eve]\n  sessions:\n"
        "    - name: Live\n      start_time: 2020-11-19_14:00:00\n"
        "      end_time: 2020-11-19_18:00:00\n"
    )
    (source / "paper_sessions.yml").write_text(
        "1A:\n  date: 2020-11-17_08:00:00\n  papers: [main.8]\n"
    )
    (source / "config.yml").write_text(
        "name: EMNLP 2020\nsite_url: https://virtual.2020.emnlp.org\n"
    )
    out = tmp_path / "sitedata"
    summary = import_miniconf(source, out)
    assert summary.layout.startswith("ACL 2020 fork")
    conference = _load(out)
    paper = conference.paper_by_id["WS-1.100"]
    assert paper.workshop == "WS-1" and paper.type == "Workshop"
    assert paper.media.video.source == ("slideslive", "38939001")
    assert [s.id for s in conference.sessions_of_paper("main.8")] == ["session-1a"]
