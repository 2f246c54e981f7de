"""The reference codec: round trips, canonical form, encode-side checks, hostile input."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT

from devstate import ir
from devstate.interp import Trace, decode, encode, encode_pieces
from devstate.schema import load_schema, schema_files
from devstate.state import default_state, state_from_json, state_to_json
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, EncodeError
from devstate.wire.limits import Limits
from tools.conformance import resolve_schema
from tools.malicious import HOSTILE, hostile_state
from tools.strategies import states

CONFORMANCE_SCHEMAS = ROOT / "spec" / "conformance" / "schemas"
TEST_10 = CONFORMANCE_SCHEMAS / "org.devstate.test" / "1.0.yaml"
TEST_11 = CONFORMANCE_SCHEMAS / "org.devstate.test" / "1.1.yaml"


def all_schema_paths() -> list[Path]:
    paths = sorted(CONFORMANCE_SCHEMAS.glob("*/*.yaml")) + [f.path for f in schema_files()]
    return [p for p in paths if not load_schema(p).is_library]


SCHEMA_PATHS = all_schema_paths()
SCHEMA_IDS = [f"{p.parent.name}@{p.stem}" for p in SCHEMA_PATHS]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def test10() -> ir.Schema:
    return load_schema(TEST_10)


def base_state(schema: ir.Schema) -> dict[str, Any]:
    state = default_state(schema)
    state["sections"]["main"].update(name="dsf", blob=b"\x01\x02", levels=[1, 2])
    state["sections"]["entries"] = [{"id": 1, "caps": ["alpha"], "value": 10}]
    return state


@pytest.mark.parametrize("path", SCHEMA_PATHS, ids=SCHEMA_IDS)
def test_round_trip_and_canonical(path: Path) -> None:
    schema = load_schema(path)

    @FAST
    @given(states(schema, unknown=True))
    def check(state: dict[str, Any]) -> None:
        blob = encode(schema, state)
        decoded = decode(schema, blob)
        assert decoded == state
        assert encode(schema, decoded) == blob
        assert state_from_json(state_to_json(decoded), schema) == decoded

    check()


@pytest.mark.parametrize("path", SCHEMA_PATHS, ids=SCHEMA_IDS)
def test_mutated_blobs_raise_only_decode_errors(path: Path) -> None:
    """Hostile input: random edits (re-sealed so that they reach the sections) never crash."""
    schema = load_schema(path)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(states(schema), st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=4),
           st.booleans(), st.sampled_from([16, 3, 2]))
    def check(state: dict[str, Any], edits: list[tuple[int, int]], fix: bool, depth: int) -> None:
        blob = bytearray(encode(schema, state))
        for position, value in edits:
            blob[position % len(blob)] = value
        if fix:
            blob[16:24] = struct.pack("<Q", len(blob))
            blob[-4:] = struct.pack("<I", crc32c(bytes(blob[:-4])))
        try:
            decode(schema, bytes(blob), Limits(max_depth=depth))
        except DecodeError as exc:
            assert exc.offset >= 0 and exc.path.startswith("$")

    check()


def test_default_state_is_valid_everywhere() -> None:
    for path in SCHEMA_PATHS:
        schema = load_schema(path)
        assert decode(schema, encode(schema, default_state(schema))) == default_state(schema)


def test_default_respects_min(test10: ir.Schema) -> None:
    assert default_state(test10)["sections"]["main"]["count"] == 1


def test_trace_records_offsets(test10: ir.Schema) -> None:
    trace = Trace()
    blob = encode(test10, base_state(test10))
    decode(test10, blob, trace=trace)
    offsets = {entry.path: (entry.offset, entry.end) for entry in trace.entries}
    assert offsets["$.sections.main"] == (50, 50 + 58)
    assert offsets["$.sections.main.mode"] == (50, 51)
    assert offsets["$.sections.entries[0].caps"][1] - offsets["$.sections.entries[0].caps"][0] == 2


def test_large_bytes_are_zero_copy(test10: ir.Schema) -> None:
    schema = load_schema(ROOT / "schemas" / "org.virtio.net" / "1.1.yaml")
    state = default_state(schema)
    state["vendor_sections"]["impl_private"] = bytes(range(256)) * 256
    blob = encode(schema, state)
    value = decode(schema, blob)["vendor_sections"]["impl_private"]
    assert isinstance(value, memoryview) and value.readonly and value == state["vendor_sections"]["impl_private"]


def test_encode_pieces_are_the_blob_with_its_large_values_not_copied() -> None:
    """The header, each section's frame and small values gathered, each value of 4096 bytes or
    more the state's own object, the trailer: joined, the blob ``encode`` returns."""
    schema = resolve_schema(HOSTILE)
    state = hostile_state(schema)
    region, firmware = bytes(range(256)) * 256, bytes(range(256)) * 16
    state["sections"]["region"]["data"] = region
    state["vendor_sections"]["firmware"] = firmware
    pieces = encode_pieces(schema, state)
    assert [len(piece) for piece in pieces] == [45, 8, 12, 65536, 8, 52, 8, 20, 8, 18, 4096, 4]
    assert pieces[3] is region and pieces[10] is firmware
    assert b"".join(pieces) == encode(schema, state)
    assert decode(schema, b"".join(pieces))["sections"]["region"]["data"] == region


def test_encode_pieces_keep_read_only_views_and_copy_what_its_owner_can_change() -> None:
    """A view of bytes (what decode returns for a large value) is kept, cast to bytes; a
    bytearray, a writable view and a read-only view of a bytearray are copied: changing them
    after encode_pieces does not change the blob (interp.nodes.stable_bytes)."""
    schema = resolve_schema(HOSTILE)
    state = hostile_state(schema)
    original = bytes(range(256)) * 256
    kept = memoryview(original).cast("I")
    state["sections"]["region"]["data"] = kept
    pieces = encode_pieces(schema, state)
    assert pieces[3].obj is original and pieces[3].format == "B" and len(pieces[3]) == 65536
    expected = b"".join(pieces)
    for changeable in (lambda b: b, memoryview, lambda b: memoryview(b).toreadonly()):
        owner = bytearray(original)
        state["sections"]["region"]["data"] = changeable(owner)
        pieces = encode_pieces(schema, state)
        owner[:4] = b"\xff" * 4
        assert isinstance(pieces[3], bytes) and b"".join(pieces) == expected


@pytest.mark.parametrize(("edit", "code", "path", "message"), [
    (lambda s: s["sections"]["main"].update(count=9), "OUT_OF_RANGE", "$.sections.main.count", "9 is outside 1..8"),
    (lambda s: s["sections"]["main"].update(signed=40000), "OUT_OF_RANGE", "$.sections.main.signed",
     "40000 is outside -32768..32767"),
    (lambda s: s["sections"]["main"].update(levels=[1, 1001]), "OUT_OF_RANGE", "$.sections.main.levels[1]",
     "1001 is outside 0..1000"),
    (lambda s: s["sections"]["main"].update(mode="fast"), "BAD_ENUM", "$.sections.main.mode",
     "'fast' is not a member of enum mode"),
    (lambda s: s["sections"]["main"].update(mode=1), "INVALID_STATE", "$.sections.main.mode",
     "expected a member name of enum mode, got int"),
    (lambda s: s["sections"]["entries"][0].update(caps=["delta"]), "BAD_FLAGS", "$.sections.entries[0].caps",
     "'delta' is not a bit of caps"),
    (lambda s: s["sections"]["entries"][0].update(caps=["alpha", "alpha"]), "INVALID_STATE",
     "$.sections.entries[0].caps", "a bit of caps is listed twice"),
    (lambda s: s["sections"]["main"].update(enabled=1), "INVALID_STATE", "$.sections.main.enabled",
     "expected a bool, got int"),
    (lambda s: s["sections"]["main"].update(big=True), "INVALID_STATE", "$.sections.main.big",
     "expected an integer (u64), got bool"),
    (lambda s: s["sections"]["main"].update(name="x" * 33), "LENGTH_OVER_MAX", "$.sections.main.name",
     "length 33 is over the declared max 32"),
    (lambda s: s["sections"]["main"].update(name="\udc80"), "BAD_UTF8", "$.sections.main.name",
     "string cannot be encoded as UTF-8: surrogates not allowed"),
    (lambda s: s["sections"]["main"].update(key=b"\x00"), "INVALID_STATE", "$.sections.main.key",
     "expected exactly 4 bytes, got 1"),
    (lambda s: s["sections"]["main"].update(mac=[0] * 5), "INVALID_STATE", "$.sections.main.mac",
     "expected exactly 6 elements, got 5"),
    (lambda s: s["sections"].update(entries=[s["sections"]["entries"][0]] * 9), "COUNT_OVER_MAX",
     "$.sections.entries", "9 elements are over the declared max 8"),
    (lambda s: s["sections"]["main"].pop("big"), "INVALID_STATE", "$.sections.main.big",
     "missing field 'big' of struct main_state"),
    (lambda s: s["sections"]["main"].update(extra=1), "INVALID_STATE", "$.sections.main.extra",
     "struct main_state has no field 'extra'"),
    (lambda s: s["sections"].pop("counters"), "MISSING_SECTION", "$.sections.counters",
     "required section 'counters' is missing"),
    (lambda s: s["sections"].update(bogus=1), "INVALID_STATE", "$.sections.bogus",
     "org.devstate.test@1.0 has no section 'bogus'"),
    (lambda s: s.update(version="1.1"), "INVALID_STATE", "$.version",
     "the state has version '1.1', the schema is org.devstate.test@1.0"),
    (lambda s: s["vendor_sections"].update(acme_blob=bytes(33)), "LENGTH_OVER_MAX", "$.vendor_sections.acme_blob",
     "opaque payload of 33 bytes is over the declared max 32"),
    (lambda s: s.update(unknown_sections=[{"id": 3, "flags": 1, "payload": b""}]), "INVALID_STATE",
     "$.unknown_sections[0]", "section id 3 is known to org.devstate.test@1.0"),
    (lambda s: s.update(unknown_sections=[{"id": 9, "flags": 3, "payload": b""}]), "INVALID_STATE",
     "$.unknown_sections[0].flags",
     "flags must use only OPTIONAL (1) and VENDOR (2), with VENDOR set exactly when vendor is given"),
])
def test_encode_errors(test10: ir.Schema, edit: Any, code: str, path: str, message: str) -> None:
    state = base_state(test10)
    edit(state)
    with pytest.raises(EncodeError) as caught:
        encode(test10, state)
    assert (caught.value.code, caught.value.path, caught.value.message) == (code, path, message)


def test_unknown_sections_are_kept_in_canonical_order(test10: ir.Schema) -> None:
    state = base_state(test10)
    state["unknown_sections"] = [
        {"id": 1, "flags": 3, "vendor": "uuid:00000000-0000-0000-0000-000000000001", "payload": b"u"},
        {"id": 4, "flags": 1, "payload": b"four"},
        {"id": 2, "flags": 3, "vendor": "pci:0x0001", "payload": b"p"},
    ]
    decoded = decode(test10, encode(test10, state))
    assert [(u["id"], u.get("vendor")) for u in decoded["unknown_sections"]] == [
        (4, None), (2, "pci:0x0001"), (1, "uuid:00000000-0000-0000-0000-000000000001")]
    assert encode(test10, decoded) == encode(test10, state)


def test_state_from_json_rejects_bad_hex(test10: ir.Schema) -> None:
    data = state_to_json(base_state(test10))
    data["sections"]["main"]["blob"] = "xyz"
    with pytest.raises(EncodeError, match=r"INVALID_STATE \(\$.sections.main.blob\): expected bytes as a hex string"):
        state_from_json(data, test10)
