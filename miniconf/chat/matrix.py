"""Create the conference's rooms on a Matrix homeserver (``miniconf chat provision``).

One public room per paper, session, workshop and keynote speaker, with the alias from
the room-name templates, the page's title as its name and a topic linking back to the
page. Rooms are world-readable with guest access, so pages can preview them. A paper's
authors who gave a chat id (``matrix:``) are invited and made moderators (power 50);
nobody's power is ever lowered, so a moderator promoted by hand stays one.

Recovers by itself from a crash at any point, of itself or of the homeserver. Synapse
creates a room's alias *before* the room's first events, so a homeserver killed during
``createRoom`` can leave an alias pointing at a room nobody is in. So a room is made in
steps: ``createRoom`` *without* alias, with a marker state event naming the room's key
and alias (its sender, the bot, makes it a creation record no one else can forge); then
the alias;
then the canonical alias. A re-run resumes each step: a room the bot made but never
recorded is found among its joined rooms by the marker (after giving the homeserver a
few seconds to finish what a killed run asked), an alias already pointing at a
room the bot marked for that key is the bot's own. An alias that points at any other
room is never adopted: the run stops and names it. A half-made room without alias is
left unused (nobody can find it).

The rooms file is saved at most every ``SAVE_SECONDS`` and at the end (also on errors):
rewriting a 10,000-room file after every room made the run quadratic, and what a kill
loses is found again as above. HTTP 429 answers are waited out for the
``retry_after_ms`` the server asks; redirects to another host are refused, so the token
goes to the configured homeserver only. Plain urllib: a few JSON calls need no HTTP
library.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..structure.conference import Conference
from .mapping import MappedRoom, RoomsFile, read_rooms_file, write_rooms_file
from .rooms import ChatError, ChatRoom, plan_rooms

#: The environment variable holding the access token (never printed nor written).
TOKEN_VARIABLE = "MINICONF_MATRIX_TOKEN"
#: Give up on a request the server rate-limits this many times in a row.
MAX_RATE_LIMITED = 50
#: The state event that marks a room as made by provisioning (content: key and marker).
MARKER_EVENT = "org.miniconf.room"
#: A room event filter: messages only (not joins, topic changes or reactions).
MESSAGES_ONLY = quote(json.dumps({"types": ["m.room.message"]}, separators=(",", ":")), safe="")
#: Matrix's customary "moderator" power level.
MODERATOR = 50
CLIENT_API = "/_matrix/client/v3"
#: The rooms file is rewritten at most this often during a run (and always at its end).
SAVE_SECONDS = 2.0
#: After a killed run, the homeserver may still be making the room it was asked for:
#: look for unrecorded rooms only this long after the killed run's last save.
SETTLE_SECONDS = 8.0


class MatrixError(ChatError):
    def __init__(self, message: str, status: int = 0, errcode: str = ""):
        super().__init__(message)
        self.status = status
        self.errcode = errcode


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """urllib copies every header, Authorization included, onto a redirect: a homeserver
    (or anything in front of it) could send the token to any host. Follow redirects
    within the homeserver's origin only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise MatrixError(
                f"{req.full_url.split('?')[0]} redirects to another host ({newurl}); the "
                "access token is not sent there. Set chat.server to the homeserver's own URL"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameHostRedirects)


class MatrixClient:
    """The few client-server (and admin) API calls the chat commands need, 429s waited out."""

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
        self.requests = 0

    def call(self, method: str, path: str, body: dict | None = None, api: str = CLIENT_API) -> dict:
        url = f"{self.homeserver}{api}{path}"
        data = None if body is None else json.dumps(body).encode()
        for _ in range(MAX_RATE_LIMITED):
            request = urllib.request.Request(url, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self._token}")
            request.add_header("Content-Type", "application/json")
            self.requests += 1
            try:
                with _OPENER.open(request, timeout=self.timeout) as response:
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

    def create_room(self, name: str, topic: str, marker: dict | None = None) -> str:
        """A public room without alias (see the module docstring for why)."""
        initial_state = [
            # Readable by anyone, guests may join: the pages' live preview needs both.
            _state("m.room.history_visibility", {"history_visibility": "world_readable"}),
            _state("m.room.guest_access", {"guest_access": "can_join"}),
        ]
        if marker is not None:
            initial_state.append(_state(MARKER_EVENT, marker))
        body = {
            "preset": "public_chat",
            "name": name[:255],
            "topic": topic,
            "initial_state": initial_state,
        }
        return self.call("POST", "/createRoom", body)["room_id"]

    def state(
        self, room_id: str, event_type: str, state_key: str = "", event: bool = False
    ) -> dict | None:
        """A state event's content (``event``: the whole event, sender included); None
        where the room has none."""
        path = _state_path(room_id, event_type, state_key) + ("?format=event" if event else "")
        try:
            return self.call("GET", path)
        except MatrixError as exc:
            if exc.status == 404:
                return None
            raise

    def set_state(self, room_id: str, event_type: str, content: dict, state_key: str = "") -> None:
        self.call("PUT", _state_path(room_id, event_type, state_key), content)

    def topic(self, room_id: str) -> str:
        return (self.state(room_id, "m.room.topic") or {}).get("topic", "")

    def set_topic(self, room_id: str, topic: str) -> None:
        self.set_state(room_id, "m.room.topic", {"topic": topic})

    def set_alias(self, alias: str, room_id: str) -> None:
        self.call("PUT", f"/directory/room/{quote(alias, safe='')}", {"room_id": room_id})

    def joined_rooms(self) -> list[str]:
        return self.call("GET", "/joined_rooms")["joined_rooms"]

    def invite(self, room_id: str, user_id: str) -> None:
        self.call("POST", f"/rooms/{quote(room_id, safe='')}/invite", {"user_id": user_id})

    def joined_members(self, room_id: str) -> set[str]:
        answer = self.call("GET", f"/rooms/{quote(room_id, safe='')}/joined_members")
        return set(answer.get("joined", {}))

    def messages(self, room_id: str, start: str | None, limit: int) -> dict:
        """A page of the room's messages (no other events), newest first, from ``start``."""
        query = f"dir=b&limit={limit}&filter={MESSAGES_ONLY}"
        query += f"&from={quote(start, safe='')}" if start else ""
        return self.call("GET", f"/rooms/{quote(room_id, safe='')}/messages?{query}")


def _state_path(room_id: str, event_type: str, state_key: str) -> str:
    return f"/rooms/{quote(room_id, safe='')}/state/{event_type}/{quote(state_key, safe='')}"


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
    """What provisioning does to one room."""

    action: str  # "create", "update topic", "invite authors", "update topic, invite authors"
    room: ChatRoom
    alias: str
    topic: str
    #: Authors' chat ids to invite and promote (not yet in the rooms file's moderators).
    authors: tuple[str, ...] = ()


@dataclass
class ProvisionReport:
    planned: int = 0
    created: int = 0
    #: Rooms an interrupted run had begun, finished by this one.
    resumed: int = 0
    topics_updated: int = 0
    authors_invited: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rate_limited: int = 0
    waited: float = 0.0
    requests: int = 0
    steps: list[Step] = field(default_factory=list)
    #: Authors who could not be invited (unknown account, other server unreachable...).
    warnings: list[str] = field(default_factory=list)


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
            steps.append(Step("create", room, alias, topic, room.moderators))
            continue
        actions = ["update topic"] if mapped.topic != topic else []
        authors = tuple(user for user in room.moderators if user not in mapped.moderators)
        if authors:
            actions.append("invite authors")
        if actions:
            steps.append(Step(", ".join(actions), room, alias, topic, authors))
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

    ``client`` may be None for a dry run. The rooms file is saved every SAVE_SECONDS
    and at the end, also when the run stops on an error.
    """
    chat = conference.config.chat
    rooms_file = read_rooms_file(rooms_path)
    steps, unchanged = plan_steps(conference, rooms_file)
    report = ProvisionReport(planned=len(steps), unchanged=unchanged, steps=steps)
    if dry_run or not steps:
        return report
    assert client is not None
    bot = _check_server_name(client, chat.matrix_server_name)
    interrupted_at = rooms_path.stat().st_mtime if rooms_file.in_progress else None
    rooms_file.server = client.homeserver
    rooms_file.in_progress = True
    run = _Run(client, bot, rooms_file, report, interrupted_at)
    started = saved = time.perf_counter()
    completed = False
    try:
        for step in steps:
            outcome = run.apply(step)
            if progress:
                progress(step, outcome)
            if time.perf_counter() - saved > SAVE_SECONDS:
                write_rooms_file(rooms_path, rooms_file)
                saved = time.perf_counter()
        completed = True
    finally:
        rooms_file.in_progress = not completed
        write_rooms_file(rooms_path, rooms_file)
        report.seconds = time.perf_counter() - started
        report.rate_limited, report.waited = client.rate_limited, client.waited
        report.requests = client.requests
    return report


class AliasTakenError(MatrixError):
    pass


@dataclass
class _Run:
    """One provisioning run: the client, the rooms file being brought up to date."""

    client: MatrixClient
    bot: str
    rooms_file: RoomsFile
    report: ProvisionReport
    #: When the killed run before this one last saved the rooms file (time.time()).
    interrupted_at: float | None = None
    #: Looked for once, at the first room to create (see _unrecorded_rooms).
    _unrecorded: dict[tuple[str, str], str] | None = None

    def apply(self, step: Step) -> str:
        """Carry out one step, recording it in the rooms file; return the outcome."""
        key = step.room.key
        if step.action == "create":
            outcome, room_id = self._create(step)
            mapped = MappedRoom(room_id=room_id, alias=step.alias, topic=step.topic)
        else:
            outcome = "updated"
            mapped = self.rooms_file.rooms[key]
            assert mapped.room_id is not None  # a step on a provisioned room (plan_steps)
            if "update topic" in step.action:
                self.client.set_topic(mapped.room_id, step.topic)
                mapped = mapped.model_copy(update={"topic": step.topic})
                self.report.topics_updated += 1
        if step.authors:
            added = self._add_moderators(mapped.room_id or "", step.authors)
            mapped = mapped.model_copy(update={"moderators": [*mapped.moderators, *added]})
        self.rooms_file.rooms[key] = mapped
        return outcome

    def _create(self, step: Step) -> tuple[str, str]:
        key = step.room.key
        aliased = self.client.resolve_alias(step.alias)
        if aliased is not None:
            if not self._made_by_bot(aliased, key, step.alias):
                raise AliasTakenError(
                    f"{step.alias} already points at room {aliased}, which provisioning did "
                    "not create, so it is not used. Ask the homeserver's admin to delete "
                    f"that alias (DELETE {CLIENT_API}/directory/room/"
                    f"{quote(step.alias, safe='')}) if the room is not wanted, or change "
                    "chat.rooms in config.yml; then re-run"
                )
            room_id, outcome = aliased, "resumed"
        else:
            unrecorded = self._unrecorded_rooms().get((key, step.alias))
            outcome = "resumed" if unrecorded else "created"
            if unrecorded is not None:
                room_id = unrecorded
            else:
                marker = {"key": key, "alias": step.alias}
                room_id = self.client.create_room(step.room.title, step.topic, marker)
            self._claim_alias(step.alias, room_id, key)
        if outcome == "resumed" and self.client.topic(room_id) != step.topic:
            self.client.set_topic(room_id, step.topic)
        canonical = None
        if outcome == "resumed":
            canonical = self.client.state(room_id, "m.room.canonical_alias")
        if (canonical or {}).get("alias") != step.alias:
            self.client.set_state(room_id, "m.room.canonical_alias", {"alias": step.alias})
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        return outcome, room_id

    def _made_by_bot(self, room_id: str, key: str, alias: str) -> bool:
        """Whether the bot made this room for this key and alias: its marker, sent by
        the bot (no one else can send an event as the bot)."""
        try:
            marker = self.client.state(room_id, MARKER_EVENT, event=True)
        except MatrixError as exc:
            if exc.status == 403:  # not in the room, and it is not public: not ours
                return False
            raise
        content = (marker or {}).get("content", {})
        return bool(
            marker
            and marker.get("sender") == self.bot
            and (content.get("key"), content.get("alias")) == (key, alias)
        )

    def _unrecorded_rooms(self) -> dict[tuple[str, str], str]:
        """(key, alias) -> room id of the rooms the bot made and marked that the rooms
        file does not list: an interrupted run's."""
        if self._unrecorded is None:
            if self.interrupted_at is not None:
                time.sleep(max(0.0, self.interrupted_at + SETTLE_SECONDS - time.time()))
            known = {room.room_id for room in self.rooms_file.rooms.values()}
            self._unrecorded = {}
            for room_id in self.client.joined_rooms():
                if room_id in known:
                    continue
                marker = self.client.state(room_id, MARKER_EVENT, event=True) or {}
                content = marker.get("content", {})
                if marker.get("sender") == self.bot:
                    mark = (content.get("key"), content.get("alias"))
                    self._unrecorded.setdefault(mark, room_id)
        return self._unrecorded

    def _claim_alias(self, alias: str, room_id: str, key: str) -> None:
        try:
            self.client.set_alias(alias, room_id)
        except MatrixError as exc:
            # Taken since we looked (another run at the same time): only if it is ours.
            if exc.errcode != "M_ROOM_IN_USE" and exc.status != 409:
                raise
            if self.client.resolve_alias(alias) != room_id:
                raise AliasTakenError(
                    f"{alias} was taken by another room while this run "
                    "was creating it; re-run to check whose"
                ) from None

    def _add_moderators(self, room_id: str, users: tuple[str, ...]) -> list[str]:
        """Invite each user and raise them to moderator; never lower anyone's power."""
        invited = []
        for user in users:
            try:
                self.client.invite(room_id, user)
            except MatrixError as exc:
                # Inviting someone already in the room is refused; that is what we want.
                if exc.status != 403 or "already in the room" not in str(exc):
                    self.report.warnings.append(f"could not invite {user}: {exc}")
                    continue
            invited.append(user)
        if invited:
            levels = self.client.state(room_id, "m.room.power_levels") or {}
            users_power = dict(levels.get("users", {}))
            default = levels.get("users_default", 0)
            raised = {u: MODERATOR for u in invited if users_power.get(u, default) < MODERATOR}
            if raised:
                self.client.set_state(
                    room_id, "m.room.power_levels", {**levels, "users": {**users_power, **raised}}
                )
            self.report.authors_invited += len(invited)
        return invited


def _check_server_name(client: MatrixClient, server_name: str) -> str:
    """Aliases name the homeserver; a wrong chat.server_name would give dead links.
    Returns the bot's user id."""
    user_id = client.whoami()
    actual = user_id.split(":", 1)[1] if ":" in user_id else ""
    if actual != server_name:
        raise MatrixError(
            f"the homeserver's name is '{actual}' but aliases would use '{server_name}': "
            f"set chat.server_name: {actual} in config.yml"
        )
    return user_id
