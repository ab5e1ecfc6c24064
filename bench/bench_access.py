"""Registered attendees only: what sealing costs a freeze, and an unlock in the browser.

1,000 synthetic papers, each with a hosted talk and a Matrix chat room, so every paper
page has two sealed parts; 1,000 attendees with personal codes and a passphrase. The
same conference is frozen with ``access: public`` and ``access: attendees``, A and B
interleaved, five times each, into a fresh folder (no page reused); the figures are
medians, wall time with the CPU seconds of all processes beside it.

In headless Chromium: the time from typing to the key, for a personal code (HKDF) and
for the passphrase (PBKDF2, 600,000 rounds), medians of five.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from synth import write_sitedata

HERE = Path(__file__).resolve().parent
WORK = HERE / "out" / "access"
PAPERS = 1_000
ATTENDEES = 1_000
REPEATS = 5
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
PASSPHRASE = "bench passphrase for helios"


def freeze(sitedata: Path, out: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all processes) of one first ``miniconf freeze``."""
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "miniconf", "freeze", str(sitedata), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu


def prepare(sitedata: Path, access: str) -> None:
    write_sitedata(sitedata, PAPERS)
    config_file = sitedata / "config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["chat"] = {
        "provider": "matrix",
        "server": "https://matrix.example.org",
        "preview": False,
    }
    config["access"] = access
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    for index, file in enumerate(sorted((sitedata / "papers").glob("*.yml"))):
        file.write_text(file.read_text() + f"media:\n  video: https://vimeo.com/{1000 + index}\n")


def browser_unlock_ms(build: Path, code: str) -> tuple[float, float] | None:
    """Median ms to derive the key of a code and of the passphrase in Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(build))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    timing = """async ([typed, kind]) => {
        const keys = await (await fetch("access/keys.json")).json();
        const salt = Uint8Array.from(atob(keys.salt), (c) => c.charCodeAt(0));
        const enc = new TextEncoder();
        const params = kind === "code"
          ? { name: "HKDF", hash: "SHA-256", salt, info: enc.encode("miniconf code") }
          : { name: "PBKDF2", hash: "SHA-256", salt, iterations: keys.passphrase_rounds };
        const started = performance.now();
        const base = await crypto.subtle.importKey("raw", enc.encode(typed), params.name,
                                                   false, ["deriveBits"]);
        await crypto.subtle.deriveBits(params, base, 384);
        return performance.now() - started;
    }"""
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            normalized = "".join(char for char in code.upper() if char.isalnum())
            codes = [page.evaluate(timing, [normalized, "code"]) for _ in range(REPEATS)]
            phrases = [page.evaluate(timing, [PASSPHRASE, "passphrase"]) for _ in range(REPEATS)]
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return statistics.median(codes), statistics.median(phrases)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    public, attendees = WORK / "public", WORK / "attendees"
    prepare(public, "public")
    prepare(attendees, "attendees")
    # The attendee list lives outside the repository, as `miniconf access codes` asks.
    private = Path(tempfile.mkdtemp(prefix="miniconf-bench-attendees-"))
    attendee_list = private / "attendees.csv"
    with attendee_list.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email"])
        writer.writerows([f"attendee{number}@example.org"] for number in range(ATTENDEES))
    keys = {
        "MINICONF_ACCESS_SECRET": SECRET,
        "MINICONF_ACCESS_PASSPHRASE": PASSPHRASE,
        "MINICONF_ACCESS_CODES": str(attendee_list),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "miniconf",
            "access",
            "codes",
            str(attendee_list),
            "--sitedata",
            str(attendees),
        ],
        check=True,
        env={**os.environ, **keys},
        stdout=subprocess.DEVNULL,
    )
    freeze(public, WORK / "build-public", {})  # fill both paper caches first
    freeze(attendees, WORK / "build-attendees", keys)
    rows: dict[str, list[tuple[float, float]]] = {"public": [], "attendees": []}
    for _ in range(REPEATS):  # A and B interleaved: the machine's load hits both alike
        rows["public"].append(freeze(public, WORK / "build-public", {}))
        rows["attendees"].append(freeze(attendees, WORK / "build-attendees", keys))
    print(
        f"first freeze of {PAPERS:,} papers (2 sealed parts per paper page, "
        f"{ATTENDEES:,} codes), median of {REPEATS}:"
    )
    for name, runs in rows.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"  access: {name:<9} {wall:5.2f} s wall  ({cpu:5.2f} s CPU)")
    build = WORK / "build-attendees"
    size = sum(file.stat().st_size for file in build.rglob("*") if file.is_file())
    keys_size = (build / "access" / "keys.json").stat().st_size
    print(f"  attendees build: {size / 1e6:.1f} MB, access/keys.json {keys_size / 1e3:.0f} kB")
    with attendee_list.open() as listing:
        code = next(csv.DictReader(listing))["code"]
    unlock = browser_unlock_ms(build, code)
    if unlock:
        print(
            f"Chromium, key from what was typed (median of {REPEATS}): "
            f"code {unlock[0]:.1f} ms, passphrase {unlock[1]:.0f} ms"
        )
    shutil.rmtree(private)


if __name__ == "__main__":
    main()
