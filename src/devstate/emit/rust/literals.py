"""Rust expressions of state values: integer and string literals, defaults of every type.

Defaults are the state's (``devstate.state.type_default`` / ``field_default``), written out
per field, so a generated ``Default`` is exactly the schema's default, not Rust's.
"""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.errors import EmitError
from devstate.state import struct_default, type_default
from devstate.visit import Visitor

from .names import Expr, RustNames


def int_literal(value: int, scalar: str) -> str:
    """A Rust integer literal for a ``scalar`` value (``i64::MIN``: its literal would overflow)."""
    low, _ = ir.scalar_range(scalar)
    return f"{scalar}::MIN" if value == low < 0 else str(value)


def str_literal(text: str) -> str:
    """A Rust string literal of ``text``."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class Literals(Visitor[str]):
    """Rust expressions of values of a schema's types."""

    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema

    def value(self, expr: Expr, value: Any) -> str:
        return self.visit(expr, value)

    def visit_scalar(self, expr: ir.ScalarType, value: Any) -> str:
        if expr.name == "bool":
            return "true" if value else "false"
        return int_literal(int(value), expr.name)

    def visit_bytes(self, expr: ir.BytesType, value: Any) -> str:
        data = bytes(value)
        if any(data):
            raise EmitError(f"non-zero bytes default {data!r} is not supported")
        return f"Cow::Borrowed(&[0u8; {len(data)}])" if data else "Cow::Borrowed(&[])"

    def visit_string(self, expr: ir.StringType, value: Any) -> str:
        return f"Cow::Borrowed({str_literal(str(value))})"

    def visit_ref(self, expr: ir.NamedRef, value: Any) -> str:
        return self.visit(self.names.named(expr.name), expr.name, value)

    def visit_struct(self, named: ir.StructType, key: str, value: Any) -> str:
        if value != struct_default(self.schema, named):
            raise EmitError(f"a default of struct {key} other than its own is not supported")
        return f"{self.names.types[key]}::default()"

    def visit_flags(self, named: ir.FlagsType, key: str, value: Any) -> str:
        bits = {b.name: b.bit for b in named.bits}
        return f"{self.names.types[key]}(0x{sum(1 << bits[n] for n in value):X})"

    def visit_enum(self, named: ir.EnumType, key: str, value: Any) -> str:
        rust = self.names.types[key]
        if named.open:
            number = named.by_name()[value] if isinstance(value, str) else int(value)
            return f"{rust}({int_literal(number, named.base.name)})"
        return f"{rust}::{self.names.enum_variants(named)[value]}"

    def visit_array(self, expr: ir.ArrayType, value: Any) -> str:
        items = list(value)
        if expr.max is not None:
            if not items:
                return "Vec::new()"
            return "alloc::vec![" + ", ".join(self.value(expr.element, item) for item in items) + "]"
        if items and all(item == items[0] for item in items):
            element = self.value(expr.element, items[0])
            if self.names.is_copy(expr.element):
                return f"[{element}; {expr.length}]"
            return f"core::array::from_fn(|_| {element})"
        return "[" + ", ".join(self.value(expr.element, item) for item in items) + "]"

    def default(self, expr: Expr) -> str:
        """The default of a type (``type_default``)."""
        return self.value(expr, type_default(self.schema, expr))
