"""The offline pipeline's outputs, read for the site without torch.

``miniconf pipeline`` writes five files into ``<sitedata>/pipeline/`` (organizers commit
them; the loader never reads that folder as sitedata):

- ``similar.json``: each paper's most similar papers, best first;
- ``map.json``: each paper's position on a 2-D map, x and y in [0, 1];
- ``vectors.json`` + ``vectors.bin``: compact int8 vectors for the browser's ranking;
- ``inputs.json``: the digest of each paper's embedded text, and the settings used.

Every file records the model and ``inputs``, a hash of the model's name and of every
paper's embedded text, which ties the five files of one run together. The outputs are
checked paper by paper against inputs.json (cheap, no model needed): an author's edit
leaves every other paper's similar papers and map position published as they are; the
edited paper keeps its previous ones, a new paper has none, a removed paper is left out
of everything, and the freeze says which papers the next pipeline run will update.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
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
#: The ``model`` of outputs that ``miniconf import`` brought from the old site (its map
#: and similar papers): current until the papers change; never a model to load.
IMPORTED_MODEL = "imported"
#: Written last, by each run: what every paper's outputs were made from.
INPUTS_FILE = "inputs.json"


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
    # "umap": outputs made before the map used t-SNE (still published as they are).
    method: Literal["tsne", "pca", "umap", "imported"]
    positions: dict[OutputId, tuple[Coordinate, Coordinate]]


class VectorsMeta(_OutputFile):
    dims: int = Field(ge=0, le=64)
    dtype: Literal["int8"]
    scale: float = Field(gt=0)
    ids: list[OutputId]


class InputsFile(_OutputFile):
    """inputs.json: what each paper's outputs were made from, and how.

    ``texts`` holds the digest of every paper's embedded text (text_digest), so that a
    freeze can tell which papers changed since, without a model; ``k`` and ``recipe``
    (the ranking's settings) tell ``miniconf pipeline --if-stale`` whether the outputs
    were made the way it is now asked to make them.
    """

    k: int = Field(ge=0)
    recipe: dict[str, float | int | str | bool] = {}
    texts: dict[OutputId, Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]]


def text_digest(text: str) -> str:
    """A paper's embedded text as 16 hex digits of its sha256: enough to notice an edit."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class OutputsState(StrEnum):
    CURRENT = "current"
    #: Made for an earlier version of the papers: published, with the differences listed.
    PENDING = "pending"
    MISSING = "missing"
    INVALID = "invalid"


@dataclass(frozen=True)
class OutputFiles:
    """The five files as the pipeline wrote them, parsed and checked to belong together."""

    inputs: InputsFile
    similar: SimilarFile
    map: MapFile
    vectors_meta: VectorsMeta
    vectors: bytes


class UnusableOutputs(Exception):
    def __init__(self, state: OutputsState, message: str) -> None:
        super().__init__(message)
        self.state = state


def read_output_files(folder: Path) -> OutputFiles:
    """Parse ``folder``'s outputs; UnusableOutputs says why they cannot be used."""
    names = (INPUTS_FILE, SIMILAR_FILE, MAP_FILE, VECTORS_META_FILE, VECTORS_FILE)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise UnusableOutputs(
            OutputsState.MISSING,
            f"pipeline outputs missing in {folder} ({', '.join(missing)}); run `miniconf "
            "pipeline` for similar papers and the map",
        )
    try:
        # Regular files of bounded size only (a committed link to /dev/zero must not hang).
        files = OutputFiles(
            inputs=InputsFile.model_validate_json(_read(folder / INPUTS_FILE)),
            similar=SimilarFile.model_validate_json(_read(folder / SIMILAR_FILE)),
            map=MapFile.model_validate_json(_read(folder / MAP_FILE)),
            vectors_meta=VectorsMeta.model_validate_json(_read(folder / VECTORS_META_FILE)),
            vectors=_read(folder / VECTORS_FILE),
        )
    except (OSError, ValidationError, ValueError, YamlProblem) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnusableOutputs(
            OutputsState.INVALID,
            f"pipeline outputs in {folder} cannot be read ({first_line}); "
            "run `miniconf pipeline` again",
        ) from None
    meta = files.vectors_meta
    if len(files.vectors) != len(meta.ids) * meta.dims:
        raise UnusableOutputs(
            OutputsState.INVALID,
            f"{folder / VECTORS_FILE} holds {len(files.vectors)} bytes, not "
            f"{len(meta.ids)} x {meta.dims}; run `miniconf pipeline` again",
        )
    # inputs.json is written last: the other files belong to it when they carry its hash.
    for made in (files.similar, files.map, meta):
        if (made.model, made.inputs) != (files.inputs.model, files.inputs.inputs):
            raise UnusableOutputs(
                OutputsState.INVALID,
                f"pipeline outputs in {folder} come from different runs; "
                "run `miniconf pipeline` again",
            )
    return files


@dataclass(frozen=True)
class Differences:
    """How the papers differ from those the outputs were made for, as sorted paper ids."""

    #: Papers whose title or abstract changed: they keep their previous outputs for now.
    changed: tuple[str, ...] = ()
    #: Papers the outputs do not know: no similar papers and no map position yet.
    added: tuple[str, ...] = ()
    #: Papers the outputs list that are gone: left out of every list, the map and vectors.
    removed: tuple[str, ...] = ()

    @property
    def none(self) -> bool:
        return not (self.changed or self.added or self.removed)

    @property
    def pending(self) -> tuple[str, ...]:
        """Papers whose own similar papers the next pipeline run will make or remake."""
        return tuple(sorted(self.changed + self.added))


def differences(recorded: dict[str, str], items: Iterable[tuple[str, str]]) -> Differences:
    """Compare the recorded text digests with the current (paper id, embedded text)."""
    current = {paper_id: text_digest(text) for paper_id, text in items}
    return Differences(
        changed=tuple(
            sorted(
                paper_id
                for paper_id, digest in current.items()
                if paper_id in recorded and recorded[paper_id] != digest
            )
        ),
        added=tuple(sorted(current.keys() - recorded.keys())),
        removed=tuple(sorted(recorded.keys() - current.keys())),
    )


@dataclass(frozen=True)
class PipelineOutputs:
    """The outputs as the site uses them.

    ``similar`` maps a paper id to the ids of its similar papers (best first),
    ``positions`` to its [x, y] on the map; ``vectors`` holds the two vectors files'
    bytes. They are published when CURRENT or PENDING: in the latter, ``differences``
    says which papers changed since the pipeline last ran (they keep their previous
    outputs), which are new (none yet) and which are gone (referenced nowhere).
    ``message`` says, in any state but CURRENT, what is wrong and what to do.
    """

    state: OutputsState
    message: str = ""
    model: str | None = None
    similar: dict[str, tuple[str, ...]] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    vectors_meta: bytes | None = None
    vectors: bytes | None = None
    differences: Differences = Differences()
    #: How they were made (inputs.json): similar papers per paper, and the ranking recipe.
    k: int | None = None
    recipe: dict = field(default_factory=dict)

    @property
    def current(self) -> bool:
        """Made for exactly the current papers."""
        return self.state is OutputsState.CURRENT

    @property
    def published(self) -> bool:
        """Whether the site shows them (similar papers, the map, "For you")."""
        return self.state in (OutputsState.CURRENT, OutputsState.PENDING)

    def is_pending(self, paper_id: str) -> bool:
        return paper_id in self._pending

    @cached_property
    def _pending(self) -> frozenset[str]:
        return frozenset(self.differences.pending)


def outputs_folder(sitedata: Path) -> Path:
    return Path(sitedata) / OUTPUTS_FOLDER


def load_pipeline_outputs(conference: Conference) -> PipelineOutputs:
    """Read ``<sitedata>/pipeline/`` and check it against the conference's papers, paper
    by paper: an edit to one paper leaves every other paper's outputs as they are."""
    folder = outputs_folder(conference.root)
    try:
        files = read_output_files(folder)
    except UnusableOutputs as unusable:
        return PipelineOutputs(unusable.state, str(unusable))
    found = differences(files.inputs.texts, conference_inputs(conference))
    # Keep only ids of papers that exist: a removed paper, or a hand-edited file, can
    # never produce a link to a missing page.
    known = set(conference.paper_by_id)
    vectors_meta, vectors = files.vectors_meta, files.vectors
    if any(paper_id not in known for paper_id in vectors_meta.ids):
        vectors_meta, vectors = _rows_of(vectors_meta, vectors, known)
        meta_bytes = vectors_meta.model_dump_json().encode("utf-8")
    else:
        meta_bytes = _read(folder / VECTORS_META_FILE)
    return PipelineOutputs(
        OutputsState.CURRENT if found.none else OutputsState.PENDING,
        message="" if found.none else pending_message(folder, found),
        model=files.inputs.model,
        similar={
            paper_id: tuple(other for other in others if other in known and other != paper_id)
            for paper_id, others in files.similar.similar.items()
            if paper_id in known
        },
        positions={
            paper_id: (round(x, 4), round(y, 4))
            for paper_id, (x, y) in files.map.positions.items()
            if paper_id in known
        },
        vectors_meta=meta_bytes,
        vectors=vectors,
        differences=found,
        k=files.inputs.k,
        recipe=dict(files.inputs.recipe),
    )


#: The largest pipeline output read (vectors.bin is 64 bytes a paper).
MAX_OUTPUT_BYTES = 256_000_000


def _read(file: Path) -> bytes:
    return read_content_bytes(file, MAX_OUTPUT_BYTES)


def _rows_of(meta: VectorsMeta, vectors: bytes, keep: set[str]) -> tuple[VectorsMeta, bytes]:
    """The vectors of the papers in ``keep`` only (bytes sliced: no numpy in a freeze)."""
    dims = meta.dims
    rows = [row for row, paper_id in enumerate(meta.ids) if paper_id in keep]
    kept = b"".join(vectors[row * dims : (row + 1) * dims] for row in rows)
    return meta.model_copy(update={"ids": [meta.ids[row] for row in rows]}), kept


#: Ids named in a message before "and N more".
NAMED_IN_MESSAGES = 10


def id_list(ids: tuple[str, ...]) -> str:
    named = ", ".join(ids[:NAMED_IN_MESSAGES])
    more = len(ids) - NAMED_IN_MESSAGES
    return f"{named} and {more} more" if more > 0 else named


def pending_message(folder: Path, found: Differences) -> str:
    parts = []
    if found.changed:
        parts.append(
            f"{len(found.changed)} changed (keep their previous similar papers "
            f"for now): {id_list(found.changed)}"
        )
    if found.added:
        parts.append(f"{len(found.added)} new (no similar papers yet): {id_list(found.added)}")
    if found.removed:
        parts.append(
            f"{len(found.removed)} removed (left out of every list): {id_list(found.removed)}"
        )
    return (
        f"pipeline outputs in {folder} were made before some papers changed; "
        f"{'; '.join(parts)}. `miniconf pipeline` updates them (the deploy does)."
    )
