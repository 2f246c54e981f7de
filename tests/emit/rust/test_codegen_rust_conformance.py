"""Every conformance vector through the generated Rust codec (its test driver, dev profile).

The Rust decoder must give the manifest's expected state (as devstate JSON) or its error
(code number, name, offset, path), like the reference codec on every vector; its
re-encoding of a decoded state must be the reference codec's canonical encoding, and so must
its encoding of the expected state built from lines (tests/support/state_lines.py);
``encoded_len()`` must be exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from rust import codec
from state_lines import state_lines

from devstate.interp import encode
from devstate.state import state_to_json
from tools.conformance import CONFORMANCE_DIR, entry_limits, load_manifest, run_entry
from tools.strategies import states

pytestmark = pytest.mark.needs("rust")
MANIFEST = load_manifest()


@pytest.fixture(scope="module", autouse=True)
def drivers() -> Iterator[None]:
    codec.executable()
    yield
    codec.close_drivers()


def _decode(entry: dict[str, Any]) -> dict[str, Any]:
    blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
    return codec.driver(entry["schema"]).decode(blob, entry_limits(entry))


def test_the_manifest_has_valid_invalid_and_malicious_vectors() -> None:
    names = [entry["name"] for entry in MANIFEST]
    assert all(name.startswith(("valid-", "invalid-")) for name in names)
    assert sum("-malicious-" in name for name in names) >= 40


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "error" in e], ids=lambda e: e["name"])
def test_invalid_vector_gives_the_manifest_error(entry: dict[str, Any]) -> None:
    got = _decode(entry)
    expected = entry["error"]
    assert not got["ok"], got
    assert (got["name"], got["code"], got["offset"], got["path"]) == (
        expected["code"], expected["number"], expected["offset"], expected["path"])
    _, reference = run_entry(entry)
    assert reference is not None
    assert (reference.number, reference.offset, reference.path) == (got["code"], got["offset"], got["path"])


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "error" not in e], ids=lambda e: e["name"])
def test_valid_vector_gives_the_manifest_state(entry: dict[str, Any]) -> None:
    got = _decode(entry)
    assert got["ok"], got
    expected = json.loads((CONFORMANCE_DIR / entry["expected"]).read_text(encoding="utf-8"))
    assert got["state"] == expected
    state, error = run_entry(entry)
    assert error is None and state is not None
    assert got["size_ok"], "encoded_len() differs from the bytes encode_into() wrote"
    assert bytes.fromhex(got["encoded"]) == encode(codec.schemas()[codec.ident_of(entry["schema"])], state)


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "error" not in e], ids=lambda e: e["name"])
def test_valid_vector_state_encodes_to_the_reference_blob(entry: dict[str, Any]) -> None:
    schema = codec.schemas()[codec.ident_of(entry["schema"])]
    expected = json.loads((CONFORMANCE_DIR / entry["expected"]).read_text(encoding="utf-8"))
    got = codec.encoder(entry["schema"]).encode_lines(state_lines(schema, expected, "rust"))
    state, _ = run_entry(entry)
    assert got["ok"] and got["size_ok"], got
    assert bytes.fromhex(got["encoded"]) == encode(schema, state)

@pytest.mark.parametrize("ref", sorted({e["schema"] for e in MANIFEST}))
def test_hypothesis_states_encode_as_the_reference_does(ref: str) -> None:
    """Drawn states (unknown sections too), built from lines, encode to the reference's bytes."""
    schema, encoder = codec.schemas()[codec.ident_of(ref)], codec.encoder(ref)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    @given(states(schema, unknown=True))
    def check(state: dict[str, Any]) -> None:
        got = encoder.encode_lines(state_lines(schema, state_to_json(state), "rust"))
        assert got["ok"] and got["size_ok"], got
        assert bytes.fromhex(got["encoded"]) == encode(schema, state)

    check()
