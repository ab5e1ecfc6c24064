"""The ranking recipe: how similar papers are found, one small step per function.

Measured on real conferences whose papers carry their track (the share of each paper's
top-5 similar papers in its own track; ``miniconf pipeline evaluate`` and
bench/bench_pipeline.py), each step adds a little over plain cosine of one embedding
of title + abstract:

1. ``paper_vectors``: the abstract and the title embedded separately, and the title's
   vector added to the abstract's with weight ``title_weight`` (the title is the
   authors' own one-line summary; inside one long text it counts for little);
2. ``centered``: the corpus mean subtracted before cosine, so that what every paper of
   the field shares ("we propose a model") does not make them all look alike;
3. ``lexical_scores``: a TF-IDF (words and word pairs) cosine fused with the embedding
   score, both z-scored over each paper's candidates, weight ``tfidf_weight``: rare
   shared terms (a dataset's name, a method's) are strong evidence a model may blur;
4. ``shared_neighbour_scores``: re-ranking by shared nearest neighbours (how many of
   the ``snn_k`` best candidates two papers have in common), weight ``snn_weight``:
   two papers that the same papers are close to are close, which damps "hub" papers
   that look similar to everything.

A weight of 0 turns a step off; ``Recipe.plain()`` is the recipe before these steps.
The recipe is recorded in inputs.json, so a change of recipe makes the outputs stale.
Steps 3 and 4 score a pool of candidates per paper (its ``candidates`` nearest by the
embedding, from faiss), never all pairs, so 10,000 papers cost seconds.
"""

from __future__ import annotations

import numpy as np

from .neighbours import SCORE_DECIMALS, choose_index, nearest_neighbours, search_candidates
from .settings import Recipe

__all__ = ["Recipe", "centered", "paper_vectors", "similar_papers", "split_text"]


def split_text(text: str) -> tuple[str, str]:
    """(title, abstract) of an embedded text (structure.pipeline_outputs.embedding_text)."""
    title, _, abstract = text.partition("\n\n")
    return title, abstract


def texts_to_embed(texts: list[str], recipe: Recipe) -> list[str]:
    """What the model must embed for these papers' texts under ``recipe``."""
    if recipe.title_weight == 0:
        return texts
    parts = [split_text(text) for text in texts]
    return [title for title, _ in parts] + [abstract for _, abstract in parts if abstract]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 1e-12)


def paper_vectors(texts: list[str], vector_of: dict[str, np.ndarray], recipe: Recipe) -> np.ndarray:
    """One unit vector per text: its embedding, or abstract + title_weight × title."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if recipe.title_weight == 0:
        return np.stack([vector_of[text] for text in texts]).astype(np.float32)
    rows = []
    for text in texts:
        title, abstract = split_text(text)
        title_vector = vector_of[title]
        # A paper without an abstract is its title.
        rows.append(
            vector_of[abstract] + recipe.title_weight * title_vector if abstract else title_vector
        )
    return _unit_rows(np.stack(rows).astype(np.float32))


def centered(vectors: np.ndarray) -> np.ndarray:
    """The vectors less their mean, back to unit length."""
    if len(vectors) < 2:
        return vectors
    return _unit_rows(vectors - vectors.mean(axis=0, keepdims=True)).astype(np.float32)


def zscores(scores: np.ndarray) -> np.ndarray:
    """Each row's scores as distances from the row's mean, in standard deviations."""
    mean = scores.mean(axis=1, keepdims=True)
    spread = scores.std(axis=1, keepdims=True)
    return (scores - mean) / np.where(spread > 1e-9, spread, 1.0)


#: Candidate pairs whose TF-IDF cosine is computed at a time (bounds the memory used).
PAIRS_PER_BLOCK = 50_000


def lexical_scores(texts: list[str], pool: np.ndarray) -> np.ndarray:
    """TF-IDF cosine (words and word pairs) of each paper with each of its candidates;
    the n × n matrix of all pairs is never made."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if len(texts) >= 50 else 1,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # nothing but stop words anywhere: no lexical evidence
        return np.zeros(pool.shape, dtype=np.float32)
    # Only the pairs of a paper and its candidates: the rows of both sides, multiplied
    # entry by entry (sparse) and summed, a block of pairs at a time.
    rows = np.repeat(np.arange(len(texts)), pool.shape[1])
    others = pool.ravel()
    scores = np.zeros(rows.size, dtype=np.float32)
    for start in range(0, rows.size, PAIRS_PER_BLOCK):
        block = slice(start, start + PAIRS_PER_BLOCK)
        products = matrix[rows[block]].multiply(matrix[others[block]])
        scores[block] = np.asarray(products.sum(axis=1)).ravel()
    return scores.reshape(pool.shape)


def shared_neighbour_scores(pool: np.ndarray, scores: np.ndarray, snn_k: int) -> np.ndarray:
    """For each paper and candidate: the share of their ``snn_k`` best (by ``scores``,
    each paper counting itself) that they have in common."""
    from scipy.sparse import csr_matrix

    count = len(pool)
    snn_k = min(snn_k, pool.shape[1])
    best = np.take_along_axis(pool, np.argsort(-scores, axis=1, kind="stable")[:, :snn_k], axis=1)
    members = np.hstack([np.arange(count)[:, None], best])
    rows = np.repeat(np.arange(count), members.shape[1])
    sets = csr_matrix(
        (np.ones(rows.size, dtype=np.float32), (rows, members.ravel())), shape=(count, count)
    )
    overlap = (sets @ sets.T).tocsr()
    shared = np.asarray(overlap[np.repeat(np.arange(count), pool.shape[1]), pool.ravel()])
    return shared.reshape(pool.shape) / members.shape[1]


def similar_papers(
    vectors: np.ndarray, texts: list[str], k: int, recipe: Recipe, index: str = "auto"
) -> list[list[int]]:
    """For each paper (row), its ``k`` most similar other papers, best first, by recipe.

    Ties (scores equal to SCORE_DECIMALS decimals) go to the lower row number."""
    count = len(vectors)
    if not (recipe.tfidf_weight or recipe.snn_weight) or count <= 2:
        return nearest_neighbours(vectors, k, index)
    k = min(k, count - 1)
    size = min(count - 1, max(recipe.candidates, k, recipe.snn_k))
    dense, pool = search_candidates(vectors, size, choose_index(index, count))
    score = zscores(dense)
    if recipe.tfidf_weight:
        score = score + recipe.tfidf_weight * zscores(lexical_scores(texts, pool))
    if recipe.snn_weight:
        score = score + recipe.snn_weight * zscores(
            shared_neighbour_scores(pool, score, recipe.snn_k)
        )
    score = np.round(score, SCORE_DECIMALS)
    order = np.lexsort((pool, -score), axis=-1)[:, :k]
    return np.take_along_axis(pool, order, axis=1).tolist()
