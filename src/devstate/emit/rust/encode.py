"""Rust encoding, size and state-JSON code, one method per IR type-expression kind.

Encoders check every constraint the decoder checks (range, flags, counts, lengths, the
size of fixed bytes) in encoding order and write through the runtime's ``Writer``, which
never panics on a short buffer. Sizes are exact: ``encoded_len()`` is what ``encode_into``
writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from devstate import ir
from devstate.limits import MAX_COUNT
from devstate.visit import Visitor

from .decode import Lines, block, range_condition
from .names import Expr, RustNames, field_ident, is_struct_ref
from .paths import Path

STORES = {"u8": "writer.u8({v})", "u16": "writer.u16({v})", "u32": "writer.u32({v})", "u64": "writer.u64({v})",
          "i8": "writer.u8({v} as u8)", "i16": "writer.u16({v} as u16)", "i32": "writer.u32({v} as u32)",
          "i64": "writer.u64({v} as u64)", "bool": "writer.u8({v} as u8)"}

Bounds = tuple[int | None, int | None]


@dataclass(frozen=True)
class Place:
    """A value in the state: ``value`` reads it (Copy types), ``ref`` borrows it or calls methods."""

    value: str
    ref: str

    @staticmethod
    def member(owner: str, ident: str) -> Place:
        return Place(f"{owner}.{ident}", f"{owner}.{ident}")

    @staticmethod
    def element(var: str) -> Place:
        return Place(f"*{var}", var)

    @property
    def borrow(self) -> str:
        """``&place`` (a reference already stays as it is)."""
        return self.ref if self.ref != self.value else f"&{self.value}"


def fail(path: Path, code: str) -> Lines:
    return [f"    {path.fail(code, '0')}"]


class Encoder(Visitor[Lines]):
    """Statements checking and writing a value with ``writer``, one ``visit_<kind>`` per IR kind."""

    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema

    def value(self, expr: Expr, place: Place, path: Path, bounds: tuple[int | None, int | None]) -> Lines:
        return self.visit(expr, place, path, bounds)

    def visit_scalar(self, expr: ir.ScalarType, place: Place, path: Path, bounds: Bounds) -> Lines:
        condition = None if expr.name == "bool" else range_condition(place.value, expr.name, bounds)
        checks = [f"if {condition} {{", *fail(path, "OutOfRange"), "}"] if condition else []
        return [*checks, STORES[expr.name].format(v=place.value) + ";"]

    def visit_enum_ref(self, expr: ir.NamedRef, place: Place, path: Path, bounds: Any) -> Lines:
        enum = self.schema.enum(expr.name)
        raw = f"{place.value}.0" if enum.open else f"{place.value}.value()"
        return [STORES[enum.base.name].format(v=raw) + ";"]

    def visit_flags_ref(self, expr: ir.NamedRef, place: Place, path: Path, bounds: Any) -> Lines:
        flags = self.schema.flags(expr.name)
        rust = self.names.types[expr.name]
        _, high = ir.scalar_range(flags.base.name)
        checks = [] if flags.mask == high else [
            f"if {place.value}.0 & !{rust}::MASK != 0 {{", *fail(path, "BadFlags"), "}"]
        return [*checks, STORES[flags.base.name].format(v=f"{place.value}.0") + ";"]

    def visit_struct_ref(self, expr: ir.NamedRef, place: Place, path: Path, bounds: Any) -> Lines:
        call = f"{self.names.fn('enc', expr.name)}({place.borrow}, writer).map_err({path.under()})?;"
        return ["let at = writer.reserve_size();", call, f"writer.patch_size(at, {path.rust_str()})?;"]

    def visit_bytes(self, expr: ir.BytesType, place: Place, path: Path, bounds: Any) -> Lines:
        if expr.length is not None:
            return [f"if {place.ref}.len() != {expr.length} {{", *fail(path, "InvalidState"), "}",
                    f"writer.put({place.borrow});"]
        assert expr.max is not None
        return self._counted(expr.max, place, path, f"writer.put({place.borrow});")

    def visit_string(self, expr: ir.StringType, place: Place, path: Path, bounds: Any) -> Lines:
        return self._counted(expr.max, place, path, f"writer.put({place.ref}.as_bytes());")

    def _counted(self, maximum: int, place: Place, path: Path, put: str) -> Lines:
        over = [] if maximum >= MAX_COUNT else [f"if {place.ref}.len() > {maximum} {{", *fail(path, "LengthOverMax"),
                                                "}"]
        return [*over, f"writer.len32({place.ref}.len());", put]

    def visit_array(self, expr: ir.ArrayType, place: Place, path: Path, bounds: tuple[int | None, int | None]) -> Lines:
        level = path.level
        index, var = f"i{level}", f"element{level}"
        lines: Lines = []
        if expr.max is not None:
            if expr.max < MAX_COUNT:
                lines += [f"if {place.ref}.len() > {expr.max} {{", *fail(path, "CountOverMax"), "}"]
            lines.append(f"writer.len32({place.ref}.len());")
        if expr.stride:
            lines.append(f"writer.u32({expr.element_size}); // stride")
        element = expr.element
        if expr.u8_elements and range_condition("value", "u8", bounds) is None:
            return [*lines, f"writer.put({place.borrow});"]
        element_path = path.index(index)
        if is_struct_ref(element):
            body = [f"{self.names.fn('enc', element.name)}({var}, writer).map_err({element_path.under()})?;"]
        else:
            body = self.value(element, Place.element(var), element_path, bounds)
        uses_index = re.search(rf"\b{index}\b", "\n".join(body)) is not None
        head = f"for ({index}, {var}) in {place.ref}.iter().enumerate()" if uses_index else \
            f"for {var} in {place.ref}.iter()"
        return lines + block(head, body)

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body: Lines = []
        for fld in struct.fields:
            place = Place.member("value", field_ident(fld.name))
            body += [f"// {fld.name}: {ir.type_label(fld.type)}",
                     *self.value(fld.type, place, Path().field(fld.name), (fld.min, fld.max))]
        body.append("Ok(())")
        value = "value" if re.search(r"\bvalue\.", "\n".join(body)) else "_value"
        rust = self.names.type_name(type_name, "'_")
        signature = (f"fn {self.names.fn('enc', type_name)}({value}: &{rust}, writer: &mut Writer<'_>) -> "
                     "Result<(), Fail>")
        return [f"/// struct {type_name}: check and write the full body.", *block(signature, body), ""]


class Sizer(Visitor[str]):
    """Expressions of encoded sizes (``visit_<kind>`` for the kinds without a fixed size)."""

    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema

    def size(self, expr: Expr, place: Place, level: int = 0) -> str:
        """A Rust ``usize`` expression: the encoded size of ``place`` (type ``expr``)."""
        if expr.fixed_size is not None:
            return str(expr.fixed_size)
        return self.visit(expr, place, level)

    def visit_bytes(self, expr: ir.BytesType | ir.StringType, place: Place, level: int) -> str:
        return f"4 + {place.ref}.len()"

    visit_string = visit_bytes

    def visit_struct_ref(self, expr: ir.NamedRef, place: Place, level: int) -> str:
        """A variable-size struct (a fixed-size one has a ``fixed_size``)."""
        return f"4 + {self.body(expr.name, place)}"

    def visit_array(self, expr: ir.ArrayType, place: Place, level: int) -> str:
        prefix = (4 if expr.max is not None else 0) + (4 if expr.stride else 0)
        element = expr.element_size
        if element is not None and expr.max is not None:
            total = f"{place.ref}.len()" if element == 1 else f"{place.ref}.len() * {element}"
        elif element is not None:
            total = str(element * (expr.length or 0))
        else:
            var = f"element{level}"
            inner = self.size(expr.element, Place.element(var), level + 1)
            total = f"{place.ref}.iter().map(|{var}| {inner}).sum::<usize>()"
        return f"{prefix} + {total}" if prefix else total

    def body(self, type_name: str, place: Place) -> str:
        """The body size of struct ``type_name`` (a constant when it has one)."""
        size = self.schema.struct(type_name).body_size
        return str(size) if size is not None else f"{self.names.fn('size', type_name)}({place.borrow})"

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        terms = [self.size(fld.type, Place.member("value", field_ident(fld.name))) for fld in struct.fields] or ["0"]
        rust = self.names.type_name(type_name, "'_")
        signature = f"fn {self.names.fn('size', type_name)}(value: &{rust}) -> usize"
        return [f"/// struct {type_name}: the encoded body size.", *block(signature, [" + ".join(terms)]), ""]


class JsonWriter(Visitor[Lines]):
    """Statements writing a value as devstate state JSON into ``out``."""

    def __init__(self, names: RustNames) -> None:
        self.names = names

    def value(self, expr: Expr, place: Place, level: int = 0) -> Lines:
        return self.visit(expr, place, level)

    def visit_bytes(self, expr: ir.BytesType, place: Place, level: int) -> Lines:
        return [f"json_hex({place.borrow}, out);"]

    def visit_array(self, expr: ir.ArrayType, place: Place, level: int) -> Lines:
        if expr.innermost.kind != "bytes":
            return self._json_trait(expr, place, level)
        var, index = f"element{level}", f"i{level}"  # (arrays of) bytes: hex strings, written here
        body = [f"if {index} > 0 {{", "    out.push(',');", "}", *self.value(expr.element, Place.element(var),
                                                                        level + 1)]
        return ["out.push('[');", *block(f"for ({index}, {var}) in {place.ref}.iter().enumerate()", body),
                "out.push(']');"]

    def _json_trait(self, expr: ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.StringType, place: Place,
                    level: int) -> Lines:
        """Every other value implements the runtime's ``Json`` trait."""
        return [f"{place.ref}.json(out);"]

    visit_scalar = visit_ref = visit_string = _json_trait

    def struct_impl(self, type_name: str) -> Lines:
        struct = self.names.schema.struct(type_name)
        body = ["out.push('{');"]
        if struct.fields:
            body.append("let mut first = true;")
        for fld in struct.fields:
            body += [f'json_key(out, &mut first, "{fld.name}");',
                     *self.value(fld.type, Place.member("self", field_ident(fld.name)))]
        body.append("out.push('}');")
        rust = self.names.type_name(type_name, "'_")
        return [*block(f"impl Json for {rust}", block("fn json(&self, out: &mut String)", body)), ""]
