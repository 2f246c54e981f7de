"""The malicious corpus of the standards bridges: virtio device parts and NVMe controller states.

The bridges' conformance vectors (tools/bridge_vectors) hold the invalid inputs a standard
forbids; these are what an attacker sends: lengths and counts that claim gigabytes in a
few hundred bytes, products that wrap 32 or 128 bits, tables longer than the standard's.
Each is a valid result or state (the vectors' own builders) with one lie; the import must
refuse it with the exact code, absolute offset, part and message, without allocating what
it claims. spec/security.md#hostile-streams lists the cases.
"""

from __future__ import annotations

import struct
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from paths import SCHEMAS, spec_section

from devstate.bridges import BridgeDecodeError
from devstate.bridges.nvme import import_state
from devstate.bridges.virtio import import_parts
from devstate.schema import load_schema
from tools.bridge_vectors import nvme, virtio

NET = load_schema(SCHEMAS / "org.virtio.net" / "3.0.yaml")
NVME = load_schema(SCHEMAS / "org.nvmexpress.ctrl" / "1.1.yaml")


def _net() -> virtio.Stream:
    return virtio.net((virtio.CTRL_VQ, virtio.CTRL_RX, virtio.CTRL_VLAN, virtio.F_MQ, virtio.F_RSS), pairs=2)


def _patched(stream: virtio.Stream, at: int, fmt: str, value: int) -> bytes:
    data = bytearray(stream.blob())
    struct.pack_into(fmt, data, at, value)
    return bytes(data)


def _part_length() -> tuple[bytes, int]:
    stream = _net()
    at = stream.status(0x0F)
    return _patched(stream, at + 12, "<I", 0xFFFFFFFF), at + 12


def _mac_count(which: int, value: int) -> Callable[[], tuple[bytes, int]]:
    def make() -> tuple[bytes, int]:
        stream = _net()
        at = stream.mac_table(virtio.UNICAST, virtio.MULTICAST) + 16
        at += 0 if which == 0 else 4 + 6 * len(virtio.UNICAST)
        return _patched(stream, at, "<I", value), at

    return make


def _rss(offset: int, fmt: str, value: int, fault: int) -> Callable[[], tuple[bytes, int]]:
    def make() -> tuple[bytes, int]:
        stream = _net()
        stream.pairs(2)
        at = stream.rss(0x3F, [0, 1], 0, 2, virtio.KEY_40) + 16
        return _patched(stream, at + offset, fmt, value), at + fault

    return make


def _features(words: int) -> tuple[bytes, int]:
    stream = virtio.Stream()
    stream.dev_features([0] * words)
    return stream.blob(), 16


def _vlans() -> tuple[bytes, int]:
    stream = _net()
    at = stream.vlans(list(range(1, 4095)) * 20)
    return stream.blob(), at + 16


@dataclass(frozen=True)
class HostileBridge:
    id: str
    bridge: str
    make: Callable[[], tuple[bytes, int]]
    """The hostile input and the offset of the lie."""
    code: str
    part: str
    message: str
    bug_class: str
    framing: str = "raw"


def _vfio(size: int) -> Callable[[], tuple[bytes, int]]:
    return lambda: (struct.pack("<QII", size, 0, 0) + bytes(16), 0)


def _nvme(change: Callable[[bytearray], int]) -> Callable[[], tuple[bytes, int]]:
    def make() -> tuple[bytes, int]:
        data = bytearray(nvme.pairs(2).blob())
        at = change(data)
        return bytes(data), at

    return make


def _put(at: int, size: int, value: int, fault: int | None = None) -> Callable[[bytearray], int]:
    """The le field of ``size`` bytes at ``at`` holds ``value``; the reader names ``fault`` (default ``at``)."""
    def change(data: bytearray) -> int:
        data[at:at + size] = value.to_bytes(size, "little")
        return at if fault is None else fault

    return change


NVMECSS = 26
"""The dwords of the NVMe-defined state of ``nvme.pairs(2)``: 8 bytes and four 24-byte entries."""

HOSTILE_BRIDGES = [
    HostileBridge("part-length-all-ones", "virtio", _part_length, "PAST_END", "DEVICE_STATUS",
                  "the value is 4294967295 bytes; only 1 remain in the stream", "CWE-789"),
    HostileBridge("mac-unicast-count-wraps", "virtio", _mac_count(0, 0x2AAAAAAB), "PAST_END",
                  "CVQ_CFG MAC/TABLE_SET", "unicast has 715827883 entries of 6 bytes; only 34 bytes remain", "CWE-190"),
    HostileBridge("mac-multicast-count-all-ones", "virtio", _mac_count(1, 0xFFFFFFFF), "PAST_END",
                  "CVQ_CFG MAC/TABLE_SET", "multicast has 4294967295 entries of 6 bytes; only 18 bytes remain",
                  "CWE-789"),
    HostileBridge("rss-key-length-past-value", "virtio", _rss(14, "<B", 255, 15), "PAST_END", "CVQ_CFG MQ/RSS_CONFIG",
                  "hash_key needs 255 bytes; only 40 remain", "CWE-125"),
    HostileBridge("rss-table-mask-all-ones", "virtio", _rss(4, "<H", 0xFFFF, 8), "PAST_END", "CVQ_CFG MQ/RSS_CONFIG",
                  "indirection_table needs 131072 bytes; only 47 remain", "CWE-789"),
    HostileBridge("feature-words-8192", "virtio", lambda: _features(8192), "BAD_LENGTH", "DEV_FEATURES",
                  "the value is 65536 bytes; DEV_FEATURES holds whole 8-byte words (at most 64)", "CWE-770"),
    HostileBridge("vlan-table-81880-ids", "virtio", _vlans, "BAD_LENGTH", "CVQ_CFG VLAN/ADD",
                  "the value is 163760 bytes; CVQ_CFG VLAN/ADD holds whole 2-byte words (at most 4096)", "CWE-120"),
    HostileBridge("vfio-record-2-to-the-64", "virtio", _vfio((1 << 64) - 1), "RECORD_TOO_LARGE",
                  "vfio record tag 0", "record size 18446744073709551615 is over the kernel's limit of 4294967295",
                  "CWE-789", "vfio"),
    HostileBridge("vfio-record-2-to-the-32", "virtio", _vfio(1 << 32), "RECORD_TOO_LARGE", "vfio record tag 0",
                  "record size 4294967296 is over the kernel's limit of 4294967295", "CWE-190", "vfio"),
    HostileBridge("nvmecss-all-ones", "nvme", _nvme(_put(16, 16, (1 << 128) - 1)), "SIZE_MISMATCH", "NVMECSS",
                  "NVMECSS is 340282366920938463463374607431768211455 dwords "
                  "(1361129467683753853853498429727072845820 bytes); only 104 bytes follow the header", "CWE-190"),
    HostileBridge("nvmecss-times-4-wraps", "nvme", _nvme(_put(16, 16, NVMECSS + (1 << 126))), "SIZE_MISMATCH",
                  "NVMECSS", "NVMECSS is 85070591730234615865843651857942052890 dwords "
                  "(340282366920938463463374607431768211560 bytes); only 104 bytes follow the header", "CWE-190"),
    HostileBridge("niosq-65535", "nvme", _nvme(_put(50, 2, 0xFFFF, fault=16)), "SIZE_MISMATCH", "NVMECSS",
                  "NVMECSS is 26 dwords (104 bytes), but 65535 submission and 2 completion queue entries make a "
                  "version 0 NVMe-defined state of 1572896 bytes (393224 dwords)", "CWE-789"),
    HostileBridge("vss-4-gib", "nvme", _nvme(_put(32, 16, 1 << 30)), "SIZE_MISMATCH", "VSS",
                  "VSS is 1073741824 dwords (4294967296 bytes); only 0 bytes follow the NVMe-defined state", "CWE-789"),
    HostileBridge("nvme-empty", "nvme", lambda: (b"", 0), "TRUNCATED", "controller state header",
                  "0 bytes; the libnvme header is 48", "CWE-125"),
]


@pytest.mark.parametrize("case", HOSTILE_BRIDGES, ids=[case.id for case in HOSTILE_BRIDGES])
def test_a_hostile_bridge_input_is_refused_at_the_lie(case: HostileBridge) -> None:
    data, at = case.make()
    tracemalloc.start()
    try:
        with pytest.raises(BridgeDecodeError) as error:
            if case.bridge == "virtio":
                import_parts(NET, data, case.framing)
            else:
                import_state(NVME, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.value.code, error.value.offset, error.value.part, error.value.message) == (
        case.code, at, case.part, case.message)
    assert str(error.value) == f"{case.code} at offset {at} ({case.part}): {case.message}"
    assert peak < 2 * len(data) + (128 << 10), f"{peak} bytes to refuse {len(data)} bytes"


def test_the_inputs_the_lies_start_from_are_accepted() -> None:
    stream = _net()
    stream.mac_table(virtio.UNICAST, virtio.MULTICAST)
    stream.vlans(virtio.VLAN_IDS)
    stream.pairs(2)
    stream.rss(0x3F, [0, 1], 0, 2, virtio.KEY_40)
    import_parts(NET, stream.blob(), "raw")
    import_parts(NET, virtio.vfio(_net().blob()), "vfio")
    data = nvme.pairs(2).blob()
    assert int.from_bytes(data[16:32], "little") == NVMECSS
    import_state(NVME, data)


def test_the_security_spec_lists_the_cases() -> None:
    section = spec_section("security.md", "hostile-streams")
    assert f"**{len(HOSTILE_BRIDGES)} hostile bridge inputs**" in section
    for case in HOSTILE_BRIDGES:
        row = next((line for line in section.splitlines() if line.startswith(f"| `{case.id}` |")), None)
        assert row is not None, f"{case.id} is not in spec/security.md#hostile-streams"
        assert case.bug_class in row
