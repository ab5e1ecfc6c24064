"""The rooms file (``chat/rooms.json`` in sitedata): what provisioning created.

    {"version": 1, "server": "https://matrix.example.org",
     "rooms": {"paper/h27-001": {"room_id": "!abc:example.org",
                                 "alias": "#paper-h27-001:example.org",
                                 "topic": "..."},
               "paper/main.8": {"name": "paper-main-8"}}}

An entry with only ``name`` is an existing room of an imported site (Rocket.Chat,
Slack, ...): the page links that room instead of the one its template names.

Provisioning rewrites it atomically every few seconds and at its end, so a run killed
at any moment leaves a complete file to resume from (the rooms made since are found
again on the server, see matrix.py); the freeze reads it for links and previews.
Organizers commit it next to config.yml. It holds no secret.

Pages link to these rooms, so the file is checked against config.yml before any page
is built (``check_rooms_file``): a pull request that points a paper's link at another
server or another paper's room stops the freeze. The pull-request check also refuses
any change to the file (``miniconf chat check-rooms-file``): only provisioning writes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..structure.models import ROOM_NAME_RE, ChatConfig
from ..structure.problems import Problem, display_path
from .rooms import KINDS, ChatError, room_name

FORMAT_VERSION = 1
ROOM_ID_PATTERN = r"^![A-Za-z0-9._~+/=-]+(:[A-Za-z0-9.-]+(:[0-9]{1,5})?)?$"  # v12: no server
ALIAS_PATTERN = r"^#[A-Za-z0-9._=-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
USER_ID_PATTERN = r"^@[A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$"


class MappedRoom(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    room_id: str | None = Field(default=None, pattern=ROOM_ID_PATTERN, max_length=255)
    alias: str | None = Field(default=None, pattern=ALIAS_PATTERN, max_length=255)
    topic: str = Field(default="", max_length=2000)
    #: Authors' chat ids provisioning invited and made moderators (never taken back).
    moderators: list[str] = Field(default_factory=list, max_length=500)
    #: A room that already exists under a name the templates do not give (written by
    #: ``miniconf import`` for the old site's rooms): links use this name instead.
    name: str | None = Field(default=None, pattern=ROOM_NAME_RE.pattern, max_length=200)

    @model_validator(mode="after")
    def _says_where(self) -> MappedRoom:
        if not (self.room_id and self.alias) and not self.name:
            raise ValueError("a room needs room_id and alias (provisioned) or name (imported)")
        return self


class RoomsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = FORMAT_VERSION
    server: str = ""
    rooms: dict[str, MappedRoom] = Field(default_factory=dict)
    #: Written true while a provisioning run works, false at its end: true in a file
    #: read at the start of a run means the previous run was killed.
    in_progress: bool = False


class RoomsFileError(ChatError):
    pass


def read_rooms_file(path: Path) -> RoomsFile:
    """The rooms file, or an empty one where none was written yet."""
    if not path.is_file():
        return RoomsFile()
    try:
        return RoomsFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise RoomsFileError(f"{path}: not a valid rooms file ({exc})") from None


def check_rooms_file(path: Path, rooms: RoomsFile, chat: ChatConfig) -> list[Problem]:
    """What in the rooms file disagrees with config.yml, each at its line.

    Every room on the configured homeserver, each alias the one chat.rooms gives for
    its key (so no paper's link can point at another room), no room id used twice.
    """
    shown = display_path(path)

    def problem(text: str, field: str, message: str) -> Problem:
        return Problem(shown, line_in(path, text), field, message)

    problems = []
    server = (chat.server or "").rstrip("/")
    if rooms.server and rooms.server.rstrip("/") != server:
        problems.append(
            problem(
                rooms.server,
                "server",
                f"{rooms.server!r} is not the "
                f"configured homeserver {server!r} (chat.server in config.yml)",
            )
        )
    server_name = chat.matrix_server_name
    owner_of: dict[str, str] = {}
    for key, entry in rooms.rooms.items():
        kind, _, item_id = key.partition("/")
        field = f"rooms.{key}"
        if kind not in KINDS or not item_id:
            problems.append(
                problem(key, field, f"not a room key (kind/id, kind one of {', '.join(KINDS)})")
            )
            continue
        if entry.room_id is None:  # an imported site's existing room, named (see above)
            continue
        expected = f"#{room_name(chat, kind, item_id)}:{server_name}"
        if entry.alias != expected:
            problems.append(
                problem(
                    key,
                    field,
                    f"alias {entry.alias!r} is not {expected!r}, "
                    "the alias chat.rooms gives it; re-run `miniconf chat "
                    "provision`",
                )
            )
        room_id = entry.room_id
        if ":" in room_id and room_id.split(":", 1)[1] != server_name:
            problems.append(problem(key, field, f"room {room_id!r} is not on {server_name}"))
        if owner_of.get(room_id, key) != key:
            problems.append(
                problem(key, field, f"room {room_id!r} is also the room of {owner_of[room_id]}")
            )
        owner_of.setdefault(room_id, key)
    return problems


def line_in(path: Path, text: str) -> int:
    """The first line of ``path`` holding ``"text"`` (a JSON key or value), else 1."""
    if not path.is_file():
        return 1
    needle = json.dumps(text)
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, 1) if needle in line), 1)


def write_rooms_file(path: Path, rooms: RoomsFile) -> None:
    """Write to a temporary file beside it, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = rooms.model_dump(mode="json")
    data["rooms"] = dict(sorted(data["rooms"].items()))
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
