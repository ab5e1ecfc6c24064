"""The pipeline's steps without a model: neighbours, map, browser vectors, batching."""

from __future__ import annotations

import json

import numpy as np
import pytest

from miniconf.pipeline.cache import EmbeddingCache
from miniconf.pipeline.embed import encode_in_batches
from miniconf.pipeline.neighbours import nearest_neighbours
from miniconf.pipeline.outputs import SCALE, browser_vectors, write_outputs
from miniconf.pipeline.projection import TSNE_FROM, project
from miniconf.structure.pipeline_outputs import text_digest


def unit_rows(count: int, dims: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_neighbours_are_the_most_similar_others_best_first():
    vectors = unit_rows(200)
    found = nearest_neighbours(vectors, 5)
    scores = np.round(vectors.astype(np.float64) @ vectors.T, 5)
    for row, others in enumerate(found):
        assert row not in others and len(others) == 5
        expected = sorted((i for i in range(200) if i != row), key=lambda i: (-scores[row, i], i))
        assert others == expected[:5]


def test_duplicate_papers_list_each_other_never_themselves():
    vectors = unit_rows(10)
    vectors[3] = vectors[7] = vectors[5]  # three identical abstracts
    found = nearest_neighbours(vectors, 3)
    assert found[5][:2] == [3, 7]  # ties in paper order
    assert found[3][:2] == [5, 7] and found[7][:2] == [3, 5]
    assert all(row not in others for row, others in enumerate(found))


def test_neighbours_are_deterministic_with_ties():
    vectors = np.tile(unit_rows(1), (8, 1))  # every paper identical: all ties
    assert nearest_neighbours(vectors, 3) == nearest_neighbours(vectors.copy(), 3)
    assert nearest_neighbours(vectors, 3)[0] == [1, 2, 3]
    assert nearest_neighbours(vectors, 3)[5] == [0, 1, 2]


@pytest.mark.parametrize("count, expected", [(0, []), (1, [[]]), (2, [[1], [0]])])
def test_neighbours_of_tiny_conferences(count, expected):
    assert nearest_neighbours(unit_rows(count) if count else np.zeros((0, 8)), 5) == expected


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_indexes_find_almost_all_exact_neighbours(kind):
    # Clustered data, like papers: 20 topics of 100 papers.
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(20, 48))
    vectors = np.repeat(centres, 100, axis=0) + 0.6 * rng.normal(size=(2000, 48))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    exact = nearest_neighbours(vectors, 5, "flat")
    approximate = nearest_neighbours(vectors, 5, kind)
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approximate, exact, strict=True)])
    assert recall > 0.9
    assert approximate == nearest_neighbours(vectors, 5, kind)  # and the same every run


def test_pca_map_of_a_small_conference_is_reproducible_and_in_the_unit_square():
    vectors = unit_rows(TSNE_FROM - 1)
    method, points = project(vectors)
    assert method == "pca" and points.shape == (TSNE_FROM - 1, 2)
    assert points.min() >= 0 and points.max() <= 1
    assert np.isclose(points.max(axis=0), 1).any()  # fills the square along its long axis
    assert np.array_equal(points, project(vectors.copy())[1])


def topics(count: int, per_topic: int = 20, dims: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of ``count`` papers on ``count // per_topic`` topics, and their topic."""
    rng = np.random.default_rng(7)
    topic = np.arange(count) // per_topic
    vectors = rng.normal(size=(count // per_topic, dims))[topic] + 0.5 * rng.normal(
        size=(count, dims)
    )
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), topic


def share_of_map_neighbours_on_the_same_topic(points: np.ndarray, topic: np.ndarray) -> float:
    distances = ((points[:, None] - points[None]) ** 2).sum(axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :5]
    return float((topic[nearest] == topic[:, None]).mean())


def test_tsne_map_keeps_topics_together_and_is_reproducible():
    vectors, topic = topics(160)
    method, points = project(vectors)
    assert method == "tsne" and points.shape == (160, 2)
    assert points.min() >= 0 and points.max() <= 1
    together = share_of_map_neighbours_on_the_same_topic(points, topic)
    assert together > 0.9
    assert together > share_of_map_neighbours_on_the_same_topic(project(vectors, "pca")[1], topic)
    assert np.array_equal(points, project(vectors.copy())[1])


def test_tsne_map_is_the_same_whatever_the_number_of_threads():
    from threadpoolctl import threadpool_limits

    vectors, _ = topics(200)  # enough papers for threads to split the work
    with threadpool_limits(limits=1):
        one = project(vectors)[1]
    with threadpool_limits(limits=2):
        two = project(vectors)[1]
    assert np.array_equal(one, two)


def test_tsne_map_of_identical_papers_falls_back_to_pca():
    vectors = np.repeat(unit_rows(1), TSNE_FROM, axis=0)
    method, points = project(vectors, "tsne")
    assert method == "pca" and points.tolist() == [[0.5, 0.5]] * TSNE_FROM


@pytest.mark.parametrize("count", [1, 2, 3])
def test_maps_of_tiny_conferences(count):
    method, points = project(unit_rows(count))
    assert method == "pca" and points.shape == (count, 2)
    assert points.min() >= 0 and points.max() <= 1
    if count == 1:
        assert points.tolist() == [[0.5, 0.5]]


def test_browser_vectors_keep_the_ranking():
    vectors = unit_rows(300, dims=384)
    compact = browser_vectors(vectors)
    assert compact.dtype == np.int8 and compact.shape == (300, 64)
    approximate = compact.astype(np.int32) @ compact.astype(np.int32).T / SCALE**2
    norms = np.sqrt(np.diag(approximate))
    assert np.allclose(norms, 1, atol=0.02)  # unit vectors, within rounding
    # The best match by the compact vectors is among the true top 10 for most papers.
    true = vectors @ vectors.T
    np.fill_diagonal(true, -2)
    np.fill_diagonal(approximate, -2)
    best = approximate.argmax(axis=1)
    top10 = np.argsort(-true, axis=1)[:, :10]
    assert np.mean([best[i] in top10[i] for i in range(300)]) > 0.5


def test_browser_vectors_stay_under_a_megabyte_for_ten_thousand_papers():
    assert browser_vectors(unit_rows(10_000, dims=384)).nbytes <= 1_000_000


def test_output_files_have_one_line_per_paper(tmp_path):
    items = [("a", "A"), ("b", "B"), ("c", "C")]
    write_outputs(
        tmp_path,
        model="m",
        items=items,
        k=2,
        similar=[[1, 2], [0, 2], [0, 1]],
        method="pca",
        positions=np.array([[0, 0], [1, 0.5], [0.25, 1]]),
        vectors=unit_rows(3),
    )
    similar_text = (tmp_path / "similar.json").read_text()
    assert '  "b": ["a", "c"],\n' in similar_text
    assert json.loads(similar_text)["similar"]["c"] == ["a", "b"]
    assert json.loads((tmp_path / "map.json").read_text())["positions"]["b"] == [1.0, 0.5]
    meta = json.loads((tmp_path / "vectors.json").read_text())
    assert len((tmp_path / "vectors.bin").read_bytes()) == 3 * meta["dims"]
    texts = json.loads((tmp_path / "inputs.json").read_text())["texts"]
    assert texts == {"a": text_digest("A"), "b": text_digest("B"), "c": text_digest("C")}
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind


def test_out_of_memory_halves_the_batch_and_goes_on():
    import torch

    seen_sizes = []

    def encode_with_little_memory(texts):
        seen_sizes.append(len(texts))
        if len(texts) > 5:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return np.ones((len(texts), 4), dtype=np.float32)

    kept = []
    final = encode_in_batches(
        encode_with_little_memory,
        [f"t{i}" for i in range(23)],
        32,
        lambda batch, vectors: kept.extend(batch),
    )
    assert final == 4
    assert seen_sizes[:4] == [23, 16, 8, 4]  # 23 texts: the first batch holds them all
    assert kept == [f"t{i}" for i in range(23)]


def test_other_errors_are_not_mistaken_for_out_of_memory():
    def broken(texts):
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        encode_in_batches(broken, ["a", "b"], 2, lambda batch, vectors: None)


def test_a_crash_mid_run_keeps_the_finished_batches(tmp_path):
    texts = [f"text {i}" for i in range(10)]

    def crash_on_third_batch(batch):
        if "text 4" in batch:
            raise KeyboardInterrupt  # the organizer presses Ctrl-C, or the machine dies
        return unit_rows(len(batch), dims=8)

    with EmbeddingCache(tmp_path) as cache, pytest.raises(KeyboardInterrupt):
        encode_in_batches(
            crash_on_third_batch,
            texts,
            2,
            lambda batch, vectors: cache.put_many("m", batch, vectors),
        )
    with EmbeddingCache(tmp_path) as cache:
        assert cache._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert sorted(cache.get_many("m", texts)) == texts[:4]
        assert cache.get_many("other-model", texts) == {}


def test_laying_out_the_map_compiles_nothing():
    """The map's layout is precompiled code: a cold run spends no time importing or
    compiling a JIT (numba, which UMAP needed) before the map is drawn."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from miniconf.pipeline.projection import project\n"
        "vectors = np.random.default_rng(0).normal(size=(60, 16)).astype(np.float32)\n"
        "assert project(vectors)[0] == 'tsne'\n"
        "print(sorted({'numba', 'umap', 'torch'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
