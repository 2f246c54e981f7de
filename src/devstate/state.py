"""Saved state as Python values and JSON (spec/wire-format.md, "State as JSON").

A state is a dict::

    {"model": "org.virtio.net", "version": "1.1",
     "sections": {name: value, ...},            # present standard sections, in id order
     "vendor_sections": {name: value, ...},     # known vendor sections (opaque ones as bytes)
     "unknown_sections": [{"id": 9, "flags": 1, "payload": b"..."},
                          {"id": 2, "flags": 3, "vendor": "pci:0x1af4", "payload": b"..."}]}

Values: integers as ``int``, bool as ``bool``, enums by member name (an undeclared value
of an open enum as ``int``), flags as the list of set bit names in bit order, structs as
dicts in field order, arrays as lists, strings as ``str``, bytes as ``bytes`` (large
decoded regions may be read-only ``memoryview`` slices of the input). In JSON, bytes are
lower-case hex strings and every other value maps directly (u64 and i64 as JSON integers).
``version`` is the schema version whose shape the state has (the reader's, on decode).
"""

from __future__ import annotations

import binascii
import copy
from typing import Any

from devstate import ir
from devstate.visit import Visitor
from devstate.wire.errors import EncodeError, ErrorCode

State = dict[str, Any]
BytesLike = bytes | bytearray | memoryview
STATE_KEYS = ("model", "version", "sections", "vendor_sections", "unknown_sections")


# --- defaults ---------------------------------------------------------------------------


def type_default(schema: ir.Schema, expr: ir.TypeExpr) -> Any:
    """The default value of a type: zero, empty, the enum member for 0, structs by field."""
    return _Defaults(schema).visit(expr)


class _Defaults(Visitor[Any]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_scalar(self, expr: ir.ScalarType) -> Any:
        return False if expr.name == "bool" else 0

    def visit_ref(self, expr: ir.NamedRef) -> Any:
        return self.visit(self.schema.resolve(expr))

    def visit_array(self, expr: ir.ArrayType) -> Any:
        if expr.length is None:
            return []
        return [self.visit(expr.element) for _ in range(expr.length)]

    def visit_bytes(self, expr: ir.BytesType) -> Any:
        return bytes(expr.length or 0)

    def visit_string(self, expr: ir.StringType) -> Any:
        return ""

    def visit_struct(self, struct: ir.StructType) -> Any:
        return struct_default(self.schema, struct)

    def visit_flags(self, flags: ir.FlagsType) -> Any:
        return []

    def visit_enum(self, enum: ir.EnumType) -> Any:
        by_value = enum.by_value()
        if 0 in by_value:
            return by_value[0]
        return 0 if enum.open else enum.values[0].name


def struct_default(schema: ir.Schema, struct: ir.StructType) -> dict[str, Any]:
    return {f.name: field_default(schema, f) for f in struct.fields}


def field_default(schema: ir.Schema, field: ir.StructField) -> Any:
    """The field's default (declared, else its type's), clamped to the field's min/max.

    The IR gives a field without a declared default the zero of its type, which may be
    below the field's ``min``; the default state uses ``min`` then.
    """
    if field.default is not None and not _is_composite(field.type):
        if isinstance(field.type, ir.NamedRef) and field.type.target_kind == "flags":
            return _bit_order(schema, field.type, field.default)
        return _clamp(copy.deepcopy(field.default), field.min, field.max)
    return _clamp(type_default(schema, field.type), field.min, field.max)


def _is_composite(expr: ir.TypeExpr) -> bool:
    return expr.is_struct or isinstance(expr, ir.ArrayType | ir.BytesType)


def _bit_order(schema: ir.Schema, ref: ir.NamedRef, names: list[str]) -> list[str]:
    flags = schema.flags(ref.name)
    return [bit.name for bit in sorted(flags.bits, key=lambda b: b.bit) if bit.name in names]


def _clamp(value: Any, low: int | None, high: int | None) -> Any:
    if isinstance(value, list):
        return [_clamp(item, low, high) for item in value]
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def copy_value(value: Any) -> Any:
    """A copy of a state value whose dicts and lists are new; the rest (numbers, strings, bytes) is shared.

    Far cheaper than ``copy.deepcopy`` for taking a fresh state from a default computed once."""
    if isinstance(value, dict):
        return {key: copy_value(item) if isinstance(item, dict | list) else item for key, item in value.items()}
    if isinstance(value, list):
        return [copy_value(item) if isinstance(item, dict | list) else item for item in value]
    return value


def vendor_order(section: ir.VendorSection) -> tuple[bytes, int]:
    """Canonical order of vendor sections: (18-byte vendor header, id)."""
    return section.order_key


def default_state(schema: ir.Schema) -> State:
    """Every required section (standard and vendor) at its defaults; no optional ones."""
    sections = {s.name: type_default(schema, s.type)
                for s in sorted(schema.sections, key=lambda s: s.id) if not s.optional}
    vendor = {v.name: b"" if v.type is None else type_default(schema, v.type)
              for v in sorted(schema.vendor_sections, key=vendor_order) if not v.optional}
    return {"model": schema.model, "version": str(schema.version), "sections": sections,
            "vendor_sections": vendor, "unknown_sections": []}


# --- JSON -------------------------------------------------------------------------------


def state_to_json(value: Any) -> Any:
    """A JSON-ready copy of a state (or any value in it): bytes become lower-case hex."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {key: state_to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [state_to_json(item) for item in value]
    return value


def state_from_json(data: Any, schema: ir.Schema) -> State:
    """The Python state for JSON ``data`` (hex strings become bytes where the schema has bytes).

    Shapes are checked by the encoder; this only raises ``EncodeError(INVALID_STATE)`` for
    hex strings that do not decode.
    """
    if not isinstance(data, dict):
        return data  # type: ignore[no-any-return]
    state = dict(data)
    sections = state.get("sections")
    if isinstance(sections, dict):
        by_name = {s.name: s.type for s in schema.sections}
        state["sections"] = {name: _from_json(schema, by_name.get(name), value, f"$.sections.{name}")
                             for name, value in sections.items()}
    vendor = state.get("vendor_sections")
    if isinstance(vendor, dict):
        state["vendor_sections"] = {name: _vendor_from_json(schema, name, value) for name, value in vendor.items()}
    unknown = state.get("unknown_sections")
    if isinstance(unknown, list):
        state["unknown_sections"] = [_unknown_from_json(entry, i) for i, entry in enumerate(unknown)]
    return state


def _vendor_from_json(schema: ir.Schema, name: str, value: Any) -> Any:
    path = f"$.vendor_sections.{name}"
    for section in schema.vendor_sections:
        if section.name == name:
            if section.type is None:
                return _hex(value, path)
            return _from_json(schema, section.type, value, path)
    return value


def _unknown_from_json(entry: Any, index: int) -> Any:
    if isinstance(entry, dict) and "payload" in entry:
        return {**entry, "payload": _hex(entry["payload"], f"$.unknown_sections[{index}].payload")}
    return entry


def _from_json(schema: ir.Schema, expr: ir.TypeExpr | None, value: Any, path: str) -> Any:
    return value if expr is None else _FromJson(schema).visit(expr, value, path)


class _FromJson(Visitor[Any]):
    """A value of a state read from JSON with its bytes (hex strings) as ``bytes``; the rest as it is."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_bytes(self, expr: ir.BytesType, value: Any, path: str) -> Any:
        return _hex(value, path)

    def visit_array(self, expr: ir.ArrayType, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            return value
        element, convert = expr.element, self.handler(expr.element)
        return [convert(element, item, f"{path}[{i}]") for i, item in enumerate(value)]

    def visit_struct_ref(self, expr: ir.NamedRef, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            return value
        types = {f.name: f.type for f in self.schema.struct(expr.name).fields}
        return {key: _from_json(self.schema, types.get(key), item, f"{path}.{key}") for key, item in value.items()}

    def _as_is(self, expr: ir.ScalarType | ir.NamedRef | ir.StringType, value: Any, path: str) -> Any:
        return value

    visit_scalar = visit_ref = visit_string = _as_is


def hex_bytes(value: Any) -> bytes | None:
    """The bytes of a hex string (two digits a byte, nothing else), or None.

    ``binascii.unhexlify`` checks and converts at C speed without skipping whitespace
    (``bytes.fromhex`` skips it; a regex check took 0.3 s per MiB)."""
    converted = getattr(value, "data", None)  # a state_input.HexText: converted from the file's bytes
    if isinstance(value, str) and isinstance(converted, bytes):
        return converted
    if not isinstance(value, str) or len(value) % 2 or not value.isascii():
        return None
    try:
        return binascii.unhexlify(value)
    except binascii.Error:
        return None


def _hex(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        return value
    data = hex_bytes(value)
    if data is None:
        raise EncodeError(ErrorCode.INVALID_STATE, path, f"expected bytes as a hex string, got {value[:40]!r}")
    return data
