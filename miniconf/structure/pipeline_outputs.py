"""The offline pipeline's outputs, read for the site without torch.

``miniconf pipeline`` writes four files into ``<sitedata>/pipeline/`` (organizers commit
them; the loader never reads that folder as sitedata):

- ``similar.json``: each paper's most similar papers, best first;
- ``map.json``: each paper's position on a 2-D map, x and y in [0, 1];
- ``vectors.json`` + ``vectors.bin``: compact int8 vectors for the browser's ranking.

Every file records the model it was made with and ``inputs``, a hash of that model's
name and of every paper's embedded text. Recomputing that hash from the current papers
(cheap, no model needed) tells whether the outputs are current: ``miniconf freeze``
publishes them only then, and warns otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .conference import Conference
from .models import ID_PATTERN, Paper
from .yamlsource import YamlProblem, read_content_bytes

#: The folder beside the YAML files that holds the pipeline's outputs.
OUTPUTS_FOLDER = "pipeline"
SIMILAR_FILE = "similar.json"
MAP_FILE = "map.json"
VECTORS_META_FILE = "vectors.json"
VECTORS_FILE = "vectors.bin"


def embedding_text(paper: Paper) -> str:
    """What the pipeline embeds for a paper: its title, then its abstract.

    The title is the authors' own one-line summary and the abstract the fuller one;
    together they are what a reader judges relatedness by. Keywords are left out
    (free-form and uneven between papers), and so are authors (similar names are no
    sign of similar work). Models see the first few hundred tokens only.
    """
    abstract = paper.abstract.strip()
    return f"{paper.title}\n\n{abstract}" if abstract else paper.title


def inputs_hash(model: str, items: Iterable[tuple[str, str]]) -> str:
    """sha256 of the model name and every (paper id, embedded text), in id order."""
    digest = hashlib.sha256()
    digest.update(model.encode("utf-8") + b"\0")
    for paper_id, text in sorted(items):
        digest.update(paper_id.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def conference_inputs(conference: Conference) -> list[tuple[str, str]]:
    """(paper id, embedded text) of every paper, in id order."""
    return sorted((paper.id, embedding_text(paper)) for paper in conference.papers)


# --------------------------------------------------------------------------- file formats


class _OutputFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str
    inputs: str = Field(pattern=r"^[0-9a-f]{64}$")


#: A paper id in the pipeline's files, checked by pydantic's own (Rust) pattern match:
#: 60,000 of them in a big conference, written by the pipeline rather than by authors,
#: so they need no explanation of which character is wrong (models.Id gives one).
OutputId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class SimilarFile(_OutputFile):
    k: int = Field(ge=0)
    similar: dict[OutputId, list[OutputId]]


Coordinate = Annotated[float, Field(ge=0.0, le=1.0)]


class MapFile(_OutputFile):
    method: Literal["umap", "pca"]
    positions: dict[OutputId, tuple[Coordinate, Coordinate]]


class VectorsMeta(_OutputFile):
    dims: int = Field(ge=0, le=64)
    dtype: Literal["int8"]
    scale: float = Field(gt=0)
    ids: list[OutputId]


class OutputsState(StrEnum):
    CURRENT = "current"
    MISSING = "missing"
    STALE = "stale"
    INVALID = "invalid"


@dataclass(frozen=True)
class PipelineOutputs:
    """The outputs as the site uses them: empty unless they are current.

    ``similar`` maps a paper id to the ids of its similar papers (best first),
    ``positions`` to its [x, y] on the map; ``vectors`` holds the two vectors files'
    bytes. ``message`` says, when the state is not current, what is wrong and what to do.
    """

    state: OutputsState
    message: str = ""
    model: str | None = None
    similar: dict[str, tuple[str, ...]] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    vectors_meta: bytes | None = None
    vectors: bytes | None = None

    @property
    def current(self) -> bool:
        return self.state is OutputsState.CURRENT


def outputs_folder(sitedata: Path) -> Path:
    return Path(sitedata) / OUTPUTS_FOLDER


def load_pipeline_outputs(conference: Conference) -> PipelineOutputs:
    """Read ``<sitedata>/pipeline/`` and check it against the conference's papers."""
    folder = outputs_folder(conference.root)
    names = (SIMILAR_FILE, MAP_FILE, VECTORS_META_FILE, VECTORS_FILE)
    if not all((folder / name).is_file() for name in names):
        missing = ", ".join(name for name in names if not (folder / name).is_file())
        return PipelineOutputs(
            OutputsState.MISSING,
            f"pipeline outputs missing in {folder} ({missing}); run `miniconf pipeline` "
            "for similar papers and the map",
        )
    try:
        # Regular files of bounded size only (a committed link to /dev/zero must not hang).
        similar = SimilarFile.model_validate_json(_read(folder / SIMILAR_FILE))
        paper_map = MapFile.model_validate_json(_read(folder / MAP_FILE))
        meta_bytes = _read(folder / VECTORS_META_FILE)
        meta = VectorsMeta.model_validate_json(meta_bytes)
        vectors = _read(folder / VECTORS_FILE)
    except (OSError, ValidationError, ValueError, YamlProblem) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return PipelineOutputs(
            OutputsState.INVALID,
            f"pipeline outputs in {folder} cannot be read ({first_line}); "
            "run `miniconf pipeline` again",
        )
    if len(vectors) != len(meta.ids) * meta.dims:
        return PipelineOutputs(
            OutputsState.INVALID,
            f"{folder / VECTORS_FILE} holds {len(vectors)} bytes, not "
            f"{len(meta.ids)} x {meta.dims}; run `miniconf pipeline` again",
        )
    inputs = conference_inputs(conference)
    expected = inputs_hash(similar.model, inputs)
    for made in (similar, paper_map, meta):
        if made.model != similar.model or made.inputs != expected:
            return PipelineOutputs(
                OutputsState.STALE,
                f"pipeline outputs in {folder} are stale (papers changed since they were "
                "made); run `miniconf pipeline` to update similar papers and the map",
                model=similar.model,
            )
    # The hash covers the inputs, not the lists: keep only ids of papers that exist, so
    # a hand-edited file can never produce a link to a missing page.
    known = {paper_id for paper_id, _ in inputs}
    return PipelineOutputs(
        OutputsState.CURRENT,
        model=similar.model,
        similar={
            paper_id: tuple(other for other in others if other in known and other != paper_id)
            for paper_id, others in similar.similar.items()
            if paper_id in known
        },
        positions={
            paper_id: (round(x, 4), round(y, 4))
            for paper_id, (x, y) in paper_map.positions.items()
            if paper_id in known
        },
        vectors_meta=meta_bytes,
        vectors=vectors,
    )


#: The largest pipeline output read (vectors.bin is 64 bytes a paper).
MAX_OUTPUT_BYTES = 256_000_000


def _read(file: Path) -> bytes:
    return read_content_bytes(file, MAX_OUTPUT_BYTES)
