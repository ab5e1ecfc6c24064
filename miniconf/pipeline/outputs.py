"""Writing the pipeline's output files (their format: structure/pipeline_outputs.py).

The files are committed by organizers and read in pull requests, so the JSON has a
stable key order and one line per paper. Each file is written to a temporary name and
renamed into place: a crash leaves the old file or the new one, never half of one, and
the ``inputs`` hash in each tells whether they belong together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..structure.pipeline_outputs import (
    INPUTS_FILE,
    MAP_FILE,
    SIMILAR_FILE,
    VECTORS_FILE,
    VECTORS_META_FILE,
    inputs_hash,
    text_digest,
)
from .projection import pca

#: The browser's vectors: at most this many dimensions (10,000 papers fit in 640 kB).
BROWSER_DIMS = 64
#: int8 vectors are round(unit vector × SCALE), so dot(a, b) / SCALE² approximates cosine.
SCALE = 127


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def json_with_table(header: dict, table_name: str, table: dict) -> str:
    """``header``'s keys, then ``table`` as one line per entry, all keys sorted."""
    fields = {**header, table_name: None}
    lines = []
    for name in sorted(fields):
        if name == table_name:
            rows = [f"  {_dumps(key)}: {_dumps(table[key])}" for key in sorted(table)]
            body = "{\n" + ",\n".join(rows) + "\n }" if rows else "{}"
            lines.append(f" {_dumps(name)}: {body}")
        else:
            lines.append(f" {_dumps(name)}: {_dumps(fields[name])}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def json_object_per_line(fields: dict) -> str:
    """A JSON object with one line per key, keys sorted."""
    lines = [f" {_dumps(name)}: {_dumps(fields[name])}" for name in sorted(fields)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def browser_vectors(vectors: np.ndarray, dims: int = BROWSER_DIMS) -> np.ndarray:
    """int8 rows: PCA to at most ``dims`` dimensions, L2-normalized, times SCALE."""
    reduced = pca(vectors, dims) if len(vectors) else np.zeros((0, 0))
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    unit = np.divide(reduced, norms, out=np.zeros_like(reduced), where=norms > 1e-12)
    return np.clip(np.round(unit * SCALE), -SCALE, SCALE).astype(np.int8)


def write_outputs(
    folder: Path,
    *,
    model: str,
    items: Sequence[tuple[str, str]],
    k: int,
    similar: list[list[int]],
    method: str,
    positions: np.ndarray,
    vectors: np.ndarray,
    recipe: dict | None = None,
) -> None:
    """Write the five files for ``items`` (paper id, embedded text), rows in that order.

    inputs.json goes last: until it is replaced, the files that already were carry a
    hash it does not, so a run cut short reads as unusable rather than as current.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ids = [paper_id for paper_id, _ in items]
    header = {"model": model, "inputs": inputs_hash(model, items)}
    similar_table = {
        ids[row]: [ids[other] for other in others] for row, others in enumerate(similar)
    }
    position_table = {
        paper_id: [float(x), float(y)]
        for paper_id, (x, y) in zip(ids, positions.tolist(), strict=True)
    }
    compact = browser_vectors(vectors)
    meta = {
        **header,
        "dims": int(compact.shape[1]) if compact.ndim == 2 else 0,
        "dtype": "int8",
        "scale": SCALE,
        "ids": ids,
    }
    write_atomically(folder / VECTORS_FILE, compact.tobytes())
    write_atomically(folder / VECTORS_META_FILE, json_object_per_line(meta).encode("utf-8"))
    write_atomically(
        folder / MAP_FILE,
        json_with_table({**header, "method": method}, "positions", position_table).encode("utf-8"),
    )
    write_atomically(
        folder / SIMILAR_FILE,
        json_with_table({**header, "k": k}, "similar", similar_table).encode("utf-8"),
    )
    texts = {paper_id: text_digest(text) for paper_id, text in items}
    write_atomically(
        folder / INPUTS_FILE,
        json_with_table({**header, "k": k, "recipe": recipe or {}}, "texts", texts).encode("utf-8"),
    )
