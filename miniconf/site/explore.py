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

At 10,000 papers these files are megabytes, so they are written with care for speed;
tests/test_explore_json_text.py holds the plain ways they must equal.

The pipeline's outputs (``<sitedata>/pipeline/``, read by
``structure/pipeline_outputs.py``) reach the browser through papers.json and the
vectors files, published only while current.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from itertools import chain
from json.encoder import encode_basestring as json_string
from typing import Any

from ..structure.conference import Conference
from ..structure.models import Paper
from ..structure.pipeline_labels import MapLabels
from ..structure.pipeline_outputs import PipelineOutputs
from .markup import render_title
from .media import paper_thumbnail_url
from .presentation import track_colors

_WORD = re.compile(r"[\w][\w'-]*")

#: For ASCII text: A-Z to a-z (what lower() does there), and every byte that cannot be
#: in a _WORD (all but [0-9A-Za-z_'-]) to a space.
_ASCII_WORD_BYTES = bytes(
    byte + 32 if 65 <= byte <= 90  # A-Z
    else byte if byte < 128 and (chr(byte).isalnum() or chr(byte) in "_'-")
    else ord(" ")
    for byte in range(256)
)


def search_words(*texts: str) -> str:
    """The distinct lowercase words of some texts, in first-seen order (a compact index)."""
    text = " ".join(texts)
    if not text.isascii():
        return _search_words_by_regex(texts)
    # The same words as _WORD.findall(text.lower()), without the regex engine (twice
    # as fast on 10,000 abstracts): in ASCII a word character is [0-9a-z_] once
    # lowered, so mapping every other byte but ' and - to a space leaves runs of
    # [\w'-] that split() cuts out; a _WORD is such a run less any ' and - it starts with.
    spaced = text.encode().translate(_ASCII_WORD_BYTES)
    words = dict.fromkeys(spaced.split())
    if spaced.startswith((b"'", b"-")) or b" '" in spaced or b" -" in spaced:
        words = dict.fromkeys(word for run in words if (word := run.lstrip(b"'-")))
    return b" ".join(words).decode()


def _search_words_by_regex(texts: tuple[str, ...]) -> str:
    """search_words for any text (the definition the ASCII path must agree with)."""
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
    """papers.json: every paper's paper_record(), the bytes ``json.dumps(records,
    ensure_ascii=False, separators=(",", ":"), sort_keys=True)`` writes, but written a
    record at a time with json's own string encoder: building and sorting 10,000 small
    dicts took three times longer."""
    pipeline = outputs if outputs is not None and outputs.published else None
    positions = _json_positions(pipeline.positions) if pipeline is not None else {}
    sessions_of: dict[str, list[str]] = {}
    for session in conference.sessions:
        for paper_id in session.papers:
            sessions_of.setdefault(paper_id, []).append(session.id)
    records = []
    for paper in conference.papers:
        paper_id = paper.id
        thumbnail = paper_thumbnail_url(conference, paper) if paper.media is not None else None
        similar = pos = ""
        if pipeline is not None:  # keys in sorted order: pos before sessions, similar after
            similar = f'"similar":{_json_strings(pipeline.similar.get(paper_id, ()))},'
            if paper_id in positions:
                pos = f'"pos":{positions[paper_id]},'
        records.append(
            f'{{"affiliations":{_json_strings(paper_affiliations(paper))},{_json_author_ids(paper)}'
            f'"authors":{_json_strings(paper.author_names)},"id":{json_string(paper_id)},'
            f'"keywords":{_json_strings(paper.keywords)},{pos}'
            f'"sessions":{_json_strings(sessions_of.get(paper_id, ()))},{similar}'
            f'"thumbnail":{_json_optional(thumbnail)},"title":{json_string(paper.title)},'
            f'{_json_title_html(paper.title)}'
            f'"tldr":{json_string(paper.tldr)},"track":{_json_optional(paper.track)},'
            f'"url":{json_string(f"papers/{paper_id}.html")}}}'
        )
    return f"[{','.join(records)}]"


def title_math_html(title: str) -> str | None:
    """A title with $…$ math as HTML (escaped text and sanitized MathML), for the cards
    the browser builds; None for a title without math (almost all: the card uses the text)."""
    if "$" not in title:
        return None
    html = str(render_title(title))
    return html if "<math" in html else None


def _json_title_html(title: str) -> str:
    html = title_math_html(title)
    return "" if html is None else f'"titleHtml":{json_string(html)},'


def paper_affiliations(paper: Paper) -> list[str]:
    """The paper's distinct affiliations, in author order (searched with the authors)."""
    return list(dict.fromkeys(a.affiliation for a in paper.authors if a.affiliation))


def _json_author_ids(paper: Paper) -> str:
    """ "authorIds": each author's ORCID or OpenReview key (null where none), only for
    papers where some author has one."""
    ids = [author.key for author in paper.authors]
    if not any(ids):
        return ""
    return f'"authorIds":[{",".join(map(_json_optional, ids))}],'


def _json_strings(values: Iterable[str]) -> str:
    return f"[{','.join(map(json_string, values))}]"


def _json_optional(value: str | None) -> str:
    return "null" if value is None else json_string(value)


def _json_positions(positions: dict[str, tuple[float, float]]) -> dict[str, str]:
    """Each map position as json.dumps writes it: repr() of each number, unless one is
    not finite (map.json's cannot be; json.dumps writes NaN where repr writes nan)."""
    if all(map(math.isfinite, chain.from_iterable(positions.values()))):
        return {paper_id: f"[{','.join(map(repr, xy))}]" for paper_id, xy in positions.items()}
    return {paper_id: _compact_json(list(xy)) for paper_id, xy in positions.items()}


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
        data["clusters"] = [{"label": name, "papers": ids}
                            for name, ids in zip(labels.names, members, strict=True)]
    return _dumps(data)


def abstract_words(text: str) -> str:
    """An abstract's lowercase words in order, repeats kept (ranking counts them and a
    quoted phrase must find its words in order); markup and punctuation are dropped."""
    if text.isascii():
        return b" ".join(text.encode().translate(_ASCII_WORD_BYTES).split()).decode()
    return " ".join(_WORD.findall(text.lower()))


def search_json_text(conference: Conference) -> str:
    # The TL;DR is in papers.json already; the browser ranks it as its own field.
    papers = [abstract_words(paper.abstract) for paper in conference.papers]
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

