"""The Rust backend: IR → one module per model version of one dependency-free crate.

``emit_rust(schema)`` gives ``{"src/<module>.rs": ...}`` (``src/org_virtio_net_v1_1.rs``);
``emit_rust_crate(schemas)`` adds what the crate shares: the DSF v1 runtime ``src/dsf1.rs``
(hand-written, beside this file, copied verbatim), the error list ``src/dsf1_errors.rs``,
``src/lib.rs`` and the test driver ``src/bin/dsf1_driver.rs``. ``Cargo.toml`` is written
by hand and committed in codegen/rust. Text comes from Jinja2 templates (``templates/``);
what each IR node becomes is decided here, in Python (names, decode, encode, sections,
types). The generated code implements spec/wire-format.md like the reference codec and
the C codec: the same checks in the same order, the same codes, offsets and paths.
"""

from __future__ import annotations

import re
from importlib import resources

import jinja2

from devstate import ir
from devstate.emit import GENERATED_MARKER, GENERATOR, banner_lines
from devstate.wire.errors import DESCRIPTIONS, ErrorCode

from .decode import Decoder
from .encode import Encoder, Sizer
from .names import RustNames
from .paths import code_name
from .sections import Sections
from .types import TypeDefinitions

RUNTIME_NAMES = (
    "blob_size", "encode_error", "frames", "json_hex", "json_key", "json_state_end", "json_state_start",
    "json_state_vendor", "ld16", "ld32", "ld64", "ld_len", "missing_section", "read_envelope", "section_error",
    "section_overhead", "unknown_size", "write_sections", "Codec", "Ctx", "DecodeError", "EncodeError", "ErrorCode",
    "Fail", "Frame", "Json", "KnownSection", "Limits", "UnknownSection", "Vendor", "VENDOR_HEADER_SIZE", "Writer",
)
"""What a model module may use from the runtime (imported only when used: no unused imports)."""
TRAIT_METHODS = {"Json": ".json("}
"""Runtime traits a module needs in scope when it only calls their methods (a model whose sections
are all scalars calls ``.json`` on integers and defines no ``impl Json``)."""
ALLOC_NAMES = {"Cow": "alloc::borrow::Cow", "String": "alloc::string::String", "Vec": "alloc::vec::Vec",
               "format": "alloc::format"}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("devstate.emit.rust", "templates"),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def _marker() -> str:
    return f"{GENERATED_MARKER} ({GENERATOR})"


def emit_rust(schema: ir.Schema) -> dict[str, str]:
    """The module of one model version: ``{"src/<module>.rs": text}``."""
    names = RustNames(schema)
    sections = Sections(names)
    types = TypeDefinitions(names)
    decoder, encoder, sizer = Decoder(names), Encoder(names), Sizer(names)
    type_lines: list[str] = []
    for type_name in names.reachable:
        type_lines += types.definition(type_name)
    decode: list[str] = [*sections.decode_function()]
    for section in names.all_sections():
        decode += sections.read_functions(section)
    encode: list[str] = [*sections.known_sections(), "", *sections.encode_function()]
    for section in names.all_sections():
        encode += sections.write_functions(section)
    for type_name in names.reachable:
        if names.named(type_name).kind == "struct":
            decode += decoder.struct_function(type_name)
            encode += encoder.struct_function(type_name)
            if schema.struct(type_name).body_size is None:
                encode += sizer.struct_function(type_name)
    if sections.vendor_consts():
        decode = [*sections.vendor_consts(), "", *decode]
    template_uses = "Codec Limits DecodeError EncodeError String"
    body = "\n".join([template_uses, *type_lines, *sections.state_members(), *sections.state_default(),
                      *sections.size_function(), *sections.json_function(), *decode, *encode])
    text = _environment().get_template("module.rs.j2").render(
        banner=banner_lines(schema), ident=schema.ident, title=schema.title, model=schema.model,
        version=str(schema.version), major=schema.version.major, minor=schema.version.minor,
        imports=_imports(body), types=_trim(type_lines), state_members=sections.state_members(),
        state_default=sections.state_default(), size=sections.size_function(), json=sections.json_function(),
        decode=_trim(decode), encode=_trim(encode))
    return {f"src/{names.module}.rs": text}


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines = lines[:-1]
    return lines


def _imports(body: str) -> list[str]:
    lines = [f"use {path};" for name, path in sorted(ALLOC_NAMES.items(), key=lambda item: item[1])
             if re.search(rf"\b{name}\b", body)]
    runtime = [name for name in RUNTIME_NAMES
               if re.search(rf"\b{name}\b", body) or (name in TRAIT_METHODS and TRAIT_METHODS[name] in body)]
    if runtime:
        lines.append("use crate::dsf1::{" + ", ".join(sorted(runtime, key=_rustfmt_order)) + "};")
    return lines


def _rustfmt_order(name: str) -> tuple[int, str]:
    """rustfmt's order inside a use list: snake_case, then CamelCase, then CONSTANTS."""
    if name.isupper():
        return (2, name)
    return (1, name) if name[0].isupper() else (0, name)


def emit_rust_crate(schemas: list[ir.Schema]) -> dict[str, str]:
    """The files every crate of these model versions shares: runtime, errors, lib.rs, the driver."""
    env = _environment()
    modules = [{"stem": RustNames(s).module, "ident": s.ident, "model": s.model, "major": s.version.major,
                "minor": s.version.minor} for s in sorted(schemas, key=lambda s: (s.model, s.version.key))]
    runtime = resources.files("devstate.emit.rust").joinpath("dsf1.rs").read_text(encoding="utf-8")
    banner = f"// {_marker()}: the DSF v1 runtime, written by hand in src/devstate/emit/rust/dsf1.rs — do not edit.\n"
    codes = [{"variant": code_name(code.name), "number": int(code), "name": code.name,
              "description": DESCRIPTIONS[code]} for code in ErrorCode]
    return {
        "src/dsf1.rs": banner + runtime,
        "src/dsf1_errors.rs": env.get_template("dsf1_errors.rs.j2").render(marker=_marker(), codes=codes),
        "src/lib.rs": env.get_template("lib.rs.j2").render(marker=_marker(), modules=modules),
        "src/bin/dsf1_driver.rs": env.get_template("dsf1_driver.rs.j2").render(marker=_marker(), modules=modules),
    }
