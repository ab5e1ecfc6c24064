"""Importing Mini-Conf, checking links, and refusing bad input: how long each takes.

- the ICLR 2020 Mini-Conf import (687 papers; needs ../shared beside the checkout);
- the link check of a frozen 2,000-paper synthetic site;
- validating sitedata with a 10 MB abstract (must be refused in well under a second).
"""

from __future__ import annotations

import os
import shutil
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


def _shared() -> Path | None:
    for candidate in (os.environ.get("MINICONF_SHARED"), REPO.parent / "shared"):
        if candidate and (Path(candidate) / "data" / "miniconf-iclr2020").is_dir():
            return Path(candidate) / "data" / "miniconf-iclr2020"
    return None


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        iclr = _shared()
        if iclr is None:
            print("iclr import: skipped (../shared not found)")
        else:
            started = time.perf_counter()
            summary = import_miniconf(iclr, work / "iclr")
            seconds = time.perf_counter() - started
            print(
                f"iclr import: {summary.counts['papers']} papers, "
                f"{summary.counts['sessions']} sessions in {seconds:.2f} s"
            )

        import synth  # bench/synth.py, on the path that bench/run.py sets

        synth.write_sitedata(work / "synth", 2000)
        conference, problems = load_conference(work / "synth")
        assert conference is not None, problems
        freeze_site(conference, work / "build")
        started = time.perf_counter()
        checked, broken = check_links(work / "build", conference.config.base_url)
        print(
            f"linkcheck 2000 papers: {checked} links, {len(broken)} broken, "
            f"{time.perf_counter() - started:.2f} s"
        )

        site = work / "bad"
        shutil.copytree(REPO / "sitedata", site, ignore=shutil.ignore_patterns(".miniconf-cache"))
        (site / "papers" / "huge.yml").write_text(
            "id: huge\ntitle: T\nauthors: [{name: A}]\nabstract: " + "A" * 10_000_000 + "\n"
        )
        started = time.perf_counter()
        conference, problems = load_conference(site)
        assert conference is None
        print(f"10 MB abstract refused in {time.perf_counter() - started:.3f} s: {problems[0]}")


if __name__ == "__main__":
    main()
