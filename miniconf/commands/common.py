"""Pieces the commands share: the SITEDATA argument and how problems are printed."""

from __future__ import annotations

from pathlib import Path

import click

from ..structure.conference import Conference
from ..structure.loader import load_conference
from ..structure.papercache import cache_dir_for, writable_folder
from ..structure.problems import Problem, Severity


def _sitedata_folder(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """SITEDATA itself, or the ``sitedata/`` of a project folder (as ``miniconf new``
    makes them), so that ``miniconf freeze myconf`` works from outside it too."""
    inner = value / "sitedata"
    if not (value / "config.yml").exists() and (inner / "config.yml").is_file():
        return inner
    return value


sitedata_argument = click.argument(
    "sitedata",
    default="sitedata",
    type=click.Path(file_okay=False, path_type=Path),
    callback=_sitedata_folder,
)


def report_problems(problems: list[Problem], output_format: str = "text") -> int:
    """Print every problem to stderr; return how many are errors."""
    for problem in problems:
        if output_format == "github":
            click.echo(problem.github_annotation())
        else:
            color = "yellow" if problem.severity is Severity.WARNING else "red"
            click.secho(str(problem), fg=color, err=True)
    return sum(problem.severity is Severity.ERROR for problem in problems)


def load_site(sitedata: Path, cache: bool = True) -> tuple[Conference | None, list[Problem]]:
    """The conference and every problem in it and in its theme (site/theme.py); the
    conference is None when anything is an error."""
    from ..site.app import create_app  # Flask and Jinja only once the data loaded
    from ..site.theme import check_theme

    conference, problems = load_conference(sitedata, usable_cache_dir(sitedata) if cache else None)
    if conference is None:
        return None, problems
    theme_problems = check_theme(conference, lambda: create_app(conference).jinja_env)
    return (None if theme_problems else conference), problems + theme_problems


def usable_cache_dir(sitedata: Path) -> Path | None:
    """cache_dir_for, or None with a note when it cannot be written (a read-only
    checkout): validate and freeze still work, only without the speed-up."""
    folder = cache_dir_for(sitedata)
    if writable_folder(folder):
        return folder
    click.secho(
        f"note: {folder} cannot be written (a read-only checkout?); running without the cache",
        fg="yellow",
        err=True,
    )
    return None
