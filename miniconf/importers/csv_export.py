"""Papers from a CSV export of a submission system (CMT, START/Softconf, EasyChair, ...).

``--map title=Paper Title,authors=Author Names,...`` says which column holds each of
our fields (column names in any case); fields it does not name are looked for under
the names Mini-Conf sites and these exports use (``Paper ID``, ``Submission ID``,
``Title``, ``Authors``, ``Abstract``, ``Keywords``, ``Primary Subject Area``). The
mapping is saved with the import (``.miniconf-import.json``), so when the program
changes the same command without ``--map`` imports the new export the same way.
"""

from __future__ import annotations

from pathlib import Path

from .common import Draft, ImportSummary, MiniConfImportError, Row, column_key, read_table
from .records import (
    AUTHORS,
    KEYWORDS,
    PAPER_COLUMNS,
    PDF,
    TITLE,
    TRACK,
    TYPE,
    VIDEO,
    paper_from_row,
)
from .writer import finish, read_state

#: Our fields, and the record columns (records.py) each one fills.
FIELDS = {
    "id": "uid",
    "title": TITLE[0],
    "authors": AUTHORS[0],
    "abstract": "abstract",
    "keywords": KEYWORDS[0],
    "track": TRACK[0],
    "type": TYPE[0],
    "pdf": PDF[0],
    "video": VIDEO[0],
    "tldr": "tldr",
}
ID_COLUMNS = ("uid", "id", "paper_id", "submission_id", "submission", "paper_number", "number")


def parse_map(text: str) -> dict[str, str]:
    """``title=Paper Title,authors=Authors`` → {"title": "paper_title", ...}."""
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        ours = ours.strip().lower()
        if not sep or not theirs.strip():
            raise MiniConfImportError(f"--map: '{part.strip()}' is not field=Column")
        if ours not in FIELDS:
            raise MiniConfImportError(
                f"--map: unknown field '{ours}' (fields: {', '.join(FIELDS)})"
            )
        mapping[ours] = column_key(theirs)
    return mapping


def import_csv(
    source: Path,
    out: Path,
    mapping_text: str | None,
    *,
    allow_loss: bool = False,
    name: str | None = None,
) -> ImportSummary:
    source, out = Path(source), Path(out)
    previous = read_state(out) if out.is_dir() else None
    if mapping_text is None and previous and previous.get("importer") == "csv":
        mapping = dict(previous.get("map") or {})
        saved = True
    else:
        mapping, saved = parse_map(mapping_text or ""), False
    header, rows = read_table(source)
    missing = sorted(column for column in mapping.values() if column not in header)
    if missing:
        raise MiniConfImportError(
            f"{source}: no column {', '.join(missing)} (the file has: {', '.join(header)})"
        )
    draft = Draft(
        source.parent,
        ImportSummary(out, "CSV export" + (" (with the saved --map)" if saved else "")),
    )
    draft.config["name"] = name or (previous or {}).get("name") or source.stem
    for row in rows:
        draft.tally("papers").source += 1
        values = dict(row.values)
        for ours, theirs in mapping.items():  # the mapped column wins over a namesake
            values[FIELDS[ours]] = row.values.get(theirs, "")
        record = Row(row.line, values)
        uid = record.get(*ID_COLUMNS)
        paper = paper_from_row(draft, record, uid, f"{source.name}:{row.line}")
        if paper is not None:
            draft.papers.append(paper)
    used = set(mapping.values()) | PAPER_COLUMNS | set(ID_COLUMNS)
    for column in header:
        if column not in used and any(row.values.get(column, "").strip() for row in rows):
            draft.skip(
                f"{source.name} column '{column}'",
                "not mapped (add it to --map if it holds one of our fields)",
            )
    state = {
        "importer": "csv",
        "source": str(source.resolve()),
        "map": mapping,
        "name": draft.config["name"],
    }
    return finish(draft, out, state, allow_loss=allow_loss)
