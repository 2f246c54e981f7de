"""Validating many schema files at once, for ``devstate validate`` and the main job."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devstate import ir
from devstate.errors import Diagnostic, SchemaError
from devstate.schema.loader import SchemaLoader

SCHEMA_SUFFIXES = (".yaml", ".yml")


@dataclass
class SchemaReport:
    """The outcome for one file: its IR when valid, else every diagnostic."""

    path: Path
    schema: ir.Schema | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.schema is not None

    def to_json(self) -> dict[str, object]:
        schema = self.schema
        return {
            "file": str(self.path),
            "valid": self.valid,
            "model": schema.model if schema else None,
            "version": str(schema.version) if schema else None,
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
    """Load every file with one loader (shared imports are read once)."""
    loader = SchemaLoader()
    reports = []
    for path in files:
        try:
            reports.append(SchemaReport(path, schema=loader.load(path)))
        except SchemaError as exc:
            reports.append(SchemaReport(path, diagnostics=exc.diagnostics))
    return reports


def count_fields(schema: ir.Schema) -> int:
    """Fields declared by the schema's own struct types (imported ones not counted)."""
    return sum(
        len(named.fields)
        for name, named in schema.types.items()
        if isinstance(named, ir.StructType) and "." not in name
    )
