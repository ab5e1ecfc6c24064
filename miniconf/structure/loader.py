"""Read sitedata/ into a Conference, collecting every problem with its file and line.

Layout (all optional but config.yml):

    config.yml          the conference: name, dates, time zone, tracks, ...
    papers/<id>.yml     one file per paper, so authors' pull requests never conflict
    speakers.yml        keynote speakers        workshops.yml   workshops
    sessions.yml        the program             faq.yml         help page
    committee.yml       organizers              sponsors.yml    sponsors
    pages/<slug>.md     free Markdown pages with a ``title`` in YAML front matter

A load reads each file on its own (reading.py; papers/ in papers.py), then checks what
the files say about each other (crosschecks.py), then builds the Conference.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from .conference import Conference
from .crosschecks import (
    check_logo,
    check_media_files,
    check_paper_references,
    check_sessions,
    check_unique_ids,
)
from .models import CommitteeMember, FaqEntry, Session, Speaker, Sponsor, Workshop
from .papercache import PaperCache
from .papers import read_papers
from .problems import Problem, Severity, display_path
from .reading import Entries, ProblemLog, read_config, read_list, read_pages

LIST_FILES: dict[str, type[BaseModel]] = {
    "speakers.yml": Speaker,
    "workshops.yml": Workshop,
    "sessions.yml": Session,
    "faq.yml": FaqEntry,
    "committee.yml": CommitteeMember,
    "sponsors.yml": Sponsor,
}


def load_conference(
    root: Path, cache_dir: Path | None = None
) -> tuple[Conference | None, list[Problem]]:
    """Load and check everything under ``root``; the Conference is None on any error.

    ``cache_dir`` keeps validated papers between runs (see papercache.py).
    """
    with paused_gc():
        return _load_conference(Path(root), PaperCache(cache_dir))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Loading builds many objects that all stay alive; the cyclic garbage collector
    would rescan them again and again (a third of the time for 10,000 papers). They are
    then moved out of its reach (gc.freeze), or the first collection after loading
    would scan them all once more (0.1 s at 10,000 papers); they are still freed when
    no longer used, as objects without reference cycles always are."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load_conference(root: Path, cache: PaperCache) -> tuple[Conference | None, list[Problem]]:
    log = ProblemLog()
    config_file = root / "config.yml"
    if not root.is_dir():
        log.add(display_path(root), 1, "", "sitedata folder not found")
        return None, log.problems
    if not os.path.lexists(config_file):  # anything else there is read, and refused
        log.add(display_path(config_file), 1, "", "config.yml is missing")
        return None, log.problems

    config, config_raw = read_config(config_file, log)
    context = {"timezone": config.timezone if config else "UTC"}
    papers = read_papers(root / "papers", log, cache)
    lists: dict[str, Entries] = {
        name: read_list(root / name, model, log, context) for name, model in LIST_FILES.items()
    }
    pages = read_pages(root / "pages", log)

    # Every check runs, whatever failed before, so one run reports every problem.
    speakers, workshops, sessions = (
        lists[name] for name in ("speakers.yml", "workshops.yml", "sessions.yml")
    )
    check_unique_ids(log, papers.loaded, "paper")
    check_unique_ids(log, speakers.loaded, "speaker")
    check_unique_ids(log, workshops.loaded, "workshop")
    check_unique_ids(log, sessions.loaded, "session")
    check_paper_references(log, config, papers, workshops)
    check_sessions(log, sessions, papers, speakers, workshops)
    if config is not None and config.logo:
        check_logo(log, root, config.logo, config_raw, display_path(config_file))
    listed = [entry for entries in lists.values() for entry in entries.loaded]
    check_media_files(log, root, [*papers.loaded, *listed])

    cache.save()
    errors = [p for p in log.problems if p.severity is Severity.ERROR]
    if errors or config is None:
        return None, sorted(log.problems)

    def items(name: str) -> tuple:
        return tuple(loaded.item for loaded in lists[name].loaded)

    conference = Conference(
        root=root,
        config=config,
        papers=tuple(sorted((p.item for p in papers.loaded), key=lambda paper: paper.id)),
        speakers=items("speakers.yml"),
        workshops=items("workshops.yml"),
        sessions=tuple(sorted(items("sessions.yml"), key=lambda s: (s.start, s.end, s.id))),
        faq=items("faq.yml"),
        committee=items("committee.yml"),
        sponsors=items("sponsors.yml"),
        pages=tuple(sorted((p.item for p in pages), key=lambda page: page.slug)),
        paper_files={p.item.id: f"papers/{p.path.rpartition('/')[2]}" for p in papers.loaded},
        paper_keys={p.item.id: p.key for p in papers.loaded if p.key},
    )
    return conference, sorted(log.problems)
