"""Generated Rust names in words: locals named after the schema's fields and sections never clash.

A struct body decodes each field into a local of the field's own name (``let capacity = ...``),
and ``decode_state`` each section into a local of the section's name; a name the generated
function uses itself (``size``, ``blob``, ``ctx``, ``frame``, ``value0``, a ``dec_`` function)
gets a suffix instead (``size_field``, ``frame2``), so the module compiles and round-trips.
"""

from __future__ import annotations

from typing import Any

import pytest
from rust import codec, harness

from devstate.emit.generate import rust_files
from devstate.interp import encode
from devstate.schema import load_schema
from devstate.state import default_state, state_to_json

pytestmark = pytest.mark.needs("rust")

SCHEMA = """\
devstate: 1
model: org.devstate.tests.rust-names
version: "1.0"
title: names a generated Rust decoder uses itself
types:
  inner:
    kind: struct
    fields:
      - {name: size, type: u32}
      - {name: blob, type: {kind: bytes, max: 8}}
      - {name: text, type: {kind: string, max: 8}}
  slot:
    kind: struct
    fields:
      - {name: size, type: u16}
      - {name: i0, type: u8}
  clash:
    kind: struct
    fields:
      - {name: at, type: u8}
      - {name: end, type: u16}
      - {name: ctx, type: u8}
      - {name: len, type: u8}
      - {name: value0, type: u8}
      - {name: count0, type: u8}
      - {name: dec_inner, type: inner}
      - {name: type, type: u8}
      - {name: depth, type: {kind: array, of: slot, max: 3}}
sections:
  - {id: 1, name: frame, type: clash}
  - {id: 2, name: ctx, type: inner}
  - {id: 3, name: envelope, type: u8, optional: true}
  - {id: 4, name: blob, type: {kind: bytes, max: 16}}
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("rust-names") / "schema.yaml"
    path.write_text(SCHEMA, encoding="utf-8")
    schema = load_schema(path)
    files: dict[str, bytes | str] = dict(rust_files([schema]))
    files["Cargo.toml"] = (harness.CODEGEN / "Cargo.toml").read_bytes()
    crate = harness.stage("rust-names", files)
    harness.cargo_ok(crate, "build", "--offline", "--bin", "dsf1_driver")
    binary = crate.parent.parent / "target" / crate.name / "debug" / "dsf1_driver"
    running = codec.RustDriver(binary, schema.ident)
    yield schema, running
    running.close()


def _inner(size: int, blob: bytes, text: str) -> dict[str, Any]:
    return {"size": size, "blob": blob, "text": text}


def test_fields_and_sections_named_like_the_decoders_locals_round_trip(driver: Any) -> None:
    schema, running = driver
    state = default_state(schema)
    state["sections"]["frame"] = {
        "at": 1, "end": 515, "ctx": 3, "len": 4, "value0": 5, "count0": 6, "dec_inner": _inner(7, b"\x08", "nine"),
        "type": 10, "depth": [{"size": 11, "i0": 12}, {"size": 13, "i0": 14}]}
    state["sections"]["ctx"] = _inner(0xFFFFFFFF, b"\x00\x01", "ctx")
    state["sections"]["envelope"] = 200
    state["sections"]["blob"] = b"\xde\xad"
    blob = encode(schema, state)
    got = running.decode(blob)
    assert got["ok"], got
    assert got["state"] == state_to_json(state)
    assert bytes.fromhex(got["encoded"]) == blob
    assert got["size_ok"]


def test_the_generated_module_names_them_in_words(driver: Any) -> None:
    schema, _ = driver
    module = next(text for name, text in rust_files([schema]).items() if name.endswith("rust_names_v1_0.rs"))
    assert "let size_field = ld32(blob, at);" in module
    assert "Inner { size: size_field, blob: blob_field, text: text_field }" in module
    assert "Slot { size: size_field, i0: i0_field }" in module
    assert "let mut frame2 = None;" in module and "let mut ctx2 = None;" in module
    assert "fn read_envelope_section(ctx: &Ctx<'_>, frame: &Frame<'_>) -> Result<u8, DecodeError>" in module
    assert "Ok(State { frame: frame2, ctx: ctx2, envelope: envelope2, blob: blob2, unknown_sections })" in module
    assert "fn enc_inner(value: &Inner<'_>, writer: &mut Writer<'_>) -> Result<(), Fail>" in module
