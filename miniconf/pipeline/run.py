"""One pipeline run: embed (from the cache where possible), find neighbours, project, write.

``run_pipeline`` takes (paper id, text) pairs rather than a Conference, so benchmarks
and tests can feed it any papers; ``miniconf pipeline`` passes the conference's.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..structure.pipeline_labels import LABELS_FILE
from ..structure.pipeline_outputs import (
    MAP_FILE,
    SIMILAR_FILE,
    VECTORS_FILE,
    VECTORS_META_FILE,
    inputs_hash,
)
from .cache import EmbeddingCache
from .embed import DEFAULT_MODEL, PACKAGED_NAMES, Embedder, encode_in_batches


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
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        if self.up_to_date:
            return (f"Pipeline outputs are up to date ({self.papers} papers, model "
                    f"{self.model}); nothing to do in {self.seconds:.2f} s.")
        lines = [
            f"Pipeline: {self.papers} papers ({self.texts} distinct texts): "
            f"{self.embedded} embedded, {self.cached} from the cache; "
            f"device {self.device}, model {self.model}, {self.seconds:.1f} s.",
            f"  similar papers: top {self.k} by {self.index}; map: {self.map_method}.",
        ]
        if self.truncated:
            lines.append(
                f"  {self.truncated} text(s) exceed the model's {self.max_tokens} tokens: "
                "only their beginning (title and first part of the abstract) was embedded."
            )
        return "\n".join(lines)


def outputs_are_current(folder: Path, model: str, inputs: str, k: int) -> bool:
    """Whether the files in ``folder`` were made from these inputs, model and k."""
    try:
        headers = [json.loads((folder / name).read_text("utf-8"))
                   for name in (SIMILAR_FILE, MAP_FILE, VECTORS_META_FILE, LABELS_FILE)]
    except (OSError, ValueError):
        return False
    if not (folder / VECTORS_FILE).is_file() or headers[0].get("k") != k:
        return False
    return all(h.get("model") == model and h.get("inputs") == inputs for h in headers)


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
    """Write similar.json, map.json and vectors.* for ``items`` (paper id, text) to out_folder.

    ``embedder``: an already loaded model to use (tests share one); by default one is
    made from ``settings`` and loaded only if some text is not in the cache.
    """
    from .neighbours import choose_index, nearest_neighbours
    from .outputs import write_outputs
    from .projection import choose_method, project

    started = time.perf_counter()
    model = canonical_model_name(settings.model)
    items = sorted(items)
    ids = [paper_id for paper_id, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("paper ids must be unique")
    inputs = inputs_hash(model, items)
    report = PipelineReport(papers=len(items), model=model, k=settings.k)
    if not force and outputs_are_current(out_folder, model, inputs, settings.k):
        report.up_to_date = True
        report.seconds = time.perf_counter() - started
        return report

    texts = list(dict.fromkeys(text for _, text in items))  # distinct, in id order
    report.texts = len(texts)
    if embedder is None:
        embedder = Embedder(model, settings.device, settings.batch_size, settings.fp16)
    loads_before = embedder.loads
    with EmbeddingCache(cache_folder) as cache:
        vectors_of = cache.get_many(model, texts)
        report.cached = len(vectors_of)
        missing = [text for text in texts if text not in vectors_of]
        if missing:
            _embed_missing(embedder, missing, cache, model, settings, vectors_of, report,
                           progress)
    report.model_loads = embedder.loads - loads_before
    report.timings["embed"] = time.perf_counter() - started

    dims = next(iter(vectors_of.values())).shape[0] if vectors_of else 0
    matrix = np.zeros((len(items), dims), dtype=np.float32)
    for row, (_, text) in enumerate(items):
        matrix[row] = vectors_of[text]

    step = time.perf_counter()
    index_kind = choose_index(settings.index, len(items))
    report.index = "exact search" if index_kind == "flat" else f"approximate ({index_kind})"
    similar = nearest_neighbours(matrix, settings.k, settings.index)
    report.timings["neighbours"] = time.perf_counter() - step

    step = time.perf_counter()
    report.map_method, positions = project(matrix, choose_method(len(items), settings.map_method))
    report.timings["map"] = time.perf_counter() - step

    write_outputs(out_folder, model=model, inputs=inputs, ids=ids, k=settings.k,
                  similar=similar, method=report.map_method, positions=positions,
                  vectors=matrix)

    # The map's region names (pipeline/labels.py), from the same embeddings.
    from .labels import write_labels

    step = time.perf_counter()
    write_labels(out_folder, model=model, inputs=inputs, ids=ids,
                 texts=[text for _, text in items], vectors=matrix)
    report.timings["labels"] = time.perf_counter() - step
    report.seconds = time.perf_counter() - started
    return report


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
    report.max_tokens = embedder.max_tokens
    report.truncated = sum(length > report.max_tokens for length in lengths)
    report.device = embedder.resolved_device
    # Longest first, as sentence-transformers does inside one encode call: texts of a
    # batch have similar lengths, so little padding is computed (and an out-of-memory
    # error, if any, comes at the start).
    order = sorted(range(len(missing)), key=lambda i: (-min(lengths[i], report.max_tokens), i))
    ordered = [missing[i] for i in order]

    def keep(batch: list[str], vectors: np.ndarray) -> None:
        cache.put_many(model, batch, vectors)
        vectors_of.update(zip(batch, vectors, strict=True))
        report.embedded += len(batch)

    def halved(size: int) -> None:
        tqdm.write(f"out of GPU memory: going on with batches of {size}", file=sys.stderr)

    with tqdm(total=len(ordered), desc="Embedding", unit="paper", disable=not progress,
              file=sys.stderr) as bar:
        report.batch_size = encode_in_batches(
            embedder.encode_batch, ordered, embedder.batch_size, keep, bar.update, halved
        )
