"""One generated module per model version: classes, codec functions, the section table, the API.

The file's skeleton and static text (imports, constants, the public functions) are the
template ``templates/module.py.j2`` (Jinja2, StrictUndefined); the per-schema code is built
in Python by the emitters and handed to it as ``body``.
"""

from __future__ import annotations

import functools
import io
import textwrap
import tokenize

import jinja2

from devstate import ir
from devstate.emit import banner_lines
from devstate.emit.python.classes import DOC_WIDTH, ClassEmitter, docstring
from devstate.emit.python.code import Code, wrapped
from devstate.emit.python.convert import ConvertEmitter
from devstate.emit.python.decode import Consts, DecodeEmitter
from devstate.emit.python.encode import EncodeEmitter
from devstate.emit.python.facts import Facts

NAMING = ("Private names: each struct S (<library>__<name> when imported) has _decode_S, the fast decoder (one "
          "struct.Struct per run of fixed-size fields), and _decode_S_exact, the field-by-field decoder it hands "
          "anything unusual to, which reports the exact error position; _encode_S (and _pack_S, the bytes of a "
          "fixed-size S); _check_S, the exact checker that says why an encode was refused; _to_state_S and "
          "_from_state_S. A section whose type is not a struct has the same functions for S = <section>_section. "
          "Decoders take (blob, start, end, depth_left, region_limit) and read at offset; other locals are named "
          "after the fields they hold.")
"""The naming scheme of the generated code, the second paragraph of each module's docstring."""

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
    body = classes.text() + _codec_banner(consts) + functions.text() + spec.text()
    return double_quotes(_template().render(_head(schema, facts, body), body=body.rstrip("\n") + "\n"))


@functools.cache
def _template() -> jinja2.Template:
    loader = jinja2.PackageLoader(__name__, "templates")
    environment = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return environment.get_template("module.py.j2")


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


def _head(schema: ir.Schema, facts: Facts, body: str) -> dict[str, object]:
    """The template's values for the module's head: banner, docstring, imports, ``__all__``, constants."""
    summary = (f"{schema.ident}: {schema.title} — a typed DSF codec generated from the schema (Python standard "
               "library only). decode(buffer) -> State, encode(state) -> bytes, encode_into(state, buffer, offset) "
               "-> int; to_state(state) and from_state(data) convert to and from devstate's plain state dicts. "
               "Decoding checks every rule of spec/wire-format.md and raises DecodeError (code, offset, path); "
               "encoding checks every constraint and raises EncodeError.")
    doc = Code()
    docstring(doc, summary)
    wrap = functools.partial(textwrap.wrap, width=DOC_WIDTH, break_long_words=False, break_on_hyphens=False)
    doc.lines[-1:] = ["", *wrap(NAMING), '"""']
    names = Code()
    public = sorted({*PUBLIC_API, *facts.classes.values()}, key=_isort_key)
    wrapped(names, "__all__ = [", [repr(n) for n in public], "]")
    return {
        "banner": banner_lines(schema),
        "docstring": doc.text().rstrip("\n"),
        "imports": [module for module in ("itertools", "struct") if f"{module}." in body],
        "enums": [name for name in ("IntEnum", "IntFlag") if f"({name}):" in body],
        "all_names": names.text().rstrip("\n"),
        "model": repr(schema.model), "version": repr(str(schema.version)), "sha256": repr(schema.sha256),
    }


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
        attr = facts.section_attrs[section.name]
        stems = _section_functions(facts, decoder, encoder, converter, ("section", section.name), attr, section.type,
                                   None)
        standard.append(f"_rt.SectionSpec({section.id}, {section.name!r}, {attr!r}, {section.optional}, {stems})")
    for v in schema.vendor_sections:
        attr = facts.vendor_attrs[v.name]
        stems = _section_functions(facts, decoder, encoder, converter, ("vendor", v.name), attr, v.type, v.max)
        vendor.append(f"_rt.SectionSpec({v.id}, {v.name!r}, {attr!r}, {v.optional}, {stems}, {str(v.vendor)!r})")
    spec.blank(2)
    with spec.block("_SPEC: _rt.ModelSpec[State] = _rt.ModelSpec("):
        spec(f"MODEL, {schema.version.major}, {schema.version.minor}, State, VendorSections,")
        spec(f"({', '.join(standard)}{',' if len(standard) == 1 else ''}),")
        spec(f"({', '.join(vendor)}{',' if len(vendor) == 1 else ''}),")
    spec(")")


def _section_functions(facts: Facts, decoder: DecodeEmitter, encoder: EncodeEmitter, converter: ConvertEmitter,
                       key: tuple[str, str], attr: str, expr: ir.TypeExpr | None, maximum: int | None) -> str:
    """The section's decode, encode, to_state and from_state functions (emitting any needed)."""
    if expr is not None and facts.is_struct(expr):
        assert isinstance(expr, ir.NamedRef)
        functions = facts.struct_functions(expr.name)
    else:
        functions = facts.section_functions[key]
        if expr is None:
            assert maximum is not None
            decoder.opaque(functions.decode, maximum)
            encoder.opaque(key, attr, maximum)
        else:
            decoder.section(functions.decode, attr, expr)
            encoder.section(key, attr, expr)
        converter.section(key, attr, expr, maximum)
    return f"{functions.decode}, {functions.encode}, {functions.to_state}, {functions.from_state}"
