"""One generated module per model version: classes, codec functions, the section table, the API."""

from __future__ import annotations

import io
import tokenize

from devstate import ir
from devstate.emit import banner_lines
from devstate.emit.python.classes import ClassEmitter, docstring
from devstate.emit.python.code import Code, wrapped
from devstate.emit.python.convert import ConvertEmitter
from devstate.emit.python.decode import Consts, DecodeEmitter
from devstate.emit.python.encode import EncodeEmitter
from devstate.emit.python.facts import Facts

PUBLIC_API = ["DEFAULT_LIMITS", "MODEL", "SCHEMA_SHA256", "VERSION", "DecodeError", "EncodeError", "Limits", "State",
              "UnknownSection", "VendorSections", "decode", "encode", "encode_into", "from_state", "to_state"]


def emit_module(schema: ir.Schema) -> str:
    """The source of the generated module for ``schema`` (deterministic)."""
    facts = Facts(schema)
    classes, functions, consts = Code(), Code(), Consts()
    class_emitter = ClassEmitter(facts, classes)
    class_emitter.emit()
    decoder = DecodeEmitter(facts, functions, consts)
    encoder = EncodeEmitter(facts, functions, consts)
    converter = ConvertEmitter(facts, functions)
    for name in class_emitter.struct_order():
        decoder.struct(name)
        encoder.struct(name)
        converter.struct(name)
    spec = Code()
    _sections(facts, decoder, encoder, converter, spec)
    body = classes.text() + _codec_banner(consts) + functions.text() + spec.text() + _api(schema)
    return double_quotes(_head(schema, facts, body) + body)


def double_quotes(source: str) -> str:
    """Single-quoted string literals (``repr`` output) as double-quoted ones where that is trivial."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    for token in reversed(tokens):
        text = token.string
        prefix = text[: len(text) - len(text.lstrip("rbfRBF"))]
        body = text[len(prefix) :]
        if token.type != tokenize.STRING or not body.startswith("'") or body.startswith("'" * 3):
            continue
        if '"' in body or "\\" in body or token.start[0] != token.end[0]:
            continue
        row, col = token.start[0] - 1, token.start[1]
        line = lines[row]
        lines[row] = line[:col] + prefix + '"' + body[1:-1] + '"' + line[col + len(text) :]
    return "".join(lines)


def _head(schema: ir.Schema, facts: Facts, body: str) -> str:
    code = Code()
    code(*(f"# {line}" for line in banner_lines(schema)))
    docstring(code, f"{schema.ident}: {schema.title} — a typed DSF codec generated from the schema (Python "
                    "standard library only). decode(buffer) -> State, encode(state) -> bytes, encode_into(state, "
                    "buffer, offset) -> int; to_state(state) and from_state(data) convert to and from devstate's "
                    "plain state dicts. Decoding checks every rule of spec/wire-format.md and raises DecodeError "
                    "(code, offset, path); encoding checks every constraint and raises EncodeError.")
    code.blank()
    code("from __future__ import annotations", "")
    modules = [module for module in ("itertools", "struct") if f"{module}." in body]
    code(*(f"import {module}" for module in modules))
    code("from dataclasses import dataclass, field")
    enums = [name for name in ("IntEnum", "IntFlag") if f"({name}):" in body]
    if enums:
        code(f"from enum import {', '.join(enums)}")
    code("from typing import Any", "")
    code("from . import _runtime as _rt")
    code("from ._runtime import DEFAULT_LIMITS, Buffer, DecodeError, EncodeError, Limits, Readable, UnknownSection",
         "")
    names = sorted({*PUBLIC_API, *facts.classes.values()}, key=_isort_key)
    wrapped(code, "__all__ = [", [repr(n) for n in names], "]")
    code.blank()
    code(f"MODEL = {schema.model!r}", f"VERSION = {str(schema.version)!r}", f"SCHEMA_SHA256 = {schema.sha256!r}")
    return code.text()


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's ``__all__`` order (RUF022): CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2), name


def _codec_banner(consts: Consts) -> str:
    code = Code()
    code.blank(2)
    code("# --- codec: precompiled formats, then decode/encode/check/convert per struct ----------------------", "")
    consts.emit(code)
    return code.text()


def _sections(facts: Facts, decoder: DecodeEmitter, encoder: EncodeEmitter, converter: ConvertEmitter,
              spec: Code) -> None:
    schema = facts.schema
    standard, vendor = [], []
    for section in sorted(schema.sections, key=lambda s: s.id):
        stems = _section_functions(facts, decoder, encoder, converter, "sec", section.name, section.type, None)
        attr = facts.section_attrs[section.name]
        standard.append(f"_rt.SectionSpec({section.id}, {section.name!r}, {attr!r}, {section.optional}, {stems})")
    for v in schema.vendor_sections:
        stems = _section_functions(facts, decoder, encoder, converter, "vsec", v.name, v.type, v.max)
        attr = facts.vendor_attrs[v.name]
        vendor.append(f"_rt.SectionSpec({v.id}, {v.name!r}, {attr!r}, {v.optional}, {stems}, {str(v.vendor)!r})")
    spec.blank(2)
    with spec.block("_SPEC: _rt.ModelSpec[State] = _rt.ModelSpec("):
        spec(f"MODEL, {schema.version.major}, {schema.version.minor}, State, VendorSections,")
        spec(f"({', '.join(standard)}{',' if len(standard) == 1 else ''}),")
        spec(f"({', '.join(vendor)}{',' if len(vendor) == 1 else ''}),")
    spec(")")


def _section_functions(facts: Facts, decoder: DecodeEmitter, encoder: EncodeEmitter, converter: ConvertEmitter,
                       kind: str, name: str, expr: ir.TypeExpr | None, maximum: int | None) -> str:
    """The section's decode, encode, to_state and from_state functions (emitting any needed)."""
    if isinstance(expr, ir.NamedRef) and expr.target_kind == "struct":
        key = facts.keys[expr.name]
        return f"_dec_{key}, _enc_{key}, _state_{key}, _from_{key}"
    stem = facts.stem(kind, name)
    if expr is None:
        assert maximum is not None
        decoder.opaque(f"_dec_{stem}", maximum)
        encoder.opaque(stem, maximum)
    else:
        decoder.section(f"_dec_{stem}", expr)
        encoder.section(stem, expr)
    converter.section(stem, expr, maximum)
    return f"_dec_{stem}, _enc_{stem}, _state_{stem}, _from_{stem}"


def _api(schema: ir.Schema) -> str:
    code = Code()
    functions = [
        ("decode(buffer: Readable, limits: Limits = DEFAULT_LIMITS) -> State",
         "Decode a blob (bytes, bytearray, memoryview or mmap); large bytes values are views into it.",
         "return _rt.decode(_SPEC, buffer, limits)"),
        ("encode(state: State) -> bytes",
         "The canonical blob of ``state``; every constraint is checked (EncodeError).",
         "return _rt.encode(_SPEC, state)"),
        ("encode_into(state: State, buffer: _rt.Writable, offset: int = 0) -> int",
         "Write the blob into ``buffer`` at ``offset``; returns its length.",
         "return _rt.encode_into(_SPEC, state, buffer, offset)"),
        ("to_state(state: State) -> dict[str, Any]",
         "The plain state dict of devstate.state (enum names, flag name lists, dicts per struct).",
         "return _rt.to_state(_SPEC, state)"),
        ("from_state(data: Any) -> State",
         "A typed State from a plain state dict, checked like devstate's reference encoder (EncodeError).",
         "return _rt.from_state(_SPEC, data)"),
    ]
    for signature, doc, body in functions:
        code.blank(2)
        with code.block(f"def {signature}:"):
            docstring(code, doc)
            code(body)
    return code.text()
