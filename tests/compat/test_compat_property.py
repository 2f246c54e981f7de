"""Property: what compat says about a schema pair is what the codec does.

For random schema pairs (a random base struct and one random change), if compat calls the
pair forward-compatible, states written by the new version with its new fields at their
defaults decode with the old version's codec (to exactly the down-converted state), and a
new field set to a non-default value is refused; if compat calls it forward-incompatible,
a witness state of the new version is refused by the old codec. The same holds backward.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from compat_helpers import write_version
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstate import ir
from devstate.compat import Direction, diff_schemas
from devstate.compat.convert import StateConverter
from devstate.interp import decode, encode
from devstate.schema import load_schema
from devstate.state import State, default_state
from devstate.wire.errors import DecodeError

SCALARS = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "bool"]


@dataclass(frozen=True)
class Spec:
    scalars: tuple[str, ...]
    enum_open: bool
    enum_values: int = 2
    flag_bits: int = 2
    arr_max: int = 4
    r_max: int = 10
    appended: tuple[tuple[str, int | None, bool], ...] = ()
    extra_section: str | None = None
    arr_name: str = "arr"

    def render(self, version: str) -> str:
        lines = ["types:", "  s:", "    kind: struct", "    fields:"]
        lines += [f"      - {{name: f{i}, type: {t}}}" for i, t in enumerate(self.scalars)]
        lines += ["      - {name: e, type: mode}", "      - {name: g, type: bits}",
                  f"      - {{name: {self.arr_name}, type: {{kind: array, of: u8, max: {self.arr_max}}}}}",
                  f"      - {{name: r, type: u8, max: {self.r_max}}}"]
        for index, (kind, default, since) in enumerate(self.appended):
            extras = f", default: {default}" if default is not None else ""
            extras += f', since: "{version}"' if since else ""
            lines.append(f"      - {{name: n{index}, type: {kind}{extras}}}")
        values = ", ".join(f"{'abc'[i]}: {{value: {i}{', since: ' + chr(34) + version + chr(34) if i >= 2 else ''}}}"
                           for i in range(self.enum_values))
        bits = ", ".join(f"{'xyz'[i]}: {{bit: {i}{', since: ' + chr(34) + version + chr(34) if i >= 2 else ''}}}"
                         for i in range(self.flag_bits))
        lines += [f"  mode: {{kind: enum, base: u8, {'open: true, ' if self.enum_open else ''}values: {{{values}}}}}",
                  f"  bits: {{kind: flags, base: u8, bits: {{{bits}}}}}",
                  "sections:", "  - {id: 1, name: main, type: s}"]
        if self.extra_section:
            optional = f', optional: true, since: "{version}"' if self.extra_section == "optional" else ""
            lines.append(f"  - {{id: 2, name: extra, type: u16{optional}}}")
        return "\n".join(lines) + "\n"


def mutate(spec: Spec, change: str) -> Spec:
    mutations = {
        "append_zero": lambda: replace(spec, appended=(("u16", None, True),)),
        "append_nonzero": lambda: replace(spec, appended=(("u16", 7, False),)),
        "enum_add": lambda: replace(spec, enum_values=3),
        "flag_add": lambda: replace(spec, flag_bits=3),
        "max_widen": lambda: replace(spec, arr_max=spec.arr_max + 2),
        "max_narrow": lambda: replace(spec, arr_max=spec.arr_max - 1),
        "range_widen": lambda: replace(spec, r_max=20),
        "range_narrow": lambda: replace(spec, r_max=5),
        "section_optional": lambda: replace(spec, extra_section="optional"),
        "section_required": lambda: replace(spec, extra_section="required"),
        "drop_field": lambda: replace(spec, scalars=spec.scalars[:-1]),
        "rename": lambda: replace(spec, arr_name="items"),
    }
    return mutations[change]()


def witness(change: str, state: State) -> State | None:
    """A new-version state the old reader must refuse, for changes that break FORWARD."""
    main = state["sections"]["main"]
    edits = {
        "append_nonzero": lambda: None,
        "enum_add": lambda: main.update(e="c"),
        "flag_add": lambda: main.update(g=["z"]),
        "max_widen": lambda: main.update(arr=[1] * 6),
        "range_widen": lambda: main.update(r=20),
        "section_required": lambda: None,
        "drop_field": lambda: None,
    }
    if change not in edits:
        return None
    edits[change]()
    return state


def values(data: st.DataObject, schema: ir.Schema, keep_default: set[str]) -> State:
    state = default_state(schema)
    main = state["sections"]["main"]
    struct = schema.struct("s")
    for field in struct.fields:
        if field.name in keep_default:
            continue
        if isinstance(field.type, ir.ScalarType):
            if field.type.name == "bool":
                main[field.name] = data.draw(st.booleans())
            else:
                low, high = ir.scalar_range(field.type.name)
                main[field.name] = data.draw(st.integers(low, high if field.max is None else field.max))
        elif isinstance(field.type, ir.ArrayType):
            main[field.name] = data.draw(st.lists(st.integers(0, 255), max_size=field.type.max))
    enum = schema.types["mode"]
    assert isinstance(enum, ir.EnumType)
    main["e"] = data.draw(st.sampled_from([v.name for v in enum.values if v.since is None]))
    main["g"] = data.draw(st.sampled_from([[], ["x"], ["x", "y"]]))
    return state


def load_pair(old: Spec, new: Spec) -> tuple[ir.Schema, ir.Schema]:
    root = Path(tempfile.mkdtemp(prefix="compat-prop-"))
    return (load_schema(write_version(root / "a", old.render("1.0"), "1.0")),
            load_schema(write_version(root / "b", new.render("1.1"), "1.1")))


CHANGES = ["append_zero", "append_nonzero", "enum_add", "flag_add", "max_widen", "max_narrow", "range_widen",
           "range_narrow", "section_optional", "section_required", "drop_field", "rename"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalars=st.lists(st.sampled_from(SCALARS), min_size=2, max_size=4).map(tuple), enum_open=st.booleans(),
       change=st.sampled_from(CHANGES), data=st.data())
def test_compat_verdict_matches_the_codec(scalars: tuple[str, ...], enum_open: bool, change: str,
                                          data: st.DataObject) -> None:
    old_spec = Spec(scalars, enum_open)
    old, new = load_pair(old_spec, mutate(old_spec, change))
    changes = diff_schemas(old, new)
    forward_ok = not any(c.direction.breaks(Direction.FORWARD) for c in changes)
    backward_ok = not any(c.direction.breaks(Direction.BACKWARD) for c in changes)
    added = {f"n{i}" for i in range(len(new.struct("s").fields))}
    written = values(data, new, keep_default=added)
    if forward_ok:
        blob = encode(new, written)
        assert decode(old, blob) == StateConverter(new, old).convert(written)
        if change == "append_zero":
            written["sections"]["main"]["n0"] = 1
            with pytest.raises(DecodeError):
                decode(old, encode(new, written))
    else:
        refused = witness(change, default_state(new))
        assert refused is not None, f"{change}: compat says FORWARD breaks, but the test has no witness"
        with pytest.raises(DecodeError):
            decode(old, encode(new, refused))
    old_state = values(data, old, keep_default=set())
    if backward_ok:
        assert decode(new, encode(old, old_state)) == StateConverter(old, new).convert(old_state)


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_has_the_expected_verdict(change: str) -> None:
    old_spec = Spec(("u8", "u16"), enum_open=False)
    changes = diff_schemas(*load_pair(old_spec, mutate(old_spec, change)))
    forward_broken = any(c.direction.breaks(Direction.FORWARD) for c in changes)
    assert forward_broken == (witness(change, {"sections": {"main": {}}}) is not None), [c.rule.id for c in changes]
