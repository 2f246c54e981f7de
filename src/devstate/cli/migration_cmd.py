"""``devstate negotiate`` and ``devstate check-migration``: source and destination devices."""

from __future__ import annotations

import json
from pathlib import Path

import click

from devstate import ir
from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, fail, print_json
from devstate.cli.streams import is_stdio, read_stdin
from devstate.compat.negotiate import negotiate
from devstate.compat.params import (
    MAX_DESCRIPTION_SIZE,
    DeviceDescription,
    Mismatch,
    load_description,
    parse_description,
)
from devstate.compat.verdict import check_devices
from devstate.errors import SchemaError, UsageError
from devstate.schema import SchemaLoader, find_schema_file, standard_schemas_dir

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
    source, dest = _descriptions(source_path, dest_path)
    root = schemas_dir or standard_schemas_dir()
    schema = _explicit_schema(schema_name, root) if schema_name else _default_schema(source, dest, root)
    loader = SchemaLoader(root)
    result, verdict = check_devices(source, dest, schema,
                                    lambda model, version: _registry_schema(model, version, root, loader))
    if as_json:
        print_json({**result.to_json(), "verdict": verdict.to_json()})
    else:
        where = f" (parameters of {schema.ident})" if schema else ""
        status = "[green]compatible[/green]" if result.compatible else "[red]not compatible[/red]"
        console.print(f"{source.model}: {source_path} → {dest_path}{where}: {status}")
        _print_mismatches(result.mismatches, result.notes)
    raise click.exceptions.Exit(EXIT_OK if result.compatible else EXIT_INVALID)


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
    source, dest = _descriptions(source_path, dest_path)
    root = schemas_dir or standard_schemas_dir()
    loader = SchemaLoader(root)
    result = negotiate(source, dest, lambda model, version: _registry_schema(model, version, root, loader))
    if as_json:
        print_json(result.to_json())
    elif result.version is not None:
        loads = f" (the destination's {result.loads} reader loads it directly)" if result.loads else ""
        console.print(f"{source.model}: use version [bold]{result.version}[/bold]{loads}")
        _print_mismatches([], result.notes)
    else:
        console.print(f"{source.model}: [red]no version works[/red]")
        _print_mismatches(result.reasons, result.notes)
    raise click.exceptions.Exit(EXIT_OK if result.ok else EXIT_INVALID)


def _descriptions(source_path: Path, dest_path: Path) -> tuple[DeviceDescription, DeviceDescription]:
    if is_stdio(source_path) and is_stdio(dest_path):
        fail("only one of --source and --dest can be - (standard input)")
    try:
        return _description(source_path), _description(dest_path)
    except UsageError as exc:
        fail(str(exc))


def _description(path: Path) -> DeviceDescription:
    """A description file, or ``-``: standard input."""
    if not is_stdio(path):
        return load_description(path)
    try:
        data = json.loads(read_stdin(MAX_DESCRIPTION_SIZE).decode("utf-8"))
    except OSError as exc:
        raise UsageError(f"-: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"-: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"-:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return parse_description(data, "-")


def _print_mismatches(mismatches: list[Mismatch], notes: list[str]) -> None:
    for mismatch in mismatches:
        console.print(f"  [red]✗[/red] {mismatch.message}", markup=True, soft_wrap=True, highlight=False)
    for note in notes:
        console.print(f"  [dim]note: {note}[/dim]", soft_wrap=True)


def _registry_schema(model: str, version: ir.Version, root: Path, loader: SchemaLoader) -> ir.Schema | None:
    try:
        return loader.load(find_schema_file(f"{model}@{version}", root).path)
    except (UsageError, SchemaError, OSError):
        return None


def _default_schema(source: DeviceDescription, dest: DeviceDescription, root: Path) -> ir.Schema | None:
    common = set(source.versions) & set(dest.versions)
    loader = SchemaLoader(root)
    for version in sorted(common or set(source.versions), reverse=True):
        schema = _registry_schema(source.model, version, root, loader)
        if schema is not None:
            return schema
    return None


def _explicit_schema(name: str, root: Path) -> ir.Schema:
    from devstate.cli.compat_cmd import load_schema_arg

    return load_schema_arg(name, SchemaLoader(root), root)
