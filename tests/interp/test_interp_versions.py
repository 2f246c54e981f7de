"""Version tolerance between minor versions (spec/wire-format.md, "Struct bodies")."""

from __future__ import annotations

from typing import Any

import paths
import pytest

from devstate import ir
from devstate.interp import decode, encode
from devstate.schema import load_schema
from devstate.state import default_state
from devstate.wire.errors import DecodeError

SCHEMAS = paths.SPEC / "conformance" / "schemas" / "org.devstate.test"


@pytest.fixture(scope="module")
def v10() -> ir.Schema:
    return load_schema(SCHEMAS / "1.0.yaml")


@pytest.fixture(scope="module")
def v11() -> ir.Schema:
    return load_schema(SCHEMAS / "1.1.yaml")


def state11(schema: ir.Schema, **main: Any) -> dict[str, Any]:
    state = default_state(schema)
    state["sections"]["main"].update(main)
    state["sections"]["entries"] = [{"id": 7, "caps": ["beta"], "value": 3, "weight": 0}]
    return state


def test_older_reader_accepts_zero_tails(v10: ir.Schema, v11: ir.Schema) -> None:
    decoded = decode(v10, encode(v11, state11(v11)))
    assert decoded["version"] == "1.0"
    assert decoded["sections"]["entries"] == [{"id": 7, "caps": ["beta"], "value": 3}]
    assert "turbo" not in decoded["sections"]["main"]


def test_older_reader_keeps_newer_optional_sections(v10: ir.Schema, v11: ir.Schema) -> None:
    state = state11(v11)
    state["sections"]["stats"] = [1, 2]
    decoded = decode(v10, encode(v11, state))
    assert decoded["unknown_sections"] == [{"id": 6, "flags": 1, "payload": bytes([1] + 7 * [0] + [2] + 7 * [0])}]


def test_older_reader_refuses_nonzero_tail(v10: ir.Schema, v11: ir.Schema) -> None:
    blob = encode(v11, state11(v11, note="x"))
    with pytest.raises(DecodeError) as caught:
        decode(v10, blob)
    error = caught.value
    assert (error.code, error.path) == ("NONZERO_TAIL", "$.sections.main")
    assert str(error).endswith(
        "non-zero data in the 6-byte tail after the last field of main_state known to org.devstate.test@1.0; "
        "the blob was written with version 1.1, which a reader of that version or later understands")
    assert blob[error.offset] == 1 and not any(blob[error.offset - 1 : error.offset])


def test_older_reader_refuses_nonzero_stride_tail(v10: ir.Schema, v11: ir.Schema) -> None:
    state = state11(v11)
    state["sections"]["entries"][0]["weight"] = 0x0200
    with pytest.raises(DecodeError) as caught:
        decode(v10, encode(v11, state))
    assert (caught.value.code, caught.value.path) == ("NONZERO_TAIL", "$.sections.entries[0]")


def test_newer_reader_fills_defaults(v10: ir.Schema, v11: ir.Schema) -> None:
    state = default_state(v10)
    state["sections"]["entries"] = [{"id": 7, "caps": [], "value": 3}]
    decoded = decode(v11, encode(v10, state))
    assert decoded["version"] == "1.1"
    assert decoded["sections"]["entries"] == [{"id": 7, "caps": [], "value": 3, "weight": 0}]
    assert (decoded["sections"]["main"]["turbo"], decoded["sections"]["main"]["note"]) == (False, "")
    assert decoded == {**default_state(v11), "sections": {**default_state(v11)["sections"],
                                                          "entries": decoded["sections"]["entries"]}}


def test_model_and_major_must_match(v10: ir.Schema) -> None:
    net = load_schema(paths.SCHEMAS / "org.virtio.net" / "2.0.yaml")
    old = load_schema(paths.SCHEMAS / "org.virtio.net" / "1.1.yaml")
    with pytest.raises(DecodeError, match=r"^MODEL_MISMATCH at offset 25 \(\$.header.model\): the blob holds "
                                          r"org.devstate.test state; the reader's schema is org.virtio.net@2.0$"):
        decode(net, encode(v10, default_state(v10)))
    with pytest.raises(DecodeError, match=r"^MAJOR_MISMATCH at offset 12 \(\$.header.major\): the blob was written "
                                          r"with org.virtio.net@1.1; a org.virtio.net@2.0 reader reads major "
                                          r"version 2 only$"):
        decode(net, encode(old, default_state(old)))
