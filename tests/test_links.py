"""Relative links: the shortcut for the usual cases gives what posixpath.relpath gives."""

from __future__ import annotations

import posixpath
import random

from miniconf.site.links import _relative


def test_relative_links_match_relpath():
    rng = random.Random(3)
    parts = ["papers", "sessions", "static", "css", "a.html", "b.ics", "x.css?v=1", "v=1/2"]
    folders = ["/", "/papers", "/sessions", "/static/css", "/papers/deep"]
    for _ in range(5_000):
        target = "/" + "/".join(rng.choice(parts) for _ in range(rng.randint(0, 3)))
        folder = rng.choice(folders)
        assert _relative(target, folder) == posixpath.relpath(target, folder), (target, folder)
