"""The golden snippets of a feature case: what the feature's schema generates, cut from each module.

``snippet(lang, schema)`` generates the schema's module in ``lang`` and keeps only the
top-level definitions about the schema's own types and sections: the type definitions and
their decoders and encoders (not the banner, imports, the state container or the
envelope code every model shares), so a reviewer sees what the feature generates.
"""

from __future__ import annotations

import re

from devstate import ir
from devstate.emit import module_stem
from devstate.emit.c import CNames, emit_c
from devstate.emit.generate import emit_files, rust_files
from devstate.emit.python import PACKAGE

# the first line of a kept top-level definition (after its comments and decorators)
_PYTHON = re.compile(r"(class (?!State\b|VendorSections\b)\w+|_\w+_(VALUES|BITS|UNDECLARED_BITS|LAYOUT) = "
                     r"|def _(pack|encode)_\w+|def _decode_\w+_exact\(|def _decode_\w+(?<!_vendor)_section\()")
_C_HEADER = re.compile(r"(struct \w+ \{|enum \w+ \{)")
_C_SOURCE = re.compile(r"static int (decode|encode)_\w+\(")
_RUST = re.compile(r"(pub (struct|enum) (?!State\b)\w+|fn (dec|enc|value|write)_\w+)")


def blocks(text: str) -> list[str]:
    """Top-level definitions: a block starts at an unindented line after a blank line."""
    out: list[list[str]] = []
    previous_blank = True
    for line in text.splitlines():
        starts = previous_blank and line[:1] not in ("", " ", "\t", "}", ")", "]")
        if starts or not out:
            out.append([])
        out[-1].append(line)
        previous_blank = not line.strip()
    return ["\n".join(block).strip("\n") for block in out]


def _kept(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [block for block in blocks(text) if any(pattern.match(line) for line in block.splitlines()
                                                   if not line.startswith(("#", "//", "/*", " *", "@")))]


def _join(parts: list[str], blank_lines: int = 1) -> str:
    return ("\n" * (blank_lines + 1)).join(parts) + "\n"


def python_snippet(schema: ir.Schema) -> str:
    files = emit_files("python", [schema])
    return _join(_kept(files[f"{PACKAGE}/{module_stem(schema.model, schema.version)}.py"], _PYTHON), 2)


def c_snippet(schema: ir.Schema) -> str:
    files, prefix = emit_c(schema), CNames(schema).prefix
    header = [block for block in _kept(files[f"{prefix}.h"], _C_HEADER) if f"struct {prefix} {{" not in block]
    return _join([*header, *_kept(files[f"{prefix}.c"], _C_SOURCE)])


def rust_snippet(schema: ir.Schema) -> str:
    files = rust_files([schema])
    return _join(_kept(files[f"src/{module_stem(schema.model, schema.version)}.rs"], _RUST))


SNIPPETS = {"python": python_snippet, "c": c_snippet, "rust": rust_snippet}


def snippet(lang: str, schema: ir.Schema) -> str:
    return SNIPPETS[lang](schema)
