"""``devstate qemu ...``: QEMU migration streams (``inspect``) and their virtio devices (``extract``, ``inject``).

``extract STREAM -o DIR`` writes one DSF blob per virtio-net and virtio-blk device of a
stream and prints, for each, where every QEMU value went and which standard fields QEMU
did not provide; ``inject STREAM BLOB... -o NEW_STREAM`` writes standard state back,
section for section, copying everything else (spec/qemu-virtio.md).

Exit status: 0 success, 1 the stream is invalid, 2 usage or I/O error. With ``--json`` an
error is a JSON object on stdout too (``{"error": {"file", "code", "offset", "message"}}``), after
which the one ``devstate: error:`` line is printed on stderr as without it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table

from devstate.cli.output import EXIT_INVALID, EXIT_USAGE, console, error_console, fail, print_json, refuse_overwrite
from devstate.cli.streams import as_file, is_stdio, refuse_stdio_directory
from devstate.errors import DevstateError, IoError
from devstate.fileio import io_error
from devstate.qemu.stream import Section, Stream, StreamError, VmsdExtent, iter_fields, read_stream
from devstate.qemu.virtio.to_standard import PROPERTIES

_PATH = click.Path(path_type=Path)


@click.group("qemu")
def qemu() -> None:
    """QEMU migration streams: read them, check them, translate their devices."""


def load_stream(path: Path, as_json: bool) -> Stream:
    """Read a stream or exit: 1 when it is not a valid stream, 2 when it cannot be read."""
    try:
        return read_stream(as_file(path))
    except StreamError as error:
        _error({"file": str(path), **error.to_json()}, f"{path}: {error}", EXIT_INVALID, as_json)
    except OSError as error:
        fail(io_error(path, error))


def _error(obj: dict[str, Any], text: str, status: int, as_json: bool) -> NoReturn:
    """As ``output.fail``: with --json the error document ``obj`` on stdout, and the one line on stderr."""
    if as_json:
        print_json({"error": obj})
    fail(text, status, code=str(obj["code"]), report_json=False)


def _os_error(error: OSError, stream: Path, *inputs: str) -> IoError:
    """What went wrong with a file ``extract`` or ``inject`` met: reading ``stream`` or an input, or writing."""
    name = error.filename or stream
    return io_error(name, error, writing=str(name) not in {str(stream), *inputs})


@qemu.command("inspect")
@click.argument("stream_path", metavar="STREAM", type=_PATH)
@click.option("--fields", "device", metavar="SECTION", help="Also list every field of this section (name or id).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def inspect_cmd(stream_path: Path, device: str | None, as_json: bool) -> None:
    """Read a whole QEMU migration stream and list what is in it.

    The header, the configuration (machine type, page size, capabilities), every device
    section with its section id, instance, version, byte offset and size and the subsections
    sent, the RAM sections summarised (blocks, pages, zero pages; no page is kept in memory),
    commands and the self-description. A stream QEMU could not have written is refused with
    an error code and the byte offset.
    """
    stream = load_stream(stream_path, as_json)
    chosen = _chosen(stream, device, as_json) if device is not None else None
    if as_json:
        print_json(stream_json(stream, chosen))
        return
    _print_stream(stream)
    if chosen is not None:
        _print_fields(chosen)


def _chosen(stream: Stream, device: str, as_json: bool) -> Section:
    for section in stream.sections:
        if device in (section.name, str(section.section_id), section.vmsd_name):
            return section
    names = ", ".join(s.name for s in stream.devices())
    _error({"code": "USAGE", "offset": None, "message": f"no section {device!r}"},
           f"no section {device!r} in {stream.path} (sections: {names})", EXIT_USAGE, as_json)


# --- JSON -------------------------------------------------------------------------------


def stream_json(stream: Stream, fields_of: Section | None = None) -> dict[str, Any]:
    config = stream.configuration
    ram = stream.ram
    return {
        "file": stream.path,
        "size": stream.size,
        "version": stream.version,
        "configuration": None if config is None else {
            "offset": config.offset, "machine": config.machine, "target_page_bits": config.target_page_bits,
            "capabilities": list(config.capabilities), "uuid": config.uuid.hex() if config.uuid else None,
        },
        "page_size": stream.page_size,
        "sections": [_section_json(s, s is fields_of) for s in stream.sections],
        "ram": {
            "section_id": ram.section_id, "version": ram.version_id, "blocks": ram.blocks, "records": ram.records,
            "pages": ram.pages, "zero_pages": ram.zero_pages, "page_bytes": ram.page_bytes,
            "offset": ram.first_offset, "end": ram.last_end,
        },
        "commands": [{"offset": c.offset, "command": c.command, "length": c.length} for c in stream.commands],
        "eof_offset": stream.eof_offset,
        "description": None if stream.description_offset is None else {
            "offset": stream.description_offset, "bytes": stream.size - stream.description_offset - 5,
            "devices": len(stream.description.devices) if stream.description else 0,
        },
    }


def _section_json(section: Section, with_fields: bool) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": section.kind, "offset": section.offset, "section_id": section.section_id, "name": section.name,
        "vmsd": section.vmsd_name, "instance_id": section.instance_id, "version_id": section.version_id,
        "body": section.body, "bytes": section.body_size, "footer": section.footer,
        "delimited_by": section.delimited_by,
        "subsections": _subsection_list(section.vmsd),
    }
    if with_fields and section.vmsd is not None:
        obj["fields"] = [
            {"path": path, "type": f.type, "offset": f.offset, "size": f.size, "count": f.count}
            for path, f in iter_fields(section.vmsd)
        ]
    return obj


def _subsection_list(vmsd: VmsdExtent | None) -> list[dict[str, Any]]:
    if vmsd is None:
        return []
    return [{"name": s.name, "version": s.version, "offset": s.offset, "bytes": s.end - s.offset}
            for s in vmsd.subsections]


# --- text -------------------------------------------------------------------------------


def _print_stream(stream: Stream) -> None:
    config = stream.configuration
    machine = config.machine if config else "(no configuration section)"
    console.print(f"{stream.path}: QEMU migration stream v{stream.version}, {stream.size:,} bytes, machine "
                  f"{machine}, page size {stream.page_size}", markup=False, soft_wrap=True)
    if config and config.capabilities:
        console.print(f"capabilities: {', '.join(config.capabilities)}", markup=False)
    table = Table("offset", "id", "section", "inst", "ver", "bytes", "subsections", box=None, pad_edge=False)
    for s in stream.sections:
        subs = ", ".join(f"{x.name} v{x.version}" for x in (s.vmsd.subsections if s.vmsd else ()))
        table.add_row(str(s.offset), str(s.section_id), s.name, str(s.instance_id), str(s.version_id),
                      f"{s.body_size:,}", subs)
    console.print(table)
    ram = stream.ram
    if ram.records:
        total = sum(ram.blocks.values())
        console.print(f"RAM: section {ram.section_id} v{ram.version_id}, {len(ram.blocks)} blocks "
                      f"({total:,} bytes), {ram.records} records, {ram.pages:,} pages sent, "
                      f"{ram.zero_pages:,} zero pages", markup=False, soft_wrap=True)
    for c in stream.commands:
        console.print(f"command 0x{c.command:02x} ({c.length} bytes) at {c.offset}", markup=False)
    if stream.description_offset is None:
        console.print("no self-description (sections delimited by their footers)", markup=False)
    else:
        n = len(stream.description.devices) if stream.description else 0
        console.print(f"self-description at {stream.description_offset}: "
                      f"{stream.size - stream.description_offset - 5:,} bytes of JSON, {n} devices", markup=False)
    console.print(f"{len(stream.devices())} device sections, EOF at {stream.eof_offset}", markup=False)


def _print_fields(section: Section) -> None:
    if section.vmsd is None:
        console.print(f"{section.name}: no field layout ({section.delimited_by})", markup=False)
        return
    table = Table("offset", "bytes", "type", "field", box=None, pad_edge=False, title=section.name)
    for path, f in iter_fields(section.vmsd):
        size = f"{f.count}×{f.size}" if f.count != 1 else str(f.size)
        table.add_row(str(f.offset), size, f.type, path)
    console.print(table)


# --- extract and inject: the virtio devices through the standard format -----------------------

_PROPERTY = click.option(
    "--property", "properties", multiple=True, metavar="[SECTION:]NAME=VALUE",
    help=f"A device property QEMU's stream does not hold ({', '.join(sorted(PROPERTIES))}); "
         "for one device (SECTION: its section name, e.g. 0000:00:03.0/virtio-net) or all. Repeatable.")


def parse_properties(values: tuple[str, ...]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for text in values:
        head, sep, value = text.rpartition("=")
        section, colon, name = head.rpartition(":") if "/" in head else ("", "", head)
        if not sep or not name:
            fail(f"--property {text}: expected [SECTION:]NAME=VALUE")
        if name not in PROPERTIES:
            fail(f"--property {text}: unknown property {name!r} (known: {', '.join(sorted(PROPERTIES))})")
        try:
            number = int(value, 0)
        except ValueError:
            fail(f"--property {text}: {value!r} is not an integer")
        out.setdefault(section if colon else "*", {})[name] = number
    return out


def _refused(error: DevstateError, stream: Path, as_json: bool) -> NoReturn:
    """Exit 1: the stream is not one QEMU could write (named as ``load_stream`` names it) or its
    state cannot be translated."""
    if isinstance(error, StreamError):
        _error({"file": str(stream), **error.to_json()}, f"{stream}: {error}", EXIT_INVALID, as_json)
    to_json = getattr(error, "to_json", None)
    detail = to_json() if callable(to_json) else {"code": error.code, "offset": None, "message": str(error)}
    _error(detail, str(error), EXIT_INVALID, as_json)


@qemu.command("extract")
@click.argument("stream", type=_PATH)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The directory for the blobs (created if missing; each written atomically).")
@_PROPERTY
@click.option("--json", "as_json", is_flag=True, help="Print the devices and their reports as JSON.")
@click.option("--quiet", is_flag=True, help="Only one line per device (not every value).")
def extract_cmd(stream: Path, out_dir: Path, properties: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Write every virtio-net and virtio-blk device of STREAM as a standard DSF blob into DIR."""
    from devstate.qemu.extract import extract

    refuse_stdio_directory(out_dir, "-o")
    props = parse_properties(properties)
    try:
        result = extract(as_file(stream), out_dir, props)
    except DevstateError as error:
        _refused(error, stream, as_json)
    except OSError as error:
        fail(_os_error(error, stream))
    if as_json:
        print_json({"stream": str(stream), "machine": result.machine, "seconds": round(result.seconds, 3),
                    "devices": [{"section": d.section, "instance": d.instance, "model": d.model, "blob": str(d.path),
                                 "bytes": len(d.blob), "report": d.report.to_json()} for d in result.devices]})
        return
    console.print(f"{stream}: machine {result.machine}, {len(result.devices)} virtio devices "
                  f"({result.seconds:.2f} s)", markup=False)
    for found in result.devices:
        console.print(f"{found.section} → {found.path} ({found.model}, {len(found.blob)} bytes)", markup=False)
        if not quiet:
            for line in found.report.lines():
                console.print(f"  {line}", markup=False, soft_wrap=True)


@qemu.command("inject")
@click.argument("stream", type=_PATH)
@click.argument("blobs", metavar="[SECTION=]BLOB...", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=_PATH, help="The new stream (written atomically).")
@_PROPERTY
@click.option("--json", "as_json", is_flag=True, help="Print the devices and their reports as JSON.")
@click.option("--quiet", is_flag=True, help="Only one line per device (not every value).")
def inject_cmd(stream: Path, blobs: tuple[str, ...], output: Path, properties: tuple[str, ...], as_json: bool,
               quiet: bool) -> None:
    """Write the standard state of each BLOB into its device of STREAM, everything else copied, to NEW_STREAM."""
    from devstate.qemu.inject import inject

    refuse_overwrite(output, stream, *(Path(b.rpartition("=")[2]) for b in blobs))
    to_stdout = is_stdio(output)
    if to_stdout and as_json:
        fail("--json prints the report on standard output; give -o a file")
    props = parse_properties(properties)
    try:
        with _written(output) as target:
            result = inject(as_file(stream), blobs, target, props)
    except DevstateError as error:
        _refused(error, stream, as_json)
    except OSError as error:
        fail(_os_error(error, stream, *(b.rpartition("=")[2] for b in blobs)))
    out = error_console if to_stdout else console  # with -o -, the stream is standard output's
    if as_json:
        print_json({"stream": str(stream), "output": str(output), "seconds": round(result.seconds, 3),
                    "devices": [{"section": d.section, "blob": str(d.blob), "bytes": len(d.payload),
                                 "report": d.report.to_json()} for d in result.devices]})
        return
    out.print(f"{stream} → {output}: {len(result.devices)} devices written ({result.seconds:.2f} s)", markup=False)
    for found in result.devices:
        out.print(f"{found.section} ← {found.blob} ({len(found.payload)} bytes)", markup=False)
        lines = found.report.lines()
        for line in lines if not quiet else [f"note: {n}" for n in found.report.notes]:
            out.print(f"  {line}", markup=False, soft_wrap=True)


@contextlib.contextmanager
def _written(output: Path) -> Iterator[Path]:
    """``output``, or for ``-`` a temporary file copied to standard output once complete (a
    refused stream writes nothing there)."""
    if not is_stdio(output):
        yield output
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="devstate-inject-") as directory:
        target = Path(directory) / "stream.mig"
        yield target
        with target.open("rb") as handle:
            shutil.copyfileobj(handle, sys.stdout.buffer, 1 << 20)
        sys.stdout.buffer.flush()
