"""``to_state``/``from_state`` functions: typed values ↔ devstate's plain state dicts.

``_to_state_<struct>(<struct>) -> dict`` gives the state form (enum member names, flag name
lists, dicts in field order). ``_from_state_<struct>(state, path) -> Struct`` converts back
with the reference encoder's checks, in its order (shape, types, ranges, enum and flag names,
lengths and counts), raising ``EncodeError`` with its code and path. A section whose type is
not a struct has ``_to_state_<section>_section`` and ``_from_state_<section>_section``.
"""

from __future__ import annotations

from devstate import ir
from devstate.dsf1 import ZERO_COPY_THRESHOLD
from devstate.emit.python.code import Code, Locals, path_expr, wrapped
from devstate.emit.python.facts import NO_BOUNDS, Bounds, Facts
from devstate.visit import Visitor


class ConvertEmitter:
    """Emits the state conversion functions of one schema into ``code``."""

    def __init__(self, facts: Facts, code: Code) -> None:
        self.facts = facts
        self.code = code
        self.locals = Locals(facts.module_names)

    def new_function(self, value: str) -> str:
        """Fresh locals for the next function; returns the name of its value parameter."""
        self.locals = Locals(self.facts.module_names)
        self.locals.claim("path")
        return self.locals.claim(value)

    def struct(self, name: str) -> None:
        code, cls, functions = self.code, self.facts.classes[name], self.facts.struct_functions(name)
        struct = self.facts.struct(name)
        attrs = self.facts.attrs(name)
        value = self.new_function(self.facts.value_name(name))
        code.blank(2)
        with code.block(f"def {functions.to_state}({value}: {cls}) -> dict[str, Any]:"):
            items = [f"{f.name!r}: {self.to_state(f.type, f'{value}.{attrs[f.name]}')}" for f in struct.fields]
            wrapped(code, "return {", items, "}")
        state = self.new_function("state")
        code.blank(2)
        with code.block(f"def {functions.from_state}({state}: Any, path: str) -> {cls}:"):
            names = tuple(f.name for f in struct.fields)
            code(f"_rt.expect_struct({state}, {names!r}, {struct.name!r}, path)")
            args = [self.from_state(f.type, (f.min, f.max), f"_rt.member({state}, {f.name!r}, path, {struct.name!r})",
                                    ["{path}", f".{f.name}"]) for f in struct.fields]
            wrapped(code, f"return {cls}(", args, ")")

    def section(self, functions_key: tuple[str, str], attr: str, expr: ir.TypeExpr | None,
                maximum: int | None = None) -> None:
        """Conversions of a section whose type is not a struct (``expr`` None: opaque bytes)."""
        code, functions = self.code, self.facts.section_functions[functions_key]
        small = expr is None and (maximum or 0) < ZERO_COPY_THRESHOLD
        annotation = ("bytes" if small else "Buffer") if expr is None else self.facts.annotation(expr)
        value = self.new_function(attr)
        code.blank(2)
        with code.block(f"def {functions.to_state}({value}: {annotation}) -> Any:"):
            code(f"return {value if expr is None else self.to_state(expr, value)}")
        state = self.new_function("state")
        code.blank(2)
        with code.block(f"def {functions.from_state}({state}: Any, path: str) -> {annotation}:"):
            if expr is None:
                code(f"return _rt.{'to_bytes' if small else 'to_buffer'}({state}, None, {maximum}, path, opaque=True)")
            else:
                code(f"return {self.from_state(expr, NO_BOUNDS, state, ['{path}'])}")

    def to_state(self, expr: ir.TypeExpr, value: str) -> str:
        """A Python expression: the state form of ``value`` (a typed value of type ``expr``)."""
        return _ToState(self).visit(expr, value)

    def from_state(self, expr: ir.TypeExpr, bounds: Bounds, value: str, path: list[str]) -> str:
        """A Python expression: the typed value of state value ``value``, checked as the encoder does."""
        return _FromState(self).visit(expr, bounds, value, path)


class _ToState(Visitor[str]):
    """The state form of a value as one expression; each array is a comprehension, whose variables
    are its own (a scope of the function's locals)."""

    def __init__(self, emitter: ConvertEmitter) -> None:
        self.facts, self.locals = emitter.facts, emitter.locals

    def visit_scalar(self, expr: ir.ScalarType, value: str) -> str:
        return value

    visit_bytes = visit_string = visit_scalar  # a scalar, bytes or string value is its own state form

    def visit_struct_ref(self, expr: ir.NamedRef, value: str) -> str:
        return f"{self.facts.struct_functions(expr.name).to_state}({value})"

    def visit_enum_ref(self, expr: ir.NamedRef, value: str) -> str:
        return f"{self.facts.table(expr.name, 'names')}.get({value}, {value})"

    def visit_flags_ref(self, expr: ir.NamedRef, value: str) -> str:
        return f"_rt.flag_names({value}, {self.facts.table(expr.name, 'bits')})"

    def visit_array(self, expr: ir.ArrayType, value: str) -> str:
        outer = self.locals
        self.locals = outer.scope()
        try:
            item = self.locals.claim(self.facts.element_name(expr.element))
            inner = self.visit(expr.element, item)
        finally:
            self.locals = outer
        return f"list({value})" if inner == item else f"[{inner} for {item} in {value}]"


class _FromState(Visitor[str]):
    """The typed value of a state value as one expression (comprehensions scoped as in ``_ToState``)."""

    def __init__(self, emitter: ConvertEmitter) -> None:
        self.facts, self.locals = emitter.facts, emitter.locals

    def visit_scalar(self, expr: ir.ScalarType, bounds: Bounds, value: str, path: list[str]) -> str:
        leaf = self.facts.scalar_leaf(expr.name, bounds)
        if leaf.kind == "bool":
            return f"_rt.to_bool({value}, {path_expr(path)})"
        return f"_rt.to_int({value}, {leaf.low}, {leaf.high}, {expr.name!r}, {path_expr(path)})"

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds, value: str, path: list[str]) -> str:
        function = "to_bytes" if expr.capacity < ZERO_COPY_THRESHOLD else "to_buffer"
        return f"_rt.{function}({value}, {expr.length}, {expr.max}, {path_expr(path)})"

    def visit_string(self, expr: ir.StringType, bounds: Bounds, value: str, path: list[str]) -> str:
        return f"_rt.to_str({value}, {expr.max}, {path_expr(path)})"

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds, value: str, path: list[str]) -> str:
        outer = self.locals
        self.locals = outer.scope()
        try:
            index, item = self.locals.claim("index"), self.locals.claim("item")
            inner = self.visit(expr.element, bounds, item, [*path, f"[{{{index}}}]"])
        finally:
            self.locals = outer
        listed = f"_rt.to_list({value}, {expr.length}, {expr.max}, {path_expr(path)})"
        return f"[{inner} for {index}, {item} in enumerate({listed})]"

    def visit_struct_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, path: list[str]) -> str:
        return f"{self.facts.struct_functions(expr.name).from_state}({value}, {path_expr(path)})"

    def visit_enum_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, path: list[str]) -> str:
        enum, by_name = self.facts.schema.enum(expr.name), self.facts.table(expr.name, "by_name")
        low, high = ir.scalar_range(enum.base.name)
        return f"_rt.to_enum({value}, {by_name}, {enum.open}, {low}, {high}, {enum.name!r}, {path_expr(path)})"

    def visit_flags_ref(self, expr: ir.NamedRef, bounds: Bounds, value: str, path: list[str]) -> str:
        flags, cls, bit_by_name = self.facts.named(expr), self.facts.classes[expr.name], self.facts.table(expr.name,
                                                                                                          "bit_by_name")
        return f"_rt.to_flags({value}, {cls}, {bit_by_name}, {flags.name!r}, {path_expr(path)})"
