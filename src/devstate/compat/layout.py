"""Wire-layout facts the compatibility rules need, derived from the IR.

Whether a default encodes as zero bytes (the condition for appending a field in a minor
version), a bound of a type's largest encoding (what an opaque reader may keep), a
name-independent shape of a type expression (to tell a rename from a type change), and
the longest increasing subsequence used to find reordered fields.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from devstate import ir


def encodes_as_zero(expr: Any, default: Any, schema: ir.Schema) -> bool:
    """Whether a field of type ``expr`` holding ``default`` encodes as all-zero bytes."""
    return ir.encodes_as_zero(expr, default, schema.types)


def size_bound(expr: Any, schema: ir.Schema, seen: frozenset[str] = frozenset()) -> int | None:
    """An upper bound of the encoded size of any value of ``expr`` (None: unbounded, a recursive struct).

    Every framing word is counted (a struct's size prefix even where a section's length
    replaces it, a count and a stride for every counted array), so the bound is never below
    the real largest encoding; it is what an opaque reader's ``max`` is compared with.
    """
    prefix = ir.PREFIX_SIZE
    if isinstance(expr, ir.ScalarType):
        return expr.size
    if isinstance(expr, ir.BytesType):
        return prefix + expr.capacity
    if isinstance(expr, ir.StringType):
        return prefix + expr.max
    if isinstance(expr, ir.ArrayType):
        element = size_bound(expr.element, schema, seen)
        return None if element is None else 2 * prefix + expr.capacity * element
    if expr.target_kind != "struct":
        return int(expr.fixed_size or 0)
    if expr.name in seen:
        return None
    fields = [size_bound(f.type, schema, seen | {expr.name}) for f in schema.struct(expr.name).fields]
    return None if None in fields else prefix + sum(f for f in fields if f is not None)


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


def layout_key(expr: Any, schema: ir.Schema) -> str:
    """A text equal for two type expressions exactly when they take the same bytes in a struct body.

    Plain fixed-size values (scalars, enums, flags, fixed bytes, fixed arrays of them) by
    their size; a struct in field position and counted things by their framing (a u32
    size, count or length makes them self-delimiting), with the element's key. Equal keys
    mean the fields after this one stay where they were.
    """
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "struct":
        return "struct"
    if isinstance(expr, ir.ArrayType):
        element = "stride" if expr.stride else layout_key(expr.element, schema)
        if expr.length is None:
            return f"counted {element}"
        if expr.stride:
            return f"[{expr.length}] stride"
    if isinstance(expr, ir.BytesType | ir.StringType) and expr.fixed_size is None:
        return "counted bytes"
    return f"fixed {expr.fixed_size}"


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
