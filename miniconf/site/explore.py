"""Data files for exploring the program in the browser: filters, site search, "For you".

The papers page, the map, "My papers" and the header's search box all run in the
browser on small JSON files written at freeze time:

- ``papers.json``: one record per paper, plus ``similar`` and ``pos`` when the
  pipeline's outputs are fresh;
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
from typing import Any

from ..structure.conference import Conference
from ..structure.models import Paper
from ..structure.pipeline_labels import MapLabels
from ..structure.pipeline_outputs import PipelineOutputs
from .markup import render_title
from .media import paper_thumbnail_url
from .presentation import track_colors

_WORD = re.compile(r"[\w][\w'-]*")


def search_words(*texts: str) -> str:
    """The distinct lowercase words of some texts, in first-seen order (a compact index)."""
    seen: dict[str, None] = {}
    for text in texts:
        seen.update(dict.fromkeys(_WORD.findall(text.lower())))
    return " ".join(seen)


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def paper_record(
    conference: Conference, paper: Paper, outputs: PipelineOutputs | None = None
) -> dict:
    """One paper in papers.json: what the browser needs to list, search and link it."""
    record: dict[str, Any] = {
        "affiliations": paper_affiliations(paper),
        "id": paper.id,
        "title": paper.title,
        "authors": paper.author_names,
        "keywords": paper.keywords,
        "track": paper.track,
        "sessions": [session.id for session in conference.sessions_of_paper(paper.id)],
        "url": f"papers/{paper.id}.html",
        "thumbnail": paper_thumbnail_url(conference, paper),  # null when it has none
        "tldr": paper.tldr,
    }
    if (title_html := title_math_html(paper.title)) is not None:
        record["titleHtml"] = title_html
    author_ids = [author.key for author in paper.authors]
    if any(author_ids):  # ORCID / OpenReview ids, aligned with authors
        record["authorIds"] = author_ids
    # The pipeline's similar papers (ids, best first) and map position, when published.
    if outputs is not None and outputs.published:
        record["similar"] = list(outputs.similar.get(paper.id, ()))
        if paper.id in outputs.positions:
            record["pos"] = list(outputs.positions[paper.id])
    return record


def papers_json_text(conference: Conference, outputs: PipelineOutputs | None = None) -> str:
    """papers.json: every paper's paper_record()."""
    return _dumps([paper_record(conference, paper, outputs) for paper in conference.papers])


def title_math_html(title: str) -> str | None:
    """A title with $…$ math as HTML (escaped text and sanitized MathML), for the cards
    the browser builds; None for a title without math (almost all: the card uses the text)."""
    if "$" not in title:
        return None
    html = str(render_title(title))
    return html if "<math" in html else None


def paper_affiliations(paper: Paper) -> list[str]:
    """The paper's distinct affiliations, in author order (searched with the authors)."""
    return list(dict.fromkeys(a.affiliation for a in paper.authors if a.affiliation))


def explore_json_text(
    conference: Conference, has_vectors: bool, labels: MapLabels | None = None
) -> str:
    """Tracks, sessions, whether vectors.bin is published (for "For you"), and the map's
    named clusters (``clusters``: label and paper ids, when the pipeline made them)."""
    zone = conference.config.zone
    color = track_colors(conference)
    tracks = [
        {"id": track.id, "name": track.name, "color": color(track.id)}
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
    data = {"tracks": tracks, "sessions": sessions, "vectors": has_vectors}
    if labels is not None and labels.names:
        members: list[list[str]] = [[] for _ in labels.names]
        for paper in conference.papers:
            if (cluster := labels.cluster_of.get(paper.id)) is not None:
                members[cluster].append(paper.id)
        data["clusters"] = [
            {"label": name, "papers": ids} for name, ids in zip(labels.names, members, strict=True)
        ]
    return _dumps(data)


def abstract_words(text: str) -> str:
    """An abstract's lowercase words in order, repeats kept (ranking counts them and a
    quoted phrase must find its words in order); markup and punctuation are dropped."""
    return " ".join(_WORD.findall(text.lower()))


def search_json_text(conference: Conference) -> str:
    # The TL;DR is in papers.json already; the browser ranks it as its own field.
    papers = [abstract_words(paper.abstract) for paper in conference.papers]
    pages = [
        {
            "kind": "Page",
            "title": "Help",
            "url": "help.html",
            "text": search_words(*(f"{e.question} {e.answer}" for e in conference.faq)),
        }
    ]
    for speaker in conference.speakers:
        pages.append(
            {
                "kind": "Speaker",
                "title": speaker.name,
                "url": f"speakers/{speaker.id}.html",
                "text": search_words(
                    speaker.affiliation or "",
                    speaker.talk_title or "",
                    speaker.abstract,
                    speaker.bio,
                ),
            }
        )
    for workshop in conference.workshops:
        pages.append(
            {
                "kind": "Workshop",
                "title": workshop.title,
                "url": f"workshops/{workshop.id}.html",
                "text": search_words(" ".join(workshop.organizers), workshop.abstract),
            }
        )
    for session in conference.sessions:
        pages.append(
            {
                "kind": "Session",
                "title": session.title,
                "url": f"sessions/{session.id}.html",
                "text": search_words(
                    session.type.value,
                    session.room or "",
                    " ".join(session.chairs),
                    session.description,
                ),
            }
        )
    for page in conference.pages:
        pages.append(
            {
                "kind": "Page",
                "title": page.title,
                "url": f"pages/{page.slug}.html",
                "text": search_words(page.body),
            }
        )
    return _dumps({"papers": papers, "pages": pages})
