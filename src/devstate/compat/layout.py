"""Wire-layout facts the compatibility rules need, derived from the IR.

Whether a default encodes as zero bytes (the condition for appending a field in a minor
version), a name-independent shape of a type expression (to tell a rename from a type
change), and the longest increasing subsequence used to find reordered fields.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from devstate import ir


def encodes_as_zero(expr: Any, default: Any, schema: ir.Schema) -> bool:
    """Whether a field of type ``expr`` holding ``default`` encodes as all-zero bytes."""
    if isinstance(expr, ir.ScalarType):
        return default in (None, 0, False)
    if isinstance(expr, ir.StringType):
        return default in (None, "")
    if isinstance(expr, ir.BytesType):
        return default in (None, b"", "")
    if isinstance(expr, ir.ArrayType):
        if expr.counted:
            return default in (None, [])
        return not expr.stride and default in (None, []) and encodes_as_zero(expr.element, None, schema)
    target = schema.types[expr.name]
    if isinstance(target, ir.EnumType):
        return _enum_zero(target, default)
    if isinstance(target, ir.FlagsType):
        return default in (None, [], 0)
    return False  # a struct in field position carries a non-zero u32 size prefix


def _enum_zero(target: ir.EnumType, default: Any) -> bool:
    zero_name = target.by_value().get(0)
    if default is None:
        return zero_name is not None or target.open
    return default == 0 or (zero_name is not None and default == zero_name)


def shape(expr: Any, schema: ir.Schema) -> str:
    """A text that is equal for two type expressions exactly when their wire layout is.

    Named types contribute their kind and declared name (without import alias), so a
    type moved into an import keeps its shape.
    """
    if isinstance(expr, ir.ArrayType):
        extent = f"[{expr.length}]" if expr.length is not None else f"[max {expr.max}]"
        return shape(expr.element, schema) + extent
    if isinstance(expr, ir.NamedRef):
        target = schema.types[expr.name]
        return f"{target.kind} {target.name}"
    return ir.type_label(expr)


def lis_indices(values: list[int]) -> list[int]:
    """Positions of one longest strictly increasing subsequence of ``values``."""
    tails: list[int] = []
    tail_pos: list[int] = []
    previous = [-1] * len(values)
    for position, value in enumerate(values):
        slot = bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_pos.append(position)
        else:
            tails[slot] = value
            tail_pos[slot] = position
        previous[position] = tail_pos[slot - 1] if slot else -1
    result: list[int] = []
    position = tail_pos[-1] if tail_pos else -1
    while position != -1:
        result.append(position)
        position = previous[position]
    return result[::-1]
