"""An author's edit never empties the site: pipeline outputs are checked paper by paper.

No model here (the freeze never loads one): the demo's committed outputs, and stand-in
outputs in the pipeline's format (bench/fake_pipeline.py) for the imported ICLR sample.
What is checked is what a reader sees in the build: similar papers on each page, the
map positions in papers.json, and which pages were written again.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import load_ok

from miniconf.cli import cli
from miniconf.importers.miniconf import import_miniconf
from miniconf.structure.pipeline_outputs import load_pipeline_outputs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from fake_pipeline import write_outputs as write_stand_in_outputs  # noqa: E402

SIMILAR_SECTION = re.compile(r'<section class="similar-papers".*?</section>', re.DOTALL)


def freeze(sitedata: Path, out: Path) -> Result:
    result = CliRunner().invoke(cli, ["freeze", str(sitedata), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    return result


def similar_links(out: Path, paper_id: str) -> list[str]:
    """The paper ids its page links under "Similar papers", in order."""
    page = (out / "papers" / f"{paper_id}.html").read_text(encoding="utf-8")
    section = SIMILAR_SECTION.search(page)
    return re.findall(r'href="([^"/]+)\.html"', section.group(0)) if section else []


def records(out: Path) -> dict[str, dict]:
    return {record["id"]: record for record in json.loads((out / "papers.json").read_text())}


def inode(out: Path, paper_id: str) -> int:
    return (out / "papers" / f"{paper_id}.html").stat().st_ino


def retitle(sitedata: Path, paper_id: str, words: str) -> str:
    """Put ``words`` before the paper's title (the commonest author fix); the new title."""
    conference = load_ok(sitedata)
    paper_file = sitedata / conference.paper_files[paper_id]
    title = conference.paper_by_id[paper_id].title
    text = paper_file.read_text(encoding="utf-8")
    new_title = f"{words} {title}"
    # Written as a YAML double-quoted string, whatever quoting the file used before.
    edited, count = re.subn(
        r"^title:.*$", "title: " + json.dumps(new_title), text, count=1, flags=re.MULTILINE
    )
    assert count == 1, f"no title line in {paper_file}"
    paper_file.write_text(edited, encoding="utf-8")
    return new_title


@pytest.fixture
def iclr_sitedata(iclr_dir: Path, tmp_path: Path) -> Path:
    """The imported ICLR 2020 sample, with stand-in outputs for its 687 papers."""
    sitedata = tmp_path / "iclr"
    import_miniconf(iclr_dir, sitedata)
    write_stand_in_outputs(sitedata, dims=16)
    return sitedata


@pytest.fixture(params=["demo", "iclr"])
def conference_folder(request, sitedata_copy: Path) -> Path:
    return sitedata_copy if request.param == "demo" else request.getfixturevalue("iclr_sitedata")


def test_a_title_edit_keeps_every_papers_similar_papers_and_map(conference_folder, tmp_path):
    sitedata, out = conference_folder, tmp_path / "build"
    freeze(sitedata, out)
    conference = load_ok(sitedata)
    outputs = load_pipeline_outputs(conference)
    assert outputs.current, outputs.message
    # The edited paper is one that other papers list, so their pages show its new title.
    edited = next(other for others in outputs.similar.values() for other in others)
    listing = [paper_id for paper_id, others in outputs.similar.items() if edited in others]
    unrelated = [
        paper.id for paper in conference.papers if paper.id != edited and paper.id not in listing
    ]
    before = records(out)
    links_before = {paper.id: similar_links(out, paper.id) for paper in conference.papers}
    inodes_before = {paper.id: inode(out, paper.id) for paper in conference.papers}
    assert all(links_before.values()), "every page lists similar papers to begin with"

    retitle(sitedata, edited, "Corrected:")
    result = freeze(sitedata, out)

    # The freeze says which paper waits for the pipeline, and publishes everything else.
    assert "warning: pipeline" not in result.output
    assert edited in result.output and "changed" in result.output
    after = records(out)
    assert {paper_id: record["similar"] for paper_id, record in after.items()} == {
        paper_id: record["similar"] for paper_id, record in before.items()
    }
    assert {paper_id: record["pos"] for paper_id, record in after.items()} == {
        paper_id: record["pos"] for paper_id, record in before.items()
    }
    assert {paper.id: similar_links(out, paper.id) for paper in conference.papers} == links_before
    committed_vectors = (sitedata / "pipeline" / "vectors.bin").read_bytes()
    assert (out / "vectors.bin").read_bytes() == committed_vectors
    # The edited paper's page keeps its list and says it is pending.
    edited_page = (out / "papers" / f"{edited}.html").read_text(encoding="utf-8")
    assert "similar-pending" in edited_page and "title or abstract last changed" in edited_page
    assert "similar-pending" not in (out / "papers" / f"{unrelated[0]}.html").read_text()
    # Only the pages that show the edit were written again.
    for paper_id in listing:
        assert inode(out, paper_id) != inodes_before[paper_id]
        html = (out / "papers" / f"{paper_id}.html").read_text(encoding="utf-8")
        assert "Corrected:" in html
    assert inode(out, edited) != inodes_before[edited]
    assert all(inode(out, paper_id) == inodes_before[paper_id] for paper_id in unrelated)


def test_a_removed_paper_is_referenced_nowhere(sitedata_copy, tmp_path):
    gone = "h27-045"
    outputs = load_pipeline_outputs(load_ok(sitedata_copy))
    listing = [paper_id for paper_id, others in outputs.similar.items() if gone in others]
    assert listing, "the demo's outputs list the paper somewhere"
    (sitedata_copy / "papers" / f"{gone}.yml").unlink()
    sessions = sitedata_copy / "sessions.yml"
    text = sessions.read_text().replace(f", {gone}", "").replace(f"{gone}, ", "")
    # and its talk's start in the session that had it (talk_starts name papers of it)
    sessions.write_text(
        "".join(
            line
            for line in text.splitlines(keepends=True)
            if not line.strip().startswith(f"{gone}:")
        )
    )
    out = tmp_path / "build"
    result = freeze(sitedata_copy, out)
    assert gone in result.output and "removed" in result.output
    for file in out.rglob("*"):
        if file.is_file():
            assert gone.encode() not in file.read_bytes(), f"{file} still names {gone}"
    meta = json.loads((out / "vectors.json").read_text())
    assert len((out / "vectors.bin").read_bytes()) == len(meta["ids"]) * meta["dims"]
    for paper_id in listing:  # the others stay, in their order
        expected = [other for other in outputs.similar[paper_id] if other != gone]
        assert similar_links(out, paper_id) == expected


def test_a_new_paper_has_no_similar_papers_yet_and_the_page_says_so(sitedata_copy, tmp_path):
    source = sitedata_copy / "papers" / "h27-002.yml"
    (sitedata_copy / "papers" / "h27-901.yml").write_text(
        source.read_text().replace("id: h27-002", "id: h27-901", 1)
    )
    out = tmp_path / "build"
    result = freeze(sitedata_copy, out)
    assert "h27-901" in result.output and "new" in result.output
    new = records(out)["h27-901"]
    assert new["similar"] == [] and "pos" not in new
    page = (out / "papers" / "h27-901.html").read_text(encoding="utf-8")
    assert "This paper is new" in page and similar_links(out, "h27-901") == []
    assert len(records(out)["h27-002"]["similar"]) == 5


def test_the_pull_request_summary_names_the_papers_the_deploy_refreshes(sitedata_copy):
    """`miniconf pipeline --pending`, as the PR check runs it: no numpy, no torch."""
    retitle(sitedata_copy, "h27-003", "Corrected:")
    (sitedata_copy / "papers" / "h27-901.yml").write_text(
        (sitedata_copy / "papers" / "h27-002.yml")
        .read_text()
        .replace("id: h27-002", "id: h27-901", 1)
    )
    script = (
        "import sys\n"
        "for name in ('numpy', 'torch', 'faiss', 'umap', 'sentence_transformers'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from miniconf.cli import cli\n"
        "cli(sys.argv[1:])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "pipeline", str(sitedata_copy), "--pending"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "- 1 changed" in done.stdout and "`h27-003`" in done.stdout
    assert "- 1 new" in done.stdout and "`h27-901`" in done.stdout
    assert "removed" not in done.stdout


def test_moving_one_session_renders_only_its_papers_pages(sitedata_copy, tmp_path):
    """Page reuse follows what a page shows: a session's new room reaches the pages of
    its papers; every other paper page is the previous build's file."""
    out = tmp_path / "build"
    freeze(sitedata_copy, out)
    conference = load_ok(sitedata_copy)
    moved = conference.session_by_id["d3-poster-3"]
    inodes = {paper.id: inode(out, paper.id) for paper in conference.papers}
    sessions = sitedata_copy / "sessions.yml"
    text = sessions.read_text(encoding="utf-8")
    block = text.index("- id: d3-poster-3")
    at = text.index("  room: Poster hall", block)
    sessions.write_text(
        text[:at] + "  room: Atrium" + text[at + len("  room: Poster hall") :], encoding="utf-8"
    )
    freeze(sitedata_copy, out)
    for paper in conference.papers:
        page = (out / "papers" / f"{paper.id}.html").read_text(encoding="utf-8")
        if paper.id in moved.papers:
            assert inode(out, paper.id) != inodes[paper.id] and "Atrium" in page
        else:
            assert inode(out, paper.id) == inodes[paper.id], paper.id
