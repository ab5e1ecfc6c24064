"""Talks and posters: what media costs a freeze, and what the thumbnail cache saves.

1,000 synthetic papers; every paper gets a hosted video and every fifth one a local
one-page poster (200 posters, each distinct), whose first page becomes its thumbnail.
Rows: the same conference without media; with media and an empty thumbnail cache
(every poster rendered); again (all thumbnails from the cache); after replacing one
poster (one render).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from synth import write_sitedata

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "out" / "media"
PAPERS = 1_000
POSTER_EVERY = 5
POSTER = REPO / "sitedata" / "media" / "h27-001" / "poster.pdf"


def freeze(sitedata: Path, out: Path) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (all processes) of one ``miniconf freeze``; CPU
    time is the steadier figure on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "miniconf", "freeze", str(sitedata), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu


def render_ms() -> float:
    """CPU milliseconds to render one poster's first page, in this process."""
    from miniconf.site.pdf_render import render_png

    data = POSTER.read_bytes()
    started = time.process_time()
    for _ in range(20):
        render_png(data)
    return (time.process_time() - started) / 20 * 1000


def poster_bytes(number: int) -> bytes:
    """The demo poster with a distinct trailing comment: same page, different hash."""
    return POSTER.read_bytes() + f"% poster {number}\n".encode()


def add_media(sitedata: Path) -> int:
    posters = 0
    for index, file in enumerate(sorted((sitedata / "papers").glob("*.yml"))):
        block = f"media:\n  video: https://vimeo.com/{1000 + index}\n"
        if index % POSTER_EVERY == 0:
            folder = sitedata / "media" / file.stem
            folder.mkdir(parents=True)
            (folder / "poster.pdf").write_bytes(poster_bytes(index))
            block += f"  poster: media/{file.stem}/poster.pdf\n"
            posters += 1
        file.write_text(file.read_text() + block)
    return posters


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    sitedata, out = WORK / "sitedata", WORK / "build"
    write_sitedata(sitedata, PAPERS)
    freeze(sitedata, out)  # fill the paper cache so that rows differ only by media
    plain = freeze(sitedata, out)
    posters = add_media(sitedata)
    subprocess.run(  # re-validate the edited papers now, so the rows below differ by media
        [sys.executable, "-m", "miniconf", "validate", str(sitedata)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    freeze_cache = WORK / ".miniconf-cache" / "thumbnails"
    shutil.rmtree(freeze_cache, ignore_errors=True)
    cold = freeze(sitedata, out)
    warm = freeze(sitedata, out)
    (sitedata / "media" / "p00000" / "poster.pdf").write_bytes(poster_bytes(-1))
    one_changed = freeze(sitedata, out)
    rendered = len(list(freeze_cache.glob("*.png")))
    print(f"{PAPERS} papers, {posters} local posters ({rendered} thumbnails in the cache)")
    print(f"{'':<28} {'wall s':>7} {'cpu s':>7}")
    for label, (wall, cpu) in [
        ("no media", plain),
        ("media, empty cache", cold),
        ("media, cached thumbnails", warm),
        ("one poster replaced", one_changed),
    ]:
        print(f"{label:<28} {wall:>7.2f} {cpu:>7.2f}")
    print(f"one poster's first page: {render_ms():.1f} ms CPU to render (480 px PNG)")
    print("times include starting Python; the paper parse cache is warm in every row")


if __name__ == "__main__":
    main()
