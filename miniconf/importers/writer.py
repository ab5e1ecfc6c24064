"""Validate a Draft with our model and write it as sitedata, safely and re-runnably.

Every record is validated before it is written: a record that does not fit is reported
and left out (a bad optional field drops just that field), so the written sitedata
always validates. References are resolved after that: a session lists only papers
that arrived, and each (paper, session) pair the source held is counted.

Writing goes to a staging folder first. A first import needs a new or empty folder.
An import into a folder an earlier import wrote compares three versions of each file,
using the hashes that import recorded in ``.miniconf-import.json``: a file nobody
edited since is updated; a file edited since that the source no longer changes is left
as edited; a file both edited and changed in the source stops the import, naming the
files, before anything is changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..chat.mapping import MappedRoom, RoomsFile, write_rooms_file
from ..structure.models import (
    ROOM_NAME_RE,
    CommitteeMember,
    Config,
    FaqEntry,
    Paper,
    Session,
    Speaker,
    Sponsor,
    Workshop,
)
from ..structure.pipeline_outputs import (
    IMPORTED_MODEL,
    embedding_text,
    inputs_hash,
    text_digest,
)
from .common import Draft, ImportSummary, MiniConfImportError

STATE_FILE = ".miniconf-import.json"


def describe(error: ErrorDetails) -> str:
    where = ".".join(map(str, error["loc"])) or "record"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _drop(data: Any, loc: tuple) -> None:
    """Remove the value at ``loc`` (a field or a list item), and its parent if it empties.

    Validators of a whole model report a location past our data (the model's own name);
    the walk stops at the deepest part that exists."""
    parents = []
    node = data
    for step in loc[:-1]:
        if (
            isinstance(node, dict)
            and step in node
            or isinstance(node, list)
            and (isinstance(step, int) and step < len(node))
        ):
            parents.append((node, step))
            node = node[step]
        else:
            break
    last = loc[len(parents)] if len(parents) < len(loc) else None
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        del node[last]
    while parents and not node:
        node, step = parents.pop()
        del node[step]


def _public(record: dict) -> dict:
    return {key: value for key, value in record.items() if not key.startswith("_")}


def check(
    draft: Draft, model: type[BaseModel], data: dict, where: str, context: dict | None = None
) -> BaseModel | None:
    """Validate one record; report and refuse it when a required field does not fit.

    A problem in an optional field (a ``javascript:`` link, an unknown video host)
    drops just that field, so the record still arrives; the summary names the field.
    """
    for _attempt in range(8):
        try:
            return model.model_validate(_public(data), context=context)
        except ValidationError as exc:
            errors = exc.errors()
        required = {name for name, info in model.model_fields.items() if info.is_required()}
        if any(not error["loc"] or error["loc"][0] in required for error in errors):
            problems = "; ".join(describe(error) for error in errors[:3])
            draft.skip(where, f"left out ({problems})")
            return None
        for error in sorted(errors, key=lambda error: error["loc"], reverse=True):
            _drop(data, error["loc"])
            draft.skip(where, f"{describe(error)}; that field was dropped")
    return None


# --------------------------------------------------------------------------- resolving


def resolve(draft: Draft) -> None:
    """Validate every record in place (the lists keep only what fits) and tally them."""
    context = {"timezone": draft.timezone}
    if draft.renamed:
        draft.memberships = [(draft.renamed.get(p, p), key) for p, key in draft.memberships]
        for session in draft.sessions:
            session["papers"] = [draft.renamed.get(p, p) for p in session.get("papers", [])]
    draft.papers = _unique(
        draft,
        [p for p in draft.papers if check(draft, Paper, p, p.get("_where", f"paper {p['id']}"))],
        "paper",
    )
    paper_ids = {paper["id"] for paper in draft.papers}
    draft.tally("papers").imported = len(draft.papers)

    draft.speakers = _unique(
        draft,
        [s for s in draft.speakers if check(draft, Speaker, s, s.get("_where", "speaker"))],
        "speaker",
    )
    speaker_ids = {speaker["id"] for speaker in draft.speakers}
    draft.tally("speakers").imported = len(draft.speakers)
    draft.workshops = _unique(
        draft,
        [w for w in draft.workshops if check(draft, Workshop, w, w.get("_where", "workshop"))],
        "workshop",
    )
    workshop_ids = {workshop["id"] for workshop in draft.workshops}
    draft.tally("workshops").imported = len(draft.workshops)
    for paper in draft.papers:
        if paper.get("workshop") and paper["workshop"] not in workshop_ids:
            draft.skip(
                f"paper {paper['id']}",
                f"workshop '{paper.pop('workshop')}' was not imported; the paper keeps no workshop",
            )

    session_rooms = sum(bool(s.get("_room")) for s in draft.sessions)
    sessions = []
    taken: set[str] = set()
    for session in draft.sessions:
        if session["id"].lower() in taken and isinstance(session.get("start"), datetime):
            session["id"] = f"{session['id']}-{session['start']:%Y%m%d-%H%M}"  # same name, later
        taken.add(session["id"].lower())
        where = session.get("_where", f"session {session.get('id')}")
        papers = session.get("papers", [])
        session["papers"] = list(dict.fromkeys(p for p in papers if p in paper_ids))
        session["speakers"] = [s for s in session.get("speakers", []) if s in speaker_ids]
        if session.get("workshop") and session["workshop"] not in workshop_ids:
            del session["workshop"]
        for name in ("papers", "speakers"):
            if not session[name]:
                del session[name]
        if check(draft, Session, session, where, context):
            sessions.append(session)
    draft.sessions = _unique(draft, sessions, "session")
    _separate_overlapping_rooms(draft, context)
    draft.tally("sessions").imported = len(draft.sessions)

    placed = {(paper_id, s.get("_key")) for s in draft.sessions for paper_id in s.get("papers", [])}
    memberships = draft.tally("session memberships")
    source_pairs = list(dict.fromkeys(draft.memberships))
    memberships.source = len(source_pairs)
    keys_with_session = {s.get("_key") for s in draft.sessions}
    for paper_id, key in source_pairs:
        if (paper_id, key) in placed:
            memberships.imported += 1
        elif paper_id not in paper_ids:
            memberships.lose("of papers that were not imported")
        elif key not in keys_with_session:
            memberships.lose(
                "in sessions that have no time in the source (no calendar event or date)"
            )
        else:
            memberships.lose("other")

    draft.faq = [f for f in draft.faq if check(draft, FaqEntry, f, f.get("_where", "FAQ"))]
    draft.tally("FAQ entries").imported = len(draft.faq)
    draft.committee = [
        m for m in draft.committee if check(draft, CommitteeMember, m, m.get("_where", "committee"))
    ]
    draft.tally("committee members").imported = len(draft.committee)
    draft.sponsors = [
        s for s in draft.sponsors if check(draft, Sponsor, s, s.get("_where", "sponsor"))
    ]
    draft.tally("sponsors").imported = len(draft.sponsors)

    videos = draft.tally("videos")
    videos.imported = sum(
        bool((record.get("media") or {}).get("video"))
        for group in (draft.papers, draft.speakers, draft.workshops, draft.sessions)
        for record in group
    )

    for session in draft.sessions:
        if session.get("_room"):
            draft.rooms[f"session/{session['id']}"] = session["_room"]
    lost_session_rooms = session_rooms - sum(bool(s.get("_room")) for s in draft.sessions)
    _resolve_rooms(draft, paper_ids, {s["id"] for s in draft.sessions}, workshop_ids, speaker_ids)
    if lost_session_rooms:
        draft.tally("chat rooms").source += lost_session_rooms
        draft.tally("chat rooms").lose("of sessions that were not imported", lost_session_rooms)
    draft.positions = {key: value for key, value in draft.positions.items() if key in paper_ids}
    draft.tally("map positions").imported = len(draft.positions)
    positions = draft.tally("map positions")
    if positions.imported < positions.source:
        positions.lose(
            "of papers that are not in the import", positions.source - positions.imported
        )
    draft.similar = {
        key: [other for other in others if other in paper_ids and other != key]
        for key, others in draft.similar.items()
        if key in paper_ids
    }
    used_tracks = {paper.get("track") for paper in draft.papers}
    draft.tracks = {key: name for key, name in sorted(draft.tracks.items()) if key in used_tracks}
    draft.tally("tracks").source = draft.tally("tracks").source or len(draft.tracks)
    draft.tally("tracks").imported = len(draft.tracks)
    _resolve_config(draft)
    for tally in draft.summary.tallies.values():
        unexplained = tally.source - tally.imported - sum(tally.reasons.values())
        if unexplained > 0:
            tally.lose("left out: they do not fit our model (see Not imported)", unexplained)


def _unique(draft: Draft, records: list[dict], kind: str) -> list[dict]:
    """Ids must be unique ignoring case (file systems that fold case would collide)."""
    seen: set[str] = set()
    kept = []
    for record in records:
        key = record["id"].lower()
        if key in seen:
            draft.skip(
                record.get("_where", f"{kind} {record['id']}"),
                f"duplicate {kind} id '{record['id']}'; {kind} left out",
            )
            continue
        seen.add(key)
        kept.append(record)
    return kept


def _separate_overlapping_rooms(draft: Draft, context: dict) -> None:
    """Our model refuses two sessions at once in one room (a clash in a real program);
    sources hold such pairs (a poster hall with several poster sessions). The later
    session keeps its room in its title's place, the description, and is reported."""
    by_room: dict[str, list[tuple[dict, Any, Any]]] = {}
    for session in draft.sessions:
        if session.get("room"):
            model = Session.model_validate(_public(session), context=context)
            by_room.setdefault(session["room"], []).append(
                (session, model.start.astimezone(UTC), model.end.astimezone(UTC))
            )
    moved = 0
    for in_room in by_room.values():
        for (first, a_start, a_end), (second, b_start, b_end) in combinations(in_room, 2):
            if "room" in first and "room" in second and a_start < b_end and b_start < a_end:
                room = second.pop("room")
                second["description"] = "\n\n".join(
                    part for part in (second.get("description", ""), f"Room: {room}") if part
                )
                moved += 1
    if moved:
        draft.warn(
            "sessions",
            f"{moved} session(s) overlap another in the same room; their "
            "room is named in the description instead (our model refuses two "
            "sessions at once in one room)",
        )


def _resolve_rooms(draft: Draft, *ids: set[str]) -> None:
    kinds = dict(zip(("paper", "session", "workshop", "speaker"), ids, strict=True))
    rooms = draft.tally("chat rooms")
    rooms.source = len(draft.rooms)
    kept = {}
    for key, name in sorted(draft.rooms.items()):
        kind, _, item_id = key.partition("/")
        if item_id not in kinds.get(kind, set()):
            rooms.lose(f"of {kind}s that were not imported")
        elif not ROOM_NAME_RE.match(name) or len(name) > 200:
            rooms.lose("with names our chat links cannot carry")
            draft.skip(f"chat room of {key}", f"room name {name!r} is not a valid room name")
        else:
            kept[key] = name
    draft.rooms = kept
    rooms.imported = len(kept)


def _resolve_config(draft: Draft) -> None:
    config = draft.config
    config.setdefault("timezone", draft.timezone)
    zone = ZoneInfo(config["timezone"])
    context = {"timezone": draft.timezone}
    models = [Session.model_validate(_public(s), context=context) for s in draft.sessions]
    days = sorted(
        {m.start.astimezone(zone).date() for m in models}
        | {m.end.astimezone(zone).date() for m in models}
    )
    if days and "start_date" not in config:
        config["start_date"], config["end_date"] = days[0], days[-1]
    elif "start_date" not in config:
        config["start_date"] = config["end_date"] = date.today()
        draft.skip(
            "config.yml dates",
            "the source has no dated events; start_date and "
            "end_date are set to today: edit config.yml",
        )
    if draft.tracks:
        config["tracks"] = [{"id": key, "name": name} for key, name in draft.tracks.items()]
    if check(draft, Config, config, "config.yml") is None:
        raise MiniConfImportError("config.yml could not be mapped; nothing was written")


# --------------------------------------------------------------------------- YAML


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line text as ``|`` blocks, keys in the order we give them."""


class _FastDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The same with libyaml's emitter (the Python one takes 6 s for 687 papers), which
    however writes characters beyond U+FFFF (emoji, math letters) as \\U escapes."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # A block scalar cannot hold trailing spaces on a line or a leading blank: quote then.
    block = "\n" in value and not re.search(r" \n|\n |^\s|\s$", value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if block else None)


_Dumper.add_representer(str, _represent_str)
_FastDumper.add_representer(str, _represent_str)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def dump_yaml(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    dumper = _Dumper if _ASTRAL.search(text) else _FastDumper
    return yaml.dump(value, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------- writing


def render_files(draft: Draft) -> dict[str, bytes]:
    """Every file of the new sitedata, by path relative to it."""
    files: dict[str, bytes] = {"config.yml": dump_yaml(_public(draft.config)).encode()}
    for paper in draft.papers:
        files[f"papers/{paper['id']}.yml"] = dump_yaml(_public(paper)).encode()
    for name, items in (
        ("speakers.yml", draft.speakers),
        ("workshops.yml", draft.workshops),
        ("sessions.yml", draft.sessions),
        ("faq.yml", draft.faq),
        ("committee.yml", draft.committee),
        ("sponsors.yml", draft.sponsors),
    ):
        if items:
            files[name] = dump_yaml([_public(item) for item in items]).encode()
    if draft.positions:
        files.update(_pipeline_files(draft))
    for target, source in sorted(draft.files.items()):
        files[target] = source.read_bytes()
    if draft.logo_file:
        files[draft.config["logo"]] = draft.logo_file.read_bytes()
    return files


def _pipeline_files(draft: Draft) -> dict[str, bytes]:
    """The source's map (and similar papers) as pipeline outputs for exactly these
    papers, so the site shows them until ``miniconf pipeline`` computes its own: the
    inputs hash is that of the imported papers' texts, under the model name
    IMPORTED_MODEL, which the pipeline never mistakes for a model to load. There are
    no vectors ("For you" then stays empty)."""
    texts = [
        (paper.id, embedding_text(paper))
        for paper in (Paper.model_validate(_public(p)) for p in draft.papers)
    ]
    inputs = inputs_hash(IMPORTED_MODEL, texts)
    head = {"model": IMPORTED_MODEL, "inputs": inputs}

    def encode(document: dict) -> bytes:
        return (json.dumps(document, separators=(",", ":"), sort_keys=False) + "\n").encode()

    return {
        "pipeline/map.json": encode(
            {**head, "method": "imported", "positions": dict(sorted(draft.positions.items()))}
        ),
        "pipeline/similar.json": encode(
            {
                **head,
                "k": max(map(len, draft.similar.values()), default=0),
                "similar": dict(sorted(draft.similar.items())),
            }
        ),
        "pipeline/vectors.json": encode(
            {**head, "dims": 0, "dtype": "int8", "scale": 127.0, "ids": []}
        ),
        "pipeline/vectors.bin": b"",
        # Which paper texts these were made for: a later edit leaves the other papers'.
        "pipeline/inputs.json": encode(
            {
                **head,
                "k": max(map(len, draft.similar.values()), default=0),
                "texts": {paper_id: text_digest(text) for paper_id, text in sorted(texts)},
            }
        ),
    }


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_sitedata(draft: Draft, out: Path, state: dict[str, Any]) -> None:
    """Write the draft to ``out``: new, empty, or written by an earlier import."""
    files = render_files(draft)
    if draft.rooms:
        rooms_path = draft.config.get("chat", {}).get("rooms_file", "chat/rooms.json")
        files[rooms_path] = _rooms_file_bytes(draft.rooms)
    previous = read_state(out)
    if previous is None:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise MiniConfImportError(
                f"{out} already exists, is not empty and was not written by `miniconf import`;"
                " choose a new --out folder (nothing was changed)"
            )
        _write_new(out, files, state)
        return
    _update(draft.summary, out, files, state, previous)


def _rooms_file_bytes(rooms: dict[str, str]) -> bytes:
    """The room mapping through chat/mapping.py's own writer, so its format is theirs."""
    import tempfile

    mapping = RoomsFile(rooms={key: MappedRoom(name=name) for key, name in rooms.items()})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rooms.json"
        write_rooms_file(path, mapping)
        return path.read_bytes()


def read_state(out: Path) -> dict | None:
    file = out / STATE_FILE
    if not file.is_file():
        return None
    try:
        state = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MiniConfImportError(f"{file}: not readable ({exc}); nothing was changed") from None
    if not isinstance(state, dict) or not isinstance(state.get("files"), dict):
        raise MiniConfImportError(f"{file}: not an import record; nothing was changed")
    for relative in state["files"]:
        # The record names files to update or remove: only ones inside the folder.
        parts = Path(str(relative)).parts
        if Path(str(relative)).is_absolute() or ".." in parts or not parts:
            raise MiniConfImportError(
                f"{file}: names a file outside {out} ({relative!r}); nothing was changed"
            )
    return state


def _state_bytes(state: dict, hashes: dict[str, str]) -> bytes:
    document = {**state, "files": dict(sorted(hashes.items()))}
    return (json.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n").encode()


def _write_new(out: Path, files: dict[str, bytes], state: dict) -> None:
    staging = out.parent / f".{out.name}.import-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for relative, data in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        hashes = {relative: _digest(data) for relative, data in files.items()}
        (staging / STATE_FILE).write_bytes(_state_bytes(state, hashes))
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _update(
    summary: ImportSummary, out: Path, files: dict[str, bytes], state: dict, previous: dict
) -> None:
    """Three-way update: (as last imported, as on disk now, as imported now)."""
    recorded: dict[str, str] = previous["files"]
    conflicts, writes, removes, hashes = [], {}, [], {}
    for relative in sorted(set(files) | set(recorded)):
        target = out / relative
        on_disk = _digest(target.read_bytes()) if target.is_file() else None
        new = files.get(relative)
        new_hash = _digest(new) if new is not None else None
        old_hash = recorded.get(relative)
        edited = on_disk != old_hash
        if new_hash == old_hash:  # the source did not change it: keep whatever is there
            if edited:
                summary.preserved.append(relative)
            if new_hash is not None:
                hashes[relative] = new_hash
        elif not edited or on_disk == new_hash:
            if new is None:
                removes.append(relative)
            else:
                writes[relative] = new
                hashes[relative] = _digest(new)
        else:
            conflicts.append(relative)
    if conflicts:
        raise MiniConfImportError(
            f"{out}: these files were edited since the last import and the source changes "
            "them too; an import now would overwrite your edits (nothing was changed):\n  "
            + "\n  ".join(conflicts)
            + "\nMove your edits into the source, or undo them (e.g. `git checkout`), and "
            "import again."
        )
    for relative, data in writes.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    for relative in removes:
        (out / relative).unlink(missing_ok=True)
    state_file = out / STATE_FILE
    temporary = state_file.with_name(f"{STATE_FILE}.tmp-{os.getpid()}")
    temporary.write_bytes(_state_bytes(state, hashes))
    os.replace(temporary, state_file)


class ImportLoss(MiniConfImportError):
    """Papers or session memberships would be lost; nothing was written."""

    def __init__(self, summary: ImportSummary):
        self.summary = summary
        lost = ", ".join(
            f"{summary.tallies[kind].source - summary.tallies[kind].imported} "
            f"of {summary.tallies[kind].source} {kind}"
            for kind in summary.lost()
        )
        super().__init__(
            f"the import would lose {lost} (see above); nothing was written. "
            "Fix the source, or pass --allow-loss to import what fits"
        )


def finish(
    draft: Draft, out: Path, state: dict[str, Any], *, allow_loss: bool = False
) -> ImportSummary:
    """Validate, resolve and write the draft; the summary says what came across.

    Raises ImportLoss, before writing anything, when papers or session memberships of
    the source would not come across, unless ``allow_loss``."""
    resolve(draft)
    for change, count in sorted(draft.changes.items()):
        draft.summary.warnings.append(f"{count} {change}")
    for outcome, count in sorted(draft.link_outcomes.items()):
        draft.summary.warnings.append(f"{count} relative link(s) {outcome}")
    for link in draft.dropped_links[:20]:
        draft.skip(link.rpartition(": ")[0], f"relative link {link.rpartition(': ')[2]} dropped")
    if len(draft.dropped_links) > 20:
        draft.skip("relative links", f"{len(draft.dropped_links) - 20} more dropped")
    if draft.summary.lost() and not allow_loss:
        raise ImportLoss(draft.summary)
    write_sitedata(draft, out, state)
    return draft.summary
