"""The program as files other tools read, served (and frozen) by the site:

- ``schedule.ics`` and ``sessions/<id>.ics``: iCalendar (calendar_export);
- ``schedule.xml`` and ``schedule.json``: the Frab schedule format (frab_export);
- ``sessions.json``: what the browser needs for "happening now / up next" and for
  building a personal agenda ``.ics`` from bookmarked papers (static/js/schedule.js).
"""

from __future__ import annotations

import json

from flask import Flask

from ..structure.conference import Conference
from .export_common import absolute_url, session_uid, site_host
from .timetable import Timetable


def sessions_json_text(conference: Conference) -> str:
    """Sessions for the browser: now/next on the home page and the personal agenda."""
    records = [
        {
            "id": session.id,
            "uid": session_uid(conference, session),
            "title": session.title,
            "type": session.type.value,
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "room": session.room,
            "stream_url": session.stream_url,
            "papers": list(session.papers),
            "url": f"sessions/{session.id}.html",
        }
        for session in conference.sessions
    ]
    document = {
        "conference": conference.config.name,
        "timezone": conference.config.timezone,
        "host": site_host(conference),
        "base_url": conference.config.base_url,
        "sessions": records,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def subscribe_url(conference: Conference) -> str | None:
    """``webcal://`` address of schedule.ics: calendar apps subscribe and refetch it, so
    later changes to the program reach them. Needs base_url (an absolute address)."""
    if not conference.config.base_url:
        return None
    return "webcal://" + absolute_url(conference, "schedule.ics").split("://", 1)[1]


def install_schedule_helpers(app: Flask, conference: Conference) -> None:
    """The template helpers of the schedule: session_uid(), the calendar's subscribe
    address and the timetable grid. (The exports are pages: site/pages.py.)"""
    app.jinja_env.globals["session_uid"] = lambda session: session_uid(conference, session)
    app.jinja_env.globals["calendar_subscribe_url"] = subscribe_url(conference)
    app.jinja_env.globals["timetable"] = Timetable(conference)  # the schedule page's grid
