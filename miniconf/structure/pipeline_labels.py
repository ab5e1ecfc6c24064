"""The map's region names, ``<sitedata>/pipeline/labels.json`` (written by
pipeline/labels.py), read for the site without torch or scikit-learn.

Format: ``{"model", "inputs", "method", "clusters": [{"label", "words", "size"}],
"cluster_of": {"<paper id>": <index into clusters>}}``. ``model`` and ``inputs`` are
those of the other outputs (pipeline_outputs.py): the labels are used while they were
made by the current outputs' model, and like the map they survive an author's edit
(papers added since have no cluster until the pipeline runs); a site whose outputs have
no labels.json (made before it existed, or imported) gets a map without region names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .conference import Conference
from .pipeline_outputs import OutputId, outputs_folder

LABELS_FILE = "labels.json"


class LabelledCluster(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    label: str = Field(max_length=200)
    words: list[str] = Field(max_length=10)
    size: int = Field(ge=0)


class LabelsFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str
    inputs: str = Field(pattern=r"^[0-9a-f]{64}$")
    method: str
    clusters: list[LabelledCluster] = Field(max_length=100)
    cluster_of: dict[OutputId, int]


@dataclass(frozen=True)
class MapLabels:
    """Cluster names (in cluster order) and each paper's cluster (papers that exist only)."""

    names: tuple[str, ...]
    cluster_of: dict[str, int]


def load_map_labels(conference: Conference, model: str | None) -> MapLabels | None:
    """The labels when labels.json is there, readable and made for these papers by
    ``model`` (the current outputs' model); None otherwise (the map does without)."""
    path = outputs_folder(conference.root) / LABELS_FILE
    if model is None or not path.is_file():
        return None
    try:
        labels = LabelsFile.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    if labels.model != model:
        return None
    # Made for earlier papers (an author edited one since): the names still describe
    # the regions, as the map keeps its positions; papers since then have no cluster.
    known = set(conference.paper_by_id)
    return MapLabels(
        names=tuple(cluster.label for cluster in labels.clusters),
        cluster_of={
            paper_id: c
            for paper_id, c in labels.cluster_of.items()
            if paper_id in known and 0 <= c < len(labels.clusters)
        },
    )
