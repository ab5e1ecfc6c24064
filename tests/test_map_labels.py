"""The map's region names: clusters of the embeddings named by c-TF-IDF (pipeline/labels.py),
read back for the site only while they match the papers (structure/pipeline_labels.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from conftest import REPO, load_ok

from miniconf.pipeline.labels import write_labels
from miniconf.site.app import create_app
from miniconf.structure.pipeline_labels import LABELS_FILE, load_map_labels

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import FAKE_MODEL, write_outputs  # noqa: E402

TOPICS = {
    "quantum": "quantum circuits qubits",
    "protein": "protein folding structures",
    "traffic": "traffic forecasting roads",
}


def topic_papers(per_topic: int = 12):
    """Papers about three topics, with embeddings that point one way per topic."""
    rng = np.random.default_rng(1)
    ids, texts, rows = [], [], []
    for t, (topic, words) in enumerate(TOPICS.items()):
        centre = np.eye(8)[t] * 5
        for n in range(per_topic):
            ids.append(f"{topic}-{n:02d}")
            texts.append(f"A study of {words} number {n}\n\nWe present {words} with a model.")
            rows.append(centre + rng.normal(scale=0.3, size=8))
    return ids, texts, np.array(rows, dtype=np.float32)


def test_each_cluster_is_named_by_its_own_words_and_the_file_is_deterministic(tmp_path: Path):
    ids, texts, vectors = topic_papers()
    for folder in (tmp_path / "a", tmp_path / "b"):
        write_labels(folder, model="m", inputs="0" * 64, ids=ids, texts=texts, vectors=vectors)
    first = (tmp_path / "a" / LABELS_FILE).read_bytes()
    assert first == (tmp_path / "b" / LABELS_FILE).read_bytes()
    data = json.loads(first)
    assert len(data["clusters"]) == 3  # round(sqrt(36 papers / 3))
    for topic, words in TOPICS.items():
        cluster = data["cluster_of"][f"{topic}-00"]
        members = {pid for pid, c in data["cluster_of"].items() if c == cluster}
        assert all(pid.startswith(topic) for pid in members), members
        label = data["clusters"][cluster]["label"]
        assert any(word in label for word in words.split()), (topic, label)
        assert "model" not in label and "study" not in label  # words every cluster uses


def test_labels_reach_explore_json_and_survive_an_authors_edit(sitedata_copy: Path):
    write_outputs(sitedata_copy, dims=16)  # the stand-in pipeline writes labels.json too
    conference = load_ok(sitedata_copy)
    labels = load_map_labels(conference, FAKE_MODEL)
    assert labels is not None and labels.names
    explore = create_app(conference).test_client().get("/explore.json").get_json()
    assert [cluster["label"] for cluster in explore["clusters"]] == list(labels.names)
    assert sorted(i for c in explore["clusters"] for i in c["papers"]) == sorted(
        paper.id for paper in conference.papers
    )
    # An author edits a title: like the map's positions, the region names stay (issue
    # 21: an edit never empties the site) until the pipeline runs again.
    paper = sitedata_copy / "papers" / "h27-003.yml"
    paper.write_text(paper.read_text().replace("title:", "title: Changed", 1))
    changed = load_ok(sitedata_copy)
    assert load_map_labels(changed, FAKE_MODEL) == labels
    # Made by another model: not these outputs' labels, left out.
    assert load_map_labels(changed, "another-model") is None
    # And a site whose outputs have no labels.json still builds its map without names.
    write_outputs(sitedata_copy, dims=16)
    (sitedata_copy / "pipeline" / LABELS_FILE).unlink()
    assert (
        "clusters"
        not in create_app(load_ok(sitedata_copy)).test_client().get("/explore.json").get_json()
    )
