"""Every conformance vector through the generated C codec (built with ASan and UBSan).

The C decoder must give the manifest's expected state (as devstate JSON) or its error
(code number, offset, path), and agree with the reference codec on every vector; its
re-encoding of a decoded state must be the reference codec's canonical encoding, and so must
its encoding of the expected state built from lines (tests/support/state_lines.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from c import harness
from hypothesis import HealthCheck, given, settings
from state_lines import state_lines

from devstate.interp import decode, encode
from devstate.state import default_state, state_to_json
from devstate.wire.errors import DecodeError
from tools.conformance import CONFORMANCE_DIR, entry_limits, load_manifest, reseal, run_entry
from tools.strategies import states

pytestmark = pytest.mark.needs("c-compiler")
MANIFEST = load_manifest()


@pytest.fixture(scope="module", autouse=True)
def drivers() -> Iterator[None]:
    harness.prebuild([entry["schema"] for entry in MANIFEST])
    yield
    harness.close_drivers()


def _decode(entry: dict[str, Any]) -> dict[str, Any]:
    blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
    return harness.driver(entry["schema"]).decode(blob, entry_limits(entry))


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
    assert got["state"] == state_to_json(state)
    assert got["size_ok"], "encoded_size() differs from the bytes encode() wrote"
    assert bytes.fromhex(got["encoded"]) == encode(harness.schema_of(entry["schema"]), state)


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "error" not in e], ids=lambda e: e["name"])
def test_valid_vector_state_encodes_to_the_reference_blob(entry: dict[str, Any]) -> None:
    schema = harness.schema_of(entry["schema"])
    expected = json.loads((CONFORMANCE_DIR / entry["expected"]).read_text(encoding="utf-8"))
    got = harness.encoder(entry["schema"]).encode_lines(state_lines(schema, expected, "c"))
    state, _ = run_entry(entry)
    assert got["ok"] and got["size_ok"], got
    assert bytes.fromhex(got["encoded"]) == encode(schema, state)


@pytest.mark.parametrize("ref", sorted({e["schema"] for e in MANIFEST}))
def test_hypothesis_states_encode_as_the_reference_does(ref: str) -> None:
    """Drawn states (unknown sections too), built from lines, encode to the reference's bytes."""
    schema, encoder = harness.schema_of(ref), harness.encoder(ref)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    @given(states(schema, unknown=True))
    def check(state: dict[str, Any]) -> None:
        got = encoder.encode_lines(state_lines(schema, state_to_json(state), "c"))
        assert got["ok"] and got["size_ok"], got
        assert bytes.fromhex(got["encoded"]) == encode(schema, state)

    check()


# --- disagreements with the reference codec ----------------------------------------------------

LED = "schemas/org.example.led/1.0.yaml"


def _led_blob_with_model_id_ending_in_newline() -> bytes:
    schema = harness.schema_of(LED)
    blob = bytearray(encode(schema, default_state(schema)))
    blob[25 + blob[24] - 1] = 0x0A  # "org.example.led" -> "org.example.le\n"
    return reseal(bytes(blob))


def test_c_refuses_a_model_id_ending_in_newline() -> None:
    """spec/wire-format.md, "Header": a model id not matching the pattern is BAD_MODEL_ID at 25."""
    got = harness.driver(LED).decode(_led_blob_with_model_id_ending_in_newline())
    assert (got["name"], got["offset"], got["path"]) == ("BAD_MODEL_ID", 25, "$.header.model")


def test_reference_refuses_a_model_id_ending_in_newline() -> None:
    with pytest.raises(DecodeError) as info:
        decode(harness.schema_of(LED), _led_blob_with_model_id_ending_in_newline())
    assert (info.value.code, info.value.offset) == ("BAD_MODEL_ID", 25)
