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
from devstate.visit import Visitor


def encodes_as_zero(expr: Any, default: Any, schema: ir.Schema) -> bool:
    """Whether a field of type ``expr`` holding ``default`` encodes as all-zero bytes."""
    return ir.encodes_as_zero(expr, default, schema.types)


def size_bound(expr: Any, schema: ir.Schema) -> int | None:
    """An upper bound of the encoded size of any value of ``expr`` (None: unbounded, a recursive struct).

    Every framing word is counted (a struct's size prefix even where a section's length
    replaces it, a count and a stride for every counted array), so the bound is never below
    the real largest encoding; it is what an opaque reader's ``max`` is compared with.
    """
    return _SizeBound(schema).visit(expr, frozenset())


class _SizeBound(Visitor[int | None]):
    """``size_bound``: ``seen`` holds the structs being measured, to stop at recursion."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_scalar(self, expr: ir.ScalarType, seen: frozenset[str]) -> int:
        return expr.size

    def visit_bytes(self, expr: ir.BytesType, seen: frozenset[str]) -> int:
        return ir.PREFIX_SIZE + expr.capacity

    def visit_string(self, expr: ir.StringType, seen: frozenset[str]) -> int:
        return ir.PREFIX_SIZE + expr.max

    def visit_array(self, expr: ir.ArrayType, seen: frozenset[str]) -> int | None:
        element = self.visit(expr.element, seen)
        return None if element is None else 2 * ir.PREFIX_SIZE + expr.capacity * element

    def visit_ref(self, expr: ir.NamedRef, seen: frozenset[str]) -> int:
        return int(expr.fixed_size or 0)

    def visit_struct_ref(self, expr: ir.NamedRef, seen: frozenset[str]) -> int | None:
        if expr.name in seen:
            return None
        fields = [self.visit(f.type, seen | {expr.name}) for f in self.schema.struct(expr.name).fields]
        return None if None in fields else ir.PREFIX_SIZE + sum(f for f in fields if f is not None)


def shape(expr: Any, schema: ir.Schema) -> str:
    """A text that is equal for two type expressions exactly when their wire layout is.

    Named types contribute their kind and declared name (without import alias), so a
    type moved into an import keeps its shape.
    """
    return _Shape(schema).visit(expr)


class _Shape(Visitor[str]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_array(self, expr: ir.ArrayType) -> str:
        extent = f"[{expr.length}]" if expr.length is not None else f"[max {expr.max}]"
        return self.visit(expr.element) + extent

    def visit_ref(self, expr: ir.NamedRef) -> str:
        target = self.schema.types[expr.name]
        return f"{target.kind} {target.name}"

    def _label(self, expr: ir.ScalarType | ir.BytesType | ir.StringType) -> str:
        return ir.type_label(expr)

    visit_scalar = visit_bytes = visit_string = _label


def layout_key(expr: Any, schema: ir.Schema) -> str:
    """A text equal for two type expressions exactly when they take the same bytes in a struct body.

    Plain fixed-size values (scalars, enums, flags, fixed bytes, fixed arrays of them) by
    their size; a struct in field position and counted things by their framing (a u32
    size, count or length makes them self-delimiting), with the element's key. Equal keys
    mean the fields after this one stay where they were.
    """
    return _LayoutKey().visit(expr)


class _LayoutKey(Visitor[str]):
    def visit_struct_ref(self, expr: ir.NamedRef) -> str:
        return "struct"

    def visit_array(self, expr: ir.ArrayType) -> str:
        element = "stride" if expr.stride else self.visit(expr.element)
        if expr.length is None:
            return f"counted {element}"
        if expr.stride:
            return f"[{expr.length}] stride"
        return self._fixed(expr)

    def visit_bytes(self, expr: ir.BytesType) -> str:
        return "counted bytes" if expr.fixed_size is None else self._fixed(expr)

    def visit_string(self, expr: ir.StringType) -> str:
        return "counted bytes"

    def _fixed(self, expr: ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType) -> str:
        return f"fixed {expr.fixed_size}"

    visit_scalar = visit_ref = _fixed


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
