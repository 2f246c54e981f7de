"""The NVMe controller-state bridge: published-layout vectors, round trips, sizes, sequences, errors."""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import paths
import pytest
from paths import SCHEMAS

from devstate.bridges import BridgeDecodeError, BridgeExportError, LossyExportError
from devstate.bridges.nvme import (
    LAYOUTS,
    SeqInd,
    check_sequence,
    describe_state,
    export_state,
    import_state,
    join_transfers,
    parse_state,
    split_transfers,
)
from devstate.bridges.nvme import presence as nvme_presence
from devstate.errors import UsageError
from devstate.interp import decode, encode
from devstate.schema import load_schema
from devstate.state import default_state, state_to_json

DATA = paths.DATA / "bridges"
sys.path.insert(0, str(DATA))
import make_vectors as vectors  # noqa: E402

NVME = {v: load_schema(SCHEMAS / "org.nvmexpress.ctrl" / f"{v}.yaml") for v in ("1.0", "1.1")}
STATE = (DATA / "nvme-ctrl-state.bin").read_bytes()
RFC = (DATA / "nvme-ctrl-state-rfc2025.bin").read_bytes()
UUID = vectors.VENDOR_UUID


@pytest.mark.parametrize("name", ["nvme-ctrl-state.bin", "nvme-ctrl-state-rfc2025.bin"])
def test_vectors_are_what_the_layout_tables_build(name: str) -> None:
    assert (DATA / name).read_bytes() == vectors.VECTORS[name]()


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize(("data", "layout"), [(STATE, "libnvme"), (RFC, "rfc-2025")], ids=["libnvme", "rfc-2025"])
def test_state_to_dsf_and_back_is_byte_exact(version: str, data: bytes, layout: str) -> None:
    schema = NVME[version]
    imported = import_state(schema, data, layout=layout, vendor_uuid=UUID)
    assert imported.report.losses == []
    dsf = encode(schema, imported.state)
    exported = export_state(schema, decode(schema, dsf), layout=layout)
    assert exported.data == data
    assert exported.vendor_uuid == UUID


def test_imported_queues_follow_the_published_layout() -> None:
    sections = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state["sections"]
    sqs, cqs = sections["io_sqs"], sections["io_cqs"]
    assert len(sqs) == len(vectors.SQS) and len(cqs) == len(vectors.CQS)
    prp1, qsize, qid, cqid, attrs, head, tail = vectors.SQS[3]
    assert sqs[3] == {"sqid": qid, "cqid": cqid, "base": prp1, "size": qsize + 1, "head": head, "tail": tail,
                      "priority": ["urgent", "high", "medium", "low"][attrs >> 1 & 3], "contiguous": bool(attrs & 1)}
    prp1, qsize, qid, head, tail, attrs = vectors.CQS[2]
    assert cqs[2] == {"cqid": qid, "base": prp1, "size": qsize + 1, "head": head, "tail": tail,
                      "phase": False,  # S0PT 1 with the tail wrapped to 0: the next pass writes phase 0
                      "interrupt_vector": attrs >> 16, "interrupts_enabled": True, "contiguous": True}
    assert cqs[0]["phase"] is True and cqs[1]["phase"] is True and cqs[3]["phase"] is False


def test_vendor_state_travels_as_an_optional_vendor_section_keyed_by_its_uuid() -> None:
    state = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state
    assert state["unknown_sections"] == [{"id": 1, "flags": 3, "vendor": f"uuid:{UUID}", "payload": vectors.VENDOR},
                                         {"id": 1, "flags": 3, "vendor": f"uuid:{nvme_presence.NAMESPACE}",
                                          "payload": STATE[:48]}]
    dsf = encode(NVME["1.1"], state)
    assert decode(NVME["1.1"], dsf)["unknown_sections"][0]["payload"] == vectors.VENDOR


def test_vendor_state_needs_its_format_uuid() -> None:
    with pytest.raises(UsageError, match="format UUID"):
        import_state(NVME["1.1"], STATE)


def test_reports_list_both_sides() -> None:
    report = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).report
    schema_only = {u.where for u in report.schema_only}
    assert {"registers.cc", "admin_queues.sq_head", "inflight[].sqe"} <= schema_only
    assert "io_sqs[].head" not in schema_only
    assert {u.where for u in report.standard_only} == {"header VER", "header CSATTR", "NVMe-defined state VER"}


def test_csattr_survives_through_the_bridge_record() -> None:
    data = bytearray(STATE)
    data[2] = 0  # not suspended for the whole Migration Receive
    imported = import_state(NVME["1.1"], bytes(data), vendor_uuid=UUID)
    assert imported.report.losses == []
    state = decode(NVME["1.1"], encode(NVME["1.1"], imported.state))
    assert export_state(NVME["1.1"], state, vendor_uuid=UUID).data == bytes(data)
    state["unknown_sections"] = [e for e in state["unknown_sections"] if e["vendor"] == f"uuid:{UUID}"]
    assert export_state(NVME["1.1"], state).data == STATE  # without the record: CSATTR 1


def test_export_refuses_to_lose_registers() -> None:
    state = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state
    state["sections"]["registers"]["cc"] = 0x460001
    with pytest.raises(LossyExportError) as caught:
        export_state(NVME["1.1"], state)
    assert [loss.where for loss in caught.value.losses] == ["registers.cc"]
    assert export_state(NVME["1.1"], state, allow_lossy=True).data == STATE


def test_two_vendor_states_need_a_choice() -> None:
    state = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state
    other = "11111111-2222-4333-8444-555555555555"
    state["unknown_sections"].append({"id": 1, "flags": 3, "vendor": f"uuid:{other}", "payload": b"abcd"})
    with pytest.raises(BridgeExportError) as caught:
        export_state(NVME["1.1"], state)
    assert caught.value.code == "CANNOT_EXPORT"
    with pytest.raises(LossyExportError):
        export_state(NVME["1.1"], state, vendor_uuid=UUID)
    chosen = export_state(NVME["1.1"], state, vendor_uuid=other, allow_lossy=True)
    assert chosen.data.endswith(b"abcd") and chosen.vendor_uuid == other


def test_queue_size_that_does_not_fit_is_a_loss() -> None:
    state = default_state(NVME["1.1"])
    state["sections"]["io_cqs"] = [{"cqid": 1, "base": 0, "size": 65536, "head": 0, "tail": 0, "phase": True,
                                    "interrupt_vector": 70000 % 65536, "interrupts_enabled": True,
                                    "contiguous": True}]
    exported = export_state(NVME["1.1"], state)  # 65536 entries is QSIZE 0xffff: fits
    assert parse_state(exported.data, LAYOUTS["libnvme"]).cqs[0]["QSIZE"] == 0xFFFF


def test_no_nvme_defined_state() -> None:
    header = struct.pack("<HB13x", 0, 1) + bytes(32)
    result = import_state(NVME["1.1"], header)
    assert result.state["sections"]["io_sqs"] == [] and any("NVMECSS is 0" in n for n in result.report.notes)


def test_receive_buffer_padding_is_ignored_but_other_trailing_bytes_are_not() -> None:
    padded = import_state(NVME["1.1"], STATE + bytes(4096 - len(STATE)), vendor_uuid=UUID)
    assert any("padding" in note for note in padded.report.notes)
    with pytest.raises(BridgeDecodeError) as caught:
        import_state(NVME["1.1"], STATE + b"\0\0\x01\0", vendor_uuid=UUID)
    assert (caught.value.code, caught.value.offset) == ("TRAILING_DATA", len(STATE) + 2)


# --- malformed -------------------------------------------------------------------------------------------


def _error(data: bytes, layout: str = "libnvme") -> BridgeDecodeError:
    with pytest.raises(BridgeDecodeError) as caught:
        import_state(NVME["1.1"], data, layout=layout, vendor_uuid=UUID)
    return caught.value


def test_nvmecss_larger_than_the_buffer() -> None:
    data = bytearray(STATE)
    data[16:32] = (10_000).to_bytes(16, "little")
    error = _error(bytes(data))
    assert (error.code, error.offset, error.part) == ("SIZE_MISMATCH", 16, "NVMECSS")
    assert "10000 dwords" in error.message


def test_huge_128_bit_sizes_are_refused_without_allocating() -> None:
    data = bytearray(STATE)
    data[32:48] = (2 ** 127).to_bytes(16, "little")
    assert _error(bytes(data)).part == "VSS"


def test_vss_larger_than_what_follows_in_the_rfc_layout() -> None:
    data = bytearray(RFC)
    data[18:20] = struct.pack("<H", 1000)
    error = _error(bytes(data), "rfc-2025")
    assert (error.code, error.offset, error.part) == ("SIZE_MISMATCH", 18, "VSS")


def test_queue_counts_past_nvmecss() -> None:
    data = bytearray(STATE)
    data[48 + 2 : 48 + 4] = struct.pack("<H", 50)
    error = _error(bytes(data))
    assert (error.code, error.offset, error.part) == ("SIZE_MISMATCH", 16, "NVMECSS")


@pytest.mark.parametrize(("at", "part"), [(5, "controller state header"), (48 + 6, "NVMe-defined state header"),
                                          (48 + 8 + 20, "IOSQ[0]"), (48 + 8 + 24 * 4 + 20, "IOCQ[0]")])
def test_reserved_bytes_must_be_zero(at: int, part: str) -> None:
    data = bytearray(STATE)
    data[at] = 1
    error = _error(bytes(data))
    assert (error.code, error.part, error.offset) == ("RESERVED_NOT_ZERO", part, at)


def test_truncated_header() -> None:
    assert _error(STATE[:40]).code == "TRUNCATED"


def test_value_the_schema_cannot_hold_names_the_entry() -> None:
    data = bytearray(STATE)
    sq0 = 48 + 8
    data[sq0 + 10 : sq0 + 12] = struct.pack("<H", 0)  # QID 0 is the admin queue
    error = _error(bytes(data))
    assert (error.code, error.part, error.offset) == ("INVALID_QUEUE_ID", "IOSQ[0]", sq0 + 10)


# --- transfers ---------------------------------------------------------------------------------------------


def test_split_and_join_transfers() -> None:
    assert len(STATE) == 280
    transfers = split_transfers(STATE, 128)
    assert [t.seqind for t in transfers] == [SeqInd.FIRST, SeqInd.MIDDLE, SeqInd.LAST]
    assert [t.offset for t in transfers] == [0, 128, 256]
    assert join_transfers([t.data for t in transfers]) == STATE
    assert transfers[0].cdw10(LAYOUTS["libnvme"]) == 0x0001_0002  # SEQIND first, select Set Controller State
    assert transfers[-1].cdw10(LAYOUTS["rfc-2025"]) == 0x0002_0003
    assert transfers[1].numd == 32
    check_sequence([t.seqind for t in transfers])
    (entire,) = split_transfers(STATE, 4096)
    assert entire.seqind is SeqInd.ENTIRE


@pytest.mark.parametrize("seqinds", [[], [SeqInd.FIRST], [SeqInd.MIDDLE, SeqInd.LAST],
                                     [SeqInd.FIRST, SeqInd.ENTIRE, SeqInd.LAST], [SeqInd.ENTIRE, SeqInd.ENTIRE]])
def test_bad_sequences(seqinds: list[SeqInd]) -> None:
    with pytest.raises(BridgeDecodeError) as caught:
        check_sequence(seqinds)
    assert caught.value.code == "BAD_SEQUENCE"


def test_join_refuses_unaligned_or_empty_transfers() -> None:
    with pytest.raises(BridgeDecodeError, match="whole number of dwords"):
        join_transfers([STATE[:10], STATE[10:]])
    with pytest.raises(BridgeDecodeError, match="empty"):
        join_transfers([b"", STATE])
    assert join_transfers([STATE, b""]) == STATE  # the last transfer may have NUMD 0
    with pytest.raises(UsageError):
        split_transfers(STATE, 6)


def test_rfc_layout_cannot_hold_a_large_state() -> None:
    state = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state
    state["unknown_sections"][0]["payload"] = bytes(4 * 0x10000)
    with pytest.raises(BridgeExportError) as caught:
        export_state(NVME["1.1"], state, layout="rfc-2025")
    assert (caught.value.code, caught.value.path) == ("CANNOT_EXPORT", "VSS")


def test_description_decodes_attribute_bits() -> None:
    described = describe_state(parse_state(STATE, LAYOUTS["libnvme"]))
    assert described["header"] == {"VER": 0, "CSATTR": 1, "suspended": True}
    assert described["nvme_state"]["IOCQ"][0]["IOCQA_bits"] == {"PC": 1, "IEN": 1, "S0PT": 1, "IV": 1}
    assert described["vendor_state"]["length"] == len(vectors.VENDOR)


def test_state_json_of_the_vector_is_golden(golden: Callable[[Path, str], None]) -> None:
    state = import_state(NVME["1.1"], STATE, vendor_uuid=UUID).state
    golden(DATA / "nvme-ctrl-state.org.nvmexpress.ctrl@1.1.json", json.dumps(state_to_json(state), indent=1) + "\n")
