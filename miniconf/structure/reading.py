"""Reading one sitedata file: its YAML into validated models, each problem at file:line.

:class:`ProblemLog` collects the problems of a whole load; its :meth:`~ProblemLog.read`
parses a file and :meth:`~ProblemLog.validate` turns pydantic's errors into problems
that name the line the organizer wrote (with "did you mean" for a misspelt field). The
readers of config.yml, of the list files (speakers.yml, sessions.yml, ...) and of
pages/ follow; papers/ has its own module (papers.py), the checks between files
theirs (crosschecks.py).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .models import SLUG_RE, Config, Page
from .problems import Problem, Severity, display_path
from .yamlsource import LineList, YamlProblem, line_of, parse_yaml, read_text

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: What ProblemLog.read returns for a file it could not read (None is empty YAML).
UNREADABLE = object()


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


@dataclass
class Entries(Generic[T]):
    """What one file or folder holds: the entries that validated, and the ids of all its
    entries, validated or not (a reference to one that failed is no second error)."""

    loaded: list[Loaded[T]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class ProblemLog:
    """Every problem of one load, and the reading and validating that finds them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, line: int, field: str, message: str, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(path, line, field, message, severity))

    def read(self, file: Path | str, path: str | None = None) -> Any:
        """The file's YAML, or UNREADABLE; ``path``: how problems name the file (default:
        its display path)."""
        try:
            return parse_yaml(read_text(file))
        except YamlProblem as exc:
            self.add(path or display_path(Path(file)), exc.line, "", exc.message)
        except OSError as exc:
            self.add(path or display_path(Path(file)), 1, "", f"cannot read: {exc.strerror}")
        return UNREADABLE

    def validate(
        self,
        model: type[M],
        raw: Any,
        path: str,
        prefix: tuple[str | int, ...] = (),
        context: dict | None = None,
    ) -> M | None:
        """``raw`` (the part of it at ``prefix``) as a ``model``, or None with its problems."""
        try:
            return model.model_validate(_subtree(raw, prefix), context=context)
        except ValidationError as exc:
            errors = exc.errors()
            # A misspelt field is one error: "unknown field 'titel'; did you mean 'title'?"
            # says it all, so the "title: required field is missing" it causes is left out.
            misspelt = {
                (*e["loc"][:-1], hint)
                for e in errors
                if e["type"] == "extra_forbidden" and (hint := _closest_field(model, e))
            }
            for error in errors:
                if error["type"] == "missing" and tuple(error["loc"]) in misspelt:
                    continue
                loc = (*prefix, *error["loc"])
                self.add(path, line_of(raw, loc), dotted(loc), _message(error, model, loc))
            return None


def dotted(loc: Iterable[str | int]) -> str:
    """How problems name a field: ``[3].papers[0]``, ``media.video.file``."""
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _subtree(raw: Any, loc: tuple[str | int, ...]) -> Any:
    for step in loc:
        raw = raw[step]
    return raw


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


# --------------------------------------------------------------------------- the files


def read_config(file: Path, log: ProblemLog) -> tuple[Config | None, Any]:
    """config.yml as a Config (None when it has errors), and its YAML, for line numbers."""
    raw = log.read(file)
    if isinstance(raw, dict):
        return log.validate(Config, raw, display_path(file)), raw
    if raw is not UNREADABLE:
        log.add(display_path(file), 1, "", "config.yml must be a mapping (name: ...)")
    return None, raw


def read_list(file: Path, model: type[M], log: ProblemLog, context: dict) -> Entries[M]:
    """A list file (speakers.yml, sessions.yml, ...); a missing file is an empty list."""
    entries: Entries[M] = Entries()
    if not os.path.lexists(file):  # anything else there (a link, a pipe) is read, and refused
        return entries
    path = display_path(file)
    raw = log.read(file)
    if raw is UNREADABLE or raw is None:
        return entries
    if not isinstance(raw, LineList):
        log.add(path, line_of(raw, ()), "", f"{file.name} must be a list of entries ('- ...')")
        return entries
    for index in range(len(raw)):
        if not isinstance(raw[index], dict):
            log.add(path, line_of(raw, (index,)), f"[{index}]", "each entry must be a mapping")
            continue
        item = log.validate(model, raw, path, (index,), context)
        if item is not None:
            entries.loaded.append(Loaded(item, path, raw, (index,)))
        entry_id = raw[index].get("id") if item is None else getattr(item, "id", None)
        if isinstance(entry_id, str):
            entries.ids.add(entry_id)
    return entries


def content_folder(folder: Path, log: ProblemLog) -> bool:
    """Whether ``folder`` (papers/, pages/) is a folder to read; a symlink is refused: it
    would publish files from outside sitedata/."""
    if folder.is_symlink():
        log.add(
            display_path(folder),
            1,
            "",
            "is a symbolic link; papers/ and pages/ must be folders inside the sitedata folder",
        )
        return False
    return folder.is_dir()


def read_pages(folder: Path, log: ProblemLog) -> list[Loaded[Page]]:
    """pages/<slug>.md: Markdown with an optional ``---``-fenced ``title:`` header."""
    if not content_folder(folder, log):
        return []
    pages = []
    for file in sorted(folder.glob("*.md")):
        path = display_path(file)
        if not SLUG_RE.fullmatch(file.stem):
            log.add(path, 1, "", "page file names may use only letters, digits, '-' and '_'")
            continue
        try:
            text = read_text(file)
        except YamlProblem as exc:
            log.add(path, exc.line, "", exc.message)
            continue
        except OSError as exc:
            log.add(path, 1, "", f"cannot read: {exc.strerror}")
            continue
        try:
            header, body = _front_matter(text)
            meta = parse_yaml(header) if header else None
        except YamlProblem as exc:
            log.add(path, exc.line + (1 if exc.line > 0 else 0), "", exc.message)
            continue
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            log.add(path, 2, "", "front matter must be a mapping (title: ...)")
            continue
        unknown = sorted(set(meta) - {"title"})
        for key in unknown:
            log.add(path, 1 + line_of(meta, (key,)), key, "unknown field; pages take only 'title'")
        if unknown:
            continue
        fields = {"slug": file.stem, "title": meta.get("title"), "body": body}
        page = log.validate(Page, fields, path)
        if page is not None:
            pages.append(Loaded(page, path, meta))
    return pages


def _front_matter(text: str) -> tuple[str, str]:
    """(YAML front matter, Markdown body) of a page; the header is "" when there is none."""
    if not text.startswith("---\n"):
        return "", text
    end = text.find("\n---\n", 3)
    if end == -1:
        raise YamlProblem(1, "front matter starts with '---' but has no closing '---'")
    return text[4 : end + 1], text[end + 5 :]
