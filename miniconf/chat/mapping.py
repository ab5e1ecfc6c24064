"""The rooms file (``chat/rooms.json`` in sitedata): what provisioning created.

    {"version": 1, "server": "https://matrix.example.org",
     "rooms": {"paper/h27-001": {"room_id": "!abc:example.org",
                                 "alias": "#paper-h27-001:example.org",
                                 "topic": "..."},
               "paper/main.8": {"name": "paper-main-8"}}}

An entry with only ``name`` is an existing room of an imported site (Rocket.Chat,
Slack, ...): the page links that room instead of the one its template names.

Provisioning rewrites it atomically after every room, so a run killed at any moment
leaves a complete file to resume from; the freeze reads it for links and previews.
Organizers commit it next to config.yml. It holds no secret.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..structure.models import ROOM_NAME_RE
from .rooms import ChatError

FORMAT_VERSION = 1


class MappedRoom(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    room_id: str | None = Field(default=None, pattern=r"^![^\s/]+$", max_length=255)
    alias: str | None = Field(default=None, pattern=r"^#[^\s:/]+:[A-Za-z0-9.:-]+$",
                              max_length=255)
    topic: str = Field(default="", max_length=2000)
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


def write_rooms_file(path: Path, rooms: RoomsFile) -> None:
    """Write to a temporary file beside it, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = rooms.model_dump(mode="json")
    data["rooms"] = dict(sorted(data["rooms"].items()))
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
