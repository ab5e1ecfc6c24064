"""Each paper's most similar papers, by inner product of normalized vectors (cosine).

Exact search (faiss ``IndexFlatIP``) compares every pair: right for a conference's
thousands of papers. Past ``APPROXIMATE_FROM`` papers, or on request, an approximate
index compares each paper with a few candidates only: IVF (the papers of its nearest
k-means clusters), which keeps 100,000 papers to seconds, or HNSW (a neighbour graph).
Candidates are sorted by (score rounded to SCORE_DECIMALS, paper order), so ties fall
the same way on every run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import INDEX_KINDS

#: From this many papers ``--index auto`` uses IVF instead of exact search.
APPROXIMATE_FROM = 20_000
#: Scores equal to this many decimals count as ties (broken by paper order). float32
#: inner products of unit vectors are exact to about 1e-7.
SCORE_DECIMALS = 5
#: IVF: clusters each paper is compared in (its nearest ones).
IVF_PROBES = 8


def choose_index(kind: str, count: int) -> str:
    if kind == "auto":
        return "ivf" if count >= APPROXIMATE_FROM else "flat"
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r} (use one of {', '.join(INDEX_KINDS)})")
    return kind


def _search_all(kind: str, vectors: np.ndarray, wanted: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, row numbers) of the ``wanted`` best candidates of every row."""
    import faiss

    count, dims = vectors.shape
    if kind == "flat" or count < 64:  # too few papers to cluster: exact is instant anyway
        index = faiss.IndexFlatIP(dims)
        index.add(vectors)
        return index.search(vectors, wanted)
    if kind == "hnsw":
        graph = faiss.IndexHNSWFlat(dims, 32, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = 80
        graph.hnsw.efSearch = 64
        graph.add(vectors)
        return graph.search(vectors, wanted)
    # IVF. About √(probes × n) clusters balances the two costs of a query: comparing
    # with every cluster centre, and with the papers of the probed clusters. k-means
    # runs on a sample (10 papers per cluster, 6 rounds): the lists it makes are what
    # recall depends on, not perfect centres.
    lists = max(1, min(int(math.sqrt(IVF_PROBES * count)), count // 10))
    quantizer = faiss.IndexFlatIP(dims)
    lists_index = faiss.IndexIVFFlat(quantizer, dims, lists, faiss.METRIC_INNER_PRODUCT)
    lists_index.cp.seed = 1234  # k-means seeding: same clusters, same lists
    lists_index.cp.niter = 6
    lists_index.cp.max_points_per_centroid = 10
    lists_index.cp.min_points_per_centroid = 1  # no warning about the small sample
    lists_index.train(vectors)
    probes = min(lists, IVF_PROBES)
    # The papers are also the queries: find each one's nearest clusters once, and use
    # that both to file it (its nearest cluster) and to search (all of them).
    centre_scores, centres = quantizer.search(vectors, probes)
    # swig_ptr does not keep its array alive: both must be named until add_core returns.
    row_numbers = np.arange(count, dtype=np.int64)
    nearest_centre = np.ascontiguousarray(centres[:, 0], dtype=np.int64)
    lists_index.add_core(
        count, faiss.swig_ptr(vectors), faiss.swig_ptr(row_numbers), faiss.swig_ptr(nearest_centre)
    )
    lists_index.nprobe = probes
    # faiss's stubs give the C++ signature, not the numpy wrapper Python calls.
    wrapped: Any = lists_index
    return wrapped.search_preassigned(vectors, wanted, centres, centre_scores)


def nearest_neighbours(vectors: np.ndarray, k: int, kind: str = "auto") -> list[list[int]]:
    """For each row, the row numbers of its ``k`` most similar other rows, best first.

    A row never lists itself, even when another row is identical to it (duplicate
    abstracts). Ties are broken by row number, so the order is reproducible.
    """
    count = vectors.shape[0]
    k = min(k, count - 1)
    if count == 0 or k <= 0:
        return [[] for _ in range(count)]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    # Extra candidates: the row itself, and ties that straddle the k-th place.
    wanted = min(count, 2 * k + 2)
    scores, found = _search_all(choose_index(kind, count), vectors, wanted)
    unusable = (found < 0) | (found == np.arange(count)[:, None])
    scores = np.where(unusable, -np.inf, np.round(scores, SCORE_DECIMALS))
    tie_break = np.where(unusable, np.iinfo(np.int64).max, found)
    order = np.lexsort((tie_break, -scores), axis=-1)[:, :k]
    best = np.take_along_axis(found, order, axis=1)
    usable = ~np.take_along_axis(unusable, order, axis=1)
    return [row[keep].tolist() for row, keep in zip(best, usable, strict=True)]


def search_candidates(vectors: np.ndarray, size: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(scores, row numbers) of each row's ``size`` most similar other rows, best first.

    The pool the recipe re-ranks (recipe.py). An approximate index may find fewer than
    ``size`` for a row; such rows are searched exactly instead, so every row has a full
    pool and never itself."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    count = len(vectors)
    scores, found = _search_all(kind, vectors, min(count, size + 1))
    unusable = (found < 0) | (found == np.arange(count)[:, None])
    order = np.argsort(unusable, axis=1, kind="stable")[:, :size]  # usable first, in order
    pool = np.take_along_axis(found, order, axis=1)
    pool_scores = np.take_along_axis(scores, order, axis=1)
    short = np.flatnonzero(np.take_along_axis(unusable, order, axis=1).any(axis=1))
    if len(short):
        exact = vectors[short] @ vectors.T
        exact[np.arange(len(short)), short] = -np.inf
        pool[short] = np.argsort(-exact, axis=1, kind="stable")[:, :size]
        pool_scores[short] = np.take_along_axis(exact, pool[short], axis=1)
    return pool_scores, pool
