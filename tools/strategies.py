"""Hypothesis strategies for valid states of any schema (for property and differential tests).

``states(schema)`` draws a state that ``devstate.interp.encode`` accepts: every required
section, optional sections present or absent, values inside their declared limits, and
(with ``unknown=True``) some optional unknown sections that must travel unchanged.
``mutated(seed)`` draws a valid input with a few bytes changed, for the fuzz tests.
Requires the ``hypothesis`` package (a dev dependency).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from devstate import ir
from devstate.state import State, vendor_order
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR

Bounds = tuple[int | None, int | None]


def states(schema: ir.Schema, *, max_elements: int = 6, max_bytes: int = 48,
           unknown: bool = False) -> st.SearchStrategy[State]:
    """Valid states of ``schema``; counted arrays hold at most ``max_elements`` elements.

    Counted bytes and strings are at most ``max_bytes`` long (or their declared max).
    """
    values = _Values(schema, max_elements, max_bytes)
    ordered = sorted(schema.sections, key=lambda s: s.id)
    sections = _section_dict([(s.name, s.optional, values.of(s.type)) for s in ordered])
    vendor = _section_dict([
        (v.name, v.optional, st.binary(max_size=min(v.max or 0, max_bytes)) if v.type is None else values.of(v.type))
        for v in sorted(schema.vendor_sections, key=vendor_order)
    ])
    extra = unknown_sections(schema) if unknown else st.just([])
    return st.fixed_dictionaries({
        "model": st.just(schema.model), "version": st.just(str(schema.version)),
        "sections": sections, "vendor_sections": vendor, "unknown_sections": extra,
    })


def _section_dict(entries: list[tuple[str, bool, st.SearchStrategy[Any]]]) -> st.SearchStrategy[dict[str, Any]]:
    required = {name: strategy for name, optional, strategy in entries if not optional}
    optional = {name: strategy for name, is_optional, strategy in entries if is_optional}
    names = [name for name, _, _ in entries]

    def in_order(drawn: dict[str, Any]) -> dict[str, Any]:
        return {name: drawn[name] for name in names if name in drawn}

    return st.fixed_dictionaries(required, optional=optional).map(in_order)


def unknown_sections(schema: ir.Schema) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Optional sections the schema does not know (standard ids and PCI vendor 0xfffe)."""
    used = {s.id for s in schema.sections}
    free = [i for i in range(100, 120) if i not in used]
    standard = st.builds(lambda i, p: {"id": i, "flags": FLAG_OPTIONAL, "payload": p},
                         st.sampled_from(free), st.binary(max_size=16))
    vendor_flags = FLAG_OPTIONAL | FLAG_VENDOR
    vendor = st.builds(lambda i, p: {"id": i, "flags": vendor_flags, "vendor": "pci:0xfffe", "payload": p},
                       st.integers(1, 5), st.binary(max_size=16))
    entries = st.lists(st.one_of(standard, vendor), max_size=3,
                       unique_by=lambda e: (e.get("vendor", ""), e["id"]))
    return entries.map(lambda items: sorted(items, key=lambda e: ("vendor" in e, e["id"])))


class _Values:
    """One strategy per IR type-expression kind."""

    def __init__(self, schema: ir.Schema, max_elements: int, max_bytes: int) -> None:
        self.schema = schema
        self.max_elements = max_elements
        self.max_bytes = max_bytes

    def of(self, expr: ir.TypeExpr, bounds: Bounds = (None, None)) -> st.SearchStrategy[Any]:
        if isinstance(expr, ir.ScalarType):
            return self.scalar(expr.name, bounds)
        if isinstance(expr, ir.NamedRef):
            return self.named(self.schema.resolve(expr))
        if isinstance(expr, ir.ArrayType):
            element = self.of(expr.element, bounds)
            if expr.length is not None:
                return st.lists(element, min_size=expr.length, max_size=expr.length)
            return st.lists(element, max_size=min(expr.capacity, self.max_elements))
        if isinstance(expr, ir.BytesType):
            if expr.length is not None:
                return st.binary(min_size=expr.length, max_size=expr.length)
            return st.binary(max_size=min(expr.max or 0, self.max_bytes))
        return utf8_text(min(expr.max, self.max_bytes))

    def scalar(self, name: str, bounds: Bounds) -> st.SearchStrategy[Any]:
        if name == "bool":
            return st.booleans()
        low, high = ir.scalar_range(name)
        low = low if bounds[0] is None else max(low, bounds[0])
        high = high if bounds[1] is None else min(high, bounds[1])
        return st.integers(low, high)

    def named(self, named: ir.StructType | ir.EnumType | ir.FlagsType) -> st.SearchStrategy[Any]:
        if isinstance(named, ir.StructType):
            return st.fixed_dictionaries({f.name: self.of(f.type, (f.min, f.max)) for f in named.fields})
        if isinstance(named, ir.FlagsType):
            ordered = [b.name for b in sorted(named.bits, key=lambda b: b.bit)]
            return st.sets(st.sampled_from(ordered)).map(lambda chosen: [n for n in ordered if n in chosen])
        members = st.sampled_from([m.name for m in named.values])
        if not named.open:
            return members
        low, high = ir.scalar_range(named.base.name)
        declared = set(named.by_value())
        return st.one_of(members, st.integers(low, high).filter(lambda v: v not in declared))


def utf8_text(max_bytes: int) -> st.SearchStrategy[str]:
    """Text whose UTF-8 encoding is at most ``max_bytes`` long (cut at a character boundary)."""

    def cut(text: str) -> str:
        while len(text.encode("utf-8")) > max_bytes:
            text = text[:-1]
        return text

    return st.text(max_size=max_bytes).map(cut)


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` (a valid input) with one to six bytes overwritten, inserted or deleted, then perhaps
    cut short: the mutations of the fuzz tests (tests/bridges, tests/fuzz)."""
    edits = st.lists(st.tuples(st.sampled_from(["set", "insert", "delete"]), st.integers(0, len(seed)),
                               st.integers(0, 255)), min_size=1, max_size=6)
    return st.builds(_apply, st.just(seed), edits, st.integers(0, len(seed) + 8))


def _apply(seed: bytes, edits: list[tuple[str, int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for kind, at, byte in edits:
        at = min(at, len(data))
        if kind == "set" and at < len(data):
            data[at] = byte
        elif kind == "insert":
            data[at:at] = bytes([byte])
        elif kind == "delete" and at < len(data):
            del data[at]
    return bytes(data[:cut])
