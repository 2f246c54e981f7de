"""Schemas by model and version, loaded once per fleet run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from devstate import ir
from devstate.compat.params import DeviceDescription
from devstate.errors import SchemaError, UsageError
from devstate.schema import SchemaLoader, find_schema_file, standard_schemas_dir


class Registry:
    """``schema_for(model, version)`` over a schemas directory (default: the standard schemas)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or standard_schemas_dir()
        self.loader = SchemaLoader(self.root)
        self.schema_for = cache(self._load)

    def _load(self, model: str, version: ir.Version) -> ir.Schema | None:
        try:
            return self.loader.load(find_schema_file(f"{model}@{version}", self.root).path)
        except (UsageError, SchemaError, OSError):
            return None

    def default_schema(self, source: DeviceDescription, destination: DeviceDescription) -> ir.Schema | None:
        """The schema check-migration takes parameter defaults from: the newest common version
        with a schema, else the newest of the source's versions with one."""
        common = set(source.versions) & set(destination.versions)
        for version in sorted(common or set(source.versions), reverse=True):
            schema = self.schema_for(source.model, version)
            if schema is not None:
                return schema
        return None
