"""``devstate schema list|show|dump``: browse the standard schemas and the IR."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table
from rich.tree import Tree

from devstate import ir
from devstate.cli.output import EXIT_INVALID, console, fail, json_requested, print_json, refuse_overwrite
from devstate.cli.streams import schema_path
from devstate.errors import IO_READ_ERROR, IoError, SchemaError, UsageError
from devstate.fileio import is_a_directory, not_found, read_problem
from devstate.schema import find_schema_file, load_schema, schema_files
from devstate.schema.validate import count_fields


@click.group()
def schema() -> None:
    """List, show and dump schemas."""


def resolve_schema(name: str) -> ir.Schema:
    """A schema named by a file path, by ``MODEL[@VERSION]`` or ``-`` (standard input); exits cleanly on error."""
    path = schema_path(name) or Path(name)
    try:
        if not path.exists() and "/" not in name and not name.endswith((".yaml", ".yml")):
            path = find_schema_file(name).path
        elif not path.exists():
            fail(not_found(name))
        if path.is_dir():
            fail(is_a_directory(name))
        return load_schema(path)
    except UsageError as exc:
        fail(exc)
    except SchemaError as exc:
        unreadable = [d for d in exc.diagnostics if d.code == "IO_ERROR"]
        if not json_requested():  # with --json, the diagnostics are in the error document
            for diagnostic in exc.diagnostics:
                console.print(str(diagnostic), markup=False, soft_wrap=True)
        if unreadable:
            fail(read_problem(name) or IoError(IO_READ_ERROR, name, unreadable[0].message))
        fail(f"{name} is not a valid schema", EXIT_INVALID, code=exc.code,
             details={"diagnostics": [d.to_json() for d in exc.diagnostics]})


@schema.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_schemas(as_json: bool) -> None:
    """List the standard schemas: model, version, title, standard and vendor sections (counted
    apart, as on the website's model pages), fields."""
    rows = []
    for file in schema_files():
        loaded = load_schema(file.path)
        rows.append(
            {
                "model": loaded.model,
                "version": str(loaded.version),
                "title": loaded.title,
                "sections": len(loaded.sections),
                "vendor_sections": len(loaded.vendor_sections),
                "fields": count_fields(loaded),
                "file": str(file.path),
            }
        )
    if as_json:
        print_json(rows)
        return
    table = Table(title="Standard schemas", title_justify="left")
    columns = ("model", "version", "title", "sections", "vendor_sections", "fields")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right" if column in columns[3:] else "left")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)


@schema.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the IR as JSON instead (as `schema dump`).")
def show(name: str, as_json: bool) -> None:
    """Show a schema as a tree of sections and fields with offsets and sizes.

    NAME is a schema file or MODEL[@VERSION] (newest version when omitted).
    """
    loaded = resolve_schema(name)
    if as_json:
        print_json(load_ir_json(loaded))
        return
    tree = Tree(f"[bold]{loaded.ident}[/bold] — {loaded.title}")
    for section in loaded.sections:
        flags = " optional" if section.optional else ""
        since = f" since {section.since}" if section.since else ""
        node = tree.add(
            f"section {section.id} [bold]{section.name}[/bold]: {ir.type_label(section.type)}{flags}{since}"
        )
        _add_type(node, loaded, section.type, depth=0)
    for vendor in loaded.vendor_sections:
        payload = "opaque" if vendor.type is None else ir.type_label(vendor.type)
        node = tree.add(f"vendor section {vendor.vendor} #{vendor.id} [bold]{vendor.name}[/bold]: {payload}")
        if vendor.type is not None:
            _add_type(node, loaded, vendor.type, depth=0)
    if loaded.params:
        params = tree.add("migration parameters")
        for param in loaded.params:
            params.add(f"{param.name}: {param.type} = {param.default!r}")
    console.print(tree)


def _add_type(node: Tree, schema: ir.Schema, expr: object, depth: int) -> None:
    while isinstance(expr, ir.ArrayType):
        expr = expr.element
    if not isinstance(expr, ir.NamedRef) or expr.target_kind != "struct" or depth > 8:
        return
    struct = schema.struct(expr.name)
    for field in struct.fields:
        offset = f"@{field.offset}" if field.offset is not None else "@?"
        size = f"{field.type.fixed_size} B" if field.type.fixed_size is not None else "variable"
        since = f" [dim]since {field.since}[/dim]" if field.since else ""
        child = node.add(f"{field.name}: {ir.type_label(field.type)}  [dim]{offset}, {size}[/dim]{since}")
        _add_type(child, schema, field.type, depth + 1)


@schema.command("dump")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print the IR as JSON (default).")
def dump(name: str, as_json: bool) -> None:
    """Print the IR of a schema as JSON, for other tools to consume."""
    print_json(load_ir_json(resolve_schema(name)))


@schema.command("json-schema")
@click.argument("name", metavar="MODEL@VERSION")
@click.option("--strict", is_flag=True, help="Require every field and required section (as `encode --strict`).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("-"), show_default=True,
              help="Where to write it (atomically; - for standard output).")
def json_schema(name: str, strict: bool, output: Path) -> None:
    """Print the JSON Schema (draft 2020-12) of MODEL@VERSION's state JSON, for editors.

    It checks what `devstate encode` reads: types, ranges, enum and flag names, byte
    lengths, with each field's documentation and default. Point an editor at it with
    "$schema" or the editor's JSON schema setting.
    """
    from devstate.cli.streams import write_atomic
    from devstate.state_schema import state_json_schema

    refuse_overwrite(output, Path(name))
    loaded = resolve_schema(name)
    if loaded.is_library:
        fail(f"{loaded.ident} is a types-only library schema; it has no state")
    text = json.dumps(state_json_schema(loaded, strict=strict), indent=2) + "\n"
    write_atomic(output, text.encode("utf-8"))


def load_ir_json(loaded: ir.Schema) -> dict[str, object]:
    return loaded.model_dump(mode="json")
