"""One way to dispatch on IR nodes: ``Visitor.visit(node, ...)`` calls ``visit_<kind>``.

Every IR type expression and named definition has a ``kind`` (``scalar``, ``ref``,
``array``, ``bytes``, ``string``; ``struct``, ``enum``, ``flags``). A consumer subclasses
``Visitor`` and writes one ``visit_<kind>`` method per kind it handles; any other kind
raises ``EmitError`` naming the visitor and the kind.

A reference can be handled by what it names: ``visit_struct_ref``, ``visit_enum_ref`` or
``visit_flags_ref`` are used when defined, else ``visit_ref``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from devstate import ir
from devstate.errors import EmitError

Result = TypeVar("Result")
Node = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType | ir.StructType | ir.EnumType | \
    ir.FlagsType


class Visitor(Generic[Result]):
    """Base of every IR consumer that dispatches on node kinds."""

    def visit(self, node: Node, *args: Any) -> Result:
        method = None
        if isinstance(node, ir.NamedRef):
            method = getattr(self, f"visit_{node.target_kind}_ref", None)
        if method is None:
            method = getattr(self, f"visit_{node.kind}", None)
        if method is None:
            raise EmitError(f"{type(self).__name__} does not handle IR nodes of kind {node.kind!r}")
        result: Result = method(node, *args)
        return result
