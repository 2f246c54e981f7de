"""The intermediate representation: the single source of truth for every later stage.

A schema file is loaded, checked and built into these frozen models once; the wire
runtime, the interpreter, the emitters, compat and docs read only this.

Type expressions (what a field, array element or section has as its type) are a small
closed family: ``ScalarType``, ``NamedRef`` (to a struct, enum or flags declared in
``Schema.types``), ``ArrayType``, ``BytesType`` and ``StringType``. Named definitions are
``StructType``, ``EnumType`` and ``FlagsType``. Derived wire facts are owned here, so no
consumer recomputes them: encoded sizes, field offsets and which fields each minor
version appended are computed by the builder and stored; minimum and static sizes
(``min_size``, ``static_size``), the short strides a reader accepts, heights (nesting
levels below a value), reachable types and canonical section order are derived from
those once per node (cached properties; they are not part of the serialised IR), as are
the shape facts several consumers ask: ``is_struct`` (a reference to a struct),
``innermost`` (the element below every array level), ``ArrayType.u8_elements`` and the
``members`` of an enum or flags type.
Consumers dispatch on node kinds with ``devstate.visit.Visitor``.

Wire sizes follow spec/wire-format.md: a struct used as a field is preceded by a u32
size; an array of structs carries one u32 stride; counted arrays, counted bytes and
strings carry a u32 count or length.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator

from devstate.dsf1 import vendor_header
from devstate.param_value import param_accepts
from devstate.version import Version as Version

SCALAR_SIZES: dict[str, int] = {
    "u8": 1,
    "u16": 2,
    "u32": 4,
    "u64": 8,
    "i8": 1,
    "i16": 2,
    "i32": 4,
    "i64": 8,
    "bool": 1,
}
PREFIX_SIZE = 4
"""Size of every count, length, size prefix and stride on the wire (u32)."""
NAMESPACE_PCI = 1
NAMESPACE_UUID = 2
"""Vendor namespace kinds: the u16 that starts a vendor section's 18-byte vendor header."""


def scalar_range(name: str) -> tuple[int, int]:
    """The inclusive value range of a scalar type (bool is 0..1)."""
    if name == "bool":
        return 0, 1
    bits = SCALAR_SIZES[name] * 8
    if name.startswith("u"):
        return 0, (1 << bits) - 1
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def _to_version(value: object) -> Version:
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        return Version.parse(value)
    raise ValueError(f"expected a version string, got {value!r}")


VersionField = Annotated[Version, PlainValidator(_to_version), PlainSerializer(str)]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Node):
    """Where a node was declared: the schema file, line and column (1-based)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# --- type expressions -----------------------------------------------------------------


class ScalarType(_Node):
    kind: Literal["scalar"] = "scalar"
    name: Literal["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool"]

    @property
    def size(self) -> int:
        return SCALAR_SIZES[self.name]

    @property
    def fixed_size(self) -> int:
        return self.size

    @property
    def static_size(self) -> int:
        return self.size

    @property
    def min_size(self) -> int:
        return self.size

    is_struct: ClassVar[bool] = False

    @property
    def innermost(self) -> ScalarType:
        return self


class NamedRef(_Node):
    """A reference to a struct, enum or flags type in ``Schema.types``."""

    kind: Literal["ref"] = "ref"
    name: str
    target_kind: Literal["struct", "enum", "flags"]
    fixed_size: int | None
    """Encoded size in field position: a struct's includes its u32 size prefix."""

    @property
    def static_size(self) -> int | None:
        """An enum's or flags' width; None for a struct (its size prefix is read from the wire)."""
        return None if self.target_kind == "struct" else self.fixed_size

    @property
    def min_size(self) -> int:
        return PREFIX_SIZE if self.target_kind == "struct" else self.fixed_size or 0

    @property
    def is_struct(self) -> bool:
        """Whether this names a struct (a value with fields, size-prefixed in field position)."""
        return self.target_kind == "struct"

    @property
    def innermost(self) -> NamedRef:
        return self


class ArrayType(_Node):
    """A fixed array (``length``) or a counted array (``max``) of ``element``."""

    kind: Literal["array"] = "array"
    element: TypeExpr
    length: int | None = None
    max: int | None = None
    stride: bool
    """True when the element is a struct: one u32 stride precedes the elements."""
    fixed_size: int | None

    @property
    def counted(self) -> bool:
        return self.max is not None

    @property
    def capacity(self) -> int:
        """The largest element count this array can hold."""
        return self.max if self.max is not None else self.length or 0

    @cached_property
    def static_size(self) -> int | None:
        """A fixed array of a statically sized element: length × its size; else None."""
        if self.length is None or self.stride:
            return None
        inner = self.element.static_size
        return None if inner is None else inner * self.length

    @cached_property
    def min_size(self) -> int:
        if self.max is not None:
            return 2 * PREFIX_SIZE if self.stride else PREFIX_SIZE
        assert self.length is not None
        return PREFIX_SIZE if self.stride else self.length * self.element.min_size

    is_struct: ClassVar[bool] = False

    @property
    def element_size(self) -> int | None:
        """Bytes per element when every element has the same size: a struct element's body size
        (the stride written before the elements), else the element's fixed size; None when variable."""
        size = self.element.fixed_size
        return size - PREFIX_SIZE if self.stride and size is not None else size

    @property
    def u8_elements(self) -> bool:
        """Whether the elements are ``u8`` (raw bytes by another name)."""
        return isinstance(self.element, ScalarType) and self.element.name == "u8"

    @cached_property
    def innermost(self) -> ScalarType | NamedRef | BytesType | StringType:
        """The element type below every array level (``u8`` of ``u8[6][4]``)."""
        return self.element.innermost


class BytesType(_Node):
    """Raw bytes: fixed ``length``, or counted with a declared ``max`` (large regions)."""

    kind: Literal["bytes"] = "bytes"
    length: int | None = None
    max: int | None = None
    fixed_size: int | None

    @property
    def counted(self) -> bool:
        return self.max is not None

    @property
    def capacity(self) -> int:
        """The largest length this value can have."""
        return self.length if self.length is not None else self.max or 0

    @property
    def static_size(self) -> int | None:
        return self.length

    @property
    def min_size(self) -> int:
        return self.length if self.length is not None else PREFIX_SIZE

    is_struct: ClassVar[bool] = False

    @property
    def innermost(self) -> BytesType:
        return self


class StringType(_Node):
    """UTF-8 text of at most ``max`` bytes, with a u32 length prefix."""

    kind: Literal["string"] = "string"
    max: int
    fixed_size: None = None

    @property
    def static_size(self) -> None:
        return None

    @property
    def min_size(self) -> int:
        return PREFIX_SIZE

    is_struct: ClassVar[bool] = False

    @property
    def innermost(self) -> StringType:
        return self


TypeExpr = Annotated[
    ScalarType | NamedRef | ArrayType | BytesType | StringType,
    Field(discriminator="kind"),
]


# --- named definitions -----------------------------------------------------------------


class StructField(_Node):
    name: str
    type: TypeExpr
    doc: str = ""
    since: VersionField | None = None
    default: Any = None
    """The value meaning the old behaviour, in state form (see spec/wire-format.md)."""
    min: int | None = None
    max: int | None = None
    unit: str | None = None
    offset: int | None
    """Offset in the struct body when every earlier field is fixed-size, else None."""
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location


class StructType(_Node):
    kind: Literal["struct"] = "struct"
    name: str
    doc: str = ""
    fields: tuple[StructField, ...]
    body_size: int | None
    """Encoded size of the body (without the size prefix) when fixed, else None."""
    base_field_count: int
    """Fields present since the defining file's major version (x.0); the rest are appended."""
    origin: str
    """``model@version`` of the file that declared the type."""
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location

    def field(self, name: str) -> StructField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def appended_fields(self) -> tuple[StructField, ...]:
        return self.fields[self.base_field_count :]

    @cached_property
    def short_strides(self) -> tuple[int, ...]:
        """Array strides below ``body_size`` that a reader accepts: an older writer's body,
        ending where an appended field starts (spec/wire-format.md, "Arrays")."""
        if self.body_size is None:
            return ()
        offsets = {f.offset for f in self.appended_fields if f.offset is not None}
        return tuple(sorted(o for o in offsets if o < self.body_size))

    def valid_stride(self, stride: int) -> bool:
        """Whether an array of this (fixed-size) struct may have elements ``stride`` bytes apart."""
        assert self.body_size is not None, "array elements are fixed-size structs"
        return stride >= 1 and (stride >= self.body_size or stride in self.short_strides)


class EnumValue(_Node):
    name: str
    value: int
    doc: str = ""
    since: VersionField | None = None
    loc: Location | None = None
    """Where the member is declared (its key)."""


class EnumType(_Node):
    kind: Literal["enum"] = "enum"
    name: str
    base: ScalarType
    open: bool = False
    doc: str = ""
    values: tuple[EnumValue, ...]
    origin: str
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location

    def by_value(self) -> dict[int, str]:
        return {member.value: member.name for member in self.values}

    def by_name(self) -> dict[str, int]:
        return {member.name: member.value for member in self.values}

    @property
    def members(self) -> tuple[EnumValue, ...]:
        """The declared members (``values``), named like a flags type's."""
        return self.values


class FlagBit(_Node):
    name: str
    bit: int
    doc: str = ""
    since: VersionField | None = None
    loc: Location | None = None
    """Where the bit is declared (its key)."""


class FlagsType(_Node):
    kind: Literal["flags"] = "flags"
    name: str
    base: ScalarType
    doc: str = ""
    bits: tuple[FlagBit, ...]
    origin: str
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location

    @property
    def members(self) -> tuple[FlagBit, ...]:
        """The declared members (``bits``), named like an enum's."""
        return self.bits

    @property
    def mask(self) -> int:
        """The declared bits; every other bit must be zero on the wire."""
        mask = 0
        for flag in self.bits:
            mask |= 1 << flag.bit
        return mask


NamedType = Annotated[StructType | EnumType | FlagsType, Field(discriminator="kind")]


# --- schema-level nodes ----------------------------------------------------------------


class Section(_Node):
    id: int
    name: str
    type: TypeExpr
    optional: bool = False
    since: VersionField | None = None
    doc: str = ""
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location


class VendorNamespace(_Node):
    """A PCI vendor id or a UUID; serialised on the wire as 16 bytes (see the spec)."""

    pci: int | None = None
    uuid: str | None = None

    def __str__(self) -> str:
        return f"pci:{self.pci:#06x}" if self.pci is not None else f"uuid:{self.uuid}"

    @property
    def header(self) -> bytes:
        """The 18-byte vendor header: u16 namespace kind, then 16 namespace bytes (the runtime's
        ``dsf1.vendor_header``)."""
        return vendor_header(str(self))


class VendorSection(_Node):
    id: int
    name: str
    vendor: VendorNamespace
    type: TypeExpr | None = None
    """The payload's schema; None for an opaque payload of at most ``max`` bytes."""
    max: int | None = None
    optional: bool = False
    since: VersionField | None = None
    doc: str = ""
    annotations: dict[str, Any] = Field(default_factory=dict)
    loc: Location

    @property
    def opaque(self) -> bool:
        return self.type is None

    @property
    def order_key(self) -> tuple[bytes, int]:
        """Canonical order of vendor sections: (vendor header bytes, id)."""
        return self.vendor.header, self.id


class Param(_Node):
    """A migration parameter: absent means ``default``, the old behaviour."""

    name: str
    type: Literal["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool", "string"]
    default: int | bool | str
    allowed: tuple[int | bool | str, ...] | None = None
    min: int | None = None
    max: int | None = None
    since: VersionField | None = None
    doc: str = ""
    loc: Location

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a valid value of this parameter."""
        value_range = None if self.type in ("bool", "string") else scalar_range(self.type)
        return param_accepts(value, self.type, value_range, self.allowed, self.min, self.max)


class Import(_Node):
    alias: str
    model: str
    version: VersionField
    file: str


class Schema(_Node):
    """One device model version: everything a codec, checker or page needs."""

    devstate: int
    model: str
    version: VersionField
    title: str
    doc: str = ""
    file: str
    sha256: str
    imports: tuple[Import, ...] = ()
    types: dict[str, NamedType]
    """Every type the schema can use: its own by name, imported ones as ``alias.name``."""
    sections: tuple[Section, ...] = ()
    vendor_sections: tuple[VendorSection, ...] = ()
    params: tuple[Param, ...] = ()
    annotations: dict[str, Any] = Field(default_factory=dict)

    @property
    def ident(self) -> str:
        """``model@version``, the way the CLI names a schema."""
        return f"{self.model}@{self.version}"

    @property
    def is_library(self) -> bool:
        """A types-only file meant to be imported (no sections)."""
        return not self.sections and not self.vendor_sections

    def resolve(self, ref: NamedRef) -> StructType | EnumType | FlagsType:
        return self.types[ref.name]

    # --- layout facts, derived once per schema -------------------------------------------

    @cached_property
    def sections_in_order(self) -> tuple[Section, ...]:
        """Standard sections in wire order (increasing id)."""
        return tuple(sorted(self.sections, key=lambda s: s.id))

    @cached_property
    def vendor_sections_in_order(self) -> tuple[VendorSection, ...]:
        """Vendor sections in wire order (vendor header bytes, then id)."""
        return tuple(sorted(self.vendor_sections, key=lambda s: s.order_key))

    @cached_property
    def reachable_types(self) -> tuple[str, ...]:
        """Named types the sections use, dependencies first (a struct after its fields' types)."""
        order: dict[str, None] = {}

        def visit(expr: TypeExpr | None) -> None:
            if isinstance(expr, ArrayType):
                visit(expr.element)
            elif isinstance(expr, NamedRef) and expr.name not in order:
                named = self.resolve(expr)
                if isinstance(named, StructType):
                    for fld in named.fields:
                        visit(fld.type)
                order[expr.name] = None

        for section in self.sections_in_order:
            visit(section.type)
        for vendor in self.vendor_sections_in_order:
            visit(vendor.type)
        return tuple(order)

    @cached_property
    def _struct_heights(self) -> dict[str, int]:
        return {}

    def height(self, expr: TypeExpr) -> int:
        """Nesting levels below a value of type ``expr`` (0 for scalars, enums, bytes, strings)."""
        if isinstance(expr, NamedRef):
            return self.struct_height(expr.name) if expr.target_kind == "struct" else 0
        if isinstance(expr, ArrayType):
            return 1 + self.height(expr.element)
        return 0

    def struct_height(self, name: str) -> int:
        """Nesting levels below a value of struct ``name``: 1 + its deepest field's height."""
        heights = self._struct_heights
        if name not in heights:
            heights[name] = 1 + max((self.height(f.type) for f in self.struct(name).fields), default=-1)
        return heights[name]

    def struct(self, name: str) -> StructType:
        found = self.types[name]
        if not isinstance(found, StructType):
            raise TypeError(_not_a(name, found, "a struct"))
        return found

    def enum(self, name: str) -> EnumType:
        found = self.types[name]
        if not isinstance(found, EnumType):
            raise TypeError(_not_a(name, found, "an enum"))
        return found

    def flags(self, name: str) -> FlagsType:
        found = self.types[name]
        if not isinstance(found, FlagsType):
            raise TypeError(_not_a(name, found, "a flags type"))
        return found

    def section(self, name: str) -> Section:
        for candidate in self.sections:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def section_by_id(self, section_id: int) -> Section | None:
        for candidate in self.sections:
            if candidate.id == section_id:
                return candidate
        return None

    def param(self, name: str) -> Param | None:
        for candidate in self.params:
            if candidate.name == name:
                return candidate
        return None

    def added_in(self, version: Version) -> list[str]:
        """Paths of the fields, sections and params that ``version`` added (``since``)."""
        added: list[str] = []
        for type_name, named in self.types.items():
            if isinstance(named, StructType):
                added += [f"{type_name}.{f.name}" for f in named.fields if f.since == version]
        added += [f"section {s.name}" for s in self.sections if s.since == version]
        added += [f"param {p.name}" for p in self.params if p.since == version]
        return added


def _not_a(name: str, found: StructType | EnumType | FlagsType, wanted: str) -> str:
    article = "an" if found.kind == "enum" else "a"
    return f"{name} is {article} {found.kind}, not {wanted}"


ArrayType.model_rebuild()
Section.model_rebuild()
VendorSection.model_rebuild()
StructField.model_rebuild()
Schema.model_rebuild()


def type_label(expr: ScalarType | NamedRef | ArrayType | BytesType | StringType) -> str:
    """A short human name for a type expression: ``u16``, ``virtqueue[4]``, ``u8[6] max 64``."""
    if isinstance(expr, ScalarType | NamedRef):
        return expr.name
    if isinstance(expr, ArrayType):
        inner = type_label(expr.element)
        return f"{inner}[{expr.length}]" if expr.length is not None else f"{inner}[] max {expr.max}"
    if isinstance(expr, BytesType):
        return f"bytes[{expr.length}]" if expr.length is not None else f"bytes max {expr.max}"
    return f"string max {expr.max}"


def encodes_as_zero(expr: TypeExpr, default: Any, types: dict[str, Any]) -> bool:
    """Whether a field of type ``expr`` holding ``default`` encodes as all-zero bytes.

    This is the condition for appending a field in a minor version: an older writer's
    missing tail and an older reader's zero-tail check both mean "the default".
    ``types`` is ``Schema.types`` (or the builder's table while a schema is being built).
    """
    if isinstance(expr, ScalarType):
        return default in (None, 0, False)
    if isinstance(expr, StringType):
        return default in (None, "")
    if isinstance(expr, BytesType):
        return default in (None, b"", "")
    if isinstance(expr, ArrayType):
        if expr.stride:
            return False  # one non-zero u32 stride precedes the elements
        if expr.counted:
            return default in (None, [])
        return default in (None, []) and encodes_as_zero(expr.element, None, types)
    target = types[expr.name]
    if isinstance(target, EnumType):
        zero_name = target.by_value().get(0)
        if default is None:
            return zero_name is not None or target.open
        return bool(default == 0 or (zero_name is not None and default == zero_name))
    if isinstance(target, FlagsType):
        return default in (None, [], 0)
    return False  # a struct in field position carries a non-zero u32 size prefix
