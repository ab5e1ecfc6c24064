"""Accepted papers from OpenReview: the notes its API v2 returns, saved as JSON.

    {"notes": [{"id": "aBc123", "forum": "aBc123", "number": 12,
                "content": {"title": {"value": "..."}, "authors": {"value": ["Ann Lee"]},
                            "authorids": {"value": ["~Ann_Lee1"]},
                            "abstract": {"value": "..."}, "keywords": {"value": ["..."]},
                            "TLDR": {"value": "..."}, "venue": {"value": "ICLR 2024 poster"},
                            "pdf": {"value": "/pdf/0123abcd.pdf"}}}]}

(``GET https://api2.openreview.net/notes?content.venueid=ICLR.cc/2024/Conference``; a
bare list of notes works too.) The note id stays the paper id, so links to the forum
and Mini-Conf's ``paper_<id>`` rooms keep working; the venue's last word (poster, oral,
spotlight) becomes the paper's type. Withdrawn, rejected and still-submitted notes are
not accepted papers: they are counted and left out, never a loss.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import Draft, ImportSummary, MiniConfImportError, Row, plain_line, read_json
from .records import paper_from_row
from .writer import finish

OPENREVIEW = "https://openreview.net"
NOT_ACCEPTED = ("withdrawn", "rejected", "desk rejected", "submitted to", "under review")


def _value(content: dict, *names: str) -> Any:
    """A field of a note's content: API v2 wraps each in {"value": ...}; v1 did not."""
    for name in names:
        field = content.get(name)
        if isinstance(field, dict):
            field = field.get("value")
        if field not in (None, "", []):
            return field
    return None


def import_openreview(
    source: Path, out: Path, *, allow_loss: bool = False, name: str | None = None
) -> ImportSummary:
    data = read_json(Path(source))
    notes = data.get("notes") if isinstance(data, dict) else data
    if not isinstance(notes, list):
        raise MiniConfImportError(
            f'{source}: expected OpenReview notes ({{"notes": [...]}} or a list of notes)'
        )
    draft = Draft(Path(source).parent, ImportSummary(Path(out), "OpenReview API v2 notes"))
    venues: list[str] = []
    not_accepted = 0
    for index, note in enumerate(notes):
        where = f"{Path(source).name} note {index + 1}"
        content = note.get("content") if isinstance(note, dict) else None
        if not isinstance(content, dict):
            draft.skip(where, "not a note (no content); left out")
            continue
        venue = plain_line(str(_value(content, "venue") or ""))
        if any(word in venue.lower() for word in NOT_ACCEPTED):
            not_accepted += 1
            continue
        draft.tally("papers").source += 1
        values = _note_values(content)
        paper = paper_from_row(draft, Row(0, values), str(note.get("id") or ""), where)
        if paper is None:
            continue
        forum = str(note.get("forum") or note.get("id"))
        paper.setdefault("links", {})["project"] = f"{OPENREVIEW}/forum?id={forum}"
        if venue:
            venues.append(venue)
            paper["type"] = venue.split()[-1].title() if len(venue.split()) > 1 else venue
        draft.papers.append(paper)
    if not_accepted:
        draft.summary.kept.append(
            f"{not_accepted} withdrawn, rejected or pending note(s) "
            "are not accepted papers: left out"
        )
    venue_name = (
        " ".join(venues[0].split()[:-1])
        if venues and len(venues[0].split()) > 1
        else (venues[0] if venues else "")
    )
    draft.config["name"] = name or venue_name or Path(source).stem
    return finish(
        draft,
        Path(out),
        {"importer": "openreview", "source": str(Path(source).resolve())},
        allow_loss=allow_loss,
    )


def _note_values(content: dict) -> dict[str, str]:
    """A note's content as the columns records.paper_from_row reads."""

    def joined(value: Any) -> str:
        return "|".join(map(str, value)) if isinstance(value, list) else str(value or "")

    pdf = str(_value(content, "pdf") or "")
    return {
        "title": str(_value(content, "title") or ""),
        "authors": joined(_value(content, "authors")),
        "abstract": str(_value(content, "abstract") or ""),
        "keywords": joined(_value(content, "keywords")),
        "tldr": str(_value(content, "TLDR", "TL;DR", "tldr") or ""),
        "pdf": f"{OPENREVIEW}{pdf}" if pdf.startswith("/") else pdf,
        "code": str(_value(content, "code") or ""),
    }
