"""The 2-D map: papers placed so that similar papers sit close together.

UMAP keeps local neighbourhoods (papers on one topic cluster) and is seeded, so the
same vectors give the same map. Below ``UMAP_FROM`` papers there are too few
neighbourhoods for UMAP to mean much, and PCA (the two main directions of the vectors)
is used instead. Either way the coordinates are scaled into [0, 1] keeping their aspect
ratio, and rounded to 4 decimals.
"""

from __future__ import annotations

import numpy as np

#: From this many papers the map uses UMAP; fewer use PCA.
UMAP_FROM = 100
SEED = 42


def choose_method(count: int, method: str = "auto") -> str:
    if method == "auto":
        return "umap" if count >= UMAP_FROM else "pca"
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


def umap_layout(vectors: np.ndarray) -> np.ndarray:
    """UMAP's 2-D layout of the rows (cosine, seeded: the same vectors, the same map)."""
    import warnings

    import umap

    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=min(15, vectors.shape[0] - 1),
        min_dist=0.1,
        metric="cosine",
        random_state=SEED,  # also makes UMAP single-threaded: reproducible
        init="spectral",
    )
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": intended
        warnings.simplefilter("ignore", UserWarning)
        return reducer.fit_transform(vectors)


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
    if method == "umap" and count >= 4:
        points = umap_layout(vectors)
    else:
        method = "pca"
        points = pca(vectors, 2)
        if points.shape[1] < 2:  # one paper, or all identical: pad the missing axis
            points = np.hstack([points, np.zeros((count, 2 - points.shape[1]))])
    return method, unit_square(points)
