"""Section names of a standard schema, read from its YAML without building the IR.

``devstate inspect`` labels the sections of a blob it does not decode; loading the full
schema (meta-schema check, IR build) would cost more than the rest of the command. The
standard schemas are validated by the test suite, so reading their ``sections`` and
``vendor_sections`` lists is enough; any file that does not read cleanly gives no names.
A shipped schema's names are precomputed into the package (``standard_names.json``, by
each file's sha256; written and drift-checked by ``tools.regenerate``), so ``inspect`` of a
standard model parses no YAML even the first time. Any other file's names are read from its
YAML and kept in ``devstate.result_cache`` by the file's path and content, so the next
``inspect`` of that model imports no YAML parser either.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from devstate import result_cache
from devstate.errors import UsageError
from devstate.schema.registry import find_schema_file

KIND = "section-names"
"""The ``result_cache`` kind: a file's names are kept by its path and content, so a second
``inspect`` of a blob of that model reads no YAML."""
PRECOMPUTED = Path(__file__).with_name("standard_names.json")
"""The shipped schemas' names by file sha256 (``python -m tools.standard_names`` writes it)."""
PRECOMPUTED_FORMAT = 1


@dataclass(frozen=True)
class SectionNames:
    """Names by id, of a ``MODEL@VERSION``; vendor sections keyed by (``pci:0x…``/``uuid:…``, id)."""

    ident: str
    standard: dict[int, str] = field(default_factory=dict)
    vendor: dict[tuple[str, int], str] = field(default_factory=dict)


def section_names(ident: str) -> SectionNames | None:
    """The section names of the standard schema ``MODEL@VERSION``, or None when it is not known."""
    try:
        path = find_schema_file(ident).path.resolve()
        data = path.read_bytes()
    except (UsageError, OSError):
        return None
    digest = hashlib.sha256(data).hexdigest()
    shipped = _precomputed().get(digest)
    if shipped is not None and shipped.get("ident") == ident:
        return _from_json(ident, shipped)
    question = (str(path), digest)
    found = result_cache.lookup(KIND, question)
    names = _from_json(ident, found["answer"]) if found else None
    if names is None:
        names = _read_names(ident, data)
        if names is not None:
            result_cache.store(KIND, question, _to_json(names), {path: digest})
    return names


@cache
def _precomputed() -> dict[str, Any]:
    """The precomputed entries by sha256; none when the file is missing or not of that shape."""
    try:
        document = json.loads(PRECOMPUTED.read_bytes())
        schemas = document["schemas"] if document.get("format") == PRECOMPUTED_FORMAT else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    return schemas if isinstance(schemas, dict) else {}


def _read_names(ident: str, data: bytes) -> SectionNames | None:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(data.decode("utf-8"), Loader=loader)
        return SectionNames(ident, _standard(document), _vendor(document))
    except (UnicodeDecodeError, yaml.YAMLError, TypeError, KeyError, ValueError, AttributeError):
        return None


def _to_json(names: SectionNames) -> dict[str, Any]:
    return {"standard": [[i, n] for i, n in names.standard.items()],
            "vendor": [[v, i, n] for (v, i), n in names.vendor.items()]}


def _from_json(ident: str, raw: Any) -> SectionNames | None:
    """Names kept in the cache, or None when the entry is not of that shape."""
    try:
        standard = {i: n for i, n in raw["standard"] if _is_id(i) and isinstance(n, str)}
        vendor = {(v, i): n for v, i, n in raw["vendor"] if isinstance(v, str) and _is_id(i) and isinstance(n, str)}
    except (TypeError, KeyError, ValueError):
        return None
    if len(standard) != len(raw["standard"]) or len(vendor) != len(raw["vendor"]):
        return None
    return SectionNames(ident, standard, vendor)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _standard(document: dict[str, Any]) -> dict[int, str]:
    return {int(entry["id"]): str(entry["name"]) for entry in document.get("sections") or []}


def _vendor(document: dict[str, Any]) -> dict[tuple[str, int], str]:
    names = {}
    for entry in document.get("vendor_sections") or []:
        vendor = entry["vendor"]
        namespace = f"pci:{int(vendor['pci']):#06x}" if "pci" in vendor else f"uuid:{str(vendor['uuid']).lower()}"
        names[(namespace, int(entry["id"]))] = str(entry["name"])
    return names
