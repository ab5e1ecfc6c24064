"""Papers of real conferences, read straight from their Mini-Conf source files, with a
label to score similar papers against (bench_pipeline.py's agreement@k).

- ACL 2020 (``real-sites/acl2020/main_papers.csv``): the main conference's papers; label:
  track.
- ACL 2023 (``real-sites/acl2023/data/conference.json``): long and short papers; the
  file holds no abstracts, so these are titles alone; label: track.
- ICLR 2020 (``miniconf-iclr2020/papers.csv``): label: keywords (any in common).

The texts are what the pipeline embeds (structure.pipeline_outputs.embedding_text):
title, a blank line, the abstract. Read here rather than through ``miniconf import`` so
that the figures do not depend on the importer; nothing is copied into sitedata/.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LabelledPapers:
    name: str
    label: str
    items: list[tuple[str, str]]  # (paper id, embedded text), in id order
    labels: list[frozenset[str]]  # per item


def shared_data() -> Path | None:
    candidates = [os.environ.get("MINICONF_SHARED"), REPO.parent / "shared", REPO / "shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data").is_dir():
            return Path(candidate) / "data"
    return None


def _text(title: str, abstract: str) -> str:
    title, abstract = " ".join(title.split()), abstract.strip()
    return f"{title}\n\n{abstract}" if abstract else title


def _sorted(name: str, label: str, rows: list[tuple[str, str, frozenset[str]]]) -> LabelledPapers:
    rows = sorted(rows)
    return LabelledPapers(
        name,
        label,
        [(paper_id, text) for paper_id, text, _ in rows],
        [labels for _, _, labels in rows],
    )


def acl2020(data: Path) -> LabelledPapers:
    with (data / "real-sites" / "acl2020" / "main_papers.csv").open(encoding="utf-8") as file:
        rows = [
            (
                row["UID"],
                _text(row["title"], row["abstract"]),
                frozenset({row["track"].strip()}) if row["track"].strip() else frozenset(),
            )
            for row in csv.DictReader(file)
        ]
    return _sorted("ACL 2020", "track", rows)


def acl2023(data: Path) -> LabelledPapers:
    source = data / "real-sites" / "acl2023" / "data" / "conference.json"
    papers = json.loads(source.read_text(encoding="utf-8"))["papers"]
    rows = []
    for paper_id, paper in papers.items():
        track, abstract = str(paper.get("track") or "").strip(), str(paper.get("abstract") or "")
        if paper.get("paper_type") in ("long", "short") and track:
            rows.append((paper_id, _text(paper["title"], abstract), frozenset({track})))
    return _sorted("ACL 2023", "track", rows)


def iclr2020(data: Path) -> LabelledPapers:
    with (data / "miniconf-iclr2020" / "papers.csv").open(encoding="utf-8") as file:
        rows = [
            (
                row["UID"],
                _text(row["title"], row["abstract"]),
                frozenset(
                    word.strip().lower() for word in row["keywords"].split("|") if word.strip()
                ),
            )
            for row in csv.DictReader(file)
        ]
    return _sorted("ICLR 2020", "keywords", rows)


def conferences() -> list[LabelledPapers]:
    """Those of the three whose files are present."""
    data = shared_data()
    if data is None:
        return []
    found = []
    for read in (acl2020, acl2023, iclr2020):
        try:
            found.append(read(data))
        except (OSError, KeyError, ValueError):
            continue
    return found
