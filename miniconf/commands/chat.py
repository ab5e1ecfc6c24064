"""``miniconf chat provision``: create every page's chat room on the Matrix homeserver."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..chat.matrix import TOKEN_VARIABLE, MatrixClient, Step, provision
from ..chat.rooms import ChatError
from ..structure.loader import load_conference
from ..structure.models import ChatProvider
from .common import cache_dir_for, report_problems, sitedata_argument


@click.group("chat")
def command() -> None:
    """Chat rooms for papers, sessions, workshops and keynotes."""


@command.command("provision")
@sitedata_argument
@click.option("--dry-run", is_flag=True,
              help="Print what would be created or changed; send nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
def provision_command(sitedata: Path, dry_run: bool, quiet: bool) -> None:
    """Create the Matrix rooms of SITEDATA and record them in the rooms file.

    The access token is read from $MINICONF_MATRIX_TOKEN. Safe to re-run: rooms that
    exist are skipped, changed topics are updated, an interrupted run resumes.
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
            fg="red", err=True,
        )
        sys.exit(1)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not dry_run and not token:
        click.secho(f"set {TOKEN_VARIABLE} to an access token of the account that "
                    "will own the rooms", fg="red", err=True)
        sys.exit(1)
    rooms_path = Path(sitedata) / chat.rooms_file

    def waiting(seconds: float) -> None:
        click.echo(f"rate-limited by the server: waiting {seconds:.1f} s", err=True)

    def done(step: Step, outcome: str) -> None:
        if not quiet:
            click.echo(f"{outcome.replace('_', ' ').removesuffix('s')}: {step.alias}")

    client = None if dry_run else MatrixClient(chat.server, token, on_wait=waiting)
    try:
        report = provision(conference, client, rooms_path, dry_run=dry_run, progress=done)
    except ChatError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        if rooms_path.exists():
            click.echo(f"Rooms done so far are saved in {rooms_path}; re-run to continue.",
                       err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted. Rooms done so far are saved in {rooms_path}; "
                   "re-run to continue.", err=True)
        sys.exit(130)
    if dry_run:
        for step in report.steps:
            click.echo(f"would {step.action}: {step.alias}  ({step.room.title})")
        click.echo(f"Dry run: {report.planned} room(s) to create or update, "
                   f"{report.unchanged} up to date. Nothing was sent.")
        return
    rate = report.created / report.seconds if report.seconds and report.created else 0
    click.echo(
        f"{report.created} created, {report.adopted} adopted, {report.topics_updated} topic(s) "
        f"updated, {report.unchanged} unchanged in {report.seconds:.1f} s"
        + (f" ({rate:.1f} rooms/s)" if rate else "")
        + (f"; waited {report.waited:.1f} s for {report.rate_limited} rate limit(s)"
           if report.rate_limited else "")
        + f". Rooms file: {rooms_path}"
    )
