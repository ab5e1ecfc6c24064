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
import io
import os
import pickle
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import loader_version

CACHE_NAME = "sitedata-papers.pickle"

#: What identifies a file's content: its real path, size and modification time (ns).
Stamp = tuple[str, int, int]


def file_stamp(entry: os.DirEntry, real_folder: str) -> Stamp:
    """The stamp of a file listed by ``os.scandir`` in the folder whose real path is
    ``real_folder`` (resolved once for all its files; a linked file is resolved itself)."""
    path = os.path.realpath(entry.path) if entry.is_symlink() else f"{real_folder}/{entry.name}"
    stat = entry.stat()
    return path, stat.st_size, stat.st_mtime_ns


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

    def get(self, stamp: Stamp) -> Any | None:
        name, size, mtime = stamp
        cached = self.entries.get(name)
        if cached and cached[0] == size and cached[1] == mtime:
            self.fresh[name] = cached
            return cached[2]
        return None

    def put(self, stamp: Stamp, value: Any) -> None:
        name, size, mtime = stamp
        self.fresh[name] = (size, mtime, value)

    def save(self) -> None:
        """Keep only the files seen this run; skip the write when nothing changed."""
        if self.file is None or self.fresh == self.entries:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_name(f".{self.file.name}.{os.getpid()}")
            with temporary.open("wb") as stream:
                stream.write(dumps((self.version, self.fresh)))
            temporary.replace(self.file)
        except OSError:
            pass  # a read-only checkout still validates, just without the speed-up


def dumps(value: Any) -> bytes:
    """``pickle.dumps``, with pydantic models pickled as their validated field values,
    which unpickle twice as fast as through ``BaseModel.__setstate__``."""
    buffer = io.BytesIO()
    _ModelPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class _ModelPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if (
            isinstance(obj, BaseModel)
            and obj.__pydantic_extra__ is None
            and obj.__pydantic_private__ is None
        ):
            return _rebuild_model, (obj.__class__, obj.__dict__, obj.__pydantic_fields_set__)
        return NotImplemented  # anything else (and models with extras) as pickle does it


_set = object.__setattr__


def _rebuild_model(cls: type[BaseModel], fields: dict, fields_set: set) -> BaseModel:
    """The model a worker or an earlier run validated, as ``BaseModel.__setstate__``
    restores it (these models have no extra fields and no private attributes)."""
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def code_fingerprint(*modules: Path) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]
