"""The rooms a conference has: one per paper, session, workshop and keynote speaker.

Names come from the templates in ``chat.rooms`` (``paper-{id}`` ...). They keep the id's
case (Matrix aliases and Rocket.Chat channels are case-sensitive, and channels made by
the original Mini-Conf use the ids as they are), except for Slack and Discord, which
allow lowercase names only; ids are unique ignoring case (the loader checks), so
lowercasing never merges two rooms.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..structure.conference import Conference
from ..structure.models import ROOM_NAME_RE, ChatConfig, ChatProvider, SessionType

#: The kinds of rooms, in the order the chat page lists them.
KINDS = ("paper", "session", "workshop", "speaker")
KIND_LABELS = {
    "paper": "Papers",
    "session": "Sessions",
    "workshop": "Workshops",
    "speaker": "Keynotes",
}
#: The longest room name each provider takes: Matrix aliases are at most 255 bytes with
#: the server name; Zulip streams and topics 60 characters; Slack channels 80; Discord 100.
NAME_LIMITS = {
    ChatProvider.MATRIX: 200,
    ChatProvider.ROCKETCHAT: 200,
    ChatProvider.ZULIP: 60,
    ChatProvider.SLACK: 80,
    ChatProvider.DISCORD: 100,
}
LOWERCASE_ONLY = (ChatProvider.SLACK, ChatProvider.DISCORD)
#: Sessions of these types get no room (nobody discusses a coffee break).
SESSIONS_WITHOUT_ROOM = (SessionType.BREAK,)


class ChatError(ValueError):
    """A problem with the chat configuration or the rooms file; nothing was changed."""


class ChatPlanError(ChatError):
    """The configured templates give invalid or clashing room names."""


@dataclass(frozen=True)
class ChatRoom:
    kind: str
    id: str
    #: Human title: the paper's or session's title, the speaker's name.
    title: str
    #: Room name from the template: a Matrix alias localpart, a channel or topic name.
    name: str
    #: The page's path inside the site, e.g. ``papers/h27-001.html``.
    page: str
    #: Chat ids invited as moderators: a paper's authors who gave one (``matrix:``).
    moderators: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The room's key in the rooms file: ``paper/h27-001``."""
        return f"{self.kind}/{self.id}"

    def topic(self, base_url: str | None) -> str:
        """The room topic: what it is about and a link back to its page."""
        where = f"{base_url.rstrip('/')}/{self.page}" if base_url else self.page
        return f"{self.title} — discussion of {where}"


PAGE_PATHS = {
    "paper": "papers/{}.html",
    "session": "sessions/{}.html",
    "workshop": "workshops/{}.html",
    "speaker": "speakers/{}.html",
}


def room_name(chat: ChatConfig, kind: str, item_id: str) -> str:
    name = getattr(chat.rooms, kind).replace("{id}", item_id)
    return name.lower() if chat.provider in LOWERCASE_ONLY else name


def plan_rooms(conference: Conference) -> list[ChatRoom]:
    """Every room of the conference, checked: valid names, no two rooms sharing one.

    Raises ChatPlanError naming each bad room before anything is created anywhere.
    """
    chat = conference.config.chat
    items: list[tuple[str, str, str]] = [("paper", p.id, p.title) for p in conference.papers]
    moderators = {
        f"paper/{paper.id}": tuple(dict.fromkeys(a.matrix for a in paper.authors if a.matrix))
        for paper in conference.papers
    }
    items += [
        ("session", s.id, s.title)
        for s in conference.sessions
        if s.type not in SESSIONS_WITHOUT_ROOM
    ]
    items += [("workshop", w.id, w.title) for w in conference.workshops]
    items += [("speaker", s.id, s.name) for s in conference.speakers]
    rooms = []
    problems = []
    owners: dict[str, str] = {}
    limit = NAME_LIMITS.get(chat.provider, 80)
    for kind, item_id, title in items:
        name = room_name(chat, kind, item_id)
        key = f"{kind}/{item_id}"
        if not ROOM_NAME_RE.match(name) or len(name) > limit:
            problems.append(
                f"{key}: room name {name!r} from template {getattr(chat.rooms, kind)!r} is "
                f"invalid for {chat.provider} (at most {limit} letters, digits, "
                "'-', '_', '.', '=')"
            )
        elif name.lower() in owners:
            problems.append(f"{key}: room name {name!r} is also the name of {owners[name.lower()]}")
        owners.setdefault(name.lower(), key)
        rooms.append(
            ChatRoom(
                kind,
                item_id,
                title,
                name,
                PAGE_PATHS[kind].format(item_id),
                moderators.get(key, ()),
            )
        )
    if problems:
        raise ChatPlanError(
            "chat.rooms in config.yml gives bad room names; nothing was created:\n  "
            + "\n  ".join(problems)
        )
    return rooms
