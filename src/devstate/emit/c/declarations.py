"""The header's declarations: constants, capacity macros, struct definitions, the state struct."""

from __future__ import annotations

from devstate import ir
from devstate.emit.c.code import CTYPES, Expr, Lines, c_int, describe, indent, section_label
from devstate.emit.c.names import CNames
from devstate.visit import Visitor

# --- declarations -------------------------------------------------------------------------


class Declarations(Visitor[str]):
    """C declarators for type expressions (``visit_<kind>``) and the struct definitions of the header."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def declare(self, expr: Expr, name: str, capacity: str | None = None) -> str:
        """The C declaration of a member ``name`` of type ``expr`` (no semicolon)."""
        return self.visit(expr, name, capacity)

    def visit_scalar(self, expr: ir.ScalarType, name: str, capacity: str | None) -> str:
        return f"{CTYPES[expr.name]} {name}"

    def visit_struct_ref(self, expr: ir.NamedRef, name: str, capacity: str | None) -> str:
        return f"struct {self.names.struct(expr.name)} {name}"

    def visit_enum_ref(self, expr: ir.NamedRef, name: str, capacity: str | None) -> str:
        """An enum value: its base integer."""
        return f"{CTYPES[self.schema.enum(expr.name).base.name]} {name}"

    def visit_flags_ref(self, expr: ir.NamedRef, name: str, capacity: str | None) -> str:
        """A flags value: its base integer."""
        return f"{CTYPES[self.schema.flags(expr.name).base.name]} {name}"

    def visit_bytes(self, expr: ir.BytesType, name: str, capacity: str | None) -> str:
        return f"struct devstate_bytes {name}"

    def visit_string(self, expr: ir.StringType, name: str, capacity: str | None) -> str:
        return f"struct devstate_string {name}"

    def visit_array(self, expr: ir.ArrayType, name: str, capacity: str | None) -> str:
        if expr.length is not None:
            return self.declare(expr.element, f"{name}[{expr.length}]")
        assert expr.max is not None
        items = self.declare(expr.element, f"items[{capacity or max(expr.max, 1)}]")
        return f"struct {{ uint32_t count; {items}; }} {name}"

    def struct_definition(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        members = []
        for fld in struct.fields:
            members += field_comment(fld, struct)
            capacity = self.capacity_macro(fld.type, type_name, fld.name)
            members.append(self.declare(fld.type, self.names.field(struct, fld), capacity) + ";")
        doc = doc_comment(f"struct {type_name} ({struct.origin}){size_note(struct)}", struct.doc)
        return [*doc, f"struct {self.names.struct(type_name)} {{", *indent(members), "};", ""]

    def capacity_macro(self, expr: Expr, *owner: str) -> str | None:
        """The ``*_MAX`` macro naming a counted array's capacity (for struct fields and sections)."""
        return None if counted_capacity(expr) is None else self.names.macro(*owner, "MAX")

    def capacity_macros(self) -> Lines:
        lines = []
        for type_name in self.names.reachable_of("struct"):
            for fld in self.schema.struct(type_name).fields:
                lines += self._capacity_line(fld.type, type_name, fld.name)
        for section in self.names.sections_in_order():
            lines += self._capacity_line(section.type, "section", section.name)
        return lines

    def _capacity_line(self, expr: Expr, *owner: str) -> Lines:
        capacity = counted_capacity(expr)
        if capacity is None:
            return []
        return [f"#define {self.names.macro(*owner, 'MAX')} {capacity}u /* capacity of {'.'.join(owner)} */"]


def counted_capacity(expr: Expr) -> int | None:
    """The element capacity of a counted array's C member (at least 1); None for any other type."""
    return max(expr.max, 1) if expr.kind == "array" and expr.max is not None else None


def size_note(struct: ir.StructType) -> str:
    if struct.body_size is None:
        return ", variable-size body"
    return f", body {struct.body_size} bytes"


def doc_comment(title: str, doc: str = "") -> Lines:
    text = " ".join(doc.split())
    if not text:
        return [f"/* {title} */"]
    wrapped = wrap_words(text, 86)
    return [f"/* {title}", *[f" * {line}" for line in wrapped], " */"]


def wrap_words(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.replace("*/", "* /").split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def field_comment(fld: ir.StructField, struct: ir.StructType) -> Lines:
    notes = [describe(fld.type)]
    if fld.min is not None:
        notes.append(f"min {fld.min}")
    if fld.max is not None:
        notes.append(f"max {fld.max}")
    if fld.since is not None:
        notes.append(f"since {fld.since}")
    if fld.offset is not None:
        notes.append(f"body offset {fld.offset}")
    index = struct.fields.index(fld)
    if index >= struct.base_field_count:
        notes.append("appended")
    return [f"/* {fld.name}: {', '.join(notes)} */"]


def constants(names: CNames) -> Lines:
    """The macros of every reachable enum (its values) and flags type (its bits and mask)."""
    macros = _Constants(names)
    return [line for type_name in names.reachable for line in macros.visit(names.schema.types[type_name], type_name)]


class _Constants(Visitor[Lines]):
    """The header's macros of one named type (``visit_<kind>``): none for a struct."""

    def __init__(self, names: CNames) -> None:
        self.names = names

    def visit_struct(self, named: ir.StructType, type_name: str) -> Lines:
        return []

    def visit_enum(self, enum: ir.EnumType, type_name: str) -> Lines:
        kind = "open" if enum.open else "closed"
        lines = doc_comment(f"enum {type_name} ({kind}, {enum.base.name})", enum.doc)
        for member in enum.values:
            lines.append(f"#define {self.names.macro(type_name, member.name)} {c_int(member.value, enum.base.name)}")
        return [*lines, ""]

    def visit_flags(self, flags: ir.FlagsType, type_name: str) -> Lines:
        lines = doc_comment(f"flags {type_name} ({flags.base.name}); other bits must be 0", flags.doc)
        for bit in sorted(flags.bits, key=lambda flag: flag.bit):
            lines.append(f"#define {self.names.macro(type_name, bit.name)} ({c_int(1, flags.base.name)} << {bit.bit})")
        return [*lines, f"#define {self.names.macro(type_name, 'MASK')} UINT64_C(0x{flags.mask:x})", ""]


def state_struct(names: CNames, decls: Declarations) -> Lines:
    members: Lines = []
    for section in names.sections_in_order():
        members.append(f"/* {section_label(section)} ({'optional' if section.optional else 'required'}) */")
        if section.optional:
            members.append(f"bool {names.present(section)};")
        capacity = decls.capacity_macro(section.type, "section", section.name)
        members.append(decls.declare(section.type, names.section(section), capacity) + ";")
    for vendor in names.vendor_in_order():
        members.append(f"/* {section_label(vendor)} ({'optional' if vendor.optional else 'required'}) */")
        if vendor.optional:
            members.append(f"bool {names.present(vendor)};")
        expr: Expr = vendor.type if vendor.type is not None else ir.BytesType(max=vendor.max, fixed_size=None)
        members.append(decls.declare(expr, names.section(vendor)) + ";")
    members += ["/* unknown optional sections, in wire order; encode writes them back unchanged */",
                "uint32_t unknown_count;",
                f"struct devstate_unknown_section unknown[{names.macro('MAX_UNKNOWN')}];"]
    doc = [f"/* The state of {names.schema.ident}: one member per section (optional ones with a",
           " * has_ flag). Large: keep it off small stacks (sizeof tells). */"]
    return [*doc, f"struct {names.prefix} {{", *indent(members), "};", ""]
