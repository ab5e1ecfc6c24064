"""Thumbnails for cards and video placeholders: given, or a local poster's first page.

A poster's first page is rendered with pdfium (the ``pypdfium2`` wheel ships the
binary, so it works offline and needs no system package) in a child process with a
memory and a time limit (pdf_render.py: posters come from pull requests), and written
as a PNG with the standard library. Renders are kept in ``.miniconf-cache/thumbnails/``
under the SHA-256 of the poster's bytes, so an unchanged poster is never rendered
twice, and the published file name carries that hash as a version, so browsers never
keep a stale one. Rendering happens once when the app is created, before freeze forks
its workers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import select
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..processes import usable_cpus
from ..structure.conference import Conference
from ..structure.papercache import cache_dir_for, key_file, writable_folder
from .pdf_render import encode_png, write_atomically

logger = logging.getLogger(__name__)

#: Bump when rendering changes, so cached thumbnails are made again.
RENDER_VERSION = "2"  # 2: tall pages scaled to fit MAX_THUMBNAIL_HEIGHT

#: The URL folder of each kind of page that can carry media (also the thumbnail folder).
OWNER_KINDS = ("papers", "speakers", "workshops", "sessions")


@dataclass(frozen=True)
class Thumbnail:
    """A thumbnail to publish: either a file in sitedata/ or a render in the cache."""

    width: int
    height: int
    #: Path under sitedata/ of a given image (published through /assets/).
    asset: str | None = None
    #: A rendered poster page in the cache (published through /thumbnails/).
    rendered: Path | None = None
    version: str = ""


def media_owners(conference: Conference):
    """(kind, id, media) of every paper, speaker, workshop and session that has media."""
    for kind, items in zip(
        OWNER_KINDS,
        (conference.papers, conference.speakers, conference.workshops, conference.sessions),
        strict=True,
    ):
        for item in items:
            media = getattr(item, "media", None)  # every owner kind has media and an id
            if media is not None:
                yield kind, getattr(item, "id"), media  # noqa: B009 - typed as a plain Model


def thumbnail_cache_dir(conference: Conference) -> Path:
    """In the caches' folder (papercache.cache_dir_for); in
    a read-only checkout, the user's cache folder (renders are named by content, so
    checkouts can share them), else a fresh temporary folder."""
    beside = cache_dir_for(conference.root) / "thumbnails"
    for folder in (beside, key_file().parent / "thumbnails"):
        if writable_folder(folder):
            return folder
    return Path(tempfile.mkdtemp(prefix="miniconf-thumbnails-"))


def collect_thumbnails(conference: Conference) -> dict[tuple[str, str], Thumbnail]:
    """The thumbnail of every page with one, rendering posters not yet in the cache."""
    root, cache = conference.root, thumbnail_cache_dir(conference)
    given: dict[tuple[str, str], Thumbnail] = {}
    posters: dict[tuple[str, str], tuple[Path, Path]] = {}  # owner -> (poster, its PNG)
    for kind, owner_id, media in media_owners(conference):
        if media.thumbnail:
            width, height = image_size(root / media.thumbnail)
            given[kind, owner_id] = Thumbnail(width, height, asset=media.thumbnail)
        elif media.local_poster:
            pdf = root / media.local_poster
            posters[kind, owner_id] = pdf, cache / f"{poster_digest(pdf)}.png"
    missing = {target: pdf for pdf, target in posters.values() if not _is_cached(target)}
    _render_all(missing)
    for owner, (_pdf, target) in posters.items():
        width, height = image_size(target)
        given[owner] = Thumbnail(width, height, rendered=target, version=target.stem[:10])
    return given


def poster_digest(pdf: Path) -> str:
    """Names a render: the poster's bytes and how it is rendered (RENDER_VERSION)."""
    return hashlib.sha256(pdf.read_bytes() + RENDER_VERSION.encode()).hexdigest()[:16]


def render_first_page(pdf: Path, cache: Path) -> Thumbnail:
    """The first page of ``pdf`` as a PNG in ``cache``, rendered only if not there yet."""
    target = cache / f"{poster_digest(pdf)}.png"
    if not _is_cached(target):
        _render_all({target: pdf})
    width, height = image_size(target)
    return Thumbnail(width, height, rendered=target, version=target.stem[:10])


def _is_cached(target: Path) -> bool:
    """A render in the cache, which is a PNG (a file someone put there is made again)."""
    try:
        with target.open("rb") as stream:
            return stream.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


#: Limits of a poster's render (pdf_render.py): address space of the rendering process
#: and wall-clock seconds per poster. Beyond them the poster gets a placeholder.
RENDER_MEMORY_BYTES = 1 << 30
RENDER_SECONDS = 20.0
#: New posters per rendering process at least: below, starting processes costs more
#: than it saves.
POSTERS_PER_PROCESS = 8
#: The folder holding the miniconf package, for the renderer's import path.
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent


def _renderer_command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "miniconf.site.pdf_render",
        str(RENDER_MEMORY_BYTES),
        str(os.getpid()),
    ]


def _render_all(missing: dict[Path, Path]) -> None:
    """Render new posters (target PNG -> PDF) in child processes under the limits, split
    between several when there are many (a first freeze of a big conference)."""
    items = sorted(missing.items())
    if not items:
        return
    jobs = max(1, min(usable_cpus(), len(items) // POSTERS_PER_PROCESS))
    shares = [items[start::jobs] for start in range(jobs)]
    if jobs == 1:
        _render_share(shares[0])
        return
    with ThreadPoolExecutor(jobs) as pool:  # threads only wait on their processes
        list(pool.map(_render_share, shares))


def _render_share(items: list[tuple[Path, Path]]) -> None:
    """Render posters one after the other in one child process; one that dies or runs
    out of time gets a placeholder, and a fresh process takes the rest."""
    pending = list(items)
    while pending:
        with _Renderer() as renderer:
            while pending:
                target, pdf = pending.pop(0)
                problem = renderer.render(pdf, target)
                if problem is not None:
                    _placeholder(pdf, target, problem)
                if not renderer.alive:
                    break


class _Renderer:
    """One pdf_render.py process; ``render`` returns None or what went wrong."""

    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [str(_PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))
        # The renderer dies with its parent (PR_SET_PDEATHSIG), strictly with the thread
        # that started it: each pool thread ends its renderers before its task returns.
        self.process = subprocess.Popen(
            _renderer_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONPATH": path},
        )
        self.alive = True

    def render(self, pdf: Path, target: Path) -> str | None:
        assert self.process.stdin and self.process.stdout
        try:
            self.process.stdin.write(json.dumps([str(pdf), str(target)]) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], RENDER_SECONDS)
            reply = self.process.stdout.readline() if ready else None
        except OSError:  # the process is gone (killed for its memory, crashed)
            reply = ""
        if reply is None:
            self.stop()
            return f"it took longer than {RENDER_SECONDS:g} s"
        if not reply:
            self.stop()
            return f"the renderer stopped (over {RENDER_MEMORY_BYTES >> 20} MB of memory?)"
        outcome = json.loads(reply)
        return None if outcome.get("ok") else str(outcome.get("error"))

    def stop(self) -> None:
        self.alive = False
        self.process.kill()
        self.process.wait()

    def __enter__(self) -> _Renderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.alive:
            assert self.process.stdin
            self.process.stdin.close()  # the end of its input: it exits
            try:
                self.process.wait(timeout=RENDER_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()


def _placeholder(pdf: Path, target: Path, problem: str) -> None:
    """A plain thumbnail keeps the build whole (the URL is listed from the data alone);
    the same bytes would fail the same way, so it is cached too."""
    logger.warning(
        "warning: %s: the poster's first page did not render (%s); using a plain thumbnail",
        pdf,
        problem,
    )
    write_atomically(str(target), encode_png(16, 9, [b"\xdd\xe1\xea" * 16] * 9))


def image_size(file: Path) -> tuple[int, int]:
    """Width and height of a PNG, JPEG or WebP, read from its header (for width/height
    attributes, so cards do not jump while lazy images load); (0, 0) if unknown."""
    with file.open("rb") as stream:
        head = stream.read(64 * 1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return struct.unpack(">II", head[16:24])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        if head[12:16] == b"VP8X":
            width = 1 + int.from_bytes(head[24:27], "little")
            return width, 1 + int.from_bytes(head[27:30], "little")
        if head[12:16] == b"VP8 ":
            width, height = struct.unpack("<HH", head[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if head[12:16] == b"VP8L":
            bits = int.from_bytes(head[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if head[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(head):
            if head[index] != 0xFF:
                index += 1
                continue
            marker = head[index + 1]
            length = struct.unpack(">H", head[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", head[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return 0, 0
