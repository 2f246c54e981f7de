"""Differential fuzzing in the default suite: reference, generated Python, C and Rust agree.

A bounded, deterministic slice of fuzz/differential.py: for every generated decoder, its
conformance vectors and 250 fuzzed inputs (mutated vectors, random blobs with the schema's
header, random bytes; fuzz/fuzzkit.py) go through the four decoders, which must give the
same decision — the same state and canonical re-encoding, or the same error code, offset
and path. The C decoder runs under ASan and UBSan, the Rust one with overflow checks (a
panic kills its driver and fails the test). Longer: ``fuzz/differential.py --all``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator

import pytest
from c import harness
from paths import ROOT
from rust import codec

sys.path.insert(0, str(ROOT / "fuzz"))
import fuzzkit
from differential import campaign

REFS = fuzzkit.all_refs()
INPUTS = 250
pytestmark = [pytest.mark.needs("c-compiler"), pytest.mark.needs("rust")]


@pytest.fixture(scope="module", autouse=True)
def drivers() -> Iterator[None]:
    harness.prebuild(REFS)
    codec.executable()
    yield
    harness.close_drivers()
    codec.close_drivers()


@pytest.mark.parametrize("ref", REFS)
def test_fuzzed_inputs_get_the_same_decision_from_all_four(ref: str) -> None:
    seeds = len(fuzzkit.seeds(ref))
    counts = campaign(ref, random.Random(f"default-suite/{ref}"), seeds + INPUTS, None)
    assert counts["inputs"] == seeds + INPUTS
    assert counts["accepted"] > 0, "no fuzzed input decoded: the mutators stopped reaching the values"
    assert len([key for key in counts if key.startswith("error:")]) >= 8


def test_a_disagreement_is_reported_with_the_blob() -> None:
    legs = fuzzkit.FourWay("org.virtio.net@1.1", with_c=False, with_rust=False)
    legs.module = fuzzkit.python_module("org.virtio.net@1.0")  # a 1.0 codec where a 1.1 one is expected
    blob = fuzzkit.seeds("org.virtio.net@1.1")[0]
    with pytest.raises(fuzzkit.Disagreement, match="python codec differs") as caught:
        legs.check(blob)
    assert caught.value.blob == blob


def test_prepare_matches_the_libfuzzer_target() -> None:
    """fuzzkit.prepare and tests/support/c/fuzz_decode.c choose from the last byte alike (documented in both)."""
    blob = bytearray(fuzzkit.seeds("schemas/org.example.led/1.0.yaml")[0])
    resealed = fuzzkit.prepare(bytes(blob[:-1]) + b"\x00" + bytes(8))
    assert resealed[16:24] == len(resealed).to_bytes(8, "little")
    kept = fuzzkit.prepare(bytes(blob[:-1]) + b"\x07")
    assert kept[-4:] == bytes(blob[-4:-1]) + b"\x07" and kept[16:24] == blob[16:24]
    assert fuzzkit.prepare(b"short") == b"short"
