"""Differential tests: generated C (ASan + UBSan), generated Rust, generated Python and the reference codec.

Every check is four-way: the C driver's answer, the Rust driver's (tests/support/rust/codec), the
generated Python module's (codegen/python, via tests/support/codegen_python_support.py) and the
reference codec's must be the same decision — the same state and canonical re-encoding, or
the same error code, offset and path.

- hypothesis states of every schema: the C and Rust decoders give the reference's state, and its
  re-encoding is the reference's (canonical) blob, byte for byte;
- version tolerance: states of one minor version read by a codec of another minor
  version of the same major (older reader: zero tails accepted, non-zero ones refused
  with NONZERO_TAIL at the same offset; newer reader: defaults filled in);
- mutated blobs (bytes changed, u32 fields set to edge values, cut short; re-sealed so
  the envelope passes): both codecs give the same error (code, offset, path) or the
  same state.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from c import harness
from codegen_python_support import codecs, runtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rust import codec as rust_codec

from devstate import ir
from devstate.interp import decode, encode
from devstate.schema import schema_files
from devstate.state import State, state_to_json
from devstate.wire.errors import DecodeError
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from tools.conformance import reseal
from tools.strategies import states

pytestmark = [pytest.mark.needs("c-compiler"), pytest.mark.needs("rust")]

CONFORMANCE = ["schemas/org.devstate.test/1.0.yaml", "schemas/org.devstate.test/1.1.yaml",
               "schemas/org.example.led/1.0.yaml"]
STANDARD = [f"{f.model}@{f.version}" for f in schema_files()]
REFS = [ref for ref in STANDARD + CONFORMANCE if not harness.schema_of(ref).is_library]
PAIRS = [(writer, reader) for writer in REFS for reader in REFS if writer != reader
         and harness.schema_of(writer).model == harness.schema_of(reader).model
         and harness.schema_of(writer).version.major == harness.schema_of(reader).version.major]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def drivers() -> Iterator[None]:
    harness.prebuild(REFS)
    rust_codec.executable()
    yield
    harness.close_drivers()
    rust_codec.close_drivers()


def reference(schema: ir.Schema, blob: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The reference codec's answer in the driver's response shape."""
    try:
        state = decode(schema, blob, limits)
    except DecodeError as exc:
        return {"ok": False, "code": exc.number, "offset": exc.offset, "path": exc.path}
    return {"ok": True, "state": state_to_json(state), "encoded": encode(schema, state).hex()}


def generated_python(schema: ir.Schema, blob: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The generated Python codec's answer in the driver's response shape."""
    module = codecs()[schema.ident]
    try:
        state = module.decode(blob, runtime().Limits(**limits.to_json()))
    except runtime().DecodeError as exc:
        return {"ok": False, "code": exc.number, "offset": exc.offset, "path": exc.path}
    plain = module.to_state(state)
    return {"ok": True, "state": state_to_json(plain), "encoded": module.encode(state).hex()}


def same_answer(ref: str, blob: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Decode ``blob`` with the C, Rust, generated Python and reference codecs of ``ref``; assert they agree."""
    schema = harness.schema_of(ref)
    expected = reference(schema, blob, limits)
    assert generated_python(schema, blob, limits) == expected, "the generated Python codec differs"
    answers = {"C": harness.driver(ref).decode(blob, limits), "Rust": rust_codec.driver(ref).decode(blob, limits)}
    for leg, got in answers.items():
        if expected["ok"]:
            assert got.get("ok"), f"{leg} refused a blob the reference accepts: {got}"
            assert got["state"] == expected["state"], f"{leg} decodes another state"
            assert got["encoded"] == expected["encoded"], f"the {leg} re-encoding differs from the reference"
            assert got["size_ok"], f"{leg}: the encoded size differs from the bytes written"
        else:
            assert {k: got.get(k) for k in ("ok", "code", "offset", "path")} == expected, f"{leg}: {blob.hex()}"
    return answers["C"]


@pytest.mark.parametrize("ref", REFS)
@SETTINGS
@given(data=st.data())
def test_states_decode_and_reencode_like_the_reference(ref: str, data: st.DataObject) -> None:
    schema = harness.schema_of(ref)
    state: State = data.draw(states(schema, unknown=True))
    blob = encode(schema, state)
    got = same_answer(ref, blob)
    assert bytes.fromhex(got["encoded"]) == blob
    module = codecs()[schema.ident]
    assert module.encode(module.from_state(state)) == blob, "generated Python encodes the state differently"


@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=[f"{w}->{r}" for w, r in PAIRS])
@SETTINGS
@given(data=st.data())
def test_other_minor_versions_like_the_reference(writer: str, reader: str, data: st.DataObject) -> None:
    schema = harness.schema_of(writer)
    blob = encode(schema, data.draw(states(schema, unknown=True)))
    same_answer(reader, blob)


EDGE_U32 = [0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF]


def mutate(blob: bytes, rng: random.Random) -> bytes:
    """One random change after the header's fixed part, then re-sealed (length and CRC)."""
    data = bytearray(blob)
    start = 25 + data[24]
    body = len(data) - 4
    if body <= start:
        return bytes(data)
    at = rng.randrange(start, body)
    kind = rng.randrange(5)
    if kind == 0:
        data[at] = rng.randrange(256)
    elif kind == 1:
        data[at] ^= 1 << rng.randrange(8)
    elif kind == 2 and body - at >= 4:
        data[at : at + 4] = struct.pack("<I", rng.choice([*EDGE_U32, len(data) - at, rng.randrange(1 << 32)]))
    elif kind == 3:
        del data[at:body]
    else:
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    return reseal(bytes(data))


@pytest.mark.parametrize("ref", REFS)
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_blobs_fail_or_pass_like_the_reference(ref: str, data: st.DataObject) -> None:
    schema = harness.schema_of(ref)
    blob = encode(schema, data.draw(states(schema, unknown=True, max_elements=3)))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for _ in range(25):
        same_answer(ref, mutate(blob, rng))


@pytest.mark.parametrize("ref", REFS)
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_reader_limits_like_the_reference(ref: str, data: st.DataObject) -> None:
    """max_depth 1..6, small max_region_size, max_total_size around the blob's size."""
    schema = harness.schema_of(ref)
    blob = encode(schema, data.draw(states(schema, unknown=True, max_elements=3)))
    limits = Limits(max_total_size=data.draw(st.integers(max(1, len(blob) - 2), len(blob) + 2)),
                    max_region_size=data.draw(st.integers(1, 80)), max_depth=data.draw(st.integers(1, 6)))
    same_answer(ref, blob, limits)
