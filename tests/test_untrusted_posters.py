"""Posters from pull requests that try to exhaust the freeze: an inflation bomb, a page
shaped like a strip, a render that never ends. Each costs a warning and a placeholder
thumbnail; the freeze goes on and every other poster renders."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from conftest import DEMO
from corpus import inflation_bomb, pdf_file

from miniconf.site import thumbnails
from miniconf.site.build import freeze_site
from miniconf.site.pdf_render import MAX_THUMBNAIL_HEIGHT
from miniconf.site.thumbnails import image_size, render_first_page
from miniconf.structure.loader import load_conference

DEMO_POSTER = DEMO / "media" / "h27-001" / "poster.pdf"
PLACEHOLDER = (16, 9)


@pytest.fixture
def small_memory_limit(monkeypatch):
    """128 MB for the renderer, so a 256 MB bomb (1 MB on disk) is enough to test."""
    monkeypatch.setattr(thumbnails, "RENDER_MEMORY_BYTES", 128 << 20)


def test_a_page_shaped_like_a_strip_renders_small(tmp_path: Path):
    """A 514-byte PDF with a 10 x 4000 pt page once took 1.44 GB at full width."""
    tall = tmp_path / "tall.pdf"
    tall.write_bytes(pdf_file(10, 4000, b"0 0 1 rg 0 0 10 4000 re f"))
    assert len(tall.read_bytes()) < 600
    thumbnail = render_first_page(tall, tmp_path / "cache")
    assert (thumbnail.width, thumbnail.height) == (4, MAX_THUMBNAIL_HEIGHT)


def test_an_inflation_bomb_gets_a_placeholder_and_the_next_poster_renders(
    tmp_path: Path, small_memory_limit, caplog
):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(inflation_bomb(256 << 20))
    assert bomb.stat().st_size < 2_000_000
    cache = tmp_path / "cache"
    # One renderer process takes both, the bomb first: the second needs a fresh one.
    thumbnails._render_all({cache / "a.png": bomb, cache / "b.png": DEMO_POSTER})
    assert image_size(cache / "a.png") == PLACEHOLDER
    assert image_size(cache / "b.png") == (480, 679)
    assert f"{bomb}: the poster's first page did not render" in caplog.text


def test_a_render_that_runs_too_long_is_stopped(tmp_path: Path, monkeypatch, caplog):
    """A renderer that never answers is killed after RENDER_SECONDS."""
    hanging = tmp_path / "hanging_renderer.py"
    hanging.write_text("import sys, time\nsys.stdin.readline()\ntime.sleep(600)\n")
    monkeypatch.setattr(thumbnails, "_renderer_command", lambda: [sys.executable, str(hanging)])
    monkeypatch.setattr(thumbnails, "RENDER_SECONDS", 0.5)
    with caplog.at_level(logging.WARNING):
        thumbnail = render_first_page(DEMO_POSTER, tmp_path / "cache")
    assert (thumbnail.width, thumbnail.height) == PLACEHOLDER
    assert "it took longer than 0.5 s" in caplog.text


def test_a_freeze_with_a_bomb_poster_goes_on(
    sitedata_copy: Path, tmp_path: Path, small_memory_limit, caplog
):
    (sitedata_copy / "media/h27-001/poster.pdf").write_bytes(inflation_bomb(256 << 20))
    conference, problems = load_conference(sitedata_copy)
    assert conference is not None, problems
    out = tmp_path / "build"
    freeze_site(conference, out, jobs=1)
    assert image_size(out / "thumbnails/papers/h27-001.png") == PLACEHOLDER
    assert image_size(out / "thumbnails/papers/h27-005.png")[0] == 480  # the other poster
    assert "h27-001/poster.pdf: the poster's first page did not render" in caplog.text


def test_a_file_planted_in_the_thumbnail_cache_is_rendered_again(tmp_path: Path):
    """The cache sits in the checkout: a committed file under a poster's name that is not
    a PNG is not published as its thumbnail."""
    cache = tmp_path / "cache"
    target = cache / f"{thumbnails.poster_digest(DEMO_POSTER)}.png"
    cache.mkdir()
    target.write_text("<html><script>alert(1)</script></html>")
    thumbnail = render_first_page(DEMO_POSTER, cache)
    assert (thumbnail.width, thumbnail.height) == (480, 679)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
