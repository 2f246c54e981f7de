"""Field by field: the state the source saved against the state the destination rebuilt.

Both sides are standard states (decoded by the reference codec). When their versions
differ, the older one is first converted up to the newer version (always lossless: the
fields it lacks get their defaults, which mean "the old behaviour"), and each such field
is marked as filled in. Struct fields and array elements are compared one by one; arrays
of scalars (a MAC address, a VLAN bitmap, a MAC list) compare as one value. Vendor and
unknown sections are listed apart: implementation-private state is not expected to
survive a move between implementations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from devstate import ir
from devstate.compat.convert import convert_state
from devstate.state import State

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""A value one side does not have."""

SchemaLookup = Callable[[ir.Version], ir.Schema]


@dataclass(frozen=True)
class Row:
    path: str
    """Relative to ``sections`` for standard fields; ``vendor:NAME`` or ``unknown:...`` otherwise."""
    source: Any
    dest: Any
    status: str
    """``equal``, ``filled`` (absent in the older version: its default on both sides),
    ``differs``, ``source-only`` or ``dest-only`` (vendor and unknown sections)."""

    @property
    def standard(self) -> bool:
        return not self.path.startswith(("vendor:", "unknown:"))

    @property
    def ok(self) -> bool:
        return self.status in ("equal", "filled")


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]
    source_version: str
    dest_version: str

    @property
    def fields(self) -> list[Row]:
        return [row for row in self.rows if row.standard]

    @property
    def differences(self) -> list[Row]:
        return [row for row in self.fields if not row.ok]

    @property
    def private(self) -> list[Row]:
        return [row for row in self.rows if not row.standard]

    @property
    def equal(self) -> bool:
        return not self.differences


def compare_states(source: State, dest: State, schemas: SchemaLookup) -> Comparison:
    """Every standard field of ``source`` against ``dest``, plus their private sections."""
    versions = ir.Version.parse(source["version"]), ir.Version.parse(dest["version"])
    older, newer = min(versions), max(versions)
    lifted = [_lift(state, older, newer, schemas) for state in (source, dest)]
    filled = set(flatten(source["sections"])) if versions[0] < newer else set()
    filled |= set(flatten(dest["sections"])) if versions[1] < newer else set()
    rows = _field_rows(flatten(lifted[0]["sections"]), flatten(lifted[1]["sections"]), filled, older != newer)
    rows += _private_rows(source, dest)
    return Comparison(rows, str(versions[0]), str(versions[1]))


def _lift(state: State, older: ir.Version, newer: ir.Version, schemas: SchemaLookup) -> State:
    if ir.Version.parse(state["version"]) == newer:
        return state
    return convert_state(state, schemas(older), newer, schemas).state


def _field_rows(source: dict[str, Any], dest: dict[str, Any], present_in_older: set[str],
                versions_differ: bool) -> list[Row]:
    rows = []
    for path in [*source, *(p for p in dest if p not in source)]:
        a, b = source.get(path, MISSING), dest.get(path, MISSING)
        status = "equal" if _same(a, b) else "differs"
        if status == "equal" and versions_differ and path not in present_in_older:
            status = "filled"
        rows.append(Row(path, a, b, status))
    return rows


def _private_rows(source: State, dest: State) -> list[Row]:
    a, b = _private(source), _private(dest)
    rows = []
    for key in [*a, *(k for k in b if k not in a)]:
        status = "equal" if key in a and key in b and _same(a[key], b[key]) else (
            "source-only" if key not in b else "dest-only" if key not in a else "differs")
        rows.append(Row(key, a.get(key, MISSING), b.get(key, MISSING), status))
    return rows


def _private(state: State) -> dict[str, Any]:
    found = {f"vendor:{name}": value for name, value in state.get("vendor_sections", {}).items()}
    for section in state.get("unknown_sections", []):
        where = f"{section['vendor']}#{section['id']}" if "vendor" in section else f"#{section['id']}"
        found[f"unknown:{where}"] = section["payload"]
    return found


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf paths → values: dicts and arrays of structs are walked, everything else is a leaf."""
    return dict(_leaves(value, path))


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bytes | bytearray | memoryview) and isinstance(b, bytes | bytearray | memoryview):
        return bytes(a) == bytes(b)
    return type(a) is type(b) and bool(a == b)
