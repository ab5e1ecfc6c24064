"""``miniconf access codes FILE.csv``: one personal access code per registered attendee.

The attendee list is a CSV kept outside the repository (it names people, and its codes
unlock the site): an ``email`` (or ``id``) column, any others you like, and optionally
``revoked``. The command fills in a ``code`` column, derived from the organizers'
secret and the attendee, so running it again gives the same codes; the freeze reads the
same file (``MINICONF_ACCESS_CODES``) and lets every code not revoked unlock the site.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

import click

from ..site.access import (
    ENV_SECRET,
    AccessError,
    Keys,
    check_outside,
    load_secret,
    read_attendee_rows,
    read_attendees,
)


@click.group("access")
def command() -> None:
    """Registered attendees only: personal access codes (see README, "Registered attendees")."""


@command.command("codes")
@click.argument(
    "csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--sitedata",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sitedata"),
    show_default=True,
    help="The conference's data folder (the list must not be inside it).",
)
def codes(csv_file: Path, sitedata: Path) -> None:
    """Write each attendee's personal code into the `code` column of FILE.csv.

    The secret comes from MINICONF_ACCESS_SECRET (or MINICONF_ACCESS_SECRET_FILE), as
    for the freeze. Codes are never printed: send each attendee theirs from the file."""
    try:
        # It names people and holds their codes: never beside what is committed.
        check_outside(csv_file, sitedata.resolve(), "attendee list")
        keys = Keys.from_secret(load_secret(os.environ, sitedata))
        header, rows = read_attendee_rows(csv_file)
        # Codes issued under an older secret are replaced: that is what rotating means.
        attendees = read_attendees(csv_file, keys, check_codes=False)
    except AccessError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    columns = header if "code" in header else [*header, "code"]
    for row, attendee in zip(rows, attendees, strict=True):
        row["code"] = attendee.code
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # Written beside the list and renamed over it: an interrupted run leaves it whole.
    partial = csv_file.with_name(f".{csv_file.name}.tmp-{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text.getvalue())
    os.replace(partial, csv_file)
    revoked = sum(attendee.revoked for attendee in attendees)
    click.echo(
        f"{len(attendees)} access codes in {csv_file} ({revoked} revoked, which the next "
        f"freeze leaves out). Send each attendee their code; codes change only when "
        f"{ENV_SECRET} does."
    )
