"""Typed classes: ``IntEnum``/``IntFlag`` per enum and flags type, a slotted dataclass per
struct, ``VendorSections`` and ``State``, plus the lookup tables the codec functions use.

Every dataclass field has the schema's default (``devstate.state.field_default``), so
``Struct()`` is the value a newer reader fills in for an absent appended field and
``State()`` is ``devstate.state.default_state`` in typed form.
"""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from devstate import ir
from devstate.emit.python.code import Code
from devstate.emit.python.facts import Facts
from devstate.state import field_default, type_default, vendor_order
from devstate.visit import Visitor

DOC_WIDTH = 100


def docstring(code: Code, text: str, fallback: str = "") -> None:
    """A (wrapped) docstring from schema doc text; nothing when both are empty."""
    text = " ".join((text or fallback).split()).replace("\\", "\\\\").replace('"""', "'''")
    if not text:
        return
    width = DOC_WIDTH - 4 * code.level
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    if len(lines) == 1 and len(lines[0]) + 6 <= width:
        code(f'"""{lines[0]}"""')
        return
    code(f'"""{lines[0]}', *lines[1:], '"""')


def first_sentence(text: str) -> str:
    """The first sentence of a doc (attribute docstrings stay short)."""
    flat = " ".join(text.split())
    head, dot, _ = flat.partition(". ")
    return head + ("." if dot else "")


class ClassEmitter(Visitor[None]):
    """Emits the class part of a generated module: ``visit_<kind>`` emits the class (and tables)
    of one named type, given its ``Schema.types`` key."""

    def __init__(self, facts: Facts, code: Code) -> None:
        self.facts = facts
        self.schema = facts.schema
        self.code = code
        self.literals = _Literals(facts)

    def emit(self) -> None:
        """Enums and flags by name, then structs after the structs their fields use."""
        types = self.schema.types
        for name in [*sorted(n for n, t in types.items() if t.kind != "struct"), *self.struct_order()]:
            self.visit(types[name], name)
        self.vendor_sections()
        self.state()

    def struct_order(self) -> list[str]:
        """Struct names with every struct after the structs its fields use."""
        done: list[str] = []

        def visit(name: str) -> None:
            if name in done:
                return
            for field in self.schema.struct(name).fields:
                for ref in self.refs(field.type):
                    visit(ref)
            done.append(name)

        for name, kind in sorted(self.schema.types.items()):
            if kind.kind == "struct":
                visit(name)
        return done

    def refs(self, expr: ir.TypeExpr) -> list[str]:
        """The struct a value of ``expr`` holds (below every array level), if any."""
        inner = expr.innermost
        return [inner.name] if isinstance(inner, ir.NamedRef) and inner.is_struct else []

    # --- enums and flags ----------------------------------------------------------------

    def visit_enum(self, enum: ir.EnumType, name: str) -> None:
        code, cls, table = self.code, self.facts.classes[name], functools.partial(self.facts.table, name)
        code.blank(2)
        with code.block(f"class {cls}(IntEnum):"):
            docstring(code, enum.doc, f"Enum {name} ({enum.base.name}, {'open' if enum.open else 'closed'}).")
            code.blank()
            for value in enum.values:
                code(f"{self.facts.member(value.name)} = {value.value}")
        members = [(v.value, f"{cls}.{self.facts.member(v.name)}", v.name) for v in enum.values]
        code.blank(2)
        dict_display(code, f"{table('by_value')}: dict[int, {cls}]", [(str(v), m) for v, m, _ in members])
        code(f"{table('values')} = frozenset({{{', '.join(str(v) for v, _, _ in members)}}})")
        dict_display(code, f"{table('names')}: dict[int, str]", [(str(v), repr(n)) for v, _, n in members])
        dict_display(code, f"{table('by_name')}: dict[str, {cls}]", [(repr(n), m) for _, m, n in members])

    def visit_flags(self, flags: ir.FlagsType, name: str) -> None:
        code, cls, table = self.code, self.facts.classes[name], functools.partial(self.facts.table, name)
        code.blank(2)
        with code.block(f"class {cls}(IntFlag):"):
            docstring(code, flags.doc, f"Flags {name} ({flags.base.name}); undeclared bits must be zero.")
            code.blank()
            for bit in sorted(flags.bits, key=lambda b: b.bit):
                code(f"{self.facts.member(bit.name)} = 1 << {bit.bit}")
        width = flags.base.size * 8
        code.blank(2)
        code(f"{table('cache')}: dict[int, {cls}] = {{}}")
        code(f"{table('undeclared')} = {((1 << width) - 1) & ~flags.mask:#x}")
        ordered = sorted(flags.bits, key=lambda b: b.bit)
        tuple_display(code, table("bits"), [f"({b.name!r}, {b.bit})" for b in ordered])
        dict_display(code, f"{table('bit_by_name')}: dict[str, int]", [(repr(b.name), str(b.bit)) for b in ordered])

    # --- structs ------------------------------------------------------------------------

    def visit_struct(self, struct: ir.StructType, name: str) -> None:
        code, cls, attrs = self.code, self.facts.classes[name], self.facts.attrs(name)
        code.blank(2)
        code("@dataclass(slots=True)")
        with code.block(f"class {cls}:"):
            docstring(code, struct.doc, f"Struct {struct.name}.")
            spaced = any(_field_doc(f) for f in struct.fields)
            if struct.fields and not spaced:
                code.blank()
            for field in struct.fields:
                if spaced:
                    code.blank()
                value = field_default(self.schema, field)
                code(self.field_line(attrs[field.name], self.facts.annotation(field.type), field.type, value))
                docstring(code, _field_doc(field))
            if not struct.fields:
                code("pass")

    def field_line(self, attr: str, annotation: str, expr: ir.TypeExpr, value: Any) -> str:
        literal, mutable = self.literal(expr, value)
        if not mutable:
            return f"{attr}: {annotation} = {literal}"
        if literal.endswith("()") and literal[:-2].isidentifier():
            return f"{attr}: {annotation} = field(default_factory={literal[:-2]})"
        return f"{attr}: {annotation} = field(default_factory=lambda: {literal})"

    def literal(self, expr: ir.TypeExpr, value: Any) -> tuple[str, bool]:
        """A Python expression for a state-form value in typed form, and whether it is mutable."""
        return self.literals.visit(expr, value)

    # --- sections -----------------------------------------------------------------------

    def vendor_sections(self) -> None:
        code = self.code
        code.blank(2)
        code("@dataclass(slots=True)")
        with code.block("class VendorSections:"):
            docstring(code, "The vendor sections this schema knows; None means absent.")
            for section in sorted(self.schema.vendor_sections, key=vendor_order):
                code.blank()
                attr = self.facts.vendor_attrs[section.name]
                if section.type is None:
                    annotation = "bytes" if (section.max or 0) < 64 * 1024 else "Buffer"
                    literal, mutable = 'b""', False
                else:
                    annotation = self.facts.annotation(section.type)
                    literal, mutable = self.literal(section.type, type_default(self.schema, section.type))
                code(self.section_line(attr, annotation, section.optional, literal, mutable))
                docstring(code, f"{section.vendor} id {section.id}: " + first_sentence(section.doc))

    def state(self) -> None:
        code, schema = self.code, self.schema
        code.blank(2)
        code("@dataclass(slots=True)")
        with code.block("class State:"):
            docstring(code, f"A whole {schema.ident} state: one attribute per section (None: an absent optional "
                            "section), the known vendor sections and the unknown optional sections kept "
                            "from decoding. State() is every required section at its defaults.")
            for section in sorted(schema.sections, key=lambda s: s.id):
                code.blank()
                attr = self.facts.section_attrs[section.name]
                literal, mutable = self.literal(section.type, type_default(schema, section.type))
                code(self.section_line(attr, self.facts.annotation(section.type), section.optional, literal, mutable))
                docstring(code, f"Section {section.id}. " + first_sentence(section.doc))
            code.blank()
            code("vendor_sections: VendorSections = field(default_factory=VendorSections)")
            code("unknown_sections: list[UnknownSection] = field(default_factory=list)")

    def section_line(self, attr: str, annotation: str, optional: bool, literal: str, mutable: bool) -> str:
        if optional:
            return f"{attr}: {annotation} | None = None"
        if not mutable:
            return f"{attr}: {annotation} = {literal}"
        if literal.endswith("()") and literal[:-2].isidentifier():
            return f"{attr}: {annotation} = field(default_factory={literal[:-2]})"
        return f"{attr}: {annotation} = field(default_factory=lambda: {literal})"


class _Literals(Visitor[tuple[str, bool]]):
    """``ClassEmitter.literal``."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def visit_array(self, expr: ir.ArrayType, value: Any) -> tuple[str, bool]:
        items = [self.visit(expr.element, item)[0] for item in value]
        if items and all(item == items[0] for item in items) and len(items) > 2:
            if self.visit(expr.element, value[0])[1]:
                return f"[{items[0]} for _ in range({len(items)})]", True
            return f"[{items[0]}] * {len(items)}", True
        return (f"[{', '.join(items)}]" if items else "list()"), True

    def visit_bytes(self, expr: ir.BytesType, value: Any) -> tuple[str, bool]:
        data = bytes(value)
        return (f"bytes({len(data)})" if data and not any(data) else repr(data)), False

    def visit_struct_ref(self, expr: ir.NamedRef, value: Any) -> tuple[str, bool]:
        return f"{self.facts.classes[expr.name]}()", True

    def visit_flags_ref(self, expr: ir.NamedRef, value: Any) -> tuple[str, bool]:
        cls = self.facts.classes[expr.name]
        if not value:
            return f"{cls}(0)", True  # a call: built by default_factory (ruff RUF009)
        return " | ".join(f"{cls}.{self.facts.member(n)}" for n in value), False

    def visit_enum_ref(self, expr: ir.NamedRef, value: Any) -> tuple[str, bool]:
        if isinstance(value, str):
            return f"{self.facts.classes[expr.name]}.{self.facts.member(value)}", False
        return repr(value), False

    def _repr(self, expr: ir.ScalarType | ir.StringType, value: Any) -> tuple[str, bool]:
        return repr(value), False

    visit_scalar = visit_string = _repr


def _field_doc(field: ir.StructField) -> str:
    text = first_sentence(field.doc)
    if field.since is not None:
        text = f"{text} (since {field.since})".strip()
    return text


def dict_display(code: Code, target: str, items: list[tuple[str, str]], limit: int = 110) -> None:
    """``target = {k: v, ...}`` on one line when it fits, else one item per line."""
    one = f"{target} = {{{', '.join(f'{k}: {v}' for k, v in items)}}}"
    if len(one) + 4 * code.level <= limit:
        code(one)
        return
    with code.block(f"{target} = {{"):
        for key, value in items:
            code(f"{key}: {value},")
    code("}")


def tuple_display(code: Code, target: str, items: list[str], limit: int = 110) -> None:
    inner = ", ".join(items) + ("," if len(items) == 1 else "")
    one = f"{target} = ({inner})"
    if len(one) + 4 * code.level <= limit:
        code(one)
        return
    with code.block(f"{target} = ("):
        for item in items:
            code(f"{item},")
    code(")")
