"""The ranking recipe's steps and its evaluation, on made-up vectors (no model, no torch)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from miniconf.cli import cli
from miniconf.pipeline.evaluate import agreement, random_lists
from miniconf.pipeline.neighbours import search_candidates
from miniconf.pipeline.recipe import (
    centered,
    paper_vectors,
    shared_neighbour_scores,
    similar_papers,
    texts_to_embed,
)
from miniconf.pipeline.settings import Recipe
from miniconf.structure.pipeline_outputs import outputs_folder

WORDS = ("graph", "attention", "protein", "robot", "speech", "vision", "policy", "parsing")


def clustered(count: int, dims: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(1, count // 10), dims))
    vectors = np.repeat(centres, 10, axis=0)[:count] + 0.7 * rng.normal(size=(count, dims))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def texts(count: int) -> list[str]:
    return [
        f"Paper {i}\n\nWe study {WORDS[i % 8]} and {WORDS[(i // 8) % 8]}." for i in range(count)
    ]


@pytest.mark.parametrize("index", ["flat", "ivf"])
def test_every_paper_gets_k_distinct_others_the_same_way_every_run(index):
    vectors, papers = clustered(300), texts(300)
    first = similar_papers(vectors, papers, 5, Recipe(), index)
    assert first == similar_papers(vectors, papers, 5, Recipe(), index)
    for row, others in enumerate(first):
        assert len(others) == 5 == len(set(others)) and row not in others


def test_the_tfidf_step_finds_papers_that_share_rare_terms():
    """Vectors that say nothing (random); two abstracts share a rare pair of words."""
    vectors = clustered(60, seed=3)
    papers = texts(60)
    papers[7] += " Zyxomorphic quantization of lattices."
    papers[41] += " Zyxomorphic quantization of lattices."
    lexical = replace(Recipe.plain(), tfidf_weight=3.0, candidates=59)
    assert similar_papers(vectors, papers, 1, lexical)[7] == [41]
    assert similar_papers(vectors, papers, 1, Recipe.plain())[7] != [41]


def test_shared_neighbours_count_the_candidates_two_papers_have_in_common():
    pool = np.array([[1, 2, 3], [0, 2, 3], [3, 0, 1], [2, 1, 0]])
    scores = -np.arange(3, dtype=float)[None, :].repeat(4, axis=0)  # best first
    shared = shared_neighbour_scores(pool, scores, snn_k=2)
    # 0 keeps {0, 1, 2}; 1 keeps {1, 0, 2}: all three in common. 3 keeps {3, 2, 1}.
    assert shared[0, 0] == pytest.approx(1.0)  # 0 and 1
    assert shared[0, 2] == pytest.approx(2 / 3)  # 0 and 3 share 1 and 2


def test_title_and_abstract_are_embedded_apart_and_added():
    recipe = Recipe()
    papers = ["A title\n\nAn abstract.", "Only a title"]
    assert texts_to_embed(papers, recipe) == ["A title", "Only a title", "An abstract."]
    assert texts_to_embed(papers, Recipe.plain()) == papers
    unit = np.eye(3, dtype=np.float32)
    vector_of = {"A title": unit[0], "An abstract.": unit[1], "Only a title": unit[2]}
    rows = paper_vectors(papers, vector_of, recipe)
    expected = (unit[1] + 0.5 * unit[0]) / np.linalg.norm(unit[1] + 0.5 * unit[0])
    assert np.allclose(rows[0], expected) and np.allclose(rows[1], unit[2])


def test_centering_removes_what_every_paper_shares():
    shared = np.ones(16, dtype=np.float32)
    vectors = clustered(50, dims=16) + 3 * shared
    assert np.abs(centered(vectors).mean(axis=0)).max() < 0.05
    assert np.allclose(np.linalg.norm(centered(vectors), axis=1), 1, atol=1e-5)


def test_candidates_never_hold_the_paper_itself():
    vectors = clustered(200)
    vectors[5] = vectors[6]  # twins
    scores, pool = search_candidates(vectors, 20, "ivf")
    assert pool.shape == (200, 20) and not (pool == np.arange(200)[:, None]).any()
    assert 6 in pool[5] and np.all(np.diff(scores, axis=1) <= 1e-6)


def test_agreement_is_the_share_of_similar_papers_sharing_the_label():
    labels = [frozenset({"a"}), frozenset({"a"}), frozenset({"b"}), frozenset()]
    result = agreement([[1, 2], [0, 2], [0, 1], [0, 1]], labels)
    assert result.papers == 3 and result.mean == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert result.low <= result.mean <= result.high
    lists = random_lists(50, 5)
    assert all(len(set(others)) == 5 and row not in others for row, others in enumerate(lists))


@pytest.mark.slow  # imports torch and sentence-transformers to fail loading the model: 5 s
def test_a_change_of_recipe_makes_the_outputs_stale(sitedata_copy):
    """--if-stale compares the recipe inputs.json records with the one asked for."""
    inputs_file = outputs_folder(sitedata_copy) / "inputs.json"
    recorded = json.loads(inputs_file.read_text())
    inputs_file.write_text(
        json.dumps({**recorded, "model": "a-model-that-is-nowhere", "recipe": Recipe().as_dict()})
    )
    for name in ("similar.json", "map.json", "vectors.json"):  # the same run's files
        other = outputs_folder(sitedata_copy) / name
        other.write_text(
            json.dumps({**json.loads(other.read_text()), "model": "a-model-that-is-nowhere"})
        )
    runner = CliRunner()
    same = runner.invoke(cli, ["pipeline", str(sitedata_copy), "--if-stale"])
    assert same.exit_code == 0 and "up to date" in same.output, same.output
    other = runner.invoke(
        cli, ["pipeline", str(sitedata_copy), "--if-stale", "--tfidf-weight", "0", "--quiet"]
    )
    assert other.exit_code == 1 and "cannot load the model 'a-model-that-is-nowhere'" in (
        other.output
    )
