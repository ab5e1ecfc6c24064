"""What every importer shares: reading foreign files, cleaning their text, and the tally.

An importer fills a :class:`Draft` (plain dicts shaped like our YAML) and records, per
kind of thing, how many the source held and why any did not come across; then
:mod:`miniconf.importers.writer` validates every record with our model and writes the
sitedata. Nothing here writes files.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..structure.yamlsource import YamlProblem, parse_yaml, read_text


class MiniConfImportError(Exception):
    """The import cannot start or finish; nothing was written to --out."""


# --------------------------------------------------------------------------- the tally

#: The kinds the summary counts, in the order it prints them.
KINDS = (
    "papers",
    "sessions",
    "session memberships",
    "speakers",
    "workshops",
    "videos",
    "chat rooms",
    "tracks",
    "FAQ entries",
    "committee members",
    "sponsors",
    "map positions",
)
#: Kinds whose loss makes the import fail unless --allow-loss is given.
LOSS_KINDS = ("papers", "session memberships")


@dataclass
class Tally:
    """One kind: how many the source held, how many came across, why the rest did not."""

    source: int = 0
    imported: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def lose(self, reason: str, count: int = 1) -> None:
        self.reasons[reason] += count


@dataclass
class ImportSummary:
    """What the source held, what arrived, and everything that did not come across."""

    out: Path
    layout: str = ""
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    kept: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Files of an earlier import that this one left alone (edited since).
    preserved: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: tally.imported for kind, tally in self.tallies.items()}

    def lost(self) -> list[str]:
        """The kinds (of LOSS_KINDS) of which fewer came across than the source held."""
        return [
            kind for kind in LOSS_KINDS if self.tallies[kind].imported < self.tallies[kind].source
        ]

    def lines(self) -> list[str]:
        out = [
            f"Layout: {self.layout}",
            f"Imported into {self.out}/:",
            f"  {'':<20} {'source':>7} {'imported':>9}",
        ]
        for kind, tally in self.tallies.items():
            if tally.source or tally.imported:
                out.append(f"  {kind:<20} {tally.source:>7} {tally.imported:>9}")
                for reason, count in sorted(tally.reasons.items()):
                    out.append(f"  {'':<20}   - {count} {reason}")
        if self.kept:
            out.append("Kept from extra columns and fields:")
            out += [f"  - {note}" for note in self.kept]
        if self.warnings:
            out.append("Changed on the way:")
            out += [f"  - {note}" for note in self.warnings]
        if self.preserved:
            out.append("Left as you edited them (the source did not change them):")
            out += [f"  - {name}" for name in self.preserved]
        if self.not_imported:
            out.append("Not imported:")
            out += [f"  - {note}" for note in self.not_imported]
        else:
            out.append("Everything was imported.")
        return out


@dataclass
class Draft:
    """The conference as an importer found it, as plain dicts in our YAML's shape.

    Keys starting with ``_`` are the importer's own notes (never written): ``_key`` on a
    session is the source's name for it, which memberships refer to; ``_room`` its
    existing chat room (recorded once the session's id is final).
    """

    source: Path
    summary: ImportSummary
    config: dict[str, Any] = field(default_factory=dict)
    papers: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    speakers: list[dict] = field(default_factory=list)
    workshops: list[dict] = field(default_factory=list)
    faq: list[dict] = field(default_factory=list)
    committee: list[dict] = field(default_factory=list)
    sponsors: list[dict] = field(default_factory=list)
    tracks: dict[str, str] = field(default_factory=dict)  # id -> name
    #: (paper id, source session key): which paper the source puts in which session.
    memberships: list[tuple[str, str]] = field(default_factory=list)
    positions: dict[str, list[float]] = field(default_factory=dict)
    similar: dict[str, list[str]] = field(default_factory=dict)
    #: Existing chat rooms: "paper/<id>" -> the room's name in its chat app.
    rooms: dict[str, str] = field(default_factory=dict)
    #: Files to copy into the new sitedata: target path (relative) -> source file.
    files: dict[str, Path] = field(default_factory=dict)
    logo_file: Path | None = None
    #: Sessions times without an offset are in this zone (set by the importer).
    timezone: str = "UTC"
    #: The old site's paper room names when they are not what the layout used by
    #: default (EEML: ``zzz_paper_{id}``), from ``--paper-room``.
    paper_room: str | None = None
    #: Where the old site was published (config.yml's site_url), for its relative links.
    old_site: str | None = None
    #: How relative links fared (see links.py), and the dropped ones.
    link_outcomes: Counter[str] = field(default_factory=Counter)
    #: Changes made to many records alike, counted rather than listed one by one.
    changes: Counter[str] = field(default_factory=Counter)
    dropped_links: list[str] = field(default_factory=list)
    #: Readers' working notes: chat URLs seen, each (paper, session key)'s position in
    #: its session.
    channel_urls: list[str] = field(default_factory=list)
    paper_positions: dict[tuple[str, str], float] = field(default_factory=dict)
    #: Source ids that could not be file names -> the ids they were given.
    renamed: dict[str, str] = field(default_factory=dict)
    #: conference.json: descriptions of events, from the records that stand for them.
    event_descriptions: dict[str, str] = field(default_factory=dict)

    def tally(self, kind: str) -> Tally:
        return self.summary.tallies[kind]

    def skip(self, where: str, message: str) -> None:
        self.summary.not_imported.append(f"{where}: {message}")

    def warn(self, where: str, message: str) -> None:
        self.summary.warnings.append(f"{where}: {message}")

    def track(self, name: str) -> str:
        track_id = slugify(name)
        self.tracks.setdefault(track_id, plain_line(name))
        return track_id


# --------------------------------------------------------------------------- reading


@dataclass
class Row:
    """One CSV record with the line it starts on (for file:line messages).

    ``values`` is keyed by the header in lower case with runs of spaces and dashes as
    ``_`` ("Paper Title" -> ``paper_title``), so real sites' ``UID``/``uid`` and
    ``Abstract``/``abstract`` read the same.
    """

    line: int
    values: dict[str, str]

    def get(self, *names: str) -> str:
        """The first non-empty value among the columns ``names`` (stripped), else ''."""
        for name in names:
            value = self.values.get(name, "")
            if value and value.strip():
                return value.strip()
        return ""


def column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_table(file: Path) -> tuple[list[str], list[Row]]:
    """A CSV file's (normalized header, rows); a clear file:line error when it is broken."""
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MiniConfImportError(f"{file}:{line}: not valid UTF-8 (byte {exc.start})") from None
    # Cells keep their line breaks; Windows and old-Mac endings become plain newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    try:
        header = [column_key(name) for name in next(reader, [])]
        while True:
            line = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            if not any(cell.strip() for cell in record):
                continue
            values: dict[str, str] = {}
            for index, name in enumerate(header):
                if name and name not in values:  # a repeated column: the first one counts
                    values[name] = record[index] if index < len(record) else ""
            rows.append(Row(line, values))
    except csv.Error as exc:
        raise MiniConfImportError(f"{file}:{reader.line_num}: {exc}") from None
    return header, rows


def read_yaml(file: Path) -> Any:
    try:
        return parse_yaml(read_text(file))
    except YamlProblem as exc:
        raise MiniConfImportError(f"{file}:{exc.line}: {exc.message}") from None


def read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MiniConfImportError(f"{file}: not valid JSON ({exc})") from None


# --------------------------------------------------------------------------- text


_TAG_RE = re.compile(r"<[^>]*>")
#: What our model refuses in text: C0 and C1 controls but tab and newline, and what XML
#: cannot hold (surrogates, U+FFFE, U+FFFF).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def slugify(text: str) -> str:
    """A stable, valid id from a name: ASCII lower case, runs of other characters as '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
    return slug or "item"


def split_list(cell: str | None, separators: str = "|") -> list[str]:
    """Mini-Conf's ``a|b|c`` cells as a list, blanks dropped."""
    return [
        part.strip() for part in re.split(f"[{re.escape(separators)}]", cell or "") if part.strip()
    ]


def plain_line(text: str) -> str:
    """One line of text from Mini-Conf's HTML-ish fields (``A <br> B`` → ``A · B``)."""
    text = re.sub(r"<br\s*/?>", " · ", str(text), flags=re.IGNORECASE)
    text = text.replace("&ndash;", "–").replace("&amp;", "&").replace("&nbsp;", " ")
    return " ".join(_TAG_RE.sub("", text).split()).strip(" ·")


def strip_controls(value: Any, where: str, draft: Draft) -> Any:
    """Remove control characters from every string in ``value`` (with one warning each
    record), since our model refuses them and a stray one would drop a whole paper."""
    found: list[str] = []

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            if CONTROL_CHARS.search(item):
                found.extend(f"U+{ord(c):04X}" for c in CONTROL_CHARS.findall(item))
                return CONTROL_CHARS.sub("", item)
            return item
        if isinstance(item, list):
            return [clean(part) for part in item]
        if isinstance(item, dict):
            return {key: clean(part) for key, part in item.items()}
        return item

    cleaned = clean(value)
    if found:
        draft.warn(where, f"removed control character(s) {', '.join(sorted(set(found)))}")
    return cleaned


_AFFILIATION = re.compile(r"^(?P<name>.*?)\s*\((?P<affiliation>[^()]*)\)\s*$")


def _author(text: str) -> dict | None:
    """``Name (Affiliation)*`` → {name, affiliation}; ``*`` (the contact author) dropped."""
    text = text.strip().strip("*").strip()
    match = _AFFILIATION.match(text)
    author: dict[str, str] = {}
    if match and match.group("name"):
        author["name"] = match.group("name").strip().strip("*").strip()
        if match.group("affiliation").strip():
            author["affiliation"] = match.group("affiliation").strip()
    else:
        author["name"] = text
    return author if author["name"] else None


def _swap_last_first(text: str) -> str:
    """``Last, First*`` → ``First Last``."""
    last, _, first = text.strip().strip("*").partition(",")
    last, first = last.strip().strip("*").strip(), first.strip().strip("*").strip()
    return f"{first} {last}" if first else last


def split_authors(cell: str) -> list[dict]:
    """Authors from the forms real sites use, each {name[, affiliation]}.

    ``A|B|C`` (Mini-Conf), ``A; B`` and ``Last, First; Last, First`` (START, ISMIR),
    ``A, B and C`` (ACL workshops), ``Name (Affiliation)`` (both with ``;`` or ``|``).
    ``Last, First`` alone is told from ``A, B`` by its parts being single words.
    """
    text = " ".join(cell.split())
    if not text:
        return []
    if "|" in text:
        parts = text.split("|")
    elif ";" in text:
        parts = [
            _swap_last_first(part) if part.count(",") == 1 and "(" not in part else part
            for part in text.split(";")
        ]
    else:
        pieces = [piece.strip() for piece in re.split(r",|\band\b|&", text) if piece.strip()]
        single_words = all(" " not in piece.strip("* ") for piece in pieces)
        if len(pieces) == 2 and single_words and "," in text:
            parts = [_swap_last_first(text)]
        else:
            parts = pieces
    return [author for part in parts if (author := _author(part))]


# --------------------------------------------------------------------------- times

#: Zone abbreviations met in real Mini-Conf data, and the IANA zone each stands for.
ZONE_ABBREVIATIONS = {
    "AEDT": "Australia/Sydney",
    "AEST": "Australia/Sydney",
    "ACDT": "Australia/Adelaide",
    "AWST": "Australia/Perth",
    "NZDT": "Pacific/Auckland",
    "NZST": "Pacific/Auckland",
    "EDT": "America/New_York",
    "EST": "America/New_York",
    "CDT": "America/Chicago",
    "CST": "America/Chicago",
    "MDT": "America/Denver",
    "PDT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "BST": "Europe/London",
    "CEST": "Europe/Berlin",
    "CET": "Europe/Berlin",
    "EEST": "Europe/Athens",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "UTC": "UTC",
    "GMT": "UTC",
}
#: Zones tried, in order, for times that carry only an offset.
LIKELY_ZONES = (
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Denver",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Australia/Brisbane",
    "Australia/Perth",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "Asia/Singapore",
    "Asia/Dubai",
)


def parse_time(value: Any, zone: str = "UTC") -> datetime | None:
    """A time as real sites write it: ISO 8601 (``Z`` or an offset, or none: then
    ``zone``), ``2020-07-06_05:00:00`` (ACL), with a trailing zone abbreviation."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        abbreviation = re.search(r"\s*\b([A-Z]{2,5})$", text)
        if abbreviation and abbreviation.group(1) in ZONE_ABBREVIATIONS:
            zone = ZONE_ABBREVIATIONS[abbreviation.group(1)]
            text = text[: abbreviation.start()].strip()
        text = text.replace("_", "T", 1) if re.match(r"\d{4}-\d\d-\d\d_", text) else text
        text = text[:-1] + "+00:00" if text.endswith("Z") else text
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def guess_zone(times: list[datetime]) -> str | None:
    """The first likely IANA zone whose offset matches every time's own offset, or a
    fixed ``Etc/GMT±N`` zone; None without times. Offsets are what Mini-Conf keeps."""
    if not times:
        return None
    for name in LIKELY_ZONES:
        zone = ZoneInfo(name)
        if all(t.astimezone(zone).utcoffset() == t.utcoffset() for t in times):
            return name
    offset = times[0].utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours.is_integer() and all(t.utcoffset() == offset for t in times):
        return "UTC" if hours == 0 else f"Etc/GMT{-int(hours):+d}"
    return None


def in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# --------------------------------------------------------------------------- videos

_DIGITS = re.compile(r"^\d{1,12}$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def video_of(value: str) -> dict | str | None:
    """Our ``media.video`` from what sites keep: a SlidesLive id (``38929437``), a
    YouTube id, or a provider URL (``slideslive.com/38931368`` gains its https://)."""
    text = str(value or "").strip()
    if not text or text in ("0", "-", "None", "null", "nan"):
        return None
    text = text.split()[0]  # a cell with several videos: the first
    if _DIGITS.match(text):
        return {"provider": "slideslive", "id": text}
    if _YOUTUBE_ID.match(text) and not text.isalpha():
        return {"provider": "youtube", "id": text}
    if re.match(r"^(www\.)?(slideslive\.com|youtube\.com|youtu\.be|vimeo\.com)/", text):
        text = "https://" + text
    return text


# --------------------------------------------------------------------------- links


def is_relative(url: str) -> bool:
    return bool(url) and not re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.IGNORECASE)


_MARKDOWN_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*([^)\s]+)(\s+\"[^\"]*\")?\s*\)")
_HTML_LINK = re.compile(
    r"""<a\s[^>]*href=['"]([^'"]+)['"][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL
)


def fix_markdown_links(text: str, old_site: str | None) -> tuple[str, int]:
    """Links into the old site in Markdown (``[Schedule](/schedule.html)``): absolute
    links to the old site where its address is known, else plain text. Returns the text
    and how many links were changed. HTML ``<a href>`` (not rendered) becomes Markdown."""
    changed = 0

    def html(match: re.Match) -> str:
        return f"[{plain_line(match.group(2))}]({match.group(1)})"

    text = _HTML_LINK.sub(html, text)

    def replace(match: re.Match) -> str:
        nonlocal changed
        bang, label, url, title = match.groups()
        if not is_relative(url) or url.startswith("#"):
            return match.group(0)
        changed += 1
        if old_site:
            return f"{bang}[{label}]({old_site.rstrip('/')}/{url.lstrip('./').lstrip('/')})"
        return label

    return _MARKDOWN_LINK.sub(replace, text), changed
