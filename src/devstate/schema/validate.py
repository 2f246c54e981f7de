"""Validating many schema files at once, for ``devstate validate`` and the main job.

A standard schema file, unchanged and in place, is answered from the shipped facts
(``devstate.schema.facts``), and a file found valid before, unchanged and with unchanged
imports, from ``devstate.schema.validated``, both without loading it; the loader (pydantic,
jsonschema) is imported only when some file must really be loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devstate import result_cache
from devstate.errors import Diagnostic, SchemaError
from devstate.schema import facts, validated
from devstate.schema.validated import SchemaSummary

if TYPE_CHECKING:
    from devstate import ir
    from devstate.schema.loader import SchemaLoader

SCHEMA_SUFFIXES = (".yaml", ".yml")


@dataclass
class SchemaReport:
    """The outcome for one file: what ``validate`` shows of it when valid, else every diagnostic."""

    path: Path
    summary: SchemaSummary | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.summary is not None

    def to_json(self) -> dict[str, object]:
        summary = self.summary
        return {
            "file": str(self.path),
            "valid": self.valid,
            "model": summary.model if summary else None,
            "version": summary.version if summary else None,
            "errors": [d.to_json() for d in self.diagnostics],
        }


def expand_schema_paths(paths: list[Path]) -> list[Path]:
    """Files as given; directories searched recursively for ``*.yaml``/``*.yml``."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SCHEMA_SUFFIXES and p.is_file())
        else:
            files.append(path)
    return files


def validate_schema_files(files: list[Path]) -> list[SchemaReport]:
    """Answer each file from the shipped facts of the standard schemas or the cache of valid
    ones, or load it; the files loaded share one loader (shared imports are read once) and the
    valid ones are added to the cache."""
    cached = {path: _standard(path) or validated.lookup(path) for path in files}
    loader: SchemaLoader | None = None
    reports = []
    for path in files:
        summary = cached[path]
        if summary is None:
            if loader is None:
                from devstate.schema.loader import SchemaLoader

                loader = SchemaLoader()
            reports.append(_load(loader, path))
        else:
            reports.append(SchemaReport(path, summary=summary))
    return reports


def _standard(path: Path) -> SchemaSummary | None:
    """The summary of a standard schema file, unchanged and in place (``devstate.schema.facts``)."""
    found = facts.known(path)
    return None if found is None else SchemaSummary(**found.facts["summary"])


def _load(loader: SchemaLoader, path: Path) -> SchemaReport:
    try:
        schema = loader.load(path)
    except SchemaError as exc:
        return SchemaReport(path, diagnostics=exc.diagnostics)
    summary = summarize(schema)
    if result_cache.enabled():
        validated.store(path, summary, _digests(loader, path))
    return SchemaReport(path, summary=summary)


def _digests(loader: SchemaLoader, path: Path) -> dict[Path, str | None]:
    """The sha256 of every file the answer for ``path`` read, as the loader read it."""
    return {read: loader.cache[read].sha256 if read in loader.cache else validated.sha256_of(read)
            for read in loader.files_read(path)}


def summarize(schema: ir.Schema) -> SchemaSummary:
    return SchemaSummary(
        model=schema.model,
        version=str(schema.version),
        sections=None if schema.is_library else len(schema.sections),
        vendor_sections=len(schema.vendor_sections),
        fields=count_fields(schema),
        params=len(schema.params),
    )


def count_fields(schema: ir.Schema) -> int:
    """Fields declared by the schema's own struct types (imported ones not counted)."""
    from devstate import ir

    return sum(
        len(named.fields)
        for name, named in schema.types.items()
        if isinstance(named, ir.StructType) and "." not in name
    )
