"""The ACL 2020 fork of Mini-Conf (ACL 2020, EMNLP 2020, EACL 2021, NAACL 2021, ...).

    main_papers.csv, demo_papers.csv, findings_papers.csv, tacl_papers.csv, srw_papers.csv
                      UID (main.8, TACL.2255),title,authors,abstract,keywords,track,
                      paper_type,pdf_url
    w1_papers.csv ... workshop_papers.csv   a workshop's papers: UID,title,speakers,
                                            presentation_id
    *_paper_sessions.yml     {session name: {date: 2020-07-06_05:00:00, papers: [ids]}}
    *_paper_zoom_links.csv   UID,session_name,starttime,endtime,timezone,zoom_join_link
    *_paper_slideslive_ids.csv  UID,presentation_id
    plenary_sessions.yml, tutorials.yml, workshops.yml, socials.yml   each with sessions:
                             [{name, start_time, end_time}]
    sponsors.yml             [{level, sponsors: [{UID, name, logo, website}]}]
    overall_calendar.json    the calendar, made from the files above (so not read again)
    paper_recs.json          similar papers

Chat rooms were Rocket.Chat channels: ``paper-<UID with '.' as '-'>`` for papers,
``rocketchat_channel`` of workshops and socials.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .classic import _set_zone, has_offset
from .common import (
    Draft,
    parse_time,
    plain_line,
    read_json,
    read_table,
    read_yaml,
    slugify,
    split_authors,
    strip_controls,
)
from .links import absolute
from .miniconf import (
    markdown,
    read_committee,
    read_config,
    read_faq,
    read_projection,
    read_recommendations,
    report_unread,
)
from .records import PAPER_COLUMNS, paper_from_row, set_video

_WORKSHOP_FILE = re.compile(r"^(w\d+|workshop)_papers\.csv$", re.IGNORECASE)
#: How long a paper session lasts when no zoom-links file gives its end.
DEFAULT_SESSION_LENGTH = timedelta(hours=1)


def read(draft: Draft) -> None:
    source = draft.source
    read_files: set[str] = {
        "config.yml",
        "faq.yml",
        "committee.yml",
        "papers_projection.json",
        "paper_recs.json",
        "overall_calendar.json",
    }
    read_config(draft, source / "config.yml")
    _zone_from_calendar(draft, source / "overall_calendar.json")
    workshops = _read_workshops(draft, source / "workshops.yml")
    read_files.add("workshops.yml")
    papers_by_id: dict[str, dict] = {}
    for file in sorted(source.glob("*_papers.csv")):
        read_files.add(file.name)
        _read_paper_file(draft, file, workshops, papers_by_id)
    for file in sorted(source.glob("*_paper_slideslive_ids.csv")):
        read_files.add(file.name)
        _, rows = read_table(file)
        for row in rows:
            paper = papers_by_id.get(row.get("uid"))
            if paper is not None and not (paper.get("media") or {}).get("video"):
                set_video(draft, paper, row.get("presentation_id"), f"{file.name}:{row.line}")
    times, zoom_links = _paper_session_times(draft, source, read_files)
    _read_paper_sessions(draft, source, times, read_files)
    if zoom_links:
        draft.skip(
            "*_paper_zoom_links.csv zoom_join_link",
            f"{zoom_links} per-paper Zoom links: our sessions have one stream link, "
            "not one per paper",
        )
    for name, reader in (
        ("plenary_sessions.yml", _read_plenaries),
        ("tutorials.yml", _read_tutorials),
        ("socials.yml", _read_socials),
        ("sponsors.yml", _read_sponsors),
    ):
        if (source / name).is_file():
            read_files.add(name)
            reader(draft, source / name)
    read_faq(draft, source / "faq.yml")
    read_committee(draft, source / "committee.yml")
    read_projection(draft, source / "papers_projection.json")
    read_recommendations(draft, source / "paper_recs.json")
    _chat_rooms(draft)
    if (source / "overall_calendar.json").is_file():
        draft.summary.kept.append(
            "overall_calendar.json: its events are the sessions of the "
            "files above (read from those instead)"
        )
    report_unread(draft, source, read_files)


def _zone_from_calendar(draft: Draft, file: Path) -> None:
    events = read_json(file) if file.is_file() else []
    times = [
        t
        for e in events
        if isinstance(e, dict) and has_offset(e.get("start")) and (t := parse_time(e.get("start")))
    ]
    _set_zone(draft, times)


# --------------------------------------------------------------------------- papers


def _read_paper_file(
    draft: Draft, file: Path, workshops: dict[str, dict], papers_by_id: dict[str, dict]
) -> None:
    header, rows = read_table(file)
    prefix = file.name[: -len("_papers.csv")]
    workshop_id = None
    if _WORKSHOP_FILE.match(file.name) and prefix.lower() != "workshop":
        workshop_id = next((key for key in workshops if key.lower() == prefix.lower()), None)
    for row in rows:
        draft.tally("papers").source += 1
        uid = row.get("uid", "id")
        where = f"{file.name}:{row.line}"
        owner = None
        if workshop_id or prefix.lower() == "workshop":
            # w1_papers.csv numbers its papers from 1: the workshop's id keeps them apart
            # (W1.1); workshop_papers.csv (EMNLP 2020) has ids such as WS-1.100 already.
            named = row.get("workshop", "workshop_id") or (uid.split(".")[0] if "." in uid else "")
            owner = workshop_id or next(
                (key for key in workshops if key.lower() == named.lower()), named or None
            )
            if owner and not uid.startswith(f"{owner}."):
                uid = f"{owner}.{uid}"
        paper = paper_from_row(draft, row, uid, where)
        if paper is None:
            continue
        if owner:
            if owner in workshops:
                paper["workshop"] = owner
            paper.setdefault("type", "Workshop")
        elif "type" not in paper:
            paper["type"] = prefix.upper() if len(prefix) <= 4 else prefix.title()
        if uid in papers_by_id:
            draft.tally("papers").lose("listed twice (the first copy is kept)")
            continue
        papers_by_id[uid] = paper
        draft.papers.append(paper)
    for column in header:
        if column and column not in PAPER_COLUMNS and column != "emails":
            used = sum(bool(row.values.get(column, "").strip()) for row in rows)
            if used:
                draft.skip(
                    f"{file.name} column '{column}'",
                    f"no place for it in our model ({used} non-empty values)",
                )
    if "emails" in header:
        draft.skip(f"{file.name} column 'emails'", "authors' e-mail addresses are not published")


def _paper_session_times(
    draft: Draft, source: Path, read_files: set[str]
) -> tuple[dict[str, tuple[datetime, datetime]], int]:
    """Each paper session's (start, end) from the zoom-links files, and how many
    per-paper Zoom links they hold."""
    times: dict[str, tuple[datetime, datetime]] = {}
    links = 0
    for file in sorted(source.glob("*_paper_zoom_links.csv")):
        read_files.add(file.name)
        _, rows = read_table(file)
        for row in rows:
            start = parse_time(row.get("starttime"), row.get("timezone") or draft.timezone)
            end = parse_time(row.get("endtime"), row.get("timezone") or draft.timezone)
            if row.get("session_name") and start and end and end > start:
                times.setdefault(row.get("session_name"), (start, end))
            links += bool(row.get("zoom_join_link"))
    return times, links


def _read_paper_sessions(
    draft: Draft, source: Path, times: dict[str, tuple[datetime, datetime]], read_files: set[str]
) -> None:
    sessions: dict[str, dict] = {}
    guessed = 0
    for file in sorted(source.glob("*paper_sessions.yml")):
        read_files.add(file.name)
        data = read_yaml(file)
        for name, entry in data.items() if isinstance(data, dict) else []:
            if not isinstance(entry, dict):
                continue
            name = str(name)
            where = f"{file.name}:{getattr(entry, 'line', 1)}"
            paper_ids = [str(p) for p in entry.get("papers") or []]
            draft.memberships += [(paper_id, name) for paper_id in paper_ids]
            if name in sessions:
                sessions[name]["papers"] += paper_ids
                continue
            draft.tally("sessions").source += 1
            start, end = times.get(name, (None, None))
            if start is None:
                start = parse_time(entry.get("date"), draft.timezone)
                end = start + DEFAULT_SESSION_LENGTH if start else None
                guessed += start is not None
            if start is None:
                draft.skip(where, f"session {name}: no date; its papers keep no session")
                continue
            sessions[name] = {
                "id": slugify(f"session {name}"),
                "title": f"Session {name}",
                "type": "poster",
                "start": start,
                "end": end,
                "papers": paper_ids,
                "_key": name,
                "_where": where,
            }
    if guessed:
        draft.warn(
            "*_paper_sessions.yml",
            f"{guessed} session(s) have a start but no end "
            f"in the source; they were given {DEFAULT_SESSION_LENGTH}",
        )
    draft.sessions += sessions.values()


# --------------------------------------------------------------------------- events


def _event_sessions(
    draft: Draft, owner: dict, entries: Any, base: dict[str, Any], where: str
) -> list[dict]:
    """Sessions from an item's ``sessions: [{name, start_time, end_time}]``."""
    made = []
    entries = entries if isinstance(entries, list) else []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        draft.tally("sessions").source += 1
        start = parse_time(entry.get("start_time"), draft.timezone)
        end = parse_time(entry.get("end_time"), draft.timezone)
        name = plain_line(str(entry.get("name") or ""))
        if start is None or end is None:
            draft.skip(where, f"session {name!r} of {owner['id']}: no start and end time")
            continue
        title = base["title"] if len(entries) == 1 or not name else f"{base['title']} ({name})"
        session = {
            **base,
            "id": slugify(f"{owner['id']} {name or f'{start:%Y%m%d-%H%M}'}"),
            "title": title,
            "start": start,
            "end": end,
            "_where": where,
        }
        if (zoom := str(entry.get("zoom_link") or "")).startswith(("http://", "https://")):
            session["stream_url"] = zoom
        if entry.get("livestream_id"):
            set_video(draft, session, entry["livestream_id"], where)
        made.append(session)
    draft.sessions += made
    return made


def _items(draft: Draft, file: Path) -> list[tuple[str, dict]]:
    data = read_yaml(file)
    return [
        (f"{file.name}:{getattr(item, 'line', 1)}", strip_controls(dict(item), file.name, draft))
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict)
    ]


def _read_workshops(draft: Draft, file: Path) -> dict[str, dict]:
    workshops: dict[str, dict] = {}
    if not file.is_file():
        return workshops
    for where, item in _items(draft, file):
        draft.tally("workshops").source += 1
        uid = str(item.get("UID") or "").strip() or slugify(str(item.get("title") or ""))
        workshop: dict[str, Any] = {
            "id": uid,
            "title": plain_line(str(item.get("title") or "")),
            "_where": where,
        }
        organizers = item.get("organizers") or []
        if isinstance(organizers, str):
            organizers = [a["name"] for a in split_authors(organizers)]
        if organizers:
            workshop["organizers"] = [plain_line(str(name)) for name in organizers]
        if item.get("abstract"):
            workshop["abstract"] = markdown(draft, item["abstract"], where)
        if url := absolute(draft, str(item.get("website") or ""), where):
            workshop["url"] = url
        set_video(draft, workshop, item.get("livestream"), where)
        if channel := str(item.get("rocketchat_channel") or "").strip():
            draft.rooms[f"workshop/{uid}"] = channel
        draft.workshops.append(workshop)
        workshops[uid] = workshop
        _event_sessions(
            draft,
            workshop,
            item.get("sessions"),
            {"title": workshop["title"], "type": "workshop", "workshop": uid},
            where,
        )
    return workshops


def _read_plenaries(draft: Draft, file: Path) -> None:
    for where, item in _items(draft, file):
        draft.tally("speakers").source += 1
        uid = str(item.get("UID") or "").strip()
        title = plain_line(str(item.get("title") or ""))
        speaker: dict[str, Any] = {
            "id": uid or slugify(title),
            "name": plain_line(str(item.get("presenter") or title)),
            "_where": where,
        }
        if title and title != speaker["name"]:
            speaker["talk_title"] = title
        if item.get("abstract"):
            speaker["abstract"] = markdown(draft, item["abstract"], where)
        if item.get("bio"):
            speaker["bio"] = markdown(draft, item["bio"], where)
        if photo := absolute(draft, str(item.get("image") or ""), where):
            speaker["photo"] = photo
        set_video(draft, speaker, item.get("presentation_id"), where)
        draft.speakers.append(speaker)
        _event_sessions(
            draft,
            speaker,
            item.get("sessions"),
            {"title": title or speaker["name"], "type": "keynote", "speakers": [speaker["id"]]},
            where,
        )


def _read_tutorials(draft: Draft, file: Path) -> None:
    for where, item in _items(draft, file):
        uid = str(item.get("UID") or "").strip() or slugify(str(item.get("title") or ""))
        title = plain_line(str(item.get("title") or uid))
        title = title if title.startswith(uid) else f"{uid}: {title}"
        parts = []
        if organizers := plain_line(str(item.get("organizers") or "")):
            parts.append(f"Presenters: {organizers}")
        if item.get("abstract"):
            parts.append(markdown(draft, item["abstract"], where))
        if website := absolute(draft, str(item.get("website") or ""), where):
            parts.append(f"<{website}>")
        owner = {"id": uid}
        made = _event_sessions(
            draft,
            owner,
            item.get("sessions"),
            {"title": title, "type": "tutorial", "description": "\n\n".join(parts)},
            where,
        )
        for session in made:
            if not (session.get("media") or {}).get("video") and item.get("prerecorded"):
                set_video(draft, session, item["prerecorded"], where)
            if channel := str(item.get("rocketchat_channel") or "").strip():
                session["_room"] = channel


def _read_socials(draft: Draft, file: Path) -> None:
    for where, item in _items(draft, file):
        uid = str(item.get("UID") or "").strip() or slugify(str(item.get("name") or ""))
        title = plain_line(str(item.get("name") or item.get("title") or uid))
        parts = []
        if item.get("description"):
            parts.append(markdown(draft, item["description"], where))
        organizers = item.get("organizers") or {}
        members = organizers.get("members") if isinstance(organizers, dict) else organizers
        if isinstance(members, list) and members:
            parts.append("Organizers: " + ", ".join(plain_line(str(m)) for m in members))
        if website := absolute(draft, str(item.get("website") or ""), where):
            parts.append(f"<{website}>")
        made = _event_sessions(
            draft,
            {"id": uid},
            item.get("sessions"),
            {"title": title, "type": "social", "description": "\n\n".join(parts)},
            where,
        )
        if channel := str(item.get("rocketchat_channel") or "").strip():
            for session in made:
                session["_room"] = channel


def _read_sponsors(draft: Draft, file: Path) -> None:
    data = read_yaml(file)
    for level in data if isinstance(data, list) else []:
        if not isinstance(level, dict):
            continue
        listed = level.get("sponsors")
        entries = listed if isinstance(listed, list) else [level]
        for item in entries:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            where = f"{file.name}:{getattr(item, 'line', 1)}"
            draft.tally("sponsors").source += 1
            sponsor: dict[str, Any] = {"name": plain_line(str(item["name"])), "_where": where}
            if level.get("level"):
                sponsor["level"] = plain_line(str(level["level"]))
            if url := absolute(draft, str(item.get("website") or ""), where):
                sponsor["url"] = url
            logo = str(item.get("logo") or "")
            if logo.startswith(("http://", "https://")):
                sponsor["logo"] = logo
            elif logo and (link := absolute(draft, logo, where)):
                sponsor["logo"] = link
            draft.sponsors.append(sponsor)


# --------------------------------------------------------------------------- chat


def _chat_rooms(draft: Draft) -> None:
    """ACL 2020's Rocket.Chat channels of papers: ``paper-main-8`` for ``main.8``."""
    chat = draft.config.get("chat")
    if not chat:
        return
    for paper in draft.papers:
        if not paper.get("workshop"):
            draft.rooms[f"paper/{paper['id']}"] = (
                draft.paper_room.replace("{id}", paper["id"])
                if draft.paper_room
                else "paper-" + paper["id"].replace(".", "-")
            )
    chat["rooms"] = {"paper": draft.paper_room or "paper-{id}"}
