"""Freeze time and build size at 1,000 and 10,000 synthetic papers, and a re-freeze
after editing one paper.

Reference (the issue, same 2-core machine kind): the original Mini-Conf freezes
10,000 papers in 12.0 s into 203 MB. Target: <= 4 s and <= 100 MB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from fake_pipeline import write_outputs
from synth import write_sitedata

HERE = Path(__file__).resolve().parent
WORK = HERE / "out" / "freeze"


def freeze(sitedata: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "miniconf", "freeze", str(sitedata), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    print(f"{'papers':>7} {'cold s':>7} {'warm s':>7} {'1 edit s':>8} {'MB':>6} {'files':>6}")
    for papers in (1_000, 10_000):
        root = WORK / f"p{papers}"
        shutil.rmtree(root, ignore_errors=True)
        sitedata, out = root / "sitedata", root / "build"
        write_sitedata(sitedata, papers)
        # Pages carry similar papers and the map, as a real conference's would (stand-in
        # outputs in the pipeline's format: embedding 10,000 papers on 2 cores takes minutes).
        write_outputs(sitedata)
        cold = freeze(sitedata, out)  # no cache: every YAML file parsed
        warm = freeze(sitedata, out)  # validated papers reused from .miniconf-cache
        edited = sitedata / "papers" / "p00007.yml"
        edited.write_text(edited.read_text().replace("tldr: ", "tldr: Edited. ", 1))
        one_edit = freeze(sitedata, out)
        files = sum(1 for f in out.rglob("*") if f.is_file())
        row = f"{papers:>7} {cold:>7.2f} {warm:>7.2f} {one_edit:>8.2f}"
        print(f"{row} {size_mb(out):>6.1f} {files:>6}")
    print("times include starting Python and validating; 'cold' has no parse cache")


if __name__ == "__main__":
    main()
