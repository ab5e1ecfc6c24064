"""Chat provisioning under attack and crashes: squatted aliases, a hijacked rooms file,
a redirecting homeserver, and a real Synapse killed at random points of a run."""
# The Synapse fixtures are imported, so test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import json
import random
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from synapse_server import SERVER_NAME, SynapseProcess, matrix_admin, synapse  # noqa: F401
from test_chat import matrix_chat, provision, set_chat

from miniconf.chat.mapping import read_rooms_file
from miniconf.chat.matrix import MatrixClient, MatrixError
from miniconf.chat.matrix import provision as provision_rooms
from miniconf.chat.rooms import plan_rooms
from miniconf.cli import cli
from tests.conftest import load_ok


def templates(prefix: str) -> dict[str, str]:
    """Room names of every kind no other test uses: the tests share one homeserver."""
    return {kind: f"{prefix}-{kind}-{{id}}" for kind in ("paper", "session", "workshop", "speaker")}


def small_conference(sitedata: Path, papers: int) -> None:
    """Keep ``papers`` papers and no program: fewer rooms, a quicker test."""
    (sitedata / "sessions.yml").unlink()
    for paper_file in sorted((sitedata / "papers").glob("*.yml"))[papers:]:
        paper_file.unlink()


# ----------------------------------------------------------------- squatting


def test_a_room_someone_else_made_under_the_alias_is_never_adopted(
    synapse, matrix_admin, sitedata_copy
) -> None:
    small_conference(sitedata_copy, 2)
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates("squat")))
    conference = load_ok(sitedata_copy)
    first = plan_rooms(conference)[0]
    alias = f"#squat-paper-{first.id}:{SERVER_NAME}"
    # A stranger creates the room first, with the expected alias and topic.
    stranger = MatrixClient(synapse.url, synapse.register("squatter"))
    squatted = stranger.create_room(first.title, first.topic(conference.config.base_url))
    stranger.set_alias(alias, squatted)

    result = provision(sitedata_copy, matrix_admin)
    assert result.exit_code == 1
    assert f"{alias} already points at room {squatted}" in result.output
    assert "provisioning did not create, so it is not used" in result.output
    rooms = read_rooms_file(sitedata_copy / "chat" / "rooms.json")
    assert all(room.room_id != squatted for room in rooms.rooms.values())
    # The alias is still the stranger's: nothing was taken over.
    assert MatrixClient(synapse.url, matrix_admin).resolve_alias(alias) == squatted


# ----------------------------------------------------------------- the rooms file


def write_rooms(sitedata: Path, rooms: dict, server: str = "https://matrix.example.org") -> None:
    (sitedata / "chat").mkdir(exist_ok=True)
    data = {"version": 1, "server": server, "rooms": rooms}
    (sitedata / "chat" / "rooms.json").write_text(json.dumps(data, indent=1))


def freeze(sitedata: Path, out: Path):
    return CliRunner().invoke(cli, ["freeze", str(sitedata), "--out", str(out)])


GOOD = {
    "room_id": "!good:helios-conf.example.org",
    "alias": "#paper-h27-001:helios-conf.example.org",
}


@pytest.mark.parametrize(
    ("rooms", "server", "message"),
    [
        (
            {"paper/h27-001": {**GOOD, "alias": "#paper-h27-002:helios-conf.example.org"}},
            "https://matrix.example.org",
            "rooms.paper/h27-001: alias '#paper-h27-002:helios-conf.example.org' is not "
            "'#paper-h27-001:helios-conf.example.org'",
        ),
        (
            {"paper/h27-001": {**GOOD, "alias": "#paper-h27-001:evil.example"}},
            "https://matrix.example.org",
            "is not '#paper-h27-001:helios-conf.example.org'",
        ),
        (
            {"paper/h27-001": {**GOOD, "room_id": "!x:evil.example"}},
            "https://matrix.example.org",
            "room '!x:evil.example' is not on helios-conf.example.org",
        ),
        (
            {
                "paper/h27-001": GOOD,
                "paper/h27-002": {**GOOD, "alias": "#paper-h27-002:helios-conf.example.org"},
            },
            "https://matrix.example.org",
            "is also the room of paper/h27-001",
        ),
        (
            {"paper/h27-001": GOOD},
            "https://evil.example",
            "server: 'https://evil.example' is not the configured homeserver",
        ),
        (
            {"paper/h27-001": {**GOOD, "room_id": "!a b"}},
            "https://matrix.example.org",
            "not a valid rooms file",
        ),
    ],
)
def test_a_hijacked_rooms_file_stops_the_freeze(sitedata_copy, tmp_path, rooms, server, message):
    set_chat(
        sitedata_copy,
        provider="matrix",
        server="https://matrix.example.org",
        server_name="helios-conf.example.org",
    )
    write_rooms(sitedata_copy, rooms, server)
    out = tmp_path / "build"
    result = freeze(sitedata_copy, out)
    assert result.exit_code == 1
    assert message in result.output
    assert "rooms.json:" in result.output
    assert not out.exists()


def test_a_valid_rooms_file_freezes_and_links_its_alias(sitedata_copy, tmp_path) -> None:
    set_chat(
        sitedata_copy,
        provider="matrix",
        server="https://matrix.example.org",
        server_name="helios-conf.example.org",
    )
    write_rooms(sitedata_copy, {"paper/h27-001": GOOD})
    result = freeze(sitedata_copy, tmp_path / "build")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "build" / "papers" / "h27-001.html").read_text()
    assert "%23paper-h27-001%3Ahelios-conf.example.org" in page


def test_the_pr_check_refuses_any_edit_of_the_rooms_file(sitedata_copy, tmp_path) -> None:
    set_chat(
        sitedata_copy,
        provider="matrix",
        server="https://matrix.example.org",
        server_name="helios-conf.example.org",
    )
    write_rooms(sitedata_copy, {"paper/h27-001": GOOD})
    base = tmp_path / "base-rooms.json"
    base.write_text((sitedata_copy / "chat" / "rooms.json").read_text())
    command = ["chat", "check-rooms-file", str(sitedata_copy), "--base-file", str(base)]
    assert CliRunner().invoke(cli, command).exit_code == 0
    moved = {**GOOD, "room_id": "!other:helios-conf.example.org"}
    write_rooms(sitedata_copy, {"paper/h27-001": moved})
    result = CliRunner().invoke(cli, [*command, "--format", "github"])
    assert result.exit_code == 1
    assert "::error file=" in result.output and "rooms.json,line=" in result.output
    assert "only `miniconf chat provision` writes it" in result.output


def test_the_pr_check_compares_with_the_base_branch_in_git(sitedata_copy) -> None:
    set_chat(
        sitedata_copy,
        provider="matrix",
        server="https://matrix.example.org",
        server_name="helios-conf.example.org",
    )
    write_rooms(sitedata_copy, {"paper/h27-001": GOOD})
    git = ["git", "-C", str(sitedata_copy), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    command = ["chat", "check-rooms-file", str(sitedata_copy), "--base", "HEAD"]
    assert CliRunner().invoke(cli, command).exit_code == 0
    # A pull request adding a room (to anywhere) is refused, naming the room's key.
    added = {
        "paper/h27-001": GOOD,
        "paper/h27-002": {
            "room_id": "!new:helios-conf.example.org",
            "alias": "#paper-h27-002:helios-conf.example.org",
        },
    }
    write_rooms(sitedata_copy, added)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1
    assert "changed in this pull request (paper/h27-002)" in result.output
    # So is a made-up activity file (it marks authors "in the chat room").
    write_rooms(sitedata_copy, {"paper/h27-001": GOOD})
    (sitedata_copy / "chat" / "activity.json").write_text(
        '{"version": 1, "read_at": "2027-05-01T00:00:00Z", "rooms": {}}'
    )
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1
    assert "activity.json:1: chat: changed in this pull request" in result.output


# ----------------------------------------------------------------- redirects


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []
    redirect_to = ""

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to + self.path)
            self.end_headers()
            return
        body = b'{"user_id": "@bot:localhost"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(handler: type) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_token_is_never_sent_to_another_host_on_a_redirect() -> None:
    other = type("Other", (_Recorder,), {"seen": []})
    redirecting = type("Redirecting", (_Recorder,), {"seen": []})
    elsewhere = _serve(other)
    redirecting.redirect_to = f"http://localhost:{elsewhere.server_port}"
    homeserver = _serve(redirecting)
    try:
        client = MatrixClient(f"http://127.0.0.1:{homeserver.server_port}", "secret-token")
        with pytest.raises(MatrixError, match="redirects to another host"):
            client.whoami()
        assert redirecting.seen == [("/_matrix/client/v3/account/whoami", "Bearer secret-token")]
        assert other.seen == []  # not even asked without the token
        # A redirect within the homeserver's own origin is followed, token included.
        same = type("Same", (_Recorder,), {"seen": []})
        target = _serve(same)
        loop = type("Loop", (_Recorder,), {"seen": []})
        loop.redirect_to = f"http://127.0.0.1:{target.server_port}"
        try:
            assert MatrixClient(loop.redirect_to, "t").whoami() == "@bot:localhost"
        finally:
            target.shutdown()
    finally:
        homeserver.shutdown()
        elsewhere.shutdown()


# ----------------------------------------------------------------- crashes


class KillingClient(MatrixClient):
    """A client that kills the homeserver (SIGKILL) while its request number ``at`` is in
    flight, a few milliseconds after sending it: a crash at a random point of the run."""

    def __init__(self, *args, server: SynapseProcess, at: int, delay: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.server, self.at, self.delay = server, at, delay

    def call(self, method, path, body=None, api="/_matrix/client/v3"):
        if self.requests + 1 == self.at:
            threading.Timer(self.delay, self.server.kill).start()
        return super().call(method, path, body, api)


CRASHES = 8


@pytest.mark.slow
def test_provisioning_recovers_from_the_homeserver_killed_at_random_points(
    tmp_path, sitedata_copy
) -> None:
    small_conference(sitedata_copy, 20)
    (tmp_path / "synapse").mkdir()
    server = SynapseProcess(tmp_path / "synapse")
    homeserver = server.start()
    try:
        token = homeserver.register("crash-bot", admin=True, unlimited=True)
        set_chat(sitedata_copy, **matrix_chat(homeserver.url))
        conference = load_ok(sitedata_copy)
        planned = plan_rooms(conference)
        rooms_path = sitedata_copy / "chat" / "rooms.json"
        chance = random.Random(18)
        crashes = 0
        for _ in range(CRASHES):
            # After whoami twice and joined_rooms, a room takes four requests (alias
            # lookup, create, alias, canonical alias): each kill lands within the next
            # four rooms, so every run dies.
            client = KillingClient(
                homeserver.url,
                token,
                timeout=10,
                server=server,
                at=chance.randint(2, 19),
                delay=chance.uniform(0, 0.03),
            )
            try:
                provision_rooms(conference, client, rooms_path)
            except MatrixError as exc:
                assert "cannot reach" in str(exc) or "HTTP 5" in str(exc), exc
                crashes += 1
            server.kill()
            server.start()
        assert crashes == CRASHES, "the homeserver should have died inside every run"
        assert len(read_rooms_file(rooms_path).rooms) < len(planned)

        report = provision_rooms(conference, MatrixClient(homeserver.url, token), rooms_path)
        rooms_file = read_rooms_file(rooms_path)
        assert set(rooms_file.rooms) == {room.key for room in planned}
        client = MatrixClient(homeserver.url, token)
        joined = set(client.joined_rooms())
        # A kill inside createRoom may leave a half-made room without alias (unused);
        # every other room the bot made is one of the conference's.
        assert len(planned) <= len(joined) <= len(planned) + CRASHES
        for room in planned:
            mapped = rooms_file.rooms[room.key]
            assert client.resolve_alias(mapped.alias) == mapped.room_id, room.key
            assert mapped.room_id in joined
            assert client.topic(mapped.room_id) == room.topic(conference.config.base_url)
        assert len({room.room_id for room in rooms_file.rooms.values()}) == len(planned)
        again = provision_rooms(conference, client, rooms_path)
        assert (again.created, again.resumed, again.planned) == (0, 0, 0)
        assert report.created + report.resumed <= len(planned)
    finally:
        server.stop()
