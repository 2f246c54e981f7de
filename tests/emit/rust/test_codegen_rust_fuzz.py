"""A bounded fuzz run of every generated Rust decoder (fuzz/rust_fuzz.py; the long run is 1,000,000 each).

Mutants of each model's conformance vectors go through the Rust driver built with overflow
checks: no panic, and every mutant that decodes round-trips (exact ``encoded_len()``, an
equal state, the same bytes). The driver must also reach the values: some mutants decode,
and many different error codes come back.
"""

from __future__ import annotations

import sys

import pytest
from paths import ROOT

sys.path.insert(0, str(ROOT / "fuzz"))
import rust_fuzz

pytestmark = pytest.mark.needs("rust")
SEEDS = rust_fuzz.seeds_by_model()
EXECUTIONS = 20_000


@pytest.mark.parametrize("ident", sorted(SEEDS))
def test_mutated_vectors_never_panic_and_round_trip(ident: str) -> None:
    report = rust_fuzz.campaign(ident, SEEDS[ident], EXECUTIONS, seed=17)
    assert report["executions"] == EXECUTIONS
    assert isinstance(report["accepted"], int) and report["accepted"] > 0
    refused = report["refused"]
    assert isinstance(refused, dict) and len(refused) >= 8, refused
