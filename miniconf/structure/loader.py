"""Read sitedata/ into a Conference, collecting every problem with its file and line.

Layout (all optional but config.yml):

    config.yml          the conference: name, dates, time zone, tracks, ...
    papers/<id>.yml     one file per paper, so authors' pull requests never conflict
    speakers.yml        keynote speakers        workshops.yml   workshops
    sessions.yml        the program             faq.yml         help page
    committee.yml       organizers              sponsors.yml    sponsors
    pages/<slug>.md     free Markdown pages with a ``title`` in YAML front matter
"""

from __future__ import annotations

import difflib
import gc
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..processes import die_with_parent
from .conference import Conference
from .media import media_file_problems
from .models import (
    SLUG_RE,
    CommitteeMember,
    Config,
    FaqEntry,
    Page,
    Paper,
    Session,
    Speaker,
    Sponsor,
    Workshop,
)
from .papercache import PaperCache, content_key
from .problems import Problem, Severity, display_path
from .svg import SvgProblem, check_svg
from .yamlsource import (
    LineDict,
    LineList,
    YamlProblem,
    line_of,
    parse_yaml,
    read_content_bytes,
    read_text,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_UNREADABLE = object()

LIST_FILES: dict[str, type[BaseModel]] = {
    "speakers.yml": Speaker,
    "workshops.yml": Workshop,
    "sessions.yml": Session,
    "faq.yml": FaqEntry,
    "committee.yml": CommitteeMember,
    "sponsors.yml": Sponsor,
}


@dataclass
class Loaded(Generic[T]):
    """A validated item with where it came from, kept while cross-references are checked."""

    item: T
    path: str
    raw: Any
    loc: tuple[str | int, ...] = ()
    #: A paper file's content key (papercache.content_key), None for other items.
    key: str | None = None

    def line(self, *loc: str | int) -> int:
        return line_of(self.raw, (*self.loc, *loc))


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: Ids of entries that exist, validated or not, by kind ("paper", "speaker",
        #: "workshop"): a reference to one that failed validation is no second error.
        self.existing_ids: dict[str, set[str]] = {}

    def add(self, path: str, line: int, field: str, message: str, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(path, line, field, message, severity))

    def read(self, file: Path | str, path: str | None = None) -> Any:
        """The file's YAML; ``path``: how problems name it (default: its display path)."""
        try:
            return parse_yaml(read_text(file))
        except YamlProblem as exc:
            self.add(path or display_path(Path(file)), exc.line, "", exc.message)
        except OSError as exc:
            self.add(path or display_path(Path(file)), 1, "", f"cannot read: {exc.strerror}")
        return _UNREADABLE

    def validate(
        self,
        model: type[M],
        raw: Any,
        path: str,
        prefix: tuple[str | int, ...] = (),
        context: dict | None = None,
    ) -> M | None:
        try:
            return model.model_validate(_subtree(raw, prefix), context=context)
        except ValidationError as exc:
            errors = exc.errors()
            # A misspelt field is one error: "unknown field 'titel'; did you mean 'title'?"
            # says it all, so the "title: required field is missing" it causes is left out.
            misspelt = {(*e["loc"][:-1], hint) for e in errors
                        if e["type"] == "extra_forbidden" and (hint := _closest_field(model, e))}
            for error in errors:
                if error["type"] == "missing" and tuple(error["loc"]) in misspelt:
                    continue
                loc = (*prefix, *error["loc"])
                self.add(path, line_of(raw, loc), _dotted(loc), _message(error, model, loc))
            return None


def _subtree(raw: Any, loc: tuple[str | int, ...]) -> Any:
    for step in loc:
        raw = raw[step]
    return raw


def _dotted(loc: Iterable[str | int]) -> str:
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _message(error: ErrorDetails, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        hint = _closest_field(model, error)
        known = _fields_at(model, [step for step in error["loc"][:-1] if isinstance(step, str)])
        suggestion = f"; did you mean '{hint}'?" if hint else f" (known: {', '.join(known)})"
        return f"unknown field '{name}'{suggestion}"
    if kind == "missing":
        return "required field is missing"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _closest_field(model: type[BaseModel], error: ErrorDetails) -> str | None:
    """The known field an unknown one is likely a typo of ("titel" → "title"), if any."""
    known = _fields_at(model, [step for step in error["loc"][:-1] if isinstance(step, str)])
    hint = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
    return hint[0] if hint else None


def _fields_at(model: type[BaseModel], path: list[str]) -> list[str]:
    """Names of the fields of the (nested) model at ``path``, for typo suggestions."""
    current: Any = model
    for name in path:
        field = current.model_fields.get(name) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
            inner = getattr(candidate, "__args__", ())
            if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
                current = inner[0]
                break
        else:
            return []
    return sorted(current.model_fields)


def _front_matter(text: str) -> tuple[str, str, int]:
    """Split ``---``-fenced YAML front matter from a Markdown body; returns body's first line."""
    if not text.startswith("---\n"):
        return "", text, 1
    end = text.find("\n---\n", 3)
    if end == -1:
        raise YamlProblem(1, "front matter starts with '---' but has no closing '---'")
    header = text[4 : end + 1]
    body = text[end + 5 :]
    return header, body, header.count("\n") + 3


def load_conference(
    root: Path, cache_dir: Path | None = None
) -> tuple[Conference | None, list[Problem]]:
    """Load and check everything under ``root``; the Conference is None on any error.

    ``cache_dir`` keeps validated papers between runs (see papercache.py).
    """
    root = Path(root)
    with paused_gc():
        return _load_conference(root, PaperCache(cache_dir))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Loading builds many objects that all stay alive; the cyclic garbage collector
    would rescan them again and again (a third of the time for 10,000 papers)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_conference(root: Path, cache: PaperCache) -> tuple[Conference | None, list[Problem]]:
    out = _Collector()
    config_file = root / "config.yml"
    if not root.is_dir():
        out.add(display_path(root), 1, "", "sitedata folder not found")
        return None, out.problems
    if not os.path.lexists(config_file):  # anything else there is read, and refused
        out.add(display_path(config_file), 1, "", "config.yml is missing")
        return None, out.problems

    config_raw = out.read(config_file)
    config = None
    if isinstance(config_raw, dict):
        config = out.validate(Config, config_raw, display_path(config_file))
    elif config_raw is not _UNREADABLE:
        out.add(display_path(config_file), 1, "", "config.yml must be a mapping (name: ...)")
    context = {"timezone": config.timezone if config else "UTC"}
    if config is not None and config.logo:
        _check_logo(out, root, config.logo, config_raw, display_path(config_file))

    papers = _load_papers(root, out, cache)
    lists: dict[str, list[Loaded]] = {}
    for name, model in LIST_FILES.items():
        lists[name] = list(_load_list(root / name, model, out, context))
    pages = list(_load_pages(root / "pages", out))

    # Every check runs, whatever failed before, so one run reports every problem.
    _check_ids(out, [*papers], "paper")
    for name in ("speakers.yml", "workshops.yml", "sessions.yml"):
        _check_ids(out, lists[name], name.removesuffix("s.yml"))
    _check_references(out, config, papers, lists)
    _check_media_files(out, root, [*papers, *(e for name in lists for e in lists[name])])

    cache.save()
    errors = [p for p in out.problems if p.severity is Severity.ERROR]
    if errors or config is None:
        return None, sorted(out.problems)

    def items(name: str) -> tuple:
        return tuple(loaded.item for loaded in lists[name])

    conference = Conference(
        root=root,
        config=config,
        papers=tuple(sorted((p.item for p in papers), key=lambda paper: paper.id)),
        speakers=items("speakers.yml"),
        workshops=items("workshops.yml"),
        sessions=tuple(sorted(items("sessions.yml"), key=lambda s: (s.start, s.end, s.id))),
        faq=items("faq.yml"),
        committee=items("committee.yml"),
        sponsors=items("sponsors.yml"),
        pages=tuple(sorted((p.item for p in pages), key=lambda page: page.slug)),
        paper_files={p.item.id: f"papers/{p.path.rpartition('/')[2]}" for p in papers},
        paper_keys={p.item.id: p.key for p in papers if p.key},
    )
    return conference, sorted(out.problems)


def _check_logo(out: _Collector, root: Path, logo: str, raw: Any, path: str) -> None:
    """The logo is published as is: it must be a file inside sitedata (not a symlink out),
    and an SVG must be a plain drawing (svg.py: opened directly, it runs its scripts)."""
    file = root / logo
    inside = file.resolve().is_relative_to(root.resolve())
    if not file.is_file() or not inside:
        where = "is not a file inside sitedata/" if file.exists() else "not found in sitedata/"
        out.add(path, line_of(raw, ("logo",)), "logo", f"'{logo}' {where}")
        return
    if file.suffix.lower() != ".svg":
        return
    try:
        check_svg(read_content_bytes(file.resolve(), MAX_SVG_BYTES))
    except (SvgProblem, YamlProblem) as exc:
        out.add(path, line_of(raw, ("logo",)), "logo", f"'{logo}' {exc}; use a plain SVG "
                "(shapes, text, gradients: no script, links, animation or foreign markup)")
    except OSError as exc:
        out.add(path, line_of(raw, ("logo",)), "logo", f"'{logo}' cannot be read: {exc.strerror}")


#: Largest SVG logo read (as for images in media/).
MAX_SVG_BYTES = 2_000_000


#: Below this many changed papers, this process loads them; above, a process pool
#: shares them out (parsing YAML is the slow part of validating a big conference).
PARALLEL_THRESHOLD = 400
#: Files per task: few enough to share the work out evenly between processes, enough
#: that each task's overhead does not matter.
TASK_FILES = 250


#: A validated paper file: its name in papers/, its content key (None: not cached), the
#: paper and the lines of its top-level keys (all that later checks need). What the
#: cache keeps, and what pool workers send back.
PaperRecord = tuple[str, str | None, Paper, LineDict]


def _load_papers(root: Path, out: _Collector, cache: PaperCache) -> list[Loaded[Paper]]:
    folder = root / "papers"
    if not _content_folder(folder, out):
        return []
    shown = display_path(folder)
    prefix = "" if shown == "." else f"{shown}/"  # display_path(folder / name) is prefix + name
    files = _paper_files(folder)
    # A paper file that fails validation still names an existing paper (its id is its name).
    out.existing_ids["paper"] = {os.path.splitext(name)[0] for name, _ in files}
    found: dict[str, PaperRecord] = {}
    changed = []
    for name, key in files:
        record = cache.get(key) if key else None
        if record is None:
            changed.append((name, key))
        else:
            found[name] = record
    for record in _load_changed_papers(str(folder), prefix, changed, out):
        found[record[0]] = record
        if record[1]:
            cache.put(record)
    loaded = []
    for name, _ in files:
        record = found.get(name)
        if record is not None:
            loaded.append(Loaded(record[2], prefix + name, record[3], key=record[1]))
    return loaded


def _content_folder(folder: Path, out: _Collector) -> bool:
    """Whether ``folder`` (papers/, pages/) is a folder to read; a symlink is refused: it
    would publish files from outside sitedata/."""
    if folder.is_symlink():
        out.add(display_path(folder), 1, "", "is a symbolic link; papers/ and pages/ must be "
                                             "folders inside the sitedata folder")
        return False
    return folder.is_dir()


def _paper_files(folder: Path) -> list[tuple[str, str | None]]:
    """(name, content key) of each paper file, by name; the key is None for anything that
    cannot be read as a content file (a link, a pipe, too big: loading it reports the
    problem), which is never cached."""
    files = []
    with os.scandir(folder) as entries:
        names = sorted(entry.name for entry in entries
                       if not entry.name.startswith(".") and entry.name.endswith((".yml", ".yaml")))
    for name in names:
        try:
            key = content_key(name, read_content_bytes(folder / name))
        except (YamlProblem, OSError):
            key = None
        files.append((name, key))
    return files


def _load_changed_papers(
    folder: str, prefix: str, files: list[tuple[str, str | None]], out: _Collector
) -> list[PaperRecord]:
    """Records of the files not in the cache, loaded by a process pool when many."""
    jobs = _usable_cpus()
    if len(files) < PARALLEL_THRESHOLD or jobs == 1:
        return _load_paper_files(folder, prefix, files, out)
    tasks = [files[start:start + TASK_FILES] for start in range(0, len(files), TASK_FILES)]
    fork = "fork" in get_all_start_methods()  # workers then start without re-importing
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork") if fork else None,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        results = list(pool.map(_load_task, [(folder, prefix, task) for task in tasks]))
    records = []
    for loaded, problems in results:
        records.extend(loaded)
        out.problems.extend(problems)
    return records


def _load_task(task: tuple[str, str, list[tuple[str, str | None]]]):
    """One task of a pool worker: its records and problems."""
    folder, prefix, files = task
    out = _Collector()
    return _load_paper_files(folder, prefix, files, out), out.problems


def _usable_cpus() -> int:
    """CPUs this process may run on (not all the machine's, under taskset or cgroups)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        count = os.cpu_count() or 1
    return min(count, 8)


def _load_paper_files(
    folder: str, prefix: str, files: list[tuple[str, str | None]], out: _Collector
) -> list[PaperRecord]:
    records = []
    for name, key in files:
        path = prefix + name
        raw = out.read(f"{folder}/{name}", path)
        if raw is _UNREADABLE:
            continue
        if not isinstance(raw, dict):
            message = "a paper file must be a mapping (id: ..., title: ...)"
            out.add(path, line_of(raw, ()), "", message)
            continue
        paper = out.validate(Paper, raw, path)
        if paper is None:
            continue
        if paper.id != os.path.splitext(name)[0]:
            out.add(path, line_of(raw, ("id",)), "id",
                    f"'{paper.id}' does not match the file name '{name}'")
            continue
        records.append((name, key, paper, _top_level_lines(cast(LineDict, raw))))
    return records


def _top_level_lines(raw: LineDict) -> LineDict:
    """Only the line of each top-level key: all that later checks of a paper need. (The
    keys are the paper's field names: interned, they pickle once per batch of papers.)"""
    lines = LineDict((sys.intern(key), None) for key in raw)
    lines.line = raw.line
    lines.key_lines = {sys.intern(key): line for key, line in raw.key_lines.items()}
    return lines


def _load_list(file: Path, model: type[M], out: _Collector, context: dict) -> Iterator[Loaded[M]]:
    if not os.path.lexists(file):  # anything else there (a link, a pipe) is read, and refused
        return
    path = display_path(file)
    raw = out.read(file)
    if raw is _UNREADABLE or raw is None:
        return
    if not isinstance(raw, LineList):
        out.add(path, line_of(raw, ()), "", f"{file.name} must be a list of entries ('- ...')")
        return
    for index in range(len(raw)):
        if not isinstance(raw[index], dict):
            out.add(path, line_of(raw, (index,)), f"[{index}]", "each entry must be a mapping")
            continue
        item = out.validate(model, raw, path, (index,), context)
        if item is not None:
            yield Loaded(item, path, raw, (index,))
        elif isinstance(raw[index].get("id"), str):
            kind = file.name.removesuffix("s.yml")
            out.existing_ids.setdefault(kind, set()).add(raw[index]["id"])


def _load_pages(folder: Path, out: _Collector) -> Iterator[Loaded[Page]]:
    if not _content_folder(folder, out):
        return
    for file in sorted(folder.glob("*.md")):
        path = display_path(file)
        if not SLUG_RE.fullmatch(file.stem):
            out.add(path, 1, "", "page file names may use only letters, digits, '-' and '_'")
            continue
        try:
            text = read_text(file)
        except YamlProblem as exc:
            out.add(path, exc.line, "", exc.message)
            continue
        except OSError as exc:
            out.add(path, 1, "", f"cannot read: {exc.strerror}")
            continue
        try:
            header, body, _ = _front_matter(text)
            meta = parse_yaml(header) if header else None
        except YamlProblem as exc:
            out.add(path, exc.line + (1 if exc.line > 0 else 0), "", exc.message)
            continue
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            out.add(path, 2, "", "front matter must be a mapping (title: ...)")
            continue
        unknown = sorted(set(meta) - {"title"})
        for key in unknown:
            out.add(path, 1 + line_of(meta, (key,)), key, "unknown field; pages take only 'title'")
        if unknown:
            continue
        fields = {"slug": file.stem, "title": meta.get("title"), "body": body}
        page = out.validate(Page, fields, path)
        if page is not None:
            yield Loaded(page, path, meta)


def _check_ids(out: _Collector, loaded: list[Loaded], kind: str) -> None:
    """Ids must be unique, also ignoring case (file systems that fold case would collide)."""
    seen: dict[str, Loaded] = {}
    for entry in loaded:
        key = entry.item.id.lower()
        if key in seen:
            first = seen[key]
            out.add(
                entry.path,
                entry.line("id"),
                "id",
                f"duplicate {kind} id '{entry.item.id}' (also at {first.path}:{first.line('id')})",
            )
        else:
            seen[key] = entry


def _check_references(
    out: _Collector,
    config: Config | None,
    papers: list[Loaded[Paper]],
    lists: dict[str, list[Loaded]],
) -> None:
    tracks = {track.id for track in config.tracks} if config is not None else set()
    existing = out.existing_ids
    paper_ids = {p.item.id for p in papers} | existing.get("paper", set())
    speaker_ids = {s.item.id for s in lists["speakers.yml"]} | existing.get("speaker", set())
    workshop_ids = {w.item.id for w in lists["workshops.yml"]} | existing.get("workshop", set())

    if tracks:
        for paper in papers:
            if paper.item.track is not None and paper.item.track not in tracks:
                known = ", ".join(sorted(tracks))
                out.add(paper.path, paper.line("track"), "track",
                        f"unknown track '{paper.item.track}' (config.yml lists: {known})")

    for paper in papers:
        if paper.item.workshop is not None and paper.item.workshop not in workshop_ids:
            out.add(paper.path, paper.line("workshop"), "workshop",
                    f"no workshop with id '{paper.item.workshop}' in workshops.yml")

    scheduled: set[str] = set()
    sessions: list[Loaded[Session]] = lists["sessions.yml"]
    for entry in sessions:
        session = entry.item
        where = f"[{entry.loc[0]}]"
        for index, paper_id in enumerate(session.papers):
            scheduled.add(paper_id)
            if paper_id not in paper_ids:
                out.add(entry.path, entry.line("papers", index), f"{where}.papers[{index}]",
                        f"no paper with id '{paper_id}' (expected papers/{paper_id}.yml)")
        for index, speaker_id in enumerate(session.speakers):
            if speaker_id not in speaker_ids:
                out.add(entry.path, entry.line("speakers", index), f"{where}.speakers[{index}]",
                        f"no speaker with id '{speaker_id}' in speakers.yml")
        if session.workshop is not None and session.workshop not in workshop_ids:
            out.add(entry.path, entry.line("workshop"), f"{where}.workshop",
                    f"no workshop with id '{session.workshop}' in workshops.yml")
        for loc, message in session.talk_problems():
            out.add(entry.path, entry.line("talk_starts", *loc),
                    _dotted((*entry.loc, "talk_starts", *loc)), message)

    # Compare instants in UTC: aware datetimes sharing one zone compare by wall clock,
    # which is wrong in the repeated hour when the clocks go back. Only sessions in one
    # room can overlap: compare each room's sessions (in file order) among themselves.
    rooms: dict[str, list[tuple[Loaded[Session], datetime, datetime]]] = {}
    for entry in sessions:
        if entry.item.room:
            times = entry.item.start.astimezone(UTC), entry.item.end.astimezone(UTC)
            rooms.setdefault(entry.item.room, []).append((entry, *times))
    for in_room in rooms.values():
        for (first, a_start, a_end), (second, b_start, b_end) in combinations(in_room, 2):
            if a_start < b_end and b_start < a_end:
                a = first.item
                out.add(second.path, second.line("start"), f"[{second.loc[0]}].start",
                        f"overlaps session '{a.id}' in room '{a.room}' "
                        f"(line {first.line('start')})")

    if sessions:
        for paper in papers:
            if paper.item.id not in scheduled:
                message = "paper is in no session (add it to a session in sessions.yml)"
                out.add(paper.path, paper.line("id"), "id", message, warning=True)


def _check_media_files(out: _Collector, root: Path, entries: list[Loaded]) -> None:
    """Local media files must exist inside sitedata/ and be small enough to publish.

    Run on every load (papers come from the cache, their files may have changed since).
    """
    for entry in entries:
        media = getattr(entry.item, "media", None)
        if media is None:
            continue
        for problem in media_file_problems(root, media):
            field = _dotted((*entry.loc, *problem.loc))
            out.add(entry.path, _media_line(entry, problem.loc), field, problem.message)


def _media_line(entry: Loaded, loc: tuple[str, ...]) -> int:
    """The line of a media field; a cached paper kept only its top-level lines, so its
    file is parsed again (only when there is a problem to report)."""
    if entry.loc or not isinstance(entry.raw, LineDict) or entry.raw.get("media") is not None:
        return entry.line(*loc)
    try:
        return line_of(parse_yaml(read_text(Path(entry.path))), loc)
    except (OSError, YamlProblem):
        return entry.line(*loc[:1])
