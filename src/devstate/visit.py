"""One way to dispatch on IR nodes: ``Visitor.visit(node, ...)`` calls ``visit_<kind>``.

Every IR type expression and named definition has a ``kind`` (``scalar``, ``ref``,
``array``, ``bytes``, ``string``; ``struct``, ``enum``, ``flags``). A consumer subclasses
``Visitor`` and writes one ``visit_<kind>`` method per kind it handles; any other kind
raises ``EmitError`` naming the visitor and the kind.

A reference can be handled by what it names: ``visit_struct_ref``, ``visit_enum_ref`` or
``visit_flags_ref`` are used when defined, else ``visit_ref``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from devstate import ir
from devstate.errors import EmitError

Result = TypeVar("Result")
Node = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType | ir.StructType | ir.EnumType | \
    ir.FlagsType

_REF_KINDS = {"struct": "struct_ref", "enum": "enum_ref", "flags": "flags_ref"}
"""A reference's dispatch key: the kind it names."""


class Visitor(Generic[Result]):
    """Base of every IR consumer that dispatches on node kinds."""

    _methods: ClassVar[dict[str, Callable[..., Any]]] = {}
    """Per subclass: dispatch key (``scalar``, ``struct_ref`` ...) → the method handling it, found once
    (readers call ``visit`` once per value, so the lookup is not repeated)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def visit(self, node: Node, *args: Any) -> Result:
        key = _REF_KINDS[node.target_kind] if isinstance(node, ir.NamedRef) else node.kind
        method = self._methods.get(key)
        if method is None:
            method = self._method(key, node)
        result: Result = method(self, node, *args)
        return result

    def handler(self, node: Node) -> Callable[..., Result]:
        """The bound ``visit_<kind>`` method for ``node``: found once, to call in a loop over many values
        of one type (``handler(element)(element, item, ...)`` is ``visit(element, item, ...)``)."""
        key = _REF_KINDS[node.target_kind] if isinstance(node, ir.NamedRef) else node.kind
        method = self._methods.get(key) or self._method(key, node)
        bound: Callable[..., Result] = method.__get__(self)
        return bound

    @classmethod
    def _method(cls, key: str, node: Node) -> Callable[..., Any]:
        method: Callable[..., Any] | None = getattr(cls, f"visit_{key}", None)
        if method is None and key.endswith("_ref"):
            method = getattr(cls, "visit_ref", None)
        if method is None:
            raise EmitError(f"{cls.__name__} does not handle IR nodes of kind {node.kind!r}")
        cls._methods[key] = method
        return method
