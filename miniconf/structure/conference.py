"""The whole conference as one immutable value, with the relations derived from it.

Sessions are the one place that says which papers, speakers and workshops are in
which session; the reverse lookups here are derived, never stored twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from .models import (
    CommitteeMember,
    Config,
    FaqEntry,
    Page,
    Paper,
    Session,
    Speaker,
    Sponsor,
    Track,
    Workshop,
)


@dataclass(frozen=True)
class Conference:
    root: Path
    config: Config
    papers: tuple[Paper, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    workshops: tuple[Workshop, ...] = ()
    sessions: tuple[Session, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    committee: tuple[CommitteeMember, ...] = ()
    sponsors: tuple[Sponsor, ...] = ()
    pages: tuple[Page, ...] = ()
    #: Which file each paper came from, relative to ``root`` (for "Edit this paper").
    paper_files: dict[str, str] = field(default_factory=dict)
    #: A hash of each paper file's name and bytes (papercache.content_key): what the
    #: parse cache and page reuse (site/incremental.py) know the paper by.
    paper_keys: dict[str, str] = field(default_factory=dict)

    @cached_property
    def paper_by_id(self) -> dict[str, Paper]:
        return {paper.id: paper for paper in self.papers}

    @cached_property
    def speaker_by_id(self) -> dict[str, Speaker]:
        return {speaker.id: speaker for speaker in self.speakers}

    @cached_property
    def workshop_by_id(self) -> dict[str, Workshop]:
        return {workshop.id: workshop for workshop in self.workshops}

    @cached_property
    def session_by_id(self) -> dict[str, Session]:
        return {session.id: session for session in self.sessions}

    @cached_property
    def page_by_slug(self) -> dict[str, Page]:
        return {page.slug: page for page in self.pages}

    @cached_property
    def track_by_id(self) -> dict[str, Track]:
        return {track.id: track for track in self.config.tracks}

    @cached_property
    def _sessions_of(self) -> dict[tuple[str, str], tuple[Session, ...]]:
        found: dict[tuple[str, str], list[Session]] = defaultdict(list)
        for session in self.sessions:
            for paper_id in session.papers:
                found["paper", paper_id].append(session)
            for speaker_id in session.speakers:
                found["speaker", speaker_id].append(session)
            if session.workshop:
                found["workshop", session.workshop].append(session)
        return {key: tuple(value) for key, value in found.items()}

    def sessions_of_paper(self, paper_id: str) -> tuple[Session, ...]:
        return self._sessions_of.get(("paper", paper_id), ())

    def sessions_of_speaker(self, speaker_id: str) -> tuple[Session, ...]:
        return self._sessions_of.get(("speaker", speaker_id), ())

    def sessions_of_workshop(self, workshop_id: str) -> tuple[Session, ...]:
        return self._sessions_of.get(("workshop", workshop_id), ())

    @cached_property
    def days(self) -> tuple[tuple[date, tuple[Session, ...]], ...]:
        """Sessions grouped by their day in the conference's time zone, in time order."""
        zone = self.config.zone
        by_day: dict[date, list[Session]] = defaultdict(list)
        for session in self.sessions:
            by_day[session.start.astimezone(zone).date()].append(session)
        return tuple((day, tuple(by_day[day])) for day in sorted(by_day))

    def track_name(self, track_id: str | None) -> str | None:
        if track_id is None:
            return None
        track = self.track_by_id.get(track_id)
        return track.name if track else track_id

    @cached_property
    def faq_sections(self) -> tuple[tuple[str, tuple[FaqEntry, ...]], ...]:
        sections: dict[str, list[FaqEntry]] = {}
        for entry in self.faq:
            sections.setdefault(entry.section, []).append(entry)
        return tuple((name, tuple(entries)) for name, entries in sections.items())
