"""The ``devstate`` command line: thin verbs over the library.

Each verb lives in a module of this package named after what it does and is listed in
``COMMANDS``; a verb parses its arguments, calls one library function and prints.
Modules are imported only when their verb runs, so ``devstate validate`` does not pay
for the codecs, the compat engine or the bridges.
Exit codes: 0 success, 1 the input is invalid or incompatible, 2 usage or I/O error.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

from devstate import __version__

CONFIG_NAME = "devstate.toml"
"""As ``devstate.config.CONFIG_NAME``; spelled here so that ``--help`` imports nothing more."""

COMMANDS: dict[str, str] = {
    "validate": "validate_cmd:validate",
    "schema": "schema_cmd:schema",
    "inspect": "inspect_cmd:inspect_cmd",
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

SUMMARIES: dict[str, str] = {
    "validate": "Validate schema files and saved states (*.dsf files).",
    "schema": "List, show and dump schemas.",
    "inspect": "Show a DSF blob's header, sections and checksum, without needing its schema.",
    "decode": "Decode a DSF blob with its schema; print a tree (path, offset, value) or JSON.",
    "encode": "Encode a state (JSON) as a canonical DSF blob.",
    "template": "Write a complete state JSON for MODEL@VERSION, every field at its default.",
    "gen": "Generate typed codecs for SCHEMA...",
    "compat": "Report every change between two schema versions and check the version bump.",
    "matrix": "A versions × versions table of what loads what.",
    "negotiate": "Pick the schema version to migrate with.",
    "check-migration": "Can the source migrate to the destination?",
    "convert": "Convert saved state to another version of its model.",
    "diff": "Field-level diff of two saved states.",
    "import": "Turn a standard state blob into a DSF blob of MODEL@VERSION.",
    "export": "Write the state of a DSF blob in a standard format.",
    "parts": "virtio device parts (virtio 1.4 admin commands DEV_PARTS_GET/SET).",
    "nvme-state": "NVMe live-migration controller state (TP4159 Migration Send/Receive).",
    "import-vmstate": "Turn a QEMU -dump-vmstate description into devstate schema skeletons.",
    "vmstate-compat": "Compare two QEMU -dump-vmstate descriptions the way QEMU's loader reads state.",
    "qemu": "QEMU migration streams: read them, check them, compare them.",
    "demo": "Vendor A → vendor B: two independent devices migrate through devstate.",
    "fleet": "The fleet view over host (and VM) descriptions.",
}
"""What ``devstate --help`` lists for each verb, so that it imports no verb's module; a
test keeps each one true to its command's own help."""


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
    from devstate.cli.output import fail
    from devstate.config import default_map, find_config, load_config
    from devstate.errors import UsageError

    path = config_path or find_config(Path.cwd())
    if path is None:
        return
    try:
        config = load_config(path)
    except UsageError as exc:
        fail(str(exc))
    ctx.default_map = default_map(config, sorted(COMMANDS))
    if config.schemas_dir is not None and "DEVSTATE_SCHEMAS" not in os.environ:
        # MODEL@VERSION lookups everywhere go through the registry, which reads this variable;
        # it is removed again when the command ends (tests run many commands in one process).
        os.environ["DEVSTATE_SCHEMAS"] = str(config.schemas_dir)
        ctx.call_on_close(lambda: os.environ.pop("DEVSTATE_SCHEMAS", None))
