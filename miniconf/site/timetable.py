"""What the schedule page's timetable needs from the program, for its filters and grid.

The browser (static/js/timetable.js) lays the grid out in the visitor's zone; the
page gives it, as a function of the Conference: the rooms in column order (the order
``config.yml`` lists under ``rooms``, then the others in natural order, so "Hall 2"
comes before "Hall 10"), the session types used, and the tracks of each session (the
tracks of its papers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..structure.conference import Conference
from ..structure.models import Session, SessionType, Track

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that orders the numbers inside text by value: Hall 2 < Hall 10."""
    return tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.casefold())
        for part in _DIGITS.split(text)
        if part
    )


@dataclass(frozen=True)
class Timetable:
    conference: Conference

    @cached_property
    def rooms(self) -> tuple[str, ...]:
        """Every room with a session, in the grid's column order."""
        used = {session.room for session in self.conference.sessions if session.room}
        given = [room for room in dict.fromkeys(self.conference.config.rooms) if room in used]
        rest = sorted(used - set(given), key=natural_key)
        return (*given, *rest)

    @cached_property
    def types(self) -> tuple[SessionType, ...]:
        """The session types of the program, in the model's order (keynote first)."""
        used = {session.type for session in self.conference.sessions}
        return tuple(kind for kind in SessionType if kind in used)

    @cached_property
    def _tracks_of(self) -> dict[str, tuple[str, ...]]:
        papers = self.conference.paper_by_id
        order = {track.id: index for index, track in enumerate(self.conference.config.tracks)}
        found: dict[str, tuple[str, ...]] = {}
        for session in self.conference.sessions:
            ids = {
                track
                for p in session.papers
                if p in papers
                if (track := papers[p].track) is not None
            }
            found[session.id] = tuple(sorted(ids, key=lambda t: (order.get(t, len(order)), t)))
        return found

    def tracks_of(self, session: Session) -> tuple[str, ...]:
        """The tracks of a session's papers, in config order."""
        return self._tracks_of.get(session.id, ())

    @cached_property
    def tracks(self) -> tuple[Track, ...]:
        """The tracks some session has a paper of, in config order."""
        used = {track for tracks in self._tracks_of.values() for track in tracks}
        return tuple(track for track in self.conference.config.tracks if track.id in used)
