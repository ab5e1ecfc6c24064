"""The original ICLR 2020 site (the first Mini-Conf): OpenReview notes instead of papers.csv.

    papers.json          [{"id", "forum", "content": {title, authors, authorids, abstract,
                                                     keywords, TL;DR, pdf}}]  (API v1 notes)
    poster_schedule.yml  [{name: "Mon Session 1", posters: [forum ids]}]
    speakers.yml         [{UID, speaker, title, institution, image, abstract, bio}]
    main_calendar.json   the events; poster sessions link papers.html?session=Mon+Session+1

Everything else (config.yml, faq.yml, committee.yml, papers_projection.json) is shared
with the classic layout.
"""

from __future__ import annotations

from .classic import (
    _chat_rooms,
    _read_calendar_events,
    _read_speakers,
    _sessions_from_calendar,
)
from .common import Draft, MiniConfImportError, Row, read_json, read_yaml
from .miniconf import read_committee, read_config, read_faq, read_projection, report_unread
from .openreview import _note_values
from .records import paper_from_row

READ_FILES = {
    "papers.json",
    "poster_schedule.yml",
    "speakers.yml",
    "speakers.csv",
    "config.yml",
    "faq.yml",
    "committee.yml",
    "main_calendar.json",
    "papers_projection.json",
}


def read(draft: Draft) -> None:
    source = draft.source
    read_config(draft, source / "config.yml")
    events = _read_calendar_events(draft)
    notes = read_json(source / "papers.json")
    if isinstance(notes, dict):
        notes = notes.get("notes", [])
    if not isinstance(notes, list):
        raise MiniConfImportError(f"{source / 'papers.json'}: expected a list of notes")
    for index, note in enumerate(notes):
        content = note.get("content") if isinstance(note, dict) else None
        where = f"papers.json note {index + 1}"
        if not isinstance(content, dict):
            draft.skip(where, "not a note (no content); left out")
            continue
        draft.tally("papers").source += 1
        uid = str(note.get("forum") or note.get("id") or "")
        paper = paper_from_row(draft, Row(0, _note_values(content)), uid, where)
        if paper is not None:
            paper.setdefault("links", {}).setdefault(
                "project", f"https://openreview.net/forum?id={uid}"
            )
            draft.papers.append(paper)
    schedule = source / "poster_schedule.yml"
    data = read_yaml(schedule) if schedule.is_file() else []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict) and entry.get("name"):
            draft.memberships += [
                (str(paper_id), str(entry["name"])) for paper_id in entry.get("posters") or []
            ]
    _read_speakers(draft)
    read_faq(draft, source / "faq.yml")
    read_committee(draft, source / "committee.yml")
    _sessions_from_calendar(draft, events, {})
    read_projection(draft, source / "papers_projection.json")
    _chat_rooms(draft)
    report_unread(draft, source, READ_FILES)
