"""A starting state for a model: every field at its default, ready to edit and encode.

``template_text`` prints the state as ``decode --json`` would for a device at its
defaults; with ``comments`` each field gets a ``//`` line above it (type, range, unit,
valid names, the schema's first line of documentation) and ``encode`` still reads it.
Optional sections are left out unless asked for (an absent optional section is valid).
"""

from __future__ import annotations

import json
from typing import Any

from devstate import ir
from devstate.state import State, default_state, state_to_json, type_default, vendor_order
from devstate.visit import Visitor

_INDENT = "  "
_LINE = 100
"""Lists of scalars are written on one line when they fit."""
_COMMENT = 110
"""A field's comment is cut to about this many characters (the documentation part first)."""


def template_state(schema: ir.Schema, optional: bool = False) -> State:
    """The default state of ``schema``; with ``optional`` the optional sections too."""
    state = default_state(schema)
    if optional:
        state["sections"] = {s.name: state["sections"].get(s.name, type_default(schema, s.type))
                             for s in sorted(schema.sections, key=lambda s: s.id)}
        state["vendor_sections"] = {
            v.name: state["vendor_sections"].get(v.name, b"" if v.type is None else type_default(schema, v.type))
            for v in sorted(schema.vendor_sections, key=vendor_order)}
    return state


def template_text(schema: ir.Schema, comments: bool = False, optional: bool = False) -> str:
    """The template as JSON text (JSON with ``//`` comments when ``comments``), ending in a newline."""
    state = state_to_json(template_state(schema, optional))
    if not comments:
        return json.dumps(state, indent=2) + "\n"
    writer = _Writer(schema)
    writer.line(0, "{")
    writer.line(1, f"// {schema.ident}: {schema.title}. Absent fields take their defaults when encoded.")
    writer.line(1, f'"model": {json.dumps(state["model"])},')
    writer.line(1, f'"version": {json.dumps(state["version"])},')
    sections = {s.name: s for s in schema.sections}
    writer.line(1, '"sections": {')
    writer.members(2, [(name, value, sections[name].type, _section_note(sections[name]))
                       for name, value in state["sections"].items()])
    writer.line(1, "},")
    vendor = {v.name: v for v in schema.vendor_sections}
    entries = [(name, value, vendor[name].type, _vendor_note(vendor[name])) for name, value in
               state["vendor_sections"].items()]
    if entries:
        writer.line(1, '"vendor_sections": {')
        writer.members(2, entries)
        writer.line(1, "},")
    else:
        writer.line(1, '"vendor_sections": {},')
    writer.line(1, '"unknown_sections": []')
    writer.line(0, "}")
    return "\n".join(writer.lines) + "\n"


def _first_line(doc: str, width: int = 90) -> str:
    line = doc.strip().split("\n", 1)[0].strip()
    return line if len(line) <= width else line[:width - 1] + "…"


def _section_note(section: ir.Section) -> str:
    kind = "optional section" if section.optional else "section"
    return " — ".join(filter(None, [f"{kind} {section.id}: {ir.type_label(section.type)}", _first_line(section.doc)]))


def _vendor_note(section: ir.VendorSection) -> str:
    payload = "opaque bytes as hex" if section.type is None else ir.type_label(section.type)
    kind = "optional vendor section" if section.optional else "vendor section"
    return " — ".join(filter(None, [f"{kind} {section.vendor} #{section.id}: {payload}", _first_line(section.doc)]))


class _Writer(Visitor[None]):
    """The commented template's lines; ``visit_<kind>(expr, depth, key, value, comma)`` writes one
    member (``key`` is ``"name": `` or empty for an array element) of type ``expr``."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.lines: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.lines.append(_INDENT * depth + text)

    def members(self, depth: int, entries: list[tuple[str, Any, ir.TypeExpr | None, str]]) -> None:
        for index, (name, value, expr, note) in enumerate(entries):
            comma = "," if index < len(entries) - 1 else ""
            if note:
                self.line(depth, f"// {note}")
            key = f"{json.dumps(name)}: "
            if expr is None:  # an opaque vendor section: hex text
                self.plain(None, depth, key, value, comma)
            else:
                self.visit(expr, depth, key, value, comma)

    def visit_struct_ref(self, expr: ir.NamedRef, depth: int, key: str, value: Any, comma: str) -> None:
        if not isinstance(value, dict):
            self.plain(expr, depth, key, value, comma)
            return
        struct = self.schema.struct(expr.name)
        self.line(depth, key + "{")
        self.members(depth + 1, [(f.name, value[f.name], f.type, self._field_note(f)) for f in struct.fields])
        self.line(depth, "}" + comma)

    def visit_array(self, expr: ir.ArrayType, depth: int, key: str, value: Any, comma: str) -> None:
        if not value or not expr.element.is_struct:
            self.plain(expr, depth, key, value, comma)
            return
        self.line(depth, key + "[")
        for index, item in enumerate(value):
            self.visit(expr.element, depth + 1, "", item, "," if index < len(value) - 1 else "")
        self.line(depth, "]" + comma)

    def plain(self, expr: ir.TypeExpr | None, depth: int, key: str, value: Any, comma: str) -> None:
        """A value on one line; a list too long for one in rows of 16 items."""
        text = json.dumps(value)
        if isinstance(value, list) and len(_INDENT * depth + key + text) > _LINE:
            self.line(depth, key + "[")
            for start in range(0, len(value), 16):
                chunk = ", ".join(json.dumps(item) for item in value[start:start + 16])
                self.line(depth + 1, chunk + ("," if start + 16 < len(value) else ""))
            self.line(depth, "]" + comma)
            return
        self.line(depth, key + text + comma)

    visit_scalar = visit_ref = visit_bytes = visit_string = plain

    def _field_note(self, fld: ir.StructField) -> str:
        parts = [ir.type_label(fld.type)]
        inner = fld.type.innermost
        if isinstance(inner, ir.NamedRef) and not inner.is_struct:
            parts.append(_MemberNote().visit(self.schema.resolve(inner)))
        if fld.min is not None or fld.max is not None:
            parts.append(f"range {'' if fld.min is None else fld.min}..{'' if fld.max is None else fld.max}")
        if fld.unit:
            parts.append(f"unit {fld.unit}")
        head = ", ".join(parts)
        doc = _first_line(fld.doc, max(40, _COMMENT - len(head)))
        return head + (f" — {doc}" if doc else "")


class _MemberNote(Visitor[str]):
    """The members an enum or flags field may hold, for its comment."""

    def visit_enum(self, named: ir.EnumType) -> str:
        return ("open enum" if named.open else "one of") + " " + ", ".join(v.name for v in named.values)

    def visit_flags(self, named: ir.FlagsType) -> str:
        return "bits " + ", ".join(b.name for b in sorted(named.bits, key=lambda b: b.bit))
