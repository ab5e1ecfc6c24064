"""Schedule exports and the timetable in the browser.

Exports: time to write schedule.ics/.json/.xml and every session's .ics, on a synthetic
conference of 10,000 papers (bench/synth.py: ~215 sessions of 50 papers) and on the
demo; prints the time of each export (CPU time too: the freeze spreads these files over
its workers) and its size.

Timetable: the synthetic conference frozen, served on 127.0.0.1 and opened in headless
Chromium (time zone America/Los_Angeles): navigation → grid drawn, switching days and
switching zones, each the median of repeats, timed in the page (performance.now(), with
a forced layout, so drawing is counted) beside the renderer's main-thread busy time
(CDP Performance.getMetrics TaskDuration, which counts style, layout and paint after the
timed script too). Grid and list views are measured in
alternation in the same run (A/B), so the machine's load touches both alike.

    python bench/run.py schedule        # or: python bench/bench_schedule.py
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from miniconf.site import schedule_exports as exports  # noqa: E402
from miniconf.structure.loader import load_conference  # noqa: E402


def measure(label: str, sitedata: Path) -> None:
    conference, problems = load_conference(sitedata)
    assert conference is not None, problems[:5]
    print(f"{label}: {len(conference.papers)} papers, {len(conference.sessions)} sessions")
    # Loading runs with the garbage collector paused; its first collection of the loaded
    # program would otherwise be billed to whichever export allocates first.
    gc.collect()
    site = exports.ScheduleExports(conference)  # one per app, as the site keeps it
    for name, make in [
        ("schedule.ics", site.schedule_ics),
        ("schedule.json", site.schedule_json),
        ("schedule.xml", site.schedule_xml),  # the Frab document of schedule.json, reused
        ("sessions.json", lambda: exports.sessions_json(conference)),
        # A freeze worker that did not write schedule.ics has no VEVENT made yet.
        ("sessions/*.ics", lambda: b"".join(map(
            exports.ScheduleExports(conference).session_ics, conference.sessions))),
    ]:
        started, cpu_started = time.perf_counter(), time.process_time()
        body = make()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"  {name:15s} {seconds * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU"
              f"  {len(body) / 1e3:9.1f} kB")


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

    conference, problems = load_conference(sitedata)
    assert conference is not None, problems[:5]
    site = sitedata.parent / "build"
    freeze_site(conference, site)
    page_size = (site / "schedule.html").stat().st_size
    server, base = serve(site)
    results: dict[str, dict[str, list[float]]] = {"grid": {}, "list": {}}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            context = browser.new_context(timezone_id="America/Los_Angeles", locale="en-GB",
                                          viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            cdp = context.new_cdp_session(tab)
            cdp.send("Performance.enable")
            tab.goto(base + "schedule.html")  # warm the HTTP cache and the code cache
            for _ in range(REPEATS):
                for view in ("grid", "list"):  # A/B, interleaved
                    figures = results[view]
                    tab.goto(f"{base}schedule.html?view={view}")
                    tab.wait_for_function(
                        "performance.getEntriesByName('timetable-drawn').length > 0")
                    drawn = tab.evaluate(
                        "performance.getEntriesByName('timetable-drawn')[0].startTime")
                    figures.setdefault("load", []).append(drawn)
                    # The counter starts afresh with each document: its busy time so far.
                    figures.setdefault("load busy", []).append(_busy_seconds(cdp) * 1000)
                    for name, script in (("day", SWITCH_DAYS), ("zone", SWITCH_ZONES)):
                        busy = _busy_seconds(cdp)
                        times = tab.evaluate(script, 1)
                        figures.setdefault(name, []).extend(times)
                        figures.setdefault(f"{name} busy", []).append(
                            (_busy_seconds(cdp) - busy) * 1000 / len(times))
            cells = tab.evaluate("""() => { document.querySelector('[data-view=grid]').click();
                return document.querySelectorAll('.timetable td').length; }""")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    median = statistics.median
    print(f"timetable ({len(conference.sessions)} sessions, {len(conference.papers)} papers; "
          f"schedule.html {page_size / 1e3:.0f} kB; a day's grid has {cells} cells), "
          f"medians of {REPEATS} loads, Chromium, America/Los_Angeles:")
    for view, figures in results.items():
        print(f"  {view:4s}: navigation → drawn {median(figures['load']):6.0f} ms "
              f"(main thread busy {median(figures['load busy']):5.0f} ms); "
              f"switch day {median(figures['day']):5.1f} ms "
              f"(busy {median(figures['day busy']):5.1f}); "
              f"switch zone {median(figures['zone']):5.1f} ms "
              f"(busy {median(figures['zone busy']):5.1f})")


def main() -> None:
    measure("demo", HERE.parent / "sitedata")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "synth"
        subprocess.run([sys.executable, str(HERE / "synth.py"), "--papers", "10000",
                        "--out", str(out)], check=True, capture_output=True)
        measure("synthetic", out)
        measure_timetable(out)


if __name__ == "__main__":
    main()
