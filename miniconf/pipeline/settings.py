"""The pipeline's settings as plain data, free of numpy and torch, so that the command
line and ``--if-stale`` can compare them with what the outputs record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Recipe:
    """How similar papers are ranked (the steps: recipe.py). A weight of 0 turns a step off."""

    #: The title's vector added to the abstract's (0: one embedding of title + abstract).
    title_weight: float = 0.5
    #: Subtract the corpus mean before cosine.
    center: bool = True
    #: Weight of the TF-IDF cosine fused with the embedding score (both z-scored).
    tfidf_weight: float = 0.3
    #: Weight of the shared-nearest-neighbour score, and how many neighbours it compares.
    snn_weight: float = 0.5
    snn_k: int = 15
    #: Candidates per paper that the TF-IDF and shared-neighbour steps re-rank.
    candidates: int = 100

    @classmethod
    def plain(cls) -> Recipe:
        """Cosine of one embedding of title + abstract: the recipe before the steps."""
        return cls(title_weight=0.0, center=False, tfidf_weight=0.0, snn_weight=0.0)

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, recorded: dict) -> Recipe | None:
        """The recipe an inputs.json records (None if it is not one this version knows)."""
        names = {field.name for field in fields(cls)}
        if set(recorded) != names:
            return None
        return cls(**recorded)
