"""Field-level diff of two saved states: every path whose value differs, old → new.

Structs are compared field by field, arrays element by element (extra elements are
``added``/``removed``), bytes by content (large regions are summarised by their first
differing offset, never printed whole).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devstate.state import State

BLOCK = 1 << 16
SHOWN_ELEMENTS = 16
"""List elements ``show`` prints before it summarises the rest (as ``decode`` does)."""
BytesLike = bytes | bytearray | memoryview


@dataclass(frozen=True)
class Difference:
    path: str
    kind: str
    """``changed``, ``added`` (only in B) or ``removed`` (only in A)."""
    old: Any
    new: Any

    def __str__(self) -> str:
        if self.kind == "added":
            return f"{self.path}: added {show(self.new)}"
        if self.kind == "removed":
            return f"{self.path}: removed {show(self.old)}"
        old, new = self.old, self.new
        if isinstance(old, BytesLike) and isinstance(new, BytesLike) and max(len(old), len(new)) > 16:
            at = first_difference(old, new)
            return f"{self.path}: {len(old)} → {len(new)} bytes, first difference at offset {at}"
        return f"{self.path}: {show(self.old)} → {show(self.new)}"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": to_json(self.old), "new": to_json(self.new)}


def diff_states(a: State, b: State) -> list[Difference]:
    """Every difference between two states (model and version first, then the sections)."""
    found = [Difference(f"$.{key}", "changed", a.get(key), b.get(key))
             for key in ("model", "version") if a.get(key) != b.get(key)]
    for group in ("sections", "vendor_sections"):
        found += diff_values(a.get(group, {}), b.get(group, {}), f"$.{group}")
    found += diff_values(a.get("unknown_sections", []), b.get("unknown_sections", []), "$.unknown_sections")
    return found


def diff_values(old: Any, new: Any, path: str) -> list[Difference]:
    return list(_walk(old, new, path))


def _walk(old: Any, new: Any, path: str) -> Iterator[Difference]:
    if old is new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _dicts(old, new, path)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _lists(old, new, path)
    elif isinstance(old, BytesLike) and isinstance(new, BytesLike):
        if not equal_bytes(old, new):
            yield Difference(path, "changed", old, new)
    elif type(old) is not type(new) or old != new:
        yield Difference(path, "changed", old, new)


def _dicts(old: dict[str, Any], new: dict[str, Any], path: str) -> Iterator[Difference]:
    for key in [*old, *(k for k in new if k not in old)]:
        where = f"{path}.{key}"
        if key not in new:
            yield Difference(where, "removed", old[key], None)
        elif key not in old:
            yield Difference(where, "added", None, new[key])
        else:
            yield from _walk(old[key], new[key], where)


def _lists(old: list[Any], new: list[Any], path: str) -> Iterator[Difference]:
    for index in range(max(len(old), len(new))):
        where = f"{path}[{index}]"
        if index >= len(new):
            yield Difference(where, "removed", old[index], None)
        elif index >= len(old):
            yield Difference(where, "added", None, new[index])
        else:
            yield from _walk(old[index], new[index], where)


def equal_bytes(a: BytesLike, b: BytesLike) -> bool:
    return len(a) == len(b) and first_difference(a, b) is None


def first_difference(a: BytesLike, b: BytesLike) -> int | None:
    """Offset of the first differing byte (block by block, no whole-region copy)."""
    left, right = memoryview(a).cast("B"), memoryview(b).cast("B")
    for start in range(0, min(len(left), len(right)), BLOCK):
        x, y = bytes(left[start : start + BLOCK]), bytes(right[start : start + BLOCK])
        if x != y:
            return start + _mismatch(x, y)
    return None if len(left) == len(right) else min(len(left), len(right))


def _mismatch(x: bytes, y: bytes) -> int:
    for index, (p, q) in enumerate(zip(x, y, strict=False)):
        if p != q:
            return index
    return min(len(x), len(y))


def show(value: Any) -> str:
    """A value the way ``devstate decode`` prints it: JSON-like (``true``, ``"text"``, ``[1, 2]``,
    ``{a: 1}``), bytes as hex (long ones cut with their size), long lists cut with their length."""
    if isinstance(value, BytesLike):
        data = bytes(memoryview(value)[:16])
        more = f"… ({len(value)} bytes)" if len(value) > 16 else ""
        return (data.hex() or '""') + more
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        more = f", … ({len(value)} elements)" if len(value) > SHOWN_ELEMENTS else ""
        return "[" + ", ".join(show(item) for item in value[:SHOWN_ELEMENTS]) + more + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {show(item)}" for key, item in value.items()) + "}"
    return str(value)


def to_json(value: Any) -> Any:
    """JSON-ready value: bytes as hex, large regions as a summary object."""
    if isinstance(value, BytesLike):
        if len(value) <= 256:
            return bytes(value).hex()
        return {"bytes": len(value), "head": bytes(memoryview(value)[:32]).hex()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value
