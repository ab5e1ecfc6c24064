"""A hostile chat message in a page's live preview, in Chromium, against a real Synapse:
one 5,000-line message once made the preview 140,000 px tall."""
# The Synapse fixtures are imported, so test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from synapse_server import matrix_admin, synapse  # noqa: F401 - fixtures
from test_chat import matrix_chat, provision, set_chat

from miniconf.chat.mapping import read_rooms_file
from miniconf.chat.matrix import MatrixClient
from miniconf.site.build import freeze_site
from tests.conftest import load_ok

pytestmark = pytest.mark.browser


def test_a_five_thousand_line_message_stays_a_small_scrolling_box(
    synapse, matrix_admin, sitedata_copy, tmp_path, serve_folder, page
) -> None:
    kinds = ("paper", "session", "workshop", "speaker")
    templates = {kind: f"long-{kind}-{{id}}" for kind in kinds}
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates))
    assert provision(sitedata_copy, matrix_admin).exit_code == 0
    room_id = read_rooms_file(sitedata_copy / "chat" / "rooms.json").rooms["paper/h27-001"].room_id
    body = "\n".join(f"line {number}" for number in range(5_000))
    MatrixClient(synapse.url, matrix_admin).call(
        "PUT", f"/rooms/{room_id}/send/m.room.message/long1", {"msgtype": "m.text", "body": body}
    )
    out = tmp_path / "build"
    freeze_site(load_ok(sitedata_copy), out, jobs=1)
    site = serve_folder(out)

    for width in (1280, 375):  # a desktop and a phone
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(site + "papers/h27-001.html")
        message = page.locator(".chat-messages li .chat-body").first
        message.wait_for(timeout=15_000)
        box = message.bounding_box()
        assert box is not None and box["height"] < 300, box
        assert page.locator(".chat-preview").bounding_box()["height"] < 600
        # The whole message is still there, in a box that scrolls (and reads aloud).
        sizes = message.evaluate("e => [e.scrollHeight, e.clientHeight, e.textContent.length]")
        assert sizes[0] > 50 * sizes[1] and sizes[2] == len(body)
        page.screenshot(path=str(tmp_path / f"long-message-{width}.png"), full_page=True)
    assert page.console_errors == []
