"""A freeze that is killed, or that runs in a read-only checkout: the site is never
missing, no worker outlives it, the next freeze cleans up after it."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO, REPO

from miniconf.site import build
from miniconf.site.build import recover_interrupted_freezes
from miniconf.site.swap import exchange

sys.path.insert(0, str(REPO / "bench"))
from synth import write_sitedata  # noqa: E402


def miniconf(*args: str, output: int = subprocess.PIPE) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "miniconf", *args],
        env=env,
        cwd=REPO,
        stdout=output,
        stderr=output,
        text=True,
    )


def run(*args: str) -> tuple[int, str]:
    process = miniconf(*args)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_freeze_removes_staging_folders_of_dead_freezes(sitedata_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    assert run("freeze", str(sitedata_copy), "--out", str(out))[0] == 0
    dead = dead_pid()
    for kind in ("tmp", "old"):
        (tmp_path / f".build.{kind}-{dead}" / "papers").mkdir(parents=True)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as other:
        (tmp_path / f".build.tmp-{other.pid}").mkdir()  # a freeze still running
        try:
            assert run("freeze", str(sitedata_copy), "--out", str(out))[0] == 0
            left = sorted(
                path.name for path in tmp_path.iterdir() if path.name.startswith(".build")
            )
            assert left == [f".build.tmp-{other.pid}"]
        finally:
            other.kill()


def test_a_build_moved_aside_by_a_killed_swap_is_put_back(tmp_path: Path):
    out = tmp_path / "build"
    aside = tmp_path / f".build.old-{dead_pid()}"
    aside.mkdir()
    (aside / "index.html").write_text("the previous build")
    recover_interrupted_freezes(out)
    assert (out / "index.html").read_text() == "the previous build"
    assert not aside.exists()


@pytest.mark.skipif(sys.platform not in ("linux", "darwin"), reason="no atomic exchange here")
def test_the_new_build_replaces_the_old_in_one_step(tmp_path: Path, monkeypatch):
    """No moment without a site: no rename moves the old build away first."""
    old, new = tmp_path / "build", tmp_path / ".build.tmp-1"
    old.mkdir()
    new.mkdir()
    (old / "index.html").write_text("old")
    (new / "index.html").write_text("new")
    if not exchange(tmp_path / "missing", old) and not _exchange_supported(tmp_path):
        pytest.skip("this file system has no atomic exchange")
    renames: list[tuple[Path, Path]] = []
    real_rename = Path.rename
    monkeypatch.setattr(
        Path,
        "rename",
        lambda self, target: renames.append((self, target)) or real_rename(self, target),
    )
    build._swap_into_place(new, old)
    assert renames == []
    assert (old / "index.html").read_text() == "new"
    assert not new.exists()


def _exchange_supported(folder: Path) -> bool:
    a, b = folder / "probe-a", folder / "probe-b"
    a.mkdir()
    b.mkdir()
    try:
        return exchange(a, b)
    finally:
        a.rmdir()
        b.rmdir()


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line holds ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if text.encode() in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_freezes_killed_at_random_moments_leave_a_site_and_no_workers(tmp_path: Path):
    """kill -9 during a freeze of 1,000 papers, six times at random moments: the site
    stays in place (the previous build or the new one), every worker dies with its
    freeze at once, and the next freeze leaves no staging folder behind."""
    sitedata = tmp_path / "sitedata-killed"
    write_sitedata(sitedata, papers=1_000)
    out = tmp_path / "build"
    assert run("freeze", str(sitedata), "--out", str(out), "-j", "2")[0] == 0
    rng = random.Random(17)
    for attempt in range(6):
        # A marker that lists no pages: every page is rendered again, by two workers.
        (out / build.BUILD_MARKER).write_text('{"pages": {}}')
        # No pipes: waiting for their end would wait for every process that holds them.
        process = miniconf(
            "freeze", str(sitedata), "--out", str(out), "-j", "2", output=subprocess.DEVNULL
        )
        if attempt % 2:  # any moment: loading takes about 1 s, rendering 1 s more
            time.sleep(rng.uniform(0.5, 2.5))
        else:  # as pages are written: a worker left alone would render for a second
            staging = tmp_path / f".build.tmp-{process.pid}"
            deadline = time.monotonic() + 30
            while not (staging / "index.html").exists():
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert (out / "index.html").is_file(), "the site went missing"
        deadline = time.monotonic() + 0.2  # a worker left alone renders its share on
        while _processes_mentioning(str(sitedata)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_mentioning(str(sitedata)) == [], "a worker outlived its freeze"
    assert run("freeze", str(sitedata), "--out", str(out), "-j", "2")[0] == 0
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".build")] == []
    assert (out / "papers" / "p00001.html").is_file()


def _read_only_command(checkout: Path, command: list[str]) -> list[str] | None:
    """``command`` run where ``checkout`` is read-only: a read-only bind mount in a
    mount namespace of its own for root (root writes through permissions), else plain
    permissions. None where neither can be had."""
    if os.geteuid() != 0:
        for path in [checkout, *checkout.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return command
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    quoted = " ".join(f"'{part}'" for part in command)
    script = (
        f"mount --bind '{checkout}' '{checkout}' && "
        f"mount -o remount,bind,ro '{checkout}' && exec {quoted}"
    )
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script]


def test_a_read_only_checkout_freezes_without_the_cache_and_says_so(tmp_path: Path):
    checkout = tmp_path / "checkout"
    shutil.copytree(DEMO, checkout / "sitedata", ignore=shutil.ignore_patterns(".miniconf-cache"))
    out = tmp_path / "site" / "build"
    out.parent.mkdir()
    command = _read_only_command(
        checkout,
        [sys.executable, "-m", "miniconf", "freeze", str(checkout / "sitedata"), "--out", str(out)],
    )
    if command is None:
        pytest.skip("cannot make a read-only checkout here (no unshare for root)")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
    }
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cannot be written (a read-only checkout?); running without the cache" in result.stderr
    assert (out / "index.html").is_file()
    assert (out / "thumbnails" / "papers" / "h27-001.png").read_bytes()[:4] == b"\x89PNG"
    assert not (checkout / ".miniconf-cache").exists()
