"""``miniconf freeze``: validate, then write the static site (atomically) to --out."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..chat.rooms import ChatError
from ..site.access import AccessError, load_access
from ..site.build import FreezeError, freeze_site
from ..structure.pipeline_outputs import load_pipeline_outputs
from .common import load_site, report_problems, sitedata_argument


@click.command("freeze")
@sitedata_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder to write the site to; replaced only when the whole build succeeded.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per CPU this process may use, at most 8).",
)
def command(sitedata: Path, out: Path, jobs: int | None) -> None:
    """Validate SITEDATA and freeze the site into OUT."""
    started = time.perf_counter()
    conference, problems = load_site(sitedata)
    errors = report_problems(problems)
    if conference is None:
        message = f"{errors} error(s); the previous build was left untouched."
        click.secho(message, fg="red", err=True)
        sys.exit(1)
    outputs = load_pipeline_outputs(conference)
    if outputs.published and not outputs.current:  # published; some papers wait for a run
        click.secho(f"note: {outputs.message}", fg="yellow", err=True)
    elif not outputs.published:  # still build: pages just go without similar papers
        click.secho(f"warning: {outputs.message}", fg="yellow", err=True)
    try:
        access = load_access(conference)  # access: attendees: keys from the environment
        report = freeze_site(conference, out, jobs=jobs, outputs=outputs, access=access)
    except (FreezeError, ChatError, AccessError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    seconds = time.perf_counter() - started
    click.echo(
        f"Froze {len(conference.papers)} papers into {out}/: {report.files} files, "
        f"{report.bytes / 1e6:.1f} MB in {seconds:.1f} s"
    )
    if access.enabled:
        click.echo(access.summary())
