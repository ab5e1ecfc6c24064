"""``miniconf chat ...``: provision the rooms, check the rooms file, read the rooms'
activity, give attendees registration tokens (all Matrix)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import click

from ..chat.activity import MAX_MESSAGES, activity_path, read_activity, write_activity_file
from ..chat.attendees import check_output_path, read_attendees, sync_tokens, write_tokens_csv
from ..chat.mapping import RoomsFile, check_rooms_file, line_in, read_rooms_file
from ..chat.matrix import TOKEN_VARIABLE, MatrixClient, Step, provision
from ..chat.rooms import ChatError
from ..structure.loader import load_conference
from ..structure.models import ChatProvider
from ..structure.problems import Problem, display_path
from .common import cache_dir_for, report_problems, sitedata_argument


@click.group("chat")
def command() -> None:
    """Chat rooms for papers, sessions, workshops and keynotes."""


@command.command("provision")
@sitedata_argument
@click.option(
    "--dry-run", is_flag=True, help="Print what would be created or changed; send nothing."
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
def provision_command(sitedata: Path, dry_run: bool, quiet: bool) -> None:
    """Create the Matrix rooms of SITEDATA and record them in the rooms file.

    The access token is read from $MINICONF_MATRIX_TOKEN. Safe to re-run: rooms that
    exist are skipped, changed topics are updated, new authors are invited as
    moderators, an interrupted run resumes.
    """
    conference, problems = load_conference(sitedata, cache_dir_for(sitedata))
    errors = report_problems(problems)
    if conference is None:
        click.secho(f"{errors} error(s); no room was created.", fg="red", err=True)
        sys.exit(1)
    chat = conference.config.chat
    if chat.provider is not ChatProvider.MATRIX:
        click.secho(
            f"chat.provider is '{chat.provider}': provisioning supports matrix. Links for "
            "other providers need no provisioning; create their channels in the chat app.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not dry_run and not token:
        click.secho(
            f"set {TOKEN_VARIABLE} to an access token of the account that will own the rooms",
            fg="red",
            err=True,
        )
        sys.exit(1)
    rooms_path = Path(sitedata) / chat.rooms_file

    def waiting(seconds: float) -> None:
        click.echo(f"rate-limited by the server: waiting {seconds:.1f} s", err=True)

    def done(step: Step, outcome: str) -> None:
        if not quiet:
            click.echo(f"{outcome.replace('_', ' ').removesuffix('s')}: {step.alias}")

    client = None if dry_run else MatrixClient(chat.server or "", token, on_wait=waiting)
    try:
        report = provision(conference, client, rooms_path, dry_run=dry_run, progress=done)
    except ChatError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        if rooms_path.exists():
            click.echo(
                f"Rooms done so far are saved in {rooms_path}; re-run to continue.", err=True
            )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(
            f"\nInterrupted. Rooms done so far are saved in {rooms_path}; re-run to continue.",
            err=True,
        )
        sys.exit(130)
    if dry_run:
        for step in report.steps:
            click.echo(f"would {step.action}: {step.alias}  ({step.room.title})")
        click.echo(
            f"Dry run: {report.planned} room(s) to create or update, "
            f"{report.unchanged} up to date. Nothing was sent."
        )
        return
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    rate = report.created / report.seconds if report.seconds and report.created else 0
    click.echo(
        f"{report.created} created, {report.resumed} resumed, {report.topics_updated} topic(s) "
        f"updated, {report.authors_invited} author(s) invited, {report.unchanged} unchanged "
        f"in {report.seconds:.1f} s"
        + (f" ({rate:.1f} rooms/s)" if rate else "")
        + (
            f"; waited {report.waited:.1f} s for {report.rate_limited} rate limit(s)"
            if report.rate_limited
            else ""
        )
        + f". Rooms file: {rooms_path}"
    )


def _load_chat_conference(sitedata: Path):
    conference, problems = load_conference(sitedata, cache_dir_for(sitedata))
    errors = report_problems(problems)
    if conference is None:
        click.secho(f"{errors} error(s) in sitedata; nothing was done.", fg="red", err=True)
        sys.exit(1)
    if conference.config.chat.provider is not ChatProvider.MATRIX:
        click.secho(
            f"chat.provider is '{conference.config.chat.provider}': this command "
            "works with matrix only",
            fg="red",
            err=True,
        )
        sys.exit(1)
    return conference


@command.command("check-rooms-file")
@sitedata_argument
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Git revision the pull request is based on: any change since is an error.",
)
@click.option(
    "--base-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rooms file as it was before (instead of --base).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="github: ::error annotations on the pull request's diff.",
)
def check_rooms_file_command(
    sitedata: Path, base_ref: str | None, base_file: Path | None, output_format: str
) -> None:
    """The pull-request check of the rooms file: valid, and unchanged since the base.

    Only `miniconf chat provision`, run by the organizers, writes the rooms file: a pull
    request that edits it could point a paper's chat link at any room.
    """
    conference, problems = load_conference(sitedata, cache_dir_for(sitedata))
    if conference is None:
        report_problems(problems, output_format)
        sys.exit(1)
    chat = conference.config.chat
    if chat.provider is not ChatProvider.MATRIX:
        click.echo(f"OK: chat.provider is '{chat.provider}', no rooms file to check")
        return
    path = Path(sitedata) / chat.rooms_file
    rooms = read_rooms_file(path)
    problems = check_rooms_file(path, rooms, chat)
    before = None
    if base_file is not None:
        before = base_file.read_text(encoding="utf-8") if base_file.is_file() else ""
    elif base_ref:
        before = _file_at(base_ref, path, Path(sitedata))
    if before is not None:
        previous = RoomsFile.model_validate_json(before) if before.strip() else RoomsFile()
        if previous != rooms:
            changed = sorted(
                key
                for key in {*previous.rooms, *rooms.rooms}
                if previous.rooms.get(key) != rooms.rooms.get(key)
            )
            line = line_in(path, changed[0]) if changed else 1
            problems.append(
                Problem(
                    display_path(path),
                    line,
                    "chat",
                    f"changed in this pull request ({', '.join(changed[:5]) or 'server'}"
                    f"{' ...' if len(changed) > 5 else ''}); only `miniconf chat provision` writes "
                    "it, run by the organizers on the main branch",
                )
            )
    activity = activity_path(conference)
    now = activity.read_text(encoding="utf-8") if activity.is_file() else ""
    if base_ref and _file_at(base_ref, activity, Path(sitedata)) != now:
        # The activity file marks authors "in the chat room": only the organizers' read of
        # the homeserver (miniconf chat activity, e.g. in the scheduled deploy) writes it.
        problems.append(
            Problem(
                display_path(activity),
                1,
                "chat",
                "changed in this pull request; only `miniconf chat activity` writes it",
            )
        )
    errors = report_problems(problems, output_format)
    if errors:
        sys.exit(1)
    click.echo(
        f"OK: {path} lists {len(rooms.rooms)} room(s)"
        + (", unchanged" if before is not None else "")
    )


def _file_at(ref: str, path: Path, sitedata: Path) -> str:
    """The file's text at git revision ``ref`` ('' where it did not exist)."""
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=sitedata, capture_output=True, text=True
    )
    if top.returncode != 0:
        raise click.ClickException(f"{path} is not in a git checkout: cannot compare with {ref}")
    relative = path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{ref}:{relative}"], cwd=top.stdout.strip(), capture_output=True, text=True
    )
    return shown.stdout if shown.returncode == 0 else ""


def _client(chat, quiet_waits: bool = False) -> MatrixClient:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        click.secho(
            f"set {TOKEN_VARIABLE} to the access token of the organizers' bot", fg="red", err=True
        )
        sys.exit(1)

    def waiting(seconds: float) -> None:
        if not quiet_waits:
            click.echo(f"rate-limited by the server: waiting {seconds:.1f} s", err=True)

    return MatrixClient(chat.server, token, on_wait=waiting)


@command.command("activity")
@sitedata_argument
@click.option(
    "--max-messages",
    type=click.IntRange(1, 1_000_000),
    default=MAX_MESSAGES,
    show_default=True,
    help="Messages counted per room at most.",
)
def activity_command(sitedata: Path, max_messages: int) -> None:
    """Read how busy every room is and write chat/activity.json for the freeze.

    Message count, last message time and number of people who posted, per room, read
    through the bot's membership ($MINICONF_MATRIX_TOKEN). Run it before each freeze
    during the conference (e.g. the scheduled deploy, see the README).
    """
    conference = _load_chat_conference(sitedata)
    client = _client(conference.config.chat)
    try:
        activity, report = read_activity(conference, client, max_messages)
    except ChatError as exc:
        click.secho(f"error: {exc}; the activity file was not changed", fg="red", err=True)
        sys.exit(1)
    path = activity_path(conference)
    write_activity_file(path, activity)
    click.echo(
        f"{report.rooms} room(s), {report.messages} message(s) read in {report.seconds:.1f} s "
        f"({report.requests} requests"
        + (
            f"; waited {report.waited:.1f} s for {report.rate_limited} rate limit(s)"
            if report.rate_limited
            else ""
        )
        + f"). Activity file: {path}"
    )


@command.command("attendees")
@click.argument("attendees_csv", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--sitedata",
    type=click.Path(file_okay=False, path_type=Path),
    default="sitedata",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The CSV to write (name, email, id, token, status, homeserver); "
    "outside sitedata and the repository.",
)
@click.option(
    "--expires",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Tokens stop working at the start of this day (UTC).",
)
@click.option(
    "--prefix",
    default="mc",
    show_default=True,
    help="Marks this conference's tokens on the homeserver.",
)
def attendees_command(attendees_csv: Path, sitedata: Path, out: Path, expires, prefix: str) -> None:
    """One single-use registration token per attendee of ATTENDEES_CSV (name, email, id).

    Writes a CSV for the organizers' mail merge. Re-run with the same list: tokens are
    kept; with a shorter list: the tokens of attendees no longer listed are revoked.
    Needs a Synapse server-admin token in $MINICONF_MATRIX_TOKEN.
    """
    conference = _load_chat_conference(sitedata)
    try:
        check_output_path(out, Path(sitedata))
        attendees = read_attendees(attendees_csv)
        client = _client(conference.config.chat)
        expiry_ms = None
        if expires is not None:
            expiry_ms = int(expires.replace(tzinfo=UTC).timestamp() * 1000)
        report = sync_tokens(client, attendees, prefix, expiry_ms)
    except ChatError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    write_tokens_csv(out, report.rows, conference.config.chat.server)
    click.echo(
        f"{report.created} token(s) created, {report.kept} kept, {report.used} already "
        f"used, {report.revoked} revoked. Mail-merge file (secret): {out}"
    )
