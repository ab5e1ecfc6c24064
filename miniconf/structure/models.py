"""The conference's typed data model: what organizers and authors write in sitedata/.

Every model forbids unknown fields, so a typo such as ``titel:`` is an error rather
than a silently missing title. Text limits keep one author's 10 MB abstract from
bloating every page; ids are restricted to an alphabet that is safe as a file name
and in a URL on every file system.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
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

#: Dot-separated parts of letters, digits, ``-`` and ``_``: ``main.8``, ``2020.acl-main.1``
#: (ACL Anthology), ``10.1109_TVCG.2018.2865018``; never a dot first, last or twice in a
#: row, so an id is never ``..`` or a hidden file. At most ID_MAX_LENGTH characters.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$"
ID_MAX_LENGTH = 100
SLUG_RE = re.compile(ID_PATTERN)


def is_valid_id(value: str) -> bool:
    return len(value) <= ID_MAX_LENGTH and SLUG_RE.fullmatch(value) is not None


def _explain_bad_id(value: object) -> object:
    """Name the character that makes an id unsafe; the pattern alone only says "no match".

    Authors meet this on their pull request, e.g. for a Cyrillic 'һ' that looks like 'h'.
    """
    if not isinstance(value, str) or is_valid_id(value):
        return value  # not text (pydantic says so), or a good id: nothing to explain
    text = value.strip()
    if not text:
        raise ValueError("id must not be empty")
    if len(text) > ID_MAX_LENGTH:
        raise ValueError(f"id is {len(text)} characters long; the limit is {ID_MAX_LENGTH}")
    for position, char in enumerate(text):
        allowed = char.isascii() and (char.isalnum() or (position > 0 and char in "-_."))
        if not allowed:
            name = unicodedata.name(char, "a control character")
            raise ValueError(
                f"id may use only ASCII letters, digits, '-', '_' and '.' and must start "
                f"with a letter or digit; character {position + 1} is {name} (U+{ord(char):04X})"
            )
    if ".." in text or text.endswith("."):
        raise ValueError("a '.' in an id must sit between other characters ('main.8')")
    return value


#: An identifier that becomes a file name and a URL segment: ASCII letters, digits,
#: ``-``, ``_`` and single inner dots, starting with a letter or digit. No slashes, no
#: ``..``, no look-alikes.
Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH),
    BeforeValidator(_explain_bad_id),
]


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Characters XML 1.0 cannot hold at all (schedule.xml would be ill-formed): control
#: characters, surrogates, U+FFFE and U+FFFF.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _character_problem(char: str) -> str:
    if _CONTROL_CHARS.match(char):
        return f"contains the control character U+{ord(char):04X}"
    return f"contains U+{ord(char):04X}, a character XML cannot hold (it would break schedule.xml)"


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
        found = _NOT_XML_CHARS.search(value)
        if found:
            raise ValueError(_character_problem(found.group()))
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
    return _NOT_XML_CHARS.search(value) is not None or any(
        c.isspace() or unicodedata.category(c) == "Cc" for c in value
    )


#: Most links: http(s) and a host of ASCII letters, digits, dots and dashes, without the
#: brackets of an IPv6 address anywhere; urlsplit has nothing to refuse in them.
_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][^\[\]]*)?")


#: A relative link that browsers read as one to another host: ``//host``, and, since
#: they read a backslash as a slash, ``/\\host``, ``\\\\host`` and ``\\/host``.
_OTHER_HOST = re.compile(r"[/\\]{2}")


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
    elif _OTHER_HOST.match(value):
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


# --------------------------------------------------------------------------- access


class AccessMode(StrEnum):
    """Who may see the protected parts (see miniconf/site/access.py)."""

    PUBLIC = "public"
    ATTENDEES = "attendees"


#: What ``access.protect`` may name, each with what it covers (said in error messages).
ACCESS_PARTS = {
    "streams": "the live stream link of each session",
    "videos": "recorded talks (media.video and links.video)",
    "slides": "slides (media.slides and links.slides)",
    "posters": "posters (media.poster and links.poster)",
    "chat": "chat room links, live previews, embedded rooms and the chat page",
}
#: Kinds of page ``access.pages`` may protect whole (all but the title).
ACCESS_PAGE_KINDS = ("paper", "session", "workshop", "speaker")


def _choice(allowed: dict[str, str] | tuple[str, ...], what: str):
    def check(value: str) -> str:
        if value not in allowed:
            if isinstance(allowed, dict):
                choices = "; ".join(f"{name}: {meaning}" for name, meaning in allowed.items())
            else:
                choices = ", ".join(allowed)
            raise ValueError(f"unknown {what} {value!r}; choose from {choices}")
        return value

    return AfterValidator(check)


class AccessConfig(Model):
    """``access:`` in config.yml: ``public`` (the default) or ``attendees``.

    With ``attendees``, every part named in ``protect`` (and every page of the kinds in
    ``pages``) is published encrypted; attendees unlock it in the browser with the
    conference passphrase or their personal code. Keys and codes never live here.
    """

    mode: AccessMode = AccessMode.PUBLIC
    #: Which parts of pages are for registered attendees only (default: all of them).
    protect: list[Annotated[str, _choice(ACCESS_PARTS, "part")]] = Field(
        default_factory=lambda: list(ACCESS_PARTS)
    )
    #: Kinds of page protected whole (everything below the title).
    pages: list[Annotated[str, _choice(ACCESS_PAGE_KINDS, "kind of page")]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _protects_something(self) -> AccessConfig:
        if self.mode is AccessMode.ATTENDEES and not self.protect and not self.pages:
            raise ValueError(
                "access: attendees protects nothing: list parts under protect "
                f"({', '.join(ACCESS_PARTS)}) or kinds of page under pages "
                f"({', '.join(ACCESS_PAGE_KINDS)}), or set access: public"
            )
        return self

    @property
    def protected(self) -> bool:
        return self.mode is AccessMode.ATTENDEES


def _access_shorthand(value: object) -> object:
    """``access: attendees`` is short for ``access: {mode: attendees}``."""
    if isinstance(value, str):
        if value not in tuple(AccessMode):
            raise ValueError(
                f"unknown access {value!r}; choose public (everything in the clear, the "
                "default) or attendees (protected parts need a passphrase or an access code)"
            )
        return {"mode": value}
    return value


#: A relative path as config.yml may name one (a logo, the theme's folder and files).
RELATIVE_PATH = r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$"


class Config(Model):
    name: Line
    tagline: Line | None = None
    start_date: date
    end_date: date
    timezone: str = "UTC"
    logo: str | None = Field(default=None, pattern=RELATIVE_PATH)
    base_url: Url | None = None
    repository: Repository | None = None
    intro: Markdown = ""
    tracks: list[Track] = Field(default_factory=list)
    nav: list[NavLink] = Field(default_factory=list)
    chat: ChatConfig = ChatConfig()
    # The organizer's theme (site/theme.py): a folder inside sitedata whose templates/
    # and static/ replace ours file by file; extra_* name files in its static/.
    theme_dir: str | None = Field(default=None, pattern=RELATIVE_PATH)
    extra_css: list[str] = Field(default_factory=list)
    extra_js: list[str] = Field(default_factory=list)
    #: The schedule grid's columns in this order; rooms not listed follow in natural order.
    rooms: list[Line] = Field(default_factory=list, max_length=200)
    access: Annotated[AccessConfig, BeforeValidator(_access_shorthand)] = AccessConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("logo", "theme_dir")
    @classmethod
    def _inside_sitedata(cls, value: str | None) -> str | None:
        if value is not None and ".." in value.split("/"):
            raise ValueError("must be a path inside sitedata/")
        return value

    @field_validator("extra_css", "extra_js")
    @classmethod
    def _static_paths(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(RELATIVE_PATH, value) or ".." in value.split("/"):
                raise ValueError(f"{value!r} must be a path inside the theme's static/ folder")
        return values

    @field_validator("start_date", "end_date")
    @classmethod
    def _sane_date(cls, value: date) -> date:
        _sane_year(value)
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
    #: Who the author is when a name is not enough (two "Wei Zhang"s): an ORCID iD or an
    #: OpenReview profile id. "Papers by this author" matches by it where there is one.
    orcid: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
    openreview: str | None = Field(default=None, pattern=r"^~[A-Za-z0-9_.\-]{1,100}$")
    #: The author's Matrix id (``@name:server``): provisioning invites it to the paper's
    #: room as a moderator, and the paper page marks the author once in the room.
    matrix: str | None = Field(
        default=None, max_length=255, pattern=r"^@[A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
    )

    @property
    def key(self) -> str | None:
        """ "orcid:<iD>" or "openreview:<id>" (ORCID first), or None: how links name them."""
        if self.orcid:
            return f"orcid:{self.orcid}"
        return f"openreview:{self.openreview}" if self.openreview else None


class PaperLinks(Model):
    pdf: Url | None = None
    code: Url | None = None
    video: Url | None = None
    slides: Url | None = None
    poster: Url | None = None
    project: Url | None = None


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
    #: What kind of paper: "Long", "Demo", "TACL", "Findings" (shown on its page).
    type: Line | None = None
    #: A workshop's paper: the workshop's id in workshops.yml.
    workshop: Id | None = None

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


#: Dates outside these years are mistakes (and years near 1 or 9999 overflow when an
#: offset moves them to UTC).
YEARS = range(1970, 3000)


def _sane_year(value: date) -> None:
    if value.year not in YEARS:
        raise ValueError(
            f"year {value.year} is outside {YEARS.start}-{YEARS.stop - 1}; check the date"
        )


def _aware(value: datetime, info: ValidationInfo) -> datetime:
    """Times without an offset are in the conference's time zone (passed as context)."""
    _sane_year(value)
    if value.tzinfo is None:
        zone = (info.context or {}).get("timezone", "UTC")
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


_CLOCK_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _clock_time(value: object) -> tuple[int, int] | None:
    """(hour, minute) of ``"14:05"``, or of 845, which is how YAML 1.1 reads 14:05."""
    if isinstance(value, str) and (match := _CLOCK_TIME.match(value.strip())):
        return int(match[1]), int(match[2])
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return divmod(value, 60)
    return None


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
    #: When each paper's talk starts (talk slots of an oral session), by paper id: an ISO
    #: time, or ``"HH:MM"`` on the session's own day. Checked by :meth:`talk_problems`.
    talk_starts: dict[Id, datetime] = Field(default_factory=dict)

    _start_aware = field_validator("start", "end")(_aware)

    @field_validator("talk_starts", mode="before")
    @classmethod
    def _clock_times_on_the_session_day(cls, value: object, info: ValidationInfo) -> object:
        """``"14:05"`` is that time on the session's day, in its zone; a time before the
        session's start is the next day's (a session across midnight). YAML reads an
        unquoted ``14:05`` as the number 845 (base 60): it is taken as that time too."""
        start = info.data.get("start")
        if not isinstance(value, dict) or not isinstance(start, datetime):
            return value
        resolved = {}
        for paper_id, when in value.items():
            clock = _clock_time(when)
            if clock is not None:
                moment = start.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0)
                when = moment + timedelta(days=1) if moment < start else moment
            resolved[paper_id] = when
        return resolved

    @field_validator("talk_starts")
    @classmethod
    def _talk_starts_aware(
        cls, value: dict[str, datetime], info: ValidationInfo
    ) -> dict[str, datetime]:
        return {paper_id: _aware(when, info) for paper_id, when in value.items()}

    @model_validator(mode="after")
    def _ends_after_start(self) -> Session:
        if self.end <= self.start:
            raise ValueError(f"ends ({self.end.isoformat()}) before it starts")
        return self

    def talk_slots(self) -> list[tuple[str, datetime | None, datetime | None]]:
        """(paper id, start, end) per paper in order; a talk ends when the next timed
        talk starts, the last one with the session; None for a paper without a start."""
        starts = [self.talk_starts.get(paper_id) for paper_id in self.papers]
        slots = []
        for index, paper_id in enumerate(self.papers):
            start = starts[index]
            end = next((s for s in starts[index + 1 :] if s is not None), self.end)
            slots.append((paper_id, start, end if start is not None else None))
        return slots

    def talk_problems(self) -> list[tuple[tuple[str, ...], str]]:
        """(location inside the session, message) for each talk start that is not a
        paper of the session, outside it, or not after the talk before it."""
        problems: list[tuple[tuple[str, ...], str]] = []
        previous: tuple[str, datetime] | None = None
        listed = set(self.papers)
        for paper_id in self.talk_starts:
            if paper_id not in listed:
                message = f"paper '{paper_id}' is not in this session's papers"
                problems.append(((paper_id,), message))
        for paper_id in self.papers:
            when = self.talk_starts.get(paper_id)
            if when is None:
                continue
            # Instants in UTC: wall clocks of one zone compare wrongly when clocks go back.
            instant = when.astimezone(UTC)
            if not self.start.astimezone(UTC) <= instant < self.end.astimezone(UTC):
                problems.append(
                    (
                        (paper_id,),
                        (
                            f"talk starts at {when.isoformat()}, outside the session "
                            f"({self.start.isoformat()} to {self.end.isoformat()})"
                        ),
                    )
                )
            elif previous is not None and instant <= previous[1].astimezone(UTC):
                problems.append(
                    (
                        (paper_id,),
                        (
                            f"talk starts at {when.isoformat()}, not after the talk before it "
                            f"('{previous[0]}' at {previous[1].isoformat()}): talks follow the "
                            "order of papers and must not overlap"
                        ),
                    )
                )
            previous = paper_id, when
        return problems


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
