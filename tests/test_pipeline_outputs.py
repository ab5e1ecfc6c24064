"""The pipeline's outputs as the site reads them: staleness, publishing, freeze warnings.

No model here: outputs are written from made-up vectors with the pipeline's own writer,
so these tests need numpy but not torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import load_ok

from miniconf.cli import cli
from miniconf.pipeline.outputs import SCALE, write_outputs
from miniconf.pipeline.settings import Recipe
from miniconf.site.app import create_app
from miniconf.structure.pipeline_outputs import (
    OutputsState,
    conference_inputs,
    embedding_text,
    inputs_hash,
    load_pipeline_outputs,
    outputs_folder,
)


def write_fake_outputs(sitedata: Path, model: str = "test-model") -> list[str]:
    """Outputs for sitedata's papers where paper i's similar papers are i+1, i+2 (mod n)."""
    conference = load_ok(sitedata)
    items = conference_inputs(conference)
    ids = [paper_id for paper_id, _ in items]
    count = len(ids)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(count, 16)).astype(np.float32)
    write_outputs(
        outputs_folder(sitedata),
        model=model,
        items=items,
        k=2,
        recipe=Recipe().as_dict(),
        similar=[[(row + 1) % count, (row + 2) % count] for row in range(count)],
        method="pca",
        positions=rng.uniform(size=(count, 2)).round(4),
        vectors=vectors,
    )
    return ids


def test_the_committed_demo_outputs_are_current(demo_conference):
    outputs = load_pipeline_outputs(demo_conference)
    assert outputs.state is OutputsState.CURRENT, outputs.message
    assert set(outputs.similar) == {paper.id for paper in demo_conference.papers}
    assert all(len(others) == 5 for others in outputs.similar.values())


def test_inputs_hash_covers_model_ids_and_texts():
    items = [("a", "Title\n\nAbstract"), ("b", "Other")]
    assert inputs_hash("m", items) == inputs_hash("m", list(reversed(items)))
    assert inputs_hash("m", items) != inputs_hash("other-model", items)
    edited_text = [("a", "Title\n\nAbstract!"), ("b", "Other")]
    renamed_id = [("a", "Title\n\nAbstract"), ("c", "Other")]
    assert inputs_hash("m", items) != inputs_hash("m", edited_text)
    assert inputs_hash("m", items) != inputs_hash("m", renamed_id)


def test_editing_an_abstract_keeps_every_papers_outputs_and_marks_it_pending(sitedata_copy):
    write_fake_outputs(sitedata_copy)
    before = load_pipeline_outputs(load_ok(sitedata_copy))
    assert before.current
    paper_file = sitedata_copy / "papers" / "h27-001.yml"
    paper_file.write_text(
        paper_file.read_text().replace("abstract: |\n  ", "abstract: |\n  New. ", 1)
    )
    outputs = load_pipeline_outputs(load_ok(sitedata_copy))
    assert outputs.state is OutputsState.PENDING and outputs.published
    assert outputs.differences.changed == ("h27-001",) and outputs.is_pending("h27-001")
    assert "h27-001" in outputs.message and "miniconf pipeline" in outputs.message
    assert outputs.similar == before.similar and outputs.positions == before.positions
    assert outputs.vectors == before.vectors


def test_editing_keywords_does_not_make_the_outputs_stale(sitedata_copy):
    """Only the embedded text (title + abstract) counts; keywords are not embedded."""
    write_fake_outputs(sitedata_copy)
    paper_file = sitedata_copy / "papers" / "h27-002.yml"
    text = paper_file.read_text()
    assert "keywords: [" in text
    paper_file.write_text(text.replace("keywords: [", "keywords: [an added keyword, ", 1))
    assert load_pipeline_outputs(load_ok(sitedata_copy)).current


def test_missing_and_corrupt_outputs_are_reported(sitedata_copy):
    conference = load_ok(sitedata_copy)
    for name in ("similar.json", "map.json", "vectors.json", "vectors.bin", "inputs.json"):
        (outputs_folder(sitedata_copy) / name).unlink(missing_ok=True)
    assert load_pipeline_outputs(conference).state is OutputsState.MISSING
    write_fake_outputs(sitedata_copy)
    (outputs_folder(sitedata_copy) / "map.json").write_text("{not json")
    assert load_pipeline_outputs(conference).state is OutputsState.INVALID
    write_fake_outputs(sitedata_copy)
    with (outputs_folder(sitedata_copy) / "vectors.bin").open("ab") as binary:
        binary.write(b"\0")
    outputs = load_pipeline_outputs(conference)
    assert outputs.state is OutputsState.INVALID and "bytes" in outputs.message


def test_hand_edited_similar_lists_never_link_to_missing_papers(sitedata_copy):
    write_fake_outputs(sitedata_copy)
    similar_file = outputs_folder(sitedata_copy) / "similar.json"
    data = json.loads(similar_file.read_text())
    data["similar"]["h27-001"] = ["no-such-paper", "h27-001", "h27-003"]
    similar_file.write_text(json.dumps(data))
    outputs = load_pipeline_outputs(load_ok(sitedata_copy))
    assert outputs.similar["h27-001"] == ("h27-003",)


def test_bad_ids_in_outputs_are_refused(sitedata_copy):
    write_fake_outputs(sitedata_copy)
    similar_file = outputs_folder(sitedata_copy) / "similar.json"
    data = json.loads(similar_file.read_text())
    data["similar"]["h27-001"] = ["../../etc/passwd"]
    similar_file.write_text(json.dumps(data))
    assert load_pipeline_outputs(load_ok(sitedata_copy)).state is OutputsState.INVALID


def test_freeze_publishes_current_outputs(sitedata_copy, tmp_path):
    ids = write_fake_outputs(sitedata_copy)
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["freeze", str(sitedata_copy), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    records = {record["id"]: record for record in json.loads((out / "papers.json").read_text())}
    assert records[ids[0]]["similar"] == [ids[1], ids[2]]
    assert all(0 <= value <= 1 for value in records[ids[0]]["pos"])
    meta = json.loads((out / "vectors.json").read_text())
    assert meta["ids"] == ids and meta["dtype"] == "int8" and meta["scale"] == SCALE
    assert len((out / "vectors.bin").read_bytes()) == len(ids) * meta["dims"]
    page = (out / "papers" / f"{ids[0]}.html").read_text()
    assert "Similar papers" in page
    assert f'href="{ids[1]}.html"' in page and f'href="{ids[2]}.html"' in page
    second = load_ok(sitedata_copy).paper_by_id[ids[1]]
    assert second.author_names[0] in page


def test_freeze_warns_about_unusable_outputs_and_still_builds(sitedata_copy, tmp_path):
    """Files of two different runs (one copied from elsewhere): none of them is used."""
    write_fake_outputs(sitedata_copy)
    similar_file = outputs_folder(sitedata_copy) / "similar.json"
    data = json.loads(similar_file.read_text())
    similar_file.write_text(json.dumps({**data, "inputs": "0" * 64}))
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["freeze", str(sitedata_copy), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "different runs" in result.output and "miniconf pipeline" in result.output
    records = json.loads((out / "papers.json").read_text())
    assert all("similar" not in record and "pos" not in record for record in records)
    assert not (out / "vectors.bin").exists() and not (out / "vectors.json").exists()
    assert "Similar papers" not in (out / "papers" / "h27-001.html").read_text()


def test_pipeline_if_stale_returns_at_once_when_outputs_are_current(sitedata_copy):
    write_fake_outputs(sitedata_copy, model="a-model-that-is-nowhere")
    result = CliRunner().invoke(cli, ["pipeline", str(sitedata_copy), "--if-stale"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and "a-model-that-is-nowhere" in result.output


def test_the_vectors_are_not_served_without_current_outputs(sitedata_copy):
    for name in ("similar.json", "map.json", "vectors.json", "vectors.bin"):
        (outputs_folder(sitedata_copy) / name).unlink(missing_ok=True)
    client = create_app(load_ok(sitedata_copy)).test_client()
    assert client.get("/vectors.bin").status_code == 404
    assert client.get("/papers.json").status_code == 200


@pytest.mark.parametrize("abstract", ["", "   "])
def test_a_paper_without_abstract_embeds_its_title(demo_conference, abstract):
    paper = demo_conference.papers[0].model_copy(update={"abstract": abstract})
    assert embedding_text(paper) == paper.title


@pytest.mark.browser
def test_a_reader_follows_a_similar_paper_with_the_keyboard(page, demo_url, demo_conference):
    expected = load_pipeline_outputs(demo_conference).similar["h27-001"][0]
    page.goto(demo_url + "papers/h27-001.html")
    links = page.locator(".similar-papers a")
    assert links.count() == 5
    assert page.locator(".similar-papers .byline").first.inner_text().strip()
    links.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/papers/{expected}.html")
    assert page.locator("h1").inner_text() == demo_conference.paper_by_id[expected].title
    assert page.console_errors == []


def test_freeze_and_if_stale_need_no_numpy_or_torch(tmp_path):
    """Authors' pull requests install the site tools alone: the outputs must suffice."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "for name in ('numpy', 'torch', 'faiss', 'umap', 'sentence_transformers'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from miniconf.cli import cli\n"
        "cli(sys.argv[1:])\n"
    )
    sitedata = Path(__file__).resolve().parent.parent / "sitedata"
    stale_check = subprocess.run(
        [sys.executable, "-c", script, "pipeline", str(sitedata), "--if-stale"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stale_check.returncode == 0 and "up to date" in stale_check.stdout, stale_check.stderr
    out = tmp_path / "build"
    frozen = subprocess.run(
        [sys.executable, "-c", script, "freeze", str(sitedata), "--out", str(out), "-j", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert frozen.returncode == 0, frozen.stderr
    assert (out / "vectors.bin").exists()
