"""Each paper's most similar papers, by inner product of normalized vectors (cosine).

Exact search (faiss ``IndexFlatIP``) compares every pair: right for a conference's
thousands of papers. Past ``APPROXIMATE_FROM`` papers, or on request, an inverted-file
index (IVF) compares each paper with the papers of its nearest clusters only, which
keeps 100,000 papers to seconds. Candidates are then re-scored exactly and sorted by
(score, paper order), so the lists are the same on every run and every machine.
"""

from __future__ import annotations

import math

import numpy as np

from . import INDEX_KINDS

#: From this many papers ``--index auto`` uses IVF instead of exact search.
APPROXIMATE_FROM = 20_000
#: Scores equal to this many decimals count as ties (broken by paper order).
SCORE_DECIMALS = 6


def choose_index(kind: str, count: int) -> str:
    if kind == "auto":
        return "ivf" if count >= APPROXIMATE_FROM else "flat"
    return kind


def _build_index(kind: str, vectors: np.ndarray):
    import faiss

    count, dims = vectors.shape
    if kind == "flat" or count < 64:  # too few papers to cluster: exact is instant anyway
        index = faiss.IndexFlatIP(dims)
    elif kind == "ivf":
        # ~3√n clusters, each paper compared with the papers of its 8 nearest clusters.
        # k-means on a sample (16 points per cluster, 8 rounds) keeps training to
        # seconds; the lists it makes are what recall depends on, not perfect centroids.
        lists = max(1, min(int(3.2 * math.sqrt(count)), count // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dims), dims, lists,
                                   faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = 1234  # k-means seeding: same clusters, same lists
        index.cp.niter = 8
        index.cp.max_points_per_centroid = 16
        index.cp.min_points_per_centroid = 1  # no warning about the small sample
        index.train(vectors)
        index.nprobe = min(lists, 8)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dims, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        raise ValueError(f"unknown index kind {kind!r} (use one of {', '.join(INDEX_KINDS)})")
    index.add(vectors)
    return index


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
    index = _build_index(choose_index(kind, count), vectors)
    # Extra candidates: the row itself, and ties that straddle the k-th place.
    wanted = min(count, 2 * k + 2)
    _, candidates = index.search(vectors, wanted)
    result: list[list[int]] = []
    for start in range(0, count, RESCORE_CHUNK):
        rows = np.arange(start, min(start + RESCORE_CHUNK, count))
        result.extend(_best_others(vectors, rows, candidates[rows], k))
    return result


#: Rows re-scored at once (bounds the memory of the gathered candidate vectors).
RESCORE_CHUNK = 4096


def _best_others(vectors: np.ndarray, rows: np.ndarray, found: np.ndarray,
                 k: int) -> list[list[int]]:
    """Re-score each row's candidates exactly and keep the best k others, ties by row."""
    unusable = (found < 0) | (found == rows[:, None])
    safe = np.where(unusable, 0, found)
    scores = np.einsum("cwd,cd->cw", vectors[safe].astype(np.float64),
                       vectors[rows].astype(np.float64))
    scores = np.where(unusable, -np.inf, np.round(scores, SCORE_DECIMALS))
    tie_break = np.where(unusable, np.iinfo(np.int64).max, found)
    order = np.lexsort((tie_break, -scores), axis=-1)[:, :k]
    best = np.take_along_axis(found, order, axis=1)
    usable = ~np.take_along_axis(unusable, order, axis=1)
    return [row[keep].tolist() for row, keep in zip(best, usable, strict=True)]
