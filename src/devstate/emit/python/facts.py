"""What the Python emitters need to know about each IR type, derived once per schema.

- ``Flat``: a value that is a fixed run of ``struct`` items (scalars, enums, flags, short
  fixed ``bytes``, fixed arrays of those): it can share one precompiled ``struct.Struct``
  with its neighbours, and its checks are a boolean expression over the unpacked items.
- Layout facts (minimum sizes, strides, heights) are the IR's: ``ir.TypeExpr.min_size``,
  ``ir.StructType.short_strides``, ``ir.Schema.struct_height``.
- Python names: classes, the private codec functions (``Functions``), attribute names and
  the module-level names no generated local may take (``module_names``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from devstate import ir
from devstate.dsf1 import ZERO_COPY_THRESHOLD
from devstate.emit import NameTable, constant_case, pascal_case, snake_identifier
from devstate.visit import Visitor

SCALAR_FORMATS = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i8": "b", "i16": "h", "i32": "i", "i64": "q",
                  "bool": "B"}

TABLE_SUFFIXES = {
    "enum": {"by_value": "BY_VALUE", "values": "VALUES", "names": "NAMES", "by_name": "BY_NAME"},
    "flags": {"cache": "CACHE", "undeclared": "UNDECLARED_BITS", "bits": "BITS", "bit_by_name": "BIT_BY_NAME"},
    "struct": {"layout": "LAYOUT"},
}
"""The module-level tables of each named type, named ``_<TYPE>_<SUFFIX>`` (``_DUPLEX_BY_VALUE``):
enum value → member, the set of values, value → name, name → member; a flags type's value →
member cache, the mask of undeclared bits, (name, bit) pairs and name → bit; a fixed-size
struct's ``struct.Struct``."""

Bounds = tuple[int | None, int | None]
NO_BOUNDS: Bounds = (None, None)
LeafKind = Literal["int", "bool", "enum", "flags", "bytes"]

RESERVED = frozenset({
    "Any", "Buffer", "DEFAULT_LIMITS", "DecodeError", "EncodeError", "ErrorCode", "IntEnum", "IntFlag", "Limits",
    "MODEL", "Readable", "SCHEMA_SHA256", "State", "UnknownSection", "VERSION", "VendorSections", "annotations",
    "dataclass", "decode", "encode", "encode_into", "field", "from_state", "itertools", "struct", "to_state",
})


@dataclass(frozen=True)
class Functions:
    """The private functions of one struct (``_decode_blk_config``...) or non-struct section
    (``_decode_queues_section``...); a section has no ``decode_exact`` or ``pack`` (empty)."""

    decode: str
    """The fast decoder: one ``struct.Struct`` per run of fixed-size fields."""
    decode_exact: str
    """The field-by-field decoder that reports the exact error position (``_decode_<struct>_exact``)."""
    pack: str
    """The bytes of a fixed-size struct's body, one ``Struct.pack`` (``_pack_<struct>``)."""
    encode: str
    check: str
    """The exact checker of a value to encode: raises its first error, with its path."""
    to_state: str
    from_state: str


@dataclass(frozen=True)
class Leaf:
    """One ``struct`` item: an integer-like value (with its checks) or a fixed ``bytes``."""

    kind: LeafKind
    fmt: str
    size: int
    low: int = 0
    high: int = 0
    checked_low: bool = False
    checked_high: bool = False
    named: str = ""
    """The enum or flags type's declared name (``kind`` enum/flags), for messages."""
    ref: str = ""
    """Its key in ``Schema.types`` (``virtio.device_status`` for an imported one)."""
    open: bool = False

    @property
    def checked(self) -> bool:
        return self.checked_low or self.checked_high


@dataclass(frozen=True)
class Flat:
    """A fixed-size value that is ``count`` leaves: a scalar (``dims == ()``) or a fixed array."""

    leaf: Leaf
    dims: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return math.prod(self.dims)

    @property
    def size(self) -> int:
        return self.count * self.leaf.size

    @property
    def fmt(self) -> str:
        """The ``struct`` format of the whole value (without the byte-order prefix)."""
        if self.leaf.kind == "bytes":
            return self.leaf.fmt * self.count
        if not self.dims:
            return self.leaf.fmt
        return f"{self.count}{self.leaf.fmt}" if self.count != 1 else self.leaf.fmt


class Facts:
    """Derived facts and Python names for one schema."""

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.classes: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        public, self.private = NameTable(RESERVED), NameTable()
        for name in sorted(schema.types, key=lambda n: ("." in n, n)):
            short = pascal_case(name.rsplit(".", 1)[-1])
            self.classes[name] = public.claim(short if short not in public.used else pascal_case(name))
            self.keys[name] = self.private.claim(name.replace(".", "__"))
        self._attrs: dict[str, dict[str, str]] = {}
        self.tables = {(name, kind): self.private.claim(f"_{self.keys[name].upper()}_{suffix}")
                       for name in sorted(schema.types)
                       for kind, suffix in TABLE_SUFFIXES[schema.types[name].kind].items()}
        self.functions = {name: self._functions(self.keys[name], struct=True)
                          for name in sorted(schema.types) if schema.types[name].kind == "struct"}
        self.section_functions = {
            **{("section", s.name): self._functions(self.private.claim(f"{s.name}_section"), struct=False)
               for s in sorted(schema.sections, key=lambda s: s.id) if not self.is_struct(s.type)},
            **{("vendor", v.name): self._functions(self.private.claim(f"{v.name}_vendor_section"), struct=False)
               for v in schema.vendor_sections if v.type is None or not self.is_struct(v.type)},
        }
        self._flats, self._annotations = _Flats(self), _Annotations(self)
        self.module_names = frozenset({
            *RESERVED, *self.classes.values(), *self.tables.values(), "_rt", "_SPEC",
            *(name for functions in [*self.functions.values(), *self.section_functions.values()]
              for name in vars(functions).values() if name),
        })
        """Every module-level name a generated function may use (the ``struct.Struct`` constants
        added while emitting are ``_UPPER_CASE`` too, which no local is)."""

    def _functions(self, stem: str, struct: bool) -> Functions:
        claim = self.private.claim
        return Functions(claim(f"_decode_{stem}"), claim(f"_decode_{stem}_exact") if struct else "",
                         claim(f"_pack_{stem}") if struct else "", claim(f"_encode_{stem}"),
                         claim(f"_check_{stem}"), claim(f"_to_state_{stem}"), claim(f"_from_state_{stem}"))

    # --- names ----------------------------------------------------------------------

    def struct(self, name: str) -> ir.StructType:
        return self.schema.struct(name)

    def attrs(self, name: str) -> dict[str, str]:
        """Field name → attribute name of the dataclass of struct ``name`` (a ``Schema.types`` key)."""
        if name not in self._attrs:
            table = NameTable()
            self._attrs[name] = {f.name: table.claim(snake_identifier(f.name)) for f in self.struct(name).fields}
        return self._attrs[name]

    @cached_property
    def section_attrs(self) -> dict[str, str]:
        table = NameTable({"vendor_sections", "unknown_sections"})
        return {s.name: table.claim(snake_identifier(s.name)) for s in sorted(self.schema.sections, key=lambda s: s.id)}

    @cached_property
    def vendor_attrs(self) -> dict[str, str]:
        table = NameTable()
        return {s.name: table.claim(snake_identifier(s.name)) for s in self.schema.vendor_sections}

    def struct_functions(self, name: str) -> Functions:
        """The private functions of struct ``name`` (a ``Schema.types`` key)."""
        return self.functions[name]

    def value_name(self, name: str) -> str:
        """A local holding a value of struct ``name``: the struct's own name (``virtqueue``)."""
        return snake_identifier(self.struct(name).name)

    def element_name(self, expr: ir.TypeExpr) -> str:
        """A local holding one element of an array of ``expr``: the struct's name, else ``item``."""
        if isinstance(expr, ir.NamedRef) and expr.is_struct:
            return self.value_name(expr.name)
        return "item"

    def table(self, name: str, kind: str) -> str:
        """The name of one module-level table of type ``name`` (a ``Schema.types`` key; see TABLE_SUFFIXES)."""
        return self.tables[name, kind]

    def leaf_table(self, leaf: Leaf, kind: str) -> str:
        """A table of the leaf's enum or flags type (``table``)."""
        return self.tables[leaf.ref, kind]

    def leaf_conditions(self, leaf: Leaf, value: str, flags_value: str | None = None) -> list[str]:
        """Python conditions that are true when one item ``value`` breaks the leaf's checks
        (``flags_value``: how to read the value as an int for the flags mask, default ``value``)."""
        if leaf.kind == "int":
            return [f"{value} < {leaf.low}"] * leaf.checked_low + [f"{value} > {leaf.high}"] * leaf.checked_high
        if leaf.kind == "bool":
            return [f"{value} > 1"]
        if leaf.kind == "enum" and not leaf.open:
            return [f"{value} not in {self.leaf_table(leaf, 'by_value')}"]
        if leaf.kind == "flags":
            return [f"{flags_value or value} & {self.leaf_table(leaf, 'undeclared')}"]
        return []

    def seq_conditions(self, leaf: Leaf, items: str) -> list[str]:
        """The same over a sequence of items (every leaf of an array)."""
        if leaf.kind == "int":
            low, high = f"min({items}) < {leaf.low}", f"max({items}) > {leaf.high}"
            return [low] * leaf.checked_low + [high] * leaf.checked_high
        if leaf.kind == "bool":
            return [f"max({items}) > 1"]
        if leaf.kind == "enum" and not leaf.open:
            return [f"not {self.leaf_table(leaf, 'values')}.issuperset({items})"]
        if leaf.kind == "flags":
            return [f"_rt.any_bits({items}, {self.leaf_table(leaf, 'undeclared')})"]
        return []

    def member(self, name: str) -> str:
        """An enum value or flag bit name as a class member (``link_up`` → ``LINK_UP``)."""
        return constant_case(name)

    # --- wire facts -----------------------------------------------------------------

    def named(self, expr: ir.NamedRef) -> ir.StructType | ir.EnumType | ir.FlagsType:
        return self.schema.resolve(expr)

    def is_struct(self, expr: ir.TypeExpr) -> bool:
        return expr.is_struct

    def flat(self, expr: ir.TypeExpr, bounds: Bounds = NO_BOUNDS) -> Flat | None:
        """The value as ``struct`` items, or None when it has a prefix or is a large region."""
        return self._flats.visit(expr, bounds)

    def scalar_leaf(self, name: str, bounds: Bounds) -> Leaf:
        fmt, size = SCALAR_FORMATS[name], ir.SCALAR_SIZES[name]
        if name == "bool":
            return Leaf("bool", fmt, size, 0, 1)
        type_low, type_high = ir.scalar_range(name)
        low = type_low if bounds[0] is None else max(bounds[0], type_low)
        high = type_high if bounds[1] is None else min(bounds[1], type_high)
        return Leaf("int", fmt, size, low, high, low > type_low, high < type_high)

    def flat_struct(self, name: str) -> list[Flat] | None:
        """The fields of a struct as flats when every field is flat (one Struct for the body)."""
        struct = self.struct(name)
        flats = [self.flat(f.type, (f.min, f.max)) for f in struct.fields]
        if not flats or any(f is None for f in flats):
            return None
        return [f for f in flats if f is not None]

    def field_runs(self, struct: ir.StructType) -> list[list[tuple[ir.StructField, Flat]] | ir.StructField]:
        """The struct's fields as runs of flat fields (one ``struct`` format each, for the decoder
        and the encoder alike) and single variable-size fields, in order."""
        runs: list[list[tuple[ir.StructField, Flat]] | ir.StructField] = []
        for fld in struct.fields:
            flat = self.flat(fld.type, (fld.min, fld.max))
            if flat is None:
                runs.append(fld)
            elif runs and isinstance(runs[-1], list):
                runs[-1].append((fld, flat))
            else:
                runs.append([(fld, flat)])
        return runs

    def body_size(self, name: str) -> int:
        size = self.struct(name).body_size
        assert size is not None, f"{name} is not fixed-size"
        return size

    # --- Python types ---------------------------------------------------------------

    def annotation(self, expr: ir.TypeExpr) -> str:
        """The typed-API annotation of a value of this type."""
        return self._annotations.visit(expr)


class _Flats(Visitor[Flat | None]):
    """``Facts.flat``: a struct, a counted or large value, an empty fixed array or a string is None."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def visit_scalar(self, expr: ir.ScalarType, bounds: Bounds) -> Flat:
        return Flat(self.facts.scalar_leaf(expr.name, bounds))

    def visit_enum_ref(self, expr: ir.NamedRef, bounds: Bounds) -> Flat:
        enum = self.facts.schema.enum(expr.name)
        return self._leaf(expr, enum, "enum", enum.open)

    def visit_flags_ref(self, expr: ir.NamedRef, bounds: Bounds) -> Flat:
        return self._leaf(expr, self.facts.schema.flags(expr.name), "flags", False)

    def _leaf(self, expr: ir.NamedRef, named: ir.EnumType | ir.FlagsType, kind: LeafKind, is_open: bool) -> Flat:
        fmt, size = SCALAR_FORMATS[named.base.name], named.base.size
        low, high = ir.scalar_range(named.base.name)
        return Flat(Leaf(kind, fmt, size, low, high, named=named.name, ref=expr.name, open=is_open))

    def visit_bytes(self, expr: ir.BytesType, bounds: Bounds) -> Flat | None:
        if expr.length is None or expr.length >= ZERO_COPY_THRESHOLD:
            return None
        return Flat(Leaf("bytes", f"{expr.length}s", expr.length))

    def visit_array(self, expr: ir.ArrayType, bounds: Bounds) -> Flat | None:
        if expr.length is None or expr.element.is_struct:
            return None
        inner = self.visit(expr.element, bounds)
        if inner is None or expr.length == 0:
            return None
        return Flat(inner.leaf, (expr.length, *inner.dims))

    def _none(self, expr: ir.NamedRef | ir.StringType, bounds: Bounds) -> None:
        return None

    visit_struct_ref = visit_string = _none


class _Annotations(Visitor[str]):
    """``Facts.annotation``."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def visit_scalar(self, expr: ir.ScalarType) -> str:
        return "bool" if expr.name == "bool" else "int"

    def visit_ref(self, expr: ir.NamedRef) -> str:
        return self.facts.classes[expr.name]

    def visit_enum_ref(self, expr: ir.NamedRef) -> str:
        cls = self.facts.classes[expr.name]
        return f"{cls} | int" if self.facts.schema.enum(expr.name).open else cls

    def visit_array(self, expr: ir.ArrayType) -> str:
        return f"list[{self.visit(expr.element)}]"

    def visit_bytes(self, expr: ir.BytesType) -> str:
        return "bytes" if expr.capacity < ZERO_COPY_THRESHOLD else "Buffer"

    def visit_string(self, expr: ir.StringType) -> str:
        return "str"
