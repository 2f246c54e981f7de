"""Answers of commands kept between runs, each with the files it depended on.

``devstate validate`` (schema files found valid) and ``devstate check-migration`` answer an
unchanged question from here without loading a schema (no pydantic, jsonschema or YAML).
An entry is named by the question (its parts, given by the caller) and the toolkit's code:
its version and every file of the package with its size and mtime, so an edited checkout
is another toolkit. It lists every file the answer depended on with its sha256 (null: the
file was looked for and absent); all are checked again on use. A missing, unreadable,
corrupt or mismatching entry is a miss, never an error, and failing to write one is ignored
(so an entry is written atomically but not flushed to disk: a crash may only lose it).

Entries live in ``$XDG_CACHE_HOME/devstate/KIND`` (``~/.cache`` without it);
``DEVSTATE_NO_CACHE=1`` turns every cache off. Standard library only: it runs before
anything heavy is imported.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import devstate
from devstate.fileio import write_atomically

DISABLE_ENV = "DEVSTATE_NO_CACHE"
ENTRY_FORMAT = 1
MAX_ENTRY_SIZE = 1 << 20


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


def cache_dir(kind: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "devstate" / kind


def lookup(kind: str, question: Iterable[str]) -> Any:
    """The answer kept for ``question`` if every file it depended on is unchanged, else None."""
    if not enabled():
        return None
    try:
        with _entry_file(kind, question).open("rb") as handle:
            entry = json.loads(handle.read(MAX_ENTRY_SIZE + 1))
        if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT:
            return None
        depends = entry["depends"]
        if not isinstance(depends, dict) or not depends:
            return None
        for name, digest in depends.items():
            if not (digest is None or isinstance(digest, str)) or sha256_of(Path(name)) != digest:
                return None
        return {"answer": entry["answer"], "depends": depends}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def store(kind: str, question: Iterable[str], answer: Any, depends: dict[Path, str | None]) -> None:
    """Keep ``answer`` (JSON data) for ``question``, valid while the files of ``depends``
    have those sha256 (None: absent)."""
    if not enabled():
        return
    entry = {"format": ENTRY_FORMAT, "answer": answer, "depends": {str(p): d for p, d in depends.items()}}
    entry_file = _entry_file(kind, question)
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.dumps(entry).encode()  # key order kept: answers are printed as stored
        entry_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(entry_file, data, durable=False)  # a torn entry is a miss


def sha256_of(path: Path) -> str | None:
    """The file's sha256, or None when it is not a readable regular file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


def _entry_file(kind: str, question: Iterable[str]) -> Path:
    key = hashlib.sha256("\0".join((_code_fingerprint(), kind, *question)).encode()).hexdigest()
    return cache_dir(kind) / f"{key}.json"


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
