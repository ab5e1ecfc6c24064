"""Schedule exports and the timetable in the browser.

Exports: every export file (schedule.ics/.json/.xml, sessions.json and each session's
.ics) made by the site's views, as a freeze makes them, on a synthetic conference of
10,000 papers (bench/synth.py: ~215 sessions of 50 papers), the ICLR 2020 import (when
shared/ is there) and the demo. Each run is a fresh process (a freeze makes each file
once, with nothing made before); wall and CPU time per file kind and in all, and sizes,
medians of EXPORT_REPEATS runs. ``--compare CHECKOUT`` runs another checkout's exports
(e.g. an older commit, unpacked with ``git archive``) in alternation with this one's,
on the same data, so the machine's load touches both alike.

Timetable: the synthetic conference frozen, served on 127.0.0.1 and opened in headless
Chromium (time zone America/Los_Angeles): navigation → grid drawn, switching days and
switching zones, each the median of repeats, timed in the page (performance.now(), with
a forced layout, so drawing is counted) beside the renderer's main-thread busy time
(CDP Performance.getMetrics TaskDuration, which counts style, layout and paint after the
timed script too). Grid and list views are measured in
alternation in the same run (A/B), so the machine's load touches both alike.

    python bench/run.py schedule        # or: python bench/bench_schedule.py
    python bench/bench_schedule.py --exports-only --compare /tmp/before
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
sys.path.insert(0, str(CHECKOUT))
EXPORT_REPEATS = 5


def export_times(sitedata: Path) -> dict[str, list[float]]:
    """[wall s, CPU s, bytes] per kind of export file, and for all of them ("all"), made
    once each by the app's views in export_urls' order, as the freezer calls them in a
    one-worker freeze; in this process, which must not have made them before."""
    from miniconf.site.app import create_app
    from miniconf.site.schedule_exports import export_urls
    from miniconf.structure.loader import load_conference

    conference, problems = load_conference(sitedata)
    assert conference is not None, problems[:5]
    app = create_app(conference)
    urls = app.url_map.bind("localhost")
    # Loading runs with the garbage collector paused; its first collection of the loaded
    # program would otherwise be billed to whichever export allocates first.
    gc.collect()
    figures: dict[str, list[float]] = {}
    for url in export_urls(conference):
        kind = "sessions/*.ics" if url.startswith("/sessions/") else url.lstrip("/")
        endpoint, arguments = urls.match(url)
        started, cpu_started = time.perf_counter(), time.process_time()
        body = app.view_functions[endpoint](**arguments).get_data()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        for key in (kind, "all"):
            total = figures.setdefault(key, [0.0, 0.0, 0])
            total[0] += seconds
            total[1] += cpu
            total[2] += len(body)
    return figures


def _run_exports(checkout: Path, sitedata: Path) -> dict[str, list[float]]:
    """export_times in a fresh process that imports miniconf from ``checkout``."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(sitedata), "--checkout", str(checkout)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def measure(label: str, sitedata: Path, compare: Path | None = None) -> None:
    """Median export times of this checkout (and of ``compare``, runs interleaved)."""
    checkouts = {"this": CHECKOUT} if compare is None else {"other": compare, "this": CHECKOUT}
    runs: dict[str, list[dict[str, list[float]]]] = {name: [] for name in checkouts}
    for repeat in range(EXPORT_REPEATS):
        order = list(checkouts) if repeat % 2 == 0 else list(reversed(checkouts))
        for name in order:
            runs[name].append(_run_exports(checkouts[name], sitedata))
    print(
        f"{label}: medians of {EXPORT_REPEATS} fresh processes"
        + (f", {' and '.join(checkouts)} interleaved" if compare else "")
    )
    median = statistics.median
    kinds = [kind for kind in runs[next(iter(checkouts))][0] if kind != "all"] + ["all"]
    for kind in kinds:
        cells = []
        for name, figures in runs.items():
            wall = median(run[kind][0] for run in figures) * 1000
            cpu = median(run[kind][1] for run in figures) * 1000
            size = figures[0][kind][2] / 1e3
            cells.append(f"{name} {wall:7.1f} ms wall {cpu:7.1f} ms CPU {size:8.1f} kB")
        print(f"  {kind:15s} " + " | ".join(cells))


def iclr_sitedata(folder: Path) -> Path | None:
    """ICLR 2020's Mini-Conf site imported into ``folder`` (None without shared/)."""
    from real_sites import shared_data

    from miniconf.importers.miniconf import import_miniconf

    data = shared_data()
    if data is None or not (data / "miniconf-iclr2020").is_dir():
        return None
    out = folder / "iclr2020"
    import_miniconf(data / "miniconf-iclr2020", out)
    return out


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPEATS = 9

# In the page: switch to each day (or zone) in turn, force layout, time it.
SWITCH_DAYS = """rounds => {
    const tabs = [...document.querySelectorAll('[data-day-tabs] [role=tab]')];
    const times = [];
    for (let i = 0; i < rounds * tabs.length; i++) {
        const started = performance.now();
        tabs[(i + 1) % tabs.length].click();
        document.querySelector('section.day:not([hidden])').offsetHeight;  // layout
        times.push(performance.now() - started);
    }
    return times;
}"""
SWITCH_ZONES = """rounds => {
    const select = document.querySelector('[data-zone-picker] select');
    const zones = ['Asia/Kolkata', 'Pacific/Auckland', 'Europe/London', 'America/Los_Angeles'];
    const times = [];
    for (let i = 0; i < rounds * zones.length; i++) {
        const started = performance.now();
        select.value = zones[i % zones.length];
        select.dispatchEvent(new Event('change'));
        document.querySelector('section.day:not([hidden])').offsetHeight;  // layout
        times.push(performance.now() - started);
    }
    return times;
}"""


def _busy_seconds(cdp) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def measure_timetable(sitedata: Path) -> None:
    """The synthetic program's schedule page in Chromium (see the module docstring)."""
    if not CHROMIUM.exists():
        print(f"timetable: skipped ({CHROMIUM} is missing)")
        return
    from bench_explore import serve
    from playwright.sync_api import sync_playwright

    from miniconf.site.build import freeze_site
    from miniconf.structure.loader import load_conference

    conference, problems = load_conference(sitedata)
    assert conference is not None, problems[:5]
    site = sitedata.parent / "build"
    freeze_site(conference, site)
    page_size = (site / "schedule.html").stat().st_size
    server, base = serve(site)
    results: dict[str, dict[str, list[float]]] = {"grid": {}, "list": {}}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(
                timezone_id="America/Los_Angeles",
                locale="en-GB",
                viewport={"width": 1280, "height": 900},
            )
            tab = context.new_page()
            cdp = context.new_cdp_session(tab)
            cdp.send("Performance.enable")
            tab.goto(base + "schedule.html")  # warm the HTTP cache and the code cache
            for _ in range(REPEATS):
                for view in ("grid", "list"):  # A/B, interleaved
                    figures = results[view]
                    tab.goto(f"{base}schedule.html?view={view}")
                    tab.wait_for_function(
                        "performance.getEntriesByName('timetable-drawn').length > 0"
                    )
                    drawn = tab.evaluate(
                        "performance.getEntriesByName('timetable-drawn')[0].startTime"
                    )
                    figures.setdefault("load", []).append(drawn)
                    # The counter starts afresh with each document: its busy time so far.
                    figures.setdefault("load busy", []).append(_busy_seconds(cdp) * 1000)
                    for name, script in (("day", SWITCH_DAYS), ("zone", SWITCH_ZONES)):
                        busy = _busy_seconds(cdp)
                        times = tab.evaluate(script, 1)
                        figures.setdefault(name, []).extend(times)
                        figures.setdefault(f"{name} busy", []).append(
                            (_busy_seconds(cdp) - busy) * 1000 / len(times)
                        )
            cells = tab.evaluate("""() => { document.querySelector('[data-view=grid]').click();
                return document.querySelectorAll('.timetable td').length; }""")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    median = statistics.median
    print(
        f"timetable ({len(conference.sessions)} sessions, {len(conference.papers)} papers; "
        f"schedule.html {page_size / 1e3:.0f} kB; a day's grid has {cells} cells), "
        f"medians of {REPEATS} loads, Chromium, America/Los_Angeles:"
    )
    for view, figures in results.items():
        print(
            f"  {view:4s}: navigation → drawn {median(figures['load']):6.0f} ms "
            f"(main thread busy {median(figures['load busy']):5.0f} ms); "
            f"switch day {median(figures['day']):5.1f} ms "
            f"(busy {median(figures['day busy']):5.1f}); "
            f"switch zone {median(figures['zone']):5.1f} ms "
            f"(busy {median(figures['zone busy']):5.1f})"
        )


def main(compare: Path | None = None, exports_only: bool = False) -> None:
    measure("demo", CHECKOUT / "sitedata", compare)
    with tempfile.TemporaryDirectory() as folder:
        iclr = iclr_sitedata(Path(folder))
        if iclr is None:
            print("ICLR 2020: skipped (shared/data/miniconf-iclr2020 is not there)")
        else:
            measure("ICLR 2020 import", iclr, compare)
        out = Path(folder) / "synth"
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--papers", "10000", "--out", str(out)],
            check=True,
            capture_output=True,
        )
        measure("synthetic", out, compare)
        if not exports_only:
            measure_timetable(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="CHECKOUT",
        help="another checkout whose exports run interleaved with these",
    )
    parser.add_argument("--exports-only", action="store_true", help="skip the timetable")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # sitedata to time
    parser.add_argument("--checkout", type=Path, default=CHECKOUT, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    sys.path[:0] = [str(arguments.checkout), str(HERE)]  # the checkout's miniconf first
    if arguments.child:
        print(json.dumps(export_times(arguments.child)))
    else:
        main(arguments.compare, arguments.exports_only)
