"""The live preview of a paper's Matrix room, in Chromium, against a real Synapse."""
# The Synapse fixtures are imported, so test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from synapse_server import matrix_admin, synapse  # noqa: F401 - fixtures
from test_chat import matrix_chat, provision, set_chat

from miniconf.chat.mapping import read_rooms_file
from miniconf.chat.matrix import MatrixClient
from miniconf.site.build import freeze_site
from tests.conftest import load_ok

pytestmark = pytest.mark.browser


def freeze(sitedata: Path, tmp_path: Path) -> Path:
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata), out, jobs=1)
    return out


def test_a_message_posted_in_the_room_shows_in_the_paper_page(
    synapse, matrix_admin, sitedata_copy, tmp_path, serve_folder, page
) -> None:
    templates = {kind: f"web-{kind}-{{id}}" for kind in ("paper", "session", "workshop", "speaker")}
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates))
    assert provision(sitedata_copy, matrix_admin).exit_code == 0
    room_id = read_rooms_file(sitedata_copy / "chat" / "rooms.json").rooms["paper/h27-001"].room_id
    body = "When will the code be released? <b>not bold</b>"
    MatrixClient(synapse.url, matrix_admin).call(
        "PUT", f"/rooms/{room_id}/send/m.room.message/q1", {"msgtype": "m.text", "body": body}
    )
    site = serve_folder(freeze(sitedata_copy, tmp_path))

    page.goto(site + "papers/h27-001.html")
    message = page.locator(".chat-messages li").first
    message.wait_for(timeout=15_000)
    assert message.locator(".chat-body").inner_text() == body  # shown as text, not HTML
    assert message.locator(".chat-sender").inner_text() == "miniconf-admin"
    assert "latest message" in page.locator(".chat-status").inner_text()
    join = page.get_by_role("link", name="Join the discussion")
    assert "%23web-paper-h27-001%3Alocalhost" in join.get_attribute("href")
    assert page.console_errors == []

    # A room with no message yet says so.
    page.goto(site + "papers/h27-002.html")
    # (a locator, not wait_for_function: the page's CSP forbids the eval that one uses)
    from playwright.sync_api import expect  # here: the browser fixture skips without it

    expect(page.locator(".chat-status")).to_have_text(re.compile("^No messages yet"))
    assert page.console_errors == []


def test_the_page_says_so_when_the_homeserver_is_unreachable(
    sitedata_copy, tmp_path, serve_folder, page
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    set_chat(sitedata_copy, **matrix_chat(dead))
    site = serve_folder(freeze(sitedata_copy, tmp_path))
    page.goto(site + "papers/h27-001.html")
    status = page.locator(".chat-preview.chat-offline .chat-status")
    status.wait_for(timeout=10_000)
    assert "cannot be reached right now" in status.inner_text()
    assert page.get_by_role("link", name="Join the discussion").is_visible()
    assert page.locator(".chat-messages").is_hidden()
