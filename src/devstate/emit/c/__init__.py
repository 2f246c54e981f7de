"""The C backend: IR → one C99 header and one source per model version, plus the runtime.

``emit_c(schema)`` returns ``{"<prefix>.h": ..., "<prefix>.c": ...}`` where the prefix is
the model id and version, ``org_virtio_net_v1_1`` for org.virtio.net@1.1;
``emit_c_runtime()`` the DSF v1 runtime every model file includes and links with
(``dsf1.h``, ``dsf1.c``, ``dsf1_errors.h``). The generated code implements
spec/wire-format.md exactly like the reference codec (``devstate.interp``): same checks,
same order, same error code, byte offset and field path.

This module assembles the files: ``templates/`` hold their skeletons and static text;
``names`` allocates every C name, ``declarations`` the header's types, ``decode``,
``encode`` and ``defaults`` the per-node code (one ``visit_<kind>`` per IR node kind),
``sections`` the per-section functions and the parts of the public ones, ``code`` the
shared building blocks and ``layout`` the line wrapping.

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
from importlib import resources
from typing import Any

import jinja2

from devstate import ir
from devstate.emit import GENERATED_MARKER, GENERATOR, banner_lines
from devstate.emit.c.code import CTYPES, Lines, c_int, c_string
from devstate.emit.c.declarations import Declarations, constants, state_struct
from devstate.emit.c.defaults import Defaults
from devstate.emit.c.layout import wrap_lines
from devstate.emit.c.names import CNames
from devstate.emit.c.sections import (
    Sections,
    init_body,
    known_items,
    size_body,
    unknown_item,
    vendor_tables,
    write_section,
)
from devstate.emit.sections import section_path
from devstate.errors import EmitError
from devstate.wire.errors import DESCRIPTIONS, ErrorCode

MAX_UNKNOWN_SECTIONS = 32
"""Capacity of a decoded state for unknown optional sections (more is LIMIT_EXCEEDED)."""



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
    decls = Declarations(names)
    lines = [*constants(names), *decls.capacity_macros(), ""]
    for type_name in names.reachable_of("struct"):
        lines += decls.struct_definition(type_name)
    lines += state_struct(names, decls)
    return wrap_lines(render("model.h.j2", banner="\n".join(_banner(names, "h")), guard=f"{names.upper}_H",
                  rule=_rule(schema), macros=names.fixed_macros, p=names.prefix,
                  model_literal=c_string(schema.model.encode()), major=schema.version.major,
                  minor=schema.version.minor, max_unknown=MAX_UNKNOWN_SECTIONS,
                  declarations="\n".join(lines), enums=_enum_functions(names)))


def _rule(schema: ir.Schema) -> str:
    """The comment line that opens a model's own part of a file."""
    return f"/* ==== {schema.ident} {'=' * max(3, 80 - len(schema.ident))} */"


def _enum_functions(names: CNames) -> list[dict[str, Any]]:
    """The ``<prefix>_<enum>_name`` functions: one per reachable enum type, with its cases."""
    enums = []
    for type_name in names.reachable_of("enum"):
        enum = names.schema.enum(type_name)
        cases = [{"value": c_int(member.value, enum.base.name), "name": member.name} for member in enum.values]
        enums.append({"type_name": type_name, "function": names.enum_name_function(type_name),
                      "ctype": CTYPES[enum.base.name], "cases": cases})
    return enums


# --- the source ------------------------------------------------------------------------------------


def _source(names: CNames) -> str:
    schema = names.schema
    sections = Sections(names)
    defaults = Defaults(names, "zero_bytes")
    structs = names.reachable_of("struct")
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
    init = init_body(names, defaults)
    known = sections._all()
    return wrap_lines(render(
        "model.c.j2", banner="\n".join(_banner(names, "c")), p=names.prefix, rule=_rule(schema),
        macros=names.fixed_macros, zeros_needed=defaults.zeros_needed,
        decoders="\n".join(decoders), vendor_tables=vendor_tables(sections), required=len(sections.required),
        absent=[f"out->{names.present(s)} = false;" for s in known if s.optional],
        dispatch="\n".join(sections.dispatch()), missing=sections.missing(),
        encoders="\n".join(encoders), size_body="\n".join(size_body(names, sections)),
        section_paths=", ".join(f'"{section_path(s)}"' for s in known) or '"$"', known=len(known),
        known_items=known_items(names, sections), unknown_item="\n".join(unknown_item(sections)),
        write_section="\n".join(write_section(sections)), init_body="\n".join(init),
        enums=_enum_functions(names)))


__all__ = ["CNames", "EmitError", "emit_c", "emit_c_runtime"]
