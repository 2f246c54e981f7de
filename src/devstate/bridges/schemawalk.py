"""The schema as the bridges see it: every node a value lives at, with its annotation.

``walk(schema, namespace)`` yields one ``Node`` per section, struct field and array of
structs, depth first in section-id order, each with the value of the annotation
``namespace`` (or None) and the IR location to name in errors. Elements of an array of
structs appear as the step ``*``; ``get``/``put`` reach a node's value in a state given
the element indices.

``Diagnostics`` collects annotation problems and raises one ``AnnotationError`` naming
each schema file and line; ``per_schema`` keeps a bridge's compiled mapping per schema.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar

from devstate import ir
from devstate.bridges.errors import AnnotationError, BridgeCode
from devstate.errors import Diagnostic
from devstate.state import type_default
from devstate.visit import Visitor

MISSING: Any = object()
"""``get``'s answer when an optional section is absent from the state."""


@dataclass(frozen=True)
class Node:
    """A place in the schema where a value lives, reached from a section."""

    section: ir.Section
    steps: tuple[str, ...]
    """Field names from the section's value; ``*`` steps into the elements of an array."""
    expr: ir.TypeExpr
    field: ir.StructField | None
    annotation: Any
    loc: ir.Location

    @property
    def path(self) -> str:
        """``queues[].size``, ``config.mac``, ``vlan_filter``."""
        return self.section.name + "".join("[]" if step == "*" else f".{step}" for step in self.steps)

    @property
    def depth(self) -> int:
        """How many arrays of structs lie between the section and this node."""
        return self.steps.count("*")

    @property
    def is_leaf(self) -> bool:
        """Whether the value is not a struct or an array of structs (a value the bridges map whole)."""
        return not (self.expr.is_struct or self.is_struct_array)

    @property
    def is_struct_array(self) -> bool:
        return isinstance(self.expr, ir.ArrayType) and self.expr.stride  # a stride: the elements are structs


def walk(schema: ir.Schema, namespace: str) -> Iterator[Node]:
    """Every node of ``schema``, with the value of annotation ``namespace`` (None when absent)."""
    for section in sorted(schema.sections, key=lambda s: s.id):
        root = Node(section, (), section.type, None, section.annotations.get(namespace), section.loc)
        yield root
        yield from _children(schema, root, namespace)


def _children(schema: ir.Schema, node: Node, namespace: str) -> Iterator[Node]:
    return _Children(schema, namespace).visit(node.expr, node, node.steps)


class _Children(Visitor[Iterator[Node]]):
    """The nodes below ``node`` (depth first); ``steps`` lead from its section to a value of ``expr``."""

    def __init__(self, schema: ir.Schema, namespace: str) -> None:
        self.schema = schema
        self.namespace = namespace

    def visit_array(self, expr: ir.ArrayType, node: Node, steps: tuple[str, ...]) -> Iterator[Node]:
        if expr.stride:  # an array of structs: its elements' fields, under the step ``*``
            yield from self.visit(expr.element, node, (*steps, "*"))

    def visit_struct_ref(self, expr: ir.NamedRef, node: Node, steps: tuple[str, ...]) -> Iterator[Node]:
        for field in self.schema.struct(expr.name).fields:
            child = Node(node.section, (*steps, field.name), field.type, field, field.annotations.get(self.namespace),
                         field.loc)
            yield child
            yield from self.visit(child.expr, child, child.steps)

    def _leaf(self, expr: ir.ScalarType | ir.NamedRef | ir.BytesType | ir.StringType, node: Node,
              steps: tuple[str, ...]) -> Iterator[Node]:
        return iter(())

    visit_scalar = visit_ref = visit_bytes = visit_string = _leaf


def container_of(node: Node, nodes: Sequence[Node]) -> Node | None:
    """The array-of-structs node whose elements hold ``node`` (the innermost one)."""
    if "*" not in node.steps:
        return None
    cut = len(node.steps) - node.steps[::-1].index("*") - 1
    for candidate in nodes:
        if candidate.section.name == node.section.name and candidate.steps == node.steps[:cut]:
            return candidate
    return None


# --- values in a state ------------------------------------------------------------------------


def get(state: dict[str, Any], node: Node, indices: Sequence[int] = ()) -> Any:
    """The node's value in ``state`` (``MISSING`` when its optional section is absent)."""
    value = state["sections"].get(node.section.name, MISSING)
    index = iter(indices)
    for step in node.steps:
        if value is MISSING:
            return MISSING
        value = value[next(index)] if step == "*" else value[step]
    return value


def put(schema: ir.Schema, state: dict[str, Any], node: Node, value: Any, indices: Sequence[int] = ()) -> None:
    """Set the node's value, creating its optional section at its defaults first."""
    sections = state["sections"]
    if node.section.name not in sections:
        sections[node.section.name] = type_default(schema, node.section.type)
        _reorder(schema, sections)
    if not node.steps:
        sections[node.section.name] = value
        return
    target = sections[node.section.name]
    index = iter(indices)
    for step in node.steps[:-1]:
        target = target[next(index)] if step == "*" else target[step]
    target[node.steps[-1]] = value


def _reorder(schema: ir.Schema, sections: dict[str, Any]) -> None:
    order = [s.name for s in sorted(schema.sections, key=lambda s: s.id)]
    ordered = {name: sections[name] for name in order if name in sections}
    sections.clear()
    sections.update(ordered)


# --- annotation diagnostics -------------------------------------------------------------------


class Diagnostics:
    """Collects malformed-annotation problems; ``check()`` raises them as one ``AnnotationError``."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.found: list[Diagnostic] = []

    def error(self, loc: ir.Location, where: str, message: str) -> None:
        self.found.append(Diagnostic(loc.file, loc.line, loc.col, BridgeCode.ANNOTATION_INVALID.name,
                                     f"{self.namespace} annotation on {where}: {message}",
                                     f"{where}.annotations.{self.namespace}"))

    def check(self) -> None:
        if self.found:
            raise AnnotationError(self.found)


def schema_loc(schema: ir.Schema) -> ir.Location:
    """Where top-level annotations are reported (the schema file, line 1)."""
    return ir.Location(file=schema.file, line=1, col=1)


def keys_problem(value: Any, required: set[str], allowed: set[str]) -> str | None:
    """Why a mapping annotation has the wrong keys, or None."""
    if not isinstance(value, dict):
        return f"expected a mapping, got {type(value).__name__}"
    missing = sorted(required - set(value))
    if missing:
        return f"missing key {missing[0]!r}"
    unknown = sorted(set(value) - allowed)
    if unknown:
        return f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
    return None


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


T = TypeVar("T")


def per_schema(compile_schema: Callable[[ir.Schema], T]) -> Callable[[ir.Schema], T]:
    """``compile_schema``, run once per schema file and content (its sha256); an error is not kept."""
    kept: dict[tuple[str, str], T] = {}

    @functools.wraps(compile_schema)
    def compiled(schema: ir.Schema) -> T:
        key = (schema.file, schema.sha256)
        if key not in kept:
            kept[key] = compile_schema(schema)
        return kept[key]

    return compiled
