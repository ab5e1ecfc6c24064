"""The pipeline end to end with the packaged model: cache, bad input, the demo.

Loading the model costs seconds on 2 cores, so one loaded model is shared by the tests
(``embedder``) and the inputs are small.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import load_ok

from miniconf.cli import cli
from miniconf.pipeline.embed import DEFAULT_MODEL, Embedder, EmbeddingError
from miniconf.pipeline.run import PipelineSettings, run_pipeline
from miniconf.structure.pipeline_outputs import (
    conference_inputs,
    load_pipeline_outputs,
    outputs_folder,
)

pytestmark = pytest.mark.slow

PAPERS = [
    ("p1", "Sparse attention for long documents\n\nWe make transformers read long texts."),
    ("p2", "Linear-time attention\n\nAttention whose cost grows linearly with text length."),
    ("p3", "Protein folding with graph networks\n\nWe predict protein structure from sequence."),
    ("p4", "Molecule generation\n\nA diffusion model proposes drug-like molecules."),
    ("p5", "Robot grasping from pixels\n\nA policy learns to pick up objects from images."),
    ("p6", "Walking robots\n\nReinforcement learning teaches a legged robot to walk."),
]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder(DEFAULT_MODEL, device="cpu", batch_size=4)
    assert model.model is not None  # loaded once, here
    return model


def run(tmp_path: Path, papers, embedder=None, **settings):
    return run_pipeline(
        papers,
        tmp_path / "out",
        tmp_path / "cache",
        PipelineSettings(**settings),
        embedder=embedder,
        progress=False,
    )


def read(tmp_path: Path, name: str) -> dict:
    return json.loads((tmp_path / "out" / name).read_text())


def test_similar_papers_make_sense(tmp_path, embedder):
    report = run(tmp_path, PAPERS, embedder, k=1)
    # The recipe embeds titles and abstracts apart.
    assert report.embedded == 12 and report.cached == 0 and report.device == "cpu"
    similar = read(tmp_path, "similar.json")["similar"]
    assert similar == {
        "p1": ["p2"],
        "p2": ["p1"],
        "p3": ["p4"],
        "p4": ["p3"],
        "p5": ["p6"],
        "p6": ["p5"],
    }


def test_a_rerun_loads_no_model_and_an_edit_embeds_one_paper(tmp_path, embedder):
    run(tmp_path, PAPERS, embedder)
    (tmp_path / "out" / "similar.json").unlink()  # outputs gone: recomputed from the cache
    fresh = Embedder(DEFAULT_MODEL, device="cpu")
    report = run(tmp_path, PAPERS, fresh)
    assert (report.embedded, report.cached) == (0, 12)
    assert fresh.loads == 0 and not fresh.loaded
    assert "load model" not in report.timings
    assert (tmp_path / "out" / "similar.json").exists()

    edited = [*PAPERS[:-1], ("p6", PAPERS[-1][1] + " It also climbs stairs.")]
    report = run(tmp_path, edited, embedder)
    assert (report.embedded, report.cached) == (1, 11)


def test_an_unchanged_rerun_does_nothing(tmp_path, embedder):
    run(tmp_path, PAPERS, embedder)
    before = {f.name: f.stat().st_mtime_ns for f in (tmp_path / "out").iterdir()}
    report = run(tmp_path, PAPERS, Embedder("a/model/that/does/not/exist"))
    assert report.up_to_date
    assert before == {f.name: f.stat().st_mtime_ns for f in (tmp_path / "out").iterdir()}


def test_changing_k_or_model_recomputes(tmp_path, embedder):
    run(tmp_path, PAPERS, embedder, k=2)
    report = run(tmp_path, PAPERS, embedder, k=3)
    assert not report.up_to_date and (report.embedded, report.cached) == (0, 12)
    assert all(len(v) == 3 for v in read(tmp_path, "similar.json")["similar"].values())


def test_results_are_deterministic(tmp_path, embedder):
    run(tmp_path / "a", PAPERS, embedder)
    run(tmp_path / "b", PAPERS, embedder)  # separate caches: embedded twice
    for name in ("similar.json", "map.json", "vectors.json"):
        assert read(tmp_path / "a", name) == read(tmp_path / "b", name)
    bins = [(tmp_path / f / "out" / "vectors.bin").read_bytes() for f in "ab"]
    assert bins[0] == bins[1]


def test_zero_papers_give_empty_outputs(tmp_path):
    report = run(tmp_path, [], Embedder("not-loaded"))
    assert report.papers == 0 and report.embedded == 0
    assert read(tmp_path, "similar.json")["similar"] == {}
    assert read(tmp_path, "map.json")["positions"] == {}
    assert read(tmp_path, "vectors.json")["ids"] == []


def test_one_paper_has_no_similar_papers_and_sits_in_the_middle(tmp_path, embedder):
    run(tmp_path, PAPERS[:1], embedder)
    assert read(tmp_path, "similar.json")["similar"] == {"p1": []}
    assert read(tmp_path, "map.json")["positions"] == {"p1": [0.5, 0.5]}


def test_duplicate_abstracts_are_embedded_once_and_recommend_each_other(tmp_path, embedder):
    twins = [*PAPERS, ("p7", PAPERS[2][1])]
    report = run(tmp_path, twins, embedder, k=2)
    assert report.texts == 12 and report.embedded == 12
    similar = read(tmp_path, "similar.json")["similar"]
    assert similar["p3"][0] == "p7" and similar["p7"][0] == "p3"


def test_empty_abstracts_and_other_languages_embed(tmp_path, embedder):
    papers = [
        ("en", "Walking robots"),  # a title and no abstract
        ("pt", "Robôs que andam\n\nAprendizagem por reforço ensina um robô a andar."),
        ("ja", "歩行ロボット\n\n強化学習で脚ロボットに歩行を教える。"),
        ("emoji", "🤖🦿\n\n🚶"),
    ]
    report = run(tmp_path, papers, embedder)
    assert report.embedded == 7  # four titles, three abstracts
    assert set(read(tmp_path, "similar.json")["similar"]) == {"en", "pt", "ja", "emoji"}
    vectors = np.frombuffer((tmp_path / "out" / "vectors.bin").read_bytes(), dtype=np.int8)
    assert vectors.size == 4 * read(tmp_path, "vectors.json")["dims"]


def test_long_abstracts_are_truncated_and_the_summary_says_so(tmp_path, embedder):
    long_text = "Long\n\n" + "We study attention in long documents. " * 400
    report = run(tmp_path, [*PAPERS, ("long", long_text)], embedder)
    assert report.truncated == 1 and report.max_tokens == 256
    assert "1 text(s) exceed the model's 256 tokens" in report.summary()


def test_a_model_that_cannot_be_loaded_offline_is_named_with_the_fix(tmp_path):
    with pytest.raises(EmbeddingError) as error:
        run(tmp_path, PAPERS, Embedder("allenai/specter2_base", device="cpu"))
    message = str(error.value)
    assert "'allenai/specter2_base'" in message and "offline" in message
    assert "HF_HUB_OFFLINE=0" in message and DEFAULT_MODEL in message


def test_a_missing_gpu_is_a_clear_error(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(EmbeddingError, match="no CUDA GPU"):
        run(tmp_path, PAPERS, Embedder(DEFAULT_MODEL, device="cuda"))


def test_the_demo_end_to_end_with_the_packaged_model(sitedata_copy, tmp_path):
    for output in outputs_folder(sitedata_copy).iterdir():
        output.unlink()
    runner = CliRunner()
    result = runner.invoke(cli, ["pipeline", str(sitedata_copy), "--quiet", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "45 papers" in result.output and "90 embedded" in result.output
    assert "device cpu, model all-MiniLM-L6-v2" in result.output
    # The summary says where the time went, each step's wall and CPU seconds.
    steps = re.findall(r"([a-z][a-z ]*?) [\d.]+ s \([\d.]+ CPU-s\)", result.output)
    assert steps == ["cache", "load model", "embed", "neighbours", "map", "write", "labels"]
    conference = load_ok(sitedata_copy)
    outputs = load_pipeline_outputs(conference)
    assert outputs.current, outputs.message
    # The packaged model gives the outputs committed with the demo (up to the last bits
    # of floating point, which may differ between CPUs).
    made, committed = outputs_folder(sitedata_copy), Path(__file__).parent.parent / "sitedata"
    committed = committed / "pipeline"
    for name in ("similar.json", "vectors.json"):
        assert json.loads((made / name).read_text()) == json.loads((committed / name).read_text())
    # The map is a t-SNE layout, which moves with scikit-learn's releases: what a visitor
    # sees is checked instead, on the map made and on the one committed: every paper on
    # it, inside the unit square, and papers of a track nearer each other than the rest.
    tracks = {paper.id: paper.track for paper in conference.papers}
    for folder in (made, committed):
        positions = json.loads((folder / "map.json").read_text())["positions"]
        assert positions.keys() == tracks.keys()
        points = np.array(list(positions.values()))
        assert np.isfinite(points).all() and points.min() >= 0 and points.max() <= 1
        distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
        labels = np.array([tracks[paper_id] for paper_id in positions])
        same = labels[:, None] == labels[None]
        apart = ~np.eye(len(labels), dtype=bool)
        assert np.median(distances[same & apart]) < 0.6 * np.median(distances[~same]), folder
    made_bin, committed_bin = (
        np.frombuffer((folder / "vectors.bin").read_bytes(), np.int8)
        for folder in (made, committed)
    )
    assert np.abs(made_bin.astype(int) - committed_bin).max() <= 1

    again = runner.invoke(cli, ["pipeline", str(sitedata_copy), "--if-stale"])
    assert "up to date" in again.output

    out = tmp_path / "build"
    frozen = runner.invoke(cli, ["freeze", str(sitedata_copy), "--out", str(out), "-j", "1"])
    assert frozen.exit_code == 0 and "warning" not in frozen.output, frozen.output
    first = outputs.similar["h27-001"][0]
    assert f'href="{first}.html"' in (out / "papers" / "h27-001.html").read_text()


def test_after_a_title_edit_the_pipeline_changes_only_what_the_edit_moved(tmp_path, embedder):
    """The demo with the packaged model: edit one title, run again. One text is embedded;
    a similar-paper list changes where the edited paper joined or left it, or where two
    near-tied papers swapped places (the corpus mean and TF-IDF weights move a little);
    every other paper keeps its place on the map."""
    conference = load_ok(Path(__file__).parent.parent / "sitedata")
    items = conference_inputs(conference)
    run(tmp_path, items, embedder)
    before_similar = read(tmp_path, "similar.json")["similar"]
    before_map = read(tmp_path, "map.json")["positions"]
    edited = "h27-001"
    retitled = [
        (paper_id, "Robot grasping from pixels: " + text if paper_id == edited else text)
        for paper_id, text in items
    ]
    report = run(tmp_path, retitled, embedder)
    assert (report.embedded, report.cached) == (1, report.texts - 1)  # the new title
    assert report.changes.changed == (edited,) and report.map_placed == 1
    after_similar = read(tmp_path, "similar.json")["similar"]
    after_map = read(tmp_path, "map.json")["positions"]
    changed_lists = [
        paper_id
        for paper_id in before_similar
        if after_similar[paper_id] != before_similar[paper_id]
    ]
    for paper_id in changed_lists:
        if paper_id != edited:
            kept = set(before_similar[paper_id]) & set(after_similar[paper_id])
            assert len(kept - {edited}) >= 4, (
                paper_id,
                before_similar[paper_id],
                after_similar[paper_id],
            )
    assert len(changed_lists) < len(items) // 2
    assert {i: p for i, p in after_map.items() if i != edited} == {
        i: p for i, p in before_map.items() if i != edited
    }
    assert after_map[edited] != before_map[edited]
    assert "1 changed, 0 new, 0 removed" in report.summary()


def test_evaluate_scores_the_recipe_plain_cosine_and_random_pairs(sitedata_copy):
    def written() -> dict[str, bytes]:
        return {f.name: f.read_bytes() for f in outputs_folder(sitedata_copy).iterdir()}

    before = written()
    result = CliRunner().invoke(
        cli, ["pipeline", "evaluate", str(sitedata_copy), "--label", "track", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    # The model's loading bar (stderr) may share a line with the figures.
    found = re.findall(
        r"(recipe|plain|random): (\d\.\d+) \[[^]]*\] \((\d+) papers\)", result.output
    )
    share = {name: float(value) for name, value, _ in found}
    assert share.keys() == {"recipe", "plain", "random"} and {n for *_, n in found} == {"45"}
    assert share["recipe"] > share["random"] + 0.2  # the demo's tracks are topical
    assert written() == before  # evaluating writes no outputs
