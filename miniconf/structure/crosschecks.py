"""The checks between sitedata's files, once each file has been read on its own.

- ids are unique within their kind, also ignoring case (file systems that fold case
  would give two pages one file);
- what an entry refers to exists: a paper's track (in config.yml) and workshop, a
  session's papers, speakers and workshop, the papers its talk times name;
- no two sessions in one room overlap; a paper in no session is a warning;
- the files named exist inside sitedata/: the logo, and every entry's local media
  (checked on every load: a paper from the cache may name a file changed since).

Every check runs whatever failed before it, so one run reports every problem; an
entry that failed validation still counts as existing (reading.Entries.ids).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from .media import media_file_problems
from .models import Config, Paper, Session, Speaker, Workshop
from .reading import Entries, Loaded, ProblemLog, dotted
from .svg import SvgProblem, check_svg
from .yamlsource import LineDict, YamlProblem, line_of, parse_yaml, read_content_bytes, read_text

#: Largest SVG logo read (as for images in media/).
MAX_SVG_BYTES = 2_000_000


def check_unique_ids(log: ProblemLog, loaded: list[Loaded], kind: str) -> None:
    """Ids must be unique, also ignoring case (file systems that fold case would collide)."""
    seen: dict[str, Loaded] = {}
    for entry in loaded:
        key = entry.item.id.lower()
        if key in seen:
            first = seen[key]
            log.add(
                entry.path,
                entry.line("id"),
                "id",
                f"duplicate {kind} id '{entry.item.id}' (also at {first.path}:{first.line('id')})",
            )
        else:
            seen[key] = entry


def check_paper_references(
    log: ProblemLog, config: Config | None, papers: Entries[Paper], workshops: Entries[Workshop]
) -> None:
    """A paper's track is one config.yml lists (when it lists any), its workshop exists."""
    tracks = {track.id for track in config.tracks} if config is not None else set()
    for paper in papers.loaded:
        track = paper.item.track
        if tracks and track is not None and track not in tracks:
            log.add(
                paper.path,
                paper.line("track"),
                "track",
                f"unknown track '{track}' (config.yml lists: {', '.join(sorted(tracks))})",
            )
    for paper in papers.loaded:
        workshop = paper.item.workshop
        if workshop is not None and workshop not in workshops.ids:
            log.add(
                paper.path,
                paper.line("workshop"),
                "workshop",
                f"no workshop with id '{workshop}' in workshops.yml",
            )


def check_sessions(
    log: ProblemLog,
    sessions: Entries[Session],
    papers: Entries[Paper],
    speakers: Entries[Speaker],
    workshops: Entries[Workshop],
) -> None:
    """What each session names exists, its talk times fit it, no two overlap in a room,
    and every paper is in one (when there is a program at all)."""
    scheduled: set[str] = set()
    for entry in sessions.loaded:
        session = entry.item
        where = f"[{entry.loc[0]}]"
        for index, paper_id in enumerate(session.papers):
            scheduled.add(paper_id)
            if paper_id not in papers.ids:
                log.add(
                    entry.path,
                    entry.line("papers", index),
                    f"{where}.papers[{index}]",
                    f"no paper with id '{paper_id}' (expected papers/{paper_id}.yml)",
                )
        for index, speaker_id in enumerate(session.speakers):
            if speaker_id not in speakers.ids:
                log.add(
                    entry.path,
                    entry.line("speakers", index),
                    f"{where}.speakers[{index}]",
                    f"no speaker with id '{speaker_id}' in speakers.yml",
                )
        if session.workshop is not None and session.workshop not in workshops.ids:
            log.add(
                entry.path,
                entry.line("workshop"),
                f"{where}.workshop",
                f"no workshop with id '{session.workshop}' in workshops.yml",
            )
        for loc, message in session.talk_problems():
            log.add(
                entry.path,
                entry.line("talk_starts", *loc),
                dotted((*entry.loc, "talk_starts", *loc)),
                message,
            )
    _check_overlaps(log, sessions.loaded)
    if sessions.loaded:
        for paper in papers.loaded:
            if paper.item.id not in scheduled:
                message = "paper is in no session (add it to a session in sessions.yml)"
                log.add(paper.path, paper.line("id"), "id", message, warning=True)


def _check_overlaps(log: ProblemLog, sessions: list[Loaded[Session]]) -> None:
    """Sessions in one room must not overlap.

    Compare instants in UTC: aware datetimes sharing one zone compare by wall clock,
    which is wrong in the repeated hour when the clocks go back. Only sessions in one
    room can overlap: each room's sessions (in file order) are compared among themselves.
    """
    rooms: dict[str, list[tuple[Loaded[Session], datetime, datetime]]] = {}
    for entry in sessions:
        if entry.item.room:
            times = entry.item.start.astimezone(UTC), entry.item.end.astimezone(UTC)
            rooms.setdefault(entry.item.room, []).append((entry, *times))
    for in_room in rooms.values():
        for (first, a_start, a_end), (second, b_start, b_end) in combinations(in_room, 2):
            if a_start < b_end and b_start < a_end:
                a = first.item
                log.add(
                    second.path,
                    second.line("start"),
                    f"[{second.loc[0]}].start",
                    f"overlaps session '{a.id}' in room '{a.room}' (line {first.line('start')})",
                )


# --------------------------------------------------------------------------- files named


def check_logo(log: ProblemLog, root: Path, logo: str, raw: Any, path: str) -> None:
    """The logo is published as is: it must be a file inside sitedata (not a symlink out),
    and an SVG must be a plain drawing (svg.py: opened directly, it runs its scripts)."""
    file = root / logo
    line = line_of(raw, ("logo",))
    inside = file.resolve().is_relative_to(root.resolve())
    if not file.is_file() or not inside:
        where = "is not a file inside sitedata/" if file.exists() else "not found in sitedata/"
        log.add(path, line, "logo", f"'{logo}' {where}")
        return
    if file.suffix.lower() != ".svg":
        return
    try:
        check_svg(read_content_bytes(file.resolve(), MAX_SVG_BYTES))
    except (SvgProblem, YamlProblem) as exc:
        log.add(
            path,
            line,
            "logo",
            f"'{logo}' {exc}; use a plain SVG "
            "(shapes, text, gradients: no script, links, animation or foreign markup)",
        )
    except OSError as exc:
        log.add(path, line, "logo", f"'{logo}' cannot be read: {exc.strerror}")


def check_media_files(log: ProblemLog, root: Path, entries: list[Loaded]) -> None:
    """Local media files must exist inside sitedata/ and be small enough to publish."""
    for entry in entries:
        media = getattr(entry.item, "media", None)
        if media is None:
            continue
        for problem in media_file_problems(root, media):
            field = dotted((*entry.loc, *problem.loc))
            log.add(entry.path, _media_line(entry, problem.loc), field, problem.message)


def _media_line(entry: Loaded, loc: tuple[str, ...]) -> int:
    """The line of a media field; a cached paper kept only its top-level lines, so its
    file is parsed again (only when there is a problem to report)."""
    if entry.loc or not isinstance(entry.raw, LineDict) or entry.raw.get("media") is not None:
        return entry.line(*loc)
    try:
        return line_of(parse_yaml(read_text(Path(entry.path))), loc)
    except (OSError, YamlProblem):
        return entry.line(*loc[:1])
