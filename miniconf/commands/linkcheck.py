"""``miniconf linkcheck BUILD``: fail when a frozen page links to a missing page or asset."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..site.linkcheck import check_links
from ..structure.yamlsource import YamlProblem, parse_yaml, read_text


def _base_url(sitedata: Path | None) -> str | None:
    """The site's base_url from config.yml: the 404 page's links are absolute under it."""
    if sitedata is None:
        return None
    try:
        config = parse_yaml(read_text(sitedata / "config.yml"))
    except (OSError, YamlProblem):
        return None
    return config.get("base_url") if isinstance(config, dict) else None


@click.command("linkcheck")
@click.argument(
    "build", default="build", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--sitedata",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The sitedata the build came from (for its base_url).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="github: ::error annotations for a pull request check.",
)
def command(build: Path, sitedata: Path | None, output_format: str) -> None:
    """Check every internal link, asset and #fragment in the frozen site BUILD."""
    checked, broken = check_links(build, _base_url(sitedata))
    for link in broken:
        if output_format == "github":
            click.echo(f"::error title=Broken link::{link}")
        else:
            click.secho(str(link), fg="red", err=True)
    if broken:
        click.secho(f"{len(broken)} broken of {checked} internal links", fg="red", err=True)
        sys.exit(1)
    click.echo(f"OK: {checked} internal links in {build}/, none broken")
