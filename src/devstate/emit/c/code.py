"""Building blocks of generated C text: types, literals, blocks, conditions, field paths, depths."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeGuard

from devstate import ir
from devstate.emit.depth import Depth
from devstate.emit.sections import AnySection, is_vendor
from devstate.wire.errors import ErrorCode

Expr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType
Lines = list[str]
Bounds = tuple[int | None, int | None]
"""A field's min and max (``None``: the type's own bound)."""

# --- C types and literals ---------------------------------------------------------------

CTYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
          "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "i64": "int64_t", "bool": "bool"}


def c_int(value: int, scalar: str) -> str:
    """A C integer constant of ``value`` for comparisons with a ``scalar`` variable."""
    if scalar == "u64":
        return f"UINT64_C({value})"
    if scalar == "i64":
        if value == -(1 << 63):
            return "(-INT64_C(9223372036854775807) - 1)"
        return f"INT64_C({value})"
    if scalar == "u32":
        return f"{value}u"
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(value)


def c_string(text: bytes) -> str:
    """A C string literal of ``text`` (octal escapes for anything but plain ASCII)."""
    out = []
    for byte in text:
        char = chr(byte)
        if char in '"\\?':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def indent(lines: Iterable[str], levels: int = 1) -> Lines:
    pad = "    " * levels
    return [pad + line if line else line for line in lines]


def block(head: str, body: Lines, tail: str = "}") -> Lines:
    return [head + " {", *indent(body), tail]


def describe(expr: Expr) -> str:
    """A short label of a type expression for comments."""
    return ir.type_label(expr)


# --- paths and depths in generated code -----------------------------------------------------


@dataclass(frozen=True)
class FieldPath:
    """A field path template (``%`` = an index) and the C expressions of its indexes."""

    template: str
    args: tuple[str, ...] = ()

    def field(self, name: str) -> FieldPath:
        return FieldPath(f"{self.template}.{name}", self.args)

    def index(self, var: str) -> FieldPath:
        return FieldPath(f"{self.template}[%]", (*self.args, var))

    def c_args(self) -> str:
        return "".join(f", {arg}" for arg in self.args)

    def fail(self, code: ErrorCode, offset: str) -> str:
        return f"return dsf1_fail(err, DEVSTATE_E_{code.name}, {offset}, \"{self.template}\"{self.c_args()});"

    def prepend(self) -> str:
        return f"return dsf1_prepend(err, rc, \"{self.template}\"{self.c_args()});"


@dataclass(frozen=True)
class Slot:
    """Where a decoded value goes: C lvalue, path, depth, bytes known present, int bounds."""

    lv: str
    path: FieldPath
    depth: Depth
    avail: int = 0
    bounds: tuple[int | None, int | None] = (None, None)

    @property
    def level(self) -> int:
        """Loop nesting (names the index variable of an array at this slot)."""
        return len(self.path.args)


def range_condition(var: str, scalar: str, bounds: tuple[int | None, int | None]) -> str | None:
    """The C condition for ``var`` outside ``bounds`` (only the checks its type needs)."""
    type_low, type_high = ir.scalar_range(scalar)
    low, high = bounds
    parts = []
    if low is not None and low > type_low:
        parts.append(f"{var} < {c_int(low, scalar)}")
    if high is not None and high < type_high:
        parts.append(f"{var} > {c_int(high, scalar)}")
    return " || ".join(parts) or None


def enum_condition(var: str, enum: ir.EnumType) -> str | None:
    """The C condition for ``var`` not being a member of a closed enum (contiguous runs)."""
    if enum.open:
        return None
    values = sorted({m.value for m in enum.values})
    if values == list(range(values[0], values[-1] + 1)):
        return range_condition(var, enum.base.name, (values[0], values[-1]))
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    base = enum.base.name
    low_type, high_type = ir.scalar_range(base)
    members = []
    for low, high in runs:
        if low == high:
            members.append(f"{var} == {c_int(low, base)}")
            continue
        bounds = [f"{var} >= {c_int(low, base)}"] if low > low_type else []
        bounds += [f"{var} <= {c_int(high, base)}"] if high < high_type else []
        members.append(" && ".join(bounds) or "1")
    inside = " || ".join(f"({m})" if " && " in m else m for m in members)
    return f"!({inside})"


LOADS = {"u8": "blob[at]", "u16": "dsf1_load16(blob + at)", "u32": "dsf1_load32(blob + at)",
         "u64": "dsf1_load64(blob + at)", "i8": "dsf1_signed8(blob[at])",
         "i16": "dsf1_signed16(dsf1_load16(blob + at))",
         "i32": "dsf1_signed32(dsf1_load32(blob + at))", "i64": "dsf1_signed64(dsf1_load64(blob + at))",
         "bool": "blob[at]"}
STORES = {"u8": "blob[at] = {v};", "u16": "dsf1_store16(blob + at, {v});", "u32": "dsf1_store32(blob + at, {v});",
          "u64": "dsf1_store64(blob + at, {v});", "i8": "blob[at] = (uint8_t){v};",
          "i16": "dsf1_store16(blob + at, (uint16_t){v});",
          "i32": "dsf1_store32(blob + at, (uint32_t){v});", "i64": "dsf1_store64(blob + at, (uint64_t){v});",
          "bool": "blob[at] = {v} ? 1 : 0;"}


def is_struct_ref(expr: Expr) -> TypeGuard[ir.NamedRef]:
    """Whether ``expr`` names a struct (the one reference whose value has a body of its own)."""
    return expr.is_struct


def section_label(section: AnySection) -> str:
    what = "opaque" if section.type is None else describe(section.type)
    if is_vendor(section):
        return f"vendor section {section.vendor} #{section.id} \"{section.name}\": {what}"
    return f"section {section.id} \"{section.name}\": {what}"
