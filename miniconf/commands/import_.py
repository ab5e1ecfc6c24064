"""``miniconf import miniconf DIR --out SITEDATA``: move a Mini-Conf site over in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..importers.miniconf import MiniConfImportError, import_miniconf
from ..structure.loader import load_conference
from ..structure.problems import Severity


@click.group("import")
def command() -> None:
    """Convert another tool's conference data into sitedata/."""


@command.command("miniconf")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="New (or empty) folder to write the sitedata to; never overwritten.")
def miniconf_command(source: Path, out: Path) -> None:
    """Import a Mini-Conf sitedata/ folder SOURCE (papers.csv, config.yml, ...) into OUT."""
    try:
        summary = import_miniconf(source, out)
    except MiniConfImportError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    for line in summary.lines():
        click.echo(line)
    # The importer validated every record; loading the result proves the whole site does.
    conference, problems = load_conference(out)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    for problem in errors:
        click.secho(str(problem), fg="red", err=True)
    if conference is None:
        click.secho(f"{len(errors)} error(s) in the imported sitedata", fg="red", err=True)
        sys.exit(1)
    warnings = len(problems)
    click.echo(f"Validated {out}: OK" + (f" ({warnings} warning(s); run `miniconf validate "
                                          f"{out}` to list them)" if warnings else ""))
