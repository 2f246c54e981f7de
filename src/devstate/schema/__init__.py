"""Schema files → IR: reading YAML with positions, meta-schema check, semantic build.

The loader (pydantic, jsonschema) is imported on first use of ``SchemaLoader`` or
``load_schema``, so that finding a schema file (``registry``) costs a command nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from devstate.schema.registry import find_schema_file, schema_files, standard_schemas_dir

if TYPE_CHECKING:
    from devstate.schema.loader import SchemaLoader, load_schema

__all__ = ["SchemaLoader", "find_schema_file", "load_schema", "schema_files", "standard_schemas_dir"]


def __getattr__(name: str) -> Any:
    if name in ("SchemaLoader", "load_schema"):
        return getattr(importlib.import_module("devstate.schema.loader"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
