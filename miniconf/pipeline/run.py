"""One pipeline run: embed (from the cache where possible), find neighbours, project, write.

``run_pipeline`` takes (paper id, text) pairs rather than a Conference, so benchmarks
and tests can feed it any papers; ``miniconf pipeline`` passes the conference's.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..structure.pipeline_labels import LABELS_FILE
from ..structure.pipeline_outputs import (
    Differences,
    OutputFiles,
    UnusableOutputs,
    differences,
    read_output_files,
)
from .cache import EmbeddingCache
from .embed import DEFAULT_MODEL, PACKAGED_NAMES, Embedder, encode_in_batches
from .settings import Recipe


def canonical_model_name(name: str | None) -> str:
    """One name per model, so that the cache and the outputs do not depend on spelling."""
    if not name or name in PACKAGED_NAMES:
        return DEFAULT_MODEL
    return name


@dataclass(frozen=True)
class PipelineSettings:
    model: str = DEFAULT_MODEL
    device: str = "auto"
    batch_size: int = 32
    k: int = 5
    index: str = "auto"
    map_method: str = "auto"
    fp16: bool = False
    recipe: Recipe = Recipe()


@dataclass
class PipelineReport:
    papers: int = 0
    #: Distinct texts (duplicate abstracts are embedded once).
    texts: int = 0
    embedded: int = 0
    cached: int = 0
    #: Texts longer than the model reads; only their beginning was embedded.
    truncated: int = 0
    max_tokens: int | None = None
    model: str = DEFAULT_MODEL
    device: str = "none (nothing to embed)"
    batch_size: int = 0
    k: int = 0
    index: str = ""
    map_method: str = ""
    up_to_date: bool = False
    model_loads: int = 0
    seconds: float = 0.0
    #: Wall seconds of each step, in run order: "cache" (looking the texts up), "load
    #: model" (importing torch and sentence-transformers, reading the weights), "embed",
    #: "neighbours", "map", "write" (the outputs but labels.json), "labels".
    timings: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of the same steps (all threads): on a busy machine, the fairer figure.
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    #: How the papers differ from the previous outputs' (None: no usable previous ones).
    changes: Differences | None = None
    #: Papers whose similar papers differ from the previous outputs'.
    lists_changed: int | None = None
    #: Papers placed among their neighbours on the kept map (None: laid out afresh).
    map_placed: int | None = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Add the wall and CPU time of the ``with`` block to step ``name``."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - wall
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + time.process_time() - cpu

    def summary(self) -> str:
        if self.up_to_date:
            return (
                f"Pipeline outputs are up to date ({self.papers} papers, model "
                f"{self.model}); nothing to do in {self.seconds:.2f} s."
            )
        lines = [
            f"Pipeline: {self.papers} papers ({self.texts} distinct texts): "
            f"{self.embedded} embedded, {self.cached} from the cache; "
            f"device {self.device}, model {self.model}, {self.seconds:.1f} s.",
            f"  similar papers: top {self.k} by {self.index}; map: {self.map_method}.",
            "  time: "
            + ", ".join(
                f"{step} {seconds:.1f} s ({self.cpu_seconds.get(step, 0.0):.1f} CPU-s)"
                for step, seconds in self.timings.items()
            )
            + ".",
        ]
        if self.changes is not None and not self.changes.none:
            lines.append(
                f"  since the previous outputs: {len(self.changes.changed)} changed, "
                f"{len(self.changes.added)} new, {len(self.changes.removed)} removed "
                f"paper(s); {self.lists_changed} similar-paper list(s) changed."
            )
        if self.map_placed is not None:
            lines.append(
                f"  map kept: {self.map_placed} changed or new paper(s) placed "
                "among their most similar papers (--force lays it out afresh)."
            )
        if self.truncated:
            lines.append(
                f"  {self.truncated} text(s) exceed the model's {self.max_tokens} tokens: "
                "only their beginning (title and first part of the abstract) was embedded."
            )
        return "\n".join(lines)


def previous_outputs(folder: Path) -> OutputFiles | None:
    """The outputs an earlier run left in ``folder``, if they can be used."""
    try:
        return read_output_files(folder)
    except UnusableOutputs:
        return None


def made_the_same_way(previous: OutputFiles, model: str, settings: PipelineSettings) -> bool:
    """Whether ``previous`` was made with this model and these settings (any papers)."""
    return (
        previous.inputs.model == model
        and previous.inputs.k == settings.k
        and previous.inputs.recipe == settings.recipe.as_dict()
    )


def run_pipeline(
    items: Sequence[tuple[str, str]],
    out_folder: Path,
    cache_folder: Path,
    settings: PipelineSettings = PipelineSettings(),
    *,
    embedder: Embedder | None = None,
    force: bool = False,
    progress: bool = True,
) -> PipelineReport:
    """Write the outputs for ``items`` (paper id, text) to out_folder (see outputs.py).

    ``embedder``: an already loaded model to use (tests share one); by default one is
    made from ``settings`` and loaded only if some text is not in the cache. When the
    previous outputs were made the same way and only a few papers changed, papers that
    did not change keep their map position (see place_changed_papers), so the map a
    reader knows moves only where papers changed; ``force`` lays it out afresh.
    """
    from .neighbours import choose_index
    from .outputs import write_outputs
    from .projection import choose_method, project
    from .recipe import similar_papers

    started = time.perf_counter()
    model = canonical_model_name(settings.model)
    items = sorted(items)
    ids = [paper_id for paper_id, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("paper ids must be unique")
    report = PipelineReport(papers=len(items), model=model, k=settings.k)
    previous = previous_outputs(out_folder)
    if previous is not None and not made_the_same_way(previous, model, settings):
        previous = None  # another model or k: nothing of it can be kept
    changes = differences(previous.inputs.texts, items) if previous is not None else None
    report.changes = changes
    labels_made = (out_folder / LABELS_FILE).is_file()  # else made now (pipeline/labels.py)
    if not force and changes is not None and changes.none and labels_made:
        report.up_to_date = True
        report.seconds = time.perf_counter() - started
        return report

    paper_texts = [text for _, text in items]
    matrix = recipe_vectors(paper_texts, cache_folder, settings, report, embedder, progress)
    index_kind = choose_index(settings.index, len(items))
    report.index = "exact search" if index_kind == "flat" else f"approximate ({index_kind})"
    with report.step("neighbours"):
        similar = similar_papers(matrix, paper_texts, settings.k, settings.recipe, settings.index)
    if previous is not None:
        report.lists_changed = sum(
            previous.similar.similar.get(paper_id) != [ids[other] for other in others]
            for paper_id, others in zip(ids, similar, strict=True)
        )

    method = choose_method(len(items), settings.map_method)
    with report.step("map"):
        if (
            not force
            and previous is not None
            and changes is not None
            and can_keep_map(previous, changes, method, ids)
        ):
            report.map_method = method
            positions = place_changed_papers(matrix, ids, previous.map.positions, changes)
            report.map_placed = len(papers_to_place(ids, previous.map.positions, changes))
        else:
            report.map_method, positions = project(matrix, method)

    with report.step("write"):
        write_outputs(
            out_folder,
            model=model,
            items=items,
            k=settings.k,
            similar=similar,
            method=report.map_method,
            positions=positions,
            vectors=matrix,
            recipe=settings.recipe.as_dict(),
        )

    # The map's region names (pipeline/labels.py), from the same vectors.
    from ..structure.pipeline_outputs import inputs_hash
    from .labels import write_labels

    with report.step("labels"):
        write_labels(
            out_folder,
            model=model,
            inputs=inputs_hash(model, items),
            ids=ids,
            texts=paper_texts,
            vectors=matrix,
        )
    report.seconds = time.perf_counter() - started
    return report


def recipe_vectors(
    paper_texts: list[str],
    cache_folder: Path,
    settings: PipelineSettings,
    report: PipelineReport,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> np.ndarray:
    """One unit vector per paper text as the recipe makes them (embedded where the cache
    has no vector yet); also what the map and the browser's "For you" use."""
    from .recipe import centered, paper_vectors, texts_to_embed

    model = canonical_model_name(settings.model)
    # Distinct, in id order: duplicate abstracts (and titles) are embedded once.
    texts = list(dict.fromkeys(texts_to_embed(paper_texts, settings.recipe)))
    report.texts = len(texts)
    if embedder is None:
        embedder = Embedder(model, settings.device, settings.batch_size, settings.fp16)
    loads_before = embedder.loads
    with EmbeddingCache(cache_folder) as cache:
        with report.step("cache"):
            vectors_of = cache.get_many(model, texts)
        report.cached = len(vectors_of)
        missing = [text for text in texts if text not in vectors_of]
        if missing:
            with report.step("load model"):
                embedder.load()
            with report.step("embed"):
                _embed_missing(
                    embedder, missing, cache, model, settings, vectors_of, report, progress
                )
    report.model_loads = embedder.loads - loads_before
    with report.step("embed"):
        matrix = paper_vectors(paper_texts, vectors_of, settings.recipe)
        return centered(matrix) if settings.recipe.center else matrix


#: The map is kept (changed papers placed among their neighbours) while at most this
#: share of the papers changed or is new; past it, the layout is made afresh.
KEEP_MAP_UP_TO = 0.1
#: A changed or new paper goes to the similarity-weighted mean position of this many of
#: its most similar unchanged papers.
PLACE_AMONG = 10


def papers_to_place(
    ids: list[str], known: dict[str, tuple[float, float]], changes: Differences
) -> set[str]:
    """Changed and new papers, and any the previous map lacks."""
    return set(changes.pending) | {paper_id for paper_id in ids if paper_id not in known}


def can_keep_map(previous: OutputFiles, changes: Differences, method: str, ids: list[str]) -> bool:
    moving = len(papers_to_place(ids, previous.map.positions, changes))
    return (
        previous.map.method == method and moving < len(ids) and moving <= KEEP_MAP_UP_TO * len(ids)
    )


def place_changed_papers(
    matrix: np.ndarray, ids: list[str], known: dict[str, tuple[float, float]], changes: Differences
) -> np.ndarray:
    """Positions: unchanged papers where they were; each changed or new paper at the
    weighted mean of its PLACE_AMONG most similar unchanged papers (weights: cosine,
    at least a little, so that a paper unlike all others still lands among them)."""
    moving = papers_to_place(ids, known, changes)
    staying = [row for row, paper_id in enumerate(ids) if paper_id not in moving]
    positions = np.zeros((len(ids), 2))
    for row in staying:
        positions[row] = known[ids[row]]
    staying_positions = positions[staying]
    for row in (row for row, paper_id in enumerate(ids) if paper_id in moving):
        scores = matrix[staying] @ matrix[row]
        best = np.argsort(-scores, kind="stable")[:PLACE_AMONG]
        weights = np.maximum(scores[best], 1e-3)
        positions[row] = weights @ staying_positions[best] / weights.sum()
    return np.clip(np.round(positions, 4), 0.0, 1.0)


def _embed_missing(
    embedder: Embedder,
    missing: list[str],
    cache: EmbeddingCache,
    model: str,
    settings: PipelineSettings,
    vectors_of: dict[str, np.ndarray],
    report: PipelineReport,
    progress: bool,
) -> None:
    from tqdm import tqdm

    lengths = embedder.token_lengths(missing)
    report.max_tokens = limit = embedder.max_tokens
    report.truncated = sum(length > limit for length in lengths)
    report.device = embedder.resolved_device
    # Longest first, as sentence-transformers does inside one encode call: texts of a
    # batch have similar lengths, so little padding is computed (and an out-of-memory
    # error, if any, comes at the start).
    order = sorted(range(len(missing)), key=lambda i: (-min(lengths[i], limit), i))
    ordered = [missing[i] for i in order]

    def keep(batch: list[str], vectors: np.ndarray) -> None:
        cache.put_many(model, batch, vectors)
        vectors_of.update(zip(batch, vectors, strict=True))
        report.embedded += len(batch)

    def halved(size: int) -> None:
        tqdm.write(f"out of GPU memory: going on with batches of {size}", file=sys.stderr)

    with tqdm(
        total=len(ordered), desc="Embedding", unit="paper", disable=not progress, file=sys.stderr
    ) as bar:
        report.batch_size = encode_in_batches(
            embedder.encode_batch, ordered, embedder.batch_size, keep, bar.update, halved
        )
