"""One-edit mutants of the standard schemas, each written as a new minor and a new major version.

A **base** is a standard device-model schema (the newest version of each major; the x.0
versions too for import edits). An **edit kind** (``KINDS``) lists the places (sites) of a
base where it applies; each site applied to a copy of the base's YAML data gives a mutant
document, written once as the next minor version (``1.1`` → ``1.2``) and once as a new
major version (one past the model's newest major, so no registered migration applies).

Edits of a type that a base imports (``org.virtio.common``'s ``virtqueue``) are made in a
new minor version of that library, which the mutant then imports. Edits that rename
something record the rename (``Mutant.renames``) so the oracle can tell which values of
the two versions are the same value.

``mutants(cap)`` picks at most ``cap`` sites per (base, kind), spreading them over the
contexts that change what an edit means on the wire (``Site.tags``: first, middle or last
field; a struct in a section, in field position or as an array element; an appended
field; the field's type class); ``sample()`` is the bounded default-suite selection.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from devstate import ir
from devstate.errors import SchemaError
from devstate.schema import SchemaLoader, load_schema, schema_files, standard_schemas_dir
from devstate.schema.source import read_document

Data = dict[str, Any]
Apply = Callable[["Work"], None]
MINOR, MAJOR = "minor", "major"
BUMPS = (MINOR, MAJOR)
FULL_CAP = 6
"""Sites per (base, edit kind) in the full set, spread over the contexts that matter (``spread``)."""


# -- bases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    alias: str
    model: str
    version: ir.Version
    data: Data


@dataclass(frozen=True)
class Base:
    """A standard schema to mutate, with its history (same major, oldest first, itself last)."""

    schema: ir.Schema
    data: Data
    history: tuple[ir.Schema, ...]
    libs: tuple[Lib, ...]
    max_major: int
    only: frozenset[str] | None = None
    """Edit kinds applied to this base (None: every kind)."""

    @property
    def ident(self) -> str:
        return self.schema.ident

    def lib(self, alias: str) -> Lib:
        return next(lib for lib in self.libs if lib.alias == alias)

    def version_for(self, bump: str) -> ir.Version:
        version = self.schema.version
        return ir.Version(version.major, version.minor + 1) if bump == MINOR else ir.Version(self.max_major + 1, 0)


@cache
def bases() -> tuple[Base, ...]:
    """The newest version of every major of every device model, and the x.0 versions for import edits."""
    files = [f for f in schema_files() if not load_schema(f.path).is_library]
    by_model: dict[str, list[ir.Schema]] = {}
    for found in files:
        by_model.setdefault(found.model, []).append(load_schema(found.path))
    chosen: list[Base] = []
    for versions in by_model.values():
        max_major = max(s.version.major for s in versions)
        majors = sorted({s.version.major for s in versions})
        for major in majors:
            history = tuple(s for s in versions if s.version.major == major)
            newest = history[-1]
            chosen.append(_base(newest, history, max_major, None))
            if len(history) > 1 and newest.imports:
                chosen.append(_base(history[0], history[:1], max_major, frozenset({"import-upgrade"})))
    return tuple(chosen)


def _base(schema: ir.Schema, history: tuple[ir.Schema, ...], max_major: int, only: frozenset[str] | None) -> Base:
    data = read_document(Path(schema.file)).data
    libs = []
    for imported in schema.imports:
        libs.append(Lib(imported.alias, imported.model, imported.version, read_document(Path(imported.file)).data))
    return Base(schema, data, history, tuple(libs), max_major, only)


# -- working copy ------------------------------------------------------------------------------


class Work:
    """The base's data being edited, and what the edit renamed."""

    def __init__(self, base: Base, version: ir.Version) -> None:
        self.base = base
        self.version = version
        self.model: Data = copy.deepcopy(base.data)
        self.libs: dict[str, Data] = {}
        self.major = version.major != base.schema.version.major
        self.renames: dict[str, str] = {}
        """State-path renames, new name → old name: ``S.f`` (field of IR struct S), ``section s``."""

    def owner(self, ir_name: str) -> tuple[Data, str]:
        """The data that declares the named type ``ir_name``, and its local name there."""
        alias, dot, local = ir_name.partition(".")
        if not dot:
            return self.model, ir_name
        if alias not in self.libs:
            self.libs[alias] = copy.deepcopy(self.base.lib(alias).data)
        return self.libs[alias], local

    def raw_type(self, ir_name: str) -> Data:
        data, local = self.owner(ir_name)
        found: Data = data["types"][local]
        return found

    def since(self, ir_name: str | None) -> str:
        """The ``since`` of something this edit adds (to the model, or to the type's library)."""
        if ir_name is not None and "." in ir_name:
            return str(lib_version(self.base.lib(ir_name.partition(".")[0]), self.major))
        return str(self.version)

    def add_type(self, ir_name: str | None, local: str, raw: Data) -> str:
        """Declare a new named type next to ``ir_name`` (or in the model); its name as ``ir_name`` sees it."""
        data = self.owner(ir_name)[0] if ir_name else self.model
        data.setdefault("types", {})[local] = raw
        return local

    def documents(self) -> list[tuple[str, Data]]:
        """(path relative to the schema root, data) of the mutant and of each edited library."""
        out: list[tuple[str, Data]] = []
        model = self.model
        model["version"] = str(self.version)
        for alias, data in self.libs.items():
            lib = self.base.lib(alias)
            version = lib_version(lib, self.major)
            data["version"] = str(version)
            out.append((f"{lib.model}/{version}.yaml", data))
            for entry in model.get("imports", []):
                if entry.get("as") == alias:
                    entry["version"] = str(version)
        out.insert(0, (f"{model['model']}/{self.version}.yaml", model))
        return out


def lib_version(lib: Lib, major: bool) -> ir.Version:
    """The edited library's version: its next minor, or its next major when the model's bump is major."""
    if major:
        return ir.Version(lib.version.major + 1, 0)
    return ir.Version(lib.version.major, lib.version.minor + 1)


# -- sites -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    label: str
    apply: Apply
    tags: frozenset[str] = frozenset()
    focus: frozenset[str] = frozenset()
    """What the edit touches, in either version's names (``S.f``, a type name, ``section s``): the
    oracle adds states holding extreme values there (``oracle.extreme_states``). Defaults to the label."""

    @property
    def targets(self) -> frozenset[str]:
        return self.focus or frozenset({self.label})


@dataclass(frozen=True)
class Kind:
    name: str
    group: str
    doc: str
    sites: Callable[[Base], list[Site]]


KINDS: dict[str, Kind] = {}


def kind(name: str, group: str, doc: str) -> Callable[[Callable[[Base], list[Site]]], Callable[[Base], list[Site]]]:
    def register(function: Callable[[Base], list[Site]]) -> Callable[[Base], list[Site]]:
        KINDS[name] = Kind(name, group, doc, function)
        return function
    return register


# -- IR walking --------------------------------------------------------------------------------


def reachable(schema: ir.Schema) -> dict[str, set[str]]:
    """Named types reachable from the sections, with the contexts a struct appears in."""
    found: dict[str, set[str]] = {}

    def walk(expr: Any, context: str) -> None:
        if isinstance(expr, ir.ArrayType):
            walk(expr.element, "element")
        elif isinstance(expr, ir.NamedRef):
            seen = expr.name in found
            found.setdefault(expr.name, set()).add(context)
            target = schema.types[expr.name]
            if isinstance(target, ir.StructType) and not seen:
                for member in target.fields:
                    walk(member.type, "field")

    for section in schema.sections:
        walk(section.type, "section")
    for vendor in schema.vendor_sections:
        if vendor.type is not None:
            walk(vendor.type, "section")
    return found


def structs(schema: ir.Schema) -> list[tuple[str, ir.StructType, set[str]]]:
    out = []
    for name, contexts in reachable(schema).items():
        target = schema.types[name]
        if isinstance(target, ir.StructType):
            out.append((name, target, contexts))
    return out


def named(schema: ir.Schema, cls: type) -> list[tuple[str, Any]]:
    return [(name, schema.types[name]) for name in reachable(schema) if isinstance(schema.types[name], cls)]


def type_class(expr: Any, schema: ir.Schema) -> str:
    if isinstance(expr, ir.ScalarType):
        return "bool" if expr.name == "bool" else "int"
    if isinstance(expr, ir.NamedRef):
        return expr.target_kind
    if isinstance(expr, ir.ArrayType):
        return "counted-array" if expr.counted else "fixed-array"
    if isinstance(expr, ir.BytesType):
        return "counted-bytes" if expr.counted else "fixed-bytes"
    return "string"


def field_sites(base: Base, make: Callable[[str, ir.StructType, int, ir.StructField], Apply | None],
                last_only: bool = False) -> list[Site]:
    """One site per field of every reachable struct (``make`` returns None where the edit does not apply)."""
    sites = []
    schema = base.schema
    for name, struct, contexts in structs(schema):
        count = len(struct.fields)
        for index, member in enumerate(struct.fields):
            if last_only and index != count - 1:
                continue
            apply = make(name, struct, index, member)
            if apply is None:
                continue
            position = "only" if count == 1 else "first" if index == 0 else "last" if index == count - 1 else "middle"
            tags = {f"pos:{position}", f"type:{type_class(member.type, schema)}", *(f"in:{c}" for c in contexts)}
            tags.add("appended" if index >= struct.base_field_count else "base")
            tags.add("imported" if "." in name else "own")
            sites.append(Site(f"{name}.{member.name}", apply, frozenset(tags)))
    return sites


def raw_field(work: Work, struct: str, index: int) -> Data:
    found: Data = work.raw_type(struct)["fields"][index]
    return found


# -- raw type expressions -------------------------------------------------------------------------

_DIMS = re.compile(r"^(?P<base>[a-z0-9_.]+)(?P<dims>(?:\[[^\]]+\])*)$")
WIDER = {"u8": "u16", "u16": "u32", "u32": "u64", "i8": "i16", "i16": "i32", "i32": "i64"}
NARROWER = {v: k for k, v in WIDER.items()}
SIGN_FLIP = {"u8": "i8", "u16": "i16", "u32": "i32", "u64": "i64", "i8": "u8", "i16": "u16", "i32": "u32", "i64": "u64"}


def rename_ref(raw: Any, old: str, new: str) -> Any:
    """A raw type expression with references to type ``old`` renamed ``new``."""
    if isinstance(raw, str):
        match = _DIMS.match(raw)
        if match and match.group("base") == old:
            return new + match.group("dims")
        return raw
    if isinstance(raw, dict) and "of" in raw:
        return {**raw, "of": rename_ref(raw["of"], old, new)}
    return raw


def fits(value: int, scalar: str) -> bool:
    low, high = ir.scalar_range(scalar)
    return low <= value <= high


def retype_scalar(raw: Data, scalar: str) -> None:
    """Give an integer field another scalar type, dropping bounds and a default that no longer fit."""
    raw["type"] = scalar
    for key in ("min", "max", "default"):
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and not fits(value, scalar):
            del raw[key]


def is_scalar(member: ir.StructField, *names: str) -> bool:
    return isinstance(member.type, ir.ScalarType) and (not names or member.type.name in names)


def int_field(member: ir.StructField) -> bool:
    return isinstance(member.type, ir.ScalarType) and member.type.name != "bool"


def int_target(member: ir.StructField) -> str | None:
    """The integer scalar a field's min/max apply to (the field's, or its arrays' elements)."""
    expr: Any = member.type
    while isinstance(expr, ir.ArrayType):
        expr = expr.element
    return expr.name if isinstance(expr, ir.ScalarType) and expr.name != "bool" else None


def effective_range(member: ir.StructField, scalar: str) -> tuple[int, int]:
    low, high = ir.scalar_range(scalar)
    return (low if member.min is None else member.min, high if member.max is None else member.max)


# -- struct fields -----------------------------------------------------------------------------


@kind("field-remove", "fields", "remove a field")
def _field_remove(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if len(target.fields) == 1:
            return None
        return lambda w: w.raw_type(struct)["fields"].pop(index)
    return field_sites(base, make)


@kind("field-insert", "fields", "insert a u8 field before a field")
def _field_insert(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        return lambda w: w.raw_type(struct)["fields"].insert(index, {"name": "mut_inserted", "type": "u8"})
    return [replace(site, focus=frozenset({site.label, f"{site.label.rpartition('.')[0]}.mut_inserted"}))
            for site in field_sites(base, make)]


@kind("field-reorder", "fields", "swap a field with the next one")
def _field_reorder(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if index + 1 >= len(target.fields):
            return None

        def apply(w: Work) -> None:
            fields = w.raw_type(struct)["fields"]
            fields[index], fields[index + 1] = fields[index + 1], fields[index]
        return apply
    return field_sites(base, make)


@kind("field-rename", "fields", "rename a field")
def _field_rename(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        def apply(w: Work) -> None:
            raw_field(w, struct, index)["name"] = f"{member.name[:50]}_renamed"
            w.renames[f"{struct}.{member.name[:50]}_renamed"] = member.name
        return apply
    return field_sites(base, make)


def _scalar_edit(table: dict[str, str]) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
            if not int_field(member) or member.type.name not in table:  # type: ignore[union-attr]
                return None
            new = table[member.type.name]  # type: ignore[union-attr]
            return lambda w: retype_scalar(raw_field(w, struct, index), new)
        return field_sites(base, make)
    return sites


kind("field-widen", "fields", "an integer field gets the next wider type (u16 → u32)")(_scalar_edit(WIDER))
kind("field-narrow", "fields", "an integer field gets the next narrower type (u32 → u16)")(_scalar_edit(NARROWER))
kind("field-signedness", "fields", "an integer field changes signedness (u16 ↔ i16)")(_scalar_edit(SIGN_FLIP))


def element_scalar(member: ir.StructField) -> str | None:
    """The integer element type of an array-of-integers field (``u64[2]``, counted ``u16``)."""
    expr = member.type
    if isinstance(expr, ir.ArrayType) and isinstance(expr.element, ir.ScalarType) and expr.element.name != "bool":
        return expr.element.name
    return None


def retype_element(raw: Data, scalar: str) -> None:
    """Give an array-of-integers field another element type (bounds that no longer fit dropped)."""
    expr = raw["type"]
    if isinstance(expr, str):
        _, bracket, dims = expr.partition("[")
        raw["type"] = f"{scalar}{bracket}{dims}"
    else:
        raw["type"] = {**expr, "of": scalar}
    for key in ("min", "max"):
        value = raw.get(key)
        if isinstance(value, int) and not fits(value, scalar):
            del raw[key]


def _element_edit(table: dict[str, str]) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
            element = element_scalar(member)
            if element is None or element not in table:
                return None
            return lambda w: retype_element(raw_field(w, struct, index), table[element])
        return field_sites(base, make)
    return sites


kind("element-widen", "fields", "an integer array's elements get the next wider type")(_element_edit(WIDER))
kind("element-narrow", "fields", "an integer array's elements get the next narrower type")(_element_edit(NARROWER))
kind("element-signedness", "fields", "an integer array's elements change signedness")(_element_edit(SIGN_FLIP))


@kind("field-bool-int", "fields", "a bool field becomes u8, a u8 field becomes bool")
def _field_bool_int(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if not is_scalar(member, "bool", "u8"):
            return None

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            to_int = raw["type"] == "bool"
            raw["type"] = "u8" if to_int else "bool"
            raw.pop("min", None)
            raw.pop("max", None)
            if "default" in raw:
                raw["default"] = int(raw["default"]) if to_int else bool(raw["default"])
        return apply
    return field_sites(base, make)


@kind("field-enum-base", "fields", "an enum-typed field becomes the enum's base integer")
def _field_enum_base(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if not (isinstance(member.type, ir.NamedRef) and member.type.target_kind == "enum"):
            return None
        enum = base.schema.types[member.type.name]
        assert isinstance(enum, ir.EnumType)

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            raw["type"] = enum.base.name
            if "default" in raw:
                raw["default"] = enum.by_name().get(raw["default"], raw["default"])
        return apply
    return field_sites(base, make)


@kind("field-flags-base", "fields", "a flags-typed field becomes the flags' base integer")
def _field_flags_base(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if not (isinstance(member.type, ir.NamedRef) and member.type.target_kind == "flags"):
            return None
        flags = base.schema.types[member.type.name]
        assert isinstance(flags, ir.FlagsType)

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            raw["type"] = flags.base.name
            if "default" in raw:
                bits = {b.name: b.bit for b in flags.bits}
                raw["default"] = sum(1 << bits[name] for name in raw["default"])
        return apply
    return field_sites(base, make)


@kind("field-int-enum", "fields", "an integer field becomes a closed enum of the same base (values 0 and 1)")
def _field_int_enum(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if not int_field(member):
            return None
        scalar = member.type.name  # type: ignore[union-attr]

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            name = w.add_type(struct, "mut_enum", {"kind": "enum", "base": scalar, "values": {"zero": 0, "one": 1}})
            raw["type"] = name  # declared in the same file as the struct
            raw.pop("min", None)
            raw.pop("max", None)
            if "default" in raw:
                value = raw.pop("default")
                if value in (0, 1):
                    raw["default"] = ["zero", "one"][value]
        return apply
    return field_sites(base, make)


@kind("field-to-bytes", "fields", "an integer field of N bytes becomes fixed bytes of length N")
def _field_to_bytes(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if not int_field(member):
            return None
        size = ir.SCALAR_SIZES[member.type.name]  # type: ignore[union-attr]

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            raw["type"] = {"kind": "bytes", "length": size}
            for key in ("min", "max", "default"):
                raw.pop(key, None)
        return apply
    return field_sites(base, make)


def _resize(raw: Data, key: str, grow: bool) -> bool:
    """Change a fixed length or a counted max in a raw type (mapping or ``T[N]`` shorthand)."""
    expr = raw["type"]
    if isinstance(expr, dict) and key in expr:
        value = expr[key]
        new = value * 2 if grow else max(1, value // 2)
        if new == value:
            return False
        raw["type"] = {**expr, key: new}
        return True
    if key == "length" and isinstance(expr, str) and expr.endswith("]"):
        head, _, last = expr[:-1].rpartition("[")
        value = int(last, 0)
        new = value + 1 if grow else value - 1
        if new < 1:
            return False
        raw["type"] = f"{head}[{new}]"
        return True
    return False


def _extent_kind(key: str, grow: bool) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
            probe = {"type": copy.deepcopy(base_raw_field(base, struct, index)["type"])}
            if not _resize(probe, key, grow):
                return None
            return lambda w: _resize(raw_field(w, struct, index), key, grow)
        return field_sites(base, make)
    return sites


def base_raw_field(base: Base, struct: str, index: int) -> Data:
    alias, dot, local = struct.partition(".")
    data = base.lib(alias).data if dot else base.data
    found: Data = data["types"][local if dot else struct]["fields"][index]
    return found


kind("field-length-grow", "fields", "a fixed array or fixed bytes field gets one more element")(
    _extent_kind("length", True))
kind("field-length-shrink", "fields", "a fixed array or fixed bytes field gets one element less")(
    _extent_kind("length", False))
kind("field-max-raise", "fields", "a counted array, bytes or string field's max doubles")(_extent_kind("max", True))
kind("field-max-lower", "fields", "a counted array, bytes or string field's max halves")(_extent_kind("max", False))


@kind("field-range-narrow", "fields", "an integer field's max is lowered (or a max added below the type's)")
def _range_narrow(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        scalar = int_target(member)
        if scalar is None:
            return None
        low, high = effective_range(member, scalar)
        new_max = high - 1 if member.max is not None else low + (high - low) // 2
        if new_max < low:
            return None
        return lambda w: raw_field(w, struct, index).update(max=new_max)
    return field_sites(base, make)


@kind("field-min-raise", "fields", "an integer field's min is raised by one (or a min added above the type's)")
def _min_raise(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        scalar = int_target(member)
        if scalar is None:
            return None
        low, high = effective_range(member, scalar)
        if low + 1 > high:
            return None

        def apply(w: Work) -> None:
            raw = raw_field(w, struct, index)
            raw["min"] = low + 1
            if isinstance(raw.get("default"), int) and raw["default"] < low + 1:
                raw["default"] = low + 1
        return apply
    return field_sites(base, make)


@kind("field-range-widen", "fields", "an integer field's max (else its min) is removed")
def _range_widen(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if member.max is None and member.min is None:
            return None
        key = "max" if member.max is not None else "min"
        return lambda w: raw_field(w, struct, index).pop(key)
    return field_sites(base, make)


@kind("field-default", "fields", "a field's default changes (to another valid value)")
def _field_default(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        new = _other_default(base.schema, member)
        if new is None:
            return None
        return lambda w: raw_field(w, struct, index).update(default=new)
    return field_sites(base, make)


def _other_default(schema: ir.Schema, member: ir.StructField) -> Any:
    expr = member.type
    current = member.default
    if isinstance(expr, ir.ScalarType):
        if expr.name == "bool":
            return not current
        low, high = effective_range(member, expr.name)
        value = (current or 0) + 1
        return value if low <= value <= high else None
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "enum":
        enum = schema.types[expr.name]
        assert isinstance(enum, ir.EnumType)
        others = [m.name for m in enum.values if m.name != current]
        return others[0] if others else None
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "flags":
        flags = schema.types[expr.name]
        assert isinstance(flags, ir.FlagsType)
        return [flags.bits[0].name] if not current else []
    return None


@kind("field-since-drop", "fields", "an appended field loses its `since` marker")
def _since_drop(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if index != target.base_field_count:
            return None  # only the first appended field can become a base field (APPEND_ORDER)
        return lambda w: raw_field(w, struct, index).pop("since")
    return field_sites(base, make)


@kind("field-since-later", "fields", "the last appended field's `since` moves to the new version")
def _since_later(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if index < target.base_field_count or index != len(target.fields) - 1:
            return None
        return lambda w: raw_field(w, struct, index).update(since=w.since(struct))
    return field_sites(base, make)


@kind("field-since-add", "fields", "the last field, a base field, gets marked `since` the new version")
def _since_add(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        if index >= target.base_field_count or index == 0:
            return None
        return lambda w: raw_field(w, struct, index).update(since=w.since(struct))
    return field_sites(base, make, last_only=True)


@kind("field-doc", "fields", "a field's doc changes (no change at all)")
def _field_doc(base: Base) -> list[Site]:
    def make(struct: str, target: ir.StructType, index: int, member: ir.StructField) -> Apply | None:
        return lambda w: raw_field(w, struct, index).update(doc="Changed documentation.")
    return field_sites(base, make)


# -- appended fields (one site per struct) ----------------------------------------------------------

_ENUM01 = {"kind": "enum", "base": "u8", "values": {"off": 0, "on": 1}}
_ENUM12 = {"kind": "enum", "base": "u8", "values": {"one": 1, "two": 2}}
_FLAGS = {"kind": "flags", "base": "u8", "bits": {"a": 0, "b": 1}}
_STRUCT = {"kind": "struct", "fields": [{"name": "x", "type": "u8"}]}

APPENDS: dict[str, tuple[str, Data, Data | None, bool]] = {
    # name: (what is appended, the field (without name and since), a new type it uses, marked since)
    "append-u8": ("a u8 field", {"type": "u8"}, None, True),
    "append-bool": ("a bool field", {"type": "bool"}, None, True),
    "append-min1": ("a u16 field with min 1 (its range excludes zero)", {"type": "u16", "min": 1}, None, True),
    "append-negative": ("an i8 field with min -5, max -1", {"type": "i8", "min": -5, "max": -1}, None, True),
    "append-bounded": ("a u16 field with max 100", {"type": "u16", "max": 100}, None, True),
    "append-default": ("a u16 field with default 7", {"type": "u16", "default": 7}, None, True),
    "append-nosince": ("a u8 field without `since`", {"type": "u8"}, None, False),
    "append-enum": ("a field of a new closed enum {off: 0, on: 1}", {"type": "mut_type"}, _ENUM01, True),
    "append-enum-nozero": ("a field of a new closed enum without a 0 value", {"type": "mut_type"}, _ENUM12, True),
    "append-flags": ("a field of a new flags type", {"type": "mut_type"}, _FLAGS, True),
    "append-struct": ("a field of a new struct type", {"type": "mut_type"}, _STRUCT, True),
    "append-string": ("a string field (max 8)", {"type": {"kind": "string", "max": 8}}, None, True),
    "append-counted": ("a counted u8 array field (max 4)", {"type": {"kind": "array", "of": "u8", "max": 4}}, None,
                       True),
    "append-fixed": ("a u8[4] field", {"type": "u8[4]"}, None, True),
    "append-bytes": ("a fixed bytes field (length 4)", {"type": {"kind": "bytes", "length": 4}}, None, True),
}


def _append_kind(spec: Data, new_type: Data | None, since: bool) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        out = []
        for struct, _, contexts in structs(base.schema):
            def apply(w: Work, struct: str = struct) -> None:
                if new_type is not None:
                    w.add_type(struct, "mut_type", copy.deepcopy(new_type))  # declared in the struct's file
                raw = {"name": "mut_appended", **copy.deepcopy(spec)}
                if since:
                    raw["since"] = w.since(struct)
                w.raw_type(struct)["fields"].append(raw)
            tags = frozenset({*(f"in:{c}" for c in contexts), "imported" if "." in struct else "own"})
            out.append(Site(struct, apply, tags, frozenset({f"{struct}.mut_appended", "mut_type"})))
        return out
    return sites


for _name, (_doc, _spec, _type, _since) in APPENDS.items():
    _marked = ", marked `since`" if _since else ""
    kind(f"field-{_name}", "appended fields", f"append {_doc}{_marked}")(_append_kind(_spec, _type, _since))


# -- enums and flags --------------------------------------------------------------------------------


def _named_sites(base: Base, cls: type, make: Callable[[str, Any], list[tuple[str, Apply]]]) -> list[Site]:
    sites = []
    for name, target in named(base.schema, cls):
        tags = {"imported" if "." in name else "own"}
        if isinstance(target, ir.EnumType):
            tags.add("open" if target.open else "closed")
        for label, apply in make(name, target):
            sites.append(Site(label, apply, frozenset(tags), frozenset({name})))
    return sites


def _free_value(enum: ir.EnumType) -> int | None:
    low, high = ir.scalar_range(enum.base.name)
    used = set(enum.by_value())
    return next((v for v in range(max(used) + 1, high + 1)), None) if max(used) < high else \
        next((v for v in range(low, high + 1) if v not in used), None)


def _member(value: int, since: str | None = None) -> Any:
    return value if since is None else {"value": value, "since": since}


def _set_member(raw: Data, key: str, name: str, field_name: str, value: int) -> None:
    spec = raw[key][name]
    if isinstance(spec, dict):
        spec[field_name] = value
    else:
        raw[key][name] = value


@kind("enum-value-add", "enums", "add a value (marked `since`) to an enum")
def _enum_add(base: Base) -> list[Site]:
    def make(name: str, enum: ir.EnumType) -> list[tuple[str, Apply]]:
        free = _free_value(enum)
        if free is None:
            return []
        return [(name, lambda w: w.raw_type(name)["values"].update(mut_value={"value": free, "since": w.since(name)}))]
    return _named_sites(base, ir.EnumType, make)


@kind("enum-value-remove", "enums", "remove a value from an enum")
def _enum_remove(base: Base) -> list[Site]:
    def make(name: str, enum: ir.EnumType) -> list[tuple[str, Apply]]:
        if len(enum.values) < 2:
            return []
        return [(f"{name}.{m.name}", lambda w, m=m: w.raw_type(name)["values"].pop(m.name)) for m in enum.values]
    return _named_sites(base, ir.EnumType, make)


@kind("enum-value-renumber", "enums", "give an enum value an unused number")
def _enum_renumber(base: Base) -> list[Site]:
    def make(name: str, enum: ir.EnumType) -> list[tuple[str, Apply]]:
        free = _free_value(enum)
        if free is None:
            return []
        return [(f"{name}.{m.name}", lambda w, m=m: _set_member(w.raw_type(name), "values", m.name, "value", free))
                for m in enum.values]
    return _named_sites(base, ir.EnumType, make)


@kind("enum-value-rename", "enums", "rename an enum value")
def _enum_rename(base: Base) -> list[Site]:
    def make(name: str, enum: ir.EnumType) -> list[tuple[str, Apply]]:
        def rename(w: Work, member: str) -> None:
            values = w.raw_type(name)["values"]
            w.raw_type(name)["values"] = {(f"{k[:50]}_renamed" if k == member else k): v for k, v in values.items()}
            w.renames[f"{name}.{member[:50]}_renamed"] = member
        return [(f"{name}.{m.name}", lambda w, m=m: rename(w, m.name)) for m in enum.values]
    return _named_sites(base, ir.EnumType, make)


@kind("enum-open", "enums", "a closed enum becomes open")
def _enum_open(base: Base) -> list[Site]:
    return _named_sites(base, ir.EnumType, lambda name, enum: [] if enum.open else [
        (name, lambda w: w.raw_type(name).update(open=True))])


@kind("enum-close", "enums", "an open enum becomes closed")
def _enum_close(base: Base) -> list[Site]:
    return _named_sites(base, ir.EnumType, lambda name, enum: [] if not enum.open else [
        (name, lambda w: w.raw_type(name).pop("open"))])


def _base_edit(cls: type, table: dict[str, str], key: str) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(name: str, target: Any) -> list[tuple[str, Apply]]:
            new = table.get(target.base.name)
            if new is None:
                return []
            width = ir.SCALAR_SIZES[new] * 8
            if key == "values" and not all(fits(m.value, new) for m in target.values):
                return []
            if key == "bits" and not all(b.bit < width for b in target.bits):
                return []
            return [(name, lambda w: w.raw_type(name).update(base=new))]
        return _named_sites(base, cls, make)
    return sites


_UWIDER = {k: v for k, v in WIDER.items() if k.startswith("u")}
_UNARROWER = {v: k for k, v in _UWIDER.items()}
kind("enum-base-widen", "enums", "an enum's base becomes wider")(_base_edit(ir.EnumType, WIDER, "values"))
kind("enum-base-narrow", "enums", "an enum's base becomes narrower (its values still fit)")(
    _base_edit(ir.EnumType, NARROWER, "values"))
kind("flags-base-widen", "flags", "a flags type's base becomes wider")(_base_edit(ir.FlagsType, _UWIDER, "bits"))
kind("flags-base-narrow", "flags", "a flags type's base becomes narrower (its bits still fit)")(
    _base_edit(ir.FlagsType, _UNARROWER, "bits"))


def _free_bit(flags: ir.FlagsType) -> int | None:
    used = {b.bit for b in flags.bits}
    return next((b for b in range(flags.base.size * 8) if b not in used), None)


@kind("flag-add", "flags", "add a bit (marked `since`) to a flags type")
def _flag_add(base: Base) -> list[Site]:
    def make(name: str, flags: ir.FlagsType) -> list[tuple[str, Apply]]:
        free = _free_bit(flags)
        if free is None:
            return []
        return [(name, lambda w: w.raw_type(name)["bits"].update(mut_bit={"bit": free, "since": w.since(name)}))]
    return _named_sites(base, ir.FlagsType, make)


@kind("flag-remove", "flags", "remove a bit from a flags type")
def _flag_remove(base: Base) -> list[Site]:
    def make(name: str, flags: ir.FlagsType) -> list[tuple[str, Apply]]:
        if len(flags.bits) < 2:
            return []
        return [(f"{name}.{b.name}", lambda w, b=b: w.raw_type(name)["bits"].pop(b.name)) for b in flags.bits]
    return _named_sites(base, ir.FlagsType, make)


@kind("flag-move", "flags", "move a flag to an unused bit")
def _flag_move(base: Base) -> list[Site]:
    def make(name: str, flags: ir.FlagsType) -> list[tuple[str, Apply]]:
        free = _free_bit(flags)
        if free is None:
            return []
        return [(f"{name}.{b.name}", lambda w, b=b: _set_member(w.raw_type(name), "bits", b.name, "bit", free))
                for b in flags.bits]
    return _named_sites(base, ir.FlagsType, make)


@kind("flag-rename", "flags", "rename a flag")
def _flag_rename(base: Base) -> list[Site]:
    def make(name: str, flags: ir.FlagsType) -> list[tuple[str, Apply]]:
        def rename(w: Work, bit: str) -> None:
            bits = w.raw_type(name)["bits"]
            w.raw_type(name)["bits"] = {(f"{k[:50]}_renamed" if k == bit else k): v for k, v in bits.items()}
            w.renames[f"{name}.{bit[:50]}_renamed"] = bit
        return [(f"{name}.{b.name}", lambda w, b=b: rename(w, b.name)) for b in flags.bits]
    return _named_sites(base, ir.FlagsType, make)


@kind("type-rename", "types", "rename a named type of the model (and every reference to it)")
def _type_rename(base: Base) -> list[Site]:
    sites = []
    for name in reachable(base.schema):
        if "." in name:
            continue

        def apply(w: Work, name: str = name) -> None:
            types = w.model["types"]
            w.model["types"] = {(f"{k}_renamed" if k == name else k): v for k, v in types.items()}
            for raw in w.model["types"].values():
                for member in raw.get("fields", []):
                    member["type"] = rename_ref(member["type"], name, f"{name}_renamed")
            for group in ("sections", "vendor_sections"):
                for section in w.model.get(group, []):
                    if "type" in section:
                        section["type"] = rename_ref(section["type"], name, f"{name}_renamed")
        sites.append(Site(name, apply, frozenset({base.schema.types[name].kind}), frozenset({name, f"{name}_renamed"})))
    return sites


@kind("doc-change", "types", "the model's doc changes (no change at all)")
def _doc_change(base: Base) -> list[Site]:
    return [Site("doc", lambda w: w.model.update(doc="Changed documentation."))]


# -- sections ----------------------------------------------------------------------------------------


def _free_id(base: Base, group: str) -> int:
    used = {s["id"] for s in base.data.get(group, [])}
    return next(i for i in range(20, 32767) if i not in used)


def _section_sites(base: Base, group: str, make: Callable[[int, Data], Apply | None]) -> list[Site]:
    sites = []
    for index, raw in enumerate(base.data.get(group, [])):
        apply = make(index, raw)
        if apply is not None:
            tags = frozenset({"optional" if raw.get("optional") else "required",
                              "opaque" if raw.get("opaque") else "typed"})
            sites.append(Site(f"{group[:-1].replace('_', ' ')} {raw['name']}", apply, tags))
    return sites


def _sections(w: Work, group: str = "sections") -> list[Data]:
    found: list[Data] = w.model.setdefault(group, [])
    return found


@kind("section-add-optional", "sections", "add an optional section (type u32), marked `since`")
def _section_add_optional(base: Base) -> list[Site]:
    new_id = _free_id(base, "sections")
    return [Site("section mut_section", lambda w: _sections(w).append(
        {"id": new_id, "name": "mut_section", "type": "u32", "optional": True, "since": w.since(None)}))]


@kind("section-add-required", "sections", "add a required section (type u32)")
def _section_add_required(base: Base) -> list[Site]:
    new_id = _free_id(base, "sections")
    return [Site("section mut_section", lambda w: _sections(w).append({"id": new_id, "name": "mut_section",
                                                                        "type": "u32"}))]


@kind("section-remove", "sections", "remove a section")
def _section_remove(base: Base) -> list[Site]:
    return _section_sites(base, "sections", lambda i, raw: lambda w: _sections(w).pop(i))


@kind("section-reid", "sections", "give a section an unused id")
def _section_reid(base: Base) -> list[Site]:
    new_id = _free_id(base, "sections")
    return _section_sites(base, "sections", lambda i, raw: lambda w: _sections(w)[i].update(id=new_id))


@kind("section-make-optional", "sections", "a required section becomes optional")
def _section_make_optional(base: Base) -> list[Site]:
    return _section_sites(base, "sections", lambda i, raw: None if raw.get("optional") else
                          (lambda w: _sections(w)[i].update(optional=True)))


@kind("section-make-required", "sections", "an optional section becomes required")
def _section_make_required(base: Base) -> list[Site]:
    return _section_sites(base, "sections", lambda i, raw: None if not raw.get("optional") else
                          (lambda w: _sections(w)[i].update(optional=False)))


@kind("section-rename", "sections", "rename a section")
def _section_rename(base: Base) -> list[Site]:
    def make(i: int, raw: Data) -> Apply:
        def apply(w: Work) -> None:
            _sections(w)[i]["name"] = f"{raw['name']}_renamed"
            w.renames[f"section {raw['name']}_renamed"] = raw["name"]
        return apply
    return _section_sites(base, "sections", make)


def _section_max(grow: bool) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(i: int, raw: Data) -> Apply | None:
            if not _resize({"type": copy.deepcopy(raw["type"])}, "max", grow):
                return None
            return lambda w: _resize(_sections(w)[i], "max", grow)
        return _section_sites(base, "sections", make)
    return sites


kind("section-max-raise", "sections", "a counted-array section's max doubles")(_section_max(True))
kind("section-max-lower", "sections", "a counted-array section's max halves")(_section_max(False))


# -- vendor sections ---------------------------------------------------------------------------------


def _vendors(w: Work) -> list[Data]:
    return _sections(w, "vendor_sections")


def _vendor_add(optional: bool) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def apply(w: Work) -> None:
            raw: Data = {"id": 1, "name": "mut_vendor", "vendor": {"pci": 0x1234}, "opaque": True, "max": 64}
            if optional:
                raw.update(optional=True, since=w.since(None))
            _vendors(w).append(raw)
        return [Site("vendor section mut_vendor", apply)]
    return sites


kind("vendor-add-optional", "vendor sections", "add an optional opaque vendor section, marked `since`")(
    _vendor_add(True))
kind("vendor-add-required", "vendor sections", "add a required opaque vendor section")(_vendor_add(False))


@kind("vendor-remove", "vendor sections", "remove a vendor section")
def _vendor_remove(base: Base) -> list[Site]:
    return _section_sites(base, "vendor_sections", lambda i, raw: lambda w: _vendors(w).pop(i))


@kind("vendor-reid", "vendor sections", "give a vendor section another id in its namespace")
def _vendor_reid(base: Base) -> list[Site]:
    return _section_sites(base, "vendor_sections", lambda i, raw: lambda w: _vendors(w)[i].update(id=raw["id"] + 100))


@kind("vendor-namespace", "vendor sections", "move a vendor section to another vendor namespace")
def _vendor_namespace(base: Base) -> list[Site]:
    return _section_sites(base, "vendor_sections", lambda i, raw: lambda w: _vendors(w)[i].update(
        vendor={"uuid": "0f0e0d0c-0b0a-4908-8706-050403020100"}))


@kind("vendor-make-optional", "vendor sections", "a required vendor section becomes optional")
def _vendor_make_optional(base: Base) -> list[Site]:
    return _section_sites(base, "vendor_sections", lambda i, raw: None if raw.get("optional") else
                          (lambda w: _vendors(w)[i].update(optional=True)))


@kind("vendor-make-required", "vendor sections", "an optional vendor section becomes required")
def _vendor_make_required(base: Base) -> list[Site]:
    return _section_sites(base, "vendor_sections", lambda i, raw: None if not raw.get("optional") else
                          (lambda w: _vendors(w)[i].update(optional=False)))


@kind("vendor-rename", "vendor sections", "rename a vendor section")
def _vendor_rename(base: Base) -> list[Site]:
    def make(i: int, raw: Data) -> Apply:
        def apply(w: Work) -> None:
            _vendors(w)[i]["name"] = f"{raw['name']}_renamed"
            w.renames[f"vendor section {raw['name']}_renamed"] = raw["name"]
        return apply
    return _section_sites(base, "vendor_sections", make)


def _vendor_max(grow: bool) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        def make(i: int, raw: Data) -> Apply | None:
            if "max" not in raw:
                return None
            new = raw["max"] * 2 if grow else max(1, raw["max"] // 2)
            return lambda w: _vendors(w)[i].update(max=new)
        return _section_sites(base, "vendor_sections", make)
    return sites


kind("vendor-max-raise", "vendor sections", "an opaque vendor section's max doubles")(_vendor_max(True))
kind("vendor-max-lower", "vendor sections", "an opaque vendor section's max halves")(_vendor_max(False))


@kind("vendor-to-typed", "vendor sections", "an opaque vendor section gets a typed payload (u32)")
def _vendor_to_typed(base: Base) -> list[Site]:
    def make(i: int, raw: Data) -> Apply | None:
        if not raw.get("opaque"):
            return None

        def apply(w: Work) -> None:
            section = _vendors(w)[i]
            del section["opaque"]
            section.pop("max", None)
            section["type"] = "u32"
        return apply
    return _section_sites(base, "vendor_sections", make)


# -- migration parameters ----------------------------------------------------------------------------


def _param_sites(base: Base, make: Callable[[str, ir.Param], Apply | None]) -> list[Site]:
    sites = []
    for param in base.schema.params:
        apply = make(param.name, param)
        if apply is not None:
            tags = frozenset({param.type if param.type in ("bool", "string") else "int",
                              "allowed" if param.allowed else "range" if param.min is not None or param.max is not None
                              else "any"})
            sites.append(Site(f"param {param.name}", apply, tags))
    return sites


def _params(w: Work) -> Data:
    found: Data = w.model.setdefault("params", {})
    return found


@kind("param-add", "params", "add a u16 parameter (default 0), marked `since`")
def _param_add(base: Base) -> list[Site]:
    return [Site("param mut-param", lambda w: _params(w).update(
        {"mut-param": {"type": "u16", "default": 0, "since": w.since(None)}}))]


@kind("param-remove", "params", "remove a parameter")
def _param_remove(base: Base) -> list[Site]:
    return _param_sites(base, lambda name, p: lambda w: _params(w).pop(name))


@kind("param-default", "params", "a parameter's default changes (to another accepted value)")
def _param_default(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        new = _other_param_value(param)
        return None if new is None else (lambda w: _params(w)[name].update(default=new))
    return _param_sites(base, make)


def _other_param_value(param: ir.Param) -> Any:
    if param.type == "bool":
        return not param.default
    if param.type == "string":
        return f"{param.default}x"
    if param.allowed is not None:
        return next((v for v in param.allowed if v != param.default), None)
    for candidate in (param.default + 1, param.default - 1):  # type: ignore[operator]
        if param.accepts(candidate):
            return candidate
    return None


@kind("param-type-widen", "params", "an integer parameter gets a wider type")
def _param_widen(base: Base) -> list[Site]:
    return _param_sites(base, lambda name, p: None if p.type not in WIDER else (
        lambda w: _params(w)[name].update(type=WIDER[p.type])))


@kind("param-type-narrow", "params", "an integer parameter gets a narrower type (its default, bounds and values fit)")
def _param_narrow(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        new = NARROWER.get(param.type)
        values = [param.default, param.min, param.max, *(param.allowed or ())]
        if new is None or not all(v is None or fits(v, new) for v in values):  # type: ignore[arg-type]
            return None
        return lambda w: _params(w)[name].update(type=new)
    return _param_sites(base, make)


@kind("param-type-string", "params", "a parameter becomes a string (its default written as text)")
def _param_string(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        if param.type == "string":
            return None

        def apply(w: Work) -> None:
            raw = _params(w)[name]
            _params(w)[name] = {k: v for k, v in raw.items() if k not in ("min", "max", "allowed")}
            _params(w)[name].update(type="string", default=str(raw["default"]).lower())
        return apply
    return _param_sites(base, make)


@kind("param-allowed-add", "params", "a parameter's allowed list gains a value")
def _param_allowed_add(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        if param.allowed is None or param.type in ("bool", "string"):
            return None
        new = max(param.allowed) + 1  # type: ignore[type-var,operator]
        if not fits(new, param.type):
            return None
        return lambda w: _params(w)[name].update(allowed=[*param.allowed, new])  # type: ignore[misc]
    return _param_sites(base, make)


@kind("param-allowed-remove", "params", "a parameter's allowed list loses a value (not the default)")
def _param_allowed_remove(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        if param.allowed is None:
            return None
        others = [v for v in param.allowed if v != param.default]
        if not others:
            return None
        return lambda w: _params(w)[name].update(allowed=[v for v in param.allowed or () if v != others[-1]])
    return _param_sites(base, make)


@kind("param-range-widen", "params", "an integer parameter's max (else min) is removed")
def _param_range_widen(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        key = "max" if param.max is not None else "min" if param.min is not None else None
        return None if key is None else (lambda w: _params(w)[name].pop(key))
    return _param_sites(base, make)


@kind("param-range-narrow", "params", "an integer parameter's max is lowered (or a max added) above its default")
def _param_range_narrow(base: Base) -> list[Site]:
    def make(name: str, param: ir.Param) -> Apply | None:
        if param.type in ("bool", "string") or param.allowed is not None:
            return None
        high = ir.scalar_range(param.type)[1] if param.max is None else param.max
        new = high - 1 if param.max is not None else max(param.default, min(high, param.default + 10))  # type: ignore[type-var]
        if new < param.default or new == high:  # type: ignore[operator]
            return None
        return lambda w: _params(w)[name].update(max=new)
    return _param_sites(base, make)


# -- imports -----------------------------------------------------------------------------------------


def _import_kind(step: int) -> Callable[[Base], list[Site]]:
    def sites(base: Base) -> list[Site]:
        out = []
        for index, imported in enumerate(base.schema.imports):
            target = ir.Version(imported.version.major, imported.version.minor + step)
            if target.minor < 0 or not (standard_schemas_dir() / imported.model / f"{target}.yaml").is_file():
                continue
            focus = frozenset(name for name in base.schema.types if name.startswith(f"{imported.alias}."))
            out.append(Site(f"import {imported.alias}", lambda w, i=index, t=target: w.model["imports"][i].update(
                version=str(t)), focus=focus))
        return out
    return sites


@kind("import-alias", "imports", "import a library under another alias (and rename every reference)")
def _import_alias(base: Base) -> list[Site]:
    out = []
    for index, imported in enumerate(base.schema.imports):
        def apply(w: Work, index: int = index, alias: str = imported.alias) -> None:
            w.model["imports"][index]["as"] = f"{alias}_renamed"
            for raw in w.model.get("types", {}).values():
                for member in raw.get("fields", []):
                    member["type"] = _realias(member["type"], alias)
            for group in ("sections", "vendor_sections"):
                for section in w.model.get(group, []):
                    if "type" in section:
                        section["type"] = _realias(section["type"], alias)
        focus = frozenset(name for name in base.schema.types if name.startswith(f"{imported.alias}."))
        out.append(Site(f"import {imported.alias}", apply, focus=focus))
    return out


def _realias(raw: Any, alias: str) -> Any:
    if isinstance(raw, str) and raw.startswith(f"{alias}."):
        return f"{alias}_renamed.{raw[len(alias) + 1:]}"
    if isinstance(raw, dict) and "of" in raw:
        return {**raw, "of": _realias(raw["of"], alias)}
    return raw


@kind("model-rename", "model", "the model id changes (a new device model)")
def _model_rename(base: Base) -> list[Site]:
    return [Site("model", lambda w: w.model.update(model=f"{base.schema.model}.renamed"))]


kind("import-upgrade", "imports", "import the next minor version of a library")(_import_kind(1))
kind("import-downgrade", "imports", "import the previous minor version of a library")(_import_kind(-1))


# -- mutants -----------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass(frozen=True)
class Mutant:
    base: Base
    kind: str
    site: Site
    bump: str

    @property
    def version(self) -> ir.Version:
        return self.base.version_for(self.bump)

    @property
    def ident(self) -> str:
        return f"{self.base.ident} {self.kind} {self.site.label} ({self.bump} {self.version})"

    def materialize(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """The files of the mutant (path relative to a schema root, text) and its renames."""
        work = Work(self.base, self.version)
        self.site.apply(work)
        files = [(path, yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000))
                 for path, data in work.documents()]
        return files, work.renames

    def load(self, root: Path) -> Loaded:
        """Write the mutant under ``root`` and load it (``schema`` is None when it is not a valid schema)."""
        files, renames = self.materialize()
        for relative, text in files:
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            schema = SchemaLoader().load(root / files[0][0])
        except SchemaError as exc:
            return Loaded(self, None, renames, tuple(sorted({d.code for d in exc.diagnostics})))
        return Loaded(self, schema, renames)


@dataclass(frozen=True)
class Loaded:
    mutant: Mutant
    schema: ir.Schema | None
    renames: dict[str, str] = field(default_factory=dict)
    refused: tuple[str, ...] = ()
    """The loader's error codes when the mutant is not a valid schema."""


def sites_of(base: Base, name: str) -> list[Site]:
    if base.only is not None and name not in base.only:
        return []
    return KINDS[name].sites(base)


def spread(sites: list[Site], cap: int, salt: str) -> list[Site]:
    """At most ``cap`` sites, deterministic, covering as many distinct tags as possible."""
    ordered = sorted(sites, key=lambda s: hashlib.sha256(f"{salt}/{s.label}".encode()).hexdigest())
    chosen: list[Site] = []
    covered: set[str] = set()
    while ordered and len(chosen) < cap:
        best = max(ordered, key=lambda s: len(s.tags - covered))
        ordered.remove(best)
        chosen.append(best)
        covered |= best.tags
    return chosen


def mutants(cap: int = FULL_CAP) -> Iterator[Mutant]:
    """Every kind at up to ``cap`` sites of every base, each as a minor and a major version."""
    for base in bases():
        for name in KINDS:
            for site in spread(sites_of(base, name), cap, f"{base.ident}/{name}"):
                for bump in BUMPS:
                    yield Mutant(base, name, site, bump)


def sample() -> list[Mutant]:
    """The default suite's bounded selection: every kind once (at its first base that has a site),
    with the minor and the major version, plus the kinds' sites that hit the known findings."""
    chosen: list[Mutant] = []
    for index, name in enumerate(KINDS):
        ordered = list(bases())
        ordered = ordered[index % len(ordered):] + ordered[: index % len(ordered)]
        for base in ordered:
            sites = spread(sites_of(base, name), 1, f"{base.ident}/{name}")
            if sites:
                chosen += [Mutant(base, name, sites[0], bump) for bump in BUMPS]
                break
    return chosen
