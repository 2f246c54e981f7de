"""Generated Python against the reference codec: every conformance vector, and hypothesis states.

Each codec is a *leg*: a way to decode a blob to a plain state (or an error) and to encode a
plain state to bytes. Every leg must give the reference leg's answer: the same state JSON,
the same error code (and offset and path), the same bytes. Another language adds its leg
to ``LEGS`` (the C codec has its own, compiled, harness).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from codegen_python_support import codecs, runtime, schemas
from hypothesis import HealthCheck, given, settings

from devstate import interp, ir
from devstate.state import state_from_json, state_to_json
from devstate.wire.errors import DecodeError, EncodeError
from devstate.wire.limits import Limits
from tools.conformance import CONFORMANCE_DIR, load_manifest, resolve_schema
from tools.strategies import states

MANIFEST = load_manifest()


@dataclass(frozen=True)
class Leg:
    """One codec seen through plain states: decode → state or (code, number, offset, path)."""

    name: str
    decode: Callable[[ir.Schema, bytes, dict[str, int]], Any]
    encode: Callable[[ir.Schema, Any], bytes]


def _reference_decode(schema: ir.Schema, blob: bytes, limits: dict[str, int]) -> Any:
    try:
        return state_to_json(interp.decode(schema, blob, Limits(**limits)))
    except DecodeError as exc:
        return (exc.code, exc.number, exc.offset, exc.path)


def _python_decode(schema: ir.Schema, blob: bytes, limits: dict[str, int]) -> Any:
    module = codecs()[schema.ident]
    try:
        return state_to_json(module.to_state(module.decode(blob, runtime().Limits(**limits))))
    except module.DecodeError as exc:
        return (exc.code, exc.number, exc.offset, exc.path)


def _python_encode(schema: ir.Schema, state: Any) -> bytes:
    module = codecs()[schema.ident]
    return module.encode(module.from_state(state))  # type: ignore[no-any-return]


REFERENCE = Leg("reference", _reference_decode, interp.encode)
LEGS = [Leg("python", _python_decode, _python_encode)]


def expected(entry: dict[str, Any]) -> Any:
    if "error" in entry:
        error = entry["error"]
        return (error["code"], error["number"], error["offset"], error["path"])
    return json.loads((CONFORMANCE_DIR / entry["expected"]).read_text(encoding="utf-8"))


@pytest.mark.parametrize("leg", LEGS, ids=lambda leg: leg.name)
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["name"] for e in MANIFEST])
def test_conformance_vector(entry: dict[str, Any], leg: Leg) -> None:
    schema = schemas()[resolve_schema(entry["schema"]).ident]
    blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
    limits = entry.get("limits", {})
    assert leg.decode(schema, blob, limits) == expected(entry) == REFERENCE.decode(schema, blob, limits)


ERRORS = [e for e in MANIFEST if "error" in e]


@pytest.mark.parametrize("entry", ERRORS, ids=[e["name"] for e in ERRORS])
def test_conformance_error_message_is_the_references(entry: dict[str, Any]) -> None:
    """Generated Python words each refusal exactly as the reference codec does."""
    schema = schemas()[resolve_schema(entry["schema"]).ident]
    module = codecs()[schema.ident]
    blob = (CONFORMANCE_DIR / entry["blob"]).read_bytes()
    limits = entry.get("limits", {})
    with pytest.raises(DecodeError) as reference:
        interp.decode(schema, blob, Limits(**limits))
    with pytest.raises(module.DecodeError) as ours:
        module.decode(blob, runtime().Limits(**limits))
    assert ours.value.message == reference.value.message


VALID = [e for e in MANIFEST if "expected" in e]


@pytest.mark.parametrize("leg", LEGS, ids=lambda leg: leg.name)
@pytest.mark.parametrize("entry", VALID, ids=[e["name"] for e in VALID])
def test_encode_with_one_decode_with_the_other(entry: dict[str, Any], leg: Leg) -> None:
    """The decoded vector re-encoded by each codec gives the same (canonical) bytes; each decodes the other's."""
    schema = schemas()[resolve_schema(entry["schema"]).ident]
    state = state_from_json(expected(entry), schema)
    ours, theirs = leg.encode(schema, state), REFERENCE.encode(schema, state)
    assert ours == theirs
    assert leg.decode(schema, theirs, {}) == REFERENCE.decode(schema, ours, {}) == state_to_json(state)


@pytest.mark.parametrize("leg", LEGS, ids=lambda leg: leg.name)
@pytest.mark.parametrize("ident", sorted(schemas()))
def test_hypothesis_states_through_both(ident: str, leg: Leg) -> None:
    schema = schemas()[ident]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(states(schema, unknown=True))
    def check(state: dict[str, Any]) -> None:
        ours, theirs = leg.encode(schema, state), REFERENCE.encode(schema, state)
        assert ours == theirs
        assert leg.decode(schema, theirs, {}) == REFERENCE.decode(schema, ours, {}) == state_to_json(state)

    check()


@pytest.mark.parametrize("ident", sorted(schemas()))
def test_encode_into_and_typed_round_trip(ident: str) -> None:
    schema, module = schemas()[ident], codecs()[ident]

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(states(schema, unknown=True))
    def check(state: dict[str, Any]) -> None:
        typed = module.from_state(state)
        blob = interp.encode(schema, state)
        buffer = bytearray(len(blob) + 3)
        assert module.encode_into(typed, memoryview(buffer), 3) == len(blob) and buffer[3:] == blob
        assert module.decode(blob) == typed

    check()


def _reference_encode_error(schema: ir.Schema, state: Any) -> tuple[str, str, str] | None:
    try:
        interp.encode(schema, state)
    except EncodeError as exc:
        return (exc.code, exc.path, exc.message)
    return None


def _python_encode_error(schema: ir.Schema, state: Any) -> tuple[str, str, str] | None:
    module = codecs()[schema.ident]
    try:
        module.encode(module.from_state(state))
    except module.EncodeError as exc:
        return (exc.code, exc.path, exc.message)
    return None


def test_encode_errors_of_hand_made_states() -> None:
    """Shape errors the states strategy never draws: same code, path and message as the reference."""
    schema = schemas()["org.devstate.test@1.1"]
    module = codecs()[schema.ident]
    base = state_to_json(module.to_state(module.State()))
    cases: list[Callable[[dict[str, Any]], Any]] = [
        lambda s: s.update(extra=1), lambda s: s.pop("sections"), lambda s: s.update(model="org.other.model"),
        lambda s: s.update(version="1.0"), lambda s: s.update(sections=[]), lambda s: s["sections"].pop("main"),
        lambda s: s["sections"].update(nope=1), lambda s: s.update(unknown_sections={}),
        lambda s: s.update(unknown_sections=[{"id": 2, "flags": 1, "payload": b""}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 1, "payload": b"", "more": 1}]),
        lambda s: s.update(unknown_sections=[{"id": 0, "flags": 1, "payload": b""}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 2, "payload": b""}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 3, "vendor": "pci:0", "payload": b""}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 3, "vendor": None, "payload": b""}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 1, "payload": "00"}]),
        lambda s: s.update(unknown_sections=[{"id": 9, "flags": 1, "payload": b""}, {"id": 9, "flags": 1,
                                                                                       "payload": b"x"}]),
        lambda s: s["sections"]["main"].update(mode="nope"), lambda s: s["sections"]["main"].update(mode=1),
        lambda s: s["sections"]["main"].update(speed=70000), lambda s: s["sections"]["main"].update(speed=True),
        lambda s: s["sections"]["main"].update(count=9), lambda s: s["sections"]["main"].update(count=True),
        lambda s: s["sections"]["main"].update(enabled=1), lambda s: s["sections"]["main"].update(big=-1),
        lambda s: s["sections"]["main"].update(mac=[0] * 5), lambda s: s["sections"]["main"].update(mac=(0,) * 6),
        lambda s: s["sections"]["main"].update(name="x" * 33), lambda s: s["sections"]["main"].update(name="\ud800"),
        lambda s: s["sections"]["main"].update(blob=bytes(65)), lambda s: s["sections"]["main"].update(blob="00"),
        lambda s: s["sections"]["main"].update(key=bytes(3)), lambda s: s["sections"]["main"].update(levels=[1] * 5),
        lambda s: s["sections"]["main"].update(levels=[1001]), lambda s: s["sections"]["main"].pop("turbo"),
        lambda s: s["sections"]["main"].update(extra=1), lambda s: s["sections"]["main"]["nested"].update(x=101),
        lambda s: s["sections"].update(entries=[{"id": 1, "caps": ["delta"], "value": 0, "weight": 0}]),
        lambda s: s["sections"].update(entries=[{"id": 1, "caps": ["beta", "beta"], "value": 0, "weight": 0}]),
        lambda s: s["sections"].update(entries=[{"id": 1, "caps": "beta", "value": 0, "weight": 0}]),
        lambda s: s["sections"].update(entries=[{"id": 1, "caps": [], "value": 1000001, "weight": 0}]),
        lambda s: s["sections"].update(tags=["123456789"]), lambda s: s["sections"].update(tags="abc"),
        lambda s: s["sections"].update(counters=[1, 2, 3]),
        lambda s: s["sections"].update(extra={"pair": [], "words": []}),
        lambda s: s["sections"].update(extra={"pair": [{"id": 0, "caps": [], "value": 0, "weight": 0}] * 2,
                                             "words": [[1, 2, 3]]}),
        lambda s: s["vendor_sections"].update(acme_blob=bytes(33)),
        lambda s: s["vendor_sections"].update(acme_regs={"r0": 1}),
        lambda s: s["vendor_sections"].update(acme=b""),
    ]
    for index, change in enumerate(cases):
        state = state_from_json(json.loads(json.dumps(base)), schema)
        change(state)
        reference = _reference_encode_error(schema, state)
        assert reference is not None, index
        assert _python_encode_error(schema, state) == reference, (index, reference)
