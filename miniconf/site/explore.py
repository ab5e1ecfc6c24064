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

The pipeline's outputs (``<sitedata>/pipeline/``, read by
``structure/pipeline_outputs.py``) reach the browser through papers.json and the
vectors files, published only while current.
"""

from __future__ import annotations

import json
import re

from ..structure.conference import Conference

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


def explore_json_text(conference: Conference, has_vectors: bool) -> str:
    """Tracks, sessions, and whether vectors.bin is published (for "For you")."""
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
