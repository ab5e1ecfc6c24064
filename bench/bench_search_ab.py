"""Keystroke -> painted results on the papers page, A/B: this checkout's static/js against
a baseline revision's, on one 10,000-paper build, in one browser, interleaved.

On a shared machine one run's milliseconds say as much about the neighbours as about the
code; interleaving A and B query by query puts both under the same load. The build is
made by this checkout (bench_explore.py's synthetic conference); the baseline's
JavaScript is taken from git (``git show REV:static/js/...``) into a copy of it, so
both read the same papers.json and search.json.

    python bench/bench_search_ab.py [--baseline main] [--papers 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from bench_explore import CHROMIUM_ARGS, OUT, QUERIES, build, serve

REPO = Path(__file__).resolve().parent.parent

TYPE = """async (query) => {
    const input = document.getElementById('paper-query');
    const started = performance.now();
    input.value = query;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    return performance.now() - started;
}"""


def baseline_copy(site: Path, revision: str) -> Path:
    """A copy of the build whose static/js is the baseline revision's."""
    copy = OUT / f"build-{revision.replace('/', '_')}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy)
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{revision}:static/js"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in listing.split():
        source = subprocess.run(
            ["git", "show", f"{revision}:static/js/{name}"],
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout
        (copy / "static" / "js" / name).write_bytes(source)
    return copy


def main(baseline: str, papers: int, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    site = build(papers)
    servers = [serve(site), serve(baseline_copy(site, baseline))]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            pages = []
            for _, base in servers:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "papers.html")
                page.wait_for_selector("#paper-browser[data-abstracts]")
                time.sleep(1)
                pages.append(page)
            timings: list[list[float]] = [[], []]
            for _ in range(repeats):
                for query in QUERIES:
                    for which, page in enumerate(pages):
                        timings[which].append(page.evaluate(TYPE, query))
            browser.close()
    finally:
        for server, _ in servers:
            server.shutdown()
            server.server_close()
    for label, runs in (("this checkout (ranked)", timings[0]), (f"{baseline}", timings[1])):
        print(
            f"keystroke -> painted, {label}: median {statistics.median(runs):.1f} ms, "
            f"p90 {sorted(runs)[int(len(runs) * 0.9)]:.1f} ms, max {max(runs):.1f} ms "
            f"({len(runs)} keystrokes, {len(QUERIES)} queries x {repeats}, interleaved)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    main(args.baseline, args.papers, args.repeats)
