"""Schedule exports: time to write schedule.ics/.json/.xml and every session's .ics.

Runs on a synthetic conference of 10,000 papers (bench/synth.py: ~215 sessions of 50
papers) and on the demo; prints the time of each export (CPU time too: the freeze
spreads these files over its workers) and its size.
"""

from __future__ import annotations

import gc
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


def main() -> None:
    measure("demo", HERE.parent / "sitedata")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "synth"
        subprocess.run([sys.executable, str(HERE / "synth.py"), "--papers", "10000",
                        "--out", str(out)], check=True, capture_output=True)
        measure("synthetic", out)


if __name__ == "__main__":
    main()
