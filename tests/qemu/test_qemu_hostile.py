"""The malicious corpus of the QEMU stream reader, without a guest: one lie in a valid section each.

Every case starts from a valid virtio-net or virtio-blk section (tests/support/
qemu_virtio_builder.py), or a valid RAM record, and inserts one lie a compromised source
could send, most of them the values of QEMU's own incoming-migration CVEs (each with the
QEMU commit that fixed it). The reader must refuse it with the exact code, absolute stream
offset, field and message, and without holding more memory than the section itself.
spec/security.md#hostile-streams and spec/qemu-virtio.md#hostile list the cases.
"""

from __future__ import annotations

import re
import struct
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT, spec_section
from qemu_builder import PAGE, StreamBuilder, small_stream
from qemu_virtio_builder import (
    blk_offsets,
    blk_state,
    element,
    net_offsets,
    net_state,
    patched,
    subsection_at,
)

from devstate.qemu import extract
from devstate.qemu.stream import StreamError, read_stream
from devstate.qemu.virtio import blk, device, net, to_standard
from devstate.qemu.virtio.device import VirtioState
from devstate.qemu.virtio.errors import QemuStateError

sys.path.insert(0, str(ROOT / "fuzz"))
import readers

BASE = 0x2A000
"""The stream offset given for the section's first byte: every expected offset is absolute."""
SECTION = "0000:00:03.0/virtio-x"

INDEX = "CWE-129"
FIXED_BUFFER = "CWE-120"
SIGNEDNESS = "CWE-195"
DIVIDE = "CWE-369"
UNBOUNDED = "CWE-770"
ALLOCATION = "CWE-789"
CONTENT = "CWE-20"
DUPLICATE = "CWE-694"
READ_PAST = "CWE-125"
WRITE_PAST = "CWE-787"
WRAP = "CWE-190"
NULL = "CWE-476"

Lie = Callable[[VirtioState, bytes, dict[str, int]], tuple[bytes, int]]


@dataclass(frozen=True)
class Hostile:
    """One hostile device section: how it is made, what the reader must say, what it is modelled on."""

    id: str
    kind: str
    lie: Lie
    code: str
    field: str
    message: str
    bug_class: str
    modelled_on: str = ""
    state: Callable[[], VirtioState] | None = None
    properties: dict[str, int] | None = None
    """The ``--property`` values the reader is given (the device's offered features)."""


def put(key: str, fmt: str, value: int, fault: str | None = None) -> Lie:
    """The field at ``key`` holds ``value``; the reader must refuse it there (or at ``fault``, a later field)."""
    return lambda state, data, at: (patched(data, at[key], fmt, value), at[fault or key])


def as_written(key: str) -> Lie:
    """The state itself is the lie (``device.write`` writes what it is given); the fault is at ``key``."""
    def written(state: VirtioState, data: bytes, at: dict[str, int]) -> tuple[bytes, int]:
        return data, at[key]

    return written


def _rename(old: str, new: str) -> Lie:
    return lambda state, data, at: (data.replace(old.encode(), new.encode()), subsection_at(data, old))


def _repeat_started(state: VirtioState, data: bytes, at: dict[str, int]) -> tuple[bytes, int]:
    started = subsection_at(data, "virtio/started")
    return data + data[started:], len(data)


def _low_word_differs(state: VirtioState, data: bytes, at: dict[str, int]) -> tuple[bytes, int]:
    low = state.features_lo & ~(1 << net.F_CTRL_VQ)
    return patched(data, at["guest_features"], ">I", low), len(data)


def _requests(*requests: tuple[int, int], elements: dict[int, bytes] | None = None,
              sizes: tuple[int, ...] = (128, 2), packed: bool = False,
              packed_rings: bool = False) -> Callable[[], VirtioState]:
    def make() -> VirtioState:
        state = blk_state(list(requests), sizes, packed, packed_rings)
        for n, raw in (elements or {}).items():
            state.device.requests[n].element = raw
        return state

    return make


def _net_queues(count: int, mq: bool = True, pairs: int = 2) -> Callable[[], VirtioState]:
    """virtio-net with ``count`` virtqueues, ``pairs`` queue pairs, VIRTIO_NET_F_MQ negotiated or not."""
    def make() -> VirtioState:
        state = net_state()
        state.queues = (state.queues * 2)[:count]
        if not mq:
            assert state.features is not None
            state.features &= ~(1 << net.F_MQ)
            state.features_lo &= ~(1 << net.F_MQ)
        if pairs == 1:
            state.device.max_queue_pairs = state.device.curr_queue_pairs = None
            state.device.tx_waiting = [0]
        return state

    return make


PACKED_OFFERED = {"device-features": 1 << device.VIRTIO_F_VERSION_1 | 1 << device.VIRTIO_F_RING_PACKED}
"""``--property device-features=``: the device offers packed rings (``packed=on``)."""

CVE_4148 = "CVE-2013-4148 (QEMU 71f7fe48e1): mac_table.in_use was an int; 0x81000000 passed `<= 64` as negative"
CVE_4149 = "CVE-2013-4149 (QEMU 98f93ddd84): in_use above MAC_TABLE_ENTRIES overflowed mac_table.macs"
CVE_4150 = "CVE-2013-4150 (QEMU eea750a562): curr_queue_pairs above max_queue_pairs indexed past n->vqs"
CVE_4151 = "CVE-2013-4151 (QEMU cc45995294): the queue count indexed past vdev->vq[VIRTIO_QUEUE_MAX]"
CVE_6399 = "CVE-2013-6399 (QEMU 4b53c2c72c): queue_sel indexed vdev->vq unchecked"
CVE_0182 = "CVE-2014-0182 (QEMU a890a2f913): config_len copied into the fixed config buffer"
CVE_4535 = "CVE-2013-4535/4536 (QEMU 36cf2a3713): a saved element's num_sg mapped past VIRTQUEUE_MAX_SIZE"
CVE_5403 = "CVE-2016-5403 (QEMU afd9096eb1): virtqueue_pop takes no request while inuse >= vring.num"

HOSTILE: list[Hostile] = [
    # --- virtio-net (virtio_load, virtio_net_load_device) --------------------------------
    Hostile("mac-table-in-use-sign-wrap", "net", put("in_use", ">I", 0x81000000), "QEMU_OUT_OF_RANGE",
            "virtio-net.mac_table.in_use",
            "2164260864 entries; QEMU's MAC table has 64 (QEMU skips them and empties the table)", SIGNEDNESS,
            CVE_4148),
    Hostile("mac-table-in-use-65", "net", put("in_use", ">I", 65), "QEMU_OUT_OF_RANGE", "virtio-net.mac_table.in_use",
            "65 entries; QEMU's MAC table has 64 (QEMU skips them and empties the table)", FIXED_BUFFER, CVE_4149),
    Hostile("curr-queue-pairs-above-max", "net", put("curr_queue_pairs", ">H", 3), "QEMU_OUT_OF_RANGE",
            "virtio-net.curr_queue_pairs", "3 > max_queue_pairs 2", INDEX, CVE_4150),
    Hostile("curr-queue-pairs-all-ones", "net", put("curr_queue_pairs", ">H", 0xFFFF), "QEMU_OUT_OF_RANGE",
            "virtio-net.curr_queue_pairs", "65535 > max_queue_pairs 2", INDEX, CVE_4150),
    Hostile("curr-queue-pairs-zero", "net", put("curr_queue_pairs", ">H", 0), "QEMU_BAD_VALUE",
            "virtio-net.curr_queue_pairs", "0; a device has at least one pair", DIVIDE),
    Hostile("max-queue-pairs-one", "net", put("max_queue_pairs", ">H", 1), "QEMU_BAD_VALUE",
            "virtio-net.max_queue_pairs", "1; QEMU saves it only for more than one queue pair", CONTENT),
    Hostile("num-queues-1025", "net", put("num_queues", ">I", 1025), "QEMU_OUT_OF_RANGE", "virtio.num_queues",
            "1025 virtqueues; QEMU has at most 1024", INDEX, CVE_4151),
    Hostile("num-queues-all-ones", "blk", put("num_queues", ">I", 0xFFFFFFFF), "QEMU_OUT_OF_RANGE",
            "virtio.num_queues", "4294967295 virtqueues; QEMU has at most 1024", INDEX, CVE_4151),
    Hostile("queue-sel-1024", "net", put("queue_sel", ">H", 1024), "QEMU_OUT_OF_RANGE", "virtio.queue_sel",
            "1024; QEMU has 1024 queues", INDEX, CVE_6399),
    Hostile("queue-sel-all-ones", "blk", put("queue_sel", ">H", 0xFFFF), "QEMU_OUT_OF_RANGE", "virtio.queue_sel",
            "65535; QEMU has 1024 queues", INDEX, CVE_6399),
    Hostile("config-len-25", "net", put("config_len", ">I", 25), "QEMU_OUT_OF_RANGE", "virtio.config_len",
            "25 bytes; the virtio-net configuration space has 24", FIXED_BUFFER, CVE_0182),
    Hostile("config-len-all-ones", "blk", put("config_len", ">I", 0xFFFFFFFF), "QEMU_OUT_OF_RANGE",
            "virtio.config_len", "4294967295 bytes; the virtio-blk configuration space has 96", ALLOCATION,
            CVE_0182),
    Hostile("ring-size-zero", "net", put("queues[1].num", ">I", 0), "QEMU_OUT_OF_RANGE", "virtio.queues[1].num",
            "ring size 0; QEMU saves the queues of size 1..1024", DIVIDE),
    Hostile("ring-size-1025", "blk", put("queues[0].num", ">I", 1025), "QEMU_OUT_OF_RANGE", "virtio.queues[0].num",
            "ring size 1025; QEMU saves the queues of size 1..1024", INDEX),
    Hostile("ring-address-zero-with-index", "net", put("queues[2].desc", ">Q", 0, "queues[2].last_avail_idx"),
            "QEMU_INCONSISTENT", "virtio.queues[2].last_avail_idx",
            "6 with no ring (address 0); QEMU's loader refuses it", CONTENT),
    Hostile("queue-vector-past-msix-table", "net", put("queues[1].vector", ">H", 6), "QEMU_OUT_OF_RANGE",
            "virtio.queues[1].vector", "vector 6 is past the MSI-X table (6 vectors)", INDEX),
    Hostile("config-vector-past-msix-table", "blk", put("config_vector", ">H", 0xFFFE), "QEMU_OUT_OF_RANGE",
            "virtio.config_vector", "vector 65534 is past the MSI-X table (3 vectors)", INDEX),
    Hostile("pci-version-3", "net", put("pci.version_id", ">I", 3), "QEMU_BAD_VALUE", "pci.version_id",
            "3; QEMU loads 1..2", CONTENT),
    Hostile("irq-level-2", "net", put("pci.irq_state[2]", ">I", 2), "QEMU_BAD_VALUE", "pci.irq_state[2]",
            "2; a pin level is 0 or 1", CONTENT),
    Hostile("rss-indirections-129", "net", put("rss.indirections_len", ">H", 129), "QEMU_OUT_OF_RANGE",
            "virtio-net-device/rss.indirections_len", "129 entries; QEMU's table has at most 128", FIXED_BUFFER),
    Hostile("bool-byte-2", "net", put("promisc", ">B", 2), "QEMU_BAD_VALUE", "virtio-net.promisc",
            "2; QEMU saves this flag as 0 or 1", CONTENT),
    Hostile("feature-words-disagree", "net", _low_word_differs, "QEMU_INCONSISTENT",
            "virtio/64bit_features.guest_features",
            "low word 0x420006 differs from guest_features 0x400006 of the main part", CONTENT),
    Hostile("unknown-subsection", "net", _rename("virtio/started", "virtio/startex"), "QEMU_UNKNOWN_SUBSECTION",
            "virtio/startex", "virtio has no subsection 'virtio/startex' (QEMU's loader refuses it)", CONTENT),
    Hostile("repeated-subsection", "blk", _repeat_started, "QEMU_DUPLICATE_SUBSECTION", "virtio/started",
            "the subsection appears twice", DUPLICATE),
    Hostile("trailing-byte", "blk", lambda state, data, at: (data + b"\x00", len(data)), "QEMU_TRAILING_DATA",
            "virtio", "1 bytes after the device's state", CONTENT),
    Hostile("cut-in-mac-table", "net", lambda state, data, at: (data[:at["in_use"] + 7], at["in_use"] + 4),
            "QEMU_TRUNCATED", "virtio-net.mac_table.macs[0]", "needs 6 bytes, 3 left in the device's section",
            READ_PAST),
    # --- virtio-blk requests in flight (virtio_blk_load_device, qemu_get_virtqueue_element) --
    Hostile("request-out-segments-1025", "blk", as_written("requests[0].element"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[0].element", "1025 out and 2 in segments; at most 1024 each", FIXED_BUFFER,
            CVE_4535, _requests((0, 0), elements={0: element(0, 1025, 2)})),
    Hostile("request-in-segments-all-ones", "blk", as_written("requests[0].element"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[0].element", "1 out and 4294967295 in segments; at most 1024 each", FIXED_BUFFER,
            CVE_4535, _requests((0, 0), elements={0: element(0, 1, 0xFFFFFFFF)})),
    Hostile("request-head-past-ring", "blk", as_written("requests[1].element"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[1].element.index", "head descriptor 2 is past the ring (2 entries)", INDEX, "",
            _requests((0, 127), (1, 2))),
    Hostile("more-requests-than-ring-entries", "blk", as_written("requests[3].queue"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[3].queue", "3 requests in flight on queue 1, whose ring has 2 entries", UNBOUNDED,
            CVE_5403, _requests((1, 0), (0, 0), (1, 1), (1, 0))),
    Hostile("more-requests-than-the-only-ring", "blk", as_written("requests[2]"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[2]", "3 requests in flight on queue 0, whose ring has 2 entries", UNBOUNDED,
            CVE_5403, _requests((0, 1), (0, 0), (0, 1), sizes=(2,))),
    Hostile("request-queue-past-device", "blk", put("requests[0].queue", ">I", 2), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[0].queue", "queue 2; the device has 2", INDEX, "",
            _requests((0, 0))),
    Hostile("request-on-a-device-without-queues", "blk", as_written("requests[0]"), "QEMU_INCONSISTENT",
            "virtio-blk.requests[0]", "a request in flight on a device without virtqueues", INDEX, "",
            _requests((0, 0), sizes=())),
    Hostile("request-list-marker-2", "blk", put("requests[0]", ">B", 2), "QEMU_BAD_VALUE",
            "virtio-blk.requests[0]", "list marker 2 (1: a request follows, 0: the end)", CONTENT, "",
            _requests((0, 0))),
    Hostile("request-ndescs-zero", "blk", put("requests[0].ndescs", ">I", 0), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[0].ndescs", "0 descriptors; a request on queue 0 has 1..128 (its ring's size)",
            CONTENT, "",
            _requests((0, 0), packed=True), PACKED_OFFERED),
    Hostile("request-ndescs-past-ring", "blk", put("requests[1].ndescs", ">I", 3), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[1].ndescs", "3 descriptors; a request on queue 1 has 1..2 (its ring's size)",
            INDEX, "",
            _requests((0, 0), (1, 1), packed=True), PACKED_OFFERED),
    Hostile("request-packed-rings-without-ndescs", "blk", as_written("requests[0]"), "QEMU_INCONSISTENT",
            "virtio-blk.requests[0]", "packed rings negotiated, but the requests have no descriptor count (a device "
            "offering packed rings writes one)", CONTENT,
            "",
            _requests((0, 0), packed_rings=True)),
    Hostile("request-packed-id-past-16-bits", "blk", as_written("requests[0].element"), "QEMU_OUT_OF_RANGE",
            "virtio-blk.requests[0].element.index", "head descriptor 65536 is not a packed ring's 16-bit buffer id",
            INDEX, "",
            _requests((0, 0x10000), packed=True, packed_rings=True), PACKED_OFFERED),
    # --- virtio-net's queue count (virtio_net_set_multiqueue, virtio_net_pre_load_queues) --------
    Hostile("num-queues-4-with-mq", "net", as_written("num_queues"), "QEMU_INCONSISTENT", "virtio.num_queues",
            "4 virtqueues; with VIRTIO_NET_F_MQ or VIRTIO_NET_F_RSS negotiated QEMU's virtio-net has 2 × 2 + 1",
            CONTENT, "", _net_queues(4)),
    Hostile("num-queues-4-without-mq", "net", as_written("num_queues"), "QEMU_INCONSISTENT", "virtio.num_queues",
            "4 virtqueues; QEMU's virtio-net has 3, or 2 × 2 + 1 (its queue pairs and the control queue)",
            CONTENT, "", _net_queues(4, mq=False)),
    Hostile("num-queues-1", "net", as_written("num_queues"), "QEMU_INCONSISTENT", "virtio.num_queues",
            "1 virtqueues; QEMU's virtio-net with one queue pair has 3 (rx, tx and the control queue)",
            NULL, "", _net_queues(1, mq=False, pairs=1)),
]

KINDS = {"net": net.NET, "blk": blk.BLK}


def _valid(case: Hostile) -> tuple[VirtioState, bytes, dict[str, int]]:
    state = case.state() if case.state else net_state() if case.kind == "net" else blk_state()
    data = device.write(state, KINDS[case.kind])
    return state, data, (net_offsets if case.kind == "net" else blk_offsets)(state)


@pytest.mark.parametrize("case", HOSTILE, ids=[case.id for case in HOSTILE])
def test_a_hostile_section_is_refused_at_the_lie(case: Hostile) -> None:
    state, data, at = _valid(case)
    hostile, fault = case.lie(state, data, at)
    tracemalloc.start()
    try:
        with pytest.raises(QemuStateError) as error:
            device.parse(hostile, BASE, KINDS[case.kind], SECTION, case.properties)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.value.code, error.value.offset, error.value.field, error.value.message) == (
        case.code, BASE + fault, f"{SECTION}: {case.field}", case.message)
    assert str(error.value) == f"{case.code} at byte {BASE + fault} ({SECTION}: {case.field}): {case.message}"
    assert peak < len(hostile) + (64 << 10), f"{peak} bytes to refuse a {len(hostile)}-byte section"


@pytest.mark.parametrize("kind", ["net", "blk"])
def test_the_sections_the_lies_start_from_are_valid(kind: str) -> None:
    """Without its lie each section parses, writes back byte for byte and translates."""
    for case in (c for c in HOSTILE if c.kind == kind and c.lie.__name__ != "written"):
        state, data, _ = _valid(case)
        parsed = device.parse(data, BASE, KINDS[kind], SECTION)
        assert parsed == state
        assert device.write(parsed, KINDS[kind]) == data
    to_standard.extract(device.parse(device.write(net_state() if kind == "net" else blk_state(), KINDS[kind]),
                                     BASE, KINDS[kind], SECTION), SECTION)


def test_a_full_ring_of_requests_in_flight_is_accepted() -> None:
    """CVE-2016-5403's bound is the ring's size: as many requests as entries is what QEMU can save."""
    state = blk_state([(1, 0), (1, 1), (0, 5)])
    data = device.write(state, blk.BLK)
    assert [(r.queue, r.head) for r in device.parse(data, BASE, blk.BLK, SECTION).device.requests] == [
        (1, 0), (1, 1), (0, 5)]


def test_two_requests_with_the_same_head_are_read() -> None:
    """QEMU's virtqueue_split_pop keeps no record of the heads in use: a driver offering head 5 twice has two
    requests in flight that a stopped VM saves; the destination completes the chain twice, as the source would."""
    state = blk_state([(0, 5), (0, 5)])
    data = device.write(state, blk.BLK)
    parsed = device.parse(data, BASE, blk.BLK, SECTION)
    assert [(r.queue, r.head) for r in parsed.device.requests] == [(0, 5), (0, 5)]
    assert device.write(parsed, blk.BLK) == data


@pytest.mark.parametrize("properties", [None, PACKED_OFFERED], ids=["from-the-section", "device-features"])
@pytest.mark.parametrize("packed_rings", [False, True], ids=["split-rings", "packed-rings"])
def test_the_descriptor_counts_of_a_device_offering_packed_rings_are_read(packed_rings: bool,
                                                                         properties: dict[str, int] | None) -> None:
    """qemu_put_virtqueue_element writes ndescs (be32) before the element when the device offers packed rings
    (host_features), whatever the driver negotiated; without --property the section's length tells."""
    state = blk_state([(0, 3), (1, 1)], packed=True, packed_rings=packed_rings)
    state.device.requests[0].ndescs = 128
    data = device.write(state, blk.BLK)
    at = blk_offsets(state)
    assert (data[at["requests[0].ndescs"]:at["requests[0].element"]], data[at["requests[0].element"]]) == (
        b"\x00\x00\x00\x80", 3)
    parsed = device.parse(data, BASE, blk.BLK, SECTION, properties)
    assert parsed == state
    assert [(r.head, r.ndescs) for r in parsed.device.requests] == [(3, 128), (1, 1)]
    assert device.write(parsed, blk.BLK) == data


def test_the_descriptor_counts_are_not_read_when_the_device_offers_no_packed_rings() -> None:
    """--property device-features without bit 34: the requests have no count, so a section with counts is refused."""
    state = blk_state([(0, 3)], packed=True)
    data = device.write(state, blk.BLK)
    with pytest.raises(QemuStateError) as error:
        device.parse(data, BASE, blk.BLK, SECTION, {"device-features": 1 << device.VIRTIO_F_VERSION_1})
    # read 4 bytes early, the element ends 4 bytes before its end; the list "ends" there, at a 0 byte
    end = blk_offsets(state)["end"] - 4
    assert (error.value.code, error.value.offset, error.value.field, error.value.message) == (
        "QEMU_TRAILING_DATA", BASE + end + 1, f"{SECTION}: virtio",
        f"{len(data) - end - 1} bytes after the device's state")
    no_requests = device.write(blk_state(), blk.BLK)
    assert device.parse(no_requests, BASE, blk.BLK, SECTION).device.requests == []


def test_a_packed_ring_head_past_the_ring_size_is_read() -> None:
    """A packed ring's head is the driver's 16-bit buffer id, which QEMU does not bound by vring.num."""
    state = blk_state([(0, 0xFFFF), (1, 300)], packed=True, packed_rings=True)
    parsed = device.parse(device.write(state, blk.BLK), BASE, blk.BLK, SECTION)
    assert [r.head for r in parsed.device.requests] == [0xFFFF, 300]


@pytest.mark.parametrize(("count", "mq", "pairs"), [(5, False, 2), (3, False, 2), (5, True, 2), (3, False, 1)],
                         ids=["7.2-all-pairs-without-mq", "one-pair-without-mq", "all-pairs-with-mq", "one-pair"])
def test_the_queue_counts_qemu_writes_are_read(count: int, mq: bool, pairs: int) -> None:
    """2 × max_queue_pairs + 1, or 3 without VIRTIO_NET_F_MQ/RSS (QEMU 7.2 creates every pair at realize and keeps
    them across a reset, 10.x adds them when MQ is negotiated)."""
    state = _net_queues(count, mq, pairs)()
    parsed = device.parse(device.write(state, net.NET), BASE, net.NET, SECTION)
    assert (len(parsed.queues), parsed.device.max_queue_pairs) == (count, pairs if pairs > 1 else None)


def test_a_hostile_section_in_a_stream_is_refused_at_its_stream_offset(tmp_path: Path) -> None:
    """Through ``extract`` (the stream reader delimits the section): the same error, the stream's offset."""
    state = net_state()
    data = device.write(state, net.NET)
    at = net_offsets(state)["in_use"]
    builder = StreamBuilder(machine="pc-q35-10.0")
    builder.ram({"pc.ram": 4 * PAGE}, [("pc.ram", 0, 0)])
    builder.device("0000:00:03.0/virtio-net", [("virtio", "struct", patched(data, at, ">I", 0x81000000))])
    path = tmp_path / "hostile.bin"
    path.write_bytes(builder.finish())
    body = read_stream(path).devices()[0].body
    with pytest.raises(QemuStateError) as error:
        extract.extract(path, tmp_path / "out")
    assert str(error.value) == (f"QEMU_OUT_OF_RANGE at byte {body + at} (0000:00:03.0/virtio-net: "
                                "virtio-net.mac_table.in_use): 2164260864 entries; QEMU's MAC table has 64 (QEMU "
                                "skips them and empties the table)")
    assert not (tmp_path / "out").exists()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.sampled_from(["net", "blk"]), st.lists(st.tuples(st.integers(0, 1199), st.integers(0, 255)), min_size=1,
                                                  max_size=4), st.integers(0, 64))
def test_mutated_sections_are_read_or_refused_with_a_located_error(kind: str, edits: list[tuple[int, int]],
                                                                   cut: int) -> None:
    """The fuzz target of fuzz/readers.py on the guest-independent sections (its own seeds need QEMU's data):
    bytes of the transport, the queues and the device's head overwritten, the end cut."""
    state = net_state() if kind == "net" else blk_state([(0, 3), (1, 1)])
    data = bytearray(device.write(state, KINDS[kind]))
    for at, byte in edits:
        data[at] = byte
    readers.check_qemu_virtio(bytes(data[:len(data) - cut]))


# --- RAM (migration/ram.c, ram_load_precopy) ------------------------------------------------

CVE_7840 = "CVE-2014-7840 (QEMU 0be839a270): a page offset past its RAM block was written to"


@dataclass(frozen=True)
class HostileRam:
    id: str
    blocks: dict[str, int]
    pages: list[tuple[str, int, bytes | int]]
    page: int
    """The index in ``pages`` of the page whose address word is at fault."""
    message: str
    bug_class: str
    modelled_on: str = ""
    flags: int = 0
    """Flags or'ed into the word at fault (a CONTINUE the builder would not write)."""


HOSTILE_RAM = [
    HostileRam("page-at-block-end", {"pc.ram": 4 * PAGE}, [("pc.ram", 4 * PAGE, 0)], 0,
               "page at 0x4000 is past the end of RAM block 'pc.ram' (16384 bytes)", WRITE_PAST, CVE_7840),
    HostileRam("continue-page-at-block-end", {"pc.ram": 4 * PAGE}, [("pc.ram", 0, 0), ("pc.ram", 4 * PAGE, 0)], 1,
               "page at 0x4000 is past the end of RAM block 'pc.ram' (16384 bytes)", WRITE_PAST, CVE_7840),
    HostileRam("page-straddles-block-end", {"pc.ram": PAGE + PAGE // 2, "pc.bios": PAGE // 2},
               [("pc.ram", PAGE, b"\xaa" * PAGE)], 0,
               "page at 0x1000 is past the end of RAM block 'pc.ram' (6144 bytes)", WRITE_PAST, CVE_7840),
    HostileRam("page-offset-wraps", {"pc.ram": 4 * PAGE}, [("pc.ram", (1 << 64) - PAGE, 0)], 0,
               "page at 0xfffffffffffff000 is past the end of RAM block 'pc.ram' (16384 bytes)", WRAP, CVE_7840),
    HostileRam("page-of-unknown-block", {"pc.ram": 4 * PAGE}, [("pc.rom", 0, 0)], 0,
               "page of unknown RAM block 'pc.rom'", CONTENT),
    HostileRam("continue-without-a-block", {"pc.ram": 4 * PAGE}, [("pc.ram", 0, 0)], 0,
               "CONTINUE page with no block named before it", NULL, flags=0x20),
]


def _ram_stream(case: HostileRam) -> tuple[bytes, int]:
    """The stream and the offset of the address word of page ``case.page`` (the builder writes the words in order)."""
    builder = StreamBuilder(machine="pc-q35-10.0")
    builder.ram(case.blocks, case.pages)
    data = bytearray(builder.finish())
    part = data.index(b"\x02" + struct.pack(">I", 0)) + 5
    at, last = part, None
    for n, (block, _, content) in enumerate(case.pages):
        if n == case.page:
            break
        at += 8 + (0 if block == last else 1 + len(block)) + (len(content) if isinstance(content, bytes) else 1)
        last = block
    data[at + 7] |= case.flags
    return bytes(data), at


@pytest.mark.parametrize("case", HOSTILE_RAM, ids=[case.id for case in HOSTILE_RAM])
def test_a_hostile_ram_record_is_refused_at_its_page(case: HostileRam, tmp_path: Path) -> None:
    data, at = _ram_stream(case)
    assert struct.unpack_from(">Q", data, at)[0] & ~0xFFF == case.pages[case.page][1]
    path = tmp_path / "ram.bin"
    path.write_bytes(data)
    with pytest.raises(StreamError) as error:
        read_stream(path)
    assert str(error.value) == f"BAD_RAM at byte {at}: {case.message}"


# --- the self-description (devstate.qemu.description) -----------------------------------------

HOSTILE_DESCRIPTIONS = [
    ("page-size-of-5000-digits", b"9" * 5000, "$: not read: an integer literal of 5000 digits (at most 20 are read)",
     "CWE-407"),
    ("page-size-of-21-digits", b"-" + b"1" * 21, "$: not read: an integer literal of 21 digits (at most 20 are read)",
     "CWE-407"),
    ("page-size-2-to-the-64", b"18446744073709551616",
     "$.page_size: 18446744073709551616 is out of range (1..9223372036854775807)", WRAP),
]


@pytest.mark.parametrize(("literal", "message"), [c[1:3] for c in HOSTILE_DESCRIPTIONS],
                         ids=[c[0] for c in HOSTILE_DESCRIPTIONS])
def test_a_hostile_self_description_is_refused(literal: bytes, message: str, tmp_path: Path) -> None:
    """Literals past 64 bits; a long one (CVE-2020-10735's class) raised a bare ValueError before the limit."""
    data = small_stream()
    start = data.index(b'{"page_size"')
    text = data[start:].replace(b'"page_size": 4096', b'"page_size": ' + literal)
    path = tmp_path / "description.bin"
    path.write_bytes(data[:start - 4] + struct.pack(">I", len(text)) + text)
    with pytest.raises(StreamError) as error:
        read_stream(path)
    assert str(error.value) == f"BAD_DESCRIPTION at byte {start}: self-description {message}"


# --- the documentation lists the corpus -----------------------------------------------------


def test_the_security_spec_counts_and_lists_the_cases() -> None:
    section = spec_section("security.md", "hostile-streams")
    assert f"**{len(HOSTILE)} hostile device sections**" in section
    assert f"**{len(HOSTILE_RAM)} hostile RAM records**" in section
    assert f"**{len(HOSTILE_DESCRIPTIONS)} hostile self-descriptions**" in section
    rows = {cells[1].strip("` "): cells for line in section.splitlines()
            if (cells := line.split("|")) and len(cells) > 4 and cells[1].strip().startswith("`")}
    for description in HOSTILE_DESCRIPTIONS:
        assert description[0] in rows and description[3] in rows[description[0]][2]
    for case in [*HOSTILE, *HOSTILE_RAM]:
        assert case.id in rows, f"{case.id} is not in spec/security.md#hostile-streams"
        assert case.bug_class in rows[case.id][2]
        cve = re.match(r"CVE-[0-9/-]+", case.modelled_on)
        assert (cve.group(0) if cve else "") in rows[case.id][3]


def test_the_virtio_spec_names_every_cve_of_the_corpus_with_its_fix() -> None:
    table = spec_section("qemu-virtio.md", "hostile")
    for case in [*HOSTILE, *HOSTILE_RAM]:
        if case.modelled_on:
            cve, commit = re.match(r"(CVE-[0-9/-]+) \(QEMU ([0-9a-f]{10})\)", case.modelled_on).groups()
            assert f"{cve} ({commit})" in table
