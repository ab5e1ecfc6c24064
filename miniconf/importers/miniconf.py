"""Import a Mini-Conf ``sitedata/`` folder (https://github.com/Mini-Conf/Mini-Conf) or a fork's.

Mini-Conf and the sites built on it keep a conference in CSV, YAML and JSON files, in
four families of layout, which :func:`detect_layout` tells apart:

- classic (Mini-Conf itself, COLT, EEML, ISMIR, OzCHI ...): ``papers.csv``,
  ``speakers.csv``/``.yml``, ``workshops.csv``, ``main_calendar.json``, maybe
  ``sessions.yml`` (:mod:`.classic`);
- the ACL 2020 fork (ACL, EMNLP 2020, EACL, NAACL ...): ``main_papers.csv`` and other
  ``*_papers.csv``, ``*_paper_sessions.yml``, ``plenary_sessions.yml``,
  ``tutorials.yml``, ``workshops.yml``, ``socials.yml``, ``sponsors.yml`` (:mod:`.aclfork`);
- ACL/EMNLP 2023: ``configs/config.yml`` and ``data/conference.json`` (:mod:`.conference_json`);
- the original ICLR 2020 site: ``papers.json`` of OpenReview notes,
  ``poster_schedule.yml``, ``speakers.yml`` (:mod:`.iclr`).

All of them share ``config.yml``, ``faq.yml``, ``committee.yml`` and
``papers_projection.json``, read here.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .common import (
    Draft,
    ImportSummary,
    MiniConfImportError,
    plain_line,
    read_json,
    read_yaml,
    slugify,
    split_list,
    strip_controls,
)
from .links import absolute
from .writer import finish

__all__ = ["MiniConfImportError", "import_miniconf", "slugify", "split_list", "detect_layout"]

#: config.yml keys that we map (all others are reported).
CONFIG_KEYS = {"name", "tagline", "chat_server", "logo", "site_url", "display_name"}


def detect_layout(source: Path) -> tuple[str, str]:
    """(the layout's name, the module that reads it) for a folder; MiniConfImportError
    when none fits."""
    if (source / "data" / "conference.json").is_file() or (source / "conference.json").is_file():
        return "ACL/EMNLP 2023 (conference.json)", "conference_json"
    if any(source.glob("*paper_sessions.yml")) or (source / "main_papers.csv").is_file():
        return "ACL 2020 fork (main_papers.csv, *_paper_sessions.yml)", "aclfork"
    if (source / "papers.json").is_file() and not (source / "papers.csv").is_file():
        return "original ICLR 2020 (papers.json of OpenReview notes)", "iclr"
    if (source / "papers.csv").is_file() or (source / "config.yml").is_file():
        return "classic Mini-Conf (papers.csv, main_calendar.json)", "classic"
    raise MiniConfImportError(
        f"{source} has neither papers.csv nor config.yml, *_papers.csv, papers.json or "
        "data/conference.json; is it a Mini-Conf sitedata/ folder?"
    )


def import_miniconf(
    source: Path, out: Path, *, allow_loss: bool = False, paper_room: str | None = None
) -> ImportSummary:
    """Convert the Mini-Conf data in ``source`` into sitedata at ``out``.

    ``out`` must not exist, be empty, or hold an earlier import of ours (which is then
    updated without losing edits made since; see writer.py). Files are written to a
    staging folder first, so a failed import leaves nothing behind.
    """
    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise MiniConfImportError(f"{source} is not a folder")
    layout, module = detect_layout(source)
    draft = Draft(source, ImportSummary(out, layout))
    if paper_room is not None:
        if paper_room.count("{id}") != 1:
            raise MiniConfImportError(f"--paper-room {paper_room!r} must contain {{id}} once")
        draft.paper_room = paper_room
    importlib.import_module(f"{__package__}.{module}").read(draft)
    return finish(
        draft, out, {"importer": "miniconf", "source": str(source.resolve())}, allow_loss=allow_loss
    )


# --------------------------------------------------------------------------- shared files


def report_unread(draft: Draft, folder: Path, read: set[str]) -> None:
    """Name every file of the folder that the importer did not read."""
    for other in sorted(folder.iterdir()):
        if other.name not in read and not other.name.startswith(".") and other.is_file():
            draft.skip(other.name, "not read: the importer knows no such Mini-Conf file")


def read_config(draft: Draft, file: Path) -> None:
    data = read_yaml(file) if file.is_file() else {}
    if not isinstance(data, dict):
        data = {}
    config = draft.config
    name = (
        plain_line(str(data.get("display_name") or data.get("name") or ""))
        or draft.source.resolve().parent.name
    )
    config["name"] = name
    if tagline := plain_line(str(data.get("tagline") or "")):
        config["tagline"] = tagline
    site = str(data.get("site_url") or "").strip()
    if site.startswith(("http://", "https://")):
        draft.old_site = site.rstrip("/")
        draft.summary.kept.append(
            f"config.yml site_url: relative links of the old site point at {draft.old_site}"
        )
    chat = str(data.get("chat_server") or "").strip()
    if chat and "chat" not in config:
        server = chat if "://" in chat else f"https://{chat}"
        config["chat"] = {"provider": "rocketchat", "server": server}
        draft.summary.kept.append(f"config.yml chat_server → chat (Rocket.Chat at {server})")
    logo = data.get("logo")
    image = logo.get("image") if isinstance(logo, dict) else logo
    if image:
        # Mini-Conf paths are relative to its repository (sitedata/'s parent); the file
        # is published, so it must really be inside that repository.
        repository = draft.source.resolve().parent
        candidates = [draft.source / str(image), draft.source.parent / str(image).lstrip("/")]
        found = next(
            (
                c
                for c in candidates
                if c.is_file() and not c.is_symlink() and c.resolve().is_relative_to(repository)
            ),
            None,
        )
        if found and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", found.name):
            draft.logo_file = found
            config["logo"] = found.name
        else:
            draft.skip("config.yml logo", f"{image} not found beside the data; no logo")
    unknown = [str(key) for key in data if key not in CONFIG_KEYS]
    if unknown:
        draft.skip(
            "config.yml",
            "no place in our config.yml for " + ", ".join(f"'{key}'" for key in unknown),
        )


def read_faq(draft: Draft, file: Path) -> None:
    if not file.is_file():
        return
    data = read_yaml(file)
    sections = data.get("FAQ", []) if isinstance(data, dict) else []
    changed = 0
    for section in sections if isinstance(sections, list) else []:
        if not isinstance(section, dict):
            continue
        name = plain_line(str(section.get("Section") or "General")) or "General"
        for qa in section.get("QA") or []:
            if not isinstance(qa, dict):
                continue
            draft.tally("FAQ entries").source += 1
            where = f"faq.yml:{getattr(qa, 'line', 1)}"
            qa = strip_controls(dict(qa), where, draft)
            answer, fixed = _markdown(draft, str(qa.get("Answer") or ""))
            changed += fixed
            draft.faq.append(
                {
                    "question": plain_line(str(qa.get("Question") or "")),
                    "answer": answer,
                    "section": name,
                    "_where": where,
                }
            )
    if changed:
        draft.warn(
            "faq.yml",
            f"{changed} link(s) into the old site "
            + (
                f"now point at {draft.old_site}"
                if draft.old_site
                else "became plain text (config.yml gives no site_url)"
            ),
        )


def _markdown(draft: Draft, text: str) -> tuple[str, int]:
    from .common import fix_markdown_links

    return fix_markdown_links(text.strip(), draft.old_site)


def markdown(draft: Draft, text: Any, where: str) -> str:
    """Organizer Markdown with its links into the old site fixed (and counted)."""
    fixed, changed = _markdown(draft, str(text or ""))
    if changed:
        draft.link_outcomes[
            "in Markdown " + ("pointed at the old site" if draft.old_site else "made plain text")
        ] += changed
    return fixed


def read_committee(draft: Draft, file: Path) -> None:
    if not file.is_file():
        return
    data = read_yaml(file)
    entries = data.get("committee", []) if isinstance(data, dict) else []
    dropped: Counter[str] = Counter()
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        draft.tally("committee members").source += 1
        where = f"committee.yml:{getattr(entry, 'line', 1)}"
        entry = strip_controls(dict(entry), where, draft)
        member: dict[str, Any] = {"name": plain_line(str(entry.get("name") or "")), "_where": where}
        if role := plain_line(str(entry.get("role") or "")):
            member["role"] = role
        if aff := plain_line(str(entry.get("aff") or entry.get("affiliation") or "")):
            member["affiliation"] = aff
        photo = str(entry.get("im") or entry.get("photo") or "").strip()
        if photo and (link := absolute(draft, photo, where)):
            member["photo"] = link
        dropped.update(
            key
            for key in entry
            if key not in {"name", "role", "aff", "affiliation", "im", "photo"} and entry[key]
        )
        draft.committee.append(member)
    for key, count in sorted(dropped.items()):
        draft.skip(f"committee.yml field '{key}'", f"no place for it ({count} members)")


def read_projection(draft: Draft, file: Path) -> None:
    """``papers_projection.json`` ([{id, pos: [x, y]}]) → the map, scaled to [0, 1]."""
    if not file.is_file():
        return
    data = read_json(file)
    points: dict[str, tuple[float, float]] = {}
    for entry in data if isinstance(data, list) else []:
        try:
            paper_id, (x, y) = str(entry["id"]), entry["pos"]
            points[paper_id] = (float(x), float(y))
        except (KeyError, TypeError, ValueError):
            continue
    draft.tally("map positions").source = len(points)
    known = {str(paper["id"]) for paper in draft.papers}
    inside = {key: value for key, value in points.items() if key in known}
    if not inside:
        if points:
            draft.skip(
                file.name,
                f"its {len(points)} positions name none of the papers "
                "(a copy from another conference?)",
            )
        return
    xs, ys = [x for x, _ in inside.values()], [y for _, y in inside.values()]

    def scale(value: float, low: float, high: float) -> float:
        return round((value - low) / (high - low), 6) if high > low else 0.5

    draft.positions = {
        key: [scale(x, min(xs), max(xs)), scale(y, min(ys), max(ys))]
        for key, (x, y) in sorted(inside.items())
    }
    draft.summary.kept.append(
        f"{file.name} → pipeline/map.json (shown until `miniconf pipeline` computes a new map)"
    )


def read_recommendations(draft: Draft, file: Path) -> None:
    """``paper_recs.json`` ({id: [similar ids]}, the paper itself first) → similar papers."""
    if not file.is_file():
        return
    data = read_json(file)
    if isinstance(data, dict):
        draft.similar = {
            str(key): [str(other) for other in others if str(other) != str(key)]
            for key, others in data.items()
            if isinstance(others, list)
        }
        draft.summary.kept.append(f"{file.name} → pipeline/similar.json (similar papers)")
