"""ACL/EMNLP 2023 (acl-org/acl-2023-miniconf): ``configs/config.yml`` + ``data/conference.json``.

    conference.json  {"papers": {id: {id, title, authors: [names], track, paper_type,
                                      category, program, abstract, tldr, keywords,
                                      underline_url, poster_pdf, slides_pdf, video_url,
                                      paper_pdf, demo_url, event_ids}},
                      "events": {id: {id, session, track, type, start_time, end_time,
                                      chairs, paper_ids, link, room}},
                      "sessions": {name: {..., events: {...}}},
                      "plenaries" | "tutorials" | "workshops": {id: {...}} (EMNLP 2023)}

Each event is one of our sessions (with its papers, room, chairs and link); the
"sessions" group events by time slot, so they are only counted, not read again.
"""

from __future__ import annotations

from typing import Any

from .classic import _set_zone, session_type
from .common import Draft, Row, parse_time, plain_line, read_json, slugify, split_authors
from .links import absolute
from .miniconf import read_config, report_unread
from .records import paper_from_row

EVENT_TYPES = {
    "oral": "oral",
    "poster": "poster",
    "virtual poster": "poster",
    "spotlight": "oral",
    "workshops": "workshop",
    "workshop": "workshop",
    "socials": "social",
    "tutorials": "tutorial",
    "tutorial": "tutorial",
    "plenary sessions": "keynote",
    "plenary": "keynote",
    "keynote": "keynote",
}


def read(draft: Draft) -> None:
    source = draft.source
    config_file = next(
        (f for f in (source / "configs" / "config.yml", source / "config.yml") if f.is_file()),
        source / "config.yml",
    )
    read_config(draft, config_file)
    data_file = next(
        f for f in (source / "data" / "conference.json", source / "conference.json") if f.is_file()
    )
    data = read_json(data_file)
    if not isinstance(data, dict):
        from .common import MiniConfImportError

        raise MiniConfImportError(f"{data_file}: expected an object with papers and events")
    for key in ("papers", "events", "sessions", "plenaries", "tutorials", "workshops"):
        if key in data and not isinstance(data[key], dict | type(None)):
            from .common import MiniConfImportError

            raise MiniConfImportError(f"{data_file}: '{key}' must be an object keyed by id")
    events = data.get("events") or {}
    _set_zone(
        draft,
        [
            t
            for e in events.values()
            if isinstance(e, dict) and (t := parse_time(e.get("start_time")))
        ],
    )
    _read_papers(draft, data.get("papers") or {}, data_file.name)
    _read_events(draft, events, data_file.name)
    for key in ("plenaries", "tutorials", "workshops"):
        _read_extra(draft, key, data.get(key) or {}, data_file.name)
    known = {"papers", "events", "sessions", "plenaries", "tutorials", "workshops"}
    for key in sorted(set(data) - known):
        draft.skip(f"{data_file.name} '{key}'", "no place for it in our model")
    if data.get("sessions"):
        draft.summary.kept.append(
            f"{data_file.name} sessions: time slots grouping the events (each event is a session)"
        )
    for folder in (source, source / "data", source / "configs"):
        if folder.is_dir():
            report_unread(
                draft, folder, {"config.yml", "conference.json", "data", "configs", "pages"}
            )


def _read_papers(draft: Draft, papers: dict, file: str) -> None:
    placeholders = 0
    for key, item in papers.items():
        if not isinstance(item, dict):
            continue
        if not item.get("authors") and item.get("event_ids"):
            # ACL 2023 lists each plenary, social, tutorial and workshop as a "paper"
            # without authors, for its page: an event, imported as that event's session.
            placeholders += 1
            for event in item["event_ids"]:
                if item.get("abstract"):
                    draft.event_descriptions[str(event)] = str(item["abstract"])
            continue
        draft.tally("papers").source += 1
        uid = str(item.get("id") or key)
        where = f"{file} papers.{key}"
        values = {name: _cell(value) for name, value in item.items()}
        values["authors"] = "|".join(str(a) for a in item.get("authors") or [])
        values["keywords"] = "|".join(str(k) for k in item.get("keywords") or [])
        values["type"] = str(item.get("program") or "")
        values["pdf"] = str(item.get("paper_pdf") or "")
        values["project"] = str(item.get("demo_url") or "")
        values["video"] = str(item.get("video_url") or "")
        paper = paper_from_row(draft, Row(0, values), uid, where)
        if paper is None:
            continue
        underline = absolute(draft, str(item.get("underline_url") or ""), where)
        if underline and "video" not in paper.get("links", {}):
            paper.setdefault("links", {})["video"] = underline
        draft.papers.append(paper)
        draft.memberships += [(uid, str(event)) for event in item.get("event_ids") or []]
    if placeholders:
        draft.summary.kept.append(
            f"{file}: {placeholders} records without authors stand for "
            "events (plenaries, socials, tutorials, workshops); they are "
            "those events' sessions, with their abstract as description"
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(map(str, value))
    return str(value)


def _read_events(draft: Draft, events: dict, file: str) -> None:
    for key, event in events.items():
        if not isinstance(event, dict):
            continue
        draft.tally("sessions").source += 1
        where = f"{file} events.{key}"
        start, end = parse_time(event.get("start_time")), parse_time(event.get("end_time"))
        if start is None or end is None:
            draft.skip(where, "no start and end time; left out")
            continue
        kind = str(event.get("type") or "")
        title_parts = [plain_line(str(event.get(name) or "")) for name in ("session", "track")]
        title = ": ".join(part for part in title_parts if part) or plain_line(key)
        if kind and kind.lower() not in title.lower():
            title = f"{title} ({kind})"
        session: dict[str, Any] = {
            "id": slugify(str(event.get("id") or key)),
            "title": title,
            "type": EVENT_TYPES.get(kind.lower(), session_type(kind, title)),
            "start": start,
            "end": end,
            "_key": str(key),
            "_where": where,
            "papers": [str(p) for p in event.get("paper_ids") or []],
        }
        if description := draft.event_descriptions.get(str(key)):
            session["description"] = description
        if room := plain_line(str(event.get("room") or "")):
            session["room"] = room
        chairs = [plain_line(str(c)) for c in event.get("chairs") or [] if str(c).strip()]
        if chairs:
            session["chairs"] = chairs
        if (link := str(event.get("link") or "")).startswith(("http://", "https://")):
            session["stream_url"] = link
        draft.sessions.append(session)


def _read_extra(draft: Draft, kind: str, items: dict, file: str) -> None:
    """EMNLP 2023's plenaries, tutorials and workshops: speakers, sessions, workshops."""
    for key, item in items.items() if isinstance(items, dict) else []:
        if not isinstance(item, dict):
            continue
        where = f"{file} {kind}.{key}"
        uid = slugify(str(item.get("id") or key))
        title = plain_line(str(item.get("title") or item.get("name") or key))
        people = split_authors(
            "|".join(str(p) for p in item.get("speakers") or item.get("organizers") or [])
        )
        description = str(item.get("description") or item.get("abstract") or "")
        if kind == "workshops":
            draft.tally("workshops").source += 1
            workshop: dict[str, Any] = {"id": uid, "title": title, "_where": where}
            if people:
                workshop["organizers"] = [p["name"] for p in people]
            if description:
                workshop["abstract"] = description
            if url := absolute(draft, str(item.get("url") or item.get("website") or ""), where):
                workshop["url"] = url
            draft.workshops.append(workshop)
        elif kind == "plenaries":
            for person in people:
                draft.tally("speakers").source += 1
                draft.speakers.append(
                    {
                        "id": slugify(f"{uid} {person['name']}"),
                        "name": person["name"],
                        "talk_title": title,
                        "abstract": description,
                        "_where": where,
                    }
                )
        start = parse_time(item.get("start_time"))
        end = parse_time(item.get("end_time"))
        if start and end:
            draft.tally("sessions").source += 1
            session: dict[str, Any] = {
                "id": slugify(f"{kind} {uid}"),
                "title": title,
                "type": EVENT_TYPES.get(kind, "social"),
                "start": start,
                "end": end,
                "_where": where,
            }
            if kind == "workshops":
                session["workshop"] = uid
            elif kind == "plenaries":
                session["speakers"] = [slugify(f"{uid} {p['name']}") for p in people]
            if description and kind != "workshops":
                session["description"] = description
            draft.sessions.append(session)
