"""A real browser loads the pages built from the payload corpus: no payload may run."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest
from click.testing import CliRunner
from conftest import DEMO
from corpus import MARKER_PATH, payload_sitedata

from miniconf.cli import cli


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the build and remembers every path asked for (payloads fetch a marker)."""

    def __init__(self, *args, requested: list[str], **kwargs):
        self.requested = requested
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.requested.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("payload-browser")
    root = base / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    pages = payload_sitedata(root)
    result = CliRunner().invoke(cli, ["freeze", str(root), "--out", str(base / "build")])
    assert result.exit_code == 0, result.output
    requested: list[str] = []
    handler = functools.partial(
        _RecordingHandler, directory=str(base / "build"), requested=requested
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", pages, requested
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_no_payload_runs_in_the_browser(payload_server, page):
    base, pages, requested = payload_server
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for name, url in pages.items():
        page.goto(base + url)
        page.wait_for_load_state("load")
        # Give event-handler payloads their chance: focus, hover and open everything.
        for _ in range(8):
            page.keyboard.press("Tab")
        page.mouse.move(200, 200)
        page.mouse.move(600, 400)
        assert page.evaluate("typeof window.__pwned") == "undefined", f"payload ran on {name}"
        assert page.url == base + url, f"{name} navigated away to {page.url}"
    assert dialogs == []
    assert not [path for path in requested if MARKER_PATH in path]
    # A CSP violation would be logged here: a payload that reached the DOM but was blocked.
    assert page.console_errors == []


@pytest.mark.browser
def test_the_payload_text_is_visible(payload_server, page):
    """Inert does not mean hidden: the author's text is shown, escaped."""
    base, pages, _ = payload_server
    page.goto(base + pages["paper"])
    heading = page.locator("h1").first.inner_text()
    assert "<script>window.__pwned=1</script>" in heading
    assert "{{ 7*7 }}" in heading
