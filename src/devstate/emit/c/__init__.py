"""The C backend: IR → one C99 header and one source per model version, plus the runtime.

``emit_c(schema)`` returns ``{"<prefix>.h": ..., "<prefix>.c": ...}`` where the prefix is
the model id and version, ``org_virtio_net_v1_1`` for org.virtio.net@1.1;
``emit_c_runtime()`` the DSF v1 runtime every model file includes and links with
(``dsf1.h``, ``dsf1.c``, ``dsf1_errors.h``). The generated code implements
spec/wire-format.md exactly like the reference codec (``devstate.interp``): same checks,
same order, same error code, byte offset and field path.

Design of the generated C (see also the comments it carries):

- **One runtime, written as C.** ``dsf1.h``/``dsf1.c`` in this package hold what does not
  depend on a schema: byte order, error paths, UTF-8, CRC-32C, the envelope, section
  framing and order, the writer. ``devstate gen`` copies them; the error codes come from
  ``devstate.wire.errors`` through ``templates/dsf1_errors.h.j2``. A model's files hold
  only its types and its per-section and per-struct functions (``static`` but for the
  public ``<prefix>_*`` ones), so several models link into one program.
- **C standard library only, no allocation.** Counted arrays are fixed-capacity arrays
  with a count; ``bytes`` and ``string`` values are zero-copy views (pointer + length)
  into the input. A state struct can therefore be large (NVMe: hundreds of KiB); allocate
  it statically or on the heap, not on a small stack.
- **Portable byte order.** Integers are loaded and stored byte by byte (compilers turn
  this into single moves on little-endian hosts); correct on big-endian hosts too.
- **Errors.** Every function returns ``DEVSTATE_OK`` (0) or a ``DEVSTATE_E_*`` number of
  ``devstate.wire.errors.ErrorCode``; ``struct devstate_error`` gets the offset and the
  field path. Paths are built only on failure: the failing site writes its part and each
  caller prepends its own on the way out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

import jinja2

from devstate import ir
from devstate.emit import GENERATED_MARKER, GENERATOR, banner_lines, module_stem
from devstate.errors import EmitError
from devstate.limits import MAX_COUNT
from devstate.state import field_default, type_default, vendor_order
from devstate.visit import Visitor
from devstate.wire.errors import DESCRIPTIONS, ErrorCode
from devstate.wire.sections import FLAG_OPTIONAL, FLAG_VENDOR, vendor_header

MAX_UNKNOWN_SECTIONS = 32
"""Capacity of a decoded state for unknown optional sections (more is LIMIT_EXCEEDED)."""

Expr = ir.ScalarType | ir.NamedRef | ir.ArrayType | ir.BytesType | ir.StringType
Lines = list[str]
Named = TypeVar("Named", ir.EnumType, ir.FlagsType)
Bounds = tuple[int | None, int | None]
"""A field's min and max (``None``: the type's own bound)."""


def emit_c(schema: ir.Schema) -> dict[str, str]:
    """The generated codec of ``schema``: file name → file text (one header, one source).

    The files include ``dsf1.h`` and are linked with ``dsf1.c``: see ``emit_c_runtime``.
    """
    if schema.is_library:
        raise EmitError(f"{schema.ident} is a types-only library schema; it has no codec")
    names = CNames(schema)
    return {f"{names.prefix}.h": _header(names), f"{names.prefix}.c": _source(names)}


RUNTIME_SOURCES = ("dsf1.h", "dsf1.c")
"""The runtime, C source files of this package, copied as they are (after a banner line)."""


def emit_c_runtime() -> dict[str, str]:
    """The DSF v1 runtime every model's files need: ``dsf1.h``, ``dsf1.c`` and ``dsf1_errors.h``.

    ``dsf1.h``/``dsf1.c`` are copies of this package's C sources; ``dsf1_errors.h`` is
    rendered from the one error list (``devstate.wire.errors.ErrorCode``).
    """
    files = {name: _runtime_copy(name) for name in RUNTIME_SOURCES}
    codes = [{"name": code.name, "number": int(code), "description": DESCRIPTIONS[code].replace("*/", "")}
             for code in ErrorCode]
    files["dsf1_errors.h"] = render("dsf1_errors.h.j2", codes=codes)
    return dict(sorted(files.items()))


def _runtime_copy(name: str) -> str:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return f"/* {GENERATED_MARKER} ({GENERATOR}): a copy of devstate/emit/c/{name} — do not edit. */\n{text}"


@functools.cache
def _templates() -> jinja2.Environment:
    loader = jinja2.PackageLoader(__name__, "templates")
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)


def render(template: str, **context: Any) -> str:
    """A template of ``templates/`` filled with ``context`` (an undefined name is an error)."""
    return _templates().get_template(template).render(marker=GENERATED_MARKER, generator=GENERATOR, **context)


# --- names ------------------------------------------------------------------------------

C_RESERVED = frozenset([
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "_Bool", "_Complex", "_Imaginary",
    # macros of the headers the generated code includes
    "bool", "true", "false", "NULL", "offsetof", "stdin", "stdout", "stderr", "errno",
])


class _Namer:
    """Unique C identifiers in one scope: reserved words get ``_``, collisions get ``_``."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def take(self, wanted: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        while name in C_RESERVED or name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


FUNCTION_ROLES = {"dec": "decode", "enc": "encode", "size": "body_size", "def": "set_defaults"}
"""What each static function of a model's source does, as the start of its name."""


class CNames:
    """Every C name the generated code uses for one schema (also used by test drivers).

    ``prefix`` names the files, the state struct and the public functions; each struct
    type, field, section and constant has one name, unique in its scope.
    """

    def __init__(self, schema: ir.Schema) -> None:
        self.schema = schema
        self.prefix = module_stem(schema.model, schema.version)
        self.upper = self.prefix.upper()
        self.reachable = schema.reachable_types
        type_namer = _Namer()
        self.type_ids = {name: type_namer.take(name.replace(".", "_")) for name in schema.types}
        self._macros = _Namer()
        self.members = {name: self._struct_members(t) for name, t in schema.types.items()
                        if isinstance(t, ir.StructType)}
        self._keys = {id(t): name for name, t in schema.types.items()}
        self.top = self._top_members()
        self.macros: dict[tuple[str, ...], str] = {}
        self._function_namer = _Namer(["zero_bytes"])
        self._functions: dict[tuple[str, str, str], str] = {}
        self.fixed_macros = {part: self.macro(part) for part in ("MODEL", "VERSION_MAJOR", "VERSION_MINOR",
                                                                 "MAX_UNKNOWN")}
        """The model's own macros, claimed before any type's constant can take their names."""

    # types and members

    def struct(self, type_name: str) -> str:
        """``struct <prefix>_<type>`` tag (without ``struct``)."""
        return f"{self.prefix}_{self.type_ids[type_name]}"

    def field(self, struct: ir.StructType, field: ir.StructField) -> str:
        return self.members[self._keys[id(struct)]][field.name]

    def _struct_members(self, struct: ir.StructType) -> dict[str, str]:
        namer = _Namer()
        return {f.name: namer.take(f.name) for f in struct.fields}

    def _top_members(self) -> dict[str, str]:
        namer = _Namer(["unknown", "unknown_count"])
        members: dict[str, str] = {}
        for section in sorted(self.schema.sections, key=lambda s: s.id):
            members[f"s:{section.name}"] = namer.take(section.name)
        for vendor in sorted(self.schema.vendor_sections, key=vendor_order):
            members[f"v:{vendor.name}"] = namer.take(vendor.name)
        for key, member in list(members.items()):
            members[f"has:{key}"] = namer.take(f"has_{member}")
        return members

    def section(self, section: ir.Section | ir.VendorSection) -> str:
        """The state member holding a section's value."""
        return self.top[f"{_kind_key(section)}:{section.name}"]

    def present(self, section: ir.Section | ir.VendorSection) -> str:
        """The ``bool has_<name>`` member of an optional section."""
        return self.top[f"has:{_kind_key(section)}:{section.name}"]

    # constants and functions

    def macro(self, *parts: str) -> str:
        """A unique upper-case macro ``<PREFIX>_<PARTS>`` (the same parts give the same name)."""
        if parts not in self.macros:
            self.macros[parts] = self._macros.take("_".join((self.upper, *parts)).upper())
        return self.macros[parts]

    def enum_name_function(self, type_name: str) -> str:
        return f"{self.prefix}_{self.type_ids[type_name]}_name"

    def fn(self, role: str, type_name: str) -> str:
        """A static per-type function: ``decode_<type>``, ``encode_<type>``, ``body_size_<type>``,
        ``set_defaults_<type>`` (unique among the file's functions)."""
        return self._function((role, "type", type_name), f"{FUNCTION_ROLES[role]}_{self.type_ids[type_name]}")

    def section_fn(self, role: str, section: ir.Section | ir.VendorSection) -> str:
        """A static per-section function: ``decode_section_<name>``, ``encode_vendor_section_<name>``..."""
        kind = "vendor_section" if isinstance(section, ir.VendorSection) else "section"
        return self._function((role, kind, section.name), f"{FUNCTION_ROLES[role]}_{kind}_{section.name}")

    def _function(self, key: tuple[str, str, str], wanted: str) -> str:
        if key not in self._functions:
            self._functions[key] = self._function_namer.take(wanted)
        return self._functions[key]

    def public(self, verb: str) -> str:
        return f"{self.prefix}_{verb}"

    def sections_in_order(self) -> list[ir.Section]:
        return sorted(self.schema.sections, key=lambda s: s.id)

    def vendor_in_order(self) -> list[ir.VendorSection]:
        return sorted(self.schema.vendor_sections, key=vendor_order)


def _kind_key(section: ir.Section | ir.VendorSection) -> str:
    return "v" if isinstance(section, ir.VendorSection) else "s"


# --- C types and literals ---------------------------------------------------------------

CTYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
          "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "i64": "int64_t", "bool": "bool"}


def c_int(value: int, scalar: str) -> str:
    """A C integer constant of ``value`` for comparisons with a ``scalar`` variable."""
    if scalar == "u64":
        return f"UINT64_C({value})"
    if scalar == "i64":
        if value == -(1 << 63):
            return "(-INT64_C(9223372036854775807) - 1)"
        return f"INT64_C({value})"
    if scalar == "u32":
        return f"{value}u"
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(value)


def c_string(text: bytes) -> str:
    """A C string literal of ``text`` (octal escapes for anything but plain ASCII)."""
    out = []
    for byte in text:
        char = chr(byte)
        if char in '"\\?':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _indent(lines: Iterable[str], levels: int = 1) -> Lines:
    pad = "    " * levels
    return [pad + line if line else line for line in lines]


def _block(head: str, body: Lines, tail: str = "}") -> Lines:
    return [head + " {", *_indent(body), tail]


def describe(expr: Expr) -> str:
    """A short label of a type expression for comments."""
    return ir.type_label(expr)


# --- declarations -------------------------------------------------------------------------


class _Declarations(Visitor[str]):
    """C declarators for type expressions (``visit_<kind>``) and the struct definitions of the header."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def declare(self, expr: Expr, name: str, capacity: str | None = None) -> str:
        """The C declaration of a member ``name`` of type ``expr`` (no semicolon)."""
        return self.visit(expr, name, capacity)

    def visit_scalar(self, expr: ir.ScalarType, name: str, capacity: str | None) -> str:
        return f"{CTYPES[expr.name]} {name}"

    def visit_struct_ref(self, expr: ir.NamedRef, name: str, capacity: str | None) -> str:
        return f"struct {self.names.struct(expr.name)} {name}"

    def visit_ref(self, expr: ir.NamedRef, name: str, capacity: str | None) -> str:
        """An enum or flags value: its base integer."""
        named = self.schema.resolve(expr)
        assert not isinstance(named, ir.StructType)
        return f"{CTYPES[named.base.name]} {name}"

    def visit_bytes(self, expr: ir.BytesType, name: str, capacity: str | None) -> str:
        return f"struct devstate_bytes {name}"

    def visit_string(self, expr: ir.StringType, name: str, capacity: str | None) -> str:
        return f"struct devstate_string {name}"

    def visit_array(self, expr: ir.ArrayType, name: str, capacity: str | None) -> str:
        if expr.length is not None:
            return self.declare(expr.element, f"{name}[{expr.length}]")
        assert expr.max is not None
        items = self.declare(expr.element, f"items[{capacity or max(expr.max, 1)}]")
        return f"struct {{ uint32_t count; {items}; }} {name}"

    def struct_definition(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        members = []
        for fld in struct.fields:
            members += _field_comment(fld, struct)
            capacity = self.capacity_macro(fld.type, type_name, fld.name)
            members.append(self.declare(fld.type, self.names.field(struct, fld), capacity) + ";")
        doc = _doc_comment(f"struct {type_name} ({struct.origin}){_size_note(struct)}", struct.doc)
        return [*doc, f"struct {self.names.struct(type_name)} {{", *_indent(members), "};", ""]

    def capacity_macro(self, expr: Expr, *owner: str) -> str | None:
        """The ``*_MAX`` macro naming a counted array's capacity (for struct fields and sections)."""
        if isinstance(expr, ir.ArrayType) and expr.max is not None:
            return self.names.macro(*owner, "MAX")
        return None

    def capacity_macros(self) -> Lines:
        lines = []
        for type_name in self.names.reachable:
            named = self.schema.types[type_name]
            if isinstance(named, ir.StructType):
                for fld in named.fields:
                    lines += self._capacity_line(fld.type, type_name, fld.name)
        for section in self.names.sections_in_order():
            lines += self._capacity_line(section.type, "section", section.name)
        return lines

    def _capacity_line(self, expr: Expr, *owner: str) -> Lines:
        macro = self.capacity_macro(expr, *owner)
        if macro is None or not isinstance(expr, ir.ArrayType) or expr.max is None:
            return []
        return [f"#define {macro} {max(expr.max, 1)}u /* capacity of {'.'.join(owner)} */"]


def _size_note(struct: ir.StructType) -> str:
    if struct.body_size is None:
        return ", variable-size body"
    return f", body {struct.body_size} bytes"


def _doc_comment(title: str, doc: str = "") -> Lines:
    text = " ".join(doc.split())
    if not text:
        return [f"/* {title} */"]
    wrapped = _wrap(text, 86)
    return [f"/* {title}", *[f" * {line}" for line in wrapped], " */"]


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.replace("*/", "* /").split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _field_comment(fld: ir.StructField, struct: ir.StructType) -> Lines:
    notes = [describe(fld.type)]
    if fld.min is not None:
        notes.append(f"min {fld.min}")
    if fld.max is not None:
        notes.append(f"max {fld.max}")
    if fld.since is not None:
        notes.append(f"since {fld.since}")
    if fld.offset is not None:
        notes.append(f"body offset {fld.offset}")
    index = struct.fields.index(fld)
    if index >= struct.base_field_count:
        notes.append("appended")
    return [f"/* {fld.name}: {', '.join(notes)} */"]


# --- paths and depths in generated code -----------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """A field path template (``%`` = an index) and the C expressions of its indexes."""

    template: str
    args: tuple[str, ...] = ()

    def field(self, name: str) -> _Path:
        return _Path(f"{self.template}.{name}", self.args)

    def index(self, var: str) -> _Path:
        return _Path(f"{self.template}[%]", (*self.args, var))

    def c_args(self) -> str:
        return "".join(f", {arg}" for arg in self.args)

    def fail(self, code: ErrorCode, offset: str) -> str:
        return f"return dsf1_fail(err, DEVSTATE_E_{code.name}, {offset}, \"{self.template}\"{self.c_args()});"

    def prepend(self) -> str:
        return f"return dsf1_prepend(err, rc, \"{self.template}\"{self.c_args()});"


@dataclass(frozen=True)
class _Depth:
    """The depth of a value: ``var + k`` (a struct body function's ``depth`` param) or ``k``."""

    var: str | None
    k: int

    def plus(self, n: int = 1) -> _Depth:
        return _Depth(self.var, self.k + n)

    def c(self) -> str:
        if self.var is None:
            return str(self.k)
        return self.var if self.k == 0 else f"{self.var} + {self.k}"

    def deeper_than_limit(self) -> str:
        """The C condition for this depth being over ``ctx->max_depth``."""
        return f"ctx->max_depth < {self.k}" if self.var is None else f"{self.c()} > ctx->max_depth"


@dataclass(frozen=True)
class _Slot:
    """Where a decoded value goes: C lvalue, path, depth, bytes known present, int bounds."""

    lv: str
    path: _Path
    depth: _Depth
    avail: int = 0
    bounds: tuple[int | None, int | None] = (None, None)

    @property
    def level(self) -> int:
        """Loop nesting (names the index variable of an array at this slot)."""
        return len(self.path.args)


def _range_condition(var: str, scalar: str, bounds: tuple[int | None, int | None]) -> str | None:
    """The C condition for ``var`` outside ``bounds`` (only the checks its type needs)."""
    type_low, type_high = ir.scalar_range(scalar)
    low, high = bounds
    parts = []
    if low is not None and low > type_low:
        parts.append(f"{var} < {c_int(low, scalar)}")
    if high is not None and high < type_high:
        parts.append(f"{var} > {c_int(high, scalar)}")
    return " || ".join(parts) or None


def _enum_condition(var: str, enum: ir.EnumType) -> str | None:
    """The C condition for ``var`` not being a member of a closed enum (contiguous runs)."""
    if enum.open:
        return None
    values = sorted({m.value for m in enum.values})
    if values == list(range(values[0], values[-1] + 1)):
        return _range_condition(var, enum.base.name, (values[0], values[-1]))
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    base = enum.base.name
    low_type, high_type = ir.scalar_range(base)
    members = []
    for low, high in runs:
        if low == high:
            members.append(f"{var} == {c_int(low, base)}")
            continue
        bounds = [f"{var} >= {c_int(low, base)}"] if low > low_type else []
        bounds += [f"{var} <= {c_int(high, base)}"] if high < high_type else []
        members.append(" && ".join(bounds) or "1")
    inside = " || ".join(f"({m})" if " && " in m else m for m in members)
    return f"!({inside})"


LOADS = {"u8": "blob[at]", "u16": "dsf1_load16(blob + at)", "u32": "dsf1_load32(blob + at)",
         "u64": "dsf1_load64(blob + at)", "i8": "dsf1_signed8(blob[at])",
         "i16": "dsf1_signed16(dsf1_load16(blob + at))",
         "i32": "dsf1_signed32(dsf1_load32(blob + at))", "i64": "dsf1_signed64(dsf1_load64(blob + at))",
         "bool": "blob[at]"}
STORES = {"u8": "blob[at] = {v};", "u16": "dsf1_store16(blob + at, {v});", "u32": "dsf1_store32(blob + at, {v});",
          "u64": "dsf1_store64(blob + at, {v});", "i8": "blob[at] = (uint8_t){v};",
          "i16": "dsf1_store16(blob + at, (uint16_t){v});",
          "i32": "dsf1_store32(blob + at, (uint32_t){v});", "i64": "dsf1_store64(blob + at, (uint64_t){v});",
          "bool": "blob[at] = {v} ? 1 : 0;"}


def _target(schema: ir.Schema, expr: ir.NamedRef, kind: type[Named]) -> Named:
    """The enum or flags type a reference names (the visitor chose the method by its kind)."""
    named = schema.resolve(expr)
    assert isinstance(named, kind)
    return named


def _is_struct_ref(expr: Expr) -> bool:
    return isinstance(expr, ir.NamedRef) and expr.target_kind == "struct"


# --- decoding ---------------------------------------------------------------------------------


class _Decode(Visitor[Lines]):
    """Decoding code: one ``visit_<kind>`` per IR type-expression kind, reading at ``at`` before ``end``.

    The generated statements use ``blob`` (the input), ``at`` (the position), ``end`` (the
    container's end), ``c`` (limits) and ``err``; a failure returns its code at once.
    """

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def _need(self, size: int, slot: _Slot) -> Lines:
        if slot.avail >= size:
            return []
        return [f"if (end - at < {size}) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"]

    def _integer(self, scalar: str, slot: _Slot, code: ErrorCode, condition: str | None, size: int) -> Lines:
        lines = self._need(size, slot)
        if condition is None:
            return [*lines, f"{slot.lv} = {LOADS[scalar]};", f"at += {size};"]
        body = [f"{CTYPES[scalar]} value = {LOADS[scalar]};", f"if ({condition}) {slot.path.fail(code, 'at')}",
                f"{slot.lv} = value;"]
        return [*lines, "{", *_indent(body), "}", f"at += {size};"]

    def visit_scalar(self, expr: ir.ScalarType, slot: _Slot) -> Lines:
        if expr.name == "bool":
            return [*self._need(1, slot), f"if (blob[at] > 1) {slot.path.fail(ErrorCode.BAD_BOOL, 'at')}",
                    f"{slot.lv} = blob[at] != 0;", "at += 1;"]
        condition = _range_condition("value", expr.name, slot.bounds)
        return self._integer(expr.name, slot, ErrorCode.OUT_OF_RANGE, condition, expr.size)

    def visit_enum_ref(self, expr: ir.NamedRef, slot: _Slot) -> Lines:
        enum = _target(self.schema, expr, ir.EnumType)
        condition = _enum_condition("value", enum)
        return self._integer(enum.base.name, slot, ErrorCode.BAD_ENUM, condition, enum.base.size)

    def visit_flags_ref(self, expr: ir.NamedRef, slot: _Slot) -> Lines:
        flags = _target(self.schema, expr, ir.FlagsType)
        _, high = ir.scalar_range(flags.base.name)
        condition = None if flags.mask == high else f"value & ~{self.names.macro(expr.name, 'MASK')}"
        return self._integer(flags.base.name, slot, ErrorCode.BAD_FLAGS, condition, flags.base.size)

    def visit_struct_ref(self, expr: ir.NamedRef, slot: _Slot) -> Lines:
        """A struct in field or element position: its u32 body size, then the body."""
        body = [*self._need(4, slot), "size = dsf1_load32(blob + at);",
                f"if (size > end - at - 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}",
                f"rc = {self.names.fn('dec', expr.name)}(ctx, at + 4, at + 4 + size, {slot.depth.c()}, &{slot.lv}, "
                "err);",
                f"if (rc != 0) {slot.path.prepend()}", "at += 4 + (size_t)size;"]
        return ["{", "    uint32_t size;", *_indent(body), "}"]

    def visit_bytes(self, expr: ir.BytesType, slot: _Slot) -> Lines:
        if expr.length is not None:
            return [*self._need(expr.length, slot), f"{slot.lv}.data = blob + at;",
                    f"{slot.lv}.len = {expr.length};", f"at += {expr.length};"]
        assert expr.max is not None
        region = f"if (len > ctx->max_region) {slot.path.fail(ErrorCode.LIMIT_EXCEEDED, 'at')}"
        return self._counted(expr.max, slot, [region], "")

    def visit_string(self, expr: ir.StringType, slot: _Slot) -> Lines:
        utf8 = ["bad = dsf1_utf8_invalid(blob + at + 4, len);",
                f"if (bad != len) {slot.path.fail(ErrorCode.BAD_UTF8, 'at + 4 + bad')}"]
        return self._counted(expr.max, slot, utf8, "(const char *)")

    def _counted(self, maximum: int, slot: _Slot, checks: Lines, cast: str) -> Lines:
        """u32 length (max, extra checks, container), then a view of the bytes."""
        over = [] if maximum >= MAX_COUNT else [
            f"if (len > {maximum}u) {slot.path.fail(ErrorCode.LENGTH_OVER_MAX, 'at')}"]
        container = f"if (len > end - at - 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"
        utf8 = checks if cast else []
        limit = [] if cast else checks
        view = f"{slot.lv}.data = {cast}(blob + at + 4);" if cast else f"{slot.lv}.data = blob + at + 4;"
        body = [*self._need(4, slot), "len = dsf1_load32(blob + at);", *over, *limit, container, *utf8,
                view, f"{slot.lv}.len = len;", "at += 4 + (size_t)len;"]
        decls = ["    uint32_t len;"] + (["    size_t bad;"] if cast else [])
        return ["{", *decls, *_indent(body), "}"]

    def visit_array(self, expr: ir.ArrayType, slot: _Slot) -> Lines:
        level = slot.level
        count, index = f"count{level}", f"i{level}"
        element_size = f"stride{level}" if expr.stride else str(expr.element.min_size)
        decls, body = self._array_count(expr, slot, count)
        if expr.stride:
            decls.append(f"uint32_t {element_size};")
            body += self._array_stride(expr, slot, element_size)
        fits = self._array_fits(expr, slot, count, element_size, f"start{level}")
        body = [*([f"const size_t start{level} = at;"] if fits else []), *decls, *body, *fits]
        items = f"{slot.lv}.items" if expr.max is not None else slot.lv
        if expr.max is not None:
            body.append(f"{slot.lv}.count = {count};")
        element_depth = slot.depth.plus()
        first = slot.path.index("(size_t)0")
        guard = f"{count} > 0 && " if expr.max is not None else ""
        body.append(f"if ({guard}{element_depth.deeper_than_limit()}) {first.fail(ErrorCode.NESTING_TOO_DEEP, 'at')}")
        body += self._elements(expr, slot, items, count, index, element_size)
        return ["{", *_indent(body), "}"]

    def _array_count(self, expr: ir.ArrayType, slot: _Slot, count: str) -> tuple[Lines, Lines]:
        """Declarations and statements giving the element count (read and checked if counted)."""
        if expr.max is None:
            return [f"const uint32_t {count} = {expr.length};"], []
        over = [] if expr.max >= MAX_COUNT else [
            f"if ({count} > {expr.max}u) {slot.path.fail(ErrorCode.COUNT_OVER_MAX, 'at')}"]
        return [f"uint32_t {count};"], [*self._need(4, slot), f"{count} = dsf1_load32(blob + at);", *over, "at += 4;"]

    def _array_stride(self, expr: ir.ArrayType, slot: _Slot, stride: str) -> Lines:
        assert isinstance(expr.element, ir.NamedRef)
        struct = self.schema.struct(expr.element.name)
        assert struct.body_size is not None
        short = "".join(f" && {stride} != {offset}u" for offset in struct.short_strides)
        invalid = f"{stride} == 0 || ({stride} < {struct.body_size}u{short})"
        present = slot.avail >= (8 if expr.max is not None else 4)
        need = [] if present else [f"if (end - at < 4) {slot.path.fail(ErrorCode.TRUNCATED, 'at')}"]
        return [*need, f"{stride} = dsf1_load32(blob + at);",
                f"if ({invalid}) {slot.path.fail(ErrorCode.BAD_STRIDE, 'at')}", "at += 4;"]

    def _array_fits(self, expr: ir.ArrayType, slot: _Slot, count: str, size: str, start: str) -> Lines:
        if expr.length is not None and not expr.stride and slot.avail >= expr.length * int(size):
            return []
        if expr.length is not None and not expr.stride:
            condition = f"end - at < {expr.length * int(size)}u"
        else:
            condition = f"{count} > (end - at) / {size}"
        return [f"if ({condition}) {slot.path.fail(ErrorCode.COUNT_PAST_END, start)}"]

    def _elements(self, expr: ir.ArrayType, slot: _Slot, items: str, count: str, index: str, size: str) -> Lines:
        element = expr.element
        depth = slot.depth.plus()
        path = slot.path.index(index)
        if isinstance(element, ir.ScalarType) and element.name == "u8" and _range_condition(
                "value", "u8", slot.bounds) is None:
            return [f"memcpy({items}, blob + at, {count});", f"at += {count};"]
        if expr.stride:
            assert isinstance(element, ir.NamedRef)
            call = f"{self.names.fn('dec', element.name)}(ctx, at, at + {size}, {depth.c()}, &{items}[{index}], err)"
            body = [f"rc = {call};", f"if (rc != 0) {path.prepend()}", f"at += {size};"]
        else:
            fixed = element.static_size or 0
            body = self.visit(element, _Slot(f"{items}[{index}]", path, depth, fixed, slot.bounds))
        return _block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    # struct bodies

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body: Lines = []
        for index, fld in enumerate(struct.fields):
            body += self._field(type_name, index, fld)
        body.append("return dsf1_zero_tail(blob, at, end, err); /* a newer writer's appended fields must be zero */")
        signature = (f"static int {self.names.fn('dec', type_name)}(const struct dsf1_context *ctx, size_t at, "
                     f"size_t end, uint32_t depth, struct {self.names.struct(type_name)} *out, "
                     "struct devstate_error *err)")
        doc = f"/* struct {type_name}: the body in [at, end) at depth `depth`; fields, defaults, zero tail */"
        return [doc, signature, "{", *_indent(_locals(body) + body), "}", ""]

    def _field(self, type_name: str, index: int, fld: ir.StructField) -> Lines:
        struct = self.schema.struct(type_name)
        lines = _field_comment(fld, struct)
        path = _Path(f".{fld.name}")
        if index >= struct.base_field_count:
            lines.append(f"if (at == end) {{ {self.names.fn('def', type_name)}(out, {index}); return DEVSTATE_OK; }} "
                         "/* an older writer's body ends here: defaults */")
        size = fld.type.min_size
        lines.append(f"if (end - at < {size}) {path.fail(ErrorCode.STRUCT_TOO_SHORT, 'at')}")
        if index == 0 or index == struct.base_field_count == 0:
            lines.append(f"if (depth >= ctx->max_depth) {path.fail(ErrorCode.NESTING_TOO_DEEP, 'at')}")
        member = f"out->{self.names.field(struct, fld)}"
        slot = _Slot(member, path, _Depth("depth", 1), size, (fld.min, fld.max))
        return lines + self.visit(fld.type, slot)


def _locals(body: Lines) -> Lines:
    """Declarations of the locals a generated function body uses."""
    text = "\n".join(body)
    lines = []
    if re.search(r"(?<!->)\bblob\b", text):
        lines.append("const uint8_t *blob = ctx->blob;")
    if "rc = " in text:
        lines.append("int rc;")
    return lines


def _encode_locals(body: Lines) -> Lines:
    """``int rc;`` if an encoding body calls a function, ``(void)err;`` if it cannot fail."""
    text = "\n".join(body)
    lines = ["int rc;"] if "rc = " in text else []
    return lines + ([] if re.search(r"\berr\b", text) else ["(void)err;"])


# --- defaults -----------------------------------------------------------------------------------


class _Defaults(Visitor[Lines]):
    """Assignments of default values (``devstate.state`` semantics) to C lvalues, per IR kind."""

    def __init__(self, names: CNames, zeros: str) -> None:
        self.names = names
        self.schema = names.schema
        self.zeros = zeros
        self.zeros_needed = 0

    def assign(self, expr: Expr, lv: str, value: Any, zeroed: bool, level: int = 0) -> Lines:
        """Statements giving ``lv`` the state value ``value``; skip zero bits if ``zeroed``."""
        if zeroed and self.is_zero(expr, value):
            return []
        return self.visit(expr, lv, value, zeroed, level)

    def visit_scalar(self, expr: ir.ScalarType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        literal = ("true" if value else "false") if expr.name == "bool" else c_int(int(value), expr.name)
        return [f"{lv} = {literal};"]

    def visit_struct_ref(self, expr: ir.NamedRef, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        struct = self.schema.struct(expr.name)
        lines = []
        for fld in struct.fields:
            member = f"{lv}.{self.names.field(struct, fld)}"
            lines += self.assign(fld.type, member, value[fld.name], zeroed, level)
        return lines

    def visit_ref(self, expr: ir.NamedRef, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        """An enum or flags value: its number."""
        named = self.schema.resolve(expr)
        assert not isinstance(named, ir.StructType)
        return [f"{lv} = {c_int(self.number(named, value), named.base.name)};"]

    def visit_string(self, expr: ir.StringType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        data = str(value).encode("utf-8")
        return [f"{lv}.data = {c_string(data) if data else 'NULL'};", f"{lv}.len = {len(data)};"]

    def number(self, named: ir.EnumType | ir.FlagsType, value: Any) -> int:
        if isinstance(named, ir.FlagsType):
            bits = {b.name: b.bit for b in named.bits}
            return sum(1 << bits[name] for name in value)
        return named.by_name()[value] if isinstance(value, str) else int(value)

    def visit_bytes(self, expr: ir.BytesType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        value = bytes(value)
        if any(value):
            raise EmitError(f"non-zero bytes default {value!r} is not supported")
        if not value:
            return [f"{lv}.data = NULL;", f"{lv}.len = 0;"]
        self.zeros_needed = max(self.zeros_needed, len(value))
        return [f"{lv}.data = {self.zeros};", f"{lv}.len = {len(value)};"]

    def visit_array(self, expr: ir.ArrayType, lv: str, value: Any, zeroed: bool, level: int) -> Lines:
        value = list(value)
        items = f"{lv}.items" if expr.max is not None else lv
        head = [f"{lv}.count = {len(value)};"] if expr.max is not None else []
        if value and all(item == value[0] for item in value):
            index = f"i{level}"
            body = self.assign(expr.element, f"{items}[{index}]", value[0], zeroed, level + 1)
            return head + _block(f"for (size_t {index} = 0; {index} < {len(value)}; {index}++)", body)
        lines = head
        for position, item in enumerate(value):
            lines += self.assign(expr.element, f"{items}[{position}]", item, zeroed, level)
        return lines

    def is_zero(self, expr: Expr, value: Any) -> bool:
        """Whether ``value`` is all-zero bits in C (so a memset state already holds it)."""
        if isinstance(expr, ir.ScalarType):
            return not value
        if isinstance(expr, ir.NamedRef):
            named = self.schema.resolve(expr)
            if isinstance(named, ir.StructType):
                return all(self.is_zero(f.type, value[f.name]) for f in named.fields)
            return self.number(named, value) == 0
        if isinstance(expr, ir.BytesType | ir.StringType):
            return len(value) == 0
        return all(self.is_zero(expr.element, item) for item in value)

    def function(self, type_name: str) -> Lines:
        """``def_<type>(out, first)``: defaults for the appended fields from ``first`` on."""
        struct = self.schema.struct(type_name)
        body: Lines = []
        for index, fld in enumerate(struct.fields):
            if index < struct.base_field_count:
                continue
            member = f"out->{self.names.field(struct, fld)}"
            value = field_default(self.schema, fld)
            body += _block(f"if (first <= {index})", self.assign(fld.type, member, value, zeroed=False))
        signature = (f"static void {self.names.fn('def', type_name)}(struct {self.names.struct(type_name)} *out, "
                     "unsigned first)")
        doc = f"/* struct {type_name}: the defaults of appended fields missing from an older writer's body */"
        return [doc, signature, "{", *_indent(body), "}", ""]


# --- encoding --------------------------------------------------------------------------------


class _Encode(Visitor[Lines]):
    """Encoding code, one ``visit_<kind>`` per IR kind: checks every constraint, then writes at ``blob + at``."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def _store(self, scalar: str, rv: str, size: int, checks: Lines) -> Lines:
        return [*checks, STORES[scalar].format(v=rv), f"at += {size};"]

    def visit_scalar(self, expr: ir.ScalarType, rv: str, path: _Path, bounds: Bounds) -> Lines:
        condition = None if expr.name == "bool" else _range_condition(rv, expr.name, bounds)
        checks = [f"if ({condition}) {path.fail(ErrorCode.OUT_OF_RANGE, '0')}"] if condition else []
        return self._store(expr.name, rv, expr.size, checks)

    def visit_enum_ref(self, expr: ir.NamedRef, rv: str, path: _Path, bounds: Bounds) -> Lines:
        enum = _target(self.schema, expr, ir.EnumType)
        condition = _enum_condition(rv, enum)
        checks = [f"if ({condition}) {path.fail(ErrorCode.BAD_ENUM, '0')}"] if condition else []
        return self._store(enum.base.name, rv, enum.base.size, checks)

    def visit_flags_ref(self, expr: ir.NamedRef, rv: str, path: _Path, bounds: Bounds) -> Lines:
        flags = _target(self.schema, expr, ir.FlagsType)
        _, high = ir.scalar_range(flags.base.name)
        checks = [] if flags.mask == high else [
            f"if ({rv} & ~{self.names.macro(expr.name, 'MASK')}) {path.fail(ErrorCode.BAD_FLAGS, '0')}"]
        return self._store(flags.base.name, rv, flags.base.size, checks)

    def visit_struct_ref(self, expr: ir.NamedRef, rv: str, path: _Path, bounds: Bounds) -> Lines:
        body = ["size_t size_at = at;", "at += 4;", f"rc = {self.names.fn('enc', expr.name)}(&{rv}, blob, &at, err);",
                f"if (rc != 0) {path.prepend()}",
                f"if (dsf1_over_u32(at - size_at - 4)) {path.fail(ErrorCode.LIMIT_EXCEEDED, '0')}",
                "dsf1_store32(blob + size_at, (uint32_t)(at - size_at - 4)); /* the body size */"]
        return ["{", *_indent(body), "}"]

    def _view_checks(self, rv: str, path: _Path) -> Lines:
        return [f"if ({rv}.data == NULL && {rv}.len != 0) {path.fail(ErrorCode.INVALID_STATE, '0')}"]

    def visit_bytes(self, expr: ir.BytesType, rv: str, path: _Path, bounds: Bounds) -> Lines:
        if expr.length is not None:
            wrong = f"if ({rv}.len != {expr.length} || {rv}.data == NULL) {path.fail(ErrorCode.INVALID_STATE, '0')}"
            return [wrong, f"memcpy(blob + at, {rv}.data, {expr.length});", f"at += {expr.length};"]
        assert expr.max is not None
        return self._counted(expr.max, rv, path, self._view_checks(rv, path))

    def visit_string(self, expr: ir.StringType, rv: str, path: _Path, bounds: Bounds) -> Lines:
        utf8 = [f"if (dsf1_utf8_invalid((const uint8_t *){rv}.data, {rv}.len) != {rv}.len) "
                f"{path.fail(ErrorCode.BAD_UTF8, '0')}"]
        return self._counted(expr.max, rv, path, [*self._view_checks(rv, path), *utf8])

    def _counted(self, maximum: int, rv: str, path: _Path, checks: Lines) -> Lines:
        over = [] if maximum >= MAX_COUNT else [
            f"if ((uint64_t){rv}.len > {maximum}u) {path.fail(ErrorCode.LENGTH_OVER_MAX, '0')}"]
        return [*checks, *over, f"dsf1_store32(blob + at, (uint32_t){rv}.len);",
                f"dsf1_put(blob + at + 4, {rv}.data, {rv}.len);", f"at += 4 + {rv}.len;"]

    def visit_array(self, expr: ir.ArrayType, rv: str, path: _Path, bounds: Bounds) -> Lines:
        level = len(path.args)
        index = f"i{level}"
        lines: Lines = []
        if expr.max is not None:
            items, count = f"{rv}.items", f"{rv}.count"
            if expr.max < MAX_COUNT:
                lines.append(f"if ({count} > {expr.max}u) {path.fail(ErrorCode.COUNT_OVER_MAX, '0')}")
            lines += [f"dsf1_store32(blob + at, {count});", "at += 4;"]
        else:
            items, count = rv, str(expr.length)
        if expr.stride:
            assert isinstance(expr.element, ir.NamedRef)
            body_size = self.schema.struct(expr.element.name).body_size
            lines += [f"dsf1_store32(blob + at, {body_size}u); /* stride */", "at += 4;"]
        element = expr.element
        if isinstance(element, ir.ScalarType) and element.name == "u8" and _range_condition(
                "value", "u8", bounds) is None:
            return [*lines, f"memcpy(blob + at, {items}, {count});", f"at += {count};"]
        element_path = path.index(index)
        if expr.stride:
            assert isinstance(element, ir.NamedRef)
            body = [f"rc = {self.names.fn('enc', element.name)}(&{items}[{index}], blob, &at, err);",
                    f"if (rc != 0) {element_path.prepend()}"]
        else:
            body = self.visit(element, f"{items}[{index}]", element_path, bounds)
        return lines + _block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body: Lines = ["size_t at = *cursor;"]
        for fld in struct.fields:
            rv = f"in->{self.names.field(struct, fld)}"
            body += [*_field_comment(fld, struct), *self.visit(fld.type, rv, _Path(f".{fld.name}"), (fld.min, fld.max))]
        body += ["*cursor = at;", "return DEVSTATE_OK;"]
        body = _encode_locals(body) + body
        signature = (f"static int {self.names.fn('enc', type_name)}(const struct {self.names.struct(type_name)} *in, "
                     "uint8_t *blob, size_t *cursor, struct devstate_error *err)")
        return [f"/* struct {type_name}: check and write the full body at blob + *cursor */", signature, "{",
                *_indent(body), "}", ""]


class _Size(Visitor[Lines]):
    """Encoded sizes (``visit_<kind>`` for the kinds without a fixed size); counts and lengths
    over their maximum count as the maximum (encode refuses them before writing, so the
    buffer check can never be too small)."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema

    def add(self, expr: Expr, rv: str, level: int) -> Lines:
        """Statements adding the encoded size of ``rv`` (type ``expr``) to ``n``."""
        if expr.fixed_size is not None:
            return [f"total += {expr.fixed_size};"]
        return self.visit(expr, rv, level)

    def visit_bytes(self, expr: ir.BytesType, rv: str, level: int) -> Lines:
        assert expr.max is not None
        return [f"total += 4 + dsf1_min({rv}.len, {expr.max}u);"]

    def visit_string(self, expr: ir.StringType, rv: str, level: int) -> Lines:
        return [f"total += 4 + dsf1_min({rv}.len, {expr.max}u);"]

    def visit_struct_ref(self, expr: ir.NamedRef, rv: str, level: int) -> Lines:
        """A variable-size struct (a fixed-size one has a ``fixed_size``)."""
        return [f"total += 4 + {self.names.fn('size', expr.name)}(&{rv});"]

    def visit_array(self, expr: ir.ArrayType, rv: str, level: int) -> Lines:
        prefix = (4 if expr.max is not None else 0) + (4 if expr.stride else 0)
        if expr.max is not None:
            items, count = f"{rv}.items", f"dsf1_min({rv}.count, {expr.max}u)"
        else:
            items, count = rv, str(expr.length)
        element = self._element_size(expr.element)
        lines = [f"total += {prefix};"] if prefix else []
        if element is not None:
            return [*lines, f"total += (size_t){count} * {element};"]
        index = f"i{level}"
        body = self.add(expr.element, f"{items}[{index}]", level + 1)
        return lines + _block(f"for (size_t {index} = 0; {index} < {count}; {index}++)", body)

    def _element_size(self, element: Expr) -> int | None:
        if _is_struct_ref(element):
            assert isinstance(element, ir.NamedRef)
            return self.schema.struct(element.name).body_size
        return element.fixed_size

    def body(self, type_name: str, rv: str) -> str:
        """A C expression for the body size of struct ``type_name`` at pointer ``rv``."""
        size = self.schema.struct(type_name).body_size
        return str(size) if size is not None else f"{self.names.fn('size', type_name)}({rv})"

    def struct_function(self, type_name: str) -> Lines:
        struct = self.schema.struct(type_name)
        body = ["size_t total = 0;"]
        for fld in struct.fields:
            body += self.add(fld.type, f"in->{self.names.field(struct, fld)}", 0)
        body.append("return total;")
        signature = (f"static size_t {self.names.fn('size', type_name)}(const struct "
                     f"{self.names.struct(type_name)} *in)")
        return [f"/* struct {type_name}: the encoded body size */", signature, "{", *_indent(body), "}", ""]


# --- sections and the public functions -------------------------------------------------------------


def _vendor_bytes(section: ir.VendorSection) -> str:
    return ", ".join(f"0x{b:02x}" for b in vendor_header(section.vendor))


def _section_path(section: ir.Section | ir.VendorSection) -> str:
    group = "vendor_sections" if isinstance(section, ir.VendorSection) else "sections"
    return f"$.{group}.{section.name}"


def _section_label(section: ir.Section | ir.VendorSection) -> str:
    if isinstance(section, ir.VendorSection):
        what = "opaque" if section.type is None else describe(section.type)
        return f"vendor section {section.vendor} #{section.id} \"{section.name}\": {what}"
    return f"section {section.id} \"{section.name}\": {describe(section.type)}"


class _Sections:
    """Per-section decode and encode functions and the public entry points."""

    def __init__(self, names: CNames) -> None:
        self.names = names
        self.schema = names.schema
        self.decode = _Decode(names)
        self.encode = _Encode(names)
        self.size = _Size(names)
        self.sections = names.sections_in_order()
        self.vendor = names.vendor_in_order()
        self.required: list[ir.Section | ir.VendorSection] = [s for s in self._all() if not s.optional]

    @property
    def state(self) -> str:
        return f"struct {self.names.prefix}"

    def _all(self) -> list[ir.Section | ir.VendorSection]:
        return [*self.sections, *self.vendor]

    def _fn(self, role: str, section: ir.Section | ir.VendorSection) -> str:
        return self.names.section_fn(role, section)

    # decoding

    def decode_function(self, section: ir.Section | ir.VendorSection) -> Lines:
        path = _Path(_section_path(section))
        member = f"state->{self.names.section(section)}"
        optional = 1 if section.optional else 0
        body = [f"if (dsf1_check_optional(frame, {optional}, \"{path.template}\", err) != 0) return err->code;",
                f"if (ctx->max_depth < 1) {path.fail(ErrorCode.NESTING_TOO_DEEP, 'frame->payload')}"]
        body += self._payload(section, member, path)
        if section.optional:
            body.append(f"state->{self.names.present(section)} = true;")
        body.append("return DEVSTATE_OK;")
        signature = (f"static int {self._fn('dec', section)}(const struct dsf1_context *ctx, "
                     "const struct dsf1_frame *frame, "
                     f"{self.state} *state, struct devstate_error *err)")
        return [f"/* {_section_label(section)} */", signature, "{", *_indent(_locals(body) + body), "}", ""]

    def _payload(self, section: ir.Section | ir.VendorSection, member: str, path: _Path) -> Lines:
        expr = section.type
        if expr is None:
            assert isinstance(section, ir.VendorSection) and section.max is not None
            over = [] if section.max >= MAX_COUNT else [
                f"if (frame->end - frame->payload > {section.max}u) "
                f"{path.fail(ErrorCode.LENGTH_OVER_MAX, 'frame->payload')}"]
            return [*over, f"if (frame->end - frame->payload > ctx->max_region) "
                    f"{path.fail(ErrorCode.LIMIT_EXCEEDED, 'frame->payload')}",
                    f"{member}.data = ctx->blob + frame->payload;", f"{member}.len = frame->end - frame->payload;"]
        if _is_struct_ref(expr):
            assert isinstance(expr, ir.NamedRef)
            return [f"rc = {self.names.fn('dec', expr.name)}(ctx, frame->payload, frame->end, 1, &{member}, err);",
                    f"if (rc != 0) {path.prepend()}"]
        slot = _Slot(member, path, _Depth(None, 1))
        value = self.decode.visit(expr, slot)
        trailing = f"if (at != end) {path.fail(ErrorCode.SECTION_TRAILING_DATA, 'at')}"
        return ["{", "    size_t at = frame->payload, end = frame->end;", *_indent([*value, trailing]), "}"]

    def dispatch(self) -> Lines:
        """The body of the section loop: a known section's decoder or the unknown rule."""
        keep = "dsf1_keep_unknown(buf, &frame, out->unknown, &out->unknown_count, unknown_limit, err)"
        standard = [f"case {s.id}: rc = {self._fn('dec', s)}(&ctx, &frame, out, err);{self._mark(s)} break;"
                    for s in self.sections]
        lines = _block("if (frame.vendor == NULL)", _block("switch (frame.id)", [*standard, f"default: rc = {keep};"]))
        vendor: Lines = []
        for index, section in enumerate(self.vendor):
            test = f"frame.id == {section.id} && memcmp(frame.vendor, vendor_{index}, DEVSTATE_VENDOR_HEADER_SIZE) == 0"
            call = f"rc = {self._fn('dec', section)}(&ctx, &frame, out, err);{self._mark(section)}"
            vendor.append(f"{'else ' if index else ''}if ({test}) {{ {call} }}")
        vendor.append(f"else rc = {keep};" if self.vendor else f"rc = {keep};")
        return [*lines[:-1], "} else {", *_indent(vendor), "}"]

    def _mark(self, section: ir.Section | ir.VendorSection) -> str:
        if section.optional:
            return ""
        return f" seen[{self.required.index(section)}] = true;"

    def missing(self) -> Lines:
        lines = []
        for index, section in enumerate(self.required):
            path = _Path(_section_path(section))
            lines.append(f"if (!seen[{index}]) {path.fail(ErrorCode.MISSING_SECTION, 'trailer')}")
        return lines

    # encoding

    def encode_function(self, section: ir.Section | ir.VendorSection) -> Lines:
        path = _Path(_section_path(section))
        rv = f"state->{self.names.section(section)}"
        expr = section.type
        if expr is None:
            assert isinstance(section, ir.VendorSection) and section.max is not None
            body = [*self.encode._view_checks(rv, path)]
            if section.max < MAX_COUNT:
                body.append(f"if ((uint64_t){rv}.len > {section.max}u) {path.fail(ErrorCode.LENGTH_OVER_MAX, '0')}")
            body += [f"dsf1_put(blob + at, {rv}.data, {rv}.len);", f"at += {rv}.len;"]
        elif _is_struct_ref(expr):
            assert isinstance(expr, ir.NamedRef)
            body = [f"rc = {self.names.fn('enc', expr.name)}(&{rv}, blob, &at, err);", f"if (rc != 0) {path.prepend()}"]
        else:
            body = self.encode.visit(expr, rv, path, (None, None))
        head = _encode_locals(body)
        signature = (f"static int {self._fn('enc', section)}(const {self.state} *state, uint8_t *blob, size_t *cursor, "
                     "struct devstate_error *err)")
        return [f"/* {_section_label(section)}: the payload */", signature, "{",
                *_indent([*head, "size_t at = *cursor;", *body, "*cursor = at;", "return DEVSTATE_OK;"]), "}", ""]

    def payload_size(self, section: ir.Section | ir.VendorSection) -> Lines:
        rv = f"state->{self.names.section(section)}"
        expr = section.type
        if expr is None:
            assert isinstance(section, ir.VendorSection)
            return [f"total += dsf1_min({rv}.len, {section.max}u);"]
        if _is_struct_ref(expr):
            assert isinstance(expr, ir.NamedRef)
            return [f"total += {self.size.body(expr.name, '&' + rv)};"]
        return self.size.add(expr, rv, 0)


# --- the header ----------------------------------------------------------------------------------


def _banner(names: CNames, what: str) -> Lines:
    schema = names.schema
    return ["/* " + banner_lines(schema)[0], *[f" * {line}" for line in banner_lines(schema)[1:]], " *",
            f" * {names.prefix}.{what}: the DSF v1 codec of {schema.ident} ({schema.title}).",
            " * Wire format: spec/wire-format.md. C99; needs the DSF runtime (dsf1.h, dsf1.c) and",
            " * the C standard library.",
            " */"]


def _header(names: CNames) -> str:
    schema = names.schema
    decls = _Declarations(names)
    lines = [*_constants(names), *decls.capacity_macros(), ""]
    for type_name in names.reachable:
        if isinstance(schema.types[type_name], ir.StructType):
            lines += decls.struct_definition(type_name)
    lines += _state_struct(names, decls)
    return _wrap_lines(render("model.h.j2", banner="\n".join(_banner(names, "h")), guard=f"{names.upper}_H",
                  rule=_rule(schema), macros=names.fixed_macros, p=names.prefix,
                  model_literal=c_string(schema.model.encode()), major=schema.version.major,
                  minor=schema.version.minor, max_unknown=MAX_UNKNOWN_SECTIONS,
                  declarations="\n".join(lines), enums=_enum_functions(names)))


LINE_WIDTH = 110
"""Generated lines longer than this are wrapped where C style allows (see ``_wrap_lines``)."""


def _wrap_lines(text: str) -> str:
    """Wrap long lines of generated C deterministically: ``if (...) statement;`` puts the
    statement on its own line; a function signature breaks after a parameter."""
    out = []
    for line in text.split("\n"):
        if len(line) > LINE_WIDTH:
            out += _wrap_if(line) or _wrap_signature(line) or [line]
        else:
            out.append(line)
    return "\n".join(out)


def _wrap_if(line: str) -> Lines | None:
    indent = line[: len(line) - len(line.lstrip())]
    if not line.lstrip().startswith("if ("):
        return None
    end = _closing_paren(line, len(indent) + 3)
    if end is None or line[end + 1:end + 2] != " " or line[end + 2:].startswith("{"):
        return None
    return [line[: end + 1], f"{indent}    {line[end + 2:]}"]


def _closing_paren(line: str, start: int) -> int | None:
    """The index of the parenthesis closing the one at ``start`` (string literals skipped)."""
    depth, in_string, index = 0, False, start
    while index < len(line):
        char = line[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _wrap_signature(line: str) -> Lines | None:
    if line.startswith((" ", "/", "#")) or not line.endswith(")") or "(" not in line:
        return None
    lines = []
    while len(line) > LINE_WIDTH:
        cut = line.rfind(", ", 0, LINE_WIDTH)
        if cut <= line.find("("):
            break
        lines.append(line[: cut + 1])
        line = "    " + line[cut + 2:]
    return [*lines, line]


def _rule(schema: ir.Schema) -> str:
    """The comment line that opens a model's own part of a file."""
    return f"/* ==== {schema.ident} {'=' * max(3, 80 - len(schema.ident))} */"


def _enum_functions(names: CNames) -> list[dict[str, Any]]:
    """The ``<prefix>_<enum>_name`` functions: one per reachable enum type, with its cases."""
    enums = []
    for type_name in names.reachable:
        named = names.schema.types[type_name]
        if isinstance(named, ir.EnumType):
            cases = [{"value": c_int(m.value, named.base.name), "name": m.name} for m in named.values]
            enums.append({"type_name": type_name, "function": names.enum_name_function(type_name),
                          "ctype": CTYPES[named.base.name], "cases": cases})
    return enums


def _constants(names: CNames) -> Lines:
    lines: Lines = []
    for type_name in names.reachable:
        named = names.schema.types[type_name]
        if isinstance(named, ir.EnumType):
            kind = "open" if named.open else "closed"
            lines += _doc_comment(f"enum {type_name} ({kind}, {named.base.name})", named.doc)
            for member in named.values:
                lines.append(f"#define {names.macro(type_name, member.name)} {c_int(member.value, named.base.name)}")
            lines.append("")
        elif isinstance(named, ir.FlagsType):
            lines += _doc_comment(f"flags {type_name} ({named.base.name}); other bits must be 0", named.doc)
            for bit in sorted(named.bits, key=lambda b: b.bit):
                lines.append(f"#define {names.macro(type_name, bit.name)} ({c_int(1, named.base.name)} << {bit.bit})")
            lines += [f"#define {names.macro(type_name, 'MASK')} UINT64_C(0x{named.mask:x})", ""]
    return lines


def _state_struct(names: CNames, decls: _Declarations) -> Lines:
    members: Lines = []
    for section in names.sections_in_order():
        members.append(f"/* {_section_label(section)} ({'optional' if section.optional else 'required'}) */")
        if section.optional:
            members.append(f"bool {names.present(section)};")
        capacity = decls.capacity_macro(section.type, "section", section.name)
        members.append(decls.declare(section.type, names.section(section), capacity) + ";")
    for vendor in names.vendor_in_order():
        members.append(f"/* {_section_label(vendor)} ({'optional' if vendor.optional else 'required'}) */")
        if vendor.optional:
            members.append(f"bool {names.present(vendor)};")
        expr: Expr = vendor.type if vendor.type is not None else ir.BytesType(max=vendor.max, fixed_size=None)
        members.append(decls.declare(expr, names.section(vendor)) + ";")
    members += ["/* unknown optional sections, in wire order; encode writes them back unchanged */",
                "uint32_t unknown_count;",
                f"struct devstate_unknown_section unknown[{names.macro('MAX_UNKNOWN')}];"]
    doc = [f"/* The state of {names.schema.ident}: one member per section (optional ones with a",
           " * has_ flag). Large: keep it off small stacks (sizeof tells). */"]
    return [*doc, f"struct {names.prefix} {{", *_indent(members), "};", ""]


# --- the source ------------------------------------------------------------------------------------


def _source(names: CNames) -> str:
    schema = names.schema
    sections = _Sections(names)
    defaults = _Defaults(names, "zero_bytes")
    structs = [n for n in names.reachable if isinstance(schema.types[n], ir.StructType)]
    decoders: Lines = []
    for type_name in structs:
        if schema.struct(type_name).appended_fields:
            decoders += defaults.function(type_name)
    for type_name in structs:
        decoders += sections.decode.struct_function(type_name)
    for section in sections._all():
        decoders += sections.decode_function(section)
    encoders: Lines = []
    for type_name in structs:
        if schema.struct(type_name).body_size is None:
            encoders += sections.size.struct_function(type_name)
        encoders += sections.encode.struct_function(type_name)
    for section in sections._all():
        encoders += sections.encode_function(section)
    init_body = _init_body(names, defaults)
    known = sections._all()
    return _wrap_lines(render(
        "model.c.j2", banner="\n".join(_banner(names, "c")), p=names.prefix, rule=_rule(schema),
        macros=names.fixed_macros, zeros_needed=defaults.zeros_needed,
        decoders="\n".join(decoders), vendor_tables=_vendor_tables(sections), required=len(sections.required),
        absent=[f"out->{names.present(s)} = false;" for s in known if s.optional],
        dispatch="\n".join(sections.dispatch()), missing=sections.missing(),
        encoders="\n".join(encoders), size_body="\n".join(_size_body(names, sections)),
        section_paths=", ".join(f'"{_section_path(s)}"' for s in known) or '"$"', known=len(known),
        known_items=_known_items(names, sections), unknown_item="\n".join(_unknown_item(sections)),
        write_section="\n".join(_write_section(sections)), init_body="\n".join(init_body),
        enums=_enum_functions(names)))


def _size_body(names: CNames, sections: _Sections) -> Lines:
    """``<p>_encoded_size``: header and trailer, each present section, the unknown entries."""
    body = [f"size_t total = 25 + {len(names.schema.model)} + 4; /* header, model id, trailer */"]
    for section in sections._all():
        header = 8 + (18 if isinstance(section, ir.VendorSection) else 0)
        payload = sections.payload_size(section)
        constant = re.fullmatch(r"n \+= (\d+);", payload[0]) if len(payload) == 1 else None
        if constant:
            inner = [f"total += {header} + {constant.group(1)}; /* {_section_label(section)} */"]
        else:
            inner = [f"total += {header}; /* {_section_label(section)} */", *payload]
        body += _block(f"if (state->{names.present(section)})", inner) if section.optional else inner
    loop = ["const struct devstate_unknown_section *unknown = &state->unknown[i];",
            "total += 8 + ((unknown->flags & DEVSTATE_SECTION_VENDOR) ? DEVSTATE_VENDOR_HEADER_SIZE : 0) + "
            "unknown->payload.len;"]
    body += _block(f"for (size_t i = 0; i < dsf1_min(state->unknown_count, {names.macro('MAX_UNKNOWN')}); i++)", loop)
    return [*body, "return total;"]


def _known_items(names: CNames, sections: _Sections) -> Lines:
    """One ``dsf1_add_item`` per known section (when present): order key, flags, which."""
    items: Lines = []
    for index, section in enumerate(sections._all()):
        vendor = f"vendor_{sections.vendor.index(section)}" if isinstance(section, ir.VendorSection) else "NULL"
        flags = (FLAG_OPTIONAL if section.optional else 0) | (FLAG_VENDOR if vendor != "NULL" else 0)
        add = f"dsf1_add_item(items, &item_count, {vendor}, {section.id}, {flags}, {index});"
        items.append(f"if (state->{names.present(section)}) {add}" if section.optional else add)
    return items


def _write_section(sections: _Sections) -> Lines:
    """The body of the write loop: section header, vendor header, payload, length."""
    writes = [f"case {i}: rc = {sections._fn('enc', s)}(state, blob, &at, err); break;"
              for i, s in enumerate(sections._all())]
    writes += ["default: /* an unknown entry, written back unchanged */",
               "    unknown = &state->unknown[-1 - items[j].which];",
               "    dsf1_put(blob + at, unknown->payload.data, unknown->payload.len);",
               "    at += unknown->payload.len;", "    rc = DEVSTATE_OK;"]
    return [
        "const struct devstate_unknown_section *unknown;", "size_t start = at;",
        "dsf1_store16(blob + at, items[j].id);", "dsf1_store16(blob + at + 2, items[j].flags);", "at += 8;",
        *_block("if (items[j].vendor != NULL)",
                ["memcpy(blob + at, items[j].vendor, DEVSTATE_VENDOR_HEADER_SIZE);",
                 "at += DEVSTATE_VENDOR_HEADER_SIZE;"]),
        *_block("switch (items[j].which)", writes),
        "if (rc != 0) return rc;",
        "if (dsf1_over_u32(at - start - 8))",
        "    return dsf1_fail(err, DEVSTATE_E_LIMIT_EXCEEDED, 0, paths[items[j].which]);",
        "dsf1_store32(blob + start + 4, (uint32_t)(at - start - 8));",
    ]


def _vendor_tables(sections: _Sections) -> Lines:
    return [f"static const uint8_t vendor_{i}[DEVSTATE_VENDOR_HEADER_SIZE] = {{{_vendor_bytes(v)}}}; /* {v.vendor} */"
            for i, v in enumerate(sections.vendor)]


def _unknown_item(sections: _Sections) -> Lines:
    """Checks of one unknown entry (errors deferred until the known sections are written)."""
    tests = []
    for s in sections._all():
        if isinstance(s, ir.VendorSection):
            index = sections.vendor.index(s)
            tests.append(f"((unknown->flags & DEVSTATE_SECTION_VENDOR) && unknown->id == {s.id} && "
                         f"memcmp(unknown->vendor, vendor_{index}, DEVSTATE_VENDOR_HEADER_SIZE) == 0)")
        else:
            tests.append(f"(!(unknown->flags & DEVSTATE_SECTION_VENDOR) && unknown->id == {s.id})")
    known = [f"    {test} ||" for test in tests] or ["    0 ||"]
    known[-1] = known[-1][: -len(" ||")] + "))"
    return [
        "const struct devstate_unknown_section *unknown = &state->unknown[i];",
        "struct devstate_error probe;",
        "int bad = dsf1_check_unknown(unknown, i, &probe);",
        "if (bad == 0 && ( /* the schema knows this section */",
        *known,
        '    bad = dsf1_fail(&probe, DEVSTATE_E_INVALID_STATE, 0, "$.unknown_sections[%]", i);',
        "if (bad != 0 && deferred.code == DEVSTATE_OK) deferred = probe;",
        "if (bad != 0) continue;",
        "dsf1_add_item(items, &item_count, (unknown->flags & DEVSTATE_SECTION_VENDOR) ? unknown->vendor : NULL,",
        "              unknown->id, unknown->flags, -1 - (int)i);",
    ]


def _init_body(names: CNames, defaults: _Defaults) -> Lines:
    """``<p>_init``: zero everything, then the defaults that are not zero bits."""
    body = ["memset(state, 0, sizeof *state);"]
    schema = names.schema
    for section in names.sections_in_order():
        if not section.optional:
            value = type_default(schema, section.type)
            body += defaults.assign(section.type, f"state->{names.section(section)}", value, zeroed=True)
    for vendor in names.vendor_in_order():
        if not vendor.optional and vendor.type is not None:
            value = type_default(schema, vendor.type)
            body += defaults.assign(vendor.type, f"state->{names.section(vendor)}", value, zeroed=True)
    return body


__all__ = ["CNames", "EmitError", "emit_c", "emit_c_runtime"]
