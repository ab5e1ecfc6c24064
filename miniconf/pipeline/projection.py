"""The 2-D map: papers placed so that similar papers sit close together.

From ``TSNE_FROM`` papers the map is a t-SNE layout (scikit-learn's Barnes-Hut t-SNE, on
cosine distances): it keeps local neighbourhoods, so papers on one topic cluster. Below
that there are too few neighbourhoods for it to mean much, and PCA (the two main
directions of the vectors) is used instead. Either way the coordinates are scaled into
[0, 1] keeping their aspect ratio, and rounded to 4 decimals.

Why t-SNE and not UMAP: on the shared conferences' papers it lays them out at least as
well (trustworthiness of the layout, and the share of a paper's 5 nearest on the map in
its own track; bench/bench_pipeline.py's ``bench_map_quality``), and it is precompiled
code of a library the recipe already imports, where UMAP's imports and numba's
compilation of its code cost more on a cold run than either layout itself.

The layout is reproducible: it starts from the (sign-fixed) PCA layout, its random
state is seeded, and it runs on one thread (the sums of several threads would depend
on their number, and so would the map).
"""

from __future__ import annotations

import numpy as np

#: From this many papers the map uses t-SNE; fewer use PCA (below it the two score alike).
TSNE_FROM = 40
#: t-SNE's perplexity (about how many neighbours each paper's layout respects), lowered
#: for few papers, as it must stay well below their number.
PERPLEXITY = 30.0
SEED = 42


def choose_method(count: int, method: str = "auto") -> str:
    if method == "auto":
        return "tsne" if count >= TSNE_FROM else "pca"
    return method


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    """The first ``dims`` principal components of the rows, with a fixed sign per axis."""
    dims = min(dims, *vectors.shape)
    if dims == 0:
        return np.zeros((vectors.shape[0], 0))
    centred = vectors.astype(np.float64) - vectors.mean(axis=0, keepdims=True)
    if centred.shape[0] > centred.shape[1]:
        # Many papers: the eigenvectors of the small D × D covariance are the components,
        # far cheaper than an SVD of the n × D matrix.
        values, vectors = np.linalg.eigh(centred.T @ centred)
        components = vectors[:, np.argsort(-values)[:dims]].T
    else:
        components = np.linalg.svd(centred, full_matrices=False)[2][:dims]
    # An axis and its negation explain the same; pick the one whose largest entry is
    # positive, so reruns (and other machines) draw the same picture.
    signs = np.sign(components[np.arange(dims), np.abs(components).argmax(axis=1)])
    signs[signs == 0] = 1
    return centred @ (components * signs[:, None]).T


def pca_layout(vectors: np.ndarray) -> np.ndarray:
    """PCA's 2-D layout; a missing axis (one paper, or all identical) is padded with 0."""
    points = pca(vectors, 2)
    return np.hstack([points, np.zeros((len(vectors), 2 - points.shape[1]))])


def tsne_layout(vectors: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """t-SNE's 2-D layout of the rows (cosine; the same vectors, the same map), from
    ``start``, their PCA layout (computed if not given; it must have some spread)."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    start = pca_layout(vectors) if start is None else start
    # Started from PCA scaled to a tiny spread, as scikit-learn's own init="pca" does:
    # the big picture comes from PCA, and t-SNE refines the neighbourhoods.
    start = start / np.std(start[:, 0]) * 1e-4
    tsne = TSNE(
        n_components=2,
        perplexity=min(PERPLEXITY, max(1.0, (len(vectors) - 1) / 3)),
        metric="cosine",
        init=start,
        learning_rate="auto",
        random_state=SEED,
    )
    with threadpool_limits(limits=1):
        return tsne.fit_transform(vectors)


def unit_square(points: np.ndarray) -> np.ndarray:
    """Scale points into [0, 1]² keeping the aspect ratio, centred on the short axis."""
    if len(points) == 0:
        return points.reshape(0, 2)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max())
    if extent == 0:
        return np.full((len(points), 2), 0.5)
    scaled = (points - low) / extent
    scaled += (1 - (high - low) / extent) / 2
    return np.clip(np.round(scaled, 4), 0.0, 1.0)


def project(vectors: np.ndarray, method: str = "auto") -> tuple[str, np.ndarray]:
    """(method used, n × 2 coordinates in [0, 1])."""
    count = vectors.shape[0]
    method = choose_method(count, method)
    points = pca_layout(vectors)
    # t-SNE needs a few papers, and a PCA start with some spread (not all identical).
    if method == "tsne" and count >= 4 and np.ptp(points[:, 0]) > 0:
        return method, unit_square(tsne_layout(vectors, points))
    return "pca", unit_square(points)
