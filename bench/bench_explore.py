"""Exploring the program at 10,000 papers, in headless Chromium.

Synthesizes 10,000 papers (bench/synth.py) with stand-in pipeline outputs
(bench/fake_pipeline.py, 64 dims), freezes them, serves the build on 127.0.0.1 and
measures what attendees feel: the papers page's navigation → interactive time, one
keystroke → updated results, bytes transferred; "For you" ranking time and the vector
file's size; the map's first render and its frame time while panning.

    python bench/run.py explore        # or: python bench/bench_explore.py [--papers N]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import statistics
import threading
import time
from pathlib import Path

from fake_pipeline import write_outputs
from synth import write_sitedata

from miniconf.site.build import freeze_site
from miniconf.structure.loader import load_conference

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "explore"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Typing as attendees do: a word letter by letter, a second word, a phrase, a name.
QUERIES = [
    "l",
    "la",
    "lan",
    "lang",
    "langu",
    "language",
    "language m",
    "language mod",
    "diffusion",
    "diffusion models",
    '"diffusion models"',
    "okafor",
    "x",
]
REPEATS = 3


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


def build(papers: int) -> Path:
    sitedata, site = OUT / "sitedata", OUT / "build"
    write_sitedata(sitedata, papers)
    write_outputs(sitedata, dims=64)
    conference, problems = load_conference(sitedata)
    assert conference is not None, problems
    started = time.perf_counter()
    freeze_site(conference, site)
    print(f"freeze ({papers} papers, explore data included): {time.perf_counter() - started:.1f} s")
    for name in (
        "papers.html",
        "papers.json",
        "search.json",
        "explore.json",
        "vectors.bin",
        "vectors.json",
    ):
        raw = (site / name).read_bytes()
        print(f"  {name}: {len(raw) / 1e3:.0f} kB ({len(gzip.compress(raw)) / 1e3:.0f} kB gzipped)")
    return site


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def papers_page(page, base: str) -> None:
    page.goto(base + "papers.html")
    page.wait_for_selector("#paper-browser[data-ready]")
    interactive = page.evaluate("performance.getEntriesByName('papers-interactive')[0].startTime")
    page.wait_for_selector("#paper-browser[data-abstracts]")
    transferred = page.evaluate("""() => {
        const entries = [...performance.getEntriesByType('navigation'),
                         ...performance.getEntriesByType('resource')];
        return entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
    }""")
    print(f"papers page: navigation -> interactive {interactive:.0f} ms (goal <= 1000 ms)")
    print(
        f"papers page: {transferred / 1e6:.2f} MB transferred (uncompressed; "
        "abstract words arrive after the page is interactive)"
    )
    timings = []
    for query in QUERIES * REPEATS:
        timings.append(
            page.evaluate(
                """async (query) => {
            const input = document.getElementById('paper-query');
            const started = performance.now();
            input.value = query;
            input.dispatchEvent(new Event('input', {bubbles: true}));
            await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
            return performance.now() - started;
        }""",
                query,
            )
        )
    print(
        f"papers page: keystroke -> ranked results painted: median "
        f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms over "
        f"{len(QUERIES)} queries x {REPEATS} (goal <= 50 ms)"
    )
    builds = page.evaluate("""async () => {
        const rank = await import('./static/js/rank.js');
        const load = (name) => fetch(name).then((response) => response.json());
        const [papers, search] = await Promise.all([load('papers.json'), load('search.json')]);
        const times = [];
        for (let i = 0; i < 3; i++) {
            const started = performance.now();
            rank.buildIndex(papers.map((p, n) => rank.paperFields(p, search.papers[n])));
            times.push(performance.now() - started);
        }
        return times;
    }""")
    print(
        f"papers page: building the search index (abstracts included, after the page is "
        f"interactive): median {statistics.median(builds):.0f} ms of 3"
    )


def for_you(page, base: str, site: Path) -> None:
    page.goto(base + "index.html")
    page.evaluate("""() => {
        const ids = ['p00001', 'p00042', 'p00777', 'p01234', 'p05000', 'p09999'];
        localStorage.setItem('miniconf:/:bookmarks', JSON.stringify(ids));  // the site's key
    }""")
    page.goto(base + "my-papers.html")
    page.wait_for_selector("#my-papers[data-for-you=ready]")
    runs = page.evaluate("""async () => {
        const {loadVectors, rankForYou} = await import('./static/js/foryou.js');
        const vectors = await loadVectors();
        const starred = new Set(['p00001', 'p00042', 'p00777', 'p01234', 'p05000', 'p09999']);
        const times = [];
        for (let i = 0; i < 20; i++) {
            const started = performance.now();
            rankForYou(vectors, starred, 20);
            times.push(performance.now() - started);
        }
        return times;
    }""")
    size = (site / "vectors.bin").stat().st_size
    print(
        f"for you: ranking 10,000 papers: median {statistics.median(runs):.1f} ms, "
        f"max {max(runs):.1f} ms (goal <= 100 ms); vectors.bin {size / 1e6:.2f} MB "
        "(goal <= 1 MB)"
    )


def paper_map(page, base: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "map.html")
    page.wait_for_selector("#paper-map[data-ready]")
    page.wait_for_function("performance.getEntriesByName('map-draw').length > 0")
    first = page.evaluate("""() => {
        const draw = performance.getEntriesByName('map-draw')[0];
        return [draw.startTime + draw.duration, draw.duration];
    }""")
    print(
        f"map: first render {first[0]:.0f} ms after navigation (the draw itself {first[1]:.1f} ms)"
    )
    box = page.locator("#map-canvas").bounding_box()
    page.evaluate("""() => {
        performance.clearMeasures('map-draw');
        window.frameTimes = [];
        let last = performance.now();
        const tick = (now) => { window.frameTimes.push(now - last); last = now;
                                if (window.frameTimes.length < 400) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
    }""")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)  # zoom in a little, so panning moves points on and off screen
    page.mouse.down()
    for step in range(120):
        page.mouse.move(x + 200 * ((step // 30) % 2 and -1 or 1) * (step % 30) / 30, y + step % 40)
    page.mouse.up()
    draws = page.evaluate("performance.getEntriesByName('map-draw').map((e) => e.duration)")
    frames = page.evaluate("window.frameTimes.slice(1)")
    draws.sort()
    print(
        f"map: panning, {len(draws)} redraws: draw median {statistics.median(draws):.1f} ms, "
        f"p95 {draws[int(len(draws) * 0.95)]:.1f} ms; frame interval median "
        f"{statistics.median(frames):.1f} ms"
    )


def main(papers: int = 10_000) -> None:
    from playwright.sync_api import sync_playwright

    site = build(papers)
    server, base = serve(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            papers_page(page, base)
            for_you(page, base, site)
            paper_map(page, base)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    main(parser.parse_args().papers)
