"""Shared by the generated-Python-codec tests: the generated modules and rich example states.

``codecs()`` generates every standard and conformance schema into a temporary package
(``devstate_codecs_under_test``, so it never clashes with an installed ``devstate_codecs``)
once per test session and imports it.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from devstate import ir
from devstate.emit import module_stem
from devstate.emit.generate import emit_files, write_files
from devstate.emit.python import PACKAGE
from devstate.schema import load_schema, schema_files
from devstate.state import default_state, type_default
from tools.conformance import CONFORMANCE_DIR

UNDER_TEST = "devstate_codecs_under_test"
CONFORMANCE_SCHEMAS = ["org.devstate.test/1.0.yaml", "org.devstate.test/1.1.yaml", "org.example.led/1.0.yaml",
                      "org.devstate.hostile/1.0.yaml"]


@functools.cache
def schemas() -> dict[str, ir.Schema]:
    """Every schema with a codec: the standard ones and the conformance-only ones, by ident."""
    paths = [f.path for f in schema_files()] + [CONFORMANCE_DIR / "schemas" / p for p in CONFORMANCE_SCHEMAS]
    loaded = [load_schema(path) for path in paths]
    return {s.ident: s for s in loaded if not s.is_library}


@functools.cache
def package_dir() -> Path:
    """A temporary directory holding the generated package (as ``devstate_codecs_under_test``)."""
    root = Path(tempfile.mkdtemp(prefix="devstate-codegen-python-"))
    atexit.register(shutil.rmtree, root, True)
    files = emit_files("python", schemas().values())
    write_files(root, {name.replace(f"{PACKAGE}/", f"{UNDER_TEST}/", 1): text for name, text in files.items()})
    return root


@functools.cache
def codecs() -> dict[str, ModuleType]:
    """The generated module of every schema, by ident."""
    root = str(package_dir())
    if root not in sys.path:
        sys.path.insert(0, root)
    return {ident: importlib.import_module(f"{UNDER_TEST}.{module_stem(s.model, s.version)}")
            for ident, s in schemas().items()}


def runtime() -> ModuleType:
    codecs()
    return importlib.import_module(f"{UNDER_TEST}._runtime")


def rich_state(schema: ir.Schema) -> dict[str, Any]:
    """Every section present (optional ones too) with one default element in each counted array."""
    state = default_state(schema)
    for section in schema.sections:
        state["sections"][section.name] = rich_value(schema, section.type)
    ordered = sorted(schema.sections, key=lambda s: s.id)
    state["sections"] = {s.name: state["sections"][s.name] for s in ordered}
    for vendor in schema.vendor_sections:
        state["vendor_sections"][vendor.name] = b"" if vendor.type is None else rich_value(schema, vendor.type)
    return state


def rich_value(schema: ir.Schema, expr: ir.TypeExpr) -> Any:
    if isinstance(expr, ir.ArrayType):
        count = expr.length if expr.length is not None else min(1, expr.max or 0)
        return [rich_value(schema, expr.element) for _ in range(count)]
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "struct":
        value = type_default(schema, expr)
        for field in schema.struct(expr.name).fields:
            if isinstance(field.type, ir.ArrayType) or (isinstance(field.type, ir.NamedRef)
                                                        and field.type.target_kind == "struct"):
                value[field.name] = rich_value(schema, field.type)
        return value
    return type_default(schema, expr)
