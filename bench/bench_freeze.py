"""Freeze time and build size at 1,000 and 10,000 synthetic papers: a first freeze (no
cache, no previous build), a freeze with nothing changed, and one after editing a paper.

Reference (the issue, same 2-core machine kind): the original Mini-Conf freezes
10,000 papers in 12.0 s into 203 MB. Target: <= 4 s and <= 100 MB.

Each figure is the best of three runs (wall time of the whole ``miniconf freeze``
process, Python's start included), with the CPU time it used beside it: on a shared
machine the wall time of one run says as much about the neighbours as about us. The
disk is synced before each run so that writing the previous build is not billed to it,
and first freezes write to new folders, removed only at the end: ext4 creates files
slowly for minutes after many were deleted nearby, which a real first freeze (a fresh
checkout) never meets. The package is byte-compiled first, as an installed one is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from fake_pipeline import write_outputs
from synth import write_sitedata

HERE = Path(__file__).resolve().parent
WORK = HERE / "out" / "freeze"
RUNS = 3


def freeze(sitedata: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the freeze and its workers)."""
    os.sync()
    before = os.times()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "miniconf", "freeze", str(sitedata), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def best(runs: list[tuple[float, float]]) -> str:
    wall, cpu = min(runs)
    return f"{wall:6.2f} ({cpu:4.1f})"


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "miniconf")],
                   check=True)
    print(f"{'papers':>7} {'first freeze':>13} {'unchanged':>13} {'1 edit':>13} {'MB':>6} "
          f"{'files':>6}")
    old_runs = []
    for papers in (1_000, 10_000):
        root = WORK / f"p{papers}"
        if root.exists():  # an earlier run's: out of the way now, deleted at the end
            old_runs.append(root.rename(WORK / f".old-{time.time_ns()}"))
        sitedata, out, cache = root / "sitedata", root / "build", root / ".miniconf-cache"
        write_sitedata(sitedata, papers)
        # Pages carry similar papers and the map, as a real conference's would (stand-in
        # outputs in the pipeline's format: embedding 10,000 papers on 2 cores takes minutes).
        write_outputs(sitedata)
        first = []
        for run in range(RUNS):  # no parse cache, no previous build
            shutil.rmtree(cache, ignore_errors=True)
            first.append(freeze(sitedata, root / f"first-{run}"))
        (root / f"first-{RUNS - 1}").rename(out)
        unchanged = [freeze(sitedata, out) for _run in range(RUNS)]
        edited = []
        for run in range(RUNS):
            paper = sitedata / "papers" / f"p{7 + run:05d}.yml"
            paper.write_text(paper.read_text().replace("tldr: ", "tldr: Edited. ", 1))
            edited.append(freeze(sitedata, out))
        files = sum(1 for f in out.rglob("*") if f.is_file())
        print(f"{papers:>7} {best(first):>13} {best(unchanged):>13} {best(edited):>13} "
              f"{size_mb(out):>6.1f} {files:>6}")
        for run in range(RUNS - 1):
            shutil.rmtree(root / f"first-{run}")
    for old in old_runs:
        shutil.rmtree(old)
    print("seconds: best wall time of 3 runs (CPU seconds of that run); "
          "times include starting Python and validating")


if __name__ == "__main__":
    main()
