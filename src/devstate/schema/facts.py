"""What loading a standard schema gives, precomputed: the first ``devstate validate`` of a
shipped schema file and the first ``devstate check-migration`` answer without the YAML
parser, the meta-schema check, the IR build or their imports (pydantic, jsonschema).

``standard_facts.json`` holds, by each standard schema file's sha256, what the full loader
found for it: valid, its ``validate`` summary, its imports (as written) with the sha256 of
the file each one loaded, its parameters and vendor sections (``python -m
tools.standard_facts`` writes it from the IR; ``tools.regenerate --check`` fails when it
drifts). ``known`` uses an entry only when loading the file now would read exactly those
bytes: the file has that sha256, sits where its name says (or is named otherwise), the
meta-schema in use is the one the facts were computed with, and every import resolves, as
the loader resolves it, to a file that is itself known with the recorded sha256. Any other
file (edited, moved, importing an edited library) is loaded and fully checked as before.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstate.errors import UsageError
from devstate.result_cache import sha256_of
from devstate.schema.registry import import_candidates, misplaced, shipped_file

FACTS = Path(__file__).with_name("standard_facts.json")
FACTS_FORMAT = 1
META_SCHEMA_NAME = "devstate.schema.json"
"""The meta-schema the loader checks every file against (``devstate.schema.metaschema``)."""


@dataclass(frozen=True)
class Known:
    """A file the facts answer for, and every file loading it reads or looks for (sha256, None: absent)."""

    facts: dict[str, Any]
    files: dict[Path, str | None]


@functools.cache
def table() -> dict[str, Any]:
    """The shipped facts (empty when the file is missing or of another format)."""
    try:
        data = json.loads(FACTS.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FACTS_FORMAT:
        return {}
    return data


def known(path: Path, root: Path | None = None) -> Known | None:
    """The facts of ``path`` if loading it (imports looked for in ``root`` after their local
    place, as ``SchemaLoader(root)`` does) would read exactly the files they were computed
    from; else None, and the file must be loaded."""
    data = table()
    if not data or not _meta_schema_unchanged(data["meta_schema"]):
        return None
    files: dict[Path, str | None] = {}
    entry = _known(path, root, data["schemas"], files, [])
    return None if entry is None else Known(entry, files)


def _meta_schema_unchanged(digest: str) -> bool:
    try:
        return sha256_of(shipped_file(META_SCHEMA_NAME)) == digest
    except UsageError:
        return False


def _known(path: Path, root: Path | None, schemas: dict[str, Any], files: dict[Path, str | None],
           loading: list[Path]) -> dict[str, Any] | None:
    """As ``SchemaLoader._load_uncached``: the file, its place, then each import in turn."""
    resolved = path.resolve()
    digest = sha256_of(resolved)
    entry = schemas.get(digest) if digest is not None else None
    if entry is None or misplaced(path, entry["model"], entry["version"]) is not None:
        return None
    files[resolved] = digest
    loading = [*loading, resolved]
    for raw, wanted in zip(entry["imports"], entry["imported"], strict=True):
        candidates = import_candidates(raw, path, root)
        for candidate in candidates:
            files.setdefault(candidate.resolve(), sha256_of(candidate.resolve()))
        target = next((c for c in candidates if c.is_file()), None)
        if target is None or target.resolve() in loading or files[target.resolve()] != wanted:
            return None
        if _known(target, root, schemas, files, loading) is None:
            return None
    return dict(entry)
