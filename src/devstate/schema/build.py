"""Semantic checks and IR construction for one meta-schema-valid document.

The builder walks the document once, resolving type expressions, computing wire sizes
and collecting every semantic problem as a ``Diagnostic`` (it never stops at the first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from devstate import ir
from devstate.errors import Diagnostic
from devstate.limits import MAX_COUNT, MAX_NESTING_DEPTH
from devstate.schema.source import PathKey, SourceDocument
from devstate.visit import Visitor

_SHORTHAND = re.compile(r"^(?P<base>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)(?P<dims>(?:\[[^\]]+\])*)$")
_DIM = re.compile(r"\[([^\]]+)\]")

ImportedTypes = dict[str, ir.StructType | ir.EnumType | ir.FlagsType]


class _Unresolved(Exception):
    """A type expression could not be built; the diagnostic is already recorded."""


class SchemaBuilder:
    """Builds ``ir.Schema`` from a document; ``diagnostics`` holds what is wrong."""

    def __init__(self, document: SourceDocument, imported: ImportedTypes, imports: tuple[ir.Import, ...]):
        self.doc = document
        self.data: dict[str, Any] = document.data
        self.version = ir.Version.parse(self.data["version"])
        self.origin = f"{self.data['model']}@{self.version}"
        self.diagnostics: list[Diagnostic] = []
        self.imports = imports
        self.types: ImportedTypes = dict(imported)
        self.raw_types: dict[str, Any] = self.data.get("types", {})
        self.in_progress: list[str] = []
        self.failed: set[str] = set()
        self._zeros, self._default_problems = _Zeros(self.types), _DefaultProblems(self.types)

    # -- entry point ------------------------------------------------------------------

    def build(self, sha256: str) -> ir.Schema | None:
        for name in self.raw_types:
            if name in ir.SCALAR_SIZES:
                self.error(
                    ("types", name), "DUPLICATE_NAME", f"type {name!r} has the name of a scalar type", at_key=True
                )
                continue
            built = self._named_type(name)
            if isinstance(built, ir.StructType):
                self._check_depth(
                    ir.NamedRef(name=name, target_kind="struct", fixed_size=None), ("types", name), at_key=True
                )
        sections = self._sections()
        vendor_sections = self._vendor_sections()
        params = self._params()
        self._check_unique_section_names()
        if self.diagnostics:
            return None
        return ir.Schema(
            devstate=self.data["devstate"],
            model=self.data["model"],
            version=self.version,
            title=self.data["title"],
            doc=self.data.get("doc", ""),
            file=self.doc.file,
            sha256=sha256,
            imports=self.imports,
            types=self.types,
            sections=sections,
            vendor_sections=vendor_sections,
            params=params,
            annotations=self.data.get("annotations", {}),
        )

    # -- helpers ------------------------------------------------------------------------

    def error(self, path: PathKey, code: str, message: str, *, at_key: bool = False) -> None:
        self.diagnostics.append(self.doc.diagnostic(path, code, message, at_key=at_key))

    def loc(self, path: PathKey) -> ir.Location:
        line, col = self.doc.position(path)
        return ir.Location(file=self.doc.file, line=line, col=col)

    def key_loc(self, path: PathKey) -> ir.Location:
        """Where the mapping key naming ``path`` is (an enum member, a flag bit, a parameter)."""
        line, col = self.doc.key_position(path)
        return ir.Location(file=self.doc.file, line=line, col=col)

    def since(self, value: str | None, path: PathKey) -> ir.Version | None:
        if value is None:
            return None
        since = ir.Version.parse(value)
        if since > self.version and since.major >= self.version.major:
            self.error(path, "SINCE_TOO_NEW", f"since {since} is later than the schema's version {self.version}")
        return since

    def appended(self, since: ir.Version | None) -> bool:
        """Whether ``since`` marks something a minor version of this major added."""
        return since is not None and since.major == self.version.major and since.minor > 0

    # -- named types ----------------------------------------------------------------------

    def _named_type(self, name: str) -> ir.StructType | ir.EnumType | ir.FlagsType | None:
        if name in self.types:
            return self.types[name]
        if name in self.failed:
            return None
        if name in self.in_progress:
            cycle = " -> ".join([*self.in_progress[self.in_progress.index(name) :], name])
            self.error(("types", name), "RECURSIVE_TYPE", f"type {name!r} contains itself: {cycle}", at_key=True)
            return None
        raw = self.raw_types[name]
        path: PathKey = ("types", name)
        self.in_progress.append(name)
        try:
            builders: dict[str, Callable[[str, Any, PathKey], Any]] = {
                "struct": self._struct,
                "enum": self._enum,
                "flags": self._flags,
            }
            if raw["kind"] not in builders:
                self.error(path, "META_SCHEMA", "only struct, enum and flags can be declared as named types")
                return None
            built = builders[raw["kind"]](name, raw, path)
        finally:
            self.in_progress.pop()
        if built is None:
            self.failed.add(name)
        else:
            self.types[name] = built
        return built  # type: ignore[no-any-return]

    def _struct(self, name: str, raw: dict[str, Any], path: PathKey) -> ir.StructType | None:
        fields: list[ir.StructField] = []
        offset: int | None = 0
        seen: set[str] = set()
        for index, raw_field in enumerate(raw["fields"]):
            field_path = (*path, "fields", index)
            if raw_field["name"] in seen:
                self.error(
                    (*field_path, "name"), "DUPLICATE_NAME", f"field {raw_field['name']!r} is declared twice in {name}"
                )
            seen.add(raw_field["name"])
            built = self._field(raw_field, field_path, offset)
            if built is None:
                offset = None
                continue
            fields.append(built)
            size = built.type.fixed_size
            offset = offset + size if offset is not None and size is not None else None
        if len(fields) != len(raw["fields"]):
            return None
        base_count = self._check_append_order(fields, path)
        body = offset
        if body is not None and body > MAX_COUNT:
            self.error(path, "LIMIT_EXCEEDED", f"struct {name} encodes to {body} bytes, over the u32 size limit")
        return ir.StructType(
            name=name,
            doc=raw.get("doc", ""),
            fields=tuple(fields),
            body_size=body,
            base_field_count=base_count,
            origin=self.origin,
            annotations=raw.get("annotations", {}),
            loc=self.loc(path),
        )

    def _check_append_order(self, fields: list[ir.StructField], path: PathKey) -> int:
        """Appended fields must follow every base field, in version order; returns the base count."""
        base_count = sum(1 for f in fields if not self.appended(f.since))
        latest: ir.Version | None = None
        for index, built in enumerate(fields):
            appended = self.appended(built.since)
            if not appended and index >= base_count:
                self.error(
                    (*path, "fields", index),
                    "APPEND_ORDER",
                    f"field {built.name!r} of the base version follows fields appended in a minor version",
                )
            if appended and built.since is not None:
                if latest is not None and built.since < latest:
                    self.error(
                        (*path, "fields", index, "since"),
                        "APPEND_ORDER",
                        f"field {built.name!r} (since {built.since}) follows a field appended in {latest}",
                    )
                latest = built.since if latest is None or built.since > latest else latest
        return base_count

    def _field(self, raw: dict[str, Any], path: PathKey, offset: int | None) -> ir.StructField | None:
        try:
            type_expr = self.type_expr(raw["type"], (*path, "type"))
        except _Unresolved:
            return None
        since = self.since(raw.get("since"), (*path, "since"))
        self._check_range(raw, type_expr, path)
        default = self._field_default(raw, type_expr, path)
        if self.appended(since):
            self._check_appended_zero(raw, type_expr, default, since, path)
        return ir.StructField(
            name=raw["name"],
            type=type_expr,
            doc=raw.get("doc", ""),
            since=since,
            default=default,
            min=raw.get("min"),
            max=raw.get("max"),
            unit=raw.get("unit"),
            offset=offset,
            annotations=raw.get("annotations", {}),
            loc=self.loc(path),
        )

    def _check_appended_zero(self, raw: dict[str, Any], expr: Any, default: Any, since: ir.Version | None,
                             path: PathKey) -> None:
        """An appended field's default must encode as zero bytes: older readers accept only a zero tail."""
        where = (*path, "default") if "default" in raw else path
        lead = f"field {raw['name']!r} is appended in {since}"
        if not ir.encodes_as_zero(expr, default, self.types):
            shown = f"its default {default!r}" if default is not None else "its default"
            implicit = " (the value of its range nearest to zero)" if "default" not in raw and default else ""
            self.error(where, "NONZERO_DEFAULT",
                       f"{lead}; {shown}{implicit} does not encode as zero bytes, so older readers would refuse "
                       "every state at the old behaviour")
        elif isinstance(expr, ir.ArrayType) and not expr.counted and not _range_has(raw, 0):
            self.error(path, "NONZERO_DEFAULT",
                       f"{lead}; its elements' range {raw.get('min')}..{raw.get('max')} excludes 0, so it never "
                       "encodes as zero bytes and older readers would refuse every state")

    def _enum(self, name: str, raw: dict[str, Any], path: PathKey) -> ir.EnumType:
        base = ir.ScalarType(name=raw["base"])
        low, high = ir.scalar_range(base.name)
        members: list[ir.EnumValue] = []
        seen: dict[int, str] = {}
        for member, spec in raw["values"].items():
            spec = spec if isinstance(spec, dict) else {"value": spec}
            member_path = (*path, "values", member)
            value = spec["value"]
            if not low <= value <= high:
                self.error(
                    member_path, "VALUE_OUT_OF_RANGE", f"enum value {member}={value} does not fit in {base.name}"
                )
            if value in seen:
                self.error(
                    member_path, "DUPLICATE_ID", f"enum value {value} is used by both {seen[value]!r} and {member!r}"
                )
            seen[value] = member
            since = self.since(spec.get("since"), (*member_path, "since"))
            members.append(ir.EnumValue(name=member, value=value, doc=spec.get("doc", ""), since=since,
                                        loc=self.key_loc(member_path)))
        return ir.EnumType(
            name=name,
            base=base,
            open=raw.get("open", False),
            doc=raw.get("doc", ""),
            values=tuple(members),
            origin=self.origin,
            annotations=raw.get("annotations", {}),
            loc=self.loc(path),
        )

    def _flags(self, name: str, raw: dict[str, Any], path: PathKey) -> ir.FlagsType:
        base = ir.ScalarType(name=raw["base"])
        width = base.size * 8
        bits: list[ir.FlagBit] = []
        seen: dict[int, str] = {}
        for flag, spec in raw["bits"].items():
            spec = spec if isinstance(spec, dict) else {"bit": spec}
            flag_path = (*path, "bits", flag)
            bit = spec["bit"]
            if bit >= width:
                self.error(flag_path, "VALUE_OUT_OF_RANGE", f"bit {flag}={bit} does not fit in {base.name}")
            if bit in seen:
                self.error(flag_path, "DUPLICATE_ID", f"bit {bit} is used by both {seen[bit]!r} and {flag!r}")
            seen[bit] = flag
            since = self.since(spec.get("since"), (*flag_path, "since"))
            bits.append(ir.FlagBit(name=flag, bit=bit, doc=spec.get("doc", ""), since=since,
                                   loc=self.key_loc(flag_path)))
        return ir.FlagsType(
            name=name,
            base=base,
            doc=raw.get("doc", ""),
            bits=tuple(bits),
            origin=self.origin,
            annotations=raw.get("annotations", {}),
            loc=self.loc(path),
        )

    # -- type expressions -------------------------------------------------------------------

    def type_expr(
        self, raw: Any, path: PathKey
    ) -> ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType:
        if isinstance(raw, str):
            return self._shorthand(raw, path)
        kind = raw["kind"]
        if kind == "array":
            element = self.type_expr(raw["of"], (*path, "of"))
            return self._array(element, raw.get("length"), raw.get("max"), path)
        if kind == "bytes":
            return self._bytes(raw.get("length"), raw.get("max"), path)
        return ir.StringType(max=self._limit(raw["max"], (*path, "max")))

    def _shorthand(self, text: str, path: PathKey) -> ir.ScalarType | ir.NamedRef | ir.ArrayType:
        match = _SHORTHAND.match(text)
        if match is None:
            self.error(path, "UNKNOWN_TYPE", f"cannot parse type expression {text!r}")
            raise _Unresolved
        dims = [int(d, 0) for d in _DIM.findall(match.group("dims"))]
        expr: ir.ScalarType | ir.NamedRef | ir.ArrayType = self._base_type(match.group("base"), path)
        for length in reversed(dims):
            if length < 1:
                self.error(path, "LIMIT_EXCEEDED", "a fixed array needs at least one element")
                raise _Unresolved
            expr = self._array(expr, length, None, path)
        return expr

    def _base_type(self, name: str, path: PathKey) -> ir.ScalarType | ir.NamedRef:
        if name in ir.SCALAR_SIZES:
            return ir.ScalarType.model_validate({"name": name})
        if name in self.raw_types:
            target = self._named_type(name)
        elif name in self.types:
            target = self.types[name]
        else:
            self.error(path, "UNKNOWN_TYPE", f"unknown type {name!r}{self._suggestion(name)}")
            raise _Unresolved
        if target is None:
            raise _Unresolved
        return ir.NamedRef(name=name, target_kind=target.kind, fixed_size=_FieldSize().visit(target))

    def _suggestion(self, name: str) -> str:
        import difflib

        known = [*ir.SCALAR_SIZES, *self.raw_types, *self.types]
        close = difflib.get_close_matches(name, known, n=1)
        return f"; did you mean {close[0]!r}?" if close else ""

    def _array(self, element: Any, length: int | None, maximum: int | None, path: PathKey) -> ir.ArrayType:
        stride = element.is_struct
        element_size = self._element_size(element, path) if stride else element.fixed_size
        count = self._limit(_either(length, maximum), path)
        fixed: int | None = None
        if length is not None and element_size is not None:
            fixed = (ir.PREFIX_SIZE if stride else 0) + count * element_size
            if fixed > MAX_COUNT:
                self.error(
                    path, "LIMIT_EXCEEDED", f"a {count}-element array encodes to {fixed} bytes, over the u32 size limit"
                )
        return ir.ArrayType(element=element, length=length, max=maximum, stride=stride, fixed_size=fixed)

    def _element_size(self, element: ir.NamedRef, path: PathKey) -> int | None:
        struct = self.types[element.name]
        assert isinstance(struct, ir.StructType)
        if struct.body_size is None:
            self.error(
                path,
                "VARIABLE_ARRAY_ELEMENT",
                f"struct {element.name} is an array element but is not fixed-size "
                "(arrays of structs are encoded with one stride)",
            )
        return struct.body_size

    def _bytes(self, length: int | None, maximum: int | None, path: PathKey) -> ir.BytesType:
        size = self._limit(_either(length, maximum), path)
        return ir.BytesType(length=length, max=maximum, fixed_size=size if length is not None else None)

    def _limit(self, value: int, path: PathKey) -> int:
        if value > MAX_COUNT:
            self.error(path, "LIMIT_EXCEEDED", f"{value} is over the format limit {MAX_COUNT} (u32)")
        return value

    def _check_depth(self, expr: Any, path: PathKey, *, at_key: bool = False) -> None:
        depth = _Depth(self.types).visit(expr)
        if depth > MAX_NESTING_DEPTH:
            self.error(
                path,
                "LIMIT_EXCEEDED",
                f"the type nests {depth} levels deep; the limit is {MAX_NESTING_DEPTH}",
                at_key=at_key,
            )

    # -- constraints and defaults -------------------------------------------------------------

    def _integer_target(self, expr: Any) -> ir.ScalarType | None:
        inner = expr.innermost
        return inner if isinstance(inner, ir.ScalarType) and inner.name != "bool" else None

    def _check_range(self, raw: dict[str, Any], expr: Any, path: PathKey) -> None:
        if "min" not in raw and "max" not in raw:
            return
        target = self._integer_target(expr)
        if target is None:
            self.error(path, "BAD_RANGE", "min/max apply only to integer fields (or arrays of them)")
            return
        low, high = ir.scalar_range(target.name)
        for key in ("min", "max"):
            if key in raw and not low <= raw[key] <= high:
                self.error((*path, key), "BAD_RANGE", f"{key} {raw[key]} is outside the range of {target.name}")
        if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
            self.error((*path, "min"), "BAD_RANGE", f"min {raw['min']} is greater than max {raw['max']}")

    def _field_default(self, raw: dict[str, Any], expr: Any, path: PathKey) -> Any:
        """The default in state form, or None for composite types (defaults per element).

        Without a declared default, an integer field's default is the value of its range
        nearest to zero: 0, or ``min`` when ``min`` > 0, or ``max`` when ``max`` < 0.
        """
        zero = self._zeros.visit(expr)
        if "default" not in raw:
            return _nearest_zero(raw, zero) if isinstance(expr, ir.ScalarType) and expr.name != "bool" else zero
        value = raw["default"]
        problem = self._default_problems.visit(expr, value, raw)
        if problem:
            self.error((*path, "default"), "BAD_DEFAULT", problem)
            return zero
        return value

    # -- sections, vendor sections, params ---------------------------------------------------

    def _sections(self) -> tuple[ir.Section, ...]:
        sections: list[ir.Section] = []
        ids: dict[int, str] = {}
        for index, raw in enumerate(self.data.get("sections", [])):
            path: PathKey = ("sections", index)
            if raw["id"] in ids:
                self.error(
                    (*path, "id"),
                    "DUPLICATE_ID",
                    f"section id {raw['id']} is used by both {ids[raw['id']]!r} and {raw['name']!r}",
                )
            ids[raw["id"]] = raw["name"]
            since = self.since(raw.get("since"), (*path, "since"))
            optional = raw.get("optional", False)
            if self.appended(since) and not optional:
                self.error(
                    path,
                    "REQUIRED_SECTION_IN_MINOR",
                    f"section {raw['name']!r} is added in {since} and must be optional: older writers do not send it",
                )
            try:
                type_expr = self.type_expr(raw["type"], (*path, "type"))
            except _Unresolved:
                continue
            self._check_depth(type_expr, (*path, "type"))
            sections.append(
                ir.Section(
                    id=raw["id"],
                    name=raw["name"],
                    type=type_expr,
                    optional=optional,
                    since=since,
                    doc=raw.get("doc", ""),
                    annotations=raw.get("annotations", {}),
                    loc=self.loc(path),
                )
            )
        return tuple(sections)

    def _vendor_sections(self) -> tuple[ir.VendorSection, ...]:
        sections: list[ir.VendorSection] = []
        keys: dict[tuple[str, int], str] = {}
        for index, raw in enumerate(self.data.get("vendor_sections", [])):
            path: PathKey = ("vendor_sections", index)
            vendor = ir.VendorNamespace(**raw["vendor"])
            key = (str(vendor), raw["id"])
            if key in keys:
                self.error(
                    (*path, "id"),
                    "DUPLICATE_ID",
                    f"vendor section {vendor} id {raw['id']} is used by both {keys[key]!r} and {raw['name']!r}",
                )
            keys[key] = raw["name"]
            since = self.since(raw.get("since"), (*path, "since"))
            if self.appended(since) and not raw.get("optional", False):
                self.error(
                    path,
                    "REQUIRED_SECTION_IN_MINOR",
                    f"vendor section {raw['name']!r} is added in {since} and must be optional: "
                    "older writers do not send it",
                )
            type_expr = None
            if "type" in raw:
                try:
                    type_expr = self.type_expr(raw["type"], (*path, "type"))
                except _Unresolved:
                    continue
                self._check_depth(type_expr, (*path, "type"))
            maximum = self._limit(raw["max"], (*path, "max")) if "max" in raw else None
            sections.append(
                ir.VendorSection(
                    id=raw["id"],
                    name=raw["name"],
                    vendor=vendor,
                    type=type_expr,
                    max=maximum,
                    optional=raw.get("optional", False),
                    since=since,
                    doc=raw.get("doc", ""),
                    annotations=raw.get("annotations", {}),
                    loc=self.loc(path),
                )
            )
        return tuple(sections)

    def _check_unique_section_names(self) -> None:
        seen: set[str] = set()
        for kind in ("sections", "vendor_sections"):
            for index, raw in enumerate(self.data.get(kind, [])):
                if raw["name"] in seen:
                    self.error((kind, index, "name"), "DUPLICATE_NAME", f"section name {raw['name']!r} is used twice")
                seen.add(raw["name"])

    def _params(self) -> tuple[ir.Param, ...]:
        params: list[ir.Param] = []
        for name, raw in self.data.get("params", {}).items():
            path: PathKey = ("params", name)
            param = ir.Param(
                name=name,
                type=raw["type"],
                default=raw["default"],
                allowed=tuple(raw["allowed"]) if "allowed" in raw else None,
                min=raw.get("min"),
                max=raw.get("max"),
                since=self.since(raw.get("since"), (*path, "since")),
                doc=raw.get("doc", ""),
                loc=self.key_loc(path),
            )
            self._check_param(param, path)
            params.append(param)
        return tuple(params)

    def _check_param(self, param: ir.Param, path: PathKey) -> None:
        if (param.min is not None or param.max is not None) and param.type in ("bool", "string"):
            self.error(path, "BAD_RANGE", f"min/max do not apply to a {param.type} parameter")
            return
        if param.min is not None and param.max is not None and param.min > param.max:
            self.error((*path, "min"), "BAD_RANGE", f"min {param.min} is greater than max {param.max}")
        if param.type not in ("bool", "string"):
            low, high = ir.scalar_range(param.type)
            for key, bound in (("min", param.min), ("max", param.max)):
                if bound is not None and not low <= bound <= high:
                    self.error((*path, key), "BAD_RANGE", f"{key} {bound} is outside the range of {param.type}")
        bare = param.model_copy(update={"allowed": None, "min": None, "max": None})
        for index, value in enumerate(param.allowed or ()):
            if not bare.accepts(value):
                self.error((*path, "allowed", index), "BAD_DEFAULT", f"allowed value {value!r} is not a {param.type}")
        if not param.accepts(param.default):
            self.error(
                (*path, "default"), "BAD_DEFAULT", f"default {param.default!r} is not an allowed value of {param.name}"
            )


class _Zeros(Visitor[Any]):
    """The zero value of a type in state form; None for composite types (defaults per element) and
    for a closed enum without a member of value 0."""

    def __init__(self, types: ImportedTypes) -> None:
        self.types = types

    def visit_scalar(self, expr: ir.ScalarType) -> Any:
        return False if expr.name == "bool" else 0

    def visit_string(self, expr: ir.StringType) -> Any:
        return ""

    def visit_ref(self, expr: ir.NamedRef) -> Any:
        return self.visit(self.types[expr.name])

    def visit_enum(self, target: ir.EnumType) -> Any:
        return target.by_value().get(0, 0 if target.open else None)

    def visit_flags(self, target: ir.FlagsType) -> Any:
        return []

    def _composite(self, expr: ir.ArrayType | ir.BytesType | ir.StructType) -> Any:
        return None

    visit_array = visit_bytes = visit_struct = _composite


class _DefaultProblems(Visitor[str | None]):
    """What is wrong with a field's declared ``default`` (``raw``: the field, for its min/max), or None."""

    def __init__(self, types: ImportedTypes) -> None:
        self.types = types

    def visit_scalar(self, expr: ir.ScalarType, value: Any, raw: dict[str, Any]) -> str | None:
        if expr.name == "bool":
            return None if isinstance(value, bool) else f"default {value!r} is not a bool"
        low, high = ir.scalar_range(expr.name)
        low, high = max(low, raw.get("min", low)), min(high, raw.get("max", high))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"default {value!r} is not an integer in {low}..{high}"
        return None

    def visit_string(self, expr: ir.StringType, value: Any, raw: dict[str, Any]) -> str | None:
        ok = isinstance(value, str) and len(value.encode()) <= expr.max
        return None if ok else f"default {value!r} is not a string of at most {expr.max} bytes"

    def visit_ref(self, expr: ir.NamedRef, value: Any, raw: dict[str, Any]) -> str | None:
        """By the named type, which messages name as the reference does (``virtio.device_status``)."""
        return self.visit(self.types[expr.name], value, expr.name)

    def visit_enum(self, target: ir.EnumType, value: Any, name: str) -> str | None:
        ok = value in target.by_name() or (target.open and isinstance(value, int))
        return None if ok else f"default {value!r} is not a member of enum {name}"

    def visit_flags(self, target: ir.FlagsType, value: Any, name: str) -> str | None:
        names = {f.name for f in target.bits}
        ok = isinstance(value, list) and all(v in names for v in value)
        return None if ok else f"default {value!r} is not a list of bits of {name}"

    def _composite(self, expr: ir.ArrayType | ir.BytesType | ir.StructType, value: Any, raw: Any) -> str:
        return "defaults can be given only for scalar, enum, flags and string fields"

    visit_array = visit_bytes = visit_struct = _composite


class _FieldSize(Visitor[int | None]):
    """Encoded size of a named type in field position (a struct adds its u32 size prefix)."""

    def visit_struct(self, target: ir.StructType) -> int | None:
        return None if target.body_size is None else ir.PREFIX_SIZE + target.body_size

    def _base(self, target: ir.EnumType | ir.FlagsType) -> int:
        return target.base.size

    visit_enum = visit_flags = _base


class _Depth(Visitor[int]):
    """Nesting levels of a type expression, the value itself included (``MAX_NESTING_DEPTH`` bounds it)."""

    def __init__(self, types: ImportedTypes) -> None:
        self.types = types

    def visit_array(self, expr: ir.ArrayType) -> int:
        return 1 + self.visit(expr.element)

    def visit_ref(self, expr: ir.NamedRef) -> int:
        return self.visit(self.types[expr.name])

    def visit_struct(self, target: ir.StructType) -> int:
        return 1 + max(self.visit(f.type) for f in target.fields)

    def _leaf(self, expr: ir.ScalarType | ir.BytesType | ir.StringType | ir.EnumType | ir.FlagsType) -> int:
        return 1

    visit_scalar = visit_bytes = visit_string = visit_enum = visit_flags = _leaf


def _range_has(raw: dict[str, Any], value: int) -> bool:
    return bool(raw.get("min", value) <= value <= raw.get("max", value))


def _nearest_zero(raw: dict[str, Any], zero: int) -> int:
    low, high = raw.get("min"), raw.get("max")
    if isinstance(low, int) and low > zero:
        return low
    if isinstance(high, int) and high < zero:
        return high
    return zero


def _either(length: int | None, maximum: int | None) -> int:
    """The fixed length or the declared maximum (the meta-schema requires exactly one)."""
    value = length if length is not None else maximum
    assert value is not None
    return value
