"""``devstate.toml`` as click option defaults (click's ``default_map``), checked against the commands.

A verb's defaults are worked out when the verb runs, from its click command: importing every
verb to check the whole file first would cost more than most commands take. Top-level keys
(``config.GLOBAL_KEYS``) go to every command that has the option; a ``[verb]`` table to that
verb's options, by their long name (``format`` is ``--format``); a group's table (``[fleet]``)
to every subcommand that has the option, and its sub-tables (``[schema.json-schema]``) to
one subcommand. A key that is no option of the verb, a table that names no verb and a value
the option does not take are refused (``CONFIG_INVALID``, naming the file and the key).
Relative paths are relative to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from devstate.cli.output import fail
from devstate.config import Config, ConfigError


class VerbDefaults(dict[str, Any]):
    """The ``default_map`` of a group: each subcommand's defaults, made when it runs."""

    def __init__(self, config: Config, group: click.Group, ctx: click.Context, table: dict[str, Any],
                 shared: dict[str, Any], where: list[str], tables: dict[str, str] | None = None) -> None:
        super().__init__()
        scalars = {key: value for key, value in table.items() if not isinstance(value, dict)}
        self._config, self._group, self._ctx, self._where = config, group, ctx, where
        self._table = {key: value for key, value in table.items() if isinstance(value, dict)}
        self._shared = {**shared, **scalars}
        self._tables = {**(tables or {}), **dict.fromkeys(scalars, ".".join(where))}
        """Shared key → the table it came from (a group's), for errors; top-level keys are absent."""
        for key, value in table.items():
            if isinstance(value, dict) and key not in group.list_commands(ctx):
                raise ConfigError(f"{config.path}: unknown table [{'.'.join([*where, key])}] "
                                  f"({_known('verbs of ' + _name(where), group.list_commands(ctx))})")
        if where and scalars:  # a group's own table: each key must be an option of some subcommand
            options = {key for name in group.list_commands(ctx) if (sub := group.get_command(ctx, name))
                       for key in _options(sub)}
            for key in scalars:
                if key not in options:
                    raise ConfigError(f"{config.path}: [{'.'.join(where)}] unknown key {key!r} "
                                      f"({_known('options of its subcommands', sorted(options))})")

    def get(self, name: str, default: Any = None) -> Any:
        """``name``'s defaults (click asks when it makes the subcommand's context); a config
        error exits 2 there, before the subcommand parses its arguments."""
        try:
            return self._get(name, default)
        except ConfigError as exc:
            fail(exc)

    def _get(self, name: str, default: Any) -> Any:
        if name not in self:
            command = self._group.get_command(self._ctx, name)
            if command is None:
                return default
            table = self._table.get(name, {})
            if isinstance(command, click.Group):
                self[name] = VerbDefaults(self._config, command, self._ctx, table, self._shared,
                                          [*self._where, name], self._tables)
            else:
                self[name] = _leaf(self._config, command, self._shared, table, [*self._where, name], self._tables)
        return super().get(name, default)


def root_defaults(config: Config, group: click.Group, ctx: click.Context) -> VerbDefaults:
    """The ``default_map`` of the ``devstate`` group for ``config`` (exits 2 if a table names no verb)."""
    try:
        return VerbDefaults(config, group, ctx, config.verbs, config.options, [])
    except ConfigError as exc:
        fail(exc)


def _leaf(config: Config, command: click.Command, shared: dict[str, Any], table: dict[str, Any],
          where: list[str], tables: dict[str, str]) -> dict[str, Any]:
    options = _options(command)
    for key, value in table.items():
        if isinstance(value, dict):
            raise ConfigError(f"{config.path}: unknown table [{'.'.join([*where, key])}] "
                              f"({_name(where)} has no subcommands)")
        if key not in options:
            raise ConfigError(f"{config.path}: [{'.'.join(where)}] unknown key {key!r} "
                              f"({_known(f'options of {_name(where)}', sorted(options))})")
    values = {key: value for key, value in shared.items() if key in options} | table
    result: dict[str, Any] = {}
    for key, value in values.items():
        param = options[key]
        value = _relative(value, param, config.path.parent)
        origin = ".".join(where) if key in table else tables.get(key)
        at = f"{config.path}: [{origin}] {key}" if origin else f"{config.path}: {key}"
        if param.is_flag and not isinstance(value, bool):
            raise ConfigError(f"{at}: {value!r} is not true or false (--{key} is a flag)")
        try:
            param.type_cast_value(click.Context(command), value)
        except click.BadParameter as exc:
            raise ConfigError(f"{at}: {exc.format_message()}") from None
        except (TypeError, ValueError, AttributeError):  # click's types expect the text of a command line
            raise ConfigError(f"{at}: {value!r} is not a value --{key} takes") from None
        assert param.name is not None
        result[param.name] = value
    return result


def _options(command: click.Command) -> dict[str, click.Option]:
    """The command's options by long name without its dashes (``--format`` → ``format``)."""
    return {opt[2:]: param for param in command.params if isinstance(param, click.Option)
            for opt in param.opts if opt.startswith("--")}


def _relative(value: Any, param: click.Option, base: Path) -> Any:
    if isinstance(param.type, click.Path) and isinstance(value, str) and value != "-":
        return str(base / value)
    return value


def _name(where: list[str]) -> str:
    return " ".join(["devstate", *where])


def _known(what: str, names: list[str]) -> str:
    return f"{what}: {', '.join(names)}" if names else f"no {what}"
