"""Finding schema files: the standard schemas directory and ``MODEL@VERSION`` names."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from devstate.errors import UsageError
from devstate.version import Version

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_VERSION_FILE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.yaml$")


def standard_schemas_dir() -> Path:
    """``$DEVSTATE_SCHEMAS``, else the wheel's packaged copy, else the checkout's schemas/."""
    override = os.environ.get("DEVSTATE_SCHEMAS")
    if override:
        return Path(override)
    return _bundled_schemas_dir()


def _bundled_schemas_dir() -> Path:
    """The wheel's packaged copy of schemas/, else the checkout's."""
    packaged = _PACKAGE_DIR / "_schemas"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / "schemas"


@cache
def shipped_json_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped beside the standard schemas (the meta-schema, the device
    description schema): from ``standard_schemas_dir()``, else the bundled copy."""
    loaded: dict[str, Any] = json.loads(shipped_file(name).read_text(encoding="utf-8"))
    return loaded


def shipped_file(name: str) -> Path:
    """Where ``shipped_json_schema`` reads ``name`` from."""
    for root in (standard_schemas_dir(), _bundled_schemas_dir()):
        candidate = root / name
        if candidate.is_file():
            return candidate
    raise UsageError(f"cannot find {name} in {standard_schemas_dir()}")


@dataclass(frozen=True)
class SchemaFile:
    model: str
    version: Version
    path: Path

    @property
    def ident(self) -> str:
        return f"{self.model}@{self.version}"


def schema_files(root: Path | None = None) -> list[SchemaFile]:
    """Every ``<model>/<major>.<minor>.yaml`` under ``root``, ordered by model and version."""
    root = root or standard_schemas_dir()
    found = []
    for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for file in model_dir.iterdir():
            match = _VERSION_FILE.match(file.name)
            if match and file.is_file():
                version = Version(int(match.group(1)), int(match.group(2)))
                found.append(SchemaFile(model_dir.name, version, file))
    return sorted(found, key=lambda f: (f.model, f.version))


def model_versions(model: str, root: Path | None = None) -> list[SchemaFile]:
    """The versions of one model, oldest first."""
    return [f for f in schema_files(root) if f.model == model]


def find_schema_file(ident: str, root: Path | None = None) -> SchemaFile:
    """Resolve ``MODEL@VERSION`` (or ``MODEL`` for its newest version) to a file."""
    model, _, version_text = ident.partition("@")
    versions = model_versions(model, root)
    if not versions:
        raise UsageError(f"no standard schema for model {model!r}")
    if not version_text:
        return versions[-1]
    try:
        wanted = Version.parse(version_text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for candidate in versions:
        if candidate.version == wanted:
            return candidate
    known = ", ".join(str(v.version) for v in versions)
    raise UsageError(f"model {model!r} has no version {wanted} (known: {known})")


def expected_location(model: str, version: Version) -> str:
    """Where a file declaring ``model``/``version`` must live, relative to its root."""
    return f"{model}/{version}.yaml"


def import_candidates(raw: dict[str, Any], importer: Path, root: Path | None = None) -> list[Path]:
    """Where an import of ``importer`` may be, in order: a path import's one file (resolved); a
    model import's file beside the importer's model directory, then in the schema root
    (``root``, else the standard schemas). The loader takes the first that is a file, else
    reports the last as not found."""
    if "path" in raw:
        return [(importer.parent / str(raw["path"])).resolve()]
    location = expected_location(raw["model"], Version.parse(raw["version"]))
    local_root = importer.resolve().parent.parent
    return [local_root / location, (root or standard_schemas_dir()) / location]


def misplaced(path: Path, model: str, version: str) -> tuple[str, str] | None:
    """For a file named like ``1.2.yaml`` not at ``<model>/`` of the version it declares:
    (where it must be, where it is); None when it is in place or named otherwise."""
    if not _VERSION_FILE.match(path.name):
        return None
    declared = expected_location(model, Version.parse(version))
    actual = f"{path.resolve().parent.name}/{path.name}"
    return None if actual == declared else (declared, actual)
