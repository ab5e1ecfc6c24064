"""Validated papers remembered between runs, so re-validating 10,000 unchanged files is fast.

Parsing YAML is the slow part of loading a large conference. Each paper file that
validated is kept here with the size and modification time it had; a later load
reuses it while both are unchanged and the data model's code is the same. Files with
errors are never cached, so their problems are reported on every run. The cache is
written to a temporary file and renamed, so a crash never leaves it half-written, and
an unreadable cache is ignored (it only costs time).

Unpickling runs code, and ``.miniconf-cache/`` sits in the checkout, where a pull
request can commit a file. So the cache is signed: an HMAC-SHA256 of its bytes under
a secret key kept outside the repository (:func:`cache_key`) is checked before
anything is unpickled, and a file without the right signature (foreign, damaged, from
another machine) is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import loader_version

CACHE_NAME = "sitedata-papers.pickle"
#: How a signed cache file starts; the HMAC-SHA256 of the rest follows.
MAGIC = b"miniconf signed cache 1\n"
_MAC_BYTES = 32
#: Environment variable that may hold the key (hex), e.g. from a CI secret.
KEY_VARIABLE = "MINICONF_CACHE_KEY"

#: What identifies a file's content: its real path, size and modification time (ns).
Stamp = tuple[str, int, int]


def file_stamp(entry: os.DirEntry, real_folder: str) -> Stamp:
    """The stamp of a file listed by ``os.scandir`` in the folder whose real path is
    ``real_folder`` (resolved once for all its files; a linked file is resolved itself)."""
    path = os.path.realpath(entry.path) if entry.is_symlink() else f"{real_folder}/{entry.name}"
    stat = entry.stat()
    return path, stat.st_size, stat.st_mtime_ns


#: What the cache keeps of a file: a tuple whose second item is the file's Stamp (the
#: loader's PaperRecord: name, stamp, paper, lines of its top-level keys).
Record = tuple


class PaperCache:
    """Records by real path. The file holds batches of records, each pickled on its own,
    so that a batch that a worker pickled (to send it to the loading process) is written
    as it is, and a batch read from the file is written back as it is while all its
    records are still current."""

    def __init__(self, folder: Path | None):
        self.key = cache_key(folder) if folder else None
        #: No key (none can be kept outside the repository): no cache at all.
        self.file = folder / CACHE_NAME if folder and self.key else None
        self.records: dict[str, Record] = {}
        #: The records of the files seen this run: what the next run can reuse.
        self.fresh: dict[str, Record] = {}
        #: Pickled batches with their records.
        self.batches: list[tuple[bytes, list[Record]]] = []
        self.version = loader_version()
        if self.file and self.key and self.file.is_file():
            try:
                # Nothing is unpickled unless this machine's key signed it.
                version, batches = pickle.loads(_verified(self.file.read_bytes(), self.key))
                if version == self.version:
                    for pickled in batches:
                        records = pickle.loads(pickled)  # noqa: S301 - our own cache
                        self.batches.append((pickled, records))
                        self.records.update((record[1][0], record) for record in records)
            except Exception:  # noqa: BLE001 - a damaged cache is only a slower run
                self.records = {}
                self.batches = []

    def get(self, stamp: Stamp) -> Record | None:
        """The record of an unchanged file, if any."""
        record = self.records.get(stamp[0])
        if record is not None and record[1] == stamp:
            self.fresh[stamp[0]] = record
            return record
        return None

    def put(self, record: Record) -> None:
        self.fresh[record[1][0]] = record

    def put_batch(self, records: list[Record]) -> None:
        """Records loaded here while workers load others: pickled now (if there is a
        cache to write), which leaves less to do at the end."""
        if self.file is None or not records:
            for record in records:
                self.put(record)
        else:
            self.put_pickled(dumps(records), records)

    def put_pickled(self, pickled: bytes, records: list[Record] | None = None) -> list[Record]:
        """Records pickled (by ``dumps``) in a worker: unpickled (unless given), and kept
        pickled as they are."""
        if records is None:
            records = pickle.loads(pickled)  # noqa: S301 - from our own worker
        self.batches.append((pickled, records))
        for record in records:
            self.put(record)
        return records

    def save(self) -> None:
        """Keep only the files seen this run; skip the write when nothing changed."""
        if self.file is None or self.fresh == self.records:
            return
        kept = []
        covered = set()
        for pickled, records in self.batches:
            if all(self.fresh.get(record[1][0]) is record for record in records):
                kept.append(pickled)
                covered.update(map(id, records))
        loose = [record for record in self.fresh.values() if id(record) not in covered]
        if loose:
            kept.append(dumps(loose))
        temporary = self.file.with_name(f".{self.file.name}.{os.getpid()}")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            body = pickle.dumps((self.version, kept), protocol=pickle.HIGHEST_PROTOCOL)
            assert self.key is not None  # a cache file is only kept with a key
            with temporary.open("wb") as stream:
                stream.write(MAGIC + hmac.digest(self.key, body, "sha256") + body)
            temporary.replace(self.file)
        except OSError:
            # A read-only checkout still validates, just without the speed-up.
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


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


class UnsignedCache(ValueError):
    """A cache file that this machine's key did not sign."""


def _verified(data: bytes, key: bytes) -> bytes:
    """The signed body of a cache file; raises UnsignedCache unless the MAC matches."""
    body = data[len(MAGIC) + _MAC_BYTES:]
    mac = data[len(MAGIC):len(MAGIC) + _MAC_BYTES]
    if not data.startswith(MAGIC) or not hmac.compare_digest(
        mac, hmac.digest(key, body, "sha256")
    ):
        raise UnsignedCache("the cache file is not signed by this machine's key")
    return body


def key_file() -> Path:
    """Where the key is kept: the user's cache folder ($XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "miniconf" / "cache-key"


def cache_key(cache_folder: Path) -> bytes | None:
    """The secret that signs caches: $MINICONF_CACHE_KEY (hex), else a random key in
    key_file(), made on first use. None (no cache) when neither is possible, or when
    the key file would sit in the checkout beside the cache, where a pull request could
    commit one."""
    given = os.environ.get(KEY_VARIABLE)
    if given:
        try:
            return bytes.fromhex(given)
        except ValueError:
            return None
    file = key_file()
    checkout = Path(cache_folder).resolve().parent
    try:
        if file.resolve().is_relative_to(checkout):
            return None
        if not file.is_file():
            _make_key(file)
        key = file.read_bytes()
    except OSError:
        return None
    return key if len(key) >= _MAC_BYTES else None


def _make_key(file: Path) -> None:
    """A new random key, written privately and linked into place, so that concurrent
    runs all end up with the first complete key."""
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".{file.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, os.urandom(_MAC_BYTES))
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, file)
    except FileExistsError:
        pass  # another run made it first: use theirs
    except OSError:
        os.replace(temporary, file)  # a file system without hard links
    finally:
        temporary.unlink(missing_ok=True)


def writable_folder(folder: Path) -> bool:
    """Whether files can be made in ``folder`` (made if missing): not in a read-only
    checkout, where caches are then off or elsewhere."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
