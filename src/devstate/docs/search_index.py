"""Search entries of the reference pages: one per field, landing on the field's row.

The search plugin indexes a page by its headings, so a field table becomes one flattened
text ("29 2 The free-running…") and a hit lands on the section heading. After the build,
``rewrite_search_index`` replaces the text of each field table's section by the section's
own description and adds one entry per field: its path as the title, its location the
field's row (``models/<model>/<version>/#registers.csts``), its text a readable sentence.
A named type's text becomes its description and its members in one line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape as _escape
from typing import Any

from devstate import ir
from devstate.docs.markdown import slug
from devstate.docs.model_page import (
    TypeExpr,
    bounds_text,
    field_anchor,
    offset_text,
    own_types,
    reachable_fields,
    section_size,
    size_text,
)
from devstate.visit import Visitor

SearchDoc = dict[str, str]


def escape(text: str) -> str:
    """Text for the index, which holds HTML (quotes need no escaping there)."""
    return _escape(text, quote=False)


def page_location(schema: ir.Schema) -> str:
    """The search location of a version page (mkdocs' directory URLs)."""
    return f"models/{schema.model}/{schema.version}/"


def rewrite_search_index(index: dict[str, Any], schemas: Sequence[ir.Schema]) -> dict[str, Any]:
    """``index`` (search_index.json) with readable section texts and one entry per field."""
    replaced: dict[str, SearchDoc] = {}
    added: dict[str, list[SearchDoc]] = {}
    for schema in schemas:
        for location, text, fields in _field_tables(schema):
            replaced[location] = {"text": text}
            added[location] = fields
        for name, named in schema.types.items():
            replaced[f"{page_location(schema)}#{slug('type', name)}"] = {"text": type_sentence(named)}
    docs: list[SearchDoc] = []
    for doc in index["docs"]:
        location = doc["location"]
        docs.append({**doc, **replaced.get(location, {})})
        docs += added.get(location, [])
    return {**index, "docs": docs}


def _field_tables(schema: ir.Schema) -> Iterator[tuple[str, str, list[SearchDoc]]]:
    """(location of the table's heading, its new text, the field entries) per field table."""
    page = page_location(schema)
    for section in schema.sections:
        size = section_size(schema, section.type)
        facts = f"{ir.type_label(section.type)}, " + (f"{size} bytes" if size is not None else "variable size")
        text = f"{escape(section.doc.strip())} ({facts})".strip()
        fields = list(field_docs(schema, page, section.name, section.type))
        yield f"{page}#{slug('section', section.name)}", text, fields
    if schema.is_library:
        for name, named in own_types(schema):
            if isinstance(named, ir.StructType):
                ref = ir.NamedRef(name=name, target_kind="struct", fixed_size=None)
                fields = list(field_docs(schema, page, name, ref))
                yield f"{page}#{slug('fields', name)}", escape(named.doc.strip()), fields


def type_sentence(named: ir.StructType | ir.EnumType | ir.FlagsType) -> str:
    """A named type's search text: its description, then its members in one line."""
    members = _MemberLines().visit(named)
    doc = named.doc.strip()
    return escape(f"{doc} — {members}" if doc else members)


class _MemberLines(Visitor[str]):
    """A named type's kind, size or base, and its members, in one line."""

    def visit_struct(self, named: ir.StructType) -> str:
        size = f"{named.body_size} bytes" if named.body_size is not None else "variable size"
        return f"struct, {size}: " + ", ".join(f.name for f in named.fields)

    def visit_enum(self, named: ir.EnumType) -> str:
        return f"enum ({named.base.name}): " + ", ".join(f"{v.name} = {v.value}" for v in named.values)

    def visit_flags(self, named: ir.FlagsType) -> str:
        return f"flags ({named.base.name}): " + ", ".join(f"{b.name} (bit {b.bit})" for b in named.bits)


def field_docs(schema: ir.Schema, page: str, path: str, expr: TypeExpr) -> Iterator[SearchDoc]:
    """One search entry per field reachable from ``expr`` (the walk of the field tables)."""
    for member_path, member, _ in reachable_fields(schema, path, expr):
        yield {
            "location": f"{page}#{field_anchor(member_path)}",
            "title": f"<code>{escape(member_path)}</code>",
            "text": field_sentence(member),
        }


def field_sentence(member: ir.StructField) -> str:
    """``The controller status. — u32 at offset 28, 4 bytes, since 1.0`` (HTML-escaped)."""
    facts = [ir.type_label(member.type)]
    if member.offset is not None:
        facts[0] += f" at offset {offset_text(member.offset)}"
    if member.type.fixed_size is not None:
        facts.append(f"{size_text(member.type.fixed_size)} bytes")
    bounds = bounds_text(member.min, member.max)
    if bounds:
        facts.append(f"range {bounds}" + (f" {member.unit}" if member.unit else ""))
    elif member.unit:
        facts.append(f"in {member.unit}")
    if member.since is not None:
        facts.append(f"since {member.since}")
    doc = member.doc.strip()
    return escape(f"{doc} — {', '.join(facts)}" if doc else ", ".join(facts))
