"""``devstate negotiate`` and ``devstate check-migration``: source and destination devices.

check-migration's work is ``devstate.cli.migration_check`` (no click there, so that
``devstate.cli.quick`` can answer its usual forms without importing click).
"""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli.migration_check import CHECKS, check_migration, descriptions, registry_schema
from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, print_json
from devstate.schema.registry import standard_schemas_dir

__all__ = ["CHECKS", "check_migration_cmd", "negotiate_cmd"]

_SOURCE = click.option("--source", "source_path", required=True, type=click.Path(path_type=Path),
                       help="The source device's description (JSON; - for standard input).")
_DEST = click.option("--dest", "dest_path", required=True, type=click.Path(path_type=Path),
                     help="The destination device's description (JSON; - for standard input).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for management software.")
_DIR = click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                    help="Where the model's schemas are (default: the standard schemas).")


@click.command("check-migration")
@_SOURCE
@_DEST
@click.option("--schema", "schema_name", default=None,
              help="Schema file or MODEL@VERSION for parameter defaults (default: the newest common version).")
@_JSON
@_DIR
def check_migration_cmd(source_path: Path, dest_path: Path, schema_name: str | None, as_json: bool,
                        schemas_dir: Path | None) -> None:
    """Can the source migrate to the destination? Same model, every migration parameter the
    source uses (an absent one means its default) supported by the destination, and a way
    for its state to reach the destination's versions (a common version, a direct load
    between minor versions while named fields hold their defaults, or a conversion).

    Exit status: 0 compatible, 1 not (every mismatch is named with both values), 2 bad input.
    """
    raise click.exceptions.Exit(check_migration(source_path, dest_path, schema_name, as_json, schemas_dir))


@click.command("negotiate")
@_SOURCE
@_DEST
@_JSON
@_DIR
def negotiate_cmd(source_path: Path, dest_path: Path, as_json: bool, schemas_dir: Path | None) -> None:
    """Pick the schema version to migrate with: the newest one both devices support whose
    parameters and vendor sections work; otherwise print every reason none does.

    Exit status: 0 a version was found, 1 none works, 2 bad input.
    """
    from devstate.compat.negotiate import negotiate
    from devstate.schema import SchemaLoader

    source, dest = descriptions(source_path, dest_path)
    root = schemas_dir or standard_schemas_dir()
    loader = SchemaLoader(root)
    result = negotiate(source, dest, lambda model, version: registry_schema(model, version, root, loader))
    if as_json:
        print_json(result.to_json())
    elif result.version is not None:
        loads = f" (the destination's {result.loads} reader loads it directly)" if result.loads else ""
        console.print(f"{source.model}: use version [bold]{result.version}[/bold]{loads}")
        _print_messages([], result.notes)
    else:
        console.print(f"{source.model}: [red]no version works[/red]")
        _print_messages([m.message for m in result.reasons], result.notes)
    raise click.exceptions.Exit(EXIT_OK if result.ok else EXIT_INVALID)


def _print_messages(mismatches: list[str], notes: list[str]) -> None:
    for message in mismatches:
        console.print(f"  [red]✗[/red] {message}", markup=True, soft_wrap=True, highlight=False)
    for note in notes:
        console.print(f"  [dim]note: {note}[/dim]", soft_wrap=True)
