"""Schema files already found valid: ``devstate validate`` of an unchanged file answers from
here, without the meta-schema check, the IR build or their imports (pydantic, jsonschema).

An entry is named by the file's resolved path, its content (sha256) and the toolkit's code
(its version and every file of the package with its size and mtime: an edited checkout is
another toolkit). It lists every file the answer depended on (the imports, transitively, and
the import candidates looked at and not found) with their sha256 or null for absent; all of
them are checked again on use. Only valid answers are kept: an invalid file is loaded again,
so its diagnostics are always fresh. A missing, unreadable, corrupt or mismatching entry is a
miss, never an error, and failing to write one is ignored.

The entries live in ``$XDG_CACHE_HOME/devstate/validated`` (``~/.cache`` without it);
``DEVSTATE_NO_CACHE=1`` turns the cache off. Standard library only: it runs before anything
heavy is imported.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import devstate
from devstate.fileio import write_atomically

DISABLE_ENV = "DEVSTATE_NO_CACHE"
ENTRY_FORMAT = 1
MAX_ENTRY_SIZE = 1 << 20


@dataclass(frozen=True)
class SchemaSummary:
    """What ``validate`` prints of a valid schema; ``sections`` is None for a types-only library."""

    model: str
    version: str
    sections: int | None
    vendor_sections: int
    fields: int
    params: int


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "devstate" / "validated"


def lookup(path: Path) -> SchemaSummary | None:
    """The summary cached for ``path`` as it is now, or None (a miss)."""
    if not enabled():
        return None
    try:
        resolved = path.resolve()
        entry_file = _entry_file(resolved, _sha256_of(resolved))
        if entry_file is None:
            return None
        with entry_file.open("rb") as handle:
            entry = json.loads(handle.read(MAX_ENTRY_SIZE + 1))
        return _summary_if_current(entry, resolved)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def store(path: Path, summary: SchemaSummary, digests: dict[Path, str | None]) -> None:
    """Remember that ``path`` is valid with ``summary``, given the files it read and their
    sha256 as the loader saw them (``digests``, ``path`` included; None: absent)."""
    if not enabled():
        return
    resolved = path.resolve()
    entry_file = _entry_file(resolved, digests.get(resolved))
    if entry_file is None:
        return
    entry = {"format": ENTRY_FORMAT, "file": str(resolved), "summary": asdict(summary),
             "depends": {str(p): digest for p, digest in digests.items()}}
    with contextlib.suppress(OSError):
        entry_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(entry_file, [json.dumps(entry, sort_keys=True).encode()])


def sha256_of(path: Path) -> str | None:
    """The file's sha256, or None when it is not a readable regular file."""
    try:
        return _sha256_of(path)
    except OSError:
        return None


def _sha256_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry_file(resolved: Path, digest: str | None) -> Path | None:
    if digest is None:
        return None
    key = hashlib.sha256("\0".join((_code_fingerprint(), str(resolved), digest)).encode()).hexdigest()
    return cache_dir() / f"{key}.json"


def _summary_if_current(entry: Any, resolved: Path) -> SchemaSummary | None:
    if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("file") != str(resolved):
        return None
    depends = entry["depends"]
    if not isinstance(depends, dict) or str(resolved) not in depends:
        return None
    for name, digest in depends.items():
        if not (digest is None or isinstance(digest, str)) or sha256_of(Path(name)) != digest:
            return None
    return _summary(entry["summary"])


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


@functools.cache
def _code_fingerprint() -> str:
    """The toolkit's version and every file of the package (path, size, mtime)."""
    package = Path(devstate.__file__).parent
    digest = hashlib.sha256(devstate.__version__.encode())
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(names):
            status = os.stat(os.path.join(directory, name))
            digest.update(f"\0{os.path.relpath(os.path.join(directory, name), package)}"
                          f"\0{status.st_size}\0{status.st_mtime_ns}".encode())
    return digest.hexdigest()
