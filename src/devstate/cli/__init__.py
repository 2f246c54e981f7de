"""The ``devstate`` command line: thin verbs over the library.

Each verb lives in a module of this package named after what it does and is listed in
``COMMANDS``; a verb parses its arguments, calls one library function and prints.
Modules are imported only when their verb runs, so ``devstate validate`` does not pay
for the codecs, the compat engine or the bridges.
Exit codes: 0 success, 1 the input is invalid or incompatible, 2 usage or I/O error.
"""

from __future__ import annotations

import importlib

import click

from devstate import __version__

COMMANDS: dict[str, str] = {
    "validate": "validate_cmd:validate",
    "schema": "schema_cmd:schema",
    "inspect": "wire_cmd:inspect_cmd",
    "decode": "wire_cmd:decode_cmd",
    "encode": "wire_cmd:encode_cmd",
    "template": "template_cmd:template",
    "gen": "gen_cmd:gen",
    "compat": "compat_cmd:compat",
    "matrix": "matrix_cmd:matrix",
    "negotiate": "migration_cmd:negotiate_cmd",
    "check-migration": "migration_cmd:check_migration_cmd",
    "convert": "state_cmd:convert",
    "diff": "state_cmd:diff_cmd",
    "import": "bridge_cmd:import_cmd",
    "export": "bridge_cmd:export_cmd",
    "parts": "bridge_cmd:parts",
    "nvme-state": "bridge_cmd:nvme_state",
    "import-vmstate": "vmstate_cmd:import_vmstate",
    "vmstate-compat": "vmstate_cmd:vmstate_compat",
    "qemu": "qemu_cmd:qemu",
    "demo": "demo_cmd:demo",
    "fleet": "fleet_cmd:fleet",
}
"""Verb name → ``module:attribute`` of its click command, in this package."""


class LazyGroup(click.Group):
    """A click group that imports a verb's module when the verb is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, _, attribute = COMMANDS[cmd_name].partition(":")
            module = importlib.import_module(f"{__name__}.{module_name}")
            command = getattr(module, attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="devstate")
def main() -> None:
    """devstate: schemas, wire format, codecs and compatibility checks for device state."""
