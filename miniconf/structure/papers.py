"""papers/: one YAML file per paper, named after its id, so authors' pull requests never
conflict.

The files whose content the paper cache knows (papercache.py) are not read again; the
others are parsed and validated here, by a process pool when there are many (parsing
YAML is the slow part of loading a big conference). Each validated file becomes a
PaperRecord, which is what the cache keeps and what the pool's workers send back.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import cast

from ..processes import die_with_parent, usable_cpus
from .models import Paper
from .papercache import PaperCache, PaperRecord, content_key
from .problems import Problem, display_path
from .reading import UNREADABLE, Entries, Loaded, ProblemLog, content_folder
from .yamlsource import LineDict, YamlProblem, line_of, read_content_bytes

#: Below this many changed papers, this process loads them; above, a process pool
#: shares them out.
PARALLEL_THRESHOLD = 400
#: Files per task: few enough to share the work out evenly between processes, enough
#: that each task's overhead does not matter.
TASK_FILES = 250

#: (file name, content key) of one paper file; the key is None when it has none.
PaperFile = tuple[str, str | None]


def read_papers(folder: Path, log: ProblemLog, cache: PaperCache) -> Entries[Paper]:
    """Every paper file in ``folder``, from the cache where its content is known."""
    if not content_folder(folder, log):
        return Entries()
    shown = display_path(folder)
    prefix = "" if shown == "." else f"{shown}/"  # display_path(folder / name) is prefix + name
    files = _paper_files(folder)
    found: dict[str, PaperRecord] = {}
    changed = []
    for name, key in files:
        record = cache.get(key) if key else None
        if record is None:
            changed.append((name, key))
        else:
            found[name] = record
    for record in _load_changed_papers(str(folder), prefix, changed, log):
        found[record.file_name] = record
        if record.content_key:
            cache.put(record)
    return Entries(
        loaded=[
            Loaded(record.paper, prefix + name, record.lines, key=record.content_key)
            for name, _ in files
            if (record := found.get(name)) is not None
        ],
        # A paper file that fails validation still names an existing paper (its id is
        # its name).
        ids={os.path.splitext(name)[0] for name, _ in files},
    )


def _paper_files(folder: Path) -> list[PaperFile]:
    """Each paper file, by name; the key is None for anything that cannot be read as a
    content file (a link, a pipe, too big: loading it reports the problem), which is
    never cached."""
    files = []
    with os.scandir(folder) as entries:
        names = sorted(
            entry.name
            for entry in entries
            if not entry.name.startswith(".") and entry.name.endswith((".yml", ".yaml"))
        )
    for name in names:  # os.path, not pathlib: 10,000 Path objects cost 0.05 s
        try:
            key = content_key(name, read_content_bytes(os.path.join(folder, name)))
        except (YamlProblem, OSError):
            key = None
        files.append((name, key))
    return files


def _load_changed_papers(
    folder: str, prefix: str, files: list[PaperFile], log: ProblemLog
) -> list[PaperRecord]:
    """Records of the files not in the cache, loaded by a process pool when many."""
    jobs = usable_cpus()
    if len(files) < PARALLEL_THRESHOLD or jobs == 1:
        return _load_paper_files(folder, prefix, files, log)
    tasks = [files[start : start + TASK_FILES] for start in range(0, len(files), TASK_FILES)]
    fork = "fork" in get_all_start_methods()  # workers then start without re-importing
    with ProcessPoolExecutor(
        jobs,
        mp_context=get_context("fork") if fork else None,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        results = list(pool.map(_load_task, [(folder, prefix, task) for task in tasks]))
    records = []
    for loaded, problems in results:
        records.extend(loaded)
        log.problems.extend(problems)
    return records


def _load_task(task: tuple[str, str, list[PaperFile]]) -> tuple[list[PaperRecord], list[Problem]]:
    """One task of a pool worker: its records and problems."""
    folder, prefix, files = task
    log = ProblemLog()
    return _load_paper_files(folder, prefix, files, log), log.problems


def _load_paper_files(
    folder: str, prefix: str, files: list[PaperFile], log: ProblemLog
) -> list[PaperRecord]:
    records = []
    for name, key in files:
        path = prefix + name
        raw = log.read(f"{folder}/{name}", path)
        if raw is UNREADABLE:
            continue
        if not isinstance(raw, dict):
            message = "a paper file must be a mapping (id: ..., title: ...)"
            log.add(path, line_of(raw, ()), "", message)
            continue
        paper = log.validate(Paper, raw, path)
        if paper is None:
            continue
        if paper.id != os.path.splitext(name)[0]:
            log.add(
                path,
                line_of(raw, ("id",)),
                "id",
                f"'{paper.id}' does not match the file name '{name}'",
            )
            continue
        records.append(PaperRecord(name, key, paper, _top_level_lines(cast(LineDict, raw))))
    return records


def _top_level_lines(raw: LineDict) -> LineDict:
    """Only the line of each top-level key: all that later checks of a paper need. (The
    keys are the paper's field names: interned, they pickle once per batch of papers.)"""
    lines = LineDict((sys.intern(key), None) for key in raw)
    lines.line = raw.line
    lines.key_lines = {sys.intern(key): line for key, line in raw.key_lines.items()}
    return lines
