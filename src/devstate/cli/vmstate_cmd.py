"""``devstate import-vmstate`` and ``devstate vmstate-compat``: the QEMU VMState bridge.

Both read ``qemu-system-<arch> -dump-vmstate FILE`` output. Exit status: 0 success (or
compatible), 1 the dump is invalid (or the descriptions are incompatible), 2 usage or
I/O error.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import NoReturn

import click
from rich.table import Table

from devstate.cli.output import EXIT_INVALID, EXIT_OK, EXIT_USAGE, console, error_console, fail, print_json
from devstate.cli.streams import as_file, refuse_stdio_directory
from devstate.errors import SchemaError, UsageError
from devstate.fileio import io_error, not_a_directory
from devstate.vmstate.compat import CompatReport, Finding, compare_dumps
from devstate.vmstate.dump import Dump, DumpError, load_dump
from devstate.vmstate.importer import ImportResult, import_dump
from devstate.vmstate.names import model_id
from devstate.vmstate.rules import Direction, Severity
from devstate.vmstate.streamcheck import StreamReport
from devstate.vmstate.writer import GeneratedSchemaInvalid, write_files

_PATH = click.Path(path_type=Path)


def read_dump(path: Path, strict: bool = False, as_json: bool = False) -> Dump:
    """Load a dump or exit 2 (a dump that cannot be read is a tool failure, never a verdict).

    Unknown keys are reported once each on stderr (``--strict`` refuses them)."""
    source = as_file(path)
    try:
        dump = load_dump(source, strict)
    except DumpError as exc:
        file = str(path) if source != path else exc.file  # standard input: "-", not the temporary copy
        _dump_error({"code": exc.code, "file": file, "path": exc.path, "message": exc.message},
                    str(exc).replace(str(source), str(path)), as_json)
    except OSError as exc:
        fail(io_error(path, exc))
    if source != path:  # standard input: reports name it "-", not the temporary copy
        dump = dataclasses.replace(dump, file=str(path))
    for warning in dump.warnings:
        error_console.print(f"devstate: warning: {dump.file}: {warning} (what it touches is marked unverified; "
                            "--strict refuses)", markup=False, soft_wrap=True)
    return dump


def _dump_error(obj: dict[str, object], text: str, as_json: bool) -> NoReturn:
    """As ``output.fail``: with --json the error document ``obj`` on stdout, and the one line on stderr."""
    if as_json:
        print_json({"error": obj})
    fail(text, EXIT_USAGE, code=str(obj["code"]), report_json=False)


# --- import-vmstate -------------------------------------------------------------------------


@click.command("import-vmstate")
@click.argument("dump_path", metavar="DUMP.json", type=_PATH)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Directory to write <model>/<major>.<minor>.yaml files into.")
@click.option("--device", "devices", multiple=True, metavar="NAME",
              help="Import only this device type (QEMU type name or org.qemu.* model id); repeatable.")
@click.option("--list", "show_list", is_flag=True, help="Also print one row per device.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead of text.")
@click.option("--strict", is_flag=True, help="Refuse a dump with keys devstate does not know (default: warn, "
                                             "mark what they touch unverified, go on).")
def import_vmstate(dump_path: Path, out_dir: Path, devices: tuple[str, ...], show_list: bool, as_json: bool,
                   strict: bool) -> None:
    """Turn a QEMU -dump-vmstate description into devstate schema skeletons.

    One schema per device type: model org.qemu.<type>, version <version_id>.0. Every
    generated file is checked with the schema loader before anything is written; files
    are written atomically, and nothing is written when any step fails.
    """
    refuse_stdio_directory(out_dir, "-o")
    if out_dir.exists() and not out_dir.is_dir():
        fail(not_a_directory(out_dir))
    dump = read_dump(dump_path, strict, as_json)
    result = import_dump(dump, select_devices(dump, devices))
    try:
        write_files(out_dir, [(s.relpath, s.render(result.header())) for s in result.schemas])
    except GeneratedSchemaInvalid as exc:
        for diagnostic in exc.diagnostics:
            console.print(str(diagnostic), markup=False, soft_wrap=True)
        fail("a generated schema does not pass the schema loader; nothing was written", EXIT_INVALID,
             code=SchemaError.code)
    except UsageError as exc:
        fail(exc)
    except OSError as exc:
        fail(io_error(out_dir, exc, writing=True))
    if as_json:
        print_json(import_json(result, out_dir))
        return
    if show_list:
        console.print(_device_table(result))
    for line in import_summary(result, out_dir):
        console.print(line, markup=False, soft_wrap=True)


def select_devices(dump: Dump, wanted: tuple[str, ...]) -> list[str] | None:
    """Dump keys for ``--device`` values (type name or model id); exits on an unknown one."""
    if not wanted:
        return None
    by_model = {model_id(key): key for key in dump.devices}
    chosen: list[str] = []
    for name in wanted:
        key = name if name in dump.devices else by_model.get(name)
        if key is None:
            close = difflib.get_close_matches(name, list(dump.devices), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            fail(f"{name}: no such device type in {dump.file}{hint}")
        if key not in chosen:
            chosen.append(key)
    return chosen


def import_summary(result: ImportResult, out_dir: Path) -> list[str]:
    t = result.totals()
    machine = f" (machine {result.dump.machine})" if result.dump.machine else ""
    return [
        f"Imported {t['devices']} device types from {result.dump.file}{machine} into {out_dir}",
        f"  devices:  {t['full']} mapped fully, {t['partial']} partly, {t['none']} not at all",
        f"  fields:   {t['fields']} in the dump: {t['fields_mapped']} mapped, {t['fields_conditional']} "
        f"conditional (field_exists), {t['fields_unmapped']} unmapped",
        f"  sections: {t['sections']} ({t['state_sections']} device state + {t['optional_sections']} optional "
        f"from {t['subsections']} subsections)",
        "  every generated file passes the schema loader; integer signedness is unknown (see annotations.qemu)",
    ]


def import_json(result: ImportResult, out_dir: Path) -> dict[str, object]:
    return {
        "dump": result.dump.file,
        "machine": result.dump.machine,
        "output": str(out_dir),
        "totals": result.totals(),
        "devices": [s.report.to_json() for s in result.schemas],
    }


def _device_table(result: ImportResult) -> Table:
    table = Table(title="Imported device types", title_justify="left")
    columns = ("device", "model", "version", "mapping", "fields", "mapped", "cond.", "unmapped", "sections")
    for column in columns:
        table.add_column(column, justify="right" if column in columns[4:] else "left")
    for schema in result.schemas:
        r = schema.report
        table.add_row(
            r.device, r.model, r.version, r.status, str(r.field_total), str(r.fields["mapped"]),
            str(r.fields["conditional"]), str(r.fields["unmapped"]), str(r.sections),
        )
    return table


# --- vmstate-compat -------------------------------------------------------------------------

_DIRECTIONS = {"both": Direction.BOTH, "backward": Direction.BACKWARD, "forward": Direction.FORWARD}


@click.command("vmstate-compat")
@click.argument("old_path", metavar="OLD.json", type=_PATH)
@click.argument("new_path", metavar="NEW.json", type=_PATH)
@click.option("--direction", type=click.Choice(list(_DIRECTIONS)), default="both", show_default=True,
              help="backward: OLD QEMU → NEW QEMU; forward: NEW → OLD.")
@click.option("--strict", is_flag=True, help="Warnings (needed()/field_exists()-dependent) also fail, and a dump "
                                             "with keys devstate does not know is refused.")
@click.option("--all", "include_info", is_flag=True, help="Also list differences a migration tolerates.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
def vmstate_compat(old_path: Path, new_path: Path, direction: str, strict: bool, include_info: bool,
                   as_json: bool) -> None:
    """Compare two QEMU -dump-vmstate descriptions the way QEMU's loader reads state.

    Each finding has a rule id (QV-..., see spec/qemu-vmstate.md), a severity and the
    migration it breaks: BACKWARD (OLD QEMU → NEW QEMU) or FORWARD (NEW → OLD). Exit
    status: 0 no error in the chosen direction, 1 incompatible, 2 usage or I/O error.
    """
    run_vmstate_compat(old_path, new_path, _DIRECTIONS[direction], strict, include_info, as_json)


def run_vmstate_compat(old_path: Path, new_path: Path, direction: Direction = Direction.BOTH,
                       strict: bool = False, include_info: bool = False, as_json: bool = False) -> NoReturn:
    """The whole command, shared with ``devstate compat --vmstate``; exits with the verdict."""
    report = compare_dumps(read_dump(old_path, strict, as_json), read_dump(new_path, strict, as_json))
    if as_json:
        print_json(report.to_json(direction, include_info))
    else:
        _print_compat(report, direction, include_info)
    raise click.exceptions.Exit(EXIT_OK if report.compatible(direction, strict) else EXIT_INVALID)


def _print_compat(report: CompatReport, direction: Direction, include_info: bool) -> None:
    shown = report.selected(direction, include_info)
    for finding in shown:
        console.print(_finding_line(finding), markup=False, soft_wrap=True)
    counts = report.counts()
    hidden = counts["info"] if not include_info else 0
    console.print(
        f"{report.old.file} → {report.new.file}: {counts['devices']} device types, {counts['common']} in both; "
        f"{sum(f.severity is Severity.ERROR for f in shown)} errors, "
        f"{sum(f.severity is Severity.WARNING for f in shown)} warnings"
        + (f" ({hidden} tolerated differences hidden; --all lists them)" if hidden else ""),
        markup=False, soft_wrap=True,
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)
    for device, marks in report.unverified.items():
        console.print(f"unverified: {device}: {'; '.join(marks)}", markup=False, soft_wrap=True)
    verdict = "compatible" if report.compatible(direction) else "INCOMPATIBLE"
    console.print(f"{verdict} ({direction.value.lower()})", markup=False)


def _finding_line(finding: Finding) -> str:
    return (
        f"{finding.severity.value.upper():7} {finding.rule.id} {finding.rule.name:24} "
        f"{finding.direction.value:8} {finding.message}"
    )





def compat_with_vmstate(paths: tuple[str, ...], mode: str, fmt: str, check_all: bool) -> NoReturn:
    """``devstate compat --vmstate OLD.json NEW.json``; ``--mode backward|forward`` picks one direction."""
    if check_all or len(paths) != 2:
        fail("--vmstate compares two files: devstate compat --vmstate OLD.json NEW.json")
    if fmt not in ("text", "json"):
        fail(f"--format {fmt} is not available with --vmstate (use text or json)")
    direction = {"backward": Direction.BACKWARD, "forward": Direction.FORWARD}.get(mode, Direction.BOTH)
    run_vmstate_compat(Path(paths[0]), Path(paths[1]), direction, as_json=fmt == "json")


def compat_with_stream(stream_path: Path, paths: tuple[str, ...], vmstate: bool, fmt: str) -> NoReturn:
    """``devstate compat --stream SRC.bin --vmstate DEST.json``: this VM against a destination QEMU.

    Exit status: 0 the destination loads it, 1 it refuses it (each reason listed), 2 a file
    that cannot be read (with ``--json`` a JSON error object)."""
    from devstate.cli.qemu_cmd import load_stream
    from devstate.vmstate.streamcheck import check_stream

    if not vmstate or len(paths) != 1:
        fail("--stream checks one stream against one destination: devstate compat --stream SRC.bin --vmstate DEST.json")
    if fmt not in ("text", "json"):
        fail(f"--format {fmt} is not available with --stream (use text or json)")
    as_json = fmt == "json"
    stream = load_stream(stream_path, as_json)
    report = check_stream(stream, read_dump(Path(paths[0]), as_json=as_json))
    if as_json:
        print_json(report.to_json())
    else:
        _print_stream_check(report)
    raise click.exceptions.Exit(EXIT_OK if report.loadable() else EXIT_INVALID)


def _print_stream_check(report: StreamReport) -> None:
    for finding in report.reasons():
        console.print(_finding_line(finding), markup=False, soft_wrap=True)
    for line in report.unverified:
        console.print(f"unverified: {line}", markup=False, soft_wrap=True)
    config = report.stream.configuration
    machine = config.machine if config else "no machine type"
    console.print(f"{report.stream.path} ({machine}, {len(report.stream.devices())} device sections) → "
                  f"{report.dest.file} ({report.dest.machine}): {len(report.checked)} sections checked field by "
                  f"field; {sum(f.severity is Severity.ERROR for f in report.findings)} errors, "
                  f"{sum(f.severity is Severity.WARNING for f in report.findings)} warnings",
                  markup=False, soft_wrap=True)
    console.print("loadable" if report.loadable() else "NOT LOADABLE", markup=False)
