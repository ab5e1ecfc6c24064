"""Shared fixtures: the demo conference, a frozen build, a static server, a real browser."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from miniconf.site.build import freeze_site
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sitedata"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def shared_folder() -> Path | None:
    """The real-data folder ``shared/`` beside the checkout (or $MINICONF_SHARED)."""
    candidates = [os.environ.get("MINICONF_SHARED"), REPO.parent / "shared", REPO / "shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    folder = shared_folder()
    if folder is None:
        pytest.skip("../shared (real conference data) is not beside this checkout")
    return folder


@pytest.fixture(scope="session")
def iclr_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "miniconf-iclr2020"


def load_ok(root: Path) -> Conference:
    conference, problems = load_conference(root)
    assert conference is not None, "\n".join(map(str, problems))
    return conference


@pytest.fixture(scope="session")
def demo_conference() -> Conference:
    return load_ok(DEMO)


@pytest.fixture(scope="session")
def frozen_demo(tmp_path_factory: pytest.TempPathFactory, demo_conference: Conference) -> Path:
    """The demo conference frozen once per test session (read-only for tests)."""
    out = tmp_path_factory.mktemp("frozen") / "build"
    freeze_site(demo_conference, out)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser that navigates away mid-download resets the connection: not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def serve_folder() -> Iterator:
    """Start a static HTTP server on 127.0.0.1 for a folder; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def demo_url(frozen_demo: Path, serve_folder) -> str:
    """Base URL of the frozen demo served over HTTP (fetch() does not work on file://)."""
    return serve_folder(frozen_demo)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright; skips loudly where it is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "playwright is not installed (pip install playwright)"
    if reason:
        if os.environ.get("MINICONF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test cannot run: {reason}")
        pytest.skip(f"BROWSER TEST SKIPPED: {reason}")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that fails the test on any console error or page error."""
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.console_errors = errors
    yield tab
    context.close()


@pytest.fixture
def sitedata_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo sitedata, for tests that break it on purpose."""
    target = tmp_path / "sitedata"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns(".miniconf-cache"))
    return target


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that drive Chromium or a homeserver are marked by the fixtures they use, so
    `make test-fast` (-m "not browser and not homeserver and not slow") leaves them out
    without anyone having to remember a marker."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "synapse" in fixtures:
            item.add_marker(pytest.mark.homeserver)


@pytest.fixture
def open_page(browser):
    """Open a page in a fresh context with the given time zone (en-GB: 24-hour clock),
    optionally a fixed clock and bookmarks; fails the test on any console error. For the
    schedule's browser tests (tests/test_schedule_*.py)."""
    contexts = []

    def open_in(url: str, timezone_id: str, now: str | None = None, bookmarks: str | None = None):
        context = browser.new_context(
            timezone_id=timezone_id, locale="en-GB", accept_downloads=True
        )
        contexts.append(context)
        tab = context.new_page()
        tab.console_errors = []
        tab.on(
            "console",
            lambda msg: tab.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        tab.on("pageerror", lambda exc: tab.console_errors.append(str(exc)))
        if now:
            tab.clock.install(time=now)
        if bookmarks is not None:
            context.add_init_script(f"localStorage.setItem('miniconf.bookmarks', {bookmarks!r})")
        tab.goto(url)
        return tab

    yield open_in
    errors = [
        error for context in contexts for tab in context.pages for error in tab.console_errors
    ]
    for context in contexts:
        context.close()
    assert errors == [], "console errors (a CSP violation shows here too)"
