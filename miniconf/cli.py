"""The ``miniconf`` command: one module per subcommand under ``miniconf/commands``."""

from __future__ import annotations

import click

from . import __version__
from .commands import build, pipeline, serve, validate
from .commands import chat as chat_command
from .commands import import_ as import_command
from .commands import linkcheck as linkcheck_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="miniconf")
def cli() -> None:
    """Build a virtual conference site from YAML files in sitedata/."""


cli.add_command(validate.command)
cli.add_command(build.command)
cli.add_command(serve.command)
cli.add_command(import_command.command)
cli.add_command(linkcheck_command.command)
cli.add_command(chat_command.command)
cli.add_command(pipeline.command)


def main() -> None:
    cli()
