"""The child process that renders posters' first pages for thumbnails.py, under limits.

A poster is a PDF from a stranger's pull request: a 3 MB content stream can inflate to
gigabytes, a 514-byte file can declare a 10 x 4000 pt page. pdfium runs here, in a
process of its own with an address-space limit, so that such a file costs a warning
and a placeholder, never the freeze (thumbnails.py kills a render that runs too long).

Run as ``python -m miniconf.site.pdf_render MEMORY_BYTES PARENT_PID``, it imports only
this module and miniconf.processes: one JSON line ``[pdf, target]`` per poster on
stdin, the PNG written to ``target`` (atomically), one JSON line ``{"ok": true}`` or
``{"error": "..."}`` back.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib

from miniconf.processes import die_with_parent

#: Width of a rendered thumbnail in pixels (cards show it at about half, for sharp
#: rendering on high-density screens).
THUMBNAIL_WIDTH = 480
#: Tallest thumbnail: a strip-shaped page is scaled down to fit (a 10 x 4000 pt page at
#: full width would be a 192,000-pixel-tall bitmap).
MAX_THUMBNAIL_HEIGHT = 3 * THUMBNAIL_WIDTH


def render_png(data: bytes) -> bytes:
    """The first page of a PDF as a PNG, at most THUMBNAIL_WIDTH x MAX_THUMBNAIL_HEIGHT."""
    import pypdfium2  # imported here: only conferences with local posters need it

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_width(), page.get_height()
        if not (width > 0 and height > 0):
            raise ValueError(f"the first page is {width} x {height} pt")
        scale = min(THUMBNAIL_WIDTH / width, MAX_THUMBNAIL_HEIGHT / height)
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
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def write_atomically(target: str, data: bytes) -> None:
    """Written beside and renamed: parallel freezes never see half a file."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{os.getpid()}")
    with open(temporary, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)


def _limit_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not enforceable here (Windows, some macOS versions): the time limit remains


def main() -> None:
    die_with_parent(int(sys.argv[2]))
    _limit_memory(int(sys.argv[1]))
    for line in sys.stdin:
        pdf, target = json.loads(line)
        try:
            with open(pdf, "rb") as stream:
                png = render_png(stream.read())
            write_atomically(target, png)
            reply: dict = {"ok": True}
        except MemoryError:
            reply = {"error": "it needs more memory than a thumbnail may use"}
        except Exception as exc:  # noqa: BLE001 - pdfium's errors vary; the parent decides
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
