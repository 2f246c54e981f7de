"""The reference page of one schema version: IR in, Markdown out (a pure function).

The page has a summary, the sections table, a field table per section (every field
path with its type, offset, size, range, since and doc), the named types, the
migration parameters and the vendor sections. Anchors are explicit and stable:
``#sections``, ``#section-<name>``, ``#type-<name>``, ``#param-<name>``,
``#vendor-<name>``, every field row by its path (``#registers.csts``,
``#queues[].size``) and every struct member by ``#type-<struct>.<member>``, so other
pages and tools can link into it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from devstate import ir
from devstate.docs.markdown import cell, code, heading, join_blocks, paragraphs, slug, table
from devstate.visit import Visitor

MAX_DEPTH = 16
"""Nesting depth at which the field walk stops (schemas are far shallower)."""

TypeExpr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType


@dataclass(frozen=True)
class PageLinks:
    """What else is on the site, so the page links only to pages that exist."""

    versions: tuple[ir.Version, ...] = ()
    """Every version of this model that has a page (siblings of this page)."""
    pages: frozenset[str] = field(default_factory=frozenset)
    """``model@version`` of every schema page on the site (for imports)."""
    downloads: bool = True
    """Whether the YAML source and IR JSON sit next to the page."""
    spec: str = "../../"
    """The site root relative to the page, for links into the specification pages."""
    figures: bool = True
    """Whether each struct's byte-layout figure sits next to the page (``figure_path``)."""


def render_version_page(schema: ir.Schema, links: PageLinks | None = None) -> str:
    """The Markdown reference page of ``schema``."""
    links = links or PageLinks()
    return join_blocks(
        [
            heading(1, f"{schema.model} {schema.version}", "top"),
            f"**{cell(schema.title)}**\n",
            _summary(schema, links),
            paragraphs(schema.doc),
            _sections(schema),
            _fields(schema),
            _types(schema, links),
            _params(schema, links),
            _vendor_sections(schema, links),
        ]
    )


# --- summary ----------------------------------------------------------------------------


def _summary(schema: ir.Schema, links: PageLinks) -> str:
    items = [
        f"- **Model:** {code(schema.model)}",
        f"- **Version:** {schema.version}{_other_versions(schema, links)}",
        f"- **Schema language:** devstate {schema.devstate}",
        f"- **SHA-256 of the source:** {code(schema.sha256)}",
    ]
    if links.downloads:
        stem = str(schema.version)
        items.append(f"- **Download:** [YAML source]({stem}.yaml) · [IR as JSON]({stem}.json)")
    items += [f"- **Imports:** {_import_link(imp, links)}" for imp in schema.imports]
    added = schema.added_in(schema.version) if schema.version.minor else []
    if added:
        items.append(f"- **Added in {schema.version}:** " + ", ".join(code(a) for a in added))
    return "\n".join(items) + "\n"


def _other_versions(schema: ir.Schema, links: PageLinks) -> str:
    others = [v for v in links.versions if v != schema.version]
    if not others:
        return ""
    return " (other versions: " + ", ".join(f"[{v}]({v}.md)" for v in others) + ")"


def _import_link(imp: ir.Import, links: PageLinks) -> str:
    label = f"{imp.model} {imp.version}"
    if f"{imp.model}@{imp.version}" in links.pages:
        label = f"[{label}](../{imp.model}/{imp.version}.md)"
    return f"{label} as {code(imp.alias)}"


# --- sections ---------------------------------------------------------------------------


def _sections(schema: ir.Schema) -> str:
    if not schema.sections:
        return join_blocks(
            [
                heading(2, "Sections", "sections"),
                "This schema has no sections: it is a library of types that device models import.\n",
            ]
        )
    rows = [
        [
            str(s.id),
            f"[{code(s.name)}](#{slug('section', s.name)})",
            type_link(s.type),
            size_text(section_size(schema, s.type)),
            "yes" if s.optional else "no",
            since_text(s.since),
            cell(s.doc),
        ]
        for s in schema.sections
    ]
    headers = ["ID", "Name", "Type", "Size", "Optional", "Since", "Description"]
    return join_blocks([heading(2, "Sections", "sections"), table(headers, rows)])


# --- fields -----------------------------------------------------------------------------

FIELD_HEADERS = ["Path", "Type", "Offset", "Size", "Range", "Since", "Description"]
UNIT_COLUMN = 5
"""Where the *Unit* column goes (before *Since*) in a table that has a field with a unit."""


def _fields(schema: ir.Schema) -> str:
    intro = (
        "Every field by path; each row is a link target (`#registers.csts`, `#queues[].size`). "
        "*Offset* is the byte offset inside the enclosing struct's body "
        "(— after a variable-size field); *size* is the encoded size in that position, a "
        "struct's including its u32 size prefix. *Since* is the version that appended the "
        "field, of the model that declares its struct (`common 1.1`: an imported type).\n"
    )
    blocks = [heading(2, "Fields", "fields"), intro]
    for section in schema.sections:
        blocks.append(heading(3, f"Section {code(section.name)}", slug("section", section.name)))
        blocks.append(_section_facts(schema, section))
        blocks.append(field_table(list(field_rows(schema, section.name, section.type, schema.model))))
    if schema.is_library:
        blocks += _library_fields(schema)
    return join_blocks(blocks)


def _section_facts(schema: ir.Schema, section: ir.Section) -> str:
    size = section_size(schema, section.type)
    facts = f"Type {type_link(section.type)}, " + (f"{size} bytes" if size is not None else "variable size")
    capacity = range_text(section.type, None)
    facts += f" ({capacity})" if capacity else ""
    return join_blocks([paragraphs(section.doc), facts + ".\n"])


def _library_fields(schema: ir.Schema) -> list[str]:
    blocks = []
    for name, named in own_types(schema):
        if isinstance(named, ir.StructType):
            ref = ir.NamedRef(name=name, target_kind="struct", fixed_size=None)
            blocks.append(heading(3, f"Struct {code(name)}", slug("fields", name)))
            blocks.append(field_table(list(field_rows(schema, name, ref, schema.model))))
    return blocks


@dataclass(frozen=True)
class FieldRow:
    """One row of a field table: the cells, and the field's unit (its own column)."""

    path: str
    cells: list[str]
    unit: str = ""

    def __getitem__(self, index: int) -> str:
        return self.cells[index]


def field_table(rows: list[FieldRow]) -> str:
    """The field table; it has a *Unit* column only when one of its fields has a unit."""
    if not rows:
        return ""
    if not any(row.unit for row in rows):
        return table(FIELD_HEADERS, [row.cells for row in rows])
    headers = [*FIELD_HEADERS[:UNIT_COLUMN], "Unit", *FIELD_HEADERS[UNIT_COLUMN:]]
    return table(headers, [[*r.cells[:UNIT_COLUMN], cell(r.unit), *r.cells[UNIT_COLUMN:]] for r in rows])


def field_anchor(path: str) -> str:
    """The id of a field's row: its path (``registers.csts``, ``queues[].last_avail_idx``)."""
    return path


def type_field_anchor(struct: str, member: str) -> str:
    """The id of a member's row in its struct's table (``type-virtio-virtqueue.size``)."""
    return f"{slug('type', struct)}.{member}"


def member_link(schema: ir.Schema, kind: str, name: str) -> str | None:
    """A link from a page beside the version pages (``models/<model>/changelog.md``) to a
    ``section``, ``vendor section``, ``param``, ``type`` or ``field`` (``struct.field``) on
    ``schema``'s page; None when the page has no such row."""
    page = f"{schema.version}.md#"
    found = {
        "section": {s.name for s in schema.sections},
        "vendor section": {v.name for v in schema.vendor_sections},
        "param": {p.name for p in schema.params},
        "type": set(schema.types),
    }
    prefix = {"section": "section", "vendor section": "vendor", "param": "param", "type": "type"}
    if kind in found:
        return page + slug(prefix[kind], name) if name in found[kind] else None
    struct, _, member = name.rpartition(".")
    named = schema.types.get(struct)
    anchor = None if named is None else _MemberAnchors().visit(named, struct, member)
    return None if anchor is None else page + anchor


class _MemberAnchors(Visitor[str | None]):
    """``member_link``'s anchor of ``member`` of named type ``name``: a struct's field row, an
    enum's or flags' type section (its members are rows of one table there)."""

    def visit_struct(self, struct: ir.StructType, name: str, member: str) -> str | None:
        return type_field_anchor(name, member) if any(f.name == member for f in struct.fields) else None

    def _type(self, named: ir.EnumType | ir.FlagsType, name: str, member: str) -> str:
        return slug("type", name)

    visit_enum = visit_flags = _type


def anchored_path(path: str, anchor: str | None = None) -> str:
    """The path cell: the row's anchor, and a link to it (to copy or share)."""
    anchor = anchor or field_anchor(path)
    return f'<a class="field-anchor" id="{anchor}" href="#{anchor}" title="Link to this field">{code(path)}</a>'


def field_rows(schema: ir.Schema, path: str, expr: TypeExpr, model: str) -> Iterator[FieldRow]:
    """Table rows for every field reachable from ``expr``, depth first, by path."""
    for member_path, member, struct in reachable_fields(schema, path, expr):
        yield _field_row(member_path, member, _origin_model(struct, model))


Reached = Iterator[tuple[str, ir.StructField, ir.StructType]]


def reachable_fields(schema: ir.Schema, path: str, expr: TypeExpr) -> Reached:
    """(path, field, its struct) for every field reachable from a value of ``expr`` at ``path``, depth
    first; array elements add ``[]`` to the path. The walk stops ``MAX_DEPTH`` levels down."""
    return _ReachableFields(schema).walk(expr, path, 0)


class _ReachableFields(Visitor[Reached]):
    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def walk(self, expr: TypeExpr, path: str, depth: int) -> Reached:
        return iter(()) if depth > MAX_DEPTH else self.visit(expr, path, depth)

    def visit_array(self, expr: ir.ArrayType, path: str, depth: int) -> Reached:
        return self.walk(expr.element, f"{path}[]", depth + 1)

    def visit_struct_ref(self, expr: ir.NamedRef, path: str, depth: int) -> Reached:
        struct = self.schema.struct(expr.name)
        for member in struct.fields:
            member_path = f"{path}.{member.name}"
            yield member_path, member, struct
            yield from self.walk(member.type, member_path, depth + 1)

    def _no_fields(self, expr: ir.ScalarType | ir.NamedRef | ir.BytesType | ir.StringType, path: str,
                   depth: int) -> Reached:
        return iter(())

    visit_scalar = visit_ref = visit_bytes = visit_string = _no_fields


def _field_row(path: str, member: ir.StructField, origin: str | None) -> FieldRow:
    cells = [
        anchored_path(path),
        type_link(member.type),
        offset_text(member.offset),
        size_text(member.type.fixed_size),
        range_text(member.type, member),
        since_text(member.since, origin),
        cell(member.doc),
    ]
    return FieldRow(path, cells, member.unit or "")


def _origin_model(struct: ir.StructType, model: str) -> str | None:
    """The model that declared ``struct`` (last name part) when it is not the page's own."""
    origin_model = struct.origin.partition("@")[0]
    return origin_model.rpartition(".")[2] if origin_model != model else None


# --- named types ------------------------------------------------------------------------


def own_types(schema: ir.Schema) -> list[tuple[str, ir.StructType | ir.EnumType | ir.FlagsType]]:
    """The schema's own types first (declaration order), then the imported ones."""
    items = list(schema.types.items())
    return [i for i in items if "." not in i[0]] + [i for i in items if "." in i[0]]


def figure_path(version: ir.Version, struct: str) -> str:
    """Where a struct's byte-layout figure sits, relative to the model's directory."""
    return f"figures/{version}/{struct}.svg"


def _types(schema: ir.Schema, links: PageLinks) -> str:
    if not schema.types:
        return ""
    blocks = [heading(2, "Types", "types")]
    for name, named in own_types(schema):
        blocks.append(heading(3, f"{named.kind} {code(name)}", slug("type", name)))
        if links.figures and isinstance(named, ir.StructType):
            blocks.append(f"![Byte layout of struct {name}]({figure_path(schema.version, name)})\n")
        blocks.append(_type_body(name, named, schema))
    return join_blocks(blocks)


def _type_body(name: str, named: ir.StructType | ir.EnumType | ir.FlagsType, schema: ir.Schema) -> str:
    return _TypeBodies(name).visit(named, schema)


class _TypeBodies(Visitor[str]):
    """The body of a named type's section on the model page."""

    def __init__(self, name: str) -> None:
        self.name = name

    def visit_struct(self, named: ir.StructType, schema: ir.Schema) -> str:
        return _struct_body(self.name, named, schema)

    def visit_enum(self, named: ir.EnumType, schema: ir.Schema) -> str:
        return _enum_body(named, schema)

    def visit_flags(self, named: ir.FlagsType, schema: ir.Schema) -> str:
        return _flags_body(named, schema)


def _declared(origin: str, schema: ir.Schema) -> str:
    return "" if origin == schema.ident else f" Declared in {code(origin)}."


def _struct_body(name: str, struct: ir.StructType, schema: ir.Schema) -> str:
    size = f"{struct.body_size} bytes" if struct.body_size is not None else "variable size"
    appended = len(struct.appended_fields)
    facts = f"Body: {size}; {len(struct.fields)} fields"
    facts += f", of which {appended} appended in minor versions." if appended else "."
    rows = [
        [
            anchored_path(f.name, type_field_anchor(name, f.name)),
            type_link(f.type),
            offset_text(f.offset),
            size_text(f.type.fixed_size),
            range_text(f.type, f),
            *([cell(f.unit or "")] if any(g.unit for g in struct.fields) else []),
            default_text(f.default),
            since_text(f.since),
        ]
        for f in struct.fields
    ]
    headers = ["Field", "Type", "Offset", "Size", "Range", "Default", "Since"]
    if any(f.unit for f in struct.fields):
        headers.insert(5, "Unit")
    return join_blocks([paragraphs(struct.doc), facts + _declared(struct.origin, schema) + "\n", table(headers, rows)])


def _enum_body(enum: ir.EnumType, schema: ir.Schema) -> str:
    kind = (
        "Open enum (undeclared values are accepted)" if enum.open else ("Closed enum (an undeclared value is an error)")
    )
    rows = [[code(v.name), str(v.value), since_text(v.since), cell(v.doc)] for v in enum.values]
    facts = f"{kind}, base {code(enum.base.name)}.{_declared(enum.origin, schema)}\n"
    return join_blocks([paragraphs(enum.doc), facts, table(["Name", "Value", "Since", "Description"], rows)])


def _flags_body(flags: ir.FlagsType, schema: ir.Schema) -> str:
    rows = [[code(b.name), str(b.bit), f"`{1 << b.bit:#x}`", since_text(b.since), cell(b.doc)] for b in flags.bits]
    facts = (
        f"Flags, base {code(flags.base.name)}; declared mask `{flags.mask:#x}`, every other "
        f"bit must be zero.{_declared(flags.origin, schema)}\n"
    )
    headers = ["Name", "Bit", "Mask", "Since", "Description"]
    return join_blocks([paragraphs(flags.doc), facts, table(headers, rows)])


# --- parameters and vendor sections -----------------------------------------------------


def _params(schema: ir.Schema, links: PageLinks) -> str:
    if not schema.params:
        return ""
    intro = (
        f"[Migration parameters]({links.spec}migration-parameters.md) are compared before migrating: "
        "the destination must accept every value the source uses; an absent parameter has its "
        "default, the old behaviour.\n"
    )
    rows = [
        [
            f'<span id="{slug("param", p.name)}"></span>{code(p.name)}',
            code(p.type),
            default_text(p.default),
            _param_values(p),
            since_text(p.since),
            cell(p.doc),
        ]
        for p in schema.params
    ]
    headers = ["Name", "Type", "Default", "Values", "Since", "Description"]
    return join_blocks([heading(2, "Migration parameters", "parameters"), intro, table(headers, rows)])


def _param_values(param: ir.Param) -> str:
    if param.allowed is not None:
        return ", ".join(default_text(v) for v in param.allowed)
    return bounds_text(param.min, param.max) or "any " + param.type


def _vendor_sections(schema: ir.Schema, links: PageLinks) -> str:
    if not schema.vendor_sections:
        return ""
    intro = (
        f"[Vendor sections]({links.spec}schema-language.md#vendor-sections) carry "
        "implementation-specific state inside the standard container; "
        "a destination that does not know one skips it when it is optional and refuses "
        "the state otherwise.\n"
    )
    rows = [
        [
            str(v.id),
            f'<span id="{slug("vendor", v.name)}"></span>{code(v.name)}',
            code(str(v.vendor)),
            _vendor_payload(v),
            "yes" if v.optional else "no",
            since_text(v.since),
            cell(v.doc),
        ]
        for v in schema.vendor_sections
    ]
    headers = ["ID", "Name", "Vendor", "Payload", "Optional", "Since", "Description"]
    return join_blocks([heading(2, "Vendor sections", "vendor-sections"), intro, table(headers, rows)])


def _vendor_payload(vendor: ir.VendorSection) -> str:
    if vendor.type is None:
        return f"opaque, ≤ {vendor.max} bytes"
    return type_link(vendor.type)


# --- cell formatting --------------------------------------------------------------------


def type_link(expr: TypeExpr) -> str:
    """The type label in code, linked to the named type it is built from (if any)."""
    label = code(ir.type_label(expr))
    inner = expr.innermost
    if isinstance(inner, ir.NamedRef):
        return f"[{label}](#{slug('type', inner.name)})"
    return label


def section_size(schema: ir.Schema, expr: TypeExpr) -> int | None:
    """A section payload's size: a struct section is its body (the section length frames it)."""
    if isinstance(expr, ir.NamedRef) and expr.is_struct:
        return schema.struct(expr.name).body_size
    return expr.fixed_size


def size_text(size: int | None) -> str:
    return f"{size}" if size is not None else "var."


def offset_text(offset: int | None) -> str:
    return f"{offset}" if offset is not None else "—"


def bounds_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}..{high}"
    if high is not None:
        return f"≤ {high}"
    return f"≥ {low}" if low is not None else ""


def range_text(expr: TypeExpr, member: ir.StructField | None) -> str:
    """Declared constraints: min/max of a field, capacity of counted types (the unit has its own column)."""
    parts = []
    if member is not None:
        parts.append(bounds_text(member.min, member.max))
    parts.append(_Capacity().visit(expr))
    return " ".join(p for p in parts if p)


class _Capacity(Visitor[str]):
    """``range_text``'s capacity of a counted type; empty for a fixed one."""

    def visit_array(self, expr: ir.ArrayType) -> str:
        return f"≤ {expr.max} items" if expr.max is not None else ""

    def _bytes(self, expr: ir.BytesType | ir.StringType) -> str:
        return f"≤ {expr.max} bytes" if expr.max is not None else ""

    def _fixed(self, expr: ir.ScalarType | ir.NamedRef) -> str:
        return ""

    visit_bytes = visit_string = _bytes
    visit_scalar = visit_ref = _fixed


def since_text(since: ir.Version | None, origin: str | None = None) -> str:
    """The version that added a member; ``common 1.1`` for a type imported from another model."""
    if since is None:
        return ""
    return f"{origin} {since}" if origin else str(since)


def default_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return code(value.hex() or '""')
    try:
        return code(cell(json.dumps(value)))
    except TypeError:
        return code(cell(repr(value)))
