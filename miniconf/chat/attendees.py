"""Chat accounts for registered attendees only: ``miniconf chat attendees FILE.csv``.

The homeserver keeps registration closed except with a token (Synapse:
``enable_registration: true`` with ``registration_requires_token: true``). For each
attendee of the organizers' CSV (``name,email[,id]``) this creates one single-use
registration token through Synapse's admin API and writes a CSV for the organizers'
mail merge: the attendee's row plus their token. Re-running with the same list keeps
every token; a longer list adds tokens; a shorter one revokes (deletes) the tokens of
the attendees no longer listed. A token already used has made its account: revoking it
does not remove that account (deactivate it with the admin API).

Tokens are ``<prefix>-<12 hex of the attendee's key>-<24 random letters>``: the middle
part finds an attendee's token again on a re-run (the key is ``id`` when given, else
the email address, lowercased); the random part is the secret. The output holds
secrets, so it is written with owner-only permissions and never inside sitedata nor in
the repository's checkout.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .matrix import MatrixClient, MatrixError
from .rooms import ChatError

ADMIN_API = "/_synapse/admin/v1"
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]{1,16}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
#: Attendees in one CSV at most, and characters per cell: a conference, not a city.
MAX_ATTENDEES = 100_000
MAX_CELL = 300
_ALPHABET = string.ascii_letters + string.digits


class AttendeesError(ChatError):
    pass


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    id: str
    line: int

    @property
    def key(self) -> str:
        return (self.id or self.email).lower()


def read_attendees(path: Path) -> list[Attendee]:
    """The organizers' CSV; every problem at once, each as ``file:line: message``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AttendeesError(f"{path}: cannot read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip().lower() for name in reader.fieldnames or []}
    if not {"name", "email"} <= columns:
        raise AttendeesError(
            f"{path}:1: the header must name the columns name and email (and optionally id)"
        )
    attendees: list[Attendee] = []
    problems = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        cells = {
            (k or "").strip().lower(): (v or "").strip()
            for k, v in row.items()
            if isinstance(v, str)
        }
        name, email, attendee_id = (cells.get(column, "") for column in ("name", "email", "id"))
        if not any((name, email, attendee_id)):
            continue
        if not EMAIL_PATTERN.match(email):
            problems.append(f"{path}:{line}: email: {email!r} is not an email address")
            continue
        if any(len(value) > MAX_CELL for value in (name, email, attendee_id)):
            problems.append(f"{path}:{line}: a cell is longer than {MAX_CELL} characters")
            continue
        attendee = Attendee(name, email, attendee_id, line)
        if attendee.key in seen:
            problems.append(
                f"{path}:{line}: {attendee.key!r} is listed twice "
                f"(first on line {seen[attendee.key]})"
            )
            continue
        seen[attendee.key] = line
        attendees.append(attendee)
        if len(attendees) > MAX_ATTENDEES:
            raise AttendeesError(f"{path}:{line}: more than {MAX_ATTENDEES} attendees")
    if problems:
        raise AttendeesError("\n".join(problems))
    return attendees


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class TokensReport:
    created: int = 0
    kept: int = 0
    used: int = 0
    revoked: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)


def sync_tokens(
    client: MatrixClient,
    attendees: list[Attendee],
    prefix: str = "mc",
    expiry_ms: int | None = None,
) -> TokensReport:
    """One single-use token per attendee; tokens of attendees no longer listed deleted."""
    if not PREFIX_PATTERN.match(prefix):
        raise AttendeesError(f"token prefix {prefix!r}: 1 to 16 letters or digits")
    try:
        listed = client.call("GET", "/registration_tokens", api=ADMIN_API)["registration_tokens"]
    except MatrixError as exc:
        if exc.status in (401, 403):
            raise AttendeesError(
                "the account of $MINICONF_MATRIX_TOKEN is not a server admin: creating "
                "registration tokens needs Synapse's admin API"
            ) from None
        raise
    ours: dict[str, dict] = {}
    for token in listed:
        parts = token["token"].split("-")
        if len(parts) == 3 and parts[0] == prefix and len(parts[1]) == 12:
            ours[parts[1]] = token
    report = TokensReport()
    wanted = set()
    for attendee in attendees:
        digest = key_digest(attendee.key)
        wanted.add(digest)
        existing = ours.get(digest)
        if existing is None:
            value = f"{prefix}-{digest}-{''.join(secrets.choice(_ALPHABET) for _ in range(24))}"
            body: dict = {"token": value, "uses_allowed": 1}
            if expiry_ms is not None:
                body["expiry_time"] = expiry_ms
            client.call("POST", "/registration_tokens/new", body, api=ADMIN_API)
            status = "new"
            report.created += 1
        else:
            value = existing["token"]
            status = "used" if existing.get("completed") else "unused"
            report.used += status == "used"
            report.kept += status == "unused"
        report.rows.append(
            {
                "name": attendee.name,
                "email": attendee.email,
                "id": attendee.id,
                "token": value,
                "status": status,
            }
        )
    for digest, token in ours.items():
        if digest not in wanted:
            path = f"/registration_tokens/{quote(token['token'], safe='')}"
            client.call("DELETE", path, api=ADMIN_API)
            report.revoked += 1
    return report


def check_output_path(out: Path, sitedata: Path) -> None:
    """Tokens are secrets: never inside sitedata, never in the repository's checkout."""
    target = out.resolve()
    folders = [sitedata.resolve()]
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=sitedata, capture_output=True, text=True
    )
    if top.returncode == 0:
        folders.append(Path(top.stdout.strip()).resolve())
    for folder in folders:
        if target == folder or folder in target.parents:
            raise AttendeesError(
                f"{out}: the tokens file holds secrets and is not written inside {folder} "
                "(it would be committed and published); write it outside, e.g. ~/tokens.csv"
            )


def write_tokens_csv(out: Path, rows: list[dict[str, str]], homeserver: str) -> None:
    """The mail-merge file, readable by its owner only."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as sink:
        writer = csv.DictWriter(
            sink, ["name", "email", "id", "token", "status", "homeserver"], lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            # A cell starting with = + - @ is a formula to spreadsheet apps: quote it out.
            safe = {k: ("'" + v if v[:1] in "=+-@" else v) for k, v in row.items()}
            writer.writerow({**safe, "homeserver": homeserver})
    os.replace(temporary, out)
