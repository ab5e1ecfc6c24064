"""The ``miniconf`` command: one module per subcommand under ``miniconf/commands``."""

from __future__ import annotations

import click

from . import __version__
from .commands import build, chat, serve, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="miniconf")
def cli() -> None:
    """Build a virtual conference site from YAML files in sitedata/."""


cli.add_command(validate.command)
cli.add_command(build.command)
cli.add_command(serve.command)
cli.add_command(chat.command)


def main() -> None:
    cli()
