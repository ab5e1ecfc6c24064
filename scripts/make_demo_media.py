"""Write the demo conference's self-hosted media: tiny generated files, no real talks.

    .venv/bin/python scripts/make_demo_media.py            # writes sitedata/media/

- one-page PDFs (posters and slides) written by hand: the PDF syntax for a few
  rectangles and lines of Helvetica is short, and needs no library;
- a PNG thumbnail (the project's own PNG writer, miniconf/site/thumbnails.py);
- a 3-second VP8 WebM test pattern with WebVTT captions. The video needs PyAV
  (``pip install av``; its wheel bundles FFmpeg), which only this script uses, so it
  is no dependency of MiniConf: the generated files are committed.

Output is deterministic for the PDFs and the PNG; re-run only to change them.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from miniconf.site.pdf_render import encode_png  # noqa: E402

OUT = REPO / "sitedata" / "media"


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def one_page_pdf(
    width: int, height: int, accent: tuple[float, float, float], lines: list[tuple[int, str]]
) -> bytes:
    """A page with a coloured header band, panels, and lines of (font size, text)."""
    r, g, b = accent
    ops = [
        f"{r} {g} {b} rg 0 {height - height // 6} {width} {height // 6} re f",
        "0.93 0.94 0.97 rg",
    ]
    margin = width // 20
    panel_w = (width - 3 * margin) // 2
    for column in range(2):
        x = margin + column * (panel_w + margin)
        ops.append(f"{x} {margin} {panel_w} {height // 2} re f")
    ops.append(
        f"{r} {g} {b} RG 4 w {margin} {height // 2 + 2 * margin} m "
        f"{width - margin} {height // 2 + 2 * margin} l S"
    )
    y = height - height // 12
    ops.append("BT")
    for index, (size, text) in enumerate(lines):
        color = "1 1 1 rg" if index == 0 else "0.11 0.13 0.19 rg"
        ops.append(f"{color} /F1 {size} Tf 1 0 0 1 {margin} {y} Tm ({_pdf_text(text)}) Tj")
        y -= int(size * 1.8) + (height // 10 if index == 0 else 0)
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def thumbnail_png(width: int, height: int) -> bytes:
    """A calm diagonal gradient with a bar chart: recognisable, a few KB."""
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            t = (x + y) / (width + height)
            pixel = [int(40 + 60 * t), int(82 + 90 * t), int(204 - 60 * t)]
            bar = x // (width // 8)
            if 0 < bar < 7 and x % (width // 8) > width // 40 and y > height * (0.85 - 0.09 * bar):
                pixel = [255, 176, 0] if bar % 2 else [240, 243, 250]
            row += bytes(pixel)
        rows.append(bytes(row))
    return encode_png(width, height, rows)


def test_video(path: Path, seconds: int = 3, fps: int = 8) -> None:
    """A moving colour bar, VP8 in WebM: plays in every browser, a few KB."""
    import av  # only here: see the module docstring
    import numpy as np

    width, height = 320, 180
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = 60_000
        for index in range(seconds * fps):
            frame = np.zeros((height, width, 3), dtype=np.uint8)
            frame[:, :] = (30, 40, 70)
            left = int(index / (seconds * fps) * (width - 60))
            frame[60:120, left : left + 60] = (255, 176, 0)
            frame[150:160, : int(width * (index + 1) / (seconds * fps))] = (138, 168, 255)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


CAPTIONS = """WEBVTT

00:00:00.000 --> 00:00:01.500
Welcome to our Helios 2027 talk.

00:00:01.500 --> 00:00:03.000
(This is a generated test video.)
"""


def main() -> None:
    posters = {
        "h27-001": ((0.16, 0.32, 0.80), "Ribbon Attention", "Banded low-rank memory"),
        "h27-005": ((0.11, 0.48, 0.31), "Quantization-Aware Tuning", "3-bit language models"),
    }
    for paper_id, (accent, title, subtitle) in posters.items():
        folder = OUT / paper_id
        folder.mkdir(parents=True, exist_ok=True)
        lines = [
            (40, title),
            (22, subtitle),
            (16, "Helios 2027 · demo poster"),
            (14, "Method · Results · Ablations"),
        ]
        (folder / "poster.pdf").write_bytes(one_page_pdf(842, 1191, accent, lines))

    folder = OUT / "h27-003"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slides.pdf").write_bytes(
        one_page_pdf(
            960,
            540,
            (0.70, 0.26, 0.18),
            [
                (36, "Cross-Lingual Contrastive Alignment"),
                (20, "Helios 2027 · demo slides"),
                (16, "1. Motivation   2. Method   3. Results"),
            ],
        )
    )
    (folder / "talk.en.vtt").write_text(CAPTIONS)
    test_video(folder / "talk.webm")

    folder = OUT / "h27-002"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thumbnail.png").write_bytes(thumbnail_png(480, 270))

    for file in sorted(OUT.rglob("*")):
        if file.is_file():
            print(f"{file.relative_to(REPO)}: {file.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
