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
    return ir.encodes_as_zero(expr, default, schema.types)


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
