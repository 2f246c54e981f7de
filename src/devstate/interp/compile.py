"""IR → construct nodes: one small builder (``visit_<kind>``) per IR type-expression kind.

``SchemaCodec`` holds the node of every section and vendor section of one schema. Struct
bodies are built once per type name and shared; a struct in field position wraps its body
in ``SizedStructNode`` (u32 size prefix), an array of structs reads one stride, and a
struct-typed section's payload is the bare body.
"""

from __future__ import annotations

from devstate import ir
from devstate.interp.nodes import (
    ArrayNode,
    CountedBytesNode,
    EnumNode,
    FixedBytesNode,
    FlagsNode,
    Node,
    OpaqueNode,
    ScalarNode,
    SizedStructNode,
    StringNode,
    StructNode,
)
from devstate.state import field_default
from devstate.visit import Visitor

Bounds = tuple[int | None, int | None]
NO_BOUNDS: Bounds = (None, None)


class SchemaCodec(Visitor[Node]):
    """The nodes for one schema: sections by id, vendor sections by (namespace, id)."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.bodies: dict[str, StructNode] = {}
        self.sections: dict[int, tuple[ir.Section, Node]] = {
            s.id: (s, self.section_node(s.type)) for s in schema.sections
        }
        self.vendor: dict[tuple[str, int], tuple[ir.VendorSection, Node]] = {
            (str(v.vendor), v.id): (v, self._vendor_node(v)) for v in schema.vendor_sections
        }

    def section_node(self, expr: ir.TypeExpr) -> Node:
        """A section's payload is its type's encoding; a struct's is the bare body."""
        if isinstance(expr, ir.NamedRef) and expr.target_kind == "struct":
            return self.body(expr.name)
        return self.node(expr)

    def _vendor_node(self, section: ir.VendorSection) -> Node:
        if section.type is None:
            assert section.max is not None
            return OpaqueNode(section.max)
        return self.section_node(section.type)

    def node(self, expr: ir.TypeExpr, bounds: Bounds = NO_BOUNDS) -> Node:
        """The node for a type expression in field (or element) position."""
        return self.visit(expr, bounds)

    def visit_scalar(self, expr: ir.ScalarType, bounds: Bounds) -> Node:
        return ScalarNode(expr.name, *bounds)

    def visit_enum_ref(self, expr: ir.NamedRef, bounds: Bounds) -> Node:
        enum = self.schema.enum(expr.name)
        return EnumNode(enum)

    def visit_flags_ref(self, expr: ir.NamedRef, bounds: Bounds) -> Node:
        flags = self.schema.flags(expr.name)
        return FlagsNode(flags)

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds) -> Node:
        return SizedStructNode(self.body(expr.name))

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds) -> Node:
        element = expr.element
        if isinstance(element, ir.NamedRef) and element.target_kind == "struct":
            element_node: Node = self.body(element.name)
        else:
            element_node = self.node(element, bounds)
        return ArrayNode(expr, element_node)

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds) -> Node:
        if expr.length is not None:
            return FixedBytesNode(expr.length)
        assert expr.max is not None
        return CountedBytesNode(expr.max)

    def visit_string(self, expr: ir.StringType, bounds: Bounds) -> Node:
        return StringNode(expr.max)

    def body(self, name: str) -> StructNode:
        """The body node of struct ``name`` (built once; fields bound after caching)."""
        if name not in self.bodies:
            struct = self.schema.struct(name)
            node = StructNode(struct, lambda f: field_default(self.schema, f))
            self.bodies[name] = node
            node.bind([(f, self.node(f.type, (f.min, f.max))) for f in struct.fields])
        return self.bodies[name]


_CACHE: dict[int, tuple[ir.Schema, SchemaCodec]] = {}


def compile_schema(schema: ir.Schema) -> SchemaCodec:
    """The codec of ``schema`` (cached per schema object)."""
    cached = _CACHE.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    if len(_CACHE) > 64:
        _CACHE.clear()
    codec = SchemaCodec(schema)
    _CACHE[id(schema)] = (schema, codec)
    return codec
