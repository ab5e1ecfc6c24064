"""The ``miniconf`` command: one module per subcommand under ``miniconf/commands``."""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .commands import build, new, pipeline, serve, validate
from .commands import chat as chat_command
from .commands import import_ as import_command
from .commands import linkcheck as linkcheck_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="miniconf")
def cli() -> None:
    """Build a virtual conference site from YAML files in sitedata/."""


cli.add_command(new.command)
cli.add_command(validate.command)
cli.add_command(build.command)
cli.add_command(serve.command)
cli.add_command(import_command.command)
cli.add_command(linkcheck_command.command)
cli.add_command(chat_command.command)
cli.add_command(pipeline.command)


#: Commands that hold a whole conference in memory and have written everything when
#: they return. Python's teardown would then free 10,000 papers' objects one by one
#: (~0.4 s); the process ends at once instead.
FAST_EXIT_COMMANDS = {"validate", "freeze"}


def main() -> None:
    try:
        cli()
    except SystemExit as done:
        if len(sys.argv) > 1 and sys.argv[1] in FAST_EXIT_COMMANDS:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            if not isinstance(done.code, int | None):
                print(done.code, file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise
