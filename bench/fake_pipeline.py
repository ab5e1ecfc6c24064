"""Write stand-in pipeline outputs for a sitedata, in the pipeline's file format.

    python bench/fake_pipeline.py SITEDATA [--dims 64]

Tests and benchmarks of the explore feature need ``pipeline/similar.json``,
``map.json``, ``vectors.json``/``vectors.bin`` and ``inputs.json`` without running a model: the
vectors here are random but clustered by track (papers of one track point the same
way), the map places each track in its own region, and the similar lists are the true
nearest neighbours of the vectors written, so the browser's ranking can be checked
against them. Never part of the product; ``miniconf pipeline`` writes the real files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
from pathlib import Path

import numpy as np
import yaml

from miniconf.structure.loader import load_conference

FAKE_MODEL = "fake-clustered-vectors"


def _papers(sitedata: Path) -> list[tuple[str, str | None]]:
    """(id, track) of every paper, in id order."""
    found = []
    for file in sorted((sitedata / "papers").glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for record in data if isinstance(data, list) else [data]:
            found.append((str(record["id"]), record.get("track")))
    return sorted(found)


def _texts(sitedata: Path) -> dict[str, str]:
    """Each paper's title and abstract (what the real pipeline embeds and labels name)."""
    found = {}
    for file in sorted((sitedata / "papers").glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for record in data if isinstance(data, list) else [data]:
            found[str(record["id"])] = f"{record.get('title', '')}\n\n{record.get('abstract', '')}"
    return found


def _inputs(sitedata: Path) -> tuple[str, dict[str, str], dict]:
    """The ``inputs`` hash, per-paper text digests and recipe the real pipeline records."""
    try:
        from miniconf.pipeline.settings import Recipe
        from miniconf.structure.pipeline_outputs import (
            conference_inputs,
            inputs_hash,
            text_digest,
        )
    except ImportError:  # before the pipeline feature: any hash does
        return hashlib.sha256(FAKE_MODEL.encode()).hexdigest(), {}, {}
    conference, problems = load_conference(sitedata)
    assert conference is not None, problems
    items = conference_inputs(conference)
    texts = {paper_id: text_digest(text) for paper_id, text in items}
    return inputs_hash(FAKE_MODEL, items), texts, Recipe().as_dict()


def write_outputs(sitedata: Path, dims: int = 64, k: int = 5, seed: int = 0) -> Path:
    papers = _papers(sitedata)
    ids = [paper_id for paper_id, _ in papers]
    tracks = sorted({str(track) for _, track in papers})
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(tracks), dims))
    spots = random.Random(seed)
    track_index = [tracks.index(str(track)) for _, track in papers]
    vectors = centres[track_index] + rng.normal(scale=0.9, size=(len(ids), dims))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    quantized = np.round(vectors * 127).astype(np.int8)

    # True neighbours of the quantized vectors (what the browser's ranking sees), in chunks.
    as_float = quantized.astype(np.float32)
    similar = {}
    for start in range(0, len(ids), 2048):
        scores = as_float[start : start + 2048] @ as_float.T
        for row, paper_index in enumerate(range(start, min(start + 2048, len(ids)))):
            scores[row, paper_index] = -math.inf
            best = np.argpartition(-scores[row], k)[:k]
            best = best[np.argsort(-scores[row][best], kind="stable")]
            similar[ids[paper_index]] = [ids[i] for i in best]

    angle = {track: 2 * math.pi * i / max(1, len(tracks)) for i, track in enumerate(tracks)}
    positions = {}
    for paper_id, track in papers:
        a = angle[str(track)]
        x = 0.5 + 0.3 * math.cos(a) + spots.gauss(0, 0.07)
        y = 0.5 + 0.3 * math.sin(a) + spots.gauss(0, 0.07)
        positions[paper_id] = [round(min(1, max(0, x)), 4), round(min(1, max(0, y)), 4)]

    inputs, texts, recipe = _inputs(sitedata)
    folder = sitedata / "pipeline"
    folder.mkdir(exist_ok=True)
    common = {"model": FAKE_MODEL, "inputs": inputs}
    _write(folder / "similar.json", {**common, "k": k, "similar": similar})
    _write(folder / "map.json", {**common, "method": "pca", "positions": positions})
    _write(
        folder / "vectors.json", {**common, "dims": dims, "dtype": "int8", "scale": 1.0, "ids": ids}
    )
    (folder / "vectors.bin").write_bytes(quantized.tobytes())
    _write(folder / "inputs.json", {**common, "k": k, "recipe": recipe, "texts": texts})
    try:  # the map's region names, from these vectors (pipeline/labels.py)
        from miniconf.pipeline.labels import write_labels
    except ImportError:  # before the labels feature
        return folder
    paper_texts = _texts(sitedata)
    write_labels(
        folder,
        model=FAKE_MODEL,
        inputs=inputs,
        ids=ids,
        texts=[paper_texts[paper_id] for paper_id in ids],
        vectors=vectors,
    )
    return folder


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sitedata", type=Path)
    parser.add_argument("--dims", type=int, default=64)
    args = parser.parse_args()
    print(f"wrote {write_outputs(args.sitedata, args.dims)}")


if __name__ == "__main__":
    main()
