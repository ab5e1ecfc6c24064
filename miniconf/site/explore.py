"""Data files for exploring the program in the browser: filters, site search, "For you".

The papers page, the map, "My papers" and the header's search box all run in the
browser on small JSON files written at freeze time:

- ``papers.json`` (see app.py): one record per paper, plus ``similar`` and ``pos``
  when the pipeline's outputs are fresh;
- ``explore.json``: tracks (in config order, so colours are stable) and sessions
  (for the session/day facets and sorting by time);
- ``search.json``: the words of every paper's abstract (aligned with papers.json) and
  one entry per other page (speakers, workshops, sessions, free pages, help), for
  full-text search without a server.

The pipeline's outputs (``<sitedata>/pipeline/``) are read here too: only when they
cover exactly the current papers are they published, so a stale map never points at
papers that no longer exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..structure.conference import Conference

PIPELINE_FOLDER = "pipeline"
_WORD = re.compile(r"[\w][\w'-]*")


def search_words(*texts: str) -> str:
    """The distinct lowercase words of some texts, in first-seen order (a compact index)."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            seen.setdefault(word, None)
    return " ".join(seen)


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def explore_json_text(conference: Conference) -> str:
    zone = conference.config.zone
    tracks = [
        {"id": track.id, "name": track.name, "color": conference.track_color(track.id)}
        for track in conference.config.tracks
    ]
    known = {track.id for track in conference.config.tracks}
    for paper in conference.papers:  # tracks used by papers but missing from config
        if paper.track and paper.track not in known:
            known.add(paper.track)
            tracks.append({"id": paper.track, "name": paper.track, "color": 1})
    sessions = [
        {
            "id": session.id,
            "title": session.title,
            "start": session.start.isoformat(),
            "day": session.start.astimezone(zone).date().isoformat(),
            "dayLabel": session.start.astimezone(zone).strftime("%a %d %b"),
        }
        for session in sorted(conference.sessions, key=lambda s: (s.start, s.id))
        if session.papers
    ]
    has_vectors = pipeline_outputs(conference).vectors is not None
    return _dumps({"tracks": tracks, "sessions": sessions, "vectors": has_vectors})


def search_json_text(conference: Conference) -> str:
    papers = [search_words(paper.tldr, paper.abstract) for paper in conference.papers]
    pages = [{"kind": "Page", "title": "Help", "url": "help.html",
              "text": search_words(*(f"{e.question} {e.answer}" for e in conference.faq))}]
    for speaker in conference.speakers:
        pages.append({
            "kind": "Speaker", "title": speaker.name, "url": f"speakers/{speaker.id}.html",
            "text": search_words(speaker.affiliation or "", speaker.talk_title or "",
                                 speaker.abstract, speaker.bio),
        })
    for workshop in conference.workshops:
        pages.append({
            "kind": "Workshop", "title": workshop.title, "url": f"workshops/{workshop.id}.html",
            "text": search_words(" ".join(workshop.organizers), workshop.abstract),
        })
    for session in conference.sessions:
        pages.append({
            "kind": "Session", "title": session.title, "url": f"sessions/{session.id}.html",
            "text": search_words(session.type.value, session.room or "",
                                 " ".join(session.chairs), session.description),
        })
    for page in conference.pages:
        pages.append({
            "kind": "Page", "title": page.title, "url": f"pages/{page.slug}.html",
            "text": search_words(page.body),
        })
    return _dumps({"papers": papers, "pages": pages})


@dataclass(frozen=True)
class PipelineOutputs:
    """What the pipeline wrote for this conference, kept only where it matches the papers."""

    folder: Path
    paper_ids: frozenset[str]
    problems: list[str] = field(default_factory=list)

    def _read(self, name: str) -> dict | None:
        path = self.folder / name
        if not path.is_file():
            self.problems.append(f"{path} is missing")
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path} cannot be read ({exc})")
            return None
        return data if isinstance(data, dict) else None

    def _fresh(self, name: str, ids) -> bool:
        if set(ids) != self.paper_ids:
            self.problems.append(
                f"{self.folder / name} is stale (its papers differ from sitedata's); "
                "run `miniconf pipeline` again"
            )
            return False
        return True

    @cached_property
    def similar(self) -> dict[str, list[str]]:
        data = self._read("similar.json") or {}
        found = data.get("similar") or {}
        if not isinstance(found, dict) or not self._fresh("similar.json", found):
            return {}
        return {key: [i for i in value if i in self.paper_ids] for key, value in found.items()}

    @cached_property
    def positions(self) -> dict[str, list[float]]:
        data = self._read("map.json") or {}
        found = data.get("positions") or {}
        if not isinstance(found, dict) or not self._fresh("map.json", found):
            return {}
        return {key: [round(float(x), 4), round(float(y), 4)] for key, (x, y) in found.items()}

    @cached_property
    def vectors(self) -> tuple[bytes, bytes] | None:
        """(vectors.json bytes, vectors.bin bytes), or None when missing or inconsistent."""
        meta = self._read("vectors.json")
        binary = self.folder / "vectors.bin"
        if meta is None or not binary.is_file():
            return None
        ids, dims = meta.get("ids") or [], int(meta.get("dims") or 0)
        if not self._fresh("vectors.json", ids):
            return None
        payload = binary.read_bytes()
        if len(payload) != len(ids) * dims:
            self.problems.append(f"{binary} holds {len(payload)} bytes, not {len(ids)} x {dims}")
            return None
        return (self.folder / "vectors.json").read_bytes(), payload


    def warnings(self) -> list[str]:
        """Why some pipeline output will not be published (empty when all are fresh)."""
        _ = self.similar, self.positions, self.vectors
        return list(dict.fromkeys(self.problems))


def pipeline_outputs(conference: Conference) -> PipelineOutputs:
    return PipelineOutputs(
        folder=conference.root / PIPELINE_FOLDER,
        paper_ids=frozenset(paper.id for paper in conference.papers),
    )
