"""What the calendar and Frab exports say alike about a session: its identifiers, its
addresses on the site, its label and its description as plain text.

Identifiers are stable: they come from the session id and the conference's host, never
from times or order, so re-importing an updated calendar replaces events instead of
duplicating them.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from ..structure.conference import Conference
from ..structure.models import Session

GENERATOR = "MiniConf"

#: Frab events must sit in a room; sessions without one (breaks) go here.
NO_ROOM = "General"

SESSION_TYPE_LABELS = {
    "keynote": "Keynote",
    "oral": "Oral session",
    "poster": "Poster session",
    "workshop": "Workshop",
    "tutorial": "Tutorial",
    "social": "Social",
    "break": "Break",
}


def site_host(conference: Conference) -> str:
    """The host of base_url, or a name made from the conference's name when there is none."""
    if conference.config.base_url:
        host = urlsplit(conference.config.base_url).hostname
        if host:
            return host
    return f"{acronym(conference).replace('_', '-')}.miniconf.invalid"


def acronym(conference: Conference) -> str:
    """A Frab acronym (``[a-z0-9_]{4,}``) from the conference name: "Helios 2027" → helios_2027."""
    text = re.sub(r"[^a-z0-9]+", "_", conference.config.name.lower()).strip("_")
    return (text or "conference").ljust(4, "0")


def session_uid(conference: Conference, session: Session) -> str:
    """The iCalendar UID of a session: ``<session id>@<host>``."""
    return f"{session.id}@{site_host(conference)}"


def session_guid(conference: Conference, session: Session) -> str:
    """The Frab guid: a UUID derived (uuid5) from the iCalendar UID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:miniconf:{session_uid(conference, session)}"))


def room_guid(conference: Conference, room: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:miniconf:room:{room}@{site_host(conference)}"))


def absolute_url(conference: Conference, path: str) -> str:
    """``path`` under base_url; relative (as on the site) when no base_url is configured."""
    base = conference.config.base_url
    return f"{base.rstrip('/')}/{path}" if base else path


def room_name(session: Session) -> str:
    return session.room or NO_ROOM


def type_label(session: Session) -> str:
    return SESSION_TYPE_LABELS.get(session.type.value, session.type.value.capitalize())


#: (id, title, author names) of a paper in a session.
SessionPaper = tuple[str, str, list[str]]


def session_papers(
    conference: Conference, session: Session, limit: int | None = None
) -> list[SessionPaper]:
    """The session's papers (the first ``limit`` of them), in order."""
    paper_by_id = conference.paper_by_id
    return [
        (paper_id, paper.title, paper.author_names)
        for paper_id in session.papers[:limit]
        for paper in (paper_by_id[paper_id],)
    ]


def plain_description(conference: Conference, session: Session, papers: list[SessionPaper]) -> str:
    """The session as plain text: description, chairs, keynote, workshop, papers in order
    (``papers``: all of them or the first few, the rest counted)."""
    parts: list[str] = []
    if session.description:
        parts.append(session.description.strip())
    if session.chairs:
        parts.append("Chairs: " + ", ".join(session.chairs))
    for speaker_id in session.speakers:
        speaker = conference.speaker_by_id[speaker_id]
        talk = f": {speaker.talk_title}" if speaker.talk_title else ""
        parts.append(f"Keynote by {speaker.name}{talk}")
    if session.workshop:
        parts.append(f"Workshop: {conference.workshop_by_id[session.workshop].title}")
    if session.papers:
        parts.append(_paper_list(conference, session, papers))
    return "\n\n".join(parts)


def _paper_list(conference: Conference, session: Session, papers: list[SessionPaper]) -> str:
    """ "Papers:", then one numbered line per paper, with its talk's start and end (in the
    conference's zone) when the session times its talks."""
    zone = conference.config.zone
    slots = {
        paper_id: (start, end)
        for paper_id, start, end in session.talk_slots()
        if start is not None and end is not None
    }

    def slot(paper_id: str) -> str:
        if paper_id not in slots:
            return ""
        start, end = (moment.astimezone(zone) for moment in slots[paper_id])
        return f"{start:%H:%M}–{end:%H:%M} "

    heading = f"Papers (talk times in {conference.config.timezone}):" if slots else "Papers:"
    lines = [heading]
    lines += [
        f"{number}. {slot(paper_id)}{title} ({', '.join(authors)})"
        for number, (paper_id, title, authors) in enumerate(papers, 1)
    ]
    if len(papers) < len(session.papers):
        lines.append(f"… and {len(session.papers) - len(papers)} more on the session's page")
    return "\n".join(lines)
