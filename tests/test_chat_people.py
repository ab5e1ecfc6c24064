"""The people around each paper, against a real Synapse: authors invited as moderators,
attendees registering with single-use tokens, and the activity the frozen site shows."""
# The Synapse fixtures are imported, so test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import csv
import itertools
import json
import os
import stat
import urllib.error
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from synapse_server import SERVER_NAME, matrix_admin, synapse  # noqa: F401 - fixtures
from test_chat import matrix_chat, provision, set_chat
from test_chat_security import small_conference, templates

from miniconf.chat.activity import read_activity_file, read_room
from miniconf.chat.mapping import read_rooms_file
from miniconf.chat.matrix import TOKEN_VARIABLE, MatrixClient
from miniconf.cli import cli
from miniconf.site.build import freeze_site
from tests.conftest import load_ok

_names = itertools.count()


def new_user(synapse, admin: str, name: str) -> tuple[str, MatrixClient]:
    """A fresh account (unique per test run), free of rate limits: (user id, client)."""
    username = f"{name}{next(_names)}-{os.getpid()}"
    token = synapse.register(username)
    user_id = f"@{username}:{SERVER_NAME}"
    synapse.unlimit(user_id, admin)
    return user_id, MatrixClient(synapse.url, token)


def set_authors(sitedata: Path, paper_id: str, chat_ids: list[str | None]) -> None:
    """Give the paper's authors these chat ids, in order (None: no id)."""
    paper_file = sitedata / "papers" / f"{paper_id}.yml"
    paper = yaml.safe_load(paper_file.read_text())
    names = [author["name"] for author in paper["authors"]]
    names += [f"Extra Author {n}" for n in range(len(chat_ids) - len(names))]
    paper["authors"] = [
        {"name": name, **({"matrix": chat_id} if chat_id else {})}
        for name, chat_id in zip(names, chat_ids, strict=False)
    ]
    paper_file.write_text(yaml.safe_dump(paper, allow_unicode=True))


def power_of(client: MatrixClient, room_id: str) -> dict[str, int]:
    return client.state(room_id, "m.room.power_levels")["users"]


def membership(client: MatrixClient, room_id: str, user_id: str) -> str | None:
    found = client.state(room_id, "m.room.member", user_id)
    return found.get("membership") if found else None


def test_authors_are_invited_as_moderators_and_nobody_is_ever_demoted(
    synapse, matrix_admin, sitedata_copy
) -> None:
    small_conference(sitedata_copy, 3)
    alice, _ = new_user(synapse, matrix_admin, "alice")
    bob, _ = new_user(synapse, matrix_admin, "bob")
    helper, _ = new_user(synapse, matrix_admin, "helper")
    set_authors(sitedata_copy, "h27-001", [alice, bob, None])
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates("mod")))

    first = provision(sitedata_copy, matrix_admin)
    assert first.exit_code == 0, first.output
    assert "2 author(s) invited" in first.output
    rooms = read_rooms_file(sitedata_copy / "chat" / "rooms.json").rooms
    room_id = rooms["paper/h27-001"].room_id
    admin = MatrixClient(synapse.url, matrix_admin)
    assert membership(admin, room_id, alice) == membership(admin, room_id, bob) == "invite"
    assert power_of(admin, room_id)[alice] == power_of(admin, room_id)[bob] == 50
    assert sorted(rooms["paper/h27-001"].moderators) == sorted([alice, bob])

    # By hand, an organizer makes Bob an admin and a helper (no author) a moderator.
    levels = admin.state(room_id, "m.room.power_levels")
    levels["users"] |= {bob: 100, helper: 50}
    admin.set_state(room_id, "m.room.power_levels", levels)

    again = provision(sitedata_copy, matrix_admin)
    assert again.output.startswith(
        "0 created, 0 resumed, 0 topic(s) updated, 0 author(s) invited"
    ), again.output
    power = power_of(admin, room_id)
    assert (power[alice], power[bob], power[helper]) == (50, 100, 50)

    # A new author is added to the paper (and Bob left its author list): only Erin is
    # invited; Bob keeps his hand-given power, the helper too.
    erin, _ = new_user(synapse, matrix_admin, "erin")
    set_authors(sitedata_copy, "h27-001", [alice, erin])
    added = provision(sitedata_copy, matrix_admin)
    assert "0 created, 0 resumed, 0 topic(s) updated, 1 author(s) invited" in added.output
    power = power_of(admin, room_id)
    assert (power[alice], power[erin], power[bob], power[helper]) == (50, 50, 100, 50)
    assert membership(admin, room_id, erin) == "invite"
    # Nothing else was touched: the other papers' rooms have no author as moderator.
    other = rooms["paper/h27-002"].room_id
    assert not {alice, bob, erin} & set(power_of(admin, other))


def post(client: MatrixClient, room_id: str, *bodies: str) -> None:
    for body in bodies:
        txn = f"t{next(_names)}"
        client.call(
            "PUT",
            f"/rooms/{room_id}/send/m.room.message/{txn}",
            {"msgtype": "m.text", "body": body},
        )


def test_activity_counts_the_messages_and_the_home_page_lists_the_busiest_room_first(
    synapse, matrix_admin, sitedata_copy, tmp_path
) -> None:
    small_conference(sitedata_copy, 4)
    alice, alice_client = new_user(synapse, matrix_admin, "alice")
    bob, bob_client = new_user(synapse, matrix_admin, "bob")
    carol, carol_client = new_user(synapse, matrix_admin, "carol")
    set_authors(sitedata_copy, "h27-003", [alice, carol])
    set_chat(sitedata_copy, **matrix_chat(synapse.url, rooms=templates("act")))
    assert provision(sitedata_copy, matrix_admin).exit_code == 0
    rooms = read_rooms_file(sitedata_copy / "chat" / "rooms.json").rooms
    busy, quiet = rooms["paper/h27-003"].room_id, rooms["paper/h27-001"].room_id
    for client, room_id in ((alice_client, busy), (bob_client, busy), (bob_client, quiet)):
        client.call("POST", f"/join/{room_id}", {})
    post(alice_client, busy, "Thanks for coming!", "Slides are linked above.", "Any question?")
    post(bob_client, busy, "How does it scale?", "And the memory?")
    post(MatrixClient(synapse.url, matrix_admin), busy, "(the bot's own notice)")
    post(bob_client, quiet, "Hello")  # the latest message: in the quieter room

    result = CliRunner().invoke(
        cli, ["chat", "activity", str(sitedata_copy)], env={TOKEN_VARIABLE: matrix_admin}
    )
    assert result.exit_code == 0, result.output
    activity = read_activity_file(sitedata_copy / "chat" / "activity.json")
    found = activity.rooms["paper/h27-003"]
    assert (found.messages, found.posters, found.more) == (5, 2, False)  # not the bot's
    assert found.authors_in_room == [alice]  # Carol was invited but has not joined
    assert activity.rooms["paper/h27-001"].messages == 1
    assert activity.rooms["paper/h27-002"].messages == 0
    assert found.last_message <= activity.rooms["paper/h27-001"].last_message
    # Reading is bounded: a limit of 2 stops there and says there is more.
    bounded = read_room(MatrixClient(synapse.url, matrix_admin), busy, "@x:localhost", 2)
    assert (bounded.messages, bounded.more) == (2, True)

    out = tmp_path / "build"
    conference = load_ok(sitedata_copy)
    freeze_site(conference, out, jobs=1)
    home = (out / "index.html").read_text()
    titles = {paper.id: paper.title for paper in conference.papers}
    discussed = home.split('id="most-discussed"', 1)[1].split("</ol>", 1)[0]
    assert discussed.index(titles["h27-003"]) < discussed.index(titles["h27-001"])
    assert "5 messages from 2 people" in discussed
    recent = home.split('id="recently-active"', 1)[1].split("</ol>", 1)[0]
    assert recent.index(titles["h27-001"]) < recent.index(titles["h27-003"])  # latest first
    paper_page = (out / "papers" / "h27-003.html").read_text()
    authors = paper_page.split('<ul class="authors">', 1)[1].split("</ul>", 1)[0]
    first, second = authors.split("</li>")[:2]
    assert "in the chat room" in first and "in the chat room" not in second
    assert "5 messages from 2 people so far" in paper_page
    papers = (out / "papers.html").read_text()
    assert '<option value="discussion">Discussion</option>' in papers
    embedded = papers.split('id="paper-discussion">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["h27-003"][:2] == [5, 2]
    assert "h27-002" not in json.loads(embedded)


def test_no_activity_file_no_discussion_lists(frozen_demo: Path) -> None:
    assert 'id="most-discussed"' not in (frozen_demo / "index.html").read_text()
    assert 'value="discussion"' not in (frozen_demo / "papers.html").read_text()


# ----------------------------------------------------------------- attendees


def register_with_token(synapse, username: str, token: str) -> str:
    """Register through the client API's interactive flow, with a registration token.
    Returns the new user id; raises urllib's HTTPError when the server refuses."""
    body = {"username": username, "password": "a long enough password 18"}
    try:
        return synapse.post("/_matrix/client/v3/register", body)["user_id"]
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            raise
        session = json.loads(exc.read())["session"]
    stages = [{"type": "m.login.registration_token", "token": token}, {"type": "m.login.dummy"}]
    for stage in stages:
        try:
            return synapse.post(
                "/_matrix/client/v3/register", {**body, "auth": {**stage, "session": session}}
            )["user_id"]
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read())
            if exc.code != 401 or stage["type"] not in answer.get("completed", []):
                raise
    raise AssertionError("registration did not complete")


def write_attendees(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["name", "email", "id"])
        writer.writerows(rows)
    return path


def attendees(sitedata: Path, token: str, listing: Path, out: Path):
    return CliRunner().invoke(
        cli,
        [
            "chat",
            "attendees",
            str(listing),
            "--sitedata",
            str(sitedata),
            "--out",
            str(out),
            "--prefix",
            f"t{os.getpid()}",
        ],
        env={TOKEN_VARIABLE: token},
    )


def tokens_in(out: Path) -> dict[str, str]:
    with open(out, newline="") as source:
        return {row["email"]: row["token"] for row in csv.DictReader(source)}


def test_each_attendee_token_registers_one_account_and_revoked_tokens_fail(
    synapse, matrix_admin, sitedata_copy, tmp_path
) -> None:
    set_chat(sitedata_copy, **matrix_chat(synapse.url))
    listing = write_attendees(
        tmp_path / "registered.csv",
        [
            ("Ada Lovelace", "ada@example.org", "r-1"),
            ("Alan Turing", "alan@example.org", ""),
            ("Grace Hopper", "grace@example.org", "r-3"),
        ],
    )
    out = tmp_path / "private" / "tokens.csv"
    result = attendees(sitedata_copy, matrix_admin, listing, out)
    assert result.exit_code == 0, result.output
    assert "3 token(s) created, 0 kept, 0 already used, 0 revoked" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    tokens = tokens_in(out)
    assert len(set(tokens.values())) == 3

    suffix = os.getpid()
    ada = register_with_token(synapse, f"ada-{suffix}", tokens["ada@example.org"])
    assert ada == f"@ada-{suffix}:{SERVER_NAME}"
    with pytest.raises(urllib.error.HTTPError):  # single use: a second account is refused
        register_with_token(synapse, f"ada-again-{suffix}", tokens["ada@example.org"])
    with pytest.raises(urllib.error.HTTPError):  # and no token, no account
        register_with_token(synapse, f"nobody-{suffix}", "mc-000000000000-guessedguessed")

    # Same list again: the same tokens, nothing new.
    again = attendees(sitedata_copy, matrix_admin, listing, out)
    assert "0 token(s) created, 2 kept, 1 already used, 0 revoked" in again.output
    assert tokens_in(out) == tokens

    # Alan is no longer registered: his token is revoked and fails.
    write_attendees(
        listing,
        [("Ada Lovelace", "ada@example.org", "r-1"), ("Grace Hopper", "grace@example.org", "r-3")],
    )
    shorter = attendees(sitedata_copy, matrix_admin, listing, out)
    assert "0 token(s) created, 1 kept, 1 already used, 1 revoked" in shorter.output
    assert "alan@example.org" not in tokens_in(out)
    with pytest.raises(urllib.error.HTTPError):
        register_with_token(synapse, f"alan-{suffix}", tokens["alan@example.org"])
    grace = register_with_token(synapse, f"grace-{suffix}", tokens["grace@example.org"])
    assert grace.startswith("@grace-")


def test_the_tokens_file_is_never_written_into_sitedata_or_the_repository(
    sitedata_copy, tmp_path
) -> None:
    set_chat(sitedata_copy, **matrix_chat("https://matrix.example.org"))
    listing = write_attendees(tmp_path / "a.csv", [("Ada", "ada@example.org", "")])
    inside = sitedata_copy / "chat" / "tokens.csv"
    result = attendees(sitedata_copy, "unused", listing, inside)
    assert result.exit_code == 1
    assert "holds secrets and is not written inside" in result.output
    assert not inside.exists()
    repository = Path(__file__).resolve().parent.parent
    result = attendees(repository / "sitedata", "unused", listing, repository / "tokens.csv")
    assert result.exit_code == 1 and not (repository / "tokens.csv").exists()


def test_a_bad_attendee_list_is_reported_by_line(sitedata_copy, tmp_path) -> None:
    set_chat(sitedata_copy, **matrix_chat("https://matrix.example.org"))
    listing = write_attendees(
        tmp_path / "a.csv",
        [
            ("Ada", "ada@example.org", ""),
            ("Bad", "not-an-address", ""),
            ("Ada 2", "ADA@example.org", ""),
        ],
    )
    result = attendees(sitedata_copy, "unused", listing, tmp_path / "t.csv")
    assert result.exit_code == 1
    assert "a.csv:3: email: 'not-an-address' is not an email address" in result.output
    assert "a.csv:4: 'ada@example.org' is listed twice (first on line 2)" in result.output
    assert not (tmp_path / "t.csv").exists()
