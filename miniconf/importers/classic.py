"""The classic Mini-Conf layout (Mini-Conf itself, COLT, EEML, ISMIR, OzCHI, ...).

    papers.csv            UID,title,authors,abstract,keywords,sessions (+ columns forks added:
                          session, session_code, Abstract, pdf_path, slideslive_1, youtubeUrl ...)
    speakers.csv|.yml     UID,image,title,institution,speaker,abstract,bio,session
    workshops.csv         UID,title,authors,abstract[,url]
    sessions.yml          (OzCHI) UID,title,chair,location,
                          date ("Wednesday 2022-11-30 11:00-12:20 AEDT")
    chairs.csv            (COLT) UID (a session name),chair
    tutorials.csv         (ISMIR) UID,title,presenters,abstract,slack_channel
    main_calendar.json    [{title, start, end, link, calendarId}]

Papers name their sessions ("Session 1A"); calendar events link to them
(``papers.html?session=Session+1A``, ``session_S1.html``); the two are joined into our
sessions, whose ids are derived from the names so that importing again gives the same ids.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from .common import (
    Draft,
    Row,
    guess_zone,
    parse_time,
    plain_line,
    read_json,
    read_table,
    read_yaml,
    slugify,
    split_authors,
    split_list,
    strip_controls,
)
from .links import absolute
from .miniconf import (
    markdown,
    read_committee,
    read_config,
    read_faq,
    read_projection,
    report_unread,
)
from .records import CHANNEL, PAPER_COLUMNS, paper_from_row, set_video

READ_FILES = {
    "papers.csv",
    "open_problems.csv",
    "lbd.csv",
    "speakers.csv",
    "speakers.yml",
    "workshops.csv",
    "sessions.yml",
    "chairs.csv",
    "tutorials.csv",
    "config.yml",
    "faq.yml",
    "committee.yml",
    "main_calendar.json",
    "papers_projection.json",
}
SPEAKER_FIELDS = {
    "uid",
    "image",
    "im",
    "title",
    "talktitle",
    "talk_title",
    "institution",
    "affiliation",
    "speaker",
    "name",
    "abstract",
    "bio",
    "homepage",
    "website",
    "web",
    "session",
    "date",
    "youtube_link",
    "presentation_id",
    "location",
}
_PAGE_LINK = re.compile(r"(?:^|/)(speaker|workshop|session|tutorial)_([A-Za-z0-9_.-]+)\.html$")
_SESSION_DATE = re.compile(
    r"(?P<day>\d{4}-\d\d-\d\d)\D+(?P<start>\d{1,2}:\d\d)\s*(?:-\s*(?P<end>\d{1,2}:\d\d))?"
    r"\s*(?P<zone>[A-Z]{2,5})?"
)
SESSION_WORDS = (
    ("poster", "poster"),
    ("workshop", "workshop"),
    ("tutorial", "tutorial"),
    ("keynote", "keynote"),
    ("oral", "oral"),
    ("paper", "oral"),
    ("lecture", "keynote"),
    ("talk", "keynote"),
    ("break", "break"),
    ("coffee", "break"),
    ("lunch", "break"),
    ("social", "social"),
)


def session_type(*words: str, default: str = "social") -> str:
    text = " ".join(words).lower()
    return next((kind for word, kind in SESSION_WORDS if word in text), default)


def _session_names(row: Row) -> list[str]:
    """Which sessions a paper is in: ``sessions`` (``|``-separated), ``session``,
    ``session_code`` (OzCHI), or ``session_name``."""
    for column in ("sessions", "session", "session_code", "session_name"):
        if names := split_list(row.values.get(column)):
            return names
    return []


def read(draft: Draft) -> None:
    source = draft.source
    read_config(draft, source / "config.yml")
    calendar = _read_calendar_events(draft)
    _read_papers(draft)
    _read_speakers(draft)
    _read_workshops(draft)
    read_faq(draft, source / "faq.yml")
    read_committee(draft, source / "committee.yml")
    listed = _read_session_list(draft)
    _sessions_from_calendar(draft, calendar, listed)
    _read_chairs(draft)
    read_projection(draft, source / "papers_projection.json")
    _chat_rooms(draft)
    for name in ("highlighted.csv",):
        if (source / name).is_file():
            draft.skip(name, "highlights have no place in our model")
    report_unread(draft, source, READ_FILES | {"highlighted.csv"})


# --------------------------------------------------------------------------- papers


#: Other files of papers that sites of this family keep, and the type of their papers.
EXTRA_PAPER_FILES = {"open_problems.csv": "Open problem", "lbd.csv": "Late-breaking demo"}


def _read_papers(draft: Draft) -> None:
    if not (draft.source / "papers.csv").is_file():
        draft.skip("papers.csv", "not found; no papers imported")
    for name, kind in (("papers.csv", None), *EXTRA_PAPER_FILES.items()):
        if (draft.source / name).is_file():
            _read_paper_file(draft, name, kind)


def _read_paper_file(draft: Draft, name: str, kind: str | None) -> None:
    header, rows = read_table(draft.source / name)
    taken = {paper["id"].lower() for paper in draft.papers}
    positions: dict[tuple[str, str], float] = {}
    for row in rows:
        draft.tally("papers").source += 1
        uid = row.get("uid", "id", "paper_id")
        if kind and uid.lower() in taken:  # lbd.csv numbers its demos like papers.csv
            uid = f"{name.removesuffix('.csv')}.{uid}"
        where = f"{name}:{row.line}"
        paper = paper_from_row(draft, row, uid, where)
        if paper is None:
            continue
        if kind:
            paper.setdefault("type", kind)
        uid = paper["id"]
        draft.papers.append(paper)
        if channel := row.get(*CHANNEL):
            draft.rooms[f"paper/{uid}"] = channel
        draft.channel_urls.append(row.get("channel_url"))
        for index, session in enumerate(_session_names(row)):
            draft.memberships.append((uid, session))
            position = row.get("session_position", "position", f"position_{index + 1}")
            with contextlib.suppress(ValueError):
                positions[(uid, session)] = float(position)
    draft.paper_positions.update(positions)
    for column in header:
        if column and column not in PAPER_COLUMNS | {"channel_url"}:
            used = sum(bool(row.values.get(column, "").strip()) for row in rows)
            if used:
                draft.skip(
                    f"{name} column '{column}'",
                    f"no place for it in our model ({used} non-empty values)",
                )


# --------------------------------------------------------------------------- people


def _read_speakers(draft: Draft) -> None:
    csv_file, yaml_file = draft.source / "speakers.csv", draft.source / "speakers.yml"
    entries: list[tuple[str, dict[str, Any]]] = []
    if csv_file.is_file():
        _, rows = read_table(csv_file)
        entries = [(f"speakers.csv:{row.line}", row.values) for row in rows]
    elif yaml_file.is_file():
        data = read_yaml(yaml_file)
        entries = [
            (
                f"speakers.yml:{getattr(entry, 'line', 1)}",
                {key.lower(): "" if value is None else str(value) for key, value in entry.items()},
            )
            for entry in (data if isinstance(data, list) else [])
            if isinstance(entry, dict)
        ]
    dropped: set[str] = set()
    for where, values in entries:
        draft.tally("speakers").source += 1
        values = strip_controls(values, where, draft)
        row = Row(0, values)
        name = row.get("speaker", "name") or row.get("title")
        uid = row.get("uid")
        speaker: dict[str, Any] = {
            "id": uid if uid else slugify(name),
            "name": plain_line(name),
            "_uid": uid,
            "_where": where,
            "_session": row.get("session"),
        }
        if (talk := row.get("talktitle", "talk_title")) or (
            (talk := row.get("title")) and talk != name
        ):
            speaker["talk_title"] = plain_line(talk)
        if affiliation := row.get("institution", "affiliation"):
            speaker["affiliation"] = plain_line(affiliation)
        for key in ("abstract", "bio"):
            if text := row.get(key):
                speaker[key] = markdown(draft, text, where)
        if (
            (photo := row.get("image", "im"))
            and not photo.endswith("/")
            and (link := absolute(draft, photo, where))
            and link.startswith(("http://", "https://"))
        ):
            speaker["photo"] = link
        if (homepage := row.get("homepage", "website", "web")) and (
            link := absolute(draft, homepage, where)
        ):
            speaker["homepage"] = link
        set_video(draft, speaker, row.get("youtube_link", "presentation_id"), where)
        dropped.update(key for key, value in values.items() if value and key not in SPEAKER_FIELDS)
        draft.speakers.append(speaker)
    for key in sorted(dropped):
        draft.skip(f"speakers field '{key}'", "no place for it in our model")


def _read_workshops(draft: Draft) -> None:
    file = draft.source / "workshops.csv"
    if not file.is_file():
        return
    _, rows = read_table(file)
    for row in rows:
        draft.tally("workshops").source += 1
        where = f"workshops.csv:{row.line}"
        row = Row(row.line, strip_controls(row.values, where, draft))
        title = row.get("title")
        workshop: dict[str, Any] = {
            "id": row.get("uid") or slugify(title),
            "title": title,
            "_where": where,
        }
        organizers = [author["name"] for author in split_authors(row.get("authors", "organizers"))]
        if organizers:
            workshop["organizers"] = organizers
        if abstract := row.get("abstract"):
            workshop["abstract"] = markdown(draft, abstract, where)
        if (url := row.get("url", "link", "website")) and (link := absolute(draft, url, where)):
            workshop["url"] = link
        draft.workshops.append(workshop)


# --------------------------------------------------------------------------- sessions


def _read_calendar_events(draft: Draft) -> list[dict]:
    """The calendar's events, with parsed times; and the conference's zone from them."""
    file = draft.source / "main_calendar.json"
    events = read_json(file) if file.is_file() else []
    if not isinstance(events, list):
        from .common import MiniConfImportError

        raise MiniConfImportError(f"{file}: expected a list of events")
    parsed = []
    for index, event in enumerate(events):
        where = f"main_calendar.json event {index + 1}"
        if not isinstance(event, dict):
            draft.skip(where, "not an object; left out")
            continue
        start, end = parse_time(event.get("start")), parse_time(event.get("end"))
        if start is None or end is None:
            draft.skip(where, "no valid start and end time; left out")
            continue
        parsed.append({**event, "_start": start, "_end": end, "_index": index})
    _set_zone(draft, [e["_start"] for e in parsed if has_offset(e.get("start"))])
    return sorted(parsed, key=lambda e: (e["_start"], str(e.get("title", "")), e["_index"]))


def has_offset(value: object) -> bool:
    """Whether a time as the source wrote it says its offset (``Z``, ``-04:00``)."""
    return re.search(r"(Z|[+-]\d\d:?\d\d)$", str(value or "").strip()) is not None


def _set_zone(draft: Draft, times: list[datetime]) -> None:
    zone = guess_zone(times)
    if zone:
        draft.timezone = zone
        draft.config["timezone"] = zone
        if zone != "UTC":
            draft.summary.kept.append(f"time zone {zone}, from the offsets of the source's times")


def _read_session_list(draft: Draft) -> dict[str, dict]:
    """OzCHI's ``sessions.yml``: sessions with their own dates, by UID."""
    file = draft.source / "sessions.yml"
    if not file.is_file():
        return {}
    data = read_yaml(file)
    listed: dict[str, dict] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not entry.get("UID"):
            continue
        uid = str(entry["UID"]).strip()
        where = f"sessions.yml:{getattr(entry, 'line', 1)}"
        match = _SESSION_DATE.search(str(entry.get("date") or ""))
        if not match:
            draft.skip(where, f"session {uid}: no date and time in {entry.get('date')!r}")
            continue
        zone = match.group("zone") or ""
        start = parse_time(
            f"{match.group('day')}T{match.group('start'):0>5} {zone}".strip(), draft.timezone
        )
        end = (
            parse_time(
                f"{match.group('day')}T{(match.group('end') or '') or ''} {zone}".strip(),
                draft.timezone,
            )
            if match.group("end")
            else None
        )
        if start is None:
            continue
        session: dict[str, Any] = {
            "id": slugify(uid),
            "title": plain_line(str(entry.get("title") or uid)),
            "type": session_type(str(entry.get("type") or ""), default="oral"),
            "start": start,
            "end": end or start + timedelta(hours=1),
            "_key": uid,
            "_where": where,
        }
        if chair := plain_line(str(entry.get("chair") or "")):
            session["chairs"] = [chair]
        if room := plain_line(str(entry.get("location") or "")):
            session["room"] = room
        set_video(draft, session, entry.get("youtube_link"), where)
        listed[uid] = session
    return listed


def _sessions_from_calendar(draft: Draft, events: list[dict], listed: dict[str, dict]) -> None:
    named: dict[str, list[str]] = {}
    for paper_id, name in draft.memberships:
        named.setdefault(name, []).append(paper_id)
    order = draft.paper_positions
    for name, ids in named.items():
        ids.sort(key=lambda paper_id: order.get((paper_id, name), float("inf")))
    speaker_by_uid = {s["_uid"]: s["id"] for s in draft.speakers if s.get("_uid")}
    workshop_ids = {w["id"] for w in draft.workshops}
    tutorials = _read_tutorials(draft)
    taken: set[str] = set()
    # The next number to try after each stamped id: ids are only ever added, so the
    # numbers before it stay taken (counting from 2 each time was quadratic: 5,000
    # events of one name at one time took minutes).
    next_number: dict[str, int] = {}

    def unique(base: str, start: datetime) -> str:
        candidate = base
        if candidate in taken:
            stamped = candidate = f"{base}-{start:%Y%m%d-%H%M}"
            number = next_number.get(stamped, 2)
            while candidate in taken:
                candidate, number = f"{stamped}-{number}", number + 1
            next_number[stamped] = number
        taken.add(candidate)
        return candidate

    for uid, session in listed.items():
        session["id"] = unique(session["id"], session["start"])
        if papers := named.get(uid):
            session["papers"] = list(papers)
        draft.sessions.append(session)
    draft.tally("sessions").source = len(listed) + len(events)
    linked = set(listed)
    for event in events:
        title = str(event.get("title") or "")
        where = f"main_calendar.json event {event['_index'] + 1} ({plain_line(title)!r})"
        link = str(event.get("link") or event.get("location") or "").strip()
        parts = urlsplit(link)
        query = parse_qs(parts.query)
        session_name = next(iter(query.get("session", [])), None)
        if session_name is None and query.get("filter", [""])[0] in ("session", "sessions"):
            session_name = next(iter(query.get("search", [])), None)  # ?filter=sessions&search=P1
        page = _PAGE_LINK.search(unquote_plus(parts.path))
        start, end = event["_start"], event["_end"]
        if end <= start:
            end = start + timedelta(minutes=30)
            draft.warn(where, "ends when it starts; given 30 minutes")
        category = str(event.get("calendarId") or "")
        session = {
            "id": "",
            "title": plain_line(title) or "Event",
            "type": session_type(title, category),
            "start": start,
            "end": end,
            "_where": where,
        }
        base = slugify(title)
        if page and page.group(1) == "session" and page.group(2) in listed:
            draft.tally("sessions").source -= 1  # the same session as sessions.yml's
            continue
        if session_name is not None:
            base = slugify(session_name)
            session["type"] = session_type(title, category, default="poster")
            session["_key"] = session_name
            linked.add(session_name)
            if papers := named.get(session_name):
                session["papers"] = list(papers)
        elif page and page.group(1) == "speaker" and page.group(2) in speaker_by_uid:
            session["type"] = "keynote"
            session["speakers"] = [speaker_by_uid[page.group(2)]]
        elif page and page.group(1) == "workshop" and page.group(2) in workshop_ids:
            session["type"] = "workshop"
            session["workshop"] = page.group(2)
        elif page and page.group(1) == "tutorial" and page.group(2) in tutorials:
            tutorial = tutorials[page.group(2)]
            session["type"] = "tutorial"
            session["description"] = tutorial["description"]
            if tutorial.get("channel"):
                session["_room"] = tutorial["channel"]
        elif (talk := _talk_in(title, draft.speakers)) is not None:
            # EEML links its lectures to calendar tabs: the talk's title names its speaker.
            session["speakers"] = [talk["id"]]
            if session["type"] == "social":
                session["type"] = "keynote"
        elif link.startswith(("http://", "https://")):
            session["description"] = f"Link: <{link}>"
        elif link:
            absolute(draft, link, where)  # counted: a page of the old site
        zoom = str(event.get("zoom_link") or "").strip()
        if zoom.startswith(("http://", "https://")):
            session["stream_url"] = zoom
        if channel := str(event.get("slack_channel") or "").strip():
            session["_room"] = channel
        session["id"] = unique(base, start)
        draft.sessions.append(session)
    for name in named:
        if name not in linked:
            draft.skip(
                f"papers.csv session '{name}'",
                "no event in main_calendar.json links to it (papers.html?session=...) "
                f"and no sessions.yml entry dates it; {len(named[name])} paper(s) "
                "keep no session",
            )


def _talk_in(title: str, speakers: list[dict]) -> dict | None:
    """The speaker whose talk the event's title names ("Overview of Unsupervised
    Learning (Mihaela)"): the longest talk title in it, when only one is that long."""
    lowered = plain_line(title).lower()
    found = sorted(
        (
            s
            for s in speakers
            if len(s.get("talk_title", "")) >= 12 and s["talk_title"].lower() in lowered
        ),
        key=lambda s: -len(s["talk_title"]),
    )
    if len(found) > 1 and len(found[0]["talk_title"]) == len(found[1]["talk_title"]):
        return None
    return found[0] if found else None


def _read_tutorials(draft: Draft) -> dict[str, dict]:
    """ISMIR's ``tutorials.csv`` (no dates: the calendar's ``tutorial_<UID>.html``
    events give them): each tutorial's description for its sessions."""
    file = draft.source / "tutorials.csv"
    if not file.is_file():
        return {}
    _, rows = read_table(file)
    tutorials = {}
    for row in rows:
        where = f"tutorials.csv:{row.line}"
        row = Row(row.line, strip_controls(row.values, where, draft))
        parts = [f"**{plain_line(row.get('title'))}**"] if row.get("title") else []
        if presenters := row.get("presenters", "organizers"):
            parts.append(f"Presenters: {plain_line(presenters)}")
        if abstract := row.get("abstract"):
            parts.append(markdown(draft, abstract, where))
        if bios := row.get("bios", "bio"):
            parts.append(markdown(draft, bios, where))
        tutorials[row.get("uid")] = {
            "description": "\n\n".join(parts)[:20_000],
            "channel": row.get(*CHANNEL),
        }
    return tutorials


def _read_chairs(draft: Draft) -> None:
    """COLT's ``chairs.csv``: UID (a session's name), chair."""
    file = draft.source / "chairs.csv"
    if not file.is_file():
        return
    _, rows = read_table(file)
    chairs: dict[str, list[str]] = {}
    for row in rows:
        if row.get("uid") and row.get("chair"):
            chairs.setdefault(row.get("uid"), []).append(plain_line(row.get("chair")))
    matched = 0
    for session in draft.sessions:
        for key in (session.get("_key"), session.get("title")):
            if key in chairs:
                session["chairs"] = chairs[key]
                matched += 1
                break
    draft.summary.kept.append(f"chairs.csv → chairs of {matched} session(s)")


# --------------------------------------------------------------------------- chat


def _chat_rooms(draft: Draft) -> None:
    """The old site's rooms: a paper's own channel column (ISMIR's ``slack_channel``),
    else Mini-Conf's ``paper_<UID>`` on its Rocket.Chat server."""
    slack = next(
        (
            url
            for url in draft.channel_urls
            if url and (urlsplit(url).hostname or "").endswith(".slack.com")
        ),
        None,
    )
    if slack:
        parts = urlsplit(slack)
        draft.config["chat"] = {"provider": "slack", "server": f"https://{parts.hostname}"}
        draft.summary.kept.append(
            f"channel_url → chat (Slack at https://{parts.hostname}), "
            "with each paper's slack_channel"
        )
    chat = draft.config.get("chat")
    if not chat:
        return
    if not any(key.startswith("paper/") for key in draft.rooms):
        template = draft.paper_room or "paper_{id}"
        for paper in draft.papers:
            draft.rooms[f"paper/{paper['id']}"] = template.replace("{id}", paper["id"])
        chat["rooms"] = {"paper": template}
