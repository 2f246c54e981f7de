"""Default values of appended fields and of the initial state."""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.emit.c.code import Expr, Lines, block, c_int, c_string, indent
from devstate.emit.c.names import CNames
from devstate.errors import EmitError
from devstate.state import field_default
from devstate.visit import Visitor

# --- defaults -----------------------------------------------------------------------------------


class Defaults(Visitor[Lines]):
    """Assignments of default values (``devstate.state`` semantics) to C lvalues, per IR kind."""

    def __init__(self, names: CNames, zeros: str) -> None:
        self.names = names
        self.schema = names.schema
        self.zeros = zeros
        self.zeros_needed = 0
        self.zero = ZeroBits(names.schema)

    def assign(self, expr: Expr, lv: str, value: Any, zeroed: bool, level: int = 0) -> Lines:
        """Statements giving ``lv`` the state value ``value``; skip zero bits if ``zeroed``."""
        if zeroed and self.zero.visit(expr, value):
            return []
        return self.visit(expr, lv, value, zeroed, level)

    def visit_scalar(self, expr: ir.ScalarType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        literal = ("true" if value else "false") if expr.name == "bool" else c_int(int(value), expr.name)
        return [f"{lv} = {literal};"]

    def visit_struct_ref(self, expr: ir.NamedRef, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        struct = self.schema.struct(expr.name)
        lines = []
        for fld in struct.fields:
            member = f"{lv}.{self.names.field(struct, fld)}"
            lines += self.assign(fld.type, member, value[fld.name], zeroed, level)
        return lines

    def visit_enum_ref(self, expr: ir.NamedRef, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        enum = self.schema.enum(expr.name)
        return [f"{lv} = {c_int(enum_number(enum, value), enum.base.name)};"]

    def visit_flags_ref(self, expr: ir.NamedRef, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        flags = self.schema.flags(expr.name)
        return [f"{lv} = {c_int(flags_number(flags, value), flags.base.name)};"]

    def visit_string(self, expr: ir.StringType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        data = str(value).encode("utf-8")
        return [f"{lv}.data = {c_string(data) if data else 'NULL'};", f"{lv}.len = {len(data)};"]

    def visit_bytes(self, expr: ir.BytesType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        value = bytes(value)
        if any(value):
            raise EmitError(f"non-zero bytes default {value!r} is not supported")
        if not value:
            return [f"{lv}.data = NULL;", f"{lv}.len = 0;"]
        self.zeros_needed = max(self.zeros_needed, len(value))
        return [f"{lv}.data = {self.zeros};", f"{lv}.len = {len(value)};"]

    def visit_array(self, expr: ir.ArrayType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        value = list(value)
        items = f"{lv}.items" if expr.max is not None else lv
        head = [f"{lv}.count = {len(value)};"] if expr.max is not None else []
        if value and all(item == value[0] for item in value):
            index = f"i{level}"
            body = self.assign(expr.element, f"{items}[{index}]", value[0], zeroed, level + 1)
            return head + block(f"for (size_t {index} = 0; {index} < {len(value)}; {index}++)", body)
        lines = head
        for position, item in enumerate(value):
            lines += self.assign(expr.element, f"{items}[{position}]", item, zeroed, level)
        return lines

    def function(self, type_name: str) -> Lines:
        """``set_defaults_<type>(out, first)``: defaults for the appended fields from ``first`` on."""
        struct = self.schema.struct(type_name)
        body: Lines = []
        for index, fld in enumerate(struct.fields):
            if index < struct.base_field_count:
                continue
            member = f"out->{self.names.field(struct, fld)}"
            value = field_default(self.schema, fld)
            body += block(f"if (first <= {index})", self.assign(fld.type, member, value, zeroed=False))
        signature = (f"static void {self.names.fn('def', type_name)}(struct {self.names.struct(type_name)} *out, "
                     "unsigned first)")
        doc = f"/* struct {type_name}: the defaults of appended fields missing from an older writer's body */"
        return [doc, signature, "{", *indent(body), "}", ""]


def enum_number(enum: ir.EnumType, value: Any) -> int:
    """An enum value of a state (a member name or a number) as its number."""
    return enum.by_name()[value] if isinstance(value, str) else int(value)


def flags_number(flags: ir.FlagsType, value: Any) -> int:
    """A flags value of a state (the names of the bits set) as its number."""
    bits = {bit.name: bit.bit for bit in flags.bits}
    return sum(1 << bits[name] for name in value)


class ZeroBits(Visitor[bool]):
    """Whether a state value is all-zero bits in C (so a memset state already holds it)."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_scalar(self, expr: ir.ScalarType, value: Any) -> bool:
        return not value

    def visit_struct_ref(self, expr: ir.NamedRef, value: Any) -> bool:
        return all(self.visit(fld.type, value[fld.name]) for fld in self.schema.struct(expr.name).fields)

    def visit_enum_ref(self, expr: ir.NamedRef, value: Any) -> bool:
        return enum_number(self.schema.enum(expr.name), value) == 0

    def visit_flags_ref(self, expr: ir.NamedRef, value: Any) -> bool:
        return flags_number(self.schema.flags(expr.name), value) == 0

    def visit_bytes(self, expr: ir.BytesType | ir.StringType, value: Any) -> bool:
        return len(value) == 0

    visit_string = visit_bytes

    def visit_array(self, expr: ir.ArrayType, value: Any) -> bool:
        return all(self.visit(expr.element, item) for item in value)
