"""Thumbnails for cards and video placeholders: given, or a local poster's first page.

A poster's first page is rendered with pdfium (the ``pypdfium2`` wheel ships the
binary, so it works offline and needs no system package) and written as a PNG with
the standard library. Renders are kept in ``.miniconf-cache/thumbnails/`` under the
SHA-256 of the poster's bytes, so an unchanged poster is never rendered twice, and the
published file name carries that hash as a version, so browsers never keep a stale
one. Rendering happens once when the app is created, before freeze forks its workers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from ..structure.conference import Conference

logger = logging.getLogger(__name__)

#: Width of a rendered thumbnail in pixels (cards show it at about half, for sharp
#: rendering on high-density screens).
THUMBNAIL_WIDTH = 480
#: Bump when rendering changes, so cached thumbnails are made again.
RENDER_VERSION = "1"

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
            if item.media is not None:
                yield kind, item.id, item.media


def thumbnail_cache_dir(conference: Conference) -> Path:
    """Beside sitedata/, like the paper cache (see commands/common.py: cache_dir_for)."""
    return conference.root.resolve().parent / ".miniconf-cache" / "thumbnails"


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
    missing = {target: pdf for pdf, target in posters.values() if not target.is_file()}
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
    if not target.is_file():
        _render_to(pdf, target)
    width, height = image_size(target)
    return Thumbnail(width, height, rendered=target, version=target.stem[:10])


#: Below this many new posters, rendering in this process beats starting workers.
PARALLEL_RENDERS = 8


def _render_all(missing: dict[Path, Path]) -> None:
    """Render new posters, split between forked workers when there are many (a first
    freeze of a big conference: about 50 ms a poster)."""
    jobs = min(os.cpu_count() or 1, 8)
    items = sorted(missing.items())
    if len(items) < PARALLEL_RENDERS or jobs == 1 or "fork" not in get_all_start_methods():
        for target, pdf in items:
            _render_to(pdf, target)
        return
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
        list(pool.map(_render_to, [pdf for _, pdf in items], [t for t, _ in items]))


def _render_to(pdf: Path, target: Path) -> None:
    try:
        png = _render_png(pdf.read_bytes())
    except Exception as exc:  # noqa: BLE001 - pdfium's errors vary; pages need no picture
        # A plain placeholder keeps the build whole (the URL is listed from the data
        # alone); the same bytes would fail the same way, so it is cached too.
        logger.warning("%s: the first page did not render (%s); using a plain thumbnail",
                       pdf, exc)
        png = encode_png(16, 9, [b"\xdd\xe1\xea" * 16] * 9)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.write_bytes(png)
    temporary.replace(target)  # atomic: parallel freezes never see half a file


def _render_png(data: bytes) -> bytes:
    import pypdfium2  # imported here: only conferences with local posters need it

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        scale = THUMBNAIL_WIDTH / page.get_width()
        bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=False)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        channels = bitmap.n_channels
        buffer = bytes(bitmap.buffer)
        page.close()
    finally:
        document.close()
    rows = [buffer[y * stride : y * stride + width * channels] for y in range(height)]
    if channels == 4:  # RGBA/RGBX: drop the fourth byte (pages are opaque)
        rows = [b"".join(row[x : x + 3] for x in range(0, len(row), 4)) for row in rows]
    return encode_png(width, height, rows)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG from rows of RGB bytes (no Pillow needed for a thumbnail)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(
        b"IEND", b""
    )


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
