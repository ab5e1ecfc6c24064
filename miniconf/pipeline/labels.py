"""Names for the regions of the paper map: the papers clustered on their embeddings, each
cluster named by its most distinctive words.

- Clusters: k-means (scikit-learn, seeded, so the same papers give the same clusters)
  on the L2-normalized embeddings, with about sqrt(papers / 3) clusters (4 for 45
  papers, 15 for 687, at most 24), so that a label has room on the map.
- Names: a class-based TF-IDF (c-TF-IDF, as in BERTopic) over titles and abstracts,
  counting papers rather than occurrences (one long abstract cannot name a cluster):
  a word or two-word phrase scores share × log(share / overall share), where share is
  the part of the cluster's papers that use it and overall share the part of all
  papers, so words every cluster uses ("model", "learning") lose to the ones that set
  a cluster apart. The three best, used by at least two of its papers, without a word
  (or its plural) repeated inside a chosen phrase.

The output, ``labels.json`` beside the other outputs (format in
structure/pipeline_labels.py), is written by every pipeline run from the (cached)
embeddings; it costs well under a second at 10,000 papers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..structure.pipeline_labels import LABELS_FILE
from .outputs import json_with_table, write_atomically

MAX_CLUSTERS = 24
WORDS_PER_LABEL = 3


def cluster_count(papers: int) -> int:
    """How many clusters for this many papers (0: too few papers to name regions)."""
    if papers < 8:
        return 0
    return max(2, min(MAX_CLUSTERS, round(math.sqrt(papers / 3))))


def cluster_papers(vectors: np.ndarray, clusters: int) -> np.ndarray:
    """Each row's cluster, numbered by size (0 is the largest; ties by first member)."""
    from sklearn.cluster import KMeans

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 1e-12)
    found = KMeans(n_clusters=clusters, random_state=0, n_init=4).fit_predict(unit)
    sizes = np.bincount(found, minlength=clusters)
    first = [
        int(np.flatnonzero(found == c)[0]) if sizes[c] else len(found) for c in range(clusters)
    ]
    order = sorted(range(clusters), key=lambda c: (-sizes[c], first[c]))
    renumber = np.empty(clusters, dtype=np.int64)
    renumber[order] = np.arange(clusters)
    return renumber[found]


def distinctive_words(
    texts: Sequence[str], assignment: np.ndarray, clusters: int, count: int = WORDS_PER_LABEL
) -> list[list[str]]:
    """Each cluster's ``count`` most distinctive words or phrases, by c-TF-IDF."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2,
        lowercase=True,
        token_pattern=r"(?u)\b[^\W\d_][\w-]*[^\W_]\b",  # words of 2+ characters, no numbers
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no word used twice: nothing to name clusters by
        return [[] for _ in range(clusters)]
    terms = vectorizer.get_feature_names_out()
    used = (counts > 0).astype(np.float64)  # papers x terms: does the paper use it
    membership = np.zeros((clusters, len(texts)))
    membership[assignment, np.arange(len(texts))] = 1
    papers_using = np.asarray(used.T @ membership.T).T  # clusters x terms
    sizes = np.maximum(membership.sum(axis=1, keepdims=True), 1)
    share = papers_using / sizes
    overall = np.asarray(used.sum(axis=0)).ravel() / len(texts)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(papers_using >= 2, share * np.log(share / overall), 0.0)
    labels = []
    for c in range(clusters):
        chosen: list[str] = []
        # Best first; ties broken by the term itself, so the labels are deterministic.
        for t in sorted(np.flatnonzero(scores[c] > 0), key=lambda t: (-scores[c][t], terms[t])):
            term = str(terms[t])
            words = {_singular(word) for word in term.split()}
            if any(words <= other or other <= words for other in map(_word_set, chosen)):
                continue  # "neural" after "neural rendering", "model" after "models"
            chosen.append(term)
            if len(chosen) == count:
                break
        labels.append(chosen)
    return labels


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _word_set(term: str) -> set[str]:
    return {_singular(word) for word in term.split()}


def write_labels(
    folder: Path,
    *,
    model: str,
    inputs: str,
    ids: list[str],
    texts: Sequence[str],
    vectors: np.ndarray,
) -> None:
    """labels.json for these papers (ids and texts in the same order as vectors' rows)."""
    clusters = cluster_count(len(ids))
    if clusters:
        assignment = cluster_papers(vectors, clusters)
        words = distinctive_words(texts, assignment, clusters)
        sizes = np.bincount(assignment, minlength=clusters).tolist()
        cluster_of = {paper_id: int(c) for paper_id, c in zip(ids, assignment, strict=True)}
    else:
        words, sizes, cluster_of = [], [], {}
    header = {
        "model": model,
        "inputs": inputs,
        "method": "kmeans+c-tf-idf",
        "clusters": [
            {"label": ", ".join(w), "words": w, "size": s}
            for w, s in zip(words, sizes, strict=True)
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(
        folder / LABELS_FILE, json_with_table(header, "cluster_of", cluster_of).encode("utf-8")
    )
