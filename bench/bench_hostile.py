"""What hostile input costs now that it is contained (issue 17).

- a poster whose content stream inflates to 3 GB, and a 10 x 4000 pt page: wall time,
  CPU seconds and peak memory of the renderer process, until the placeholder or the
  thumbnail is written;
- importing a Mini-Conf calendar of 5,000 events of one name at one time.

Each figure is the median of three runs; CPU seconds are the renderer's (children) or
this process's. ``python bench/run.py hostile``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the hostile-input corpus (tests/corpus)

from corpus import inflation_bomb, pdf_file  # noqa: E402

from miniconf.importers.miniconf import import_miniconf  # noqa: E402
from miniconf.site import thumbnails  # noqa: E402

REPEATS = 3


def _render_in_a_child(pdf: Path, cache: Path) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak MB) of rendering ``pdf`` once, in a fresh process (so that
    its children's peak memory is this poster's alone)."""
    code = (
        "import sys, time, resource; from pathlib import Path\n"
        "from miniconf.site.thumbnails import render_first_page\n"
        "started = time.perf_counter()\n"
        "t = render_first_page(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - started, usage.ru_utime + usage.ru_stime,"
        " usage.ru_maxrss, t.width, t.height)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(pdf), str(cache)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    wall, cpu, peak_kb, width, height = result.stdout.split()
    return float(wall), float(cpu), int(peak_kb) // 1024, f"{width}x{height}"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        cases = {
            "3 GB inflation bomb": inflation_bomb(3 << 30, level=9),
            "10 x 4000 pt page": pdf_file(10, 4000, b"0 0 1 rg 0 0 10 4000 re f", False),
        }
        for name, data in cases.items():
            pdf = work / "poster.pdf"
            pdf.write_bytes(data)
            runs = [_render_in_a_child(pdf, work / f"cache-{run}") for run in range(REPEATS)]
            wall = statistics.median(run[0] for run in runs)
            cpu = statistics.median(run[1] for run in runs)
            peak = statistics.median(run[2] for run in runs)
            print(
                f"{name} ({len(data):,} bytes): {runs[0][3]} px in {wall:.2f} s "
                f"({cpu:.2f} s CPU), renderer peak {peak} MB "
                f"(limit {thumbnails.RENDER_MEMORY_BYTES >> 20} MB)"
            )

        source = work / "calendar"
        source.mkdir()
        (source / "config.yml").write_text("name: Crowded\n")
        event = {
            "title": "Poster session",
            "start": "2020-04-27T10:00:00",
            "end": "2020-04-27T11:00:00",
        }
        (source / "main_calendar.json").write_text(json.dumps([event] * 5_000))
        walls, cpus = [], []
        for run in range(REPEATS):
            started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            import_miniconf(source, work / f"imported-{run}")
            after = resource.getrusage(resource.RUSAGE_SELF)
            walls.append(time.perf_counter() - started)
            cpus.append(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime)
        print(
            f"import of 5,000 same-name events: {statistics.median(walls):.2f} s "
            f"({statistics.median(cpus):.2f} s CPU)"
        )


if __name__ == "__main__":
    main()
