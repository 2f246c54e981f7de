"""Rust definitions of a schema's named types: structs, closed enums, open enums, flags.

- struct → ``pub struct`` with one public field per schema field (in order) and a
  ``Default`` giving the schema's defaults;
- closed enum → a Rust ``enum`` (a decoded value is always a member), with ``value``,
  ``from_value`` and ``name``;
- open enum → a newtype over its base with one associated constant per member (any value
  of the base is valid);
- flags → a newtype over its base with one constant per bit, ``MASK`` (the declared bits),
  ``contains`` and ``|``.
"""

from __future__ import annotations

from devstate import ir
from devstate.state import field_default, type_default
from devstate.visit import Visitor

from .decode import Lines, block
from .encode import JsonWriter
from .literals import Literals, int_literal
from .names import RustNames, field_ident


def doc_lines(doc: str, prefix: str = "///") -> Lines:
    text = " ".join(doc.split())
    if not text:
        return []
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > 92:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [f"{prefix} {line}" for line in lines]


def bits_literal(value: int, base: str) -> str:
    """A flags value of ``base`` as a literal (two's complement for a signed base's top bit)."""
    width = int(base[1:])
    if base.startswith("i") and value >= 1 << (width - 1):
        value -= 1 << width
    return int_literal(value, base) if value < 0 else f"0x{value:X}"


class TypeDefinitions(Visitor[Lines]):
    def __init__(self, names: RustNames) -> None:
        self.names = names
        self.schema = names.schema
        self.literals = Literals(names)
        self.json = JsonWriter(names)

    def definition(self, type_name: str) -> Lines:
        return self.visit(self.names.named(type_name), type_name)

    def visit_struct(self, named: ir.StructType, key: str) -> Lines:
        return self.struct(key, named)

    def visit_flags(self, named: ir.FlagsType, key: str) -> Lines:
        return self.flags(key, named)

    def visit_enum(self, named: ir.EnumType, key: str) -> Lines:
        return self.open_enum(key, named) if named.open else self.closed_enum(key, named)

    def struct(self, key: str, struct: ir.StructType) -> Lines:
        rust = self.names.types[key]
        declared = self.names.type_name(key)
        members: Lines = []
        values: Lines = []
        for fld in struct.fields:
            since = f" (since {fld.since})" if fld.since is not None else ""
            unit = f" [{fld.unit}]" if fld.unit else ""
            doc = doc_lines(fld.doc + unit + since) or [f"/// `{ir.type_label(fld.type)}`{since}"]
            members += [*doc, f"pub {field_ident(fld.name)}: {self.names.rust_type(fld.type)},"]
            values.append(f"{field_ident(fld.name)}: {self.literals.value(fld.type, field_default(self.schema, fld))},")
        doc = doc_lines(struct.doc) or [f"/// struct `{struct.name}`."]
        default = block(f"impl Default for {self.names.type_name(key, chr(39) + '_')}",
                        block("fn default() -> Self", block(rust, values) if values else [f"{rust} {{}}"]))
        return [*doc, "#[derive(Clone, Debug, PartialEq, Eq)]", *block(f"pub struct {declared}", members), "",
                "/// The schema's defaults.", *default, "", *self.json.struct_impl(key)]

    def closed_enum(self, key: str, enum: ir.EnumType) -> Lines:
        rust = self.names.types[key]
        base = enum.base.name
        variants = self.names.enum_variants(enum)
        default = type_default(self.schema, ir.NamedRef(name=key, target_kind="enum", fixed_size=enum.base.size))
        members: Lines = []
        for member in enum.values:
            members += [*doc_lines(member.doc), *(["#[default]"] if member.name == default else []),
                        f"{variants[member.name]},"]
        value = [f"{rust}::{variants[m.name]} => {int_literal(m.value, base)}," for m in enum.values]
        from_value = [*(f"{int_literal(m.value, base)} => Some({rust}::{variants[m.name]})," for m in enum.values),
                      "_ => None,"]
        name = [f'{rust}::{variants[m.name]} => "{m.name}",' for m in enum.values]
        methods = [
            "/// The value on the wire.",
            *block(f"pub const fn value(self) -> {base}", block("match self", value)),
            "", "/// The member with this value (`None`: `BAD_ENUM`).",
            *block(f"pub const fn from_value(value: {base}) -> Option<{rust}>", block("match value", from_value)),
            "", "/// The member's name in the schema.",
            *block("pub const fn name(self) -> &'static str", block("match self", name)),
        ]
        doc = doc_lines(enum.doc) or [f"/// enum `{enum.name}` (closed, base {base})."]
        json = block(f"impl Json for {rust}", block("fn json(&self, out: &mut String)", ["self.name().json(out);"]))
        return [*doc, "#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]",
                *block(f"pub enum {rust}", members), "", *block(f"impl {rust}", methods), "", *json, ""]

    def open_enum(self, key: str, enum: ir.EnumType) -> Lines:
        rust = self.names.types[key]
        base = enum.base.name
        constants = self.names.constants(enum)
        consts: Lines = []
        for member in enum.values:
            consts += [*doc_lines(member.doc), f"pub const {constants[member.name]}: {rust} = "
                       f"{rust}({int_literal(member.value, base)});"]
        names = [*(f'{int_literal(m.value, base)} => Some("{m.name}"),' for m in enum.values), "_ => None,"]
        methods = [*consts, "", "/// The member's name, if the value is a declared member.",
                   *block("pub const fn name(self) -> Option<&'static str>", block("match self.0", names))]
        default = type_default(self.schema, ir.NamedRef(name=key, target_kind="enum", fixed_size=enum.base.size))
        number = enum.by_name()[default] if isinstance(default, str) else int(default)
        derive = "Default, " if number == 0 else ""
        impl_default = [] if number == 0 else [*block(f"impl Default for {rust}", block(
            f"fn default() -> {rust}", [f"{rust}({int_literal(number, base)})"])), ""]
        json = block(f"impl Json for {rust}", block("fn json(&self, out: &mut String)", block("match self.name()", [
            "Some(name) => name.json(out),", "None => self.0.json(out),"])))
        doc = doc_lines(enum.doc) or [f"/// enum `{enum.name}` (open, base {base}): any value of the base is valid."]
        return [*doc, f"#[derive(Clone, Copy, Debug, {derive}PartialEq, Eq, Hash)]", f"pub struct {rust}(pub {base});",
                "", *block(f"impl {rust}", methods), "", *impl_default, *json, ""]

    def flags(self, key: str, flags: ir.FlagsType) -> Lines:
        rust = self.names.types[key]
        base = flags.base.name
        constants = self.names.constants(flags)
        ordered = sorted(flags.bits, key=lambda b: b.bit)
        consts: Lines = []
        for bit in flags.bits:
            consts += [*doc_lines(bit.doc), f"pub const {constants[bit.name]}: {rust} = "
                       f"{rust}({bits_literal(1 << bit.bit, base)});"]
        methods = [
            *consts, "/// Every declared bit (others are `BAD_FLAGS`).",
            f"pub const MASK: {base} = {bits_literal(flags.mask, base)};", "",
            "/// No bit set.", *block(f"pub const fn empty() -> {rust}", [f"{rust}(0)"]), "",
            "/// Whether every bit of `other` is set.",
            *block(f"pub const fn contains(self, other: {rust}) -> bool", ["self.0 & other.0 == other.0"]),
        ]
        bitor = block(f"impl core::ops::BitOr for {rust}", [f"type Output = {rust};", "", *block(
            f"fn bitor(self, other: {rust}) -> {rust}", [f"{rust}(self.0 | other.0)"])])
        table = ", ".join(f'({rust}::{constants[b.name]}, "{b.name}")' for b in ordered)
        json_body = ["out.push('[');"]
        if ordered:
            json_body += ["let mut first = true;", *block(f"for (bit, name) in [{table}]", block(
                "if self.contains(bit)", ["if !first {", "    out.push(',');", "}", "first = false;",
                                          "name.json(out);"]))]
        json_body.append("out.push(']');")
        json = block(f"impl Json for {rust}", block("fn json(&self, out: &mut String)", json_body))
        doc = doc_lines(flags.doc) or [f"/// flags `{flags.name}` (base {base})."]
        return [*doc, "#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]", f"pub struct {rust}(pub {base});",
                "", *block(f"impl {rust}", methods), "", *bitor, "", *json, ""]
