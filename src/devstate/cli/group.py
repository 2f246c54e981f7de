"""The ``devstate`` click group: verbs imported when used, option defaults from ``devstate.toml``."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import IO, Any

import click

from devstate import __version__
from devstate.cli import COMMANDS, CONFIG_NAME, SUMMARIES


class CodedUsageError(click.UsageError):
    """click's own usage errors (a missing argument, an unknown option) as every CLI error is
    printed: the usage line, then ``devstate: error: USAGE: message``; exit status 2."""

    def __init__(self, error: click.UsageError, as_json: bool = False) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.as_json = as_json

    def show(self, file: IO[Any] | None = None) -> None:
        if self.as_json:  # as every error of a verb given --json: the error document on stdout too
            from devstate.cli.output import print_json

            print_json({"error": {"code": "USAGE", "message": self.format_message()}})
        stream = file if file is not None else sys.stderr
        if self.ctx is not None:
            click.echo(self.ctx.get_usage(), file=stream)
            names = self.ctx.help_option_names
            if names:
                click.echo(f"Try '{self.ctx.command_path} {names[0]}' for help.", file=stream)
        click.echo(f"devstate: error: USAGE: {self.format_message()}", file=stream)


_AS_JSON = "devstate.as_json"
"""``Context.meta`` key: the command line holds ``--json`` (a usage error is then printed as JSON too)."""


def _asks_json(args: list[str]) -> bool:
    """``--json`` among the options of ``args`` (not after ``--``, where it would be a value)."""
    return "--json" in (args[:args.index("--")] if "--" in args else args)


class LazyGroup(click.Group):
    """A click group that imports a verb's module when the verb is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name) or self._summary(ctx, name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, ctx: click.Context, name: str) -> str:
        command = self.get_command(ctx, name)
        return command.get_short_help_str(80) if command is not None else ""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        as_json = _asks_json(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise CodedUsageError(exc, as_json) from None
        ctx.meta[_AS_JSON] = as_json
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CodedUsageError:
            raise
        except click.UsageError as exc:
            raise CodedUsageError(exc, bool(ctx.meta.get(_AS_JSON))) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, _, attribute = COMMANDS[cmd_name].partition(":")
            module = importlib.import_module(f"devstate.cli.{module_name}")
            command = getattr(module, attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="devstate")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=f"Option defaults from this file (default: the nearest {CONFIG_NAME} upward from the cwd).")
@click.option("--no-config", is_flag=True, help=f"Ignore any {CONFIG_NAME}.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, no_config: bool) -> None:
    """devstate: schemas, wire format, codecs and compatibility checks for device state.

    File arguments may be - (standard input or output), schemas are named MODEL@VERSION,
    --json prints machine-readable output, and option defaults come from the nearest
    devstate.toml. Shell completion (bash, zsh, fish):
    eval "$(_DEVSTATE_COMPLETE=bash_source devstate)" in ~/.bashrc (zsh_source, fish_source).
    """
    if no_config:
        return
    from devstate.cli.config_defaults import root_defaults
    from devstate.cli.output import fail
    from devstate.config import find_config, load_config
    from devstate.errors import UsageError

    path = config_path or find_config(Path.cwd())
    if path is None:
        return
    try:
        config = load_config(path)
    except UsageError as exc:
        fail(exc)
    assert isinstance(ctx.command, click.Group)
    ctx.default_map = root_defaults(config, ctx.command, ctx)
    if config.schemas_dir is not None and "DEVSTATE_SCHEMAS" not in os.environ:
        # MODEL@VERSION lookups everywhere go through the registry, which reads this variable;
        # it is removed again when the command ends (tests run many commands in one process).
        os.environ["DEVSTATE_SCHEMAS"] = str(config.schemas_dir)
        ctx.call_on_close(lambda: os.environ.pop("DEVSTATE_SCHEMAS", None))
