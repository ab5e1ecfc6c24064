"""The embedding cache: one vector per (model, text), in sqlite beside sitedata.

A re-run with nothing changed finds every text here and loads no model; editing one
abstract misses once. Each batch is committed in its own transaction as soon as it is
embedded, so a crash loses at most the batch in flight, and sqlite's journal means the
file is never left half-written.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

CACHE_FILE = "embeddings.sqlite"
#: Bump when what a cached vector means changes (e.g. normalization), to start afresh.
CACHE_FORMAT = 1


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Normalized float32 vectors keyed by model name and the sha256 of the text."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model TEXT NOT NULL, text_sha256 TEXT NOT NULL, format INTEGER NOT NULL,"
            " dims INTEGER NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, text_sha256, format))"
        )
        self._db.commit()

    def get_many(self, model: str, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those texts that have one, keyed by text."""
        by_key = {text_key(text): text for text in texts}
        found: dict[str, np.ndarray] = {}
        keys = list(by_key)
        for start in range(0, len(keys), 500):  # sqlite limits the parameters per query
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                "SELECT text_sha256, dims, vector FROM vectors WHERE model = ? AND format = ?"
                f" AND text_sha256 IN ({','.join('?' * len(chunk))})",
                (model, CACHE_FORMAT, *chunk),
            )
            for key, dims, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (dims,):
                    found[by_key[key]] = vector
        return found

    def put_many(self, model: str, texts: list[str], vectors: np.ndarray) -> None:
        """Store one batch, atomically."""
        rows = [
            (
                model,
                text_key(text),
                CACHE_FORMAT,
                int(vector.shape[0]),
                np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
            )
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._db:  # one transaction: all of the batch or none of it
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
