"""What ``devstate inspect`` does, without its click command (``devstate.cli.quick`` calls it too).

It imports neither the reference codec nor the schema loader: section names come
precomputed for the shipped schemas, else from the schema's YAML (``section_names``).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devstate.cli.blob_io import read_blob
from devstate.cli.output import EXIT_INVALID, JsonArray, aligned_lines, fail, print_json
from devstate.schema.names import SectionNames, section_names
from devstate.wire.header import Header
from devstate.wire.inspect import Inspection, inspect_blob
from devstate.wire.limits import Limits
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR, RawSection


def inspect_file(file: Path, as_json: bool, limits: Limits) -> None:
    """Print the blob's header, sections and checksum; exit 1 (``fail``) when it is invalid."""
    report = inspect_blob(read_blob(file, limits, dsf=True), limits)
    schema = _known_schema(report.header)
    if as_json:
        print_json(_inspection_json(file, report, schema))
    else:
        _print_inspection(file, report, schema)
    if report.error is not None:
        fail(report.error, EXIT_INVALID, source=str(file), report_json=not as_json)


def _known_schema(header: Header | None) -> SectionNames | None:
    return None if header is None else section_names(f"{header.model}@{header.version}")


def _section_name(schema: SectionNames | None, section: RawSection) -> str | None:
    if schema is None:
        return None
    if section.vendor is None:
        return schema.standard.get(section.id)
    return schema.vendor.get((str(section.vendor), section.id))


def _flag_names(flags: int) -> list[str]:
    return [name for bit, name in ((FLAG_OPTIONAL, "OPTIONAL"), (FLAG_VENDOR, "VENDOR")) if flags & bit]


def _inspection_json(file: Path, report: Inspection, schema: SectionNames | None) -> dict[str, Any]:
    """The report as JSON, its sections an array made as it is printed (one entry at a time)."""
    checksum = None
    if report.stored_crc is not None:
        checksum = {"stored": f"{report.stored_crc:#010x}", "computed": f"{report.computed_crc:#010x}",
                    "ok": report.checksum_ok}
    return {
        "file": str(file), "valid": report.valid,
        "header": report.header.to_json() if report.header else None,
        "schema": schema.ident if schema else None,
        "checksum": checksum, "sections": JsonArray(_section_json(section, schema) for section in report.sections),
        "error": report.error.to_json() if report.error else None,
    }


def _section_json(section: RawSection, schema: SectionNames | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"offset": section.offset, "id": section.id}
    if section.vendor is not None:
        entry["vendor"] = str(section.vendor)
    entry.update(name=_section_name(schema, section), flags=_flag_names(section.flags), length=section.length)
    return entry


def _print_inspection(file: Path, report: Inspection, schema: SectionNames | None) -> None:
    """Plain text, no rich: inspect is the verb that needs nothing but the wire runtime."""
    header = report.header
    if header is None:
        return
    status = {True: "ok", False: "BAD", None: "?"}[report.checksum_ok]
    head = [f"{file}: DSF v{header.format_version}, {header.model}@{header.version}, "
             f"{header.total_length} bytes, CRC-32C {report.stored_crc:#010x} {status}",
             f"section names from {schema.ident}" if schema else "schema not known: no section names"]

    def rows() -> Iterator[tuple[str, ...]]:
        yield ("offset", "id", "name", "flags", "length")
        for section in report.sections:
            ident = str(section.id) if section.vendor is None else f"{section.vendor}#{section.id}"
            flags = ",".join(_flag_names(section.flags)) or "-"
            yield str(section.offset), ident, _section_name(schema, section) or "?", flags, str(section.length)

    # written 1024 lines at a time, the table never held whole (its widths from a first pass)
    text = itertools.chain(head, aligned_lines(rows, (True, True, False, False, True)))
    while batch := list(itertools.islice(text, 1024)):
        sys.stdout.write("\n".join(batch) + "\n")
