"""Hypothesis fuzzing of the Python decoders: only typed errors, and the two agree.

For every generated decoder, hypothesis draws a conformance vector of its schema (valid,
invalid or malicious), edits it (overwrite, insert, delete, cut, u32 edge values) or
draws raw bytes, prepares it like the fuzzers (fuzz/fuzzkit.py) and decodes it with the
generated Python codec and the reference codec. Each must accept it or raise its own
``DecodeError`` with a known code, an offset inside the input and a ``$`` path — never
another exception — and both must give the same answer. Bounded here; the coverage-guided
campaigns are fuzz/run_atheris.py (spec/security.md, "Fuzzing").
"""

from __future__ import annotations

import struct
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT

sys.path.insert(0, str(ROOT / "fuzz"))
import fuzzkit

REFS = fuzzkit.all_refs()
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
CODES = set(range(1, 34)) - {32}
EDGES = [0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0x4000_0001, 0xFFFF_FFFF]

edit = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 1 << 16), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 16), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 16), st.integers(1, 64)),
    st.tuples(st.just("u32"), st.integers(0, 1 << 16), st.sampled_from(EDGES)),
)


def _apply(blob: bytes, edits: list[tuple[str, int, int]], last: int) -> bytes:
    data = bytearray(blob)
    for kind, at, value in edits:
        at %= max(len(data), 1)
        if kind == "set" and data:
            data[at] = value
        elif kind == "insert":
            data[at:at] = bytes([value])
        elif kind == "delete":
            del data[at : at + value]
        elif kind == "u32":
            data[at : at + 4] = struct.pack("<I", value)
    if data:
        data[-1] = last
    return fuzzkit.prepare(bytes(data))


def inputs(ref: str) -> st.SearchStrategy[bytes]:
    mutated = st.builds(_apply, st.sampled_from(fuzzkit.seeds(ref)), st.lists(edit, max_size=6), st.integers(0, 255))
    return st.one_of(mutated, mutated, st.binary(max_size=96).map(fuzzkit.prepare))


def _typed(outcome: fuzzkit.Outcome, blob: bytes) -> None:
    if outcome[0] == "error":
        _, number, offset, path = outcome
        assert number in CODES and 0 <= offset <= len(blob) and path.startswith("$"), outcome


@pytest.mark.parametrize("ref", REFS)
def test_python_decoders_raise_only_typed_errors_and_agree(ref: str) -> None:
    schema, module = fuzzkit.schema_of(ref), fuzzkit.python_module(ref)

    @BOUNDED
    @given(inputs(ref))
    def check(blob: bytes) -> None:
        reference = fuzzkit.reference_outcome(schema, blob)
        _typed(reference, blob)
        assert fuzzkit.python_outcome(module, blob) == reference

    check()
