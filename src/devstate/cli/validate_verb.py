"""What ``devstate validate`` does, without its click command (``devstate.cli.quick`` calls it too)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from devstate.cli.blob_io import DSF_SUFFIX
from devstate.cli.output import EXIT_INVALID, EXIT_OK, aligned_columns, fail, print_json
from devstate.fileio import not_found, read_problem
from devstate.github import annotation
from devstate.schema.validate import (
    SchemaReport,
    expand_schema_paths,
    validate_schema_files,
)
from devstate.wire.limits import Limits

STDIN_NAME = "<stdin>"
"""How ``validate -`` names the schema it reads from standard input, in its report and errors."""


def validate_paths(paths: tuple[Path, ...], as_json: bool, fmt: str, limits: Limits) -> int:
    """Report on every schema file and saved state of ``paths``; the exit status (0 all valid, 1 not).

    ``-`` is one schema read from standard input, named ``<stdin>``."""
    if sum(str(p) == "-" for p in paths) > 1:
        fail("only one PATH can be - (standard input)")
    for path in paths:
        if str(path) == "-":
            continue
        if not path.exists():
            fail(not_found(path))
        if not path.is_dir() and not path.is_file():
            fail(read_problem(path) or not_found(path))
    blob_paths = [p for p in paths if p.suffix == DSF_SUFFIX and p.is_file()]
    blobs = _validate_blobs(blob_paths, limits)
    files = expand_schema_paths([p for p in paths if p not in blob_paths and str(p) != "-"])
    if not files and not blobs and Path("-") not in paths:
        fail("no schema files (*.yaml) found in " + ", ".join(map(str, paths)))
    started = time.perf_counter()
    reports = validate_schema_files(files) if files else []
    if Path("-") in paths:
        reports.insert([str(p) for p in paths if p not in blob_paths].index("-"), _validate_stdin())
    elapsed = time.perf_counter() - started
    valid = all(r.valid for r in reports) and all(b["valid"] for b in blobs)
    if fmt == "github":
        sys.stdout.writelines(line + "\n" for line in _github(reports, blobs))
    elif as_json or fmt == "json":
        extra = {"states": blobs} if blobs else {}
        print_json({"valid": valid, "files": [r.to_json() for r in reports], **extra})
    else:
        if reports:
            _print_reports(reports, elapsed)
        if blobs:
            from devstate.cli.wire_cmd import print_blob_reports

            print_blob_reports(blobs)
    return EXIT_OK if valid else EXIT_INVALID



def _validate_stdin() -> SchemaReport:
    """The schema on standard input, loaded from a temporary copy (never cached: the next one
    differs) and reported as ``<stdin>``; its imports are found as from the working directory."""
    import dataclasses
    import os
    import tempfile

    from devstate.errors import SchemaError
    from devstate.schema.loader import SchemaLoader
    from devstate.schema.source import MAX_SCHEMA_FILE_SIZE
    from devstate.schema.validate import summarize

    data = sys.stdin.buffer.read(MAX_SCHEMA_FILE_SIZE + 1)  # more is refused by the loader, from the size
    try:  # in the working directory, where its relative imports are looked for
        descriptor, name = tempfile.mkstemp(prefix=".devstate-stdin-", suffix=".yaml", dir=Path.cwd())
    except OSError:
        descriptor, name = tempfile.mkstemp(prefix="devstate-stdin-", suffix=".yaml")
    copy = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        try:
            schema = SchemaLoader().load(copy)
        except SchemaError as exc:
            own = {str(copy), str(copy.resolve()), copy.name}
            return SchemaReport(Path(STDIN_NAME), diagnostics=[
                dataclasses.replace(d, file=STDIN_NAME) if d.file in own else d for d in exc.diagnostics])
        return SchemaReport(Path(STDIN_NAME), summary=summarize(schema))
    finally:
        copy.unlink(missing_ok=True)


def _github(reports: list[SchemaReport], blobs: list[dict[str, Any]]) -> list[str]:
    lines = [annotation("error", d.file, d.line, d.col, d.code, d.message + (f" (at {d.path})" if d.path else ""))
             for report in reports for d in report.diagnostics]
    for blob in blobs:
        if blob["valid"]:
            continue
        error = blob["error"] or {}
        title = str(error.get("code", "INVALID"))
        message = blob["message"].removeprefix(f"{blob['file']}: ")
        lines.append(annotation("error", blob["file"], 1, 1, title, message))
    return lines


def _validate_blobs(paths: list[Path], limits: Limits) -> list[dict[str, Any]]:
    """Saved states need the reference codec: imported only when there are some."""
    if not paths:
        return []
    from devstate.cli.wire_cmd import validate_blob

    return [validate_blob(p, limits) for p in paths]


def _print_reports(reports: list[SchemaReport], elapsed: float) -> None:
    """Plain text, no rich: every diagnostic, then one row per file."""
    lines = [str(diagnostic) for report in reports for diagnostic in report.diagnostics]
    rows: list[tuple[str, ...]] = [("file", "model", "version", "sections", "vendor", "fields", "params", "status")]
    for report in reports:
        summary = report.summary
        if summary is None:
            rows.append((str(report.path), "", "", "", "", "", "", f"invalid ({len(report.diagnostics)} errors)"))
            continue
        rows.append((str(report.path), summary.model, summary.version,
                     "types only" if summary.sections is None else str(summary.sections),
                     str(summary.vendor_sections), str(summary.fields), str(summary.params), "valid"))
    lines += ["Schema validation", *aligned_columns(rows, (False, False, False, True, True, True, True, False))]
    lines.append(f"{sum(r.valid for r in reports)}/{len(reports)} valid in {elapsed * 1000:.0f} ms")
    sys.stdout.write("\n".join(lines) + "\n")
