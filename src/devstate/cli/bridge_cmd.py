"""``devstate import|export`` and ``devstate parts|nvme-state decode``: the standards bridges.

``import --from BRIDGE FILE... --model MODEL@VERSION -o OUT.dsf`` turns a standard blob
(virtio device parts, an NVMe controller state) into a DSF blob; ``export --to BRIDGE
IN.dsf -o OUT`` writes one back. Both list, every time, what the standard has no place
for and what the schema has no place for; export fails on lost non-default values
unless ``--allow-lossy``. ``parts decode`` and ``nvme-state decode`` show a blob.

Outputs are written atomically; an output equal to an input is refused. Exit status:
0 success, 1 invalid input (or a lossy export), 2 usage or I/O error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table

from devstate import ir
from devstate.bridges.errors import AnnotationError, BridgeDecodeError, BridgeError, LossyExportError
from devstate.bridges.registry import BRIDGES
from devstate.bridges.report import BridgeReport, show
from devstate.cli.blob_io import read_blob
from devstate.cli.output import EXIT_INVALID, console, error_console, fail, print_json, refuse_overwrite
from devstate.cli.streams import STDIO, write_atomic
from devstate.cli.wire_cmd import NoReaderError, load_named_schema, reader_for
from devstate.errors import SchemaError, UsageError
from devstate.interp import decode, encode
from devstate.state import State
from devstate.wire.errors import DecodeError, EncodeError
from devstate.wire.limits import DEFAULT_LIMITS

_FILE = click.Path(path_type=Path)
_FRAMING = click.Choice(["auto", "raw", "vfio"])




def _layouts() -> list[str]:
    from devstate.bridges.nvme import LAYOUTS

    return list(LAYOUTS)


# --- import -------------------------------------------------------------------------------------


@click.command("import")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=_FILE)
@click.option("--from", "bridge", required=True, type=click.Choice(list(BRIDGES)), help="The standard format.")
@click.option("--model", "model", required=True, metavar="MODEL@VERSION|PATH", help="The schema of the new state.")
@click.option("-o", "--output", required=True, type=_FILE, help="The DSF blob to write (atomically).")
@click.option("--framing", type=_FRAMING, default="auto", show_default=True,
              help="virtio-parts: raw parts, the Linux vfio record stream, or detect.")
@click.option("--layout", type=click.Choice(_layouts()), default=None,
              help="nvme-controller-state: the header layout (default libnvme; see the bridge page).")
@click.option("--vendor-uuid", metavar="UUID", help="nvme-controller-state: the vendor-specific state's format UUID.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_cmd(files: tuple[Path, ...], bridge: str, model: str, output: Path, framing: str, layout: str | None,
               vendor_uuid: str | None, as_json: bool) -> None:
    """Turn a standard state blob into a DSF blob of MODEL@VERSION.

    Several FILEs (nvme-controller-state) are the transfers of one state, in order.
    """
    _refuse_overwrite(output, files)
    schema = load_named_schema(model)
    data = _joined(bridge, [read_blob(f, DEFAULT_LIMITS) for f in files], files)
    try:
        result = BRIDGES[bridge].import_(schema, data, framing=framing, layout=layout, vendor_uuid=vendor_uuid)
        blob = encode(schema, result.state)
    except (BridgeError, SchemaError, EncodeError) as exc:
        _failed(exc, files[0])
    except UsageError as exc:
        fail(exc)
    write_atomic(output, blob)
    _print_report(result.report, as_json, {"output": str(output), "bytes": len(blob), "schema": schema.ident})


def _joined(bridge: str, pieces: list[bytes], files: Sequence[Path]) -> bytes:
    if len(pieces) == 1:
        return pieces[0]
    if bridge != "nvme-controller-state":
        fail(f"{bridge} reads one file; several files are the transfers of an NVMe controller state")
    from devstate.bridges.nvme import join_transfers

    try:
        return join_transfers(pieces)
    except BridgeDecodeError as exc:
        _failed(exc, files[0])


# --- export -------------------------------------------------------------------------------------


@click.command("export")
@click.argument("input_path", metavar="IN.dsf", type=_FILE)
@click.option("--to", "bridge", required=True, type=click.Choice(list(BRIDGES)), help="The standard format.")
@click.option("-o", "--output", required=True, type=_FILE, help="The blob to write (atomically).")
@click.option("--allow-lossy", is_flag=True, help="Write even when values are lost, and list them.")
@click.option("--framing", type=click.Choice(["raw", "vfio"]), default="raw", show_default=True,
              help="virtio-parts: raw parts, or one Linux vfio device-data record around them.")
@click.option("--layout", type=click.Choice(_layouts()), default=None,
              help="nvme-controller-state: the header layout (default libnvme).")
@click.option("--vendor-uuid", metavar="UUID", help="nvme-controller-state: which vendor state to write.")
@click.option("--transfer-size", type=click.IntRange(min=4), metavar="BYTES",
              help="nvme-controller-state: split into transfers of at most BYTES, written as OUT.000, OUT.001, ...")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def export_cmd(input_path: Path, bridge: str, output: Path, allow_lossy: bool, framing: str, layout: str | None,
               vendor_uuid: str | None, transfer_size: int | None, as_json: bool) -> None:
    """Write the state of a DSF blob in a standard format."""
    _refuse_overwrite(output, (input_path,))
    if transfer_size is not None and bridge != "nvme-controller-state":
        fail("--transfer-size splits NVMe controller states only")
    schema, state = _read_dsf(input_path)
    try:
        result = BRIDGES[bridge].export(schema, state, allow_lossy=allow_lossy, framing=framing, layout=layout,
                                        vendor_uuid=vendor_uuid)
    except LossyExportError as exc:
        _lossy(exc, as_json)
    except (BridgeError, SchemaError) as exc:
        _failed(exc, input_path)
    except UsageError as exc:
        fail(exc)
    written = _write_export(output, result.data, transfer_size, result.extra.get("layout"), input_path)
    _print_report(result.report, as_json, {"output": written, "bytes": len(result.data), "schema": schema.ident})


def _read_dsf(path: Path) -> tuple[ir.Schema, State]:
    data = read_blob(path, DEFAULT_LIMITS)
    try:
        schema = reader_for(data)
        return schema, decode(schema, data)
    except NoReaderError as exc:
        fail(exc.error, source=str(path))
    except DecodeError as exc:
        fail(exc, EXIT_INVALID, source=str(path))
    except UsageError as exc:
        fail(f"{path}: {exc}", code=exc.code)


def _write_export(output: Path, data: bytes, transfer_size: int | None, layout: Any,
                  source: Path) -> list[dict[str, Any]] | str:
    if transfer_size is None:
        write_atomic(output, data)
        return str(output)
    from devstate.bridges.nvme import split_transfers

    try:
        transfers = split_transfers(data, transfer_size)
    except UsageError as exc:
        fail(exc)
    paths = [output.with_name(f"{output.name}.{index:03d}") for index in range(len(transfers))]
    for path in paths:
        _refuse_overwrite(path, (source,))
    plan = []
    for path, transfer in zip(paths, transfers, strict=True):
        write_atomic(path, transfer.data)
        plan.append({"file": str(path), "seqind": transfer.seqind.name.lower(), "offset": transfer.offset,
                     "bytes": len(transfer.data), "cdw10": f"{transfer.cdw10(layout):#010x}", "numd": transfer.numd})
    return plan


# --- shared output ------------------------------------------------------------------------------------


def _refuse_overwrite(output: Path, inputs: Sequence[Path]) -> None:
    refuse_overwrite(output, *inputs)


def _failed(exc: Exception, path: Path) -> NoReturn:
    if isinstance(exc, AnnotationError):
        more = f" (and {len(exc.diagnostics) - 1} more)" if len(exc.diagnostics) > 1 else ""
        fail(f"{exc.diagnostics[0]}{more}", EXIT_INVALID, code=exc.code)
    if isinstance(exc, SchemaError):
        fail(f"invalid schema: {exc.diagnostics[0] if exc.diagnostics else exc}", EXIT_INVALID, code=exc.code)
    fail(f"{path}: {exc}", EXIT_INVALID, code=getattr(exc, "code", "ERROR"))


def _lossy(exc: LossyExportError, as_json: bool) -> NoReturn:
    if as_json:
        print_json({"error": exc.to_json()})
    else:
        console.print(f"would lose {len(exc.losses)} values:", markup=False, soft_wrap=True)
        for loss in exc.losses:
            console.print(f"  {loss}", markup=False, soft_wrap=True)
    fail(exc, EXIT_INVALID, report_json=not as_json)


def _print_report(report: BridgeReport, as_json: bool, output: dict[str, Any]) -> None:
    where = output["output"]
    if as_json:
        if where == STDIO:
            fail("--json prints the report on standard output; give -o a file")
        print_json({**output, **report.to_json()})
        return
    out = error_console if where == STDIO else console  # the blob itself is on standard output
    if isinstance(where, list):
        for item in where:
            out.print(f"wrote {item['file']}: {item['seqind']} transfer, offset {item['offset']}, {item['bytes']} "
                          f"bytes (CDW10 {item['cdw10']}, NUMD {item['numd']})", markup=False, soft_wrap=True)
    elif where != STDIO:
        out.print(f"wrote {where} ({output['bytes']} bytes, {output['schema']})", markup=False, soft_wrap=True)
    for line in report.lines():
        out.print(line, markup=False, soft_wrap=True)


# --- parts decode -----------------------------------------------------------------------------------------


@click.group("parts")
def parts() -> None:
    """virtio device parts (virtio 1.4 admin commands DEV_PARTS_GET/SET)."""


@parts.command("decode")
@click.argument("file", type=_FILE)
@click.option("--framing", type=_FRAMING, default="auto", show_default=True,
              help="Raw parts, the Linux vfio record stream, or detect.")
@click.option("--device-type", type=click.Choice(["net", "none"]), default="net", show_default=True,
              help="The device-type part table (virtio 1.4 defines parts for virtio-net only).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def parts_decode(file: Path, framing: str, device_type: str, as_json: bool) -> None:
    """List every part of a device-parts stream: type, flags, selector, length, value."""
    from devstate.bridges.virtio import describe_part, list_parts

    data = read_blob(file, DEFAULT_LIMITS)
    try:
        found, used, notes = list_parts(data, framing, None if device_type == "none" else device_type)
    except BridgeError as exc:
        _failed(exc, file)
    described = [describe_part(p) for p in found]
    if as_json:
        print_json({"file": str(file), "framing": used, "parts": described, "notes": notes})
        return
    console.print(_parts_table(file, used, described))
    for note in notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)


def _parts_table(file: Path, framing: str, described: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{file}: {len(described)} device parts ({framing})", title_justify="left")
    for column in ("offset", "type", "name", "flags", "selector", "length", "value"):
        table.add_column(column, justify="right" if column in ("offset", "length") else "left",
                         overflow="fold")
    for part in described:
        table.add_row(str(part["offset"]), part["type"], part["name"], ",".join(part["flags"]) or "-",
                      _pairs(part["selector"]), str(part["length"]), _pairs(part["value"]))
    return table


def _pairs(value: dict[str, Any] | None) -> str:
    if not value:
        return "-"
    return " ".join(f"{key}={_short(item)}" for key, item in value.items())


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value[:8]) + (f", … {len(value)}" if len(value) > 8 else "") + "]"
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:40] + "…"
    if isinstance(value, int) and not isinstance(value, bool) and value > 0xFFFF:
        return f"{value:#x}"
    return str(value)


# --- nvme-state decode -------------------------------------------------------------------------------------


@click.group("nvme-state")
def nvme_state() -> None:
    """NVMe live-migration controller state (TP4159 Migration Send/Receive)."""


@nvme_state.command("decode")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=_FILE)
@click.option("--layout", type=click.Choice(_layouts()), default="libnvme", show_default=True,
              help="The header layout.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def nvme_decode(files: tuple[Path, ...], layout: str, as_json: bool) -> None:
    """Show a controller state: header, I/O queue entries, vendor-specific state.

    Several FILEs are the transfers of one state, in order.
    """
    from devstate.bridges.nvme import LAYOUTS, describe_state, read_state

    data = _joined("nvme-controller-state", [read_blob(f, DEFAULT_LIMITS) for f in files], files)
    try:
        described = describe_state(read_state(data, LAYOUTS[layout]))
    except BridgeError as exc:
        _failed(exc, files[0])
    if as_json:
        print_json({"file": str(files[0]), **described})
        return
    _print_nvme(files[0], described)


def _print_nvme(file: Path, described: dict[str, Any]) -> None:
    header = described["header"]
    console.print(f"{file}: controller state ({described['layout']} layout), VER {header['VER']}, CSATTR "
                  f"{header['CSATTR']:#04x} ({'suspended' if header['suspended'] else 'not suspended'})",
                  markup=False, soft_wrap=True)
    nvme = described["nvme_state"]
    if nvme is None:
        console.print("no NVMe-defined state (NVMECSS 0)", markup=False, soft_wrap=True)
    else:
        console.print(f"NVMe-defined state at offset {nvme['offset']}: VER {nvme['VER']}, NIOSQ {nvme['NIOSQ']}, "
                      f"NIOCQ {nvme['NIOCQ']}", markup=False, soft_wrap=True)
        for record in ("IOSQ", "IOCQ"):
            if nvme[record]:
                console.print(_entries_table(record, nvme[record]))
    vendor = described["vendor_state"]
    console.print(f"vendor-specific state: {vendor['length']} bytes at offset {vendor['offset']}"
                  + (f": {vendor['data'][:64]}{'…' if len(vendor['data']) > 64 else ''}" if vendor["length"] else ""),
                  markup=False, soft_wrap=True)
    if described["padding"]:
        console.print(f"{described['padding']} zero bytes of padding after the state", markup=False, soft_wrap=True)


def _entries_table(record: str, entries: list[dict[str, Any]]) -> Table:
    columns = [key for key in entries[0] if not key.endswith("_bits")]
    table = Table(title=f"{record} entries", title_justify="left")
    table.add_column("#", justify="right")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("attributes")
    for index, entry in enumerate(entries):
        bits: dict[str, Any] = next((value for key, value in entry.items() if key.endswith("_bits")), {})
        table.add_row(str(index), *(show(entry[c]) for c in columns), _pairs(bits))
    return table
