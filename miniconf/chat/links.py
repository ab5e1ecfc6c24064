"""Where each room is, for every provider: the link on its page, and an iframe URL where
the provider allows framing. Pages get these through ``ChatDirectory``.

Matrix      matrix.to (any client) or the configured Element web app; aliases
            ``#<name>:<server_name>``; room ids from the rooms file for the live preview
Rocket.Chat ``<server>/channel/<name>``; embedded layout ``?layout=embedded``
Zulip       narrow links ``#narrow/stream/<stream>/topic/<name>`` (or a stream per room)
Slack       ``<workspace>/app_redirect?channel=<name>``
Discord     channels have numeric ids only Discord knows: every room links the invite URL
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..structure.conference import Conference
from ..structure.models import ChatConfig, ChatProvider
from .activity import ActivityFile, RoomActivity, activity_path, read_activity_file
from .mapping import RoomsFile, RoomsFileError, check_rooms_file, read_rooms_file
from .rooms import KIND_LABELS, KINDS, ChatRoom, plan_rooms

PROVIDER_NAMES = {
    ChatProvider.MATRIX: "Matrix",
    ChatProvider.ROCKETCHAT: "Rocket.Chat",
    ChatProvider.ZULIP: "Zulip",
    ChatProvider.SLACK: "Slack",
    ChatProvider.DISCORD: "Discord",
}


@dataclass(frozen=True)
class RoomLink:
    room: ChatRoom
    #: What the "Join the discussion" button opens.
    url: str
    #: How the room is called in its chat app: ``#paper-1:example.org``, ``#paper-1``.
    label: str
    #: An iframe URL, only where the provider allows framing and embed is on.
    embed_url: str | None = None
    #: Matrix: the room id for the live preview (from the rooms file), else None.
    room_id: str | None = None
    alias: str | None = None


def zulip_hash(text: str) -> str:
    """Zulip's encoding of stream and topic names in narrow links (hash_util.ts)."""
    encoded = quote(text, safe="")
    return "".join({"%": ".", "(": ".28", ")": ".29", ".": ".2E"}.get(c, c) for c in encoded)


def room_link(chat: ChatConfig, room: ChatRoom, rooms_file: RoomsFile) -> RoomLink:
    server = (chat.server or "").rstrip("/")
    mapped = rooms_file.rooms.get(room.key)
    name = mapped.name if mapped and mapped.name else room.name  # an imported room's name
    match chat.provider:
        case ChatProvider.MATRIX:
            alias = (
                mapped.alias if mapped and mapped.alias else f"#{name}:{chat.matrix_server_name}"
            )
            if chat.element_url:
                url = f"{chat.element_url.rstrip('/')}/#/room/{quote(alias, safe='')}"
            else:
                url = f"https://matrix.to/#/{quote(alias, safe='')}"
            return RoomLink(
                room,
                url,
                alias,
                embed_url=url if chat.embed else None,
                room_id=mapped.room_id if mapped else None,
                alias=alias,
            )
        case ChatProvider.ROCKETCHAT:
            url = f"{server}/channel/{quote(name)}"
            return RoomLink(room, url, f"#{name}", f"{url}?layout=embedded" if chat.embed else None)
        case ChatProvider.ZULIP:
            if chat.zulip_stream:
                stream = zulip_hash(chat.zulip_stream)
                url = f"{server}/#narrow/stream/{stream}/topic/{zulip_hash(name)}"
                return RoomLink(room, url, f"#{chat.zulip_stream} > {name}")
            return RoomLink(room, f"{server}/#narrow/stream/{zulip_hash(name)}", f"#{name}")
        case ChatProvider.SLACK:
            return RoomLink(room, f"{server}/app_redirect?channel={quote(name)}", f"#{name}")
        case ChatProvider.DISCORD:
            return RoomLink(room, server, f"#{name}")
    raise ValueError(f"no links for chat provider {chat.provider}")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ChatDirectory:
    """The conference's rooms with their links, as templates use them (``chat`` global)."""

    def __init__(self, conference: Conference):
        self.config = conference.config.chat
        self.enabled = self.config.provider is not ChatProvider.NONE
        self.rooms_file = RoomsFile()
        #: How busy each room is (chat/activity.json, from ``miniconf chat activity``).
        self.activity: ActivityFile | None = None
        self._links: dict[str, RoomLink] = {}
        if self.enabled:
            # Eager, so a bad rooms file or clashing names stop the freeze before any page.
            rooms_path = Path(conference.root) / self.config.rooms_file
            self.rooms_file = read_rooms_file(rooms_path)
            if self.config.provider is ChatProvider.MATRIX and (
                problems := check_rooms_file(rooms_path, self.rooms_file, self.config)
            ):
                raise RoomsFileError(
                    "the rooms file disagrees with config.yml:\n  "
                    + "\n  ".join(map(str, problems))
                )
            for room in plan_rooms(conference):
                self._links[room.key] = room_link(self.config, room, self.rooms_file)
            if self.config.provider is ChatProvider.MATRIX:
                self.activity = read_activity_file(activity_path(conference))

    @property
    def provider_name(self) -> str:
        return PROVIDER_NAMES.get(self.config.provider, "")

    @property
    def preview(self) -> bool:
        """Whether pages read the latest messages from the homeserver in the browser."""
        return self.config.provider is ChatProvider.MATRIX and self.config.preview

    def room(self, kind: str, item_id: str) -> RoomLink | None:
        return self._links.get(f"{kind}/{item_id}")

    def activity_of(self, kind: str, item_id: str) -> RoomActivity | None:
        return self.activity.rooms.get(f"{kind}/{item_id}") if self.activity else None

    def authors_in_room(self, paper_id: str) -> set[str]:
        """Chat ids of the paper's authors who have joined its room."""
        found = self.activity_of("paper", paper_id)
        return set(found.authors_in_room) if found else set()

    def _active(self) -> list[tuple[RoomLink, RoomActivity]]:
        if not self.activity:
            return []
        return [
            (link, found)
            for key, link in self._links.items()
            if (found := self.activity.rooms.get(key)) and found.messages
        ]

    def most_discussed(self, limit: int = 5) -> list[tuple[RoomLink, RoomActivity]]:
        """Rooms with the most messages (then most people), for the home page."""
        rooms = self._active()
        rooms.sort(key=lambda pair: (-pair[1].messages, -pair[1].posters, pair[0].room.title))
        return rooms[:limit]

    def recently_active(self, limit: int = 5) -> list[tuple[RoomLink, RoomActivity]]:
        """Rooms by their last message, latest first, for the home page."""
        rooms = [pair for pair in self._active() if pair[1].last_message]
        rooms.sort(key=lambda pair: (pair[1].last_message, pair[0].room.key), reverse=True)
        return rooms[:limit]

    def papers_discussion_json(self) -> str:
        """Paper id → [messages, people, last message (Unix seconds), 1 if there are more
        messages than were counted] for the papers page (discussed papers only), as JSON
        safe inside a <script> element."""
        data = {}
        for link, found in self._active():
            if link.room.kind == "paper":
                last = int(found.last_message.timestamp()) if found.last_message else 0
                data[link.room.id] = [found.messages, found.posters, last, int(found.more)]
        text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    def by_kind(self) -> list[tuple[str, list[RoomLink]]]:
        """Rooms grouped for the chat page, in KINDS order; empty groups left out."""
        groups: dict[str, list[RoomLink]] = {kind: [] for kind in KINDS}
        for link in self._links.values():
            groups[link.room.kind].append(link)
        return [(KIND_LABELS[kind], links) for kind, links in groups.items() if links]

    def csp_sources(self) -> dict[str, set[str]]:
        """Origins pages need: the homeserver for the preview, the embed host for frames."""
        sources: dict[str, set[str]] = {}
        if not self.enabled:
            return sources
        if self.preview and self.config.server:
            sources["connect-src"] = {origin(self.config.server)}
        host = self.config.element_url or self.config.server
        if self.config.embed and host:
            sources["frame-src"] = {origin(host)}
        return sources
