"""Validated papers remembered between runs, so re-validating 10,000 unchanged files is fast.

Parsing YAML is the slow part of loading a large conference. Each paper file that
validated is kept here with the size and modification time it had; a later load
reuses it while both are unchanged and the data model's code is the same. Files with
errors are never cached, so their problems are reported on every run. The cache is
written to a temporary file and renamed, so a crash never leaves it half-written, and
an unreadable cache is ignored (it only costs time).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from . import loader_version

CACHE_NAME = "sitedata-papers.pickle"


class PaperCache:
    def __init__(self, folder: Path | None):
        self.file = folder / CACHE_NAME if folder else None
        self.entries: dict[str, tuple[int, int, Any]] = {}
        self.fresh: dict[str, tuple[int, int, Any]] = {}
        self.version = loader_version()
        if self.file and self.file.is_file():
            try:
                with self.file.open("rb") as stream:
                    version, entries = pickle.load(stream)
                if version == self.version:
                    self.entries = entries
            except Exception:  # noqa: BLE001 - a damaged cache is only a slower run
                self.entries = {}

    @staticmethod
    def key(file: Path) -> tuple[str, int, int]:
        stat = file.stat()
        return str(file.resolve()), stat.st_size, stat.st_mtime_ns

    def get(self, file: Path) -> Any | None:
        name, size, mtime = self.key(file)
        cached = self.entries.get(name)
        if cached and cached[0] == size and cached[1] == mtime:
            self.fresh[name] = cached
            return cached[2]
        return None

    def put(self, file: Path, value: Any) -> None:
        name, size, mtime = self.key(file)
        self.fresh[name] = (size, mtime, value)

    def save(self) -> None:
        """Keep only the files seen this run; skip the write when nothing changed."""
        if self.file is None or self.fresh == self.entries:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_name(f".{self.file.name}.{os.getpid()}")
            with temporary.open("wb") as stream:
                pickle.dump((self.version, self.fresh), stream, protocol=pickle.HIGHEST_PROTOCOL)
            temporary.replace(self.file)
        except OSError:
            pass  # a read-only checkout still validates, just without the speed-up


def code_fingerprint(*modules: Path) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]
