"""``miniconf validate``: check all of sitedata and report every problem at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import load_site, report_problems, sitedata_argument


@click.command("validate")
@sitedata_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="github: ::error annotations that show on a pull request's diff.",
)
def command(sitedata: Path, output_format: str) -> None:
    """Check SITEDATA (default: sitedata) and print each problem as path:line: message."""
    conference, problems = load_site(sitedata)
    errors = report_problems(problems, output_format)
    if conference is None:
        click.secho(f"{errors} error(s); nothing was built.", fg="red", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {len(conference.papers)} papers, {len(conference.sessions)} sessions, "
        f"{len(conference.speakers)} speakers, {len(conference.workshops)} workshops"
        + (f" ({len(problems)} warning(s))" if problems else "")
    )
