"""What a schema change does to loading, per direction, from the wire rules and the IR.

An ``Effect`` says, for one direction (a reader of one version loading state written by
the other), whether every valid state loads unchanged (``COMPATIBLE``), only states that
meet some ``Condition`` do (``CONDITIONAL``), or no useful condition exists
(``INCOMPATIBLE``). The diff attaches one effect per direction to every change.

The helpers here compute the effects that need more than a rule's table entry:

* ``in_place``: a value read where it was written (same position, same size) with
  another type, range, signedness or set of members — which writer values the reader
  accepts with the same meaning;
* ``zero_tail``: a field the reader does not have must encode as zero bytes (readers
  accept a longer struct only with an all-zero tail).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from devstate import ir
from devstate.compat.conditions import Allowed, Condition, ConditionKind, Target, merge
from devstate.state import field_default
from devstate.visit import Visitor


class Status(StrEnum):
    COMPATIBLE = "compatible"
    CONDITIONAL = "conditional"
    INCOMPATIBLE = "incompatible"


_RANK = {Status.COMPATIBLE: 0, Status.CONDITIONAL: 1, Status.INCOMPATIBLE: 2}


@dataclass(frozen=True)
class Effect:
    """What one change does to one direction of loading."""

    status: Status = Status.COMPATIBLE
    conditions: tuple[Condition, ...] = ()
    why: str = ""
    """What a reader does to a state that does not load, in one clause."""

    @property
    def breaks(self) -> bool:
        """Needs a major version: incompatible, or conditional on more than defaults."""
        if self.status is Status.INCOMPATIBLE:
            return True
        return any(not c.kind.minor_ok for c in self.conditions)

    @property
    def silent(self) -> bool:
        return any(c.kind is ConditionKind.SILENT for c in self.conditions)

    def describe(self) -> str:
        if self.status is Status.COMPATIBLE:
            return "loads"
        if self.status is Status.INCOMPATIBLE:
            return f"does not load: {self.why}" if self.why else "does not load"
        text = "loads while " + "; ".join(str(c) for c in self.conditions)
        return f"{text} ({self.why})" if self.why else text

    def to_json(self) -> dict[str, object]:
        return {"status": self.status.value, "breaks": self.breaks, "why": self.why,
                "conditions": [c.to_json() for c in self.conditions]}


OK = Effect()


def refused(why: str) -> Effect:
    return Effect(Status.INCOMPATIBLE, why=why)


def only_if(conditions: Sequence[Condition], why: str) -> Effect:
    if not conditions:
        return refused(why)
    return Effect(Status.CONDITIONAL, tuple(conditions), why)


def worst(effects: Sequence[Effect]) -> Effect:
    """Several effects on one direction together: the worst status, every condition, every reason."""
    effects = [e for e in effects if e.status is not Status.COMPATIBLE]
    if not effects:
        return OK
    status = max((e.status for e in effects), key=_RANK.__getitem__)
    conditions = merge([c for e in effects for c in e.conditions]) if status is Status.CONDITIONAL else ()
    whys = list(dict.fromkeys(e.why for e in effects if e.why and (e.status is status)))
    return Effect(status, conditions, "; ".join(whys))


def tagged(effect: Effect, rule: str) -> Effect:
    """The effect with ``rule`` recorded on each of its conditions."""
    return replace(effect, conditions=tuple(replace(c, rules=(*c.rules, rule)) for c in effect.conditions))


# -- value domains --------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """The values a scalar-like field (integer, bool, enum, flags) can hold, and how they encode."""

    kind: str
    """``int``, ``bool``, ``enum`` or ``flags``."""
    size: int
    signed: bool
    low: int
    high: int
    """Integers and bools: the accepted range; enums: the base range; flags: 0 .. all bits."""
    names: dict[int, str]
    """Enums: members by number; flags: bit names by bit position."""
    open: bool = False
    type_name: str | None = None


def domain(expr: Any, schema: ir.Schema, low: int | None = None, high: int | None = None, *,
           elements: bool = True) -> Domain | None:
    """The domain of a scalar-like type expression, else None; an array's is its elements' (None
    when not ``elements``)."""
    return _Domains(schema, elements).visit(expr, low, high)


class _Domains(Visitor[Domain | None]):
    """``domain``: ``low``/``high`` narrow an integer's range."""

    def __init__(self, schema: ir.Schema, elements: bool) -> None:
        self.schema = schema
        self.elements = elements

    def visit_array(self, expr: ir.ArrayType, low: int | None, high: int | None) -> Domain | None:
        return self.visit(expr.element, low, high) if self.elements else None

    def visit_scalar(self, expr: ir.ScalarType, low: int | None, high: int | None) -> Domain:
        tlow, thigh = ir.scalar_range(expr.name)
        lo = tlow if low is None else max(tlow, low)
        hi = thigh if high is None else min(thigh, high)
        kind = "bool" if expr.name == "bool" else "int"
        return Domain(kind, expr.size, expr.name.startswith("i"), lo, hi, {})

    def visit_enum_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> Domain:
        named = self.schema.enum(expr.name)
        lo, hi = ir.scalar_range(named.base.name)
        return Domain("enum", named.base.size, named.base.name.startswith("i"), lo, hi, named.by_value(),
                      named.open, expr.name)

    def visit_flags_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> Domain:
        named = self.schema.flags(expr.name)
        return Domain("flags", named.base.size, False, 0, named.mask, {b.bit: b.name for b in named.bits},
                      False, expr.name)

    def _none(self, expr: ir.NamedRef | ir.BytesType | ir.StringType, low: int | None, high: int | None) -> None:
        return None

    visit_struct_ref = visit_bytes = visit_string = _none


@dataclass(frozen=True)
class Place:
    """Where conditions of an in-place comparison point, on the writer's side."""

    target: Target
    name: str
    rule: str


Renamed = Callable[[str, str], bool]
"""``renamed(writer_name, reader_name)``: whether the diff matched these two member names."""


def in_place(writer: Domain, reader: Domain, place: Place, renamed: Renamed, version: str) -> Effect:
    """The effect of a reader interpreting the writer's bytes of a same-size value as its own type."""
    if writer.kind == "flags":
        return _flags_in_place(writer, reader, place, renamed, version)
    if writer.kind == "enum":
        return _enum_in_place(writer, reader, place, renamed, version)
    return _int_in_place(writer, reader, place, version)


def _reinterpret(value: int, size: int, signed: bool) -> int:
    value %= 1 << (8 * size)
    if signed and value >= 1 << (8 * size - 1):
        value -= 1 << (8 * size)
    return value


def _reader_accepts(reader: Domain, number: int) -> bool:
    if reader.kind in ("int", "bool"):
        return reader.low <= number <= reader.high
    if reader.kind == "enum":
        return reader.open or number in reader.names
    return number & ~reader.high == 0


def _int_in_place(writer: Domain, reader: Domain, place: Place, version: str) -> Effect:
    safe_low, safe_high = writer.low, writer.high
    if writer.signed != reader.signed:  # the same bytes mean the same number only in the common range
        safe_low = max(safe_low, 0)
        safe_high = min(safe_high, (1 << (8 * writer.size - 1)) - 1)
    silent = writer.signed != reader.signed and _silent_exists(writer, reader)
    if reader.kind in ("int", "bool") or (reader.kind == "enum" and reader.open):
        low, high = (max(safe_low, reader.low), min(safe_high, reader.high)) if reader.kind != "enum" else \
            (safe_low, safe_high)
        if (low, high) == (writer.low, writer.high):
            return OK
        if low > high:
            return refused(f"no value of the {place.name} it writes is one the {version} reader accepts")
        kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
        condition = Condition(kind, place.target, place.name, Allowed.RANGE, low=low, high=high,
                              why=_why(silent, version), rules=(place.rule,))
        return only_if([condition], condition.why)
    accepted = [v for v in _numbers(reader, safe_low, safe_high) if _reader_accepts(reader, v)]
    if len(accepted) == writer.high - writer.low + 1:  # every writer value (they are distinct and in range)
        return OK
    kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
    condition = Condition(kind, place.target, place.name, Allowed.MEMBERS, members=tuple(accepted),
                          why=_why(silent, version), rules=(place.rule,))
    return only_if([condition] if accepted else [], condition.why)


def _numbers(reader: Domain, low: int, high: int) -> list[int]:
    """The candidate numbers a closed enum or flags reader may accept within low..high."""
    if reader.kind == "enum":
        return sorted(v for v in reader.names if low <= v <= high)
    mask = reader.high
    values = [v for v in _subsets(mask) if low <= v <= high]
    return sorted(values)[:4096]


def _subsets(mask: int) -> list[int]:
    bits = [1 << b for b in range(mask.bit_length()) if mask >> b & 1]
    if len(bits) > 12:
        bits = bits[:12]
    out = [0]
    for bit in bits:
        out += [v | bit for v in out]
    return out


def _silent_exists(writer: Domain, reader: Domain) -> bool:
    """Whether some writer value outside the sign-safe range reads as another accepted value."""
    for value in (writer.low, writer.high, -1, 1 << (8 * writer.size - 1)):
        if writer.low <= value <= writer.high:
            other = _reinterpret(value, writer.size, reader.signed)
            if other != value and _reader_accepts(reader, other):
                return True
    return False


def _enum_in_place(writer: Domain, reader: Domain, place: Place, renamed: Renamed, version: str) -> Effect:
    equal: list[str | int] = []
    silent = lost = False
    for number, name in sorted(writer.names.items()):
        outcome = _member_outcome(number, name, writer, reader, renamed)
        if outcome == "equal":
            equal.append(name)
        silent |= outcome == "silent"
        lost |= outcome != "equal"
    undeclared_ok = not writer.open or reader.kind != "enum" or reader.open
    if writer.open and reader.kind == "enum" and not reader.open:
        lost = True
    if not lost and undeclared_ok:
        return OK
    kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
    condition = Condition(kind, place.target, place.name, Allowed.MEMBERS, members=tuple(equal),
                          why=_why(silent, version), rules=(place.rule,))
    return only_if([condition] if equal else [], condition.why)


def _member_outcome(number: int, name: str, writer: Domain, reader: Domain, renamed: Renamed) -> str:
    read = _reinterpret(number, writer.size, reader.signed)
    if not _reader_accepts(reader, read):
        return "refused"
    if reader.kind != "enum":
        return "equal" if read == number else "silent"
    reader_names = set(reader.names.values())
    if name in reader_names or any(renamed(name, other) for other in reader_names):
        same = reader.names.get(read)
        return "equal" if same is not None and (same == name or renamed(name, same)) else "silent"
    return "equal" if read == number else "silent"  # a member the reader lacks survives as its number


def _flags_in_place(writer: Domain, reader: Domain, place: Place, renamed: Renamed, version: str) -> Effect:
    if reader.kind != "flags":
        fits = all(_reader_accepts(reader, 1 << bit) for bit in writer.names) and _reader_accepts(reader, writer.high)
        if fits:
            return OK
        fitting = [n for bit, n in sorted(writer.names.items()) if _reader_accepts(reader, 1 << bit)]
        condition = Condition(ConditionKind.VALUE, place.target, place.name, Allowed.BITS, members=tuple(fitting),
                              why=_why(False, version), rules=(place.rule,))
        return only_if([condition], condition.why)
    kept: list[str | int] = []
    silent = False
    for bit, name in sorted(writer.names.items()):
        other = reader.names.get(bit)
        if other is not None and (other == name or renamed(name, other)):
            kept.append(name)
        elif other is not None:
            silent = True
    if len(kept) == len(writer.names):
        return OK
    kind = ConditionKind.SILENT if silent else ConditionKind.VALUE
    condition = Condition(kind, place.target, place.name, Allowed.BITS, members=tuple(kept),
                          why=_why(silent, version), rules=(place.rule,))
    return only_if([condition], condition.why)


def _why(silent: bool, version: str) -> str:
    if silent:
        return f"otherwise the {version} reader loads another value without an error"
    return f"otherwise the {version} reader refuses the state"


# -- zero tails --------------------------------------------------------------------------------


def zero_value(field: ir.StructField, schema: ir.Schema) -> tuple[bool, Any]:
    """(whether some valid value of ``field`` encodes as all-zero bytes, that value in state form)."""
    return _Zeros(schema).visit(field.type, field.min, field.max)


class _Zeros(Visitor[tuple[bool, Any]]):
    """``zero_value``: ``low``/``high`` are the field's declared range (for integers)."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema

    def visit_scalar(self, expr: ir.ScalarType, low: int | None, high: int | None) -> tuple[bool, Any]:
        if expr.name == "bool":
            return True, False
        return (low is None or low <= 0) and (high is None or high >= 0), 0

    def visit_string(self, expr: ir.StringType, low: int | None, high: int | None) -> tuple[bool, Any]:
        return True, ""

    def visit_bytes(self, expr: ir.BytesType, low: int | None, high: int | None) -> tuple[bool, Any]:
        return True, b"" if expr.counted else bytes(expr.length or 0)

    def visit_array(self, expr: ir.ArrayType, low: int | None, high: int | None) -> tuple[bool, Any]:
        if expr.stride:
            return False, None
        if expr.counted:
            return True, []
        ok, element = self.visit(expr.element, low, high)
        return ok, [element] * (expr.length or 0)

    def visit_enum_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> tuple[bool, Any]:
        named = self.schema.enum(expr.name)
        member = named.by_value().get(0)
        if member is not None:
            return True, member
        return named.open, 0

    def visit_flags_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> tuple[bool, Any]:
        return True, []

    def visit_struct_ref(self, expr: ir.NamedRef, low: int | None, high: int | None) -> tuple[bool, Any]:
        return False, None  # a struct in field position: its u32 size prefix is never zero


def zero_tail(field: ir.StructField, struct: str, schema: ir.Schema, rule: str, reader: str) -> Effect:
    """The effect of a reader that lacks ``field`` (of the writer's ``struct``): it must encode as zero."""
    name = f"{struct}.{field.name}"
    possible, zero = zero_value(field, schema)
    if not possible:
        return refused(f"every state has a non-zero {name} (a size prefix, a stride or a range without 0), "
                       f"which the {reader} reader refuses as a non-zero tail")
    default = field_default(schema, field)
    why = f"otherwise the {reader} reader refuses the non-zero tail"
    if _same(default, zero):
        condition = Condition(ConditionKind.DEFAULT, Target.FIELD, name, Allowed.DEFAULT, members=(freeze(default),),
                              why=why, rules=(rule,))
        return only_if([condition], why)
    return only_if([_zero_condition(field, name, zero, why, rule)], why)


def _zero_condition(field: ir.StructField, name: str, zero: Any, why: str, rule: str) -> Condition:
    """"Holds its zero" for a field whose default is not zero (a base field appended without ``since``)."""
    expr = field.type
    kind, target = ConditionKind.VALUE, Target.FIELD
    if isinstance(expr, ir.ArrayType | ir.StringType | ir.BytesType) and getattr(expr, "max", None) is not None:
        return Condition(kind, target, name, Allowed.COUNT, high=0, why=why, rules=(rule,))
    innermost = expr.innermost
    if isinstance(innermost, ir.NamedRef) and innermost.target_kind == "flags":
        return Condition(kind, target, name, Allowed.BITS, members=(), why=why, rules=(rule,))
    element = zero[0] if isinstance(zero, list) and zero else zero
    if isinstance(element, str):  # an enum member numbered 0
        return Condition(kind, target, name, Allowed.MEMBERS, members=(element,), why=why, rules=(rule,))
    return Condition(kind, target, name, Allowed.RANGE, low=0, high=0, why=why, rules=(rule,))


def freeze(value: Any) -> Any:
    """A hashable form of a state value (lists as tuples), for a condition's ``members``."""
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
