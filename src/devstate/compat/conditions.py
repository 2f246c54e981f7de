"""Conditions of a compatibility verdict: "loads while ... holds its default".

A reader often loads another version's state only while some of it is unused: a field
the reader lacks holds its default, an optional section it does not know is absent, an
enum field does not hold a member it does not declare, a counted array holds no more
elements than its maximum. A ``Condition`` names exactly one such requirement, on the
*writer's* schema, in a form a program can check against a saved state
(``unmet(schema, state, conditions)``) and a person can read (``str(condition)``).

Kinds say what happens to a state that does not meet the condition, and so whether the
version pair may be a minor step:

* ``default`` — something the reader does not have (a field, an optional section, a
  migration parameter) must hold its default; otherwise the reader refuses the state
  (or skips the section). Every minor version has such conditions: it is how appending
  works.
* ``value`` — a value of something both versions have must be one the reader accepts;
  otherwise the reader refuses the state, naming the offset. Needs a major version.
* ``silent`` — otherwise the reader loads the state **without an error, but with another
  value** (a number read with the other signedness, a member under a reused number, a
  section skipped under a new id). Needs a major version, and a migration function.
* ``negotiated`` — a migration parameter value the destination's version does not
  accept: the pre-migration check (``check-migration``, ``negotiate``) refuses such a
  source before anything moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from devstate import ir
from devstate.state import State, field_default
from devstate.visit import Visitor


class ConditionKind(StrEnum):
    DEFAULT = "default"
    VALUE = "value"
    SILENT = "silent"
    NEGOTIATED = "negotiated"

    @property
    def minor_ok(self) -> bool:
        """Whether a pair whose only conditions are of this kind may be minor versions."""
        return self in (ConditionKind.DEFAULT, ConditionKind.NEGOTIATED)


class Target(StrEnum):
    FIELD = "field"
    """``struct.field`` (every occurrence of the struct; ranges and members apply to array elements)."""
    TYPE = "type"
    """Every value of a named enum or flags type."""
    SECTION = "section"
    VENDOR_SECTION = "vendor section"
    PARAM = "param"


class Allowed(StrEnum):
    DEFAULT = "default"
    """Holds its default (a section: is absent; a parameter: is not set, or set to the default)."""
    RANGE = "range"
    MEMBERS = "members"
    BITS = "bits"
    EXCLUDES = "excludes"
    """Does not hold (enum) or set (flags) any of ``members``."""
    COUNT = "count"


@dataclass(frozen=True)
class Condition:
    """One requirement a writer's state must meet for a reader to load it unchanged."""

    kind: ConditionKind
    target: Target
    name: str
    """``struct.field`` (IR names of the writer), a type name, a section or a parameter name."""
    allowed: Allowed
    low: int | None = None
    high: int | None = None
    """``RANGE``: inclusive bounds; ``COUNT``: ``high`` is the largest element count."""
    members: tuple[str | int, ...] = ()
    """``MEMBERS``: enum members (names; numbers for undeclared values of open enums);
    ``BITS``: flag names; ``DEFAULT``: the default value (one element; none for a section);
    ``COUNT``: what is counted (``elements``, or ``bytes`` for bytes and strings)."""
    why: str = ""
    """What the reader does otherwise, e.g. "the 1.0 reader refuses a non-zero tail"."""
    rules: tuple[str, ...] = field(default=(), compare=False)

    @property
    def path(self) -> str:
        return self.name if self.target in (Target.FIELD, Target.TYPE) else f"{self.target.value} {self.name}"

    def __str__(self) -> str:
        return f"{self.path} {self.requirement}"

    @property
    def requirement(self) -> str:
        if self.allowed is Allowed.DEFAULT:
            if self.target in (Target.SECTION, Target.VENDOR_SECTION):
                return "is absent"
            return f"holds its default ({_show(self.members[0])})" if self.members else "holds its default"
        if self.allowed is Allowed.RANGE:
            return f"stays in {self.low}..{self.high}"
        if self.allowed is Allowed.COUNT:
            unit = self.members[0] if self.members else "elements"
            return f"has at most {self.high} {unit}"
        listed = ", ".join(_show(m) for m in self.members) or "nothing"
        if self.allowed is Allowed.EXCLUDES:
            return f"does not use {listed}"
        return f"uses only {listed}" if self.allowed is Allowed.MEMBERS else f"sets only {listed}"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind.value, "target": self.target.value, "name": self.name,
                                  "path": self.path, "allowed": self.allowed.value, "text": str(self)}
        if self.low is not None or self.high is not None:
            out.update(low=self.low, high=self.high)
        if self.members:
            out["members"] = list(self.members)
        if self.why:
            out["why"] = self.why
        if self.rules:
            out["rules"] = list(self.rules)
        return out


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bytes):
        return f"{len(value)} zero bytes" if not any(value) else value.hex()
    return str(value)


def merge(conditions: Sequence[Condition]) -> tuple[Condition, ...]:
    """Conditions without repeats, in first-seen order (the rules of repeats are merged)."""
    seen: dict[Condition, Condition] = {}
    for condition in conditions:
        if condition in seen:
            first = seen[condition]
            rules = tuple(dict.fromkeys(first.rules + condition.rules))
            seen[condition] = Condition(**{**first.__dict__, "rules": rules})
        else:
            seen[condition] = condition
    return tuple(seen.values())


# -- checking a state ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmet:
    condition: Condition
    path: str
    """Where in the state, ``$.sections.queues[2].reset``."""
    value: Any

    def __str__(self) -> str:
        return f"{self.path} = {self.value!r}: needs {self.condition}"


def unmet(schema: ir.Schema, state: State, conditions: Sequence[Condition],
          params: dict[str, Any] | None = None) -> list[Unmet]:
    """Every place where ``state`` (of ``schema``, the writer) does not meet ``conditions``.

    ``params`` are the source's migration parameter values (absent ones are defaults).
    """
    return list(_Walker(schema, conditions).state(state, params or {}))


class _Walker(Visitor[Iterator[Unmet]]):
    def __init__(self, schema: ir.Schema, conditions: Sequence[Condition]) -> None:
        self.schema = schema
        self.by_target: dict[tuple[Target, str], list[Condition]] = {}
        for condition in conditions:
            self.by_target.setdefault((condition.target, condition.name), []).append(condition)

    def _for(self, target: Target, name: str) -> list[Condition]:
        return self.by_target.get((target, name), [])

    def state(self, state: State, params: dict[str, Any]) -> Iterator[Unmet]:
        for group, target, declared in (("sections", Target.SECTION, self.schema.sections),
                                        ("vendor_sections", Target.VENDOR_SECTION, self.schema.vendor_sections)):
            for section in declared:
                value = state.get(group, {}).get(section.name)
                for condition in self._for(target, section.name):
                    if value is not None and not _meets(condition, value):
                        yield Unmet(condition, f"$.{group}.{section.name}", _short(value))
                if value is not None and section.type is not None:
                    yield from self.visit(section.type, value, f"$.{group}.{section.name}")
        for param in self.schema.params:
            value = params.get(param.name, param.default)
            for condition in self._for(Target.PARAM, param.name):
                if not _meets(condition, value, param.default):
                    yield Unmet(condition, f"params.{param.name}", value)

    def visit_array(self, expr: ir.ArrayType, value: Any, path: str) -> Iterator[Unmet]:
        for index, item in enumerate(value):
            yield from self.visit(expr.element, item, f"{path}[{index}]")

    def visit_ref(self, expr: ir.NamedRef, value: Any, path: str) -> Iterator[Unmet]:
        for condition in self._for(Target.TYPE, expr.name):
            if not _meets(condition, value):
                yield Unmet(condition, path, value)

    def visit_struct_ref(self, expr: ir.NamedRef, value: Any, path: str) -> Iterator[Unmet]:
        yield from self.visit_ref(expr, value, path)
        for member in self.schema.struct(expr.name).fields:
            item = value[member.name]
            where = f"{path}.{member.name}"
            for condition in self._for(Target.FIELD, f"{expr.name}.{member.name}"):
                default = field_default(self.schema, member)
                if not _meets(condition, item, default):
                    yield Unmet(condition, where, _short(item))
            yield from self.visit(member.type, item, where)

    def _plain(self, expr: ir.ScalarType | ir.BytesType | ir.StringType, value: Any, path: str) -> Iterator[Unmet]:
        return iter(())

    visit_scalar = visit_bytes = visit_string = _plain


def _meets(condition: Condition, value: Any, default: Any = None) -> bool:
    allowed = condition.allowed
    if allowed is Allowed.DEFAULT:
        if condition.target in (Target.SECTION, Target.VENDOR_SECTION):
            return False  # present
        return bool(_same(value, default))
    if allowed is Allowed.COUNT:
        return len(value) <= (condition.high or 0)
    flags = isinstance(value, list) and all(isinstance(v, str) for v in value) and allowed in _FLAG_TESTS
    if isinstance(value, list) and not flags:
        return all(_meets(condition, item, default) for item in value)
    if allowed is Allowed.RANGE:
        assert condition.low is not None and condition.high is not None
        return isinstance(value, bool | int) and condition.low <= int(value) <= condition.high
    if allowed is Allowed.MEMBERS:
        return any(_same(value, m) for m in condition.members)
    if allowed is Allowed.EXCLUDES:
        held = value if isinstance(value, list) else [value]
        return not any(_same(v, m) for v in held for m in condition.members)
    return set(value) <= set(condition.members)


_FLAG_TESTS = (Allowed.BITS, Allowed.EXCLUDES)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bytes | bytearray | memoryview) and isinstance(b, bytes | bytearray | memoryview):
        return bytes(a) == bytes(b)
    return bool(type(a) is type(b) and a == b) or (isinstance(a, list) and isinstance(b, list) and a == b)


def _short(value: Any) -> Any:
    if isinstance(value, dict | list | bytes | bytearray | memoryview):
        return f"<{type(value).__name__} of {len(value)}>"
    return value
