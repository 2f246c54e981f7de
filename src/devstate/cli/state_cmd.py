"""``devstate convert`` and ``devstate diff``: saved state between versions, and compared."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import NoReturn

import click

from devstate import ir
from devstate.blob_convert import convert_blob, open_blob
from devstate.cli.blob_io import limit_options, read_blob
from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, error_console, fail, print_json, refuse_overwrite
from devstate.cli.streams import is_stdio, write_atomic
from devstate.compat.convert import ConversionError
from devstate.compat.migrate import load_migrations
from devstate.compat.statediff import diff_states
from devstate.errors import SchemaError, UsageError
from devstate.fileio import io_error, open_regular
from devstate.interp import decode
from devstate.schema import SchemaLoader, find_schema_file, standard_schemas_dir
from devstate.state import State
from devstate.wire.errors import WireError
from devstate.wire.header import Header, parse_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits

_DIR = click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                    help="Where the model's versions are (default: the standard schemas).")


@click.command()
@click.argument("input_path", metavar="IN.dsf", type=click.Path(path_type=Path))
@click.option("--to", "--to-version", "to_version", required=True, metavar="[MODEL@]VERSION",
              help="The version to convert to, e.g. 1.0 or org.virtio.net@1.0 (--to-version: the old spelling).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Where to write the converted blob (atomically; - for standard output).")
@click.option("--migrations", "modules", multiple=True, metavar="MODULE",
              help="Import MODULE to register more migration functions (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@_DIR
@limit_options
def convert(input_path: Path, to_version: str, output: Path, modules: tuple[str, ...], as_json: bool,
            schemas_dir: Path | None, limits: Limits) -> None:
    """Convert saved state to another version of its model.

    Up-conversion within a major version always works (new fields get their defaults).
    Down-conversion works when every field and section the older version lacks holds its
    default or is an optional section; otherwise it fails naming every value that would
    be lost, and writes nothing. Across major versions, state moves only through a
    registered migration function. Exit status: 0 converted, 1 cannot convert, 2 bad input.
    """
    refuse_overwrite(output, input_path)
    if as_json and is_stdio(output):
        fail("--json prints the outcome on standard output; give -o a file")
    wanted_model, _, version_text = to_version.rpartition("@")
    target = _version(version_text)
    try:
        load_migrations(modules)
    except UsageError as exc:
        fail(exc)
    root = schemas_dir or standard_schemas_dir()
    with _opened(input_path, limits) as data:
        model = _model_of(data, input_path, limits)
        if wanted_model and wanted_model != model:
            fail(f"{input_path} holds {model} state; --to names {wanted_model}")
        lookup = _lookup(model, root)
        lookup(target)
        try:
            blob = convert_blob(data, target, lookup, limits=limits)
        except ConversionError as exc:
            _conversion_failed(exc, as_json)
        except WireError as exc:
            fail(exc, EXIT_INVALID, source=str(input_path))
        write_atomic(output, blob.pieces())  # the trailer computed on the way, the pieces never joined
        report = {"input": str(input_path), "output": str(output), "from": str(blob.source.version),
                  "to": str(blob.target.version), "route": [str(h) for h in blob.route],
                  "dropped_optional_sections": blob.dropped, "copied_sections": blob.reused, "size": blob.size}
    if as_json:
        print_json({"converted": True, **report})
    elif not is_stdio(output):
        route = "; ".join(str(h) for h in blob.route) or "same version"
        console.print(f"{input_path} ({blob.source.ident}) → {output} ({blob.target.ident}): {route}")
        for name in blob.dropped:
            console.print(f"  [yellow]note:[/yellow] optional section {name} is unknown to {to_version}: dropped")


@click.command("diff")
@click.argument("a_path", metavar="A.dsf", type=click.Path(path_type=Path))
@click.argument("b_path", metavar="B.dsf", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_DIR
@limit_options
def diff_cmd(a_path: Path, b_path: Path, as_json: bool, schemas_dir: Path | None, limits: Limits) -> None:
    """Field-level diff of two saved states: each field path, old → new (arrays element by element).

    Each blob is decoded with the schema of the version in its header. Exit status:
    0 identical, 1 different, 2 bad input.
    """
    root = schemas_dir or standard_schemas_dir()
    if is_stdio(a_path) and is_stdio(b_path):
        fail("only one of A.dsf and B.dsf can be - (standard input)")
    with _opened(a_path, limits) as a_data, _opened(b_path, limits) as b_data:
        differences = diff_states(_decode(a_data, a_path, root, limits), _decode(b_data, b_path, root, limits))
        if as_json:
            print_json({"identical": not differences, "differences": [d.to_json() for d in differences]})
        else:
            for difference in differences:
                console.print(str(difference), markup=False, soft_wrap=True)
            console.print(f"{len(differences)} difference(s)" if differences else "identical", markup=False)
    raise click.exceptions.Exit(EXIT_INVALID if differences else EXIT_OK)


def _opened(path: Path, limits: Limits = DEFAULT_LIMITS) -> AbstractContextManager[memoryview]:
    """The blob's bytes (only a regular file: a directory, FIFO or device is refused, without blocking;
    ``-``: standard input)."""
    if is_stdio(path):
        return nullcontext(memoryview(read_blob(path, limits, dsf=True)))
    try:
        with open_regular(path):
            pass
    except OSError as exc:
        fail(io_error(path, exc))
    return open_blob(path)


def _version(text: str) -> ir.Version:
    try:
        return ir.Version.parse(text)
    except ValueError as exc:
        fail(str(exc), code=UsageError.code)


def _model_of(data: memoryview, path: Path, limits: Limits) -> str:
    try:
        return parse_header(data, limits).model
    except WireError as exc:
        fail(exc, source=str(path))


def _lookup(model: str, root: Path) -> Callable[[ir.Version], ir.Schema]:
    loader = SchemaLoader(root)

    def schema_for(version: ir.Version) -> ir.Schema:
        try:
            return loader.load(find_schema_file(f"{model}@{version}", root).path)
        except UsageError as exc:
            fail(exc)
        except SchemaError as exc:
            fail(f"{model}@{version}: invalid schema: {exc.diagnostics[0]}", code=exc.code)

    return schema_for


def _decode(data: memoryview, path: Path, root: Path, limits: Limits) -> State:
    header = _header(data, path, limits)
    schema = _lookup(header.model, root)(header.version)
    try:
        return decode(schema, data, limits)
    except WireError as exc:
        fail(exc, EXIT_INVALID, source=str(path))


def _header(data: memoryview, path: Path, limits: Limits) -> Header:
    try:
        return parse_header(data, limits)
    except WireError as exc:
        fail(exc, source=str(path))


def _conversion_failed(exc: ConversionError, as_json: bool) -> NoReturn:
    if as_json:
        print_json({"converted": False, "code": exc.code, "error": exc.message,
                    "losses": [loss.to_json() for loss in exc.losses]})
    else:
        error_console.print(f"devstate: error: {exc.code}: {exc.message}; nothing was written", markup=False,
                            soft_wrap=True)
        for loss in exc.losses:
            error_console.print(f"  {loss}", markup=False, soft_wrap=True)
    raise click.exceptions.Exit(EXIT_INVALID)


