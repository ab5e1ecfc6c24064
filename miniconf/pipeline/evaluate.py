"""How far similar papers agree with a label the papers carry (track, keywords).

agreement@k: over the papers that have the label, the mean share of their k similar
papers that share it (the same track; a keyword in common). Random pairs give the
floor: the share a list of k papers drawn at random would reach. A confidence interval
comes from resampling the papers (bootstrap), so two recipes can be told apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Resamples for the confidence interval, and its seed (the same interval every run).
BOOTSTRAP = 1000
SEED = 0


@dataclass(frozen=True)
class Agreement:
    mean: float
    low: float  # 95 % confidence interval
    high: float
    papers: int

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}] ({self.papers} papers)"


def per_paper(similar: Sequence[Sequence[int]], labels: Sequence[frozenset[str]]) -> np.ndarray:
    """Each labelled paper's share of similar papers sharing a label with it."""
    shares = [
        sum(bool(labels[row] & labels[other]) for other in others) / len(others)
        for row, others in enumerate(similar)
        if labels[row] and others
    ]
    return np.asarray(shares, dtype=np.float64)


def agreement(similar: Sequence[Sequence[int]], labels: Sequence[frozenset[str]]) -> Agreement:
    shares = per_paper(similar, labels)
    if not len(shares):
        return Agreement(0.0, 0.0, 0.0, 0)
    rng = np.random.default_rng(SEED)
    means = rng.choice(shares, size=(BOOTSTRAP, len(shares))).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Agreement(float(shares.mean()), float(low), float(high), len(shares))


def random_lists(count: int, k: int, seed: int = SEED) -> list[list[int]]:
    """k distinct random other papers for each paper: the floor to compare with."""
    rng = np.random.default_rng(seed)
    k = min(k, count - 1)
    lists = []
    for row in range(count):
        others = rng.choice(count - 1, size=k, replace=False)
        lists.append([int(other) + (other >= row) for other in others])
    return lists
