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
        lists = max(1, min(int(4 * math.sqrt(count)), count // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dims), dims, lists,
                                   faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = 1234  # k-means seeding: same clusters, same lists
        index.train(vectors)
        index.nprobe = max(8, lists // 16)
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
    result = []
    for row, found in enumerate(candidates):
        others = np.unique(found[(found >= 0) & (found != row)])
        scores = np.round(vectors[others].astype(np.float64) @ vectors[row], SCORE_DECIMALS)
        order = np.lexsort((others, -scores))  # best score first, then lower row number
        result.append(others[order][:k].tolist())
    return result
