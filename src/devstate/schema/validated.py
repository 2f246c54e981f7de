"""Schema files already found valid: ``devstate validate`` of an unchanged file answers from
here (``devstate.result_cache``), without the meta-schema check, the IR build or their
imports (pydantic, jsonschema).

The question is the file's resolved path and its content (sha256); the answer depends on the
file and on every file its load read (the imports, transitively, and the import candidates
looked for and not found). Only valid answers are kept: an invalid file is loaded again, so
its diagnostics are always fresh. Entries live in ``$XDG_CACHE_HOME/devstate/validated``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from devstate import result_cache
from devstate.result_cache import sha256_of

KIND = "validated"

__all__ = ["KIND", "SchemaSummary", "lookup", "sha256_of", "store"]


@dataclass(frozen=True)
class SchemaSummary:
    """What ``validate`` prints of a valid schema; ``sections`` is None for a types-only library."""

    model: str
    version: str
    sections: int | None
    vendor_sections: int
    fields: int
    params: int


def lookup(path: Path) -> SchemaSummary | None:
    """The summary kept for ``path`` as it is now, or None (a miss)."""
    if not result_cache.enabled():
        return None
    resolved = path.resolve()
    digest = sha256_of(resolved)
    if digest is None:
        return None
    found = result_cache.lookup(KIND, (str(resolved), digest))
    if found is None or found["depends"].get(str(resolved)) != digest:
        return None
    return _summary(found["answer"])


def store(path: Path, summary: SchemaSummary, digests: dict[Path, str | None]) -> None:
    """Remember that ``path`` is valid with ``summary``, given the files it read and their
    sha256 as the loader saw them (``digests``, ``path`` included; None: absent)."""
    resolved = path.resolve()
    digest = digests.get(resolved)
    if digest is not None:
        result_cache.store(KIND, (str(resolved), digest), asdict(summary), digests)


def _summary(raw: Any) -> SchemaSummary | None:
    if not isinstance(raw, dict) or set(raw) != {f.name for f in fields(SchemaSummary)}:
        return None
    for name, value in raw.items():
        if name in ("model", "version"):
            ok = isinstance(value, str)
        else:
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (name == "sections" and value is None)
        if not ok:
            return None
    return SchemaSummary(**raw)
