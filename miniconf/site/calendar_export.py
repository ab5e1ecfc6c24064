"""The program as iCalendar (RFC 5545), written by the icalendar library.

- ``schedule.ics``: every session, for subscribing to the whole conference;
- ``sessions/<id>.ics``: one session, for its "Add to calendar" button; the same UID
  as in schedule.ics, so adding both does not make two events.

Times are in the conference's zone, with its VTIMEZONE, so a calendar app shows them in
whatever zone its user lives in. The same data always gives the same bytes: DTSTAMP is
SOURCE_DATE_EPOCH when that is set, a fixed instant otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import icalendar

from ..structure.conference import Conference
from ..structure.models import Session
from .export_common import (
    GENERATOR,
    absolute_url,
    plain_description,
    session_papers,
    session_uid,
    type_label,
)

#: DTSTAMP when SOURCE_DATE_EPOCH is not set: a fixed instant, so builds are reproducible.
DEFAULT_STAMP = datetime(2000, 1, 1, tzinfo=UTC)

#: Papers listed in an event's description: enough for an oral session; a poster
#: session of 50 would bury the link to its page.
ICS_MAX_PAPERS = 12


def schedule_ics(conference: Conference) -> bytes:
    """Every session of the conference as one calendar."""
    return _calendar(conference, conference.config.name, conference.sessions)


def session_ics(conference: Conference, session: Session) -> bytes:
    """One session, for "Add to calendar"."""
    return _calendar(conference, f"{session.title} · {conference.config.name}", [session])


def dtstamp() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else DEFAULT_STAMP


def _calendar(conference: Conference, name: str, sessions: Iterable[Session]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{GENERATOR}//{conference.config.name}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", conference.config.timezone)
    stamp = dtstamp()
    for session in sessions:
        calendar.add_component(_event(conference, session, stamp))
    if conference.sessions:
        # VTIMEZONEs from the zoneinfo database, with the changes of a year either side
        # of the program: the default range, 1970–2038, is thirty times bigger and ends
        # before a conference in 2040.
        starts = [session.start.date() for session in conference.sessions]
        calendar.add_missing_timezones(
            first_date=min(starts) - timedelta(days=366),
            last_date=max(starts) + timedelta(days=366),
        )
    return calendar.to_ical()


def _event(conference: Conference, session: Session, stamp: datetime) -> icalendar.Event:
    zone = conference.config.zone
    event = icalendar.Event()
    event.add("uid", session_uid(conference, session))
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("dtstart", session.start.astimezone(zone))
    event.add("dtend", session.end.astimezone(zone))
    event.add("summary", session.title)
    event.add("categories", [type_label(session)])
    papers = session_papers(conference, session, ICS_MAX_PAPERS)
    description = plain_description(conference, session, papers)
    page = absolute_url(conference, f"sessions/{session.id}.html")
    event.add("description", f"{description}\n\n{page}" if description else page)
    location = session.room or session.stream_url
    if location:
        event.add("location", location)
    # URL must be absolute: the session's page when the site has a base_url, else the
    # stream (relative page addresses stay in the description).
    if conference.config.base_url:
        event.add("url", page)
    elif session.stream_url and session.stream_url.startswith("http"):
        event.add("url", session.stream_url)
    return event
