"""Import a Mini-Conf ``sitedata/`` folder (https://github.com/Mini-Conf/Mini-Conf).

Mini-Conf keeps a conference in CSV, YAML and JSON files:

    papers.csv            UID,title,authors,abstract,keywords,sessions (+ columns forks added)
    speakers.csv          UID,image,title,institution,speaker,abstract,bio,session
    workshops.csv         UID,title,authors,abstract
    highlighted.csv       UID,session
    config.yml            name, tagline, chat_server, logo, ... (free-form)
    faq.yml               FAQ: [{Section, QA: [{Question, Answer}]}]
    committee.yml         committee: [{role, name, aff, im, tw}]
    main_calendar.json    [{title, start, end, link, calendarId, ...}]
    papers_projection.json [{id, pos: [x, y]}]

Lists inside CSV cells are ``|``-separated. Papers name their sessions ("Mon Session 1")
and calendar events link to them (``papers.html?session=Mon+Session+1``); the two are
joined into our sessions, whose ids are derived from the names so that importing the
same data twice gives the same ids. Every record is validated with our model before it
is written: a record that does not fit is reported with its file and line and left out,
so the written sitedata always validates.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from pydantic import BaseModel, ValidationError

from ..structure.models import (
    SLUG_RE,
    CommitteeMember,
    Config,
    FaqEntry,
    Paper,
    Session,
    Speaker,
    Workshop,
)
from ..structure.yamlsource import YamlProblem, parse_yaml, read_text

#: Columns of papers.csv that forks of Mini-Conf added, and where they go in our model.
PAPER_LINK_COLUMNS = {
    "pdf_url": "pdf", "pdf": "pdf", "paper_url": "pdf",
    "code": "code", "code_url": "code", "code_link": "code",
    "video": "video", "video_url": "video", "recs": "video",
    "slides": "slides", "slides_url": "slides",
    "poster": "poster", "poster_url": "poster", "poster_pdf": "poster",
    "project": "project", "project_url": "project", "url": "project",
}
PAPER_COLUMNS = {"UID", "title", "authors", "abstract", "keywords", "sessions", "track",
                 "tldr", "TLDR"} | set(PAPER_LINK_COLUMNS)
SPEAKER_COLUMNS = {"UID", "image", "title", "institution", "speaker", "abstract", "bio",
                   "homepage", "website"}
WORKSHOP_COLUMNS = {"UID", "title", "authors", "abstract", "url", "link", "website"}
#: The Mini-Conf files this importer reads; any other file in the folder is reported.
KNOWN_FILES = {"papers.csv", "speakers.csv", "workshops.csv", "highlighted.csv", "config.yml",
               "faq.yml", "committee.yml", "main_calendar.json", "papers_projection.json"}
#: config.yml keys that we map (all others are reported).
CONFIG_KEYS = {"name", "tagline", "chat_server", "logo"}

_TAG_RE = re.compile(r"<[^>]*>")
_SPEAKER_LINK_RE = re.compile(r"(?:^|/)speaker_([A-Za-z0-9_-]+)\.html$")


class MiniConfImportError(Exception):
    """The import cannot start or finish; nothing was written to --out."""


@dataclass
class ImportSummary:
    """What arrived, what was kept from extra columns, and what did not come over."""

    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Imported into {self.out}/:"]
        out += [f"  {count:>5} {what}" for what, count in self.counts.items()]
        if self.kept:
            out.append("Kept from extra columns and fields:")
            out += [f"  - {note}" for note in self.kept]
        if self.not_imported:
            out.append("Not imported:")
            out += [f"  - {note}" for note in self.not_imported]
        else:
            out.append("Everything was imported.")
        return out


def slugify(text: str) -> str:
    """A stable, valid id from a name: ASCII lower case, runs of other characters as '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
    return slug or "item"


def split_list(cell: str | None) -> list[str]:
    """Mini-Conf's ``a|b|c`` cells as a list, blanks dropped."""
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _plain_line(text: str) -> str:
    """One line of text from Mini-Conf's HTML-ish fields (``A <br> B`` → ``A · B``)."""
    text = re.sub(r"<br\s*/?>", " · ", text, flags=re.IGNORECASE)
    return " ".join(_TAG_RE.sub("", text).split()).strip(" ·")


# --------------------------------------------------------------------------- reading


@dataclass
class _Row:
    """One CSV record with the line it starts on (for file:line messages)."""

    line: int
    values: dict[str, str]


def _read_csv(file: Path) -> tuple[list[str], list[_Row]]:
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MiniConfImportError(f"{file}:{line}: not valid UTF-8 (byte {exc.start})") from None
    # Cells keep their line breaks; Windows and old-Mac endings become plain newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[_Row] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        while True:
            line = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            if not any(cell.strip() for cell in record):
                continue
            values = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
            rows.append(_Row(line, values))
    except csv.Error as exc:
        raise MiniConfImportError(f"{file}:{reader.line_num}: {exc}") from None
    return header, rows


def _read_yaml(file: Path) -> Any:
    try:
        return parse_yaml(read_text(file))
    except YamlProblem as exc:
        raise MiniConfImportError(f"{file}:{exc.line}: {exc.message}") from None


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MiniConfImportError(f"{file}: not valid JSON ({exc})") from None


def _describe(error: dict) -> str:
    where = ".".join(map(str, error["loc"])) or "record"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _drop(data: Any, loc: tuple) -> None:
    """Remove the value at ``loc`` (a field or a list item), and its parent if it empties.

    Validators of a whole model report a location past our data (the model's own name);
    the walk stops at the deepest part that exists."""
    parents = []
    node = data
    for step in loc[:-1]:
        if isinstance(node, dict) and step in node or isinstance(node, list) and (
                isinstance(step, int) and step < len(node)):
            parents.append((node, step))
            node = node[step]
        else:
            break
    last = loc[len(parents)] if len(parents) < len(loc) else None
    if isinstance(node, dict) and last in node or isinstance(node, list) and (
            isinstance(last, int) and last < len(node)):
        del node[last]
    while parents and not node:
        node, step = parents.pop()
        del node[step]


# --------------------------------------------------------------------------- the import


class _Importer:
    def __init__(self, source: Path, out: Path):
        self.source = source
        self.summary = ImportSummary(out)
        self.papers: list[dict] = []
        self.paper_sessions: dict[str, list[str]] = {}  # session name -> paper ids
        self.speakers: list[dict] = []
        self.workshops: list[dict] = []
        self.sessions: list[dict] = []
        self.faq: list[dict] = []
        self.committee: list[dict] = []
        self.tracks: dict[str, str] = {}  # id -> name
        self.positions: dict[str, list[float]] = {}
        self.logo_file: Path | None = None
        self.config: dict[str, Any] = {}

    # ---- helpers

    def skip(self, where: str, message: str) -> None:
        self.summary.not_imported.append(f"{where}: {message}")

    def check(self, model: type[BaseModel], data: dict, where: str, context=None) -> bool:
        """Validate one record with our model; report and refuse it when it does not fit.

        A problem in an optional field (a ``javascript:`` link, an over-long abstract)
        drops just that field, so the record still arrives; the summary names the field.
        """
        for _attempt in range(5):
            try:
                model.model_validate(data, context=context)
                return True
            except ValidationError as exc:
                errors = exc.errors()
            required = {name for name, info in model.model_fields.items() if info.is_required()}
            if any(not error["loc"] or error["loc"][0] in required for error in errors):
                problems = "; ".join(_describe(error) for error in errors[:3])
                self.skip(where, f"left out ({problems})")
                return False
            for error in sorted(errors, key=lambda error: error["loc"], reverse=True):
                _drop(data, error["loc"])
                self.skip(where, f"{_describe(error)}; that field was dropped")
        return False

    def extra_columns(self, file: str, header: list[str], rows: list[_Row], known: set[str]):
        for column in header:
            if column and column not in known:
                used = sum(bool(row.values.get(column, "").strip()) for row in rows)
                self.skip(f"{file} column '{column}'",
                          f"no place for it in our model ({used} non-empty values)")

    # ---- files

    def read_papers(self) -> None:
        file = self.source / "papers.csv"
        if not file.is_file():
            self.skip("papers.csv", "not found; no papers imported")
            return
        header, rows = _read_csv(file)
        self.extra_columns("papers.csv", header, rows, PAPER_COLUMNS)
        seen: set[str] = set()
        for row in rows:
            v = row.values
            uid = v.get("UID", "").strip()
            where = f"papers.csv:{row.line}"
            if not SLUG_RE.fullmatch(uid):
                self.skip(where, f"paper id {uid!r} is not a valid id "
                          "(letters, digits, '-' and '_'); paper left out")
                continue
            if uid.lower() in seen:
                self.skip(where, f"duplicate paper id '{uid}'; paper left out")
                continue
            paper: dict[str, Any] = {
                "id": uid,
                "title": v.get("title", ""),
                "authors": [{"name": name} for name in split_list(v.get("authors"))],
            }
            if v.get("abstract", "").strip():
                paper["abstract"] = v["abstract"].strip()
            tldr = (v.get("tldr") or v.get("TLDR") or "").strip()
            if tldr:
                paper["tldr"] = tldr
            if keywords := split_list(v.get("keywords")):
                paper["keywords"] = keywords
            if track := v.get("track", "").strip():
                track_id = slugify(track)
                self.tracks.setdefault(track_id, track)
                paper["track"] = track_id
            links = {}
            for column, key in PAPER_LINK_COLUMNS.items():
                if v.get(column, "").strip() and key not in links:
                    links[key] = v[column].strip()
            if links:
                paper["links"] = links
            if not self.check(Paper, paper, f"{where} (paper {uid})"):
                continue
            seen.add(uid.lower())
            self.papers.append(paper)
            for name in split_list(v.get("sessions")):
                self.paper_sessions.setdefault(name, []).append(uid)
        for column in sorted(set(header) & (PAPER_COLUMNS - {"UID", "title", "authors"})):
            if column in PAPER_LINK_COLUMNS or column in ("track", "tldr", "TLDR"):
                target = ("links." + PAPER_LINK_COLUMNS[column]
                          if column in PAPER_LINK_COLUMNS else column.lower())
                self.summary.kept.append(f"papers.csv column '{column}' → papers/<id>.yml {target}")

    def read_speakers(self) -> None:
        file = self.source / "speakers.csv"
        if not file.is_file():
            return
        header, rows = _read_csv(file)
        self.extra_columns("speakers.csv", header, rows, SPEAKER_COLUMNS | {"session"})
        if "session" in header:
            self.skip("speakers.csv column 'session'",
                      "speakers' sessions come from main_calendar.json (Live Q&A links) instead")
        seen: set[str] = set()
        for row in rows:
            v = row.values
            uid = v.get("UID", "").strip()
            where = f"speakers.csv:{row.line}"
            speaker_id = self.unique_id(uid, v.get("speaker", uid), seen, where, "speaker")
            if speaker_id is None:
                continue
            speaker: dict[str, Any] = {"id": speaker_id, "name": v.get("speaker", "")}
            for column, key in (("institution", "affiliation"), ("title", "talk_title"),
                                ("abstract", "abstract"), ("bio", "bio"), ("image", "photo"),
                                ("homepage", "homepage"), ("website", "homepage")):
                if v.get(column, "").strip() and key not in speaker:
                    speaker[key] = v[column].strip()
            if self.check(Speaker, speaker, f"{where} (speaker {uid})"):
                seen.add(speaker_id.lower())
                speaker["_uid"] = uid
                self.speakers.append(speaker)

    def unique_id(
        self, uid: str, name: str, seen: set[str], where: str, kind: str
    ) -> str | None:
        """A record's id: its UID where that is a valid id, else a slug of its name.
        None (and reported) when an earlier record took the same id, ignoring case."""
        record_id = uid if SLUG_RE.fullmatch(uid) else slugify(name)
        if record_id.lower() in seen:
            self.skip(where, f"duplicate {kind} id '{record_id}'; {kind} left out")
            return None
        return record_id

    def read_workshops(self) -> None:
        file = self.source / "workshops.csv"
        if not file.is_file():
            return
        header, rows = _read_csv(file)
        self.extra_columns("workshops.csv", header, rows, WORKSHOP_COLUMNS)
        seen: set[str] = set()
        for row in rows:
            v = row.values
            uid = v.get("UID", "").strip()
            where = f"workshops.csv:{row.line}"
            workshop_id = self.unique_id(uid, v.get("title", uid), seen, where, "workshop")
            if workshop_id is None:
                continue
            workshop: dict[str, Any] = {"id": workshop_id, "title": v.get("title", "")}
            if organizers := split_list(v.get("authors")):
                workshop["organizers"] = organizers
            if v.get("abstract", "").strip():
                workshop["abstract"] = v["abstract"].strip()
            url = (v.get("url") or v.get("link") or v.get("website") or "").strip()
            if url:
                workshop["url"] = url
            if self.check(Workshop, workshop, f"{where} (workshop {uid})"):
                seen.add(workshop_id.lower())
                self.workshops.append(workshop)

    def read_highlighted(self) -> None:
        file = self.source / "highlighted.csv"
        if file.is_file():
            _, rows = _read_csv(file)
            self.skip("highlighted.csv",
                      f"{len(rows)} highlighted papers: our model has no highlights")

    def read_faq(self) -> None:
        file = self.source / "faq.yml"
        if not file.is_file():
            return
        data = _read_yaml(file)
        sections = data.get("FAQ", data.get("faq", [])) if isinstance(data, dict) else None
        if not isinstance(sections, list):
            self.skip("faq.yml", "expected 'FAQ:' with a list of sections; FAQ not imported")
            return
        for section in sections:
            if not isinstance(section, dict):
                continue
            name = str(section.get("Section") or section.get("section") or "General")
            for entry in section.get("QA") or section.get("qa") or []:
                if not isinstance(entry, dict):
                    continue
                faq = {"question": str(entry.get("Question", entry.get("question", ""))),
                       "answer": str(entry.get("Answer", entry.get("answer", ""))),
                       "section": name}
                line = getattr(entry, "line", 1)
                if self.check(FaqEntry, faq, f"faq.yml:{line}"):
                    self.faq.append(faq)

    def read_committee(self) -> None:
        file = self.source / "committee.yml"
        if not file.is_file():
            return
        data = _read_yaml(file)
        members = data.get("committee", []) if isinstance(data, dict) else data
        if not isinstance(members, list):
            self.skip("committee.yml", "expected 'committee:' with a list; not imported")
            return
        dropped: Counter[str] = Counter()
        for entry in members:
            if not isinstance(entry, dict):
                continue
            member = {"name": str(entry.get("name", ""))}
            for key, ours in (("role", "role"), ("aff", "affiliation"),
                              ("affiliation", "affiliation"), ("im", "photo"), ("photo", "photo")):
                if entry.get(key) and ours not in member:
                    member[ours] = str(entry[key])
            dropped.update(key for key in entry if key not in
                           {"name", "role", "aff", "affiliation", "im", "photo"})
            if self.check(CommitteeMember, member, f"committee.yml:{getattr(entry, 'line', 1)}"):
                self.committee.append(member)
        for key, count in sorted(dropped.items()):
            self.skip(f"committee.yml field '{key}'", f"no place for it ({count} members)")

    def read_calendar(self) -> None:
        file = self.source / "main_calendar.json"
        named = self.paper_sessions
        linked: set[str] = set()  # session names some event links to (maybe several times)
        events = _read_json(file) if file.is_file() else []
        if not isinstance(events, list):
            raise MiniConfImportError(f"{file}: expected a list of events")
        speaker_by_uid = {s["_uid"]: s["id"] for s in self.speakers}
        taken: set[str] = set()
        # The next number to try after each stamped id: ids are only ever added, so the
        # numbers before it stay taken (counting from 2 each time was quadratic: 5,000
        # events of one name at one time took minutes).
        next_number: dict[str, int] = {}

        def unique(base: str, start: datetime) -> str:
            candidate = base
            if candidate in taken:
                stamped = candidate = f"{base}-{start:%Y%m%d-%H%M}"
                number = next_number.get(stamped, 2)
                while candidate in taken:
                    candidate, number = f"{stamped}-{number}", number + 1
                next_number[stamped] = number
            taken.add(candidate)
            return candidate

        dropped_links = 0
        parsed = []
        for index, event in enumerate(events):
            where = f"main_calendar.json event {index + 1}"
            if not isinstance(event, dict):
                self.skip(where, "not an object; left out")
                continue
            try:
                start = datetime.fromisoformat(str(event["start"]))
                end = datetime.fromisoformat(str(event["end"]))
            except (KeyError, ValueError):
                self.skip(where, "no valid start and end time; left out")
                continue
            start = start if start.tzinfo else start.replace(tzinfo=UTC)
            end = end if end.tzinfo else end.replace(tzinfo=UTC)
            parsed.append((start, str(event.get("title", "")), index, event, end))
        for start, title, index, event, end in sorted(parsed, key=lambda item: item[:3]):
            where = f"main_calendar.json event {index + 1} ({title!r})"
            link = str(event.get("link") or event.get("location") or "").strip()
            query = parse_qs(urlsplit(link).query)
            session_name = next(iter(query.get("session", [])), None)
            speaker_match = _SPEAKER_LINK_RE.search(urlsplit(link).path)
            session: dict[str, Any] = {"id": "", "title": _plain_line(title) or "Event",
                                       "start": start, "end": end}
            lowered = f"{title} {event.get('calendarId', '')}".lower()
            if session_name is not None:
                base = slugify(session_name)
                session["type"] = "poster"
                linked.add(session_name)
                if papers := named.get(session_name):
                    session["papers"] = list(papers)
            elif speaker_match and speaker_match.group(1) in speaker_by_uid:
                base = slugify(title)
                session["type"] = "keynote"
                session["speakers"] = [speaker_by_uid[speaker_match.group(1)]]
            else:
                base = slugify(title)
                session["type"] = next(
                    (kind for word, kind in (("poster", "poster"), ("workshop", "workshop"),
                                             ("tutorial", "tutorial"), ("keynote", "keynote"),
                                             ("talk", "keynote"), ("oral", "oral"),
                                             ("break", "break")) if word in lowered),
                    "social",
                )
                if link.startswith(("http://", "https://")):
                    session["description"] = f"Link: <{link}>"
                elif link:
                    dropped_links += 1
            session["id"] = unique(base, start)
            if self.check(Session, session, where):
                self.sessions.append(session)
        if dropped_links:
            self.skip("main_calendar.json links",
                      f"{dropped_links} relative links into the old site were dropped")
        for name, ids in named.items():
            if name in linked:
                continue
            self.skip(f"papers.csv session '{name}'",
                      f"no event in main_calendar.json links to it (papers.html?session=...), "
                      f"so it has no time; {len(ids)} paper(s) keep no session")

    def read_projection(self) -> None:
        file = self.source / "papers_projection.json"
        if not file.is_file():
            return
        data = _read_json(file)
        known = {paper["id"] for paper in self.papers}
        points = {}
        for entry in data if isinstance(data, list) else []:
            try:
                paper_id, (x, y) = str(entry["id"]), entry["pos"]
                points[paper_id] = (float(x), float(y))
            except (KeyError, TypeError, ValueError):
                continue
        unknown = len(set(points) - known)
        points = {key: value for key, value in points.items() if key in known}
        if not points:
            self.skip("papers_projection.json", "no positions for imported papers")
            return
        xs, ys = [x for x, _ in points.values()], [y for _, y in points.values()]

        def scale(value: float, low: float, high: float) -> float:
            return round((value - low) / (high - low), 6) if high > low else 0.5

        self.positions = {
            key: [scale(x, min(xs), max(xs)), scale(y, min(ys), max(ys))]
            for key, (x, y) in sorted(points.items())
        }
        self.summary.kept.append(
            f"papers_projection.json → pipeline/map.json ({len(self.positions)} positions, "
            "scaled to [0, 1])"
        )
        if unknown:
            self.skip("papers_projection.json", f"{unknown} positions of papers not imported")

    def read_config(self) -> None:
        file = self.source / "config.yml"
        data = _read_yaml(file) if file.is_file() else {}
        if not isinstance(data, dict):
            data = {}
        name = _plain_line(str(data.get("name") or "")) or self.source.resolve().parent.name
        self.config["name"] = name
        tagline = _plain_line(str(data.get("tagline") or ""))
        if tagline:
            self.config["tagline"] = tagline
        days = sorted({s["start"].date() for s in self.sessions} | {s["end"].date()
                                                                      for s in self.sessions})
        if days:
            self.config["start_date"], self.config["end_date"] = days[0], days[-1]
        else:
            self.config["start_date"] = self.config["end_date"] = date.today()
            self.skip("config.yml dates", "no calendar events; start_date and end_date are "
                      "set to today: edit config.yml")
        self.config["timezone"] = "UTC"
        if self.tracks:
            self.config["tracks"] = [{"id": key, "name": value}
                                     for key, value in sorted(self.tracks.items())]
        chat = str(data.get("chat_server") or "").strip()
        if chat:
            server = chat if "://" in chat else f"https://{chat}"
            self.config["chat"] = {"provider": "rocketchat", "server": server}
            self.summary.kept.append(f"config.yml chat_server → chat (Rocket.Chat at {server})")
        logo = data.get("logo")
        image = logo.get("image") if isinstance(logo, dict) else logo
        if image:
            # Mini-Conf paths are relative to its repository (sitedata/'s parent); the file
            # is published, so it must really be inside that repository.
            repository = self.source.resolve().parent
            candidates = [self.source / str(image), self.source.parent / str(image).lstrip("/")]
            found = next((c for c in candidates if c.is_file() and not c.is_symlink()
                          and c.resolve().is_relative_to(repository)), None)
            if found and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", found.name):
                self.logo_file = found
                self.config["logo"] = found.name
            else:
                self.skip("config.yml logo", f"{image} not found beside the data; no logo")
        for key in data:
            if key not in CONFIG_KEYS:
                self.skip(f"config.yml '{key}'", "no place for it in our config.yml")
        if not self.check(Config, self.config, "config.yml"):
            raise MiniConfImportError("config.yml could not be mapped; nothing was written")


def import_miniconf(source: Path, out: Path) -> ImportSummary:
    """Convert the Mini-Conf data in ``source`` into new sitedata at ``out``.

    ``out`` must not exist or be an empty folder; the files are written to a temporary
    folder beside it first, so a failed import leaves nothing behind.
    """
    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise MiniConfImportError(f"{source} is not a folder")
    if not any((source / name).is_file() for name in ("papers.csv", "config.yml")):
        raise MiniConfImportError(f"{source} has neither papers.csv nor config.yml; "
                                  "is it a Mini-Conf sitedata/ folder?")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise MiniConfImportError(f"{out} already exists and is not empty; "
                                  "choose a new --out folder (nothing was changed)")
    importer = _Importer(source, out)
    for other in sorted(source.iterdir()):
        if other.name not in KNOWN_FILES and not other.name.startswith("."):
            importer.skip(other.name, "not read: the importer knows no such Mini-Conf file")
    importer.read_papers()
    importer.read_speakers()
    importer.read_workshops()
    importer.read_highlighted()
    importer.read_faq()
    importer.read_committee()
    importer.read_calendar()
    importer.read_projection()
    importer.read_config()
    _write(importer, out)
    counts = importer.summary.counts
    counts["papers"] = len(importer.papers)
    counts["speakers"] = len(importer.speakers)
    counts["workshops"] = len(importer.workshops)
    counts["sessions"] = len(importer.sessions)
    counts["FAQ entries"] = len(importer.faq)
    counts["committee members"] = len(importer.committee)
    counts["tracks"] = len(importer.tracks)
    counts["map positions"] = len(importer.positions)
    return importer.summary


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line text as ``|`` blocks, keys in the order we give them."""


class _FastDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The same with libyaml's emitter (the Python one takes 6 s for 687 papers), which
    however writes characters beyond U+FFFF (emoji, math letters) as \\U escapes."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_FastDumper.add_representer(str, _represent_str)
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _dump(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    dumper = _Dumper if _ASTRAL.search(text) else _FastDumper
    return yaml.dump(value, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def _write(importer: _Importer, out: Path) -> None:
    staging = out.parent / f".{out.name}.import-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "papers").mkdir(parents=True)
    try:
        (staging / "config.yml").write_text(_dump(importer.config), encoding="utf-8")
        for paper in importer.papers:
            (staging / "papers" / f"{paper['id']}.yml").write_text(_dump(paper), encoding="utf-8")
        speakers = [{k: v for k, v in s.items() if k != "_uid"} for s in importer.speakers]
        for name, items in (("speakers.yml", speakers), ("workshops.yml", importer.workshops),
                            ("sessions.yml", importer.sessions), ("faq.yml", importer.faq),
                            ("committee.yml", importer.committee)):
            if items:
                (staging / name).write_text(_dump(items), encoding="utf-8")
        if importer.positions:
            (staging / "pipeline").mkdir()
            document = {"model": "mini-conf import", "inputs": "", "method": "imported",
                        "positions": importer.positions}
            (staging / "pipeline" / "map.json").write_text(
                json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
        if importer.logo_file:
            shutil.copyfile(importer.logo_file, staging / importer.logo_file.name)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
