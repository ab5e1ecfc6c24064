"""MiniConf as organizers get it: the wheel in a fresh virtualenv, no checkout in sight."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_starts_validates_freezes_and_linkchecks(tmp_path: Path):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("miniconf-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    installed = subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "elsewhere"  # far from the checkout: nothing can be found by accident
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    def miniconf(*args: str) -> str:
        done = subprocess.run(
            [bin_dir / "miniconf", *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"miniconf {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    from miniconf import __version__

    assert __version__ in miniconf("--version")
    miniconf("new", "conf", "--name", "Wheel Test 2027")
    miniconf("validate", "conf")
    miniconf("freeze", "conf", "--out", "build")
    miniconf("linkcheck", "build")
    site = work / "build"
    assert "Wheel Test 2027" in (site / "index.html").read_text()
    assert (site / "static" / "css" / "miniconf.css").stat().st_size > 1000
    assert (site / "static" / "js" / "papers.js").is_file()
    # The package it ran was the installed one, not this checkout.
    where = subprocess.run(
        [bin_dir / "python", "-c", "import miniconf; print(miniconf.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert str(env_dir) in where
