"""``devstate inspect|decode|encode``: DSF blobs on the command line (and ``.dsf`` validation).

Errors are one line on stderr (``devstate: error: FILE: CODE at offset N ($.path): ...``)
with exit status 1 for invalid data and 2 for usage or I/O problems.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.tree import Tree

from devstate import ir
from devstate.cli.blob_io import limit_options, read_blob
from devstate.cli.output import EXIT_INVALID, EXIT_USAGE, console, error_console, fail, print_json, refuse_overwrite
from devstate.cli.streams import is_stdio, schema_path, stdin_chunks, write_atomic
from devstate.errors import SchemaError, UsageError
from devstate.fileio import io_error, is_a_directory, not_found, read_regular, read_regular_chunks
from devstate.interp import Trace, decode, encode_pieces
from devstate.interp.annotate import Annotated, annotate, hexdump_lines
from devstate.interp.nodes import TraceEntry
from devstate.schema import find_schema_file, load_schema
from devstate.schema.registry import SchemaFile, model_versions
from devstate.semantic import SemanticError
from devstate.semantic import check_state as check_semantics
from devstate.state import State, state_to_json
from devstate.state_input import StateInputError, parse_jsonc_chunks, read_state
from devstate.wire.errors import DecodeError, EncodeError, ErrorCode
from devstate.wire.header import FIXED_HEADER_SIZE, check_lengths, parse_fixed_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits

ARRAY_PREVIEW = 8
"""Array elements shown per array in ``decode``'s tree (the rest are summarised)."""
MAX_STATE_FILE_SIZE = 1 << 30
"""Largest state JSON file ``encode`` reads."""




# --- decode -------------------------------------------------------------------------------


@click.command("decode")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--schema", "schema_name", metavar="PATH|MODEL@VERSION",
              help="The reader's schema (default: the blob's model and version, or the newest minor of its major).")
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
@click.option("--all", "show_all", is_flag=True, help=f"Show every array element (default: the first {ARRAY_PREVIEW}).")
@click.option("--paths", is_flag=True, help="Label values with their full field path ($.sections.x.y).")
@click.option("--hex", "as_hex", is_flag=True,
              help="Show integers in hex (registers, addresses); with --json as \"0x…\" strings, which encode reads.")
@click.option("--hexdump", is_flag=True,
              help="Offsets, bytes and the field path of each run side by side, up to the first error (marked).")
@click.option("--partial", is_flag=True,
              help="On an error, show what decoded before it and mark it (past a bad checksum: all of it).")
@limit_options
def decode_cmd(file: Path, schema_name: str | None, as_json: bool, show_all: bool, paths: bool, as_hex: bool,
               hexdump: bool, partial: bool, limits: Limits) -> None:
    """Decode a DSF blob with its schema; print a tree (path, offset, value) or JSON.

    FILE may be - for standard input. Exit status: 0 decoded, 1 the blob is invalid (also
    with --partial and --hexdump, after showing what decoded), 2 usage or I/O error.
    """
    data = read_blob(file, limits, dsf=True)
    schema = resolve_reader(schema_name, data, file, limits)
    if hexdump or partial:
        _annotated(file, schema, annotate(schema, data, limits), as_json, hexdump, show_all, paths, as_hex)
        return
    trace = None if as_json else Trace()
    try:
        state = decode(schema, data, limits, trace=trace)
    except DecodeError as exc:
        fail(exc, EXIT_INVALID, source=str(file))
    if as_json:
        print_json(state_to_json(hex_integers(state) if as_hex else state))
        return
    assert trace is not None
    console.print(render_tree(file, schema, state, trace, show_all, paths, as_hex))


def _annotated(file: Path, schema: ir.Schema, annotated: Annotated, as_json: bool, hexdump: bool, show_all: bool,
               paths: bool, as_hex: bool) -> None:
    """--hexdump and --partial: what decoded, then the error (exit 1) if there is one."""
    errors = [e for e in (annotated.error, annotated.checksum_error) if e is not None]
    if as_json:
        values = [{"path": s.path, "offset": s.offset, "size": s.end - s.offset,
                   **({"value": state_to_json(s.value)} if s.value is not None else {})}
                  for s in annotated.spans if s.leaf]
        print_json({"valid": not errors, "errors": [e.to_json() for e in errors], "spans": values})
    elif hexdump:
        for line in hexdump_lines(annotated, as_hex, show_all):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    else:
        trace = _finished(annotated.trace, annotated.error.offset if annotated.error else 0)
        state = annotated.state or {"model": schema.model}
        console.print(render_tree(file, schema, state, trace, show_all, paths, as_hex))
        for error in errors:
            console.print(f"[red]✗[/red] {error}", highlight=False, soft_wrap=True)
    if errors:
        fail(errors[0], EXIT_INVALID, source=str(file), report_json=not as_json)


def _finished(trace: Trace, error_offset: int) -> Trace:
    """The values decoded before the error: containers in progress end at the error, the leaf
    it struck is left out."""
    done = [entry for entry in trace.entries if entry.end >= 0]
    holding = {_split_path(entry.path)[0] for entry in done}
    while True:  # a container in progress is kept when something inside it finished
        more = {_split_path(path)[0] for path in holding} - holding
        if not more:
            break
        holding |= more
    return Trace([entry if entry.end >= 0 else TraceEntry(entry.path, entry.offset, max(entry.offset, error_offset))
                  for entry in trace.entries if entry.end >= 0 or entry.path in holding])


def hex_integers(state: State) -> State:
    """The state with every integer value of its sections as a ``"0x…"`` string (bools stay)."""
    def convert(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return _hex_text(value)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    return {**state, "sections": convert(state["sections"]), "vendor_sections": convert(state["vendor_sections"])}


def _hex_text(value: int) -> str:
    return f"-{-value:#x}" if value < 0 else f"{value:#x}"


def resolve_reader(name: str | None, data: bytes, file: Path, limits: Limits) -> ir.Schema:
    """The schema named by ``--schema``, else the blob's own; exits 1 (bad header) or 2 (unknown)."""
    if name is not None:
        return load_named_schema(name)
    try:
        return reader_for(data, limits)
    except NoReaderError as exc:
        fail(exc.error, EXIT_USAGE, source=str(file))
    except DecodeError as exc:
        fail(exc, EXIT_INVALID, source=str(file))
    except UsageError as exc:
        fail(f"{file}: {exc}", code=exc.code)


class NoReaderError(UsageError):
    """No standard schema reads the blob's model (MODEL_MISMATCH) or major version (MAJOR_MISMATCH)."""

    def __init__(self, error: DecodeError) -> None:
        super().__init__(str(error))
        self.error = error


def reader_for(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ir.Schema:
    """The standard schema for the blob's header: its version, else the newest minor of its major.

    Raises ``DecodeError`` when the header is invalid and ``UsageError`` when no schema is known.
    """
    view = memoryview(data)
    fixed, id_length = parse_fixed_header(view, limits)
    header = check_lengths(view, fixed, id_length)
    versions = _versions(header.model)
    same_major = [f for f in versions if f.version.major == header.major]
    exact = [f for f in same_major if f.version.minor == header.minor]
    chosen = (exact or same_major[-1:])
    if not chosen:
        code, offset, where = ((ErrorCode.MAJOR_MISMATCH, 12, "$.header.major") if versions
                               else (ErrorCode.MODEL_MISMATCH, FIXED_HEADER_SIZE, "$.header.model"))
        raise NoReaderError(DecodeError(code, offset, where,
                                        f"no standard schema for {header.model}@{header.version}; pass --schema"))
    try:
        return load_schema(chosen[0].path)
    except SchemaError as exc:
        raise UsageError(f"{chosen[0].path} is not a valid schema") from exc


def _versions(model: str) -> list[SchemaFile]:
    try:
        return model_versions(model)
    except OSError:
        return []


def load_named_schema(name: str) -> ir.Schema:
    """A schema file path, ``-`` (standard input) or ``MODEL@VERSION`` of a standard schema; exits 2 if unknown."""
    copy = schema_path(name)
    if copy is not None:
        return _load(copy, name)
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.is_dir():
            fail(is_a_directory(name))
        if not path.is_file():
            fail(not_found(name))
        return _load(path, name)
    try:
        return _load(find_schema_file(name).path, name)
    except UsageError as exc:
        fail(exc)


def _load(path: Path, name: str) -> ir.Schema:
    try:
        return load_schema(path)
    except SchemaError as exc:
        first = exc.diagnostics[0] if exc.diagnostics else "invalid"
        fail(f"{name} is not a valid schema: {first}", code=exc.code)


def render_tree(file: Path, schema: ir.Schema, state: State, trace: Trace, show_all: bool = False,
                paths: bool = False, as_hex: bool = False) -> Tree:
    """The decoded values as a tree: name (or path), value, offset and size."""
    root = Tree(f"[bold]{file}[/bold] — {state['model']} read as {schema.ident}")
    nodes = {"$.sections": root.add("sections"), "$.vendor_sections": root.add("vendor sections")}
    parents = {_split_path(entry.path)[0] for entry in trace.entries}
    hidden: dict[str, int] = {}
    for entry in trace.entries:
        parent_path, name = _split_path(entry.path)
        parent = nodes.get(parent_path)
        if parent is None:
            continue
        if name.startswith("[") and not show_all and int(name[1:-1]) >= ARRAY_PREVIEW:
            hidden[parent_path] = hidden.get(parent_path, 0) + 1
            continue
        size = f"{entry.end - entry.offset} B"
        name = entry.path if paths else name
        if entry.path in parents and not _scalar_list(entry.value):
            nodes[entry.path] = parent.add(f"{name}  [dim]@{entry.offset}, {size}[/dim]")
        else:
            shown = _format_value(entry.value, show_all, as_hex)
            parent.add(f"{name} = {shown}  [dim]@{entry.offset}, {size}[/dim]")
    for path, count in hidden.items():
        nodes[path].add(f"[dim]… {count} more elements (--all shows them)[/dim]")
    _add_unknown(root, state)
    return root


def _scalar_list(value: Any) -> bool:
    """A list of scalars is shown on one line (flags, u8[6], u32[128], ...)."""
    return isinstance(value, list) and not any(isinstance(item, dict | list) for item in value)


def _split_path(path: str) -> tuple[str, str]:
    if path.endswith("]"):
        head, _, index = path.rpartition("[")
        return head, f"[{index}"
    head, _, name = path.rpartition(".")
    return head, name


def _format_value(value: Any, show_all: bool = False, as_hex: bool = False) -> str:
    if as_hex and isinstance(value, int) and not isinstance(value, bool):
        return _hex_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        shown = value if show_all else value[:32]
        more = f"… ({len(value)} bytes)" if len(shown) < len(value) else ""
        return (bytes(shown).hex() or "(empty)") + more
    if isinstance(value, list):
        items = value if show_all else value[:16]
        more = f", … ({len(value)} elements)" if len(items) < len(value) else ""
        return "[" + ", ".join(_format_value(item, as_hex=as_hex) for item in items) + more + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _add_unknown(root: Tree, state: State) -> None:
    unknown = state.get("unknown_sections", [])
    if not unknown:
        return
    node = root.add("unknown optional sections (kept unchanged)")
    for entry in unknown:
        where = f"{entry['vendor']}#{entry['id']}" if "vendor" in entry else f"id {entry['id']}"
        node.add(f"{where} flags={entry['flags']:#x}: {_format_value(entry['payload'])}")


# --- encode -------------------------------------------------------------------------------


@click.command("encode")
@click.argument("state_file", metavar="STATE.json", type=click.Path(path_type=Path))
@click.option("--schema", "schema_name", metavar="PATH|MODEL@VERSION",
              help="The writer's schema (default: the state's \"model\" and \"version\").")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write the blob (written atomically; - for standard output).")
@click.option("--strict", is_flag=True,
              help="Require every field and required section (default: absent ones take their defaults).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome (or every error) as JSON.")
@click.option("--model", hidden=True, help="Deprecated: use --schema MODEL@VERSION.")
@click.option("--version", "version", hidden=True, help="Deprecated: use --schema MODEL@VERSION.")
def encode_cmd(state_file: Path, schema_name: str | None, output: Path, strict: bool, as_json: bool,
               model: str | None, version: str | None) -> None:
    """Encode a state (JSON, as `decode --json` prints or `template` writes) as a canonical DSF blob.

    Absent fields and required sections take their defaults (--strict refuses them);
    integers may be hex strings ("0x1"), flags an integer mask, and `//` comments are
    ignored. Every error is reported, each with its field path. STATE.json may be - for
    standard input. Exit status: 0 encoded, 1 the state is invalid, 2 usage or I/O error.
    """
    refuse_overwrite(output, state_file)
    if as_json and is_stdio(output):
        fail("--json prints the outcome on standard output; give -o a file")
    if model or version:
        error_console.print("devstate: warning: --model and --version are deprecated; use --schema MODEL@VERSION",
                            markup=False, soft_wrap=True)
    named = load_named_schema(schema_name) if schema_name is not None else None
    state_json = _read_state(state_file)
    schema = named or load_named_schema(_state_schema_name(state_file, state_json, model, version))
    try:
        state = read_state(state_json, schema, strict=strict)
        del state_json
        blob = encode_pieces(schema, state)  # the blob's buffers: a large region is the state's own bytes
    except StateInputError as exc:
        _state_errors(state_file, exc.errors, as_json)
    except EncodeError as exc:
        _state_errors(state_file, [exc], as_json)
    size = sum(len(piece) for piece in blob)
    write_atomic(output, blob)  # from its buffers one after another, not joined
    if as_json:
        print_json({"encoded": True, "output": str(output), "size": size, "schema": schema.ident})
    elif not is_stdio(output):
        console.print(f"wrote {output} ({size} bytes, {schema.ident})", markup=False)


def _state_schema_name(state_file: Path, state_json: dict[str, Any], model: str | None,
                       version: str | None) -> str:
    model = model or str(state_json.get("model", ""))
    version = version or str(state_json.get("version", ""))
    if not model or not version:
        fail(f"{state_file}: no model/version in the state; pass --schema MODEL@VERSION")
    return f"{model}@{version}"


def _state_errors(state_file: Path, errors: list[EncodeError], as_json: bool) -> NoReturn:
    if as_json:
        print_json({"encoded": False, "errors": [e.to_json() for e in errors]})
        raise click.exceptions.Exit(EXIT_INVALID)
    if len(errors) == 1:
        fail(errors[0], EXIT_INVALID, source=str(state_file))
    for error in errors:
        error_console.print(f"{state_file}: {error}", markup=False, soft_wrap=True)
    fail(f"{state_file}: {len(errors)} errors in the state (listed above); nothing was written", EXIT_INVALID,
         code=ErrorCode.INVALID_STATE.name)


def _read_state(path: Path) -> dict[str, Any]:
    """The state file's JSON; a file, or standard input, is read in chunks, each long hex string
    converted as it is read (the file is not held whole: spec/security.md, "Amplification")."""
    try:
        if is_stdio(path):
            data = _read_stdin_state()
        else:
            data = parse_jsonc_chunks(read_regular_chunks(path, MAX_STATE_FILE_SIZE),
                                      lambda: read_regular(path, MAX_STATE_FILE_SIZE))
    except (OSError, UnicodeDecodeError) as exc:
        fail(io_error(path, exc))
    except json.JSONDecodeError as exc:
        fail(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}", EXIT_INVALID,
             code=ErrorCode.INVALID_STATE.name)
    if not isinstance(data, dict):
        fail(EncodeError(ErrorCode.INVALID_STATE, '$', 'expected a JSON object'), EXIT_INVALID, source=str(path))
    return data


def _read_stdin_state() -> Any:
    """``parse_jsonc_chunks`` of standard input, which is also copied to a spool for the inputs
    the chunks do not settle (parsed again whole, for the error at its place): standard input
    cannot be read twice, and which inputs need it is known only once it is read. The spool is
    in memory up to 1 MiB, then an unnamed temporary file, deleted when it is closed."""
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, prefix="devstate-stdin-") as spool:
        chunks = stdin_chunks(MAX_STATE_FILE_SIZE, spool)

        def whole() -> bytes:
            for _ in chunks:  # the rest of standard input, when the chunks were left unsettled midway
                pass
            spool.seek(0)
            return spool.read()

        return parse_jsonc_chunks(chunks, whole)


# --- validate (called by ``devstate validate`` for .dsf files) -------------------------------


def validate_blob(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Decode ``path`` with its standard schema and check its model's semantic rules; a report with
    ``valid`` and the error (if any)."""
    report: dict[str, Any] = {"file": str(path), "valid": False, "schema": None, "error": None, "message": None}
    data = read_blob(path, limits, dsf=True)
    try:
        schema = reader_for(data, limits)
        report["schema"] = schema.ident
        violations = check_semantics(schema, decode(schema, data, limits))
        report["valid"] = not violations
        if violations:
            report["error"] = violations[0].to_json()
            report["violations"] = [v.to_json() for v in violations]
            report["message"] = "\n".join(f"{path}: {SemanticError.code} {v}" for v in violations)
    except DecodeError as exc:
        report["error"] = exc.to_json()
        report["message"] = f"{path}: {exc}"
    except NoReaderError as exc:
        report["error"] = exc.error.to_json()
        report["message"] = f"{path}: {exc}"
    except UsageError as exc:
        report["message"] = f"{path}: {exc}"
    return report


def print_blob_reports(reports: list[dict[str, Any]]) -> None:
    """One line per saved state: its error, or that it is valid and which schema read it."""
    for report in reports:
        if report["valid"]:
            console.print(f"{report['file']}: valid {report['schema']} state", markup=False, soft_wrap=True)
        else:
            console.print(report["message"], markup=False, soft_wrap=True)
