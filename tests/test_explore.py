"""Exploring the program, the Python side: browser data files and the pipeline's outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO, load_ok

from miniconf.commands.build import command as freeze_command
from miniconf.site.app import create_app, site_of, site_urls
from miniconf.site.explore import search_words

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import write_outputs  # noqa: E402


def get_json(conference, url: str):
    response = create_app(conference).test_client().get(url)
    assert response.status_code == 200, url
    return json.loads(response.data)


def test_search_words_are_distinct_lowercase_words_in_order():
    assert search_words("Graph Nets, graph nets!", "Nets of GRAPHS") == "graph nets of graphs"


def test_search_words_keep_hyphens_and_accents():
    assert (
        search_words("Deep-learning, DEEP-learning and naïve Café", "café 3.5 e.g.")
        == "deep-learning and naïve café 3 5 e g"
    )
    assert search_words("") == "" and search_words() == ""


def test_papers_json_carries_awkward_text_as_written(sitedata_copy: Path):
    """Escapes, markup, non-ASCII and 4-byte characters reach the browser unchanged."""
    paper = sitedata_copy / "papers" / "h27-002.yml"
    title = 'Title with "quotes", \\back\\slash, <b>tags</b> & ampersands — ☕ 𝔘'
    text = paper.read_text(encoding="utf-8")
    quoted = json.dumps(title, ensure_ascii=False)
    text = text.replace(text.split("\n", 2)[1], f"title: {quoted}", 1)
    paper.write_text(text.replace("name: ", "name: Ó'", 1), encoding="utf-8")
    conference = load_ok(sitedata_copy)
    records = {record["id"]: record for record in get_json(conference, "/papers.json")}
    assert records["h27-002"]["title"] == title
    assert records["h27-002"]["authors"][0].startswith("Ó'")


def test_papers_json_carries_pipeline_outputs_when_they_are_fresh(sitedata_copy: Path):
    write_outputs(sitedata_copy, dims=16)
    conference = load_ok(sitedata_copy)
    records = {record["id"]: record for record in get_json(conference, "/papers.json")}
    similar = json.loads((sitedata_copy / "pipeline" / "similar.json").read_text())["similar"]
    first = conference.papers[0].id
    assert records[first]["similar"] == similar[first]
    assert all(0 <= value <= 1 for value in records[first]["pos"])
    assert get_json(conference, "/explore.json")["vectors"] is True
    assert {"/vectors.json", "/vectors.bin"} <= set(site_urls(site_of(create_app(conference))))


def test_a_late_paper_leaves_the_other_papers_outputs_published(
    sitedata_copy: Path, tmp_path: Path
):
    write_outputs(sitedata_copy, dims=16)
    # A paper accepted after the pipeline ran: it has no outputs yet; the others keep theirs.
    (sitedata_copy / "papers" / "h27-900.yml").write_text(
        "id: h27-900\ntitle: A late paper\nauthors: [{name: Ada Late}]\ntrack: vision\n"
    )
    conference = load_ok(sitedata_copy)
    records = {record["id"]: record for record in get_json(conference, "/papers.json")}
    assert records["h27-900"]["similar"] == [] and "pos" not in records["h27-900"]
    assert all(
        record["similar"] and "pos" in record
        for paper_id, record in records.items()
        if paper_id != "h27-900"
    )
    assert get_json(conference, "/explore.json")["vectors"] is True
    assert "/vectors.bin" in set(site_urls(site_of(create_app(conference))))

    out = tmp_path / "out"
    result = CliRunner().invoke(freeze_command, [str(sitedata_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "h27-900" in result.output and "miniconf pipeline" in result.output
    assert (tmp_path / "out" / "papers.html").is_file()
    assert (tmp_path / "out" / "vectors.bin").exists()


def test_search_json_indexes_abstracts_and_other_pages(demo_conference):
    search = get_json(demo_conference, "/search.json")
    assert len(search["papers"]) == len(demo_conference.papers)
    assert "banded" in search["papers"][0].split()  # from h27-001's abstract, not its title
    kinds = {page["kind"] for page in search["pages"]}
    assert {"Speaker", "Workshop", "Session", "Page"} <= kinds


def test_explore_pages_are_frozen(frozen_demo: Path):
    for name in ("map.html", "my-papers.html", "explore.json", "search.json"):
        assert (frozen_demo / name).is_file(), name
    # The demo's committed pipeline outputs are current: "For you" has its vectors.
    assert (frozen_demo / "vectors.bin").is_file()
    assert json.loads((frozen_demo / "explore.json").read_text())["vectors"] is True
