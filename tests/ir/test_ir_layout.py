"""Layout facts the IR owns (minimum and static sizes, strides, heights, reachable types)
and the one visitor base every consumer dispatches with."""

from __future__ import annotations

import pytest
from paths import ROOT

from devstate import ir
from devstate.errors import EmitError
from devstate.schema import load_schema
from devstate.visit import Visitor

TEST_11 = ROOT / "spec" / "conformance" / "schemas" / "org.devstate.test" / "1.1.yaml"


@pytest.fixture(scope="module")
def schema() -> ir.Schema:
    return load_schema(TEST_11)


def _field_type(schema: ir.Schema, struct: str, name: str) -> ir.TypeExpr:
    return schema.struct(struct).field(name).type


@pytest.mark.parametrize(("struct", "field", "minimum", "static"), [
    ("main_state", "mode", 1, 1),          # enum: its width
    ("main_state", "speed", 2, 2),         # open enum on u16
    ("main_state", "big", 8, 8),           # scalar
    ("main_state", "mac", 6, 6),           # fixed array of u8
    ("main_state", "name", 4, None),       # string: its length prefix
    ("main_state", "blob", 4, None),       # counted bytes
    ("main_state", "key", 4, 4),           # fixed bytes of length 4
    ("main_state", "nested", 4, None),     # struct as a field: its size prefix
    ("main_state", "levels", 4, None),     # counted array of a non-struct
    ("extra_state", "pair", 4, None),      # fixed array of a struct: the stride
    ("extra_state", "words", 4, None),     # counted array of u8[2]
])
def test_minimum_and_static_sizes_follow_the_spec_table(schema: ir.Schema, struct: str, field: str, minimum: int,
                                                        static: int | None) -> None:
    expr = _field_type(schema, struct, field)
    assert (expr.min_size, expr.static_size) == (minimum, static)


def test_a_counted_array_of_structs_needs_its_count_and_stride(schema: ir.Schema) -> None:
    entries = schema.section("entries").type
    assert isinstance(entries, ir.ArrayType) and entries.stride
    assert (entries.min_size, entries.static_size) == (8, None)


def test_short_strides_are_the_offsets_of_appended_fields(schema: ir.Schema) -> None:
    entry = schema.struct("entry")
    assert entry.body_size == 10 and entry.short_strides == (8,)
    assert [s for s in range(12) if entry.valid_stride(s)] == [8, 10, 11]
    assert schema.struct("acme_regs").short_strides == ()


def test_heights_count_the_nesting_levels_below_a_value(schema: ir.Schema) -> None:
    assert schema.struct_height("inner") == 1               # its fields are one level below it
    assert schema.struct_height("main_state") == 2          # nested: inner
    assert schema.struct_height("extra_state") == 3         # pair: an array level, then entry
    assert schema.height(_field_type(schema, "extra_state", "words")) == 2


def test_reachable_types_come_dependencies_first_in_wire_order(schema: ir.Schema) -> None:
    assert schema.reachable_types == ("mode", "speed", "inner", "main_state", "caps", "entry", "extra_state",
                                      "acme_regs")


def test_vendor_sections_are_ordered_by_their_header_bytes(schema: ir.Schema) -> None:
    ordered = schema.vendor_sections_in_order
    assert [s.name for s in ordered] == ["acme_blob", "acme_regs"]
    assert ordered[0].vendor.header == bytes.fromhex("0100 3412") + bytes(14)
    assert ordered[1].vendor.header[:2] == b"\x02\x00" and len(ordered[1].vendor.header) == 18


class _Labels(Visitor[str]):
    def visit_scalar(self, node: ir.ScalarType) -> str:
        return node.name

    def visit_struct_ref(self, node: ir.NamedRef) -> str:
        return f"struct {node.name}"

    def visit_ref(self, node: ir.NamedRef) -> str:
        return f"{node.target_kind} {node.name}"


def test_the_visitor_dispatches_on_kind_and_refuses_a_kind_it_does_not_handle(schema: ir.Schema) -> None:
    labels = _Labels()
    assert labels.visit(_field_type(schema, "main_state", "big")) == "u64"
    assert labels.visit(_field_type(schema, "main_state", "nested")) == "struct inner"
    assert labels.visit(_field_type(schema, "main_state", "mode")) == "enum mode"
    with pytest.raises(EmitError, match="_Labels does not handle IR nodes of kind 'string'") as caught:
        labels.visit(_field_type(schema, "main_state", "name"))
    assert caught.value.code == "EMIT_ERROR"


class _LoudLabels(_Labels):
    def visit_scalar(self, node: ir.ScalarType) -> str:
        return node.name.upper()


def test_each_visitor_class_finds_its_own_methods_once(schema: ir.Schema) -> None:
    big = _field_type(schema, "main_state", "big")
    assert _Labels().visit(big) == "u64"
    assert _LoudLabels().visit(big) == "U64"  # the subclass's override, not the base's cached method
    assert _LoudLabels().visit(_field_type(schema, "main_state", "nested")) == "struct inner"
    labels = _Labels()
    assert labels.handler(big)(big) == "u64"
    with pytest.raises(EmitError, match="_LoudLabels does not handle IR nodes of kind 'bytes'"):
        _LoudLabels().handler(_field_type(schema, "main_state", "blob"))


def test_shape_facts_of_type_expressions(schema: ir.Schema) -> None:
    mac, nested = _field_type(schema, "main_state", "mac"), _field_type(schema, "main_state", "nested")
    pair, words = _field_type(schema, "extra_state", "pair"), _field_type(schema, "extra_state", "words")
    assert isinstance(mac, ir.ArrayType) and isinstance(pair, ir.ArrayType) and isinstance(words, ir.ArrayType)
    assert (mac.u8_elements, words.u8_elements, pair.u8_elements) == (True, False, False)
    assert (mac.element_size, words.element_size, pair.element_size) == (1, 2, 10)  # pair: entry's body (stride)
    assert mac.innermost == ir.ScalarType(name="u8") and words.innermost == ir.ScalarType(name="u8")
    assert pair.innermost.is_struct and nested.is_struct and nested.innermost is nested
    assert not (mac.is_struct or pair.is_struct or _field_type(schema, "main_state", "mode").is_struct)


def test_named_types_by_kind(schema: ir.Schema) -> None:
    assert [m.name for m in schema.flags("caps").members] == ["alpha", "beta", "gamma"]
    assert schema.enum("mode").members == schema.enum("mode").values
    with pytest.raises(TypeError, match=r"^caps is a flags, not an enum$"):
        schema.enum("caps")
    with pytest.raises(TypeError, match=r"^mode is an enum, not a flags type$"):
        schema.flags("mode")
    with pytest.raises(TypeError, match=r"^mode is an enum, not a struct$"):
        schema.struct("mode")
