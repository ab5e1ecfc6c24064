"""Create the conference's rooms on a Matrix homeserver (``miniconf chat provision``).

One public room per paper, session, workshop and keynote speaker, with the alias from
the room-name templates, the page's title as its name and a topic linking back to the
page. Rooms are world-readable with guest access, so pages can preview them.

Idempotent and resumable: the rooms file is rewritten (atomically) after every room, so
a re-run skips what it lists and only changes topics that differ. A room created just
before a crash, and so missing from the file, is found again by its alias
(M_ROOM_IN_USE) and adopted, never duplicated. HTTP 429 answers are waited out for the
``retry_after_ms`` the server asks. Plain urllib: a few JSON calls need no HTTP library.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..structure.conference import Conference
from .mapping import MappedRoom, RoomsFile, read_rooms_file, write_rooms_file
from .rooms import ChatError, ChatRoom, plan_rooms

#: The environment variable holding the access token (never printed nor written).
TOKEN_VARIABLE = "MINICONF_MATRIX_TOKEN"
#: Give up on a request the server rate-limits this many times in a row.
MAX_RATE_LIMITED = 50


class MatrixError(ChatError):
    def __init__(self, message: str, status: int = 0, errcode: str = ""):
        super().__init__(message)
        self.status = status
        self.errcode = errcode


class MatrixClient:
    """The few client-server API calls provisioning needs, with 429s waited out."""

    def __init__(
        self,
        homeserver: str,
        token: str,
        timeout: float = 30,
        on_wait: Callable[[float], None] | None = None,
    ):
        self.homeserver = homeserver.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.on_wait = on_wait or (lambda seconds: None)
        #: Seconds spent waiting for rate limits, and how many 429s were answered.
        self.waited = 0.0
        self.rate_limited = 0

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        url = f"{self.homeserver}/_matrix/client/v3{path}"
        data = None if body is None else json.dumps(body).encode()
        for _ in range(MAX_RATE_LIMITED):
            request = urllib.request.Request(url, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self._token}")
            request.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as exc:
                answer = _json_or_empty(exc.read())
                if exc.code == 429:
                    seconds = _retry_after(answer, exc.headers.get("Retry-After"))
                    self.rate_limited += 1
                    self.waited += seconds
                    self.on_wait(seconds)
                    time.sleep(seconds)
                    continue
                errcode = answer.get("errcode", "")
                message = answer.get("error", exc.reason)
                raise MatrixError(
                    f"{method} {path.split('?')[0]}: HTTP {exc.code} {errcode} {message}".strip(),
                    exc.code,
                    errcode,
                ) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise MatrixError(f"cannot reach {self.homeserver}: {reason}") from None
        raise MatrixError(f"{method} {path}: still rate-limited after {MAX_RATE_LIMITED} waits")

    def whoami(self) -> str:
        return self.call("GET", "/account/whoami")["user_id"]

    def resolve_alias(self, alias: str) -> str | None:
        try:
            return self.call("GET", f"/directory/room/{quote(alias, safe='')}")["room_id"]
        except MatrixError as exc:
            if exc.status == 404:
                return None
            raise

    def create_room(self, alias_name: str, name: str, topic: str) -> str:
        body = {
            "preset": "public_chat",
            "room_alias_name": alias_name,
            "name": name[:255],
            "topic": topic,
            "initial_state": [
                # Readable by anyone, guests may join: the pages' live preview needs both.
                _state("m.room.history_visibility", {"history_visibility": "world_readable"}),
                _state("m.room.guest_access", {"guest_access": "can_join"}),
            ],
        }
        return self.call("POST", "/createRoom", body)["room_id"]

    def topic(self, room_id: str) -> str:
        try:
            path = f"/rooms/{quote(room_id, safe='')}/state/m.room.topic/"
            return self.call("GET", path).get("topic", "")
        except MatrixError as exc:
            if exc.status == 404:
                return ""
            raise

    def set_topic(self, room_id: str, topic: str) -> None:
        path = f"/rooms/{quote(room_id, safe='')}/state/m.room.topic/"
        self.call("PUT", path, {"topic": topic})


def _state(event_type: str, content: dict) -> dict:
    return {"type": event_type, "state_key": "", "content": content}


def _json_or_empty(raw: bytes) -> dict:
    try:
        answer = json.loads(raw)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _retry_after(answer: dict, header: str | None) -> float:
    """The wait a 429 asks for: retry_after_ms in the body, else Retry-After, else 1 s."""
    milliseconds = answer.get("retry_after_ms")
    if isinstance(milliseconds, int | float) and milliseconds >= 0:
        return min(milliseconds / 1000, 300)
    if header and header.strip().isdigit():
        return min(float(header), 300)
    return 1.0


@dataclass(frozen=True)
class Step:
    """One thing provisioning does to one room."""

    action: str  # "create" or "update topic"
    room: ChatRoom
    alias: str
    topic: str


@dataclass
class ProvisionReport:
    planned: int = 0
    created: int = 0
    adopted: int = 0
    topics_updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rate_limited: int = 0
    waited: float = 0.0
    steps: list[Step] = field(default_factory=list)


def plan_steps(conference: Conference, rooms_file: RoomsFile) -> tuple[list[Step], int]:
    """What a run would do, from the rooms file alone (no request): steps, unchanged count."""
    chat = conference.config.chat
    steps = []
    unchanged = 0
    for room in plan_rooms(conference):
        alias = f"#{room.name}:{chat.matrix_server_name}"
        topic = room.topic(conference.config.base_url)
        mapped = rooms_file.rooms.get(room.key)
        if mapped is None or mapped.alias != alias:
            steps.append(Step("create", room, alias, topic))
        elif mapped.topic != topic:
            steps.append(Step("update topic", room, alias, topic))
        else:
            unchanged += 1
    return steps, unchanged


def provision(
    conference: Conference,
    client: MatrixClient | None,
    rooms_path: Path,
    dry_run: bool = False,
    progress: Callable[[Step, str], None] | None = None,
) -> ProvisionReport:
    """Bring the homeserver's rooms in line with the conference; see the module docstring.

    ``client`` may be None for a dry run. The rooms file is saved after every room.
    """
    chat = conference.config.chat
    rooms_file = read_rooms_file(rooms_path)
    steps, unchanged = plan_steps(conference, rooms_file)
    report = ProvisionReport(planned=len(steps), unchanged=unchanged, steps=steps)
    if dry_run or not steps:
        return report
    assert client is not None
    _check_server_name(client, chat.matrix_server_name)
    rooms_file.server = client.homeserver
    started = time.perf_counter()
    try:
        for step in steps:
            outcome = _apply(client, step, rooms_file)
            setattr(report, outcome, getattr(report, outcome) + 1)
            write_rooms_file(rooms_path, rooms_file)
            if progress:
                progress(step, outcome)
    finally:
        report.seconds = time.perf_counter() - started
        report.rate_limited, report.waited = client.rate_limited, client.waited
    return report


def _apply(client: MatrixClient, step: Step, rooms_file: RoomsFile) -> str:
    """Carry out one step; record the room in rooms_file; return the report counter's name."""
    key = step.room.key
    if step.action == "update topic":
        room_id = rooms_file.rooms[key].room_id
        client.set_topic(room_id, step.topic)
        outcome = "topics_updated"
    else:
        try:
            room_id = client.create_room(step.room.name, step.room.title, step.topic)
            outcome = "created"
        except MatrixError as exc:
            # The alias is taken: 400 M_ROOM_IN_USE, or 409 when the server is still
            # creating that room for a run killed a moment ago.
            if exc.errcode != "M_ROOM_IN_USE" and exc.status != 409:
                raise
            # Created by a run that stopped before saving the rooms file: adopt it.
            room_id = _resolve_soon(client, step.alias)
            if room_id is None:
                raise
            outcome = "adopted"
            if _adopted_topic(client, room_id, step.alias) != step.topic:
                client.set_topic(room_id, step.topic)
    rooms_file.rooms[key] = MappedRoom(room_id=room_id, alias=step.alias, topic=step.topic)
    return outcome


#: How long to wait for the server to finish a room a killed run was creating.
ADOPT_PATIENCE_SECONDS = 15


def _resolve_soon(client: MatrixClient, alias: str) -> str | None:
    """The room of a taken alias; a room still being created may take a moment to show."""
    deadline = time.monotonic() + ADOPT_PATIENCE_SECONDS
    while (room_id := client.resolve_alias(alias)) is None and time.monotonic() < deadline:
        time.sleep(0.5)
    return room_id


def _adopted_topic(client: MatrixClient, room_id: str, alias: str) -> str:
    """The topic of a room found by its alias, once this account may read it.

    A run killed in the middle of creating a room leaves the server finishing it: the
    alias can exist a moment before the creator has joined. After a short wait, a room
    still closed to us belongs to someone else.
    """
    deadline = time.monotonic() + ADOPT_PATIENCE_SECONDS
    while True:
        try:
            return client.topic(room_id)
        except MatrixError as exc:
            if exc.status != 403 or time.monotonic() > deadline:
                if exc.status == 403:
                    raise MatrixError(
                        f"{alias} is the alias of a room this account is not in: change "
                        "chat.rooms in config.yml or ask the homeserver's admin"
                    ) from None
                raise
            time.sleep(0.5)


def _check_server_name(client: MatrixClient, server_name: str) -> None:
    """Aliases name the homeserver; a wrong chat.server_name would give dead links."""
    user_id = client.whoami()
    actual = user_id.split(":", 1)[1] if ":" in user_id else ""
    if actual != server_name:
        raise MatrixError(
            f"the homeserver's name is '{actual}' but aliases would use '{server_name}': "
            f"set chat.server_name: {actual} in config.yml"
        )
