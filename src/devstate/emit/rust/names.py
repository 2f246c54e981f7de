"""Rust identifiers and types of one schema's module: structs, enums, flags, fields, sections.

Names come from the schema (``main_state`` → ``MainState``, field ``type`` → ``r#type``)
and are unique within their namespace (``devstate.emit.NameTable``); a schema type that
would shadow something the module uses (``State``, the runtime's names) gets a suffix.
"""

from __future__ import annotations

import functools
import re

from devstate import ir
from devstate.emit import NameTable, constant_case, module_stem, pascal_case
from devstate.state import vendor_order

Expr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType

KEYWORDS = frozenset({
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "gen"
})
NOT_RAW = frozenset({"self", "super", "crate"})
"""Keywords that cannot be raw identifiers: they get a trailing ``_``."""

RESERVED_TYPES = frozenset({
    "State", "Cow", "Vec", "String", "Option", "Result", "Some", "None", "Ok", "Err", "Default", "Codec", "Limits",
    "DecodeError", "EncodeError", "ErrorCode", "Fail", "Ctx", "Frame", "Writer", "KnownSection", "UnknownSection",
    "Vendor", "Json", "Self"})
"""Type names a schema type must not take (the module uses them)."""

SCALARS = {"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool"}


def field_ident(name: str) -> str:
    """A schema field or section name as a Rust identifier (``type`` → ``r#type``)."""
    if name in NOT_RAW:
        return f"{name}_"
    return f"r#{name}" if name in KEYWORDS else name


def is_struct_ref(expr: Expr | None) -> bool:
    return isinstance(expr, ir.NamedRef) and expr.target_kind == "struct"


class RustNames:
    """Every name and type the module of ``schema`` uses."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.module = module_stem(schema.model, schema.version)
        self.reachable = list(schema.reachable_types)
        table = NameTable(RESERVED_TYPES)
        self.types = {name: table.claim(pascal_case(name)) for name in self.reachable}
        stems = NameTable()
        self.stems = {name: stems.claim(re.sub(r"[^a-z0-9]+", "_", name.lower())) for name in self.reachable}
        self.sections = sorted(schema.sections, key=lambda s: s.id)
        self.vendor = sorted(schema.vendor_sections, key=vendor_order)
        members = NameTable({"unknown_sections"})
        every: list[ir.Section | ir.VendorSection] = [*self.sections, *self.vendor]
        self.members = {id(s): members.claim(s.name) for s in every}

    def fn(self, role: str, type_name: str) -> str:
        """``dec_main_state``: the function doing ``role`` for a named type."""
        return f"{role}_{self.stems[type_name]}"

    def section(self, section: ir.Section | ir.VendorSection) -> str:
        return field_ident(self.members[id(section)])

    def all_sections(self) -> list[ir.Section | ir.VendorSection]:
        return [*self.sections, *self.vendor]

    def required(self) -> list[ir.Section | ir.VendorSection]:
        return [s for s in self.all_sections() if not s.optional]

    # types

    def named(self, name: str) -> ir.StructType | ir.EnumType | ir.FlagsType:
        return self.schema.types[name]

    @functools.cache  # noqa: B019 - one RustNames per emitted module
    def borrows(self, name: str) -> bool:
        """Whether the Rust type of a named type holds views of the input (needs ``'a``)."""
        named = self.named(name)
        return isinstance(named, ir.StructType) and any(self.expr_borrows(f.type) for f in named.fields)

    def expr_borrows(self, expr: Expr) -> bool:
        if isinstance(expr, ir.BytesType | ir.StringType):
            return True
        if isinstance(expr, ir.ArrayType):
            return self.expr_borrows(expr.element)
        if isinstance(expr, ir.NamedRef):
            return self.borrows(expr.name)
        return False

    def type_name(self, name: str, lifetime: str = "'a") -> str:
        """``MainState<'a>`` or ``Mode``."""
        return f"{self.types[name]}<{lifetime}>" if self.borrows(name) else self.types[name]

    def rust_type(self, expr: Expr, lifetime: str = "'a") -> str:
        if isinstance(expr, ir.ScalarType):
            return expr.name
        if isinstance(expr, ir.NamedRef):
            return self.type_name(expr.name, lifetime)
        if isinstance(expr, ir.BytesType):
            return f"Cow<{lifetime}, [u8]>"
        if isinstance(expr, ir.StringType):
            return f"Cow<{lifetime}, str>"
        element = self.rust_type(expr.element, lifetime)
        return f"Vec<{element}>" if expr.max is not None else f"[{element}; {expr.length}]"

    def is_copy(self, expr: Expr) -> bool:
        """Whether the Rust type is ``Copy`` (scalars, enums, flags and fixed arrays of them)."""
        if isinstance(expr, ir.ScalarType):
            return True
        if isinstance(expr, ir.NamedRef):
            return expr.target_kind != "struct"
        if isinstance(expr, ir.ArrayType):
            return expr.max is None and self.is_copy(expr.element)
        return False

    def enum_variants(self, enum: ir.EnumType) -> dict[str, str]:
        table = NameTable({"Self"})
        return {m.name: table.claim(pascal_case(m.name)) for m in enum.values}

    def constants(self, named: ir.EnumType | ir.FlagsType) -> dict[str, str]:
        """Associated constants of an open enum or flags type: member name → ``CONSTANT``."""
        table = NameTable({"MASK", "Self"})
        members = named.values if isinstance(named, ir.EnumType) else named.bits
        return {m.name: table.claim(constant_case(m.name)) for m in members}
