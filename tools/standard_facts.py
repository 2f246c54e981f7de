"""Write (or, with --check, compare) what loading each standard schema gives, for the first
``devstate validate`` and ``check-migration`` to answer without loading it: ``python -m
tools.standard_facts [--check]``.

``src/devstate/schema/standard_facts.json`` holds the meta-schema's sha256 and, by each
standard schema file's sha256, the facts the full loader computes (``devstate.schema.facts``
says when they are used): model, version, the ``validate`` summary, the imports as written
with the sha256 of the file each loaded, the parameters and the vendor sections; and the
standard migration functions (``devstate.compat.migrate.route_exists`` answers from them).
``tools.regenerate --check`` fails when this file drifts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devstate import ir
from devstate.compat.migrate import standard_migrations
from devstate.result_cache import sha256_of
from devstate.schema import SchemaLoader, schema_files
from devstate.schema.facts import FACTS, FACTS_FORMAT, META_SCHEMA_NAME
from devstate.schema.registry import import_candidates
from devstate.schema.source import read_document
from devstate.schema.validate import summarize
from tools import shipped_file

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


def schema_facts(schema: ir.Schema, path: Path, root: Path) -> dict[str, Any]:
    """The facts of one loaded schema file (``path``: where it was loaded from)."""
    imports = read_document(path).data.get("imports", [])
    imported = []
    for raw in imports:
        candidates = import_candidates(raw, path, root)
        imported.append(sha256_of(next(c for c in candidates if c.is_file()).resolve()))
    return {
        "model": schema.model, "version": str(schema.version), "summary": asdict(summarize(schema)),
        "imports": imports, "imported": imported,
        "params": [param_facts(p) for p in schema.params],
        "vendor_sections": [[str(v.vendor), v.id, v.name, v.optional] for v in schema.vendor_sections],
    }


def param_facts(param: ir.Param) -> dict[str, Any]:
    """A parameter as plain data, with its type's value range (``ir.scalar_range``)."""
    scalar = param.type not in ("bool", "string")
    return {"name": param.name, "type": param.type, "default": param.default,
            "allowed": None if param.allowed is None else list(param.allowed), "min": param.min, "max": param.max,
            "range": list(ir.scalar_range(param.type)) if scalar else None}


def contents(root: Path = SCHEMAS) -> bytes:
    """The file as the standard schemas of this checkout give it."""
    loader = SchemaLoader(root)
    entries = {}
    for file in schema_files(root):
        entries[sha256_of(file.path)] = schema_facts(loader.load(file.path), file.path, root)
    rows = ",\n".join(f"  {json.dumps(digest)}: {json.dumps(entry, ensure_ascii=False)}"
                      for digest, entry in sorted(entries.items()))
    meta = json.dumps(sha256_of(root / META_SCHEMA_NAME))
    migrations = json.dumps(standard_migrations())
    return (f'{{"format": {FACTS_FORMAT}, "meta_schema": {meta}, "migrations": {migrations}, "schemas": {{\n'
            f'{rows}\n}}}}\n').encode()


def main(argv: list[str] | None = None) -> int:
    return shipped_file.main("tools.standard_facts", __doc__.split("\n\n")[0], FACTS, contents, argv)


if __name__ == "__main__":
    sys.exit(main())
