"""Converting between state values and the items of a standard record.

A standard record (a virtio part's value, an NVMe queue entry) is read into *items*:
integers (fixed-width little-endian slots), ``bytes`` (a MAC address, a hash key),
lists of integers (feature words, an indirection table) or lists of ``bytes`` (a MAC
table). ``to_item`` turns a state value into the item a schema type maps to and
``from_item`` turns an item back, checking everything the schema declares (range,
min/max, bool, enum membership, flag bits). A value that does not fit raises
``ValueProblem``; the bridge turns it into an error that names the part and offset.
"""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.state import field_default, type_default
from devstate.visit import Visitor

Item = int | bytes | list[int] | list[bytes]


class ValueProblem(Exception):
    """A value cannot be converted (the message says why)."""


# --- scalars (int, bool, enum, flags) -------------------------------------------------------


def scalar_to_int(schema: ir.Schema, expr: ir.TypeExpr, value: Any) -> int:
    """The integer a scalar, enum or flags state value stands for."""
    if not is_scalar(schema, expr):
        raise ValueProblem(f"{ir.type_label(expr)} is not a scalar")
    number: int = _ToInt(schema).visit(expr, value)
    return number


def int_to_scalar(schema: ir.Schema, expr: ir.TypeExpr, raw: int, field: ir.StructField | None = None) -> Any:
    """The state value of ``raw`` for a scalar, enum or flags type; raises ``ValueProblem``."""
    if not is_scalar(schema, expr):
        raise ValueProblem(f"{ir.type_label(expr)} is not a scalar")
    return _FromInt(schema).visit(expr, raw, field)


class _ToInt(Visitor[int]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_ref(self, expr: ir.NamedRef, value: Any) -> int:
        return self.visit(self.schema.resolve(expr), value)

    def visit_scalar(self, expr: ir.ScalarType, value: Any) -> int:
        return int(value)

    def visit_enum(self, target: ir.EnumType, value: Any) -> int:
        return value if isinstance(value, int) else target.by_name()[value]

    def visit_flags(self, target: ir.FlagsType, value: Any) -> int:
        bits = {flag.name: flag.bit for flag in target.bits}
        return sum(1 << bits[name] for name in value)


class _FromInt(Visitor[Any]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_ref(self, expr: ir.NamedRef, raw: int, field: ir.StructField | None) -> Any:
        return self.visit(self.schema.resolve(expr), raw, field)

    def visit_scalar(self, expr: ir.ScalarType, raw: int, field: ir.StructField | None) -> Any:
        return _scalar(expr, raw, field)

    def visit_enum(self, target: ir.EnumType, raw: int, field: ir.StructField | None) -> Any:
        return _enum(target, raw)

    def visit_flags(self, target: ir.FlagsType, raw: int, field: ir.StructField | None) -> Any:
        return _flags(target, raw)


def _scalar(expr: ir.ScalarType, raw: int, field: ir.StructField | None) -> Any:
    if expr.name == "bool":
        if raw not in (0, 1):
            raise ValueProblem(f"{raw} is not a bool (0 or 1)")
        return bool(raw)
    low, high = ir.scalar_range(expr.name)
    if field is not None:
        low = max(low, field.min) if field.min is not None else low
        high = min(high, field.max) if field.max is not None else high
    if not low <= raw <= high:
        raise ValueProblem(f"{raw} is outside {low}..{high}")
    return raw


def _enum(target: ir.EnumType, raw: int) -> Any:
    name = target.by_value().get(raw)
    if name is not None:
        return name
    low, high = ir.scalar_range(target.base.name)
    if target.open and low <= raw <= high:
        return raw
    known = ", ".join(f"{m.name}={m.value}" for m in target.values)
    raise ValueProblem(f"{raw} is not a value of enum {target.name} ({known})")


def _flags(target: ir.FlagsType, raw: int) -> list[str]:
    extra = raw & ~target.mask
    if extra:
        raise ValueProblem(f"{raw:#x} sets bits {extra:#x} that flags {target.name} does not declare")
    return [flag.name for flag in sorted(target.bits, key=lambda f: f.bit) if raw >> flag.bit & 1]


# --- whole values ---------------------------------------------------------------------------


def to_item(schema: ir.Schema, expr: ir.TypeExpr, value: Any) -> Item:
    """The standard item for a state value: an int, bytes, or a list of either."""
    if isinstance(expr, ir.ScalarType):
        return int(value)  # what the visit gives (scalar_to_int), for the commonest item without one
    return _ToItem(schema).visit(expr, value)


class _ToItem(Visitor[Item]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_bytes(self, expr: ir.BytesType, value: Any) -> Item:
        return bytes(value)

    def visit_array(self, expr: ir.ArrayType, value: Any) -> Item:
        if expr.u8_elements:
            return bytes(value)
        if _is_byte_array(expr.element):
            return [bytes(item) for item in value]
        if _is_number(expr.element):
            return [int(item) for item in value]  # what scalar_to_int gives, without a visit per element
        return [scalar_to_int(self.schema, expr.element, item) for item in value]

    def _one(self, expr: ir.ScalarType | ir.NamedRef | ir.StringType, value: Any) -> Item:
        return scalar_to_int(self.schema, expr, value)

    visit_scalar = visit_ref = visit_string = _one


def from_item(schema: ir.Schema, expr: ir.TypeExpr, item: Item, field: ir.StructField | None = None) -> Any:
    """The state value for a standard item; raises ``ValueProblem`` when the schema cannot hold it."""
    if isinstance(expr, ir.ScalarType) and isinstance(item, int):
        return _scalar(expr, item, field)  # what the visit gives (int_to_scalar), for the commonest item
    return _FromItem(schema).visit(expr, item, field)


class _FromItem(Visitor[Any]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_bytes(self, expr: ir.BytesType, item: Item, field: ir.StructField | None) -> Any:
        return _bytes(expr, item)

    def visit_array(self, expr: ir.ArrayType, item: Item, field: ir.StructField | None) -> Any:
        return _array(self.schema, expr, item)

    def _one(self, expr: ir.ScalarType | ir.NamedRef | ir.StringType, item: Item, field: ir.StructField | None) -> Any:
        if not isinstance(item, int):
            raise ValueProblem(f"expected a number for {ir.type_label(expr)}")
        return int_to_scalar(self.schema, expr, item, field)

    visit_scalar = visit_ref = visit_string = _one


def _bytes(expr: ir.BytesType, item: Item) -> bytes:
    if not isinstance(item, bytes):
        raise ValueProblem("expected bytes")
    if expr.length is not None and len(item) != expr.length:
        raise ValueProblem(f"{len(item)} bytes where the schema holds exactly {expr.length}")
    if expr.max is not None and len(item) > expr.max:
        raise ValueProblem(f"{len(item)} bytes where the schema holds at most {expr.max}")
    return item


def _array(schema: ir.Schema, expr: ir.ArrayType, item: Item) -> list[Any]:
    if isinstance(item, bytes):
        if not expr.u8_elements:
            raise ValueProblem(f"bytes cannot fill {ir.type_label(expr)}")
        values: list[Any] = list(item)
    elif isinstance(item, list):
        numbers = [element for element in item if isinstance(element, int)] if _is_number(expr.element) else []
        if len(numbers) == len(item) and numbers:
            values = _numbers(expr.element, numbers)
        else:
            values = [_element(schema, expr.element, element) for element in item]
    else:
        raise ValueProblem(f"a number cannot fill {ir.type_label(expr)}")
    if expr.length is not None and len(values) != expr.length:
        raise ValueProblem(f"{len(values)} elements where the schema holds exactly {expr.length}")
    if expr.max is not None and len(values) > expr.max:
        raise ValueProblem(f"{len(values)} elements where the schema holds at most {expr.max}")
    return values


def _numbers(expr: ir.TypeExpr, item: list[int]) -> list[int]:
    """Integer elements checked against their type's range at once (``_scalar`` one by one, same message)."""
    assert isinstance(expr, ir.ScalarType)
    low, high = ir.scalar_range(expr.name)
    bad = next((raw for raw in item if not low <= raw <= high), None)
    if bad is not None:
        raise ValueProblem(f"{bad} is outside {low}..{high}")
    return list(item)


def _element(schema: ir.Schema, expr: ir.TypeExpr, element: int | bytes) -> Any:
    if isinstance(element, bytes):
        return _ElementFromBytes(schema).visit(expr, element)
    return int_to_scalar(schema, expr, element)


class _ElementFromBytes(Visitor[Any]):
    """An array element given as bytes: an array of u8 or bytes holds it."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_array(self, expr: ir.ArrayType, element: bytes) -> Any:
        return _array(self.schema, expr, element)

    def visit_bytes(self, expr: ir.BytesType, element: bytes) -> Any:
        return _bytes(expr, element)

    def _cannot(self, expr: ir.ScalarType | ir.NamedRef | ir.StringType, element: bytes) -> Any:
        raise ValueProblem(f"bytes cannot fill {ir.type_label(expr)}")

    visit_scalar = visit_ref = visit_string = _cannot


def _is_number(expr: ir.TypeExpr) -> bool:
    """A plain integer type (not bool): its state value is the integer itself."""
    return isinstance(expr, ir.ScalarType) and expr.name != "bool"


def _is_byte_array(expr: ir.TypeExpr) -> bool:
    return isinstance(expr, ir.ArrayType) and expr.u8_elements


def is_scalar(schema: ir.Schema, expr: ir.TypeExpr) -> bool:
    """Whether a type maps to one integer (scalar, bool, enum or flags)."""
    return item_kind(schema, expr) == "int"


def item_kind(schema: ir.Schema, expr: ir.TypeExpr) -> str:
    """``int``, ``bytes``, ``ints`` or ``byte-strings``: which item a type maps to."""
    return _ItemKind().visit(expr)


class _ItemKind(Visitor[str]):
    def visit_bytes(self, expr: ir.BytesType) -> str:
        return "bytes"

    def visit_array(self, expr: ir.ArrayType) -> str:
        if expr.u8_elements:
            return "bytes"
        if _is_byte_array(expr.element):
            return "byte-strings"
        return "ints" if self.visit(expr.element) == "int" else "none"

    def _int(self, expr: ir.ScalarType | ir.NamedRef) -> str:
        return "int"

    def _none(self, expr: ir.NamedRef | ir.StringType) -> str:
        return "none"

    visit_scalar = visit_enum_ref = visit_flags_ref = _int
    visit_struct_ref = visit_string = _none


def default_of(schema: ir.Schema, expr: ir.TypeExpr, field: ir.StructField | None) -> Any:
    """The default a node takes when the standard does not carry it."""
    return field_default(schema, field) if field is not None else type_default(schema, expr)


# --- bit fields and integer slots -------------------------------------------------------------


def extract_bits(raw: int, bits: tuple[int, int] | None) -> int:
    if bits is None:
        return raw
    low, high = bits
    return raw >> low & ((1 << (high - low + 1)) - 1)


def insert_bits(raw: int, bits: tuple[int, int] | None, value: int) -> int:
    if bits is None:
        return value
    low, high = bits
    mask = ((1 << (high - low + 1)) - 1) << low
    return (raw & ~mask) | (value << low & mask)


def fits(value: int, size: int, bits: tuple[int, int] | None = None) -> bool:
    """Whether ``value`` fits an unsigned slot of ``size`` bytes (or the bit range)."""
    width = bits[1] - bits[0] + 1 if bits is not None else size * 8
    return 0 <= value < 1 << width
