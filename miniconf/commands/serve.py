"""``miniconf run``: serve the site locally, reloading when data or templates change."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from markupsafe import escape

from ..site.access import AccessError
from ..site.app import create_app
from ..site.theme import BUILTIN_STATIC, BUILTIN_TEMPLATES
from ..structure.problems import Severity
from .common import load_site, report_problems, sitedata_argument


def make_app(sitedata: Path) -> Flask:
    """The site, or, while sitedata has errors, a page listing them (so editing goes on)."""
    conference, problems = load_site(sitedata, cache=False)
    report_problems(problems)
    if conference is not None:
        try:
            return create_app(conference)
        except AccessError as exc:  # access: attendees without its keys
            raise click.ClickException(str(exc)) from None
    broken = Flask("miniconf-errors")
    errors = [p for p in problems if p.severity is Severity.ERROR]

    @broken.route("/", defaults={"path": ""})
    @broken.route("/<path:path>")
    def show_errors(path: str):
        items = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in errors)
        return f"<h1>sitedata has {len(errors)} error(s)</h1><ul>{items}</ul>", 500

    return broken


def watched_files(sitedata: Path) -> list[str]:
    """Files and folders whose change restarts the server (folders: for added files)."""
    paths = [sitedata, *sitedata.rglob("*")]  # the organizer's theme_dir is inside
    for folder in (BUILTIN_TEMPLATES, BUILTIN_STATIC):
        paths += [folder, *folder.rglob("*")]
    return [str(path) for path in paths]


@click.command("run")
@sitedata_argument
@click.option("--port", type=int, default=5000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; the default is reachable from this machine only.",
)
@click.option("--reload/--no-reload", default=True, show_default=True)
def command(sitedata: Path, port: int, host: str, reload: bool) -> None:
    """Serve SITEDATA at http://HOST:PORT/ for previewing while editing."""
    app = make_app(sitedata)
    app.run(
        host=host,
        port=port,
        debug=False,
        use_reloader=reload,
        reloader_type="stat",
        extra_files=watched_files(sitedata) if reload else None,
    )
