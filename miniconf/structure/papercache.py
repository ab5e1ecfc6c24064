"""Validated papers remembered between runs, so re-validating 10,000 unchanged files is fast.

Parsing YAML is the slow part of loading a large conference. Each paper file that
validated is kept here under a hash of its name and bytes; a later load reuses it while
the file's content and the data model's code (loader_version) are the same, wherever
the checkout is, so a cache restored on a fresh CI checkout hits too. Files with errors
are never cached, so their problems are reported on every run. The records are spread
over 16 files by their key's first digit, so an author's edit rewrites one sixteenth of
the cache, not the records of 10,000 papers. Each file is written to a temporary file
and renamed, so a crash never leaves one half-written, and an unreadable file is
ignored (it only costs time).

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
import os
import pickle
import tempfile
from pathlib import Path
from typing import NamedTuple

from . import loader_version
from .models import Paper
from .yamlsource import LineDict

#: The folder of the cache files. -2: keyed by content, not by file stamps; -3: records
#: are PaperRecords, not plain tuples; -4: a folder of shards (older caches are left
#: alone, never unpickled into the new shape).
CACHE_NAME = "sitedata-papers-4"
#: A shard per first hex digit of the content key: ``0.pickle`` … ``f.pickle``.
SHARDS = "0123456789abcdef"
#: How a signed cache file starts; the HMAC-SHA256 of the rest follows.
MAGIC = b"miniconf signed cache 1\n"
_MAC_BYTES = 32
#: Environment variable that may hold the key (hex), e.g. from a CI secret.
KEY_VARIABLE = "MINICONF_CACHE_KEY"


def content_key(name: str, data: bytes) -> str:
    """What identifies a paper file: its name (the paper's id) and its bytes."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()


class PaperRecord(NamedTuple):
    """A validated paper file: what the cache keeps, and what loading workers send back.

    A named tuple rather than a dataclass: 10,000 of them are pickled on every cache
    write, and a tuple pickles without a ``__dict__`` per record.
    """

    #: The file's name in papers/ (``h27-001.yml``).
    file_name: str
    #: content_key of the file; None when it could not be read as a content file (a
    #: link, too big...): such a record is never cached.
    content_key: str | None
    paper: Paper
    #: The line of each top-level key: all that later checks of a paper need.
    lines: LineDict


class PaperCache:
    """Records by content key, read from and saved to signed shard files."""

    def __init__(self, folder: Path | None):
        self.key = cache_key(folder) if folder else None
        #: No key (none can be kept outside the repository): no cache at all.
        self.folder = folder / CACHE_NAME if folder and self.key else None
        self.records: dict[str, PaperRecord] = {}
        #: The records of the files seen this run: what the next run can reuse.
        self.fresh: dict[str, PaperRecord] = {}
        self.version = loader_version()
        #: Shard files there that cannot be used (foreign, damaged, older): rewritten.
        self.unusable: set[str] = set()
        if self.folder is not None:
            for shard in SHARDS:
                file = self._file(shard)
                if os.path.lexists(file):
                    records = self._read(file)
                    if records is None:
                        self.unusable.add(shard)
                    else:
                        self.records.update(records)

    def _file(self, shard: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{shard}.pickle"

    def _read(self, file: Path) -> dict[str, PaperRecord] | None:
        """A shard's records; None when it cannot be used (only a slower run)."""
        assert self.key is not None
        try:
            # Nothing is unpickled unless this machine's key signed it.
            version, records = pickle.loads(verified(file.read_bytes(), self.key))
        except Exception:  # noqa: BLE001 - damaged, foreign, not ours
            return None
        if version != self.version:
            return None
        return {
            record.content_key: record
            for record in records
            if isinstance(record, PaperRecord) and record.content_key
        }

    def get(self, key: str) -> PaperRecord | None:
        """The record of a file with this content, if any."""
        record = self.records.get(key)
        if record is not None:
            self.fresh[key] = record
        return record

    def put(self, record: PaperRecord) -> None:
        """Keep a record that has a content key (see PaperRecord.content_key)."""
        assert record.content_key is not None
        self.fresh[record.content_key] = record

    def save(self) -> None:
        """Keep only the files seen this run, rewriting just the shards that changed."""
        if self.folder is None:
            return
        for shard in SHARDS:
            fresh = sorted(key for key in self.fresh if key[0] == shard)
            kept = sorted(key for key in self.records if key[0] == shard)
            if fresh != kept or shard in self.unusable:
                self._write(self._file(shard), [self.fresh[key] for key in fresh])

    def _write(self, file: Path, records: list[PaperRecord]) -> None:
        assert self.key is not None  # a cache file is only kept with a key
        try:
            body = pickle.dumps((self.version, records), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not kept: only a slower run next time
            return
        write_signed(file, body, self.key)


def write_signed(file: Path, body: bytes, key: bytes) -> None:
    """``body`` with its signature, written to a temporary file and renamed into place;
    nothing happens where the folder cannot be written (a read-only checkout still
    validates and freezes, just without the speed-up)."""
    temporary = file.with_name(f".{file.name}.{os.getpid()}")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as stream:
            stream.write(MAGIC + hmac.digest(key, body, "sha256") + body)
        temporary.replace(file)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def code_fingerprint(*modules: Path) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


class UnsignedCache(ValueError):
    """A cache file that this machine's key did not sign."""


def verified(data: bytes, key: bytes) -> bytes:
    """The signed body of a cache file; raises UnsignedCache unless the MAC matches."""
    body = data[len(MAGIC) + _MAC_BYTES :]
    mac = data[len(MAGIC) : len(MAGIC) + _MAC_BYTES]
    if not data.startswith(MAGIC) or not hmac.compare_digest(mac, hmac.digest(key, body, "sha256")):
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


def cache_dir_for(sitedata: Path) -> Path:
    """Where every cache lives (papers, compiled templates, thumbnails):
    ``.miniconf-cache/`` beside sitedata, outside git, restored by the CI's cache."""
    return Path(sitedata).resolve().parent / ".miniconf-cache"


def writable_folder(folder: Path) -> bool:
    """Whether files can be made in ``folder`` (made if missing): not in a read-only
    checkout, where caches are then off or elsewhere."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
