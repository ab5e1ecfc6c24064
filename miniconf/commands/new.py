"""``miniconf new DIR``: a small, valid starter conference an organizer edits.

The files are ``miniconf/starter/``: the sitedata, the GitHub workflows (pinned to this
MiniConf's version), the authors' pull-request template and guide, and a README for
organizers. Names starting with ``dot-`` are written with a dot (``dot-github`` →
``.github``), so that no packaging tool drops them as hidden files.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .. import __version__

STARTER = Path(__file__).resolve().parent.parent / "starter"


def starter_files() -> list[tuple[str, Path]]:
    """(path in the new project, file in the package) for every starter file."""
    files = []
    for file in sorted(STARTER.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts:
            parts = file.relative_to(STARTER).parts
            target = "/".join("." + p[4:] if p.startswith("dot-") else p for p in parts)
            files.append((target, file))
    return files


def write_starter(folder: Path, name: str, timezone: str, first_day: date) -> list[str]:
    """Write the starter project into ``folder`` (which must be empty or absent)."""
    values = {
        "name": name,
        "name_yaml": json.dumps(name, ensure_ascii=False),  # a JSON string is YAML
        "timezone": timezone,
        "day1": first_day.isoformat(),
        "day2": (first_day + timedelta(days=1)).isoformat(),
        "version": __version__,
    }
    written = []
    for target, source in starter_files():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text()).safe_substitute(values))
        written.append(target)
    return written


def _check_zone(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {value!r}; use an IANA name "
            "such as Europe/Lisbon or America/New_York"
        ) from None
    return value


@click.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name", default="My Conference 2027", show_default=True, help="The conference's name."
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    callback=_check_zone,
    help="The conference's time zone (IANA name); attendees see their own.",
)
def command(folder: Path, name: str, timezone: str) -> None:
    """Start a new conference in FOLDER: sitedata, workflows and a README to edit."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        click.secho(
            f"error: {folder} is not empty; choose a new folder (nothing was written)",
            fg="red",
            err=True,
        )
        sys.exit(1)
    if not name.strip() or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise click.BadParameter("a name of 1 to 200 printable characters", param_hint="--name")
    # Three months ahead, on a Tuesday: far enough to plan, and a real date to replace.
    first_day = date.today() + timedelta(days=90)
    first_day += timedelta(days=(1 - first_day.weekday()) % 7)
    written = write_starter(folder, name.strip(), timezone, first_day)
    click.echo(f"Wrote {len(written)} files into {folder}/. Next:")
    click.echo(f"  cd {folder}")
    click.echo("  miniconf run        # preview at http://127.0.0.1:5000/")
    click.echo("  miniconf freeze     # the site, in build/")
    click.echo("See README.md there for publishing on GitHub Pages.")
