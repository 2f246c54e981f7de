"""Rust identifiers and types of one schema's module: structs, enums, flags, fields, sections.

Names come from the schema (``main_state`` → ``MainState``, field ``type`` → ``r#type``)
and are unique within their namespace (``devstate.emit.NameTable``); a schema type that
would shadow something the module uses (``State``, the runtime's names) gets a suffix.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import TypeGuard

from devstate import ir
from devstate.emit import NameTable, constant_case, module_stem, pascal_case
from devstate.state import vendor_order
from devstate.visit import Visitor

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

RUNTIME_FUNCTIONS = frozenset(re.findall(
    r"^pub(?:\(crate\))? (?:const )?fn (\w+)",
    resources.files("devstate.emit.rust").joinpath("dsf1.rs").read_text(encoding="utf-8"), re.MULTILINE))
"""The runtime's free functions (a module imports them): no generated function may take their names."""

SECTION_ROLES = ("read", "value", "write")
"""The per-section functions: ``read_<stem>``, ``value_<stem>``, ``write_<stem>``."""

SCALARS = {"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool"}


def field_ident(name: str) -> str:
    """A schema field or section name as a Rust identifier (``type`` → ``r#type``)."""
    if name in NOT_RAW:
        return f"{name}_"
    return f"r#{name}" if name in KEYWORDS else name


def is_struct_ref(expr: Expr | None) -> TypeGuard[ir.NamedRef]:
    """Whether ``expr`` names a struct (the one reference whose value has a body of its own)."""
    return expr is not None and expr.is_struct


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
        self._borrows = _Borrows(self)
        self.section_stems = {id(s): self._section_stem(s) for s in every}

    def _section_stem(self, section: ir.Section | ir.VendorSection) -> str:
        stem = field_ident(self.members[id(section)]).removeprefix("r#")
        clashes = any(f"{role}_{stem}" in RUNTIME_FUNCTIONS for role in SECTION_ROLES)
        return f"{stem}_section" if clashes else stem

    def section_fn(self, role: str, section: ir.Section | ir.VendorSection) -> str:
        """``read_main``, ``value_main``, ``write_main``: a section's functions (a section ``envelope``
        reads with ``read_envelope_section``: the runtime has a ``read_envelope``)."""
        return f"{role}_{self.section_stems[id(section)]}"

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
        if self.named(name).kind != "struct":
            return False
        return any(self.expr_borrows(fld.type) for fld in self.schema.struct(name).fields)

    def expr_borrows(self, expr: Expr) -> bool:
        """Whether the Rust type of ``expr`` holds views of the input: bytes and strings do (``Cow``)."""
        return self._borrows.visit(expr)

    def type_name(self, name: str, lifetime: str = "'a") -> str:
        """``MainState<'a>`` or ``Mode``."""
        return f"{self.types[name]}<{lifetime}>" if self.borrows(name) else self.types[name]

    def rust_type(self, expr: Expr, lifetime: str = "'a") -> str:
        return _RustTypes(self, lifetime).visit(expr)

    def is_copy(self, expr: Expr) -> bool:
        """Whether the Rust type is ``Copy`` (scalars, enums, flags and fixed arrays of them)."""
        return _CopyTypes().visit(expr)

    def enum_variants(self, enum: ir.EnumType) -> dict[str, str]:
        table = NameTable({"Self"})
        return {m.name: table.claim(pascal_case(m.name)) for m in enum.values}

    def constants(self, named: ir.EnumType | ir.FlagsType) -> dict[str, str]:
        """Associated constants of an open enum or flags type: member name → ``CONSTANT``."""
        table = NameTable({"MASK", "Self"})
        return {m.name: table.claim(constant_case(m.name)) for m in named.members}


class _RustTypes(Visitor[str]):
    """The Rust type of a value of a type expression (``lifetime`` for the views it holds)."""

    def __init__(self, names: RustNames, lifetime: str) -> None:
        self.names = names
        self.lifetime = lifetime

    def visit_scalar(self, expr: ir.ScalarType) -> str:
        return expr.name

    def visit_ref(self, expr: ir.NamedRef) -> str:
        return self.names.type_name(expr.name, self.lifetime)

    def visit_bytes(self, expr: ir.BytesType) -> str:
        return f"Cow<{self.lifetime}, [u8]>"

    def visit_string(self, expr: ir.StringType) -> str:
        return f"Cow<{self.lifetime}, str>"

    def visit_array(self, expr: ir.ArrayType) -> str:
        element = self.visit(expr.element)
        return f"Vec<{element}>" if expr.max is not None else f"[{element}; {expr.length}]"


class _CopyTypes(Visitor[bool]):
    """Whether the Rust type of a type expression is ``Copy``."""

    def visit_array(self, expr: ir.ArrayType) -> bool:
        return expr.max is None and self.visit(expr.element)

    def _copy(self, expr: ir.ScalarType | ir.NamedRef) -> bool:
        return True

    def _not_copy(self, expr: ir.NamedRef | ir.BytesType | ir.StringType) -> bool:
        return False

    visit_scalar = visit_enum_ref = visit_flags_ref = _copy
    visit_struct_ref = visit_bytes = visit_string = _not_copy


class _Borrows(Visitor[bool]):
    """Whether the Rust type of a type expression holds views of the input (bytes and strings, as ``Cow``)."""

    def __init__(self, names: RustNames) -> None:
        self.names = names

    def visit_struct_ref(self, expr: ir.NamedRef) -> bool:
        return self.names.borrows(expr.name)

    def visit_array(self, expr: ir.ArrayType) -> bool:
        return self.visit(expr.element)

    def _owned(self, expr: ir.ScalarType | ir.NamedRef) -> bool:
        return False

    def _borrowed(self, expr: ir.BytesType | ir.StringType) -> bool:
        return True

    visit_scalar = visit_enum_ref = visit_flags_ref = _owned
    visit_bytes = visit_string = _borrowed
