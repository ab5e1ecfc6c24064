"""The conference's typed data model: what organizers and authors write in sitedata/.

Every model forbids unknown fields, so a typo such as ``titel:`` is an error rather
than a silently missing title. Text limits keep one author's 10 MB abstract from
bloating every page; ids are restricted to an alphabet that is safe as a file name
and in a URL on every file system.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .media import Media

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
SLUG_RE = re.compile(ID_PATTERN)


def _explain_bad_id(value: object) -> object:
    """Name the character that makes an id unsafe; the pattern alone only says "no match".

    Authors meet this on their pull request, e.g. for a Cyrillic 'һ' that looks like 'h'.
    """
    if not isinstance(value, str) or SLUG_RE.fullmatch(value):
        return value  # not text (pydantic says so), or a good id: nothing to explain
    text = value.strip()
    if not text:
        raise ValueError("id must not be empty")
    if len(text) > 100:
        raise ValueError(f"id is {len(text)} characters long; the limit is 100")
    for position, char in enumerate(text):
        allowed = char.isascii() and (char.isalnum() or (position > 0 and char in "-_"))
        if not allowed:
            name = unicodedata.name(char, "a control character")
            raise ValueError(
                f"id may use only ASCII letters, digits, '-' and '_' and must start with a "
                f"letter or digit; character {position + 1} is {name} (U+{ord(char):04X})"
            )
    return value


#: An identifier that becomes a file name and a URL segment: ASCII letters, digits,
#: ``-`` and ``_``, starting with a letter or digit. No dots, slashes or look-alikes.
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN), BeforeValidator(_explain_bad_id)]


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text(limit: int, *, one_line: bool = False) -> AfterValidator:
    """Text of at most ``limit`` characters without control characters; ``one_line``:
    whitespace collapsed, never empty.

    The length is checked first, so that a huge value is refused before any other work
    on it, with a message that says how long the text is. One function for all three
    checks, since each value costs one call from pydantic's core into Python.
    """

    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"is {len(value):,} characters long; the limit is {limit:,}")
        found = _CONTROL_CHARS.search(value)
        if found:
            raise ValueError(f"contains the control character U+{ord(found.group()):04X}")
        if one_line:
            value = " ".join(value.split())
            if not value:
                raise ValueError("must not be empty")
        return value

    return AfterValidator(check)


#: One line of plain text (titles, names): whitespace collapsed, never empty.
Line = Annotated[str, _text(500, one_line=True)]
#: Markdown text (abstracts, bios, answers): rendered, then sanitized, on pages.
Markdown = Annotated[str, _text(20_000)]

SAFE_URL_SCHEMES = ("http", "https", "mailto")


#: What ``str.isspace`` or the control-character category (Cc) accept among ASCII.
_ASCII_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def _has_space_or_control(value: str) -> bool:
    if value.isascii():  # most URLs: one regex instead of two calls per character
        return _ASCII_SPACE_OR_CONTROL.search(value) is not None
    return any(c.isspace() or unicodedata.category(c) == "Cc" for c in value)


#: Most links: http(s) and a host of ASCII letters, digits, dots and dashes, without the
#: brackets of an IPv6 address anywhere; urlsplit has nothing to refuse in them.
_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][^\[\]]*)?")


def _safe_url(value: str) -> str:
    value = value.strip()
    if not value or _has_space_or_control(value):
        raise ValueError("must be a URL without spaces")
    if _PLAIN_WEB_URL.fullmatch(value):
        return value
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme.lower() not in SAFE_URL_SCHEMES:
            raise ValueError(
                f"URL scheme '{parts.scheme}:' is not allowed (use http, https or mailto)"
            )
        if parts.scheme.lower() in ("http", "https") and not parts.netloc:
            raise ValueError("must name a host, e.g. https://example.org/")
    elif value.startswith("//") or value.startswith("\\"):
        raise ValueError("protocol-relative URLs are not allowed; write https://")
    return value


#: A link: http(s), mailto, or a relative path. ``javascript:`` and ``data:`` are refused.
Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_safe_url)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --------------------------------------------------------------------------- config


class Track(Model):
    id: Id
    name: Line
    description: Line | None = None


class Repository(Model):
    """Where sitedata lives, for "Edit this page" links."""

    url: Url
    branch: Line = "main"
    path: str = Field(default="sitedata", pattern=r"^[A-Za-z0-9_./-]*$", max_length=200)


class NavLink(Model):
    title: Line
    url: Url


class ChatProvider(StrEnum):
    NONE = "none"
    MATRIX = "matrix"
    ROCKETCHAT = "rocketchat"
    ZULIP = "zulip"
    SLACK = "slack"
    DISCORD = "discord"


#: A room name after ``{id}`` is filled in: safe as a Matrix alias localpart, a Slack or
#: Rocket.Chat channel name and a Zulip stream or topic (no spaces, no ':', no '#').
#: Each provider's length limit is checked in miniconf/chat/rooms.py.
ROOM_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]*$")
#: Providers whose rooms can be shown in an iframe (the others forbid framing).
EMBEDDABLE_PROVIDERS = ("matrix", "rocketchat")


def _room_template(value: str) -> str:
    """``paper-{id}``: exactly one ``{id}``, and a valid room name for any id."""
    if value.count("{id}") != 1:
        raise ValueError(f"room-name template {value!r} must contain '{{id}}' exactly once")
    sample = value.replace("{id}", "a")
    if not ROOM_NAME_RE.match(sample):
        raise ValueError(
            f"room-name template {value!r} gives invalid room names such as {sample!r}: "
            "use letters, digits, '-', '_', '.' or '=' around {id}"
        )
    return value


RoomTemplate = Annotated[str, AfterValidator(_room_template)]


class ChatRoomNames(Model):
    """Room-name templates per kind of page; ``{id}`` is the page's id."""

    paper: RoomTemplate = "paper-{id}"
    session: RoomTemplate = "session-{id}"
    workshop: RoomTemplate = "workshop-{id}"
    speaker: RoomTemplate = "speaker-{id}"


class ChatConfig(Model):
    """``chat:`` in config.yml: where each page's discussion room lives (see miniconf/chat/)."""

    provider: ChatProvider = ChatProvider.NONE
    #: Matrix homeserver, Rocket.Chat or Zulip server, Slack workspace or Discord invite URL.
    server: Url | None = None
    #: Matrix: the name in aliases (#paper-1:NAME); default: the host of ``server``.
    server_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
    #: Matrix: link to rooms in this Element web app instead of matrix.to.
    element_url: Url | None = None
    #: Zulip: rooms are topics of this stream; without it, each room is a stream.
    zulip_stream: Line | None = None
    rooms: ChatRoomNames = ChatRoomNames()
    #: Show the room in an iframe on its page (Rocket.Chat, or Matrix with element_url).
    embed: bool = False
    #: Matrix: show the room's latest messages on paper pages, read in the browser as a guest.
    preview: bool = True
    #: Room ids and aliases written by ``miniconf chat provision``, relative to sitedata.
    rooms_file: str = Field(
        default="chat/rooms.json", pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.json$"
    )

    @model_validator(mode="after")
    def _complete(self) -> ChatConfig:
        if self.provider is ChatProvider.NONE:
            return self
        if not self.server or urlsplit(self.server).scheme not in ("http", "https"):
            raise ValueError(f"chat provider '{self.provider}' needs server: an https:// URL")
        if ".." in self.rooms_file.split("/"):
            raise ValueError("rooms_file must be a path inside sitedata/")
        if self.embed and self.provider not in EMBEDDABLE_PROVIDERS:
            raise ValueError(
                f"{self.provider} does not allow its rooms in an iframe; set embed: false "
                f"(embedding works with {', '.join(EMBEDDABLE_PROVIDERS)})"
            )
        if self.embed and self.provider is ChatProvider.MATRIX and not self.element_url:
            raise ValueError("embedding Matrix rooms needs element_url (an Element web app)")
        return self

    @property
    def matrix_server_name(self) -> str:
        return self.server_name or urlsplit(self.server or "").netloc


class Config(Model):
    name: Line
    tagline: Line | None = None
    start_date: date
    end_date: date
    timezone: str = "UTC"
    logo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
    base_url: Url | None = None
    repository: Repository | None = None
    intro: Markdown = ""
    tracks: list[Track] = Field(default_factory=list)
    nav: list[NavLink] = Field(default_factory=list)
    chat: ChatConfig = ChatConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("logo")
    @classmethod
    def _logo_inside(cls, value: str | None) -> str | None:
        if value is not None and ".." in value.split("/"):
            raise ValueError("must be a path inside sitedata/")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Config:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --------------------------------------------------------------------------- papers


class Author(Model):
    name: Line
    affiliation: Line | None = None
    #: The author's Matrix id (``@name:server``): provisioning invites it to the paper's
    #: room as a moderator, and the paper page marks the author once in the room.
    matrix: str | None = Field(
        default=None, max_length=255, pattern=r"^@[A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
    )


class PaperLinks(Model):
    pdf: Url | None = None
    code: Url | None = None
    video: Url | None = None
    slides: Url | None = None
    poster: Url | None = None
    project: Url | None = None

    def present(self) -> list[tuple[str, str]]:
        """(label, url) of every link given, in a fixed order."""
        labels = {
            "pdf": "Paper (PDF)",
            "code": "Code",
            "video": "Video",
            "slides": "Slides",
            "poster": "Poster",
            "project": "Project page",
        }
        return [(label, url) for key, label in labels.items() if (url := getattr(self, key))]


Keyword = Annotated[str, _text(80, one_line=True)]


class Paper(Model):
    id: Id
    title: Line
    authors: list[Author] = Field(min_length=1, max_length=200)
    abstract: Markdown = ""
    tldr: Annotated[str, _text(1000)] = ""
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    track: Id | None = None
    links: PaperLinks = PaperLinks()
    media: Media | None = None

    @property
    def author_names(self) -> list[str]:
        return [author.name for author in self.authors]


# --------------------------------------------------------------------------- people & events


class Speaker(Model):
    id: Id
    name: Line
    affiliation: Line | None = None
    talk_title: Line | None = None
    abstract: Markdown = ""
    bio: Markdown = ""
    photo: Url | None = None
    homepage: Url | None = None
    media: Media | None = None


class Workshop(Model):
    id: Id
    title: Line
    organizers: list[Line] = Field(default_factory=list)
    abstract: Markdown = ""
    url: Url | None = None
    media: Media | None = None


class SessionType(StrEnum):
    KEYNOTE = "keynote"
    ORAL = "oral"
    POSTER = "poster"
    WORKSHOP = "workshop"
    TUTORIAL = "tutorial"
    SOCIAL = "social"
    BREAK = "break"


def _aware(value: datetime, info: ValidationInfo) -> datetime:
    """Times without an offset are in the conference's time zone (passed as context)."""
    if value.tzinfo is None:
        zone = (info.context or {}).get("timezone", "UTC")
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


class Session(Model):
    id: Id
    title: Line
    type: SessionType
    start: datetime
    end: datetime
    room: Line | None = None
    stream_url: Url | None = None
    chairs: list[Line] = Field(default_factory=list)
    papers: list[Id] = Field(default_factory=list)
    speakers: list[Id] = Field(default_factory=list)
    workshop: Id | None = None
    description: Markdown = ""
    media: Media | None = None

    _start_aware = field_validator("start", "end")(_aware)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Session:
        if self.end <= self.start:
            raise ValueError(f"ends ({self.end.isoformat()}) before it starts")
        return self

    @property
    def day(self) -> date:
        return self.start.date()


# --------------------------------------------------------------------------- help & people


class FaqEntry(Model):
    question: Line
    answer: Markdown
    section: Line = "General"


class CommitteeMember(Model):
    name: Line
    role: Line | None = None
    affiliation: Line | None = None
    photo: Url | None = None


class Sponsor(Model):
    name: Line
    url: Url | None = None
    level: Line | None = None
    logo: Url | None = None


class Page(Model):
    """A free Markdown page from ``pages/<slug>.md``; its slug is the file name."""

    slug: Id
    title: Line
    body: Markdown = ""

