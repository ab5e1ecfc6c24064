"""Chat rooms: links for every provider, config errors, and provisioning on a real Synapse."""
# The Synapse fixtures are imported, so test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from synapse_server import SERVER_NAME, matrix_admin, synapse  # noqa: F401 - fixtures

from miniconf.chat.links import ChatDirectory, zulip_hash
from miniconf.chat.mapping import read_rooms_file
from miniconf.chat.matrix import TOKEN_VARIABLE, MatrixClient, _retry_after
from miniconf.chat.rooms import plan_rooms, room_name
from miniconf.cli import cli
from miniconf.site.app import content_security_policy, create_app
from miniconf.structure.loader import load_conference
from miniconf.structure.models import ChatConfig
from tests.conftest import load_ok

BASE_URL = "https://helios-conf.example.org/"


def set_chat(sitedata: Path, **chat) -> None:
    """Replace the chat section of a sitedata copy's config.yml."""
    config_file = sitedata / "config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["chat"] = chat
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def matrix_chat(server: str, **extra) -> dict:
    return {"provider": "matrix", "server": server, "server_name": SERVER_NAME, **extra}


def provision(sitedata: Path, token: str, *args: str):
    result = CliRunner().invoke(
        cli, ["chat", "provision", str(sitedata), "--quiet", *args], env={TOKEN_VARIABLE: token}
    )
    return result


# ----------------------------------------------------------------- links, no server needed


def test_each_provider_links_to_the_papers_room(sitedata_copy: Path) -> None:
    cases = {
        "matrix": (
            {"server": "https://matrix.example.org"},
            "https://matrix.to/#/%23paper-h27-001%3Amatrix.example.org",
            None,
        ),
        "matrix-element": (
            {
                "provider": "matrix",
                "server": "https://matrix.example.org",
                "server_name": "example.org",
                "embed": True,
                "element_url": "https://chat.example.org/",
            },
            "https://chat.example.org/#/room/%23paper-h27-001%3Aexample.org",
            "https://chat.example.org/#/room/%23paper-h27-001%3Aexample.org",
        ),
        "rocketchat": (
            {"server": "https://rc.example.org/", "embed": True},
            "https://rc.example.org/channel/paper-h27-001",
            "https://rc.example.org/channel/paper-h27-001?layout=embedded",
        ),
        "zulip": (
            {"server": "https://z.example.org", "zulip_stream": "Helios papers (2027)"},
            "https://z.example.org/#narrow/stream/Helios.20papers.20.282027.29/topic/paper-h27-001",
            None,
        ),
        "slack": (
            {"server": "https://helios.slack.com"},
            "https://helios.slack.com/app_redirect?channel=paper-h27-001",
            None,
        ),
        "discord": ({"server": "https://discord.gg/helios"}, "https://discord.gg/helios", None),
    }
    for case, (chat, url, embed) in cases.items():
        chat = {"provider": case.split("-")[0], **chat}
        set_chat(sitedata_copy, **chat)
        room = ChatDirectory(load_ok(sitedata_copy)).room("paper", "h27-001")
        assert (room.url, room.embed_url) == (url, embed), case


def test_zulip_encodes_names_like_zulip() -> None:
    assert zulip_hash("Q&A: day 1.") == "Q.26A.3A.20day.201.2E"


def csp_of(sitedata: Path) -> dict[str, set[str]]:
    policy = content_security_policy(load_ok(sitedata))
    return {name: set(values) for name, *values in (part.split() for part in policy.split("; "))}


def test_csp_allows_the_homeserver_and_embed_host_only_when_used(sitedata_copy: Path) -> None:
    set_chat(sitedata_copy, provider="none")
    without_chat = csp_of(sitedata_copy)
    set_chat(sitedata_copy, **matrix_chat("https://matrix.example.org:8448"))
    policy = csp_of(sitedata_copy)
    assert policy["connect-src"] == {"'self'", "https://matrix.example.org:8448"}
    assert policy["frame-src"] == without_chat["frame-src"]  # no embed, no frame
    set_chat(sitedata_copy, provider="rocketchat", server="https://rc.example.org", embed=True)
    policy = csp_of(sitedata_copy)
    assert policy["frame-src"] == without_chat["frame-src"] - {"'none'"} | {
        "https://rc.example.org"
    }
    assert policy["connect-src"] == {"'self'"}  # the preview reads Matrix only


def test_a_room_template_without_id_or_with_spaces_is_a_config_error(sitedata_copy) -> None:
    set_chat(
        sitedata_copy,
        provider="matrix",
        server="https://m.example.org",
        rooms={"paper": "Paper {id}", "session": "session"},
    )
    conference, problems = load_conference(sitedata_copy)
    assert conference is None
    messages = {(p.path.endswith("config.yml"), p.field): p.message for p in problems}
    assert "invalid room names such as 'Paper a'" in messages[True, "chat.rooms.paper"]
    assert "'{id}' exactly once" in messages[True, "chat.rooms.session"]
    assert all(p.line > 1 for p in problems)


def test_embedding_where_the_provider_forbids_it_is_a_config_error(sitedata_copy) -> None:
    set_chat(sitedata_copy, provider="slack", server="https://helios.slack.com", embed=True)
    conference, problems = load_conference(sitedata_copy)
    assert conference is None
    assert "slack does not allow its rooms in an iframe" in str(problems[0])


def test_the_chat_page_lists_every_room(frozen_demo: Path, demo_conference) -> None:
    html = (frozen_demo / "chat.html").read_text()
    for room in plan_rooms(demo_conference):
        assert f"%23{room.name}%3Ahelios-conf.example.org" in html
    paper = (frozen_demo / "papers" / "h27-001.html").read_text()
    assert "Join the discussion" in paper and "chat-preview" not in paper  # preview off


def test_retry_after_follows_the_body_then_the_header() -> None:
    assert _retry_after({"retry_after_ms": 2500}, "9") == 2.5
    assert _retry_after({}, "3") == 3.0
    assert _retry_after({}, None) == 1.0


# ----------------------------------------------------------------- against a real Synapse


def room_count(synapse, admin: str) -> int:
    return synapse.get("/_synapse/admin/v1/rooms?limit=1", admin)["total_rooms"]


def test_provision_creates_every_room_and_a_rerun_creates_none(
    synapse, matrix_admin, sitedata_copy: Path
) -> None:
    set_chat(sitedata_copy, **matrix_chat(synapse.url))
    conference = load_ok(sitedata_copy)
    planned = plan_rooms(conference)
    before = room_count(synapse, matrix_admin)

    result = provision(sitedata_copy, matrix_admin)
    assert result.exit_code == 0, result.output
    assert f"{len(planned)} created" in result.output
    rooms = read_rooms_file(sitedata_copy / "chat" / "rooms.json").rooms
    assert set(rooms) == {room.key for room in planned}
    client = MatrixClient(synapse.url, matrix_admin)
    for room in planned:
        mapped = rooms[room.key]
        assert client.resolve_alias(f"#{room.name}:{SERVER_NAME}") == mapped.room_id
        assert client.topic(mapped.room_id).endswith(f"{BASE_URL}{room.page}")
    assert room_count(synapse, matrix_admin) == before + len(planned)
    # The access token is neither printed nor written anywhere in sitedata.
    assert matrix_admin not in result.output
    for file in sitedata_copy.rglob("*"):
        if file.is_file():
            assert matrix_admin.encode() not in file.read_bytes(), file

    again = provision(sitedata_copy, matrix_admin)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("0 created, 0 resumed, 0 topic(s) updated, 0 author(s) invited")
    assert room_count(synapse, matrix_admin) == before + len(planned)

    # A renamed paper changes one topic, and only that one.
    paper_file = sitedata_copy / "papers" / "h27-001.yml"
    paper = yaml.safe_load(paper_file.read_text())
    paper["title"] = "A renamed paper"
    paper_file.write_text(yaml.safe_dump(paper, allow_unicode=True))
    renamed = provision(sitedata_copy, matrix_admin)
    assert "0 created, 0 resumed, 1 topic(s) updated" in renamed.output
    room_id = rooms["paper/h27-001"].room_id
    assert client.topic(room_id).startswith("A renamed paper — discussion of ")
    assert room_count(synapse, matrix_admin) == before + len(planned)


def test_dry_run_prints_the_plan_and_sends_nothing(synapse, matrix_admin, sitedata_copy):
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms={"paper": "dry-{id}"}))
    before = room_count(synapse, matrix_admin)
    result = CliRunner().invoke(
        cli, ["chat", "provision", str(sitedata_copy), "--dry-run"], env={TOKEN_VARIABLE: ""}
    )
    assert result.exit_code == 0, result.output
    assert "would create: #dry-h27-001:localhost" in result.output
    assert room_count(synapse, matrix_admin) == before
    assert not (sitedata_copy / "chat" / "rooms.json").exists()


def test_bad_room_names_stop_provisioning_before_any_room(
    synapse, matrix_admin, sitedata_copy
) -> None:
    # Valid for short ids, too long (over 200 characters) for the longer ones.
    long_prefix = "p" * 195 + "-{id}"
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms={"paper": long_prefix}))
    before = room_count(synapse, matrix_admin)
    result = provision(sitedata_copy, matrix_admin)
    assert result.exit_code == 1
    assert "paper/h27-001: room name 'ppp" in result.output
    assert "nothing was created" in result.output
    assert room_count(synapse, matrix_admin) == before


@pytest.mark.slow
def test_a_killed_run_resumes_without_duplicates(synapse, matrix_admin, sitedata_copy):
    kinds = ("paper", "session", "workshop", "speaker")
    templates = {kind: f"kill-{kind}-{{id}}" for kind in kinds}
    # A smaller conference (no program, 20 papers) keeps the test quick: ~25 rooms.
    (sitedata_copy / "sessions.yml").unlink()
    for paper_file in sorted((sitedata_copy / "papers").glob("*.yml"))[20:]:
        paper_file.unlink()
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates))
    planned = plan_rooms(load_ok(sitedata_copy))
    rooms_file = sitedata_copy / "chat" / "rooms.json"
    before = room_count(synapse, matrix_admin)
    env = {**os.environ, TOKEN_VARIABLE: matrix_admin}
    command = [sys.executable, "-m", "miniconf", "chat", "provision", str(sitedata_copy)]
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and run.poll() is None:
        if rooms_file.exists() and len(read_rooms_file(rooms_file).rooms) >= 10:
            break
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)  # no chance to clean up: the worst case
    run.wait()
    done = len(read_rooms_file(rooms_file).rooms)
    assert 10 <= done < len(planned), "the run should have been killed half-way"

    result = provision(sitedata_copy, matrix_admin)
    assert result.exit_code == 0, result.output
    rooms = read_rooms_file(rooms_file).rooms
    assert len(rooms) == len(planned)
    assert room_count(synapse, matrix_admin) == before + len(planned)  # no duplicate
    assert len({room.room_id for room in rooms.values()}) == len(planned)


@pytest.mark.slow
def test_synapse_rate_limits_are_waited_out(synapse) -> None:
    # An account with Synapse's default limits: 10 events at once, then one per 5 s.
    token = synapse.register("rate-limited-organizer")
    waits: list[float] = []
    client = MatrixClient(synapse.url, token, on_wait=waits.append)
    room_id = client.create_room("Rate limits", "topic 0")
    for number in range(1, 13):
        client.set_topic(room_id, f"topic {number}")
    assert client.rate_limited >= 1 and waits and all(0 < wait <= 10 for wait in waits)
    assert client.topic(room_id) == "topic 12"


def test_a_broken_rooms_file_stops_the_freeze_with_a_clear_error(sitedata_copy, tmp_path) -> None:
    (sitedata_copy / "chat").mkdir()
    (sitedata_copy / "chat" / "rooms.json").write_text('{"rooms": {"paper/h27-001": {}}}')
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["freeze", str(sitedata_copy), "--out", str(out)])
    assert result.exit_code == 1
    assert "rooms.json: not a valid rooms file" in result.output
    assert not out.exists()


def test_pages_embed_the_room_where_the_provider_allows_it(sitedata_copy: Path) -> None:
    set_chat(sitedata_copy, provider="rocketchat", server="https://rc.example.org", embed=True)
    client = create_app(load_ok(sitedata_copy)).test_client()
    paper = client.get("/papers/h27-001.html").get_data(as_text=True)
    assert (
        '<iframe class="chat-embed" '
        'src="https://rc.example.org/channel/paper-h27-001?layout=embedded"'
    ) in paper
    assert "chat-preview" not in paper  # the live preview reads Matrix only
    session = client.get("/sessions/d1-keynote.html").get_data(as_text=True)
    assert 'href="https://rc.example.org/channel/session-d1-keynote"' in session
    speaker = client.get("/speakers/ada-okafor.html").get_data(as_text=True)
    assert 'href="https://rc.example.org/channel/speaker-ada-okafor"' in speaker
    assert client.get("/sessions/d1-break.html").get_data(as_text=True).count("chat-room") == 0


def test_names_keep_the_ids_case_except_where_the_provider_wants_lowercase() -> None:
    # Mini-Conf's own Rocket.Chat channels are named after ICLR ids as they are.
    rooms = {"paper": "paper_{id}"}
    rocket = ChatConfig(provider="rocketchat", server="https://rc.example.org", rooms=rooms)
    slack = ChatConfig(provider="slack", server="https://iclr.slack.com", rooms=rooms)
    assert room_name(rocket, "paper", "ryxnY3NYPS") == "paper_ryxnY3NYPS"
    assert room_name(slack, "paper", "ryxnY3NYPS") == "paper_ryxny3nyps"
