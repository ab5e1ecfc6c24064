"""Where the conversation is: ``miniconf chat activity`` and the file it writes.

For every room in the rooms file it reads, through the bot's membership (the bot made
the rooms, so it is in each), the number of messages, the time of the last one and how
many people posted, and for paper rooms which of the authors have joined. The result,
``chat/activity.json`` beside the rooms file, is what the freeze shows: "most
discussed" and "recently active" on the home page, a "discussion" sort and badge on the
papers page, a mark beside authors who are in their paper's room.

    {"version": 1, "read_at": "2027-05-03T14:15:00Z",
     "rooms": {"paper/h27-001": {"messages": 42, "posters": 7,
                                 "last_message": "2027-05-03T14:02:11Z",
                                 "authors_in_room": ["@zoe:example.org"]}}}

Reading is bounded: at most ``max_messages`` per room (``more`` says the room has at
least that many), in pages of ``PAGE`` messages, with the server asked for messages
only. Rate limits are waited out by the client (HTTP 429 with ``retry_after_ms``).
A scheduled deploy re-reads it every few minutes during the conference (README).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..structure.conference import Conference
from .mapping import USER_ID_PATTERN, read_rooms_file
from .matrix import MatrixClient, MatrixError
from .rooms import ChatError, plan_rooms

FORMAT_VERSION = 1
#: Messages asked for per request (Synapse answers at most 1,000).
PAGE = 500
#: Messages counted per room at most, by default: 20 requests for the busiest room.
MAX_MESSAGES = 10_000
UserId = Annotated[str, StringConstraints(pattern=USER_ID_PATTERN, max_length=255)]


class RoomActivity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: int = Field(ge=0)
    #: The count stopped at the reading limit: the room has at least ``messages``.
    more: bool = False
    posters: int = Field(default=0, ge=0)
    last_message: datetime | None = None
    #: Paper rooms: the chat ids of the paper's authors who have joined the room.
    authors_in_room: list[UserId] = Field(default_factory=list, max_length=500)


class ActivityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = FORMAT_VERSION
    read_at: datetime
    rooms: dict[str, RoomActivity] = Field(default_factory=dict)


class ActivityFileError(ChatError):
    pass


def activity_path(conference: Conference) -> Path:
    """``chat/activity.json``: beside the rooms file."""
    return (Path(conference.root) / conference.config.chat.rooms_file).parent / "activity.json"


def read_activity_file(path: Path) -> ActivityFile | None:
    """The activity file, or None where none was written yet."""
    if not path.is_file():
        return None
    try:
        return ActivityFile.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValueError, ValidationError) as exc:
        raise ActivityFileError(f"{path}: not a valid activity file ({exc})") from None


def write_activity_file(path: Path, activity: ActivityFile) -> None:
    """Written beside, then renamed: a freeze never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = activity.model_dump(mode="json", exclude_defaults=True)
    data["read_at"] = activity.read_at.isoformat()  # always written
    data["rooms"] = dict(sorted(data.get("rooms", {}).items()))
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def read_room(
    client: MatrixClient, room_id: str, bot: str, max_messages: int = MAX_MESSAGES
) -> RoomActivity:
    """One room's messages, newest first, until the start of the room or the limit."""
    count = 0
    posters: set[str] = set()
    last: int | None = None
    token: str | None = None
    more = False
    while True:
        limit = min(PAGE, max_messages - count)
        if limit <= 0:
            more = True
            break
        answer = client.messages(room_id, token, limit)
        chunk = answer.get("chunk", [])
        for event in chunk:
            if event.get("type") != "m.room.message" or event.get("sender") == bot:
                continue
            count += 1
            posters.add(event.get("sender", ""))
            stamp = event.get("origin_server_ts")
            if isinstance(stamp, int) and (last is None or stamp > last):
                last = stamp
        token = answer.get("end")
        if not chunk or not token:
            break
    last_message = datetime.fromtimestamp(last / 1000, UTC) if last is not None else None
    return RoomActivity(messages=count, more=more, posters=len(posters), last_message=last_message)


@dataclass
class ActivityReport:
    rooms: int = 0
    messages: int = 0
    seconds: float = 0.0
    requests: int = 0
    rate_limited: int = 0
    waited: float = 0.0


def read_activity(
    conference: Conference,
    client: MatrixClient,
    max_messages: int = MAX_MESSAGES,
    progress: Callable[[str, RoomActivity], None] | None = None,
) -> tuple[ActivityFile, ActivityReport]:
    """The activity of every provisioned room of the conference."""
    rooms_file = read_rooms_file(Path(conference.root) / conference.config.chat.rooms_file)
    bot = client.whoami()
    report = ActivityReport()
    started = time.perf_counter()
    activity = ActivityFile(read_at=datetime.now(UTC).replace(microsecond=0))
    for room in plan_rooms(conference):
        mapped = rooms_file.rooms.get(room.key)
        if mapped is None or mapped.room_id is None:  # not provisioned (an imported room)
            continue
        try:
            found = read_room(client, mapped.room_id, bot, max_messages)
            if room.moderators:
                joined = client.joined_members(mapped.room_id)
                found = found.model_copy(
                    update={"authors_in_room": [user for user in room.moderators if user in joined]}
                )
        except MatrixError as exc:
            raise MatrixError(
                f"{room.key} ({mapped.alias}): {exc}", exc.status, exc.errcode
            ) from None
        activity.rooms[room.key] = found
        report.rooms += 1
        report.messages += found.messages
        if progress:
            progress(room.key, found)
    report.seconds = time.perf_counter() - started
    report.requests, report.rate_limited, report.waited = (
        client.requests,
        client.rate_limited,
        client.waited,
    )
    return activity, report
