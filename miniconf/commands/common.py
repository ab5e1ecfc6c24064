"""Pieces the commands share: the SITEDATA argument and how problems are printed."""

from __future__ import annotations

from pathlib import Path

import click

from ..structure.papercache import writable_folder
from ..structure.problems import Problem, Severity

sitedata_argument = click.argument(
    "sitedata",
    default="sitedata",
    type=click.Path(file_okay=False, path_type=Path),
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


def cache_dir_for(sitedata: Path) -> Path:
    """Where caches live: ``.miniconf-cache/`` beside sitedata (outside git)."""
    return sitedata.resolve().parent / ".miniconf-cache"


def usable_cache_dir(sitedata: Path) -> Path | None:
    """cache_dir_for, or None with a note when it cannot be written (a read-only
    checkout): validate and freeze still work, only without the speed-up."""
    folder = cache_dir_for(sitedata)
    if writable_folder(folder):
        return folder
    click.secho(f"note: {folder} cannot be written (a read-only checkout?); "
                "running without the cache", fg="yellow", err=True)
    return None

