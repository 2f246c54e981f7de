"""A JSON state as the lines the C and Rust test drivers read to build a state and encode it.

The drivers have no JSON parser (the Rust crate has no dependencies); instead this module walks
the schema with the state and writes one value a line, in the order the drivers' generated
readers take them (tests/support/c/driver_gen.py, tests/support/rust/encoder_gen.py):

- the line ``state`` opens the state;
- the sections in id order, then the vendor sections in ``vendor_order``; an optional one is a
  line ``1`` or ``0`` (present or not), then its value when present;
- an integer, bool (``1``/``0``), enum or flags value is one decimal line (an enum's value,
  the flags' bits as a number);
- bytes are ``x`` and their hex (``x`` alone when empty); a string is ``x`` and the hex of its
  UTF-8;
- a struct is its fields in order; a fixed array its elements; a counted array its count, then
  its elements;
- the unknown sections are their count, then four lines each: id, flags, ``x`` and the 18-byte
  vendor header (``x`` alone for a standard section), ``x`` and the payload;
- the line ``end`` closes the state (a driver that did not end exactly there is out of step).

A state the target language's types cannot hold raises ``Inexpressible`` with the reason (a
bool given as the integer 1, an integer wider than its field, a missing required section...).
What each language can hold differs a little: ``lang`` is ``"c"`` or ``"rust"``. C takes a
string's bytes (a lone surrogate as the bytes Python's ``surrogatepass`` gives, which the C
encoder must refuse as BAD_UTF8) and a counted array of more elements than its storage holds
(the count as given, only the first ``max`` elements); Rust's ``str`` cannot hold a surrogate,
and a closed enum is a Rust enum of the declared members only.
"""

from __future__ import annotations

from typing import Any

from devstate import ir
from devstate.dsf1 import vendor_header
from devstate.state import hex_bytes, vendor_order

LANGS = ("c", "rust")
RANGES = {name: ((0, (1 << bits) - 1) if name[0] == "u" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1))
          for name, bits in (("u8", 8), ("u16", 16), ("u32", 32), ("u64", 64),
                             ("i8", 8), ("i16", 16), ("i32", 32), ("i64", 64))}


class Inexpressible(Exception):
    """The state has a value the language's types cannot hold (the message says which and why)."""


def sections_in_order(schema: ir.Schema) -> list[ir.Section | ir.VendorSection]:
    """The order of the sections in the lines (and in the drivers' readers)."""
    return [*sorted(schema.sections, key=lambda s: s.id), *sorted(schema.vendor_sections, key=vendor_order)]


def state_lines(schema: ir.Schema, state: Any, lang: str) -> list[str]:
    """The lines of ``state`` (devstate JSON) for the ``lang`` driver of ``schema``."""
    assert lang in LANGS
    return _Writer(schema, lang).state(state)


class _Writer:
    def __init__(self, schema: ir.Schema, lang: str) -> None:
        self.schema = schema
        self.lang = lang
        self.name = {"c": "C", "rust": "Rust"}[lang]
        self.lines = ["state"]

    def fail(self, path: str, why: str) -> Inexpressible:
        return Inexpressible(f"{path}: {why}")

    def state(self, state: Any) -> list[str]:
        if not isinstance(state, dict):
            raise self.fail("$", "the state is not an object")
        for section in sections_in_order(self.schema):
            kind = "vendor_sections" if isinstance(section, ir.VendorSection) else "sections"
            members = state.get(kind, {})
            path = f"$.{kind}.{section.name}"
            if section.optional:
                self.lines.append("1" if section.name in members else "0")
            elif section.name not in members:
                raise self.fail(path, f"a {self.name} state always holds the required section")
            if section.name in members:
                expr = section.type if section.type is not None else ir.BytesType(max=section.max, fixed_size=None)
                self.value(expr, members[section.name], path)
        unknown = state.get("unknown_sections", [])
        self.lines.append(str(len(unknown)))
        for index, entry in enumerate(unknown):
            path = f"$.unknown_sections[{index}]"
            vendor = entry.get("vendor")
            self.integer("u16", entry["id"], f"{path}.id")
            self.integer("u16", entry["flags"], f"{path}.flags")
            self.lines.append("x" + ("" if vendor is None else vendor_header(vendor).hex()))
            self.hex(entry["payload"], f"{path}.payload")
        self.lines.append("end")
        return self.lines

    def value(self, expr: ir.TypeExpr, value: Any, path: str) -> None:
        if isinstance(expr, ir.ScalarType):
            if expr.name == "bool":
                if not isinstance(value, bool):
                    raise self.fail(path, f"a {self.name} bool holds true or false, not {value!r}")
                self.lines.append("1" if value else "0")
            else:
                self.integer(expr.name, value, path)
        elif isinstance(expr, ir.BytesType):
            self.hex(value, path)
        elif isinstance(expr, ir.StringType):
            self.string(value, path)
        elif isinstance(expr, ir.ArrayType):
            self.array(expr, value, path)
        else:
            assert isinstance(expr, ir.NamedRef)
            named = self.schema.types[expr.name]
            if isinstance(named, ir.StructType):
                self.struct(named, value, path)
            elif isinstance(named, ir.EnumType):
                self.enum(named, value, path)
            else:
                self.flags(named, value, path)

    def integer(self, name: str, value: Any, path: str) -> None:
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"a {self.name} {name} holds an integer, not {value!r}")
        if not low <= value <= high:
            raise self.fail(path, f"a {self.name} {name} cannot hold {value}")
        self.lines.append(str(value))

    def hex(self, value: Any, path: str) -> None:
        data = hex_bytes(value)
        if data is None:
            raise self.fail(path, f"bytes are a hex string, not {value!r}")
        self.lines.append("x" + data.hex())

    def string(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise self.fail(path, f"a {self.name} string holds text, not {value!r}")
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError:
            if self.lang == "rust":
                raise self.fail(path, "a Rust str holds UTF-8 only, and a lone surrogate has none") from None
            data = value.encode("utf-8", "surrogatepass")  # the C string's bytes: its encoder must refuse them
        self.lines.append("x" + data.hex())

    def array(self, expr: ir.ArrayType, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise self.fail(path, f"an array holds elements, not {value!r}")
        if expr.max is None:
            if len(value) != expr.length:
                raise self.fail(path, f"a {self.name} array of {expr.length} holds exactly {expr.length} elements")
            held = value
        else:
            self.lines.append(str(len(value)))
            held = value[: expr.max] if self.lang == "c" else value  # C: the storage holds max elements
        for index, item in enumerate(held):
            self.value(expr.element, item, f"{path}[{index}]")

    def struct(self, struct: ir.StructType, value: Any, path: str) -> None:
        if not isinstance(value, dict) or set(value) != {f.name for f in struct.fields}:
            raise self.fail(path, f"a {self.name} {struct.name} holds exactly its fields, not {value!r}")
        for fld in struct.fields:
            self.value(fld.type, value[fld.name], f"{path}.{fld.name}")

    def enum(self, enum: ir.EnumType, value: Any, path: str) -> None:
        by_name = enum.by_name()
        if isinstance(value, str):
            if value not in by_name:
                raise self.fail(path, f"{value!r} names no member of {enum.name}, so it has no value to hold")
            self.lines.append(str(by_name[value]))
        elif not enum.open:
            raise self.fail(path, f"a closed enum's state is a member name; {self.name} holds values, not names")
        else:
            self.integer(enum.base.name, value, path)

    def flags(self, flags: ir.FlagsType, value: Any, path: str) -> None:
        bits = {bit.name: bit.bit for bit in flags.bits}
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            raise self.fail(path, f"flags are a list of bit names, not {value!r}")
        undeclared = [name for name in value if name not in bits]
        if undeclared:
            raise self.fail(path, f"{undeclared[0]!r} names no bit of {flags.name}, so it has no value to hold")
        self.lines.append(str(sum(1 << bits[name] for name in set(value))))
