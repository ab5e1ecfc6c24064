"""Real Mini-Conf sites imported: what the source held against what came across, the
link check of the frozen result, and the import's time.

For each folder of ../shared/data/real-sites: the import runs 3 times (a fresh output
folder each time); the figure is the median wall time with the median CPU time of this
process beside it (the machine is shared and noisy). Then the result is loaded, frozen
once and link-checked. Counts come from the import's own tally, whose "source" column
counts the source files' records.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from miniconf.importers.miniconf import import_miniconf  # noqa: E402
from miniconf.site.build import freeze_site  # noqa: E402
from miniconf.site.linkcheck import check_links  # noqa: E402
from miniconf.structure.loader import load_conference  # noqa: E402

SITES = ("acl2020", "colt2020", "eeml2020", "ismir2024", "ozchi2022", "acl2023")
KINDS = ("papers", "sessions", "session memberships", "videos", "chat rooms")
REPEATS = 3


def _real_sites() -> Path | None:
    for candidate in (os.environ.get("MINICONF_SHARED"), REPO.parent / "shared"):
        if candidate and (Path(candidate) / "data" / "real-sites").is_dir():
            return Path(candidate) / "data" / "real-sites"
    return None


def main() -> None:
    root = _real_sites()
    if root is None:
        print("real-site imports: skipped (../shared/data/real-sites not found)")
        return
    header = "site       " + "".join(f"{kind[:12]:>16}" for kind in KINDS)
    print(header + "   linkcheck        import wall / CPU (median of 3)")
    with tempfile.TemporaryDirectory() as scratch:
        for site in SITES:
            walls, cpus = [], []
            for attempt in range(REPEATS):
                out = Path(scratch) / f"{site}-{attempt}"
                wall, cpu = time.perf_counter(), time.process_time()
                summary = import_miniconf(root / site, out)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            conference, _ = load_conference(out)
            build = Path(scratch) / f"{site}-build"
            freeze_site(conference, build)
            checked, broken = check_links(build)
            cells = "".join(
                f"{summary.tallies[k].source:>7} → {summary.tallies[k].imported:<6}" for k in KINDS
            )
            link = f"{checked} links, {len(broken)} broken"
            print(
                f"{site:<11}{cells}   {link:<24} {statistics.median(walls):.2f} s / "
                f"{statistics.median(cpus):.2f} s",
                flush=True,
            )
            for attempt in range(REPEATS):
                shutil.rmtree(Path(scratch) / f"{site}-{attempt}", ignore_errors=True)
            shutil.rmtree(build, ignore_errors=True)


if __name__ == "__main__":
    main()
