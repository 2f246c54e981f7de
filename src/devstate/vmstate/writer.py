"""Writing generated schema files all or nothing.

Every file is first written to a staging directory inside the output directory (same
file system), then the staged tree is loaded with the real schema loader, and only
when every file is valid is each one renamed into place (``os.replace``, atomic per
file). On any failure the staging directory is removed and the output directory is
left as it was (and removed again if this call created it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from devstate.errors import Diagnostic, SchemaError, UsageError
from devstate.schema.loader import SchemaLoader


class GeneratedSchemaInvalid(SchemaError):
    """A generated file did not pass the loader (a bug in the importer): nothing was written."""

    code = "GENERATED_SCHEMA_INVALID"


def write_files(out_dir: Path, files: Iterable[tuple[str, str]], validate: bool = True) -> list[Path]:
    """Write ``(relative path, text)`` pairs under ``out_dir``; returns the final paths."""
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out_dir}: {exc.strerror}") from None
    staging = Path(tempfile.mkdtemp(prefix=".devstate-import-", dir=out_dir))
    try:
        staged = _stage(staging, files)
        if validate:
            _validate(staging, staged)
        return _publish(staging, out_dir, staged)
    except BaseException:
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage(staging: Path, files: Iterable[tuple[str, str]]) -> list[str]:
    names: list[str] = []
    for relpath, text in files:
        target = staging / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        names.append(relpath)
    return names


def _validate(staging: Path, relpaths: list[str]) -> None:
    loader = SchemaLoader(root=staging)
    diagnostics: list[Diagnostic] = []
    for relpath in relpaths:
        try:
            loader.load(staging / relpath)
        except SchemaError as exc:
            diagnostics += exc.diagnostics
    if diagnostics:
        raise GeneratedSchemaInvalid(diagnostics)


def _publish(staging: Path, out_dir: Path, relpaths: list[str]) -> list[Path]:
    written: list[Path] = []
    for relpath in relpaths:
        target = out_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relpath, target)
        written.append(target)
    return written
