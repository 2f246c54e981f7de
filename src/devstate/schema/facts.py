"""What loading a standard schema gives, precomputed: the first ``devstate validate`` of a
shipped schema file and the first ``devstate check-migration`` answer without the YAML
parser, the meta-schema check, the IR build or their imports (pydantic, jsonschema).

``standard_facts.json`` holds, by each standard schema file's sha256, what the full loader
found for it: valid, its ``validate`` summary, its imports (as written) with the sha256 of
the file each one loaded, its parameters and vendor sections, and the standard
migration functions as (model, source, target) (``python -m tools.standard_facts`` writes it
from the IR and the registry; ``tools.regenerate --check`` fails when it
drifts). ``known`` uses an entry only when loading the file now would read exactly those
bytes: the file has that sha256, sits where its name says (or is named otherwise), the
meta-schema in use is the one the facts were computed with, and every import resolves, as
the loader resolves it, to a file that is itself known with the recorded sha256. Any other
file (edited, moved, importing an edited library) is loaded and fully checked as before.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from devstate.errors import UsageError
from devstate.param_value import param_accepts
from devstate.result_cache import sha256_of
from devstate.schema.registry import import_candidates, misplaced, shipped_file
from devstate.version import Version

FACTS = Path(__file__).with_name("standard_facts.json")
FACTS_FORMAT = 1
T = TypeVar("T")
META_SCHEMA_NAME = "devstate.schema.json"
"""The meta-schema the loader checks every file against (``devstate.schema.metaschema``)."""


@dataclass(frozen=True)
class Known:
    """A file the facts answer for, and every file loading it reads or looks for (sha256, None: absent)."""

    sha256: str
    facts: dict[str, Any]
    files: dict[Path, str | None]


@dataclass(frozen=True)
class ParamFacts:
    """An ``ir.Param`` as plain data: what checking a parameter value needs."""

    name: str
    type: str
    default: int | bool | str
    allowed: tuple[int | bool | str, ...] | None
    min: int | None
    max: int | None
    range: tuple[int, int] | None
    """The type's value range (``ir.scalar_range``); None for bool and string."""

    def accepts(self, value: object) -> bool:
        """As ``ir.Param.accepts``."""
        return param_accepts(value, self.type, self.range, self.allowed, self.min, self.max)


@dataclass(frozen=True)
class VendorFacts:
    """An ``ir.VendorSection`` as plain data (``vendor`` as its text, ``pci:0x…``/``uuid:…``)."""

    vendor: str
    id: int
    name: str
    optional: bool


class StandardSchema:
    """A known standard schema as its facts: model, version, ident, sha256, params and
    vendor_sections, the IR's attributes of those names (params and vendor sections as plain
    ``ParamFacts``/``VendorFacts``). ``full`` gives the IR itself (loaded by ``load``, once),
    for code that needs more than the facts (the schema diff); reading any other attribute
    reads it there."""

    def __init__(self, known: Known, load: Callable[[], Any]) -> None:
        data = known.facts
        self.model: str = data["model"]
        self.version = Version.parse(data["version"])
        self.sha256 = known.sha256
        self.params = tuple(ParamFacts(p["name"], p["type"], p["default"],
                                       None if p["allowed"] is None else tuple(p["allowed"]), p["min"], p["max"],
                                       None if p["range"] is None else (p["range"][0], p["range"][1]))
                            for p in data["params"])
        self.vendor_sections = tuple(VendorFacts(*v) for v in data["vendor_sections"])
        self.known = known
        self._load = load
        self._schema: Any = None

    @property
    def ident(self) -> str:
        return f"{self.model}@{self.version}"

    def schema(self) -> Any:
        """The IR of the file (an ``ir.Schema``)."""
        if self._schema is None:
            self._schema = self._load()
        return self._schema

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_load", "_schema"):
            raise AttributeError(name)
        return getattr(self.schema(), name)


def full(schema: T) -> T:
    """The IR of ``schema``: itself, or for a ``StandardSchema`` the schema it stands for."""
    return cast(T, schema.schema()) if isinstance(schema, StandardSchema) else schema


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
    return None if entry is None else Known(str(files[path.resolve()]), entry, files)


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
