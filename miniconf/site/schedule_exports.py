"""The program as files other tools read, served (and frozen) by the site:

- ``schedule.ics`` and ``sessions/<id>.ics``: iCalendar (calendar_export);
- ``schedule.xml`` and ``schedule.json``: the Frab schedule format (frab_export);
- ``sessions.json``: what the browser needs for "happening now / up next" and for
  building a personal agenda ``.ics`` from bookmarked papers (static/js/schedule.js).
"""

from __future__ import annotations

import json
from functools import cache

from flask import Flask, Response, abort

from ..structure.conference import Conference
from . import calendar_export, frab_export
from .export_common import absolute_url, session_uid, site_host
from .timetable import Timetable


def sessions_json(conference: Conference) -> str:
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


def export_urls(conference: Conference) -> list[str]:
    """The URLs this module serves, for the freezer."""
    urls = ["/schedule.ics", "/schedule.json", "/schedule.xml", "/sessions.json"]
    urls.extend(f"/sessions/{session.id}.ics" for session in conference.sessions)
    return urls


def register_routes(app: Flask, conference: Conference) -> None:
    """Add the export routes to the site's Flask app (and session_uid() for templates)."""
    app.jinja_env.globals["session_uid"] = lambda session: session_uid(conference, session)
    app.jinja_env.globals["calendar_subscribe_url"] = subscribe_url(conference)
    app.jinja_env.globals["timetable"] = Timetable(conference)  # the schedule page's grid

    @cache
    def frab_document() -> dict:
        """Made once per app: schedule.json and schedule.xml are written from it."""
        return frab_export.frab_document(conference)

    def text(body: str | bytes, mimetype: str) -> Response:
        return Response(body, mimetype=mimetype)

    app.add_url_rule("/schedule.ics", "schedule_ics", lambda: text(
        calendar_export.schedule_ics(conference), "text/calendar"))
    app.add_url_rule("/schedule.json", "schedule_json", lambda: text(
        frab_export.schedule_json(frab_document()), "application/json"))
    app.add_url_rule("/schedule.xml", "schedule_xml", lambda: text(
        frab_export.schedule_xml(frab_document()), "application/xml"))
    app.add_url_rule("/sessions.json", "sessions_json",
                     lambda: text(sessions_json(conference), "application/json"))

    def one_session_ics(session_id: str) -> Response:
        session = conference.session_by_id.get(session_id) or abort(404)
        return text(calendar_export.session_ics(conference, session), "text/calendar")

    app.add_url_rule("/sessions/<session_id>.ics", "session_ics", one_session_ics)
    # None of these views reads the request: the freezer may call them directly.
    app.extensions["miniconf.pages"].update(
        {"schedule_ics", "schedule_json", "schedule_xml", "sessions_json", "session_ics"}
    )
