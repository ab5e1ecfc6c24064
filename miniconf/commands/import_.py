"""``miniconf import``: bring a conference over from Mini-Conf, OpenReview or a CSV export."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..importers.common import ImportSummary, MiniConfImportError
from ..importers.writer import ImportLoss
from ..structure.loader import load_conference
from ..structure.problems import Severity

out_option = click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write the sitedata to: new, empty, or an earlier import of the same "
    "source (updated; your edits since are kept, or the import stops naming them).",
)
allow_loss_option = click.option(
    "--allow-loss",
    is_flag=True,
    help="Write the import even when papers or session memberships of the source do not "
    "come across (without it, such an import writes nothing and exits 1).",
)


@click.group("import")
def command() -> None:
    """Convert another tool's conference data into sitedata/."""


def _run(out: Path, importer: Callable[[], ImportSummary]) -> None:
    try:
        summary = importer()
    except ImportLoss as loss:
        for line in loss.summary.lines():
            click.echo(line)
        click.secho(f"error: {loss}", fg="red", err=True)
        sys.exit(1)
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
    click.echo(
        f"Validated {out}: OK"
        + (
            f" ({warnings} warning(s); run `miniconf validate {out}` to list them)"
            if warnings
            else ""
        )
    )
    if summary.lost():
        click.secho(
            "Imported with losses (--allow-loss): " + ", ".join(summary.lost()),
            fg="yellow",
            err=True,
        )


@command.command("miniconf")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@out_option
@allow_loss_option
@click.option(
    "--paper-room",
    metavar="TEMPLATE",
    help="The old site's paper chat rooms, when they are not the layout's usual "
    "names (paper_{id}; ACL: paper-main-8), e.g. 'zzz_paper_{id}' (EEML).",
)
def miniconf_command(source: Path, out: Path, allow_loss: bool, paper_room: str | None) -> None:
    """Import a Mini-Conf sitedata/ folder SOURCE (any Mini-Conf family) into OUT."""
    from ..importers.miniconf import import_miniconf

    _run(out, lambda: import_miniconf(source, out, allow_loss=allow_loss, paper_room=paper_room))


@command.command("openreview")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option
@allow_loss_option
@click.option("--name", help="The conference's name (default: the notes' venue).")
def openreview_command(source: Path, out: Path, allow_loss: bool, name: str | None) -> None:
    """Import accepted papers from OpenReview API v2 notes (a JSON file) into OUT."""
    from ..importers.openreview import import_openreview

    _run(out, lambda: import_openreview(source, out, allow_loss=allow_loss, name=name))


@command.command("csv")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@out_option
@allow_loss_option
@click.option(
    "--map",
    "mapping",
    help="Our field=their column, comma-separated, e.g. "
    "'id=Paper ID,title=Paper Title,authors=Authors'. Saved with the import, "
    "so a re-run needs no --map. Fields: "
    "id, title, authors, abstract, keywords, track, type, pdf, session, video.",
)
@click.option("--name", help="The conference's name (default: the file's name).")
def csv_command(
    source: Path, out: Path, allow_loss: bool, mapping: str | None, name: str | None
) -> None:
    """Import papers from a CMT, START/Softconf or other CSV export SOURCE into OUT."""
    from ..importers.csv_export import import_csv

    _run(out, lambda: import_csv(source, out, mapping, allow_loss=allow_loss, name=name))
