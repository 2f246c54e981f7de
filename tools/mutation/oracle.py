"""Ground truth from the codecs: what happens when one version's reader loads another's state.

For a writer schema and a reader schema, states of the writer (drawn by hypothesis, plus
the writer's default state) are encoded by the reference codec (``devstate.interp``) and
decoded by the reader's; each gives one ``Outcome``:

* ``equal`` — it loads, and every value both versions have is equal;
* ``skipped`` — it loads with every shared value equal, but the reader skipped sections
  it does not know (kept as unknown sections: the device cannot use their state);
* ``different`` — it loads, but a shared value differs or a shared section is gone;
* ``refused`` — the reader refuses it with a typed ``DecodeError`` (its code is kept).

"Shared" follows the mutant's identity of things, not the checker's: a field, section or
member is the same in both versions when it has the same name, or the mutant renamed it
(``renames``: new name → old name, keyed ``Struct.field``, ``Enum.member``, ``section s``,
``vendor section v``). Values are compared by meaning: enum members by name (numbers for
undeclared values of open enums), flags by their set names, a bool, enum or flags value
against an integer by its number, an integer against bytes by its little-endian bytes.

Where a standard version is one side, its generated Python codec (``codegen/python``)
decodes or encodes too and must agree with the reference codec exactly (same state, same
error code, same bytes): the codecs themselves are cross-checked on every mutant.
"""

from __future__ import annotations

import copy
import functools
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from devstate import ir
from devstate.interp import decode, encode
from devstate.state import State, default_state, field_default, type_default, vendor_order
from devstate.wire.errors import DecodeError
from tools.strategies import states as state_strategy

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "codegen" / "python"

EQUAL, SKIPPED, DIFFERENT, REFUSED = "equal", "skipped", "different", "refused"


@dataclass(frozen=True)
class Outcome:
    kind: str
    detail: str = ""
    """The error code and path (refused), or the path that differs (different)."""

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


# -- states ------------------------------------------------------------------------------


_DRAWN: dict[tuple[str, str, int], tuple[State, ...]] = {}


def drawn_states(schema: ir.Schema, count: int) -> tuple[State, ...]:
    """The default state of ``schema``, then ``count`` valid states drawn by hypothesis (deterministic)."""
    key = (schema.file, schema.sha256, count)
    if key not in _DRAWN:
        if len(_DRAWN) > 256:
            _DRAWN.clear()
        _DRAWN[key] = _draw(schema, count)
    return _DRAWN[key]


def _draw(schema: ir.Schema, count: int) -> tuple[State, ...]:
    found: list[State] = []

    @settings(max_examples=count, database=None, derandomize=True, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(state_strategy(schema, max_elements=3, max_bytes=12))
    def collect(state: State) -> None:
        found.append(state)

    collect()
    return (default_state(schema), *found[:count])


_EXTREMES: dict[tuple[str, str, frozenset[str]], tuple[State, ...]] = {}
ENUM_MEMBERS_TRIED = 24
"""At most this many members of a focused enum are tried one by one."""


def extreme_states(schema: ir.Schema, focus: frozenset[str]) -> tuple[State, ...]:
    """States with extreme values where an edit is: every optional section present, counted
    arrays with one element, and the focused things (``S.f``, a type, ``section s``) at their
    largest and smallest values, longest and shortest lengths, each enum member in turn.
    Random states rarely hold a maximum; a changed maximum is where a difference shows."""
    key = (schema.file, schema.sha256, focus)
    if key not in _EXTREMES:
        if len(_EXTREMES) > 256:
            _EXTREMES.clear()
        _EXTREMES[key] = _extremes(schema, focus)
    return _EXTREMES[key]


def _extremes(schema: ir.Schema, focus: frozenset[str]) -> tuple[State, ...]:
    base = rich_state(schema)
    out = [_Extreme(schema, focus, mode).state(base) for mode in ("high", "low", "undeclared")]
    for index in range(ENUM_MEMBERS_TRIED):
        member = _Extreme(schema, focus, "member", index)
        state = member.state(base)
        if not member.used:
            break
        out.append(state)
    return tuple(s for i, s in enumerate(out) if s not in out[:i])


def rich_state(schema: ir.Schema) -> State:
    """Every section present (optional ones too), one element in each counted array."""
    state = default_state(schema)
    state["sections"] = {s.name: _rich(schema, s.type) for s in sorted(schema.sections, key=lambda s: s.id)}
    state["vendor_sections"] = {v.name: b"" if v.type is None else _rich(schema, v.type)
                                for v in sorted(schema.vendor_sections, key=vendor_order)}
    return state


def _rich(schema: ir.Schema, expr: Any, bounds: tuple[int | None, int | None] = (None, None)) -> Any:
    if isinstance(expr, ir.ArrayType):
        count = expr.length if expr.length is not None else min(1, expr.max or 0)
        return [_rich(schema, expr.element, bounds) for _ in range(count)]
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "struct":
        struct = schema.struct(expr.name)
        return {f.name: _rich(schema, f.type, (f.min, f.max)) if _composite(f.type) else field_default(schema, f)
                for f in struct.fields}
    value = type_default(schema, expr)
    low, high = bounds
    if isinstance(value, int) and not isinstance(value, bool):
        value = max(value, low) if low is not None else value
        value = min(value, high) if high is not None else value
    return value


def _composite(expr: Any) -> bool:
    return isinstance(expr, ir.ArrayType) or (isinstance(expr, ir.NamedRef) and expr.target_kind == "struct")


class _Extreme:
    """Rewrites a state with the focused things at one extreme (``high``, ``low`` or ``member`` N)."""

    def __init__(self, schema: ir.Schema, focus: frozenset[str], mode: str, index: int = 0) -> None:
        self.schema = schema
        self.focus = focus
        self.mode = mode
        self.index = index
        self.used = False
        """``member`` mode: some focused enum had a member ``index``."""

    def state(self, base: State) -> State:
        out = copy.deepcopy(base)
        for group, label, declared in (("sections", "section", self.schema.sections),
                                       ("vendor_sections", "vendor section", self.schema.vendor_sections)):
            for section in declared:
                if section.name in out[group] and section.type is not None:
                    focused = f"{label} {section.name}" in self.focus
                    out[group][section.name] = self.value(section.type, out[group][section.name], focused, (None, None))
                elif section.name in out[group] and f"{label} {section.name}" in self.focus and self.mode == "high":
                    out[group][section.name] = bytes([0xA5]) * (section.max or 0)
        return out

    def value(self, expr: Any, value: Any, focused: bool, bounds: tuple[int | None, int | None]) -> Any:
        if isinstance(expr, ir.ArrayType):
            return self._array(expr, value, focused, bounds)
        if isinstance(expr, ir.NamedRef):
            named = self.schema.types[expr.name]
            focused = focused or expr.name in self.focus
            if isinstance(named, ir.StructType):
                return {f.name: self.value(f.type, value[f.name], focused or f"{expr.name}.{f.name}" in self.focus,
                                           (f.min, f.max)) for f in named.fields}
            if not focused:
                return value
            return self._enum(named, value) if isinstance(named, ir.EnumType) else self._flags(named)
        if not focused:
            return value
        if isinstance(expr, ir.ScalarType):
            return self._scalar(expr.name, bounds, value)
        if isinstance(expr, ir.BytesType):
            if self.mode in ("member", "undeclared"):
                return value
            size = expr.length if expr.length is not None else (expr.max or 0) if self.mode == "high" else 0
            return bytes([0xA5 if self.mode == "high" else 0]) * size
        assert isinstance(expr, ir.StringType)
        if self.mode in ("member", "undeclared"):
            return value
        return "a" * expr.max if self.mode == "high" else ""

    def _array(self, expr: ir.ArrayType, value: list[Any], focused: bool,
               bounds: tuple[int | None, int | None]) -> list[Any]:
        if focused and expr.counted and self.mode in ("high", "low"):
            # low: one element at its lowest (an empty array is the default state's)
            count = (expr.max or 0) if self.mode == "high" else min(1, expr.max or 0)
            element = value[0] if value else _rich(self.schema, expr.element, bounds)
            value = [copy.deepcopy(element) for _ in range(count)] if count <= 64 else [element] * count
        scalar = isinstance(expr.element, ir.ScalarType)
        return [self.value(expr.element, item, focused and scalar, bounds) for item in value]

    def _scalar(self, name: str, bounds: tuple[int | None, int | None], value: Any) -> Any:
        low, high = ir.scalar_range(name)
        low = low if bounds[0] is None else max(low, bounds[0])
        high = high if bounds[1] is None else min(high, bounds[1])
        if self.mode in ("member", "undeclared"):
            return value
        pick = high if self.mode == "high" else low
        return bool(pick) if name == "bool" else pick

    def _enum(self, enum: ir.EnumType, value: Any) -> Any:
        members = sorted(enum.values, key=lambda m: m.value)
        if self.mode == "member":
            if self.index < len(members):
                self.used = True
                return members[self.index].name
            return value
        if self.mode == "undeclared":  # an open enum's number no member has
            if not enum.open:
                return value
            low, high = ir.scalar_range(enum.base.name)
            declared = enum.by_value()
            return next((v for v in (high, low, high - 1) if v not in declared), value)
        return (members[-1] if self.mode == "high" else members[0]).name

    def _flags(self, flags: ir.FlagsType) -> list[str]:
        ordered = [b.name for b in sorted(flags.bits, key=lambda b: b.bit)]
        return ordered if self.mode in ("high", "member", "undeclared") else []


# -- one load ----------------------------------------------------------------------------


def load(writer: ir.Schema, reader: ir.Schema, state: State, renames: dict[str, str]) -> Outcome:
    """Encode ``state`` with ``writer``, decode it with ``reader``, judge what came out.

    ``renames``: reader-side key → writer-side name (see ``reader_names``).
    """
    blob = encode(writer, state)
    try:
        decoded = decode(reader, blob)
    except DecodeError as exc:
        return Outcome(REFUSED, f"{exc.code} at {exc.path}")
    return Compare(writer, reader, renames).state(state, decoded)


def outcomes(writer: ir.Schema, reader: ir.Schema, states: Iterable[State], renames: dict[str, str]) -> list[Outcome]:
    return [load(writer, reader, state, renames) for state in states]


# -- comparing a written state with what the reader decoded --------------------------------


class _Differs(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Compare:
    """Walks the writer's state and the reader's decoded state side by side."""

    def __init__(self, writer: ir.Schema, reader: ir.Schema, renames: dict[str, str]) -> None:
        self.writer = writer
        self.reader = reader
        self.renames = renames

    def old_name(self, key: str) -> str:
        """The writer-side name of the reader-side thing ``key`` (``S.f``, ``E.m``, ``section s``)."""
        return self.renames.get(key, _last(key))

    def state(self, written: State, decoded: State) -> Outcome:
        skipped = False
        try:
            for group, label in (("sections", "section"), ("vendor_sections", "vendor section")):
                skipped |= self._sections(written, decoded, group, label)
        except _Differs as exc:
            return Outcome(DIFFERENT, exc.path)
        return Outcome(SKIPPED, "unknown sections skipped") if skipped else Outcome(EQUAL)

    def _sections(self, written: State, decoded: State, group: str, label: str) -> bool:
        reader_by_old = {self.old_name(f"{label} {s.name}"): s for s in _declared(self.reader, group)}
        writer_sections = {s.name: s for s in _declared(self.writer, group)}
        skipped = False
        for name, value in written[group].items():
            target = reader_by_old.get(name)
            if target is None:
                skipped = True  # a section the reader does not have: skipped as unknown (or refused)
                continue
            path = f"$.{group}.{target.name}"
            if target.name not in decoded[group]:
                raise _Differs(f"{path} (absent)")
            self.value(writer_sections[name].type, value, target.type, decoded[group][target.name], path)
        return skipped

    # -- values --------------------------------------------------------------------------

    def value(self, wexpr: Any, wv: Any, rexpr: Any, rv: Any, path: str) -> None:
        if wexpr is None or rexpr is None:  # opaque vendor payloads: compared as bytes
            wbytes = bytes(wv) if wexpr is None else _as_bytes(wexpr, None, wv)
            if wbytes != (bytes(rv) if rexpr is None else _as_bytes(rexpr, None, rv)):
                raise _Differs(path)
            return
        wnamed = self.writer.types[wexpr.name] if isinstance(wexpr, ir.NamedRef) else None
        rnamed = self.reader.types[rexpr.name] if isinstance(rexpr, ir.NamedRef) else None
        rname = rexpr.name if isinstance(rexpr, ir.NamedRef) else ""  # renames use the reader's IR names
        if isinstance(wnamed, ir.StructType) or isinstance(rnamed, ir.StructType):
            self._struct(wnamed, wv, rnamed, rv, path, rname)
        elif isinstance(wexpr, ir.ArrayType) or isinstance(rexpr, ir.ArrayType):
            self._array(wexpr, wv, rexpr, rv, path)
        elif isinstance(wnamed, ir.EnumType) and isinstance(rnamed, ir.EnumType):
            self._enum(wnamed, wv, rnamed, rv, path, rname)
        elif isinstance(wnamed, ir.FlagsType) and isinstance(rnamed, ir.FlagsType):
            self._flags(wnamed, wv, rnamed, rv, path, rname)
        elif _number(wnamed, wv) is not None and _number(rnamed, rv) is not None:
            if _number(wnamed, wv) != _number(rnamed, rv):
                raise _Differs(path)
        elif _as_bytes(wexpr, wnamed, wv) != _as_bytes(rexpr, rnamed, rv):
            raise _Differs(path)

    def _struct(self, wnamed: Any, wv: Any, rnamed: Any, rv: Any, path: str, rname: str) -> None:
        if not (isinstance(wnamed, ir.StructType) and isinstance(rnamed, ir.StructType)):
            raise _Differs(path)
        wfields = {f.name: f for f in wnamed.fields}
        for field in rnamed.fields:
            name = self.old_name(f"{rname}.{field.name}")
            if name in wfields:
                self.value(wfields[name].type, wv[name], field.type, rv[field.name], f"{path}.{field.name}")

    def _array(self, wexpr: Any, wv: Any, rexpr: Any, rv: Any, path: str) -> None:
        if not (isinstance(wexpr, ir.ArrayType) and isinstance(rexpr, ir.ArrayType)):
            if _as_bytes(wexpr, None, wv) != _as_bytes(rexpr, None, rv):
                raise _Differs(path)
            return
        if len(wv) != len(rv):
            raise _Differs(f"{path} (length {len(wv)} → {len(rv)})")
        for index, (witem, ritem) in enumerate(zip(wv, rv, strict=True)):
            self.value(wexpr.element, witem, rexpr.element, ritem, f"{path}[{index}]")

    def _enum(self, wenum: ir.EnumType, wv: Any, renum: ir.EnumType, rv: Any, path: str, rname: str) -> None:
        if isinstance(wv, str):
            reader_names = {self.old_name(f"{rname}.{n}"): n for n in renum.by_name()}
            if wv in reader_names:
                if rv != reader_names[wv]:
                    raise _Differs(f"{path} ({wv} → {rv})")
                return
            wv = wenum.by_name()[wv]  # a member the reader does not know: only its number can survive
        if (renum.by_name().get(rv) if isinstance(rv, str) else rv) != wv:
            raise _Differs(f"{path} ({wv} → {rv})")

    def _flags(self, wflags: ir.FlagsType, wv: list[str], rflags: ir.FlagsType, rv: list[str], path: str,
               rname: str) -> None:
        mapped = sorted(self.old_name(f"{rname}.{n}") for n in rv)
        if mapped != sorted(wv):
            raise _Differs(f"{path} ({wv} → {rv})")


def _last(key: str) -> str:
    """The name in a key: ``f`` of ``virtio.virtqueue.f``, ``s`` of ``section s``."""
    if " " in key:
        return key.rpartition(" ")[2]
    return key.rpartition(".")[2]


def reader_names(renames: dict[str, str], mutant_reads: bool) -> dict[str, str]:
    """Reader-side key → writer-side name, from a mutant's renames (its key → the old name)."""
    if mutant_reads:
        return {key: old for key, old in renames.items()}
    out = {}
    for key, old in renames.items():
        head, sep, new = key.rpartition(" " if " " in key else ".")
        out[f"{head}{sep}{old}"] = new
    return out


def _declared(schema: ir.Schema, group: str) -> Sequence[Any]:
    return schema.sections if group == "sections" else schema.vendor_sections


def _number(named: Any, value: Any) -> int | None:
    """The wire number of a scalar, bool, enum or flags value (None for anything else)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(named, ir.EnumType) and isinstance(value, str):
        return named.by_name().get(value)
    if isinstance(named, ir.FlagsType) and isinstance(value, list):
        bits = {b.name: b.bit for b in named.bits}
        return sum(1 << bits[name] for name in value)
    return None


def _as_bytes(expr: Any, named: Any, value: Any) -> bytes | None:
    """A value as the bytes it encodes to, where that is plain (integers, bytes, u8 lists)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return bytes(v & 0xFF for v in value) if all(-128 <= v <= 255 for v in value) else None
    number = _number(named, value)
    if number is None:
        return None
    scalar = expr if isinstance(expr, ir.ScalarType) else getattr(named, "base", None)
    size = ir.SCALAR_SIZES[scalar.name] if scalar is not None else 1
    return (number % (1 << (8 * size))).to_bytes(size, "little")


# -- projections: making a state meet conditions ---------------------------------------------


Fix = Callable[[Any], Any]


def project(schema: ir.Schema, state: State, field_fixes: dict[tuple[str, str], Fix],
            type_fixes: dict[str, Fix], section_fixes: dict[str, Fix | None]) -> State:
    """A copy of ``state`` with fixes applied: per struct field (every occurrence), per named
    type (every value of it), per section (``None`` removes an optional section)."""
    out = copy.deepcopy(state)
    walker = _Projector(schema, field_fixes, type_fixes)
    for group, declared in (("sections", schema.sections), ("vendor_sections", schema.vendor_sections)):
        for section in declared:
            if section.name not in out[group]:
                continue
            key = section.name
            if key in section_fixes:
                fix = section_fixes[key]
                if fix is None:
                    del out[group][key]
                    continue
                out[group][key] = fix(out[group][key])
            if section.type is not None:
                out[group][key] = walker.value(section.type, out[group][key])
    return out


class _Projector:
    def __init__(self, schema: ir.Schema, field_fixes: dict[tuple[str, str], Fix],
                 type_fixes: dict[str, Fix]) -> None:
        self.schema = schema
        self.field_fixes = field_fixes
        self.type_fixes = type_fixes

    def value(self, expr: Any, value: Any) -> Any:
        if isinstance(expr, ir.ArrayType):
            return [self.value(expr.element, item) for item in value]
        if not isinstance(expr, ir.NamedRef):
            return value
        if expr.name in self.type_fixes:
            value = self.type_fixes[expr.name](value)
        named = self.schema.types[expr.name]
        if isinstance(named, ir.StructType):
            out = {}
            for field in named.fields:
                item = value[field.name]
                fix = self.field_fixes.get((expr.name, field.name))
                if fix is not None:
                    item = fix(item)
                out[field.name] = self.value(field.type, item)
            return out
        return value


def default_of(schema: ir.Schema, struct: str, field: str) -> Any:
    return field_default(schema, schema.struct(struct).field(field))


# -- the generated Python codecs of the standard schemas -------------------------------------


@functools.cache
def generated(ident: str) -> ModuleType | None:
    """The committed generated Python module of a standard schema (None when there is none)."""
    from devstate.emit import module_stem
    from devstate.schema import find_schema_file, load_schema

    try:
        schema = load_schema(find_schema_file(ident).path)
    except Exception:
        return None
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
    try:
        return importlib.import_module(f"devstate_codecs.{module_stem(schema.model, schema.version)}")
    except ImportError:
        return None


def cross_check_decode(reader: ir.Schema, blob: bytes, reference: Outcome | State) -> str | None:
    """Where the generated codec of a standard reader disagrees with the reference (None: it agrees)."""
    module = generated(reader.ident) if _is_standard(reader) else None
    if module is None:
        return None
    try:
        state = module.to_state(module.decode(blob))
    except Exception as exc:  # the generated runtime's DecodeError
        code = str(getattr(exc, "code", type(exc).__name__))
        if isinstance(reference, Outcome) and reference.kind == REFUSED and reference.detail.startswith(code):
            return None
        return f"generated {reader.ident} decoder: {code}; reference: {reference}"
    if isinstance(reference, Outcome):
        return f"generated {reader.ident} decoder loads what the reference refuses ({reference})"
    return None if _json_equal(state, reference) else f"generated {reader.ident} decoder: another state"


def cross_check_encode(writer: ir.Schema, state: State, blob: bytes) -> str | None:
    module = generated(writer.ident) if _is_standard(writer) else None
    if module is None:
        return None
    mine = module.encode(module.from_state(state))
    return None if mine == blob else f"generated {writer.ident} encoder writes other bytes"


def _is_standard(schema: ir.Schema) -> bool:
    from devstate.schema import standard_schemas_dir

    try:
        Path(schema.file).resolve().relative_to(standard_schemas_dir().resolve())
    except ValueError:
        return False
    return True


def _json_equal(a: Any, b: Any) -> bool:
    from devstate.state import state_to_json

    return bool(state_to_json(a) == state_to_json(b))
