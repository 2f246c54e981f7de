"""NVMe controller states (Migration Receive / Set Controller State data), packed from the standard.

The Controller State data structure (NVMe Base 2.1 Figure 358, 2.3 Figure 374; libnvme
``struct nvme_lm_controller_state_data_header``): le16 VER, u8 CSATTR, 13 reserved bytes,
le128 NVMECSS and le128 VSS (dwords), then the NVMe Controller State (le16 VER, NIOSQ, NIOCQ,
2 reserved; 24-byte I/O submission queue entries, then 24-byte completion queue entries) and
the vendor-specific data. ``State`` packs one and the decoding a reader must give
(``nvme-state decode --json``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from tools.bridge_vectors.codes import error
from tools.bridge_vectors.model import Vector

HEADER = 48
ENTRY = 24
VENDOR_UUID = "5e4c8f7a-2d1b-4c3e-9f8a-7b6c5d4e3f21"
PRP_SQ, PRP_CQ = 0x8_0000_0000, 0x9_0000_0000


@dataclass
class Sq:
    qid: int
    cqid: int
    qsize: int = 1023
    prio: int = 2
    contiguous: int = 1
    head: int = 0
    tail: int = 0
    prp1: int = 0
    attributes_extra: int = 0
    reserved: bytes = bytes(4)

    def pack(self) -> bytes:
        attributes = self.contiguous | self.prio << 1 | self.attributes_extra
        return struct.pack("<QHHHHHH", self.prp1 or PRP_SQ + self.qid * 0x10000, self.qsize, self.qid, self.cqid,
                           attributes, self.head, self.tail) + self.reserved

    def describe(self) -> dict[str, Any]:
        attributes = self.contiguous | self.prio << 1 | self.attributes_extra
        return {"PRP1": self.prp1 or PRP_SQ + self.qid * 0x10000, "QSIZE": self.qsize, "QID": self.qid,
                "CQID": self.cqid, "IOSQA": attributes, "HP": self.head, "TP": self.tail,
                "IOSQA_bits": {"PC": attributes & 1, "QPRIO": attributes >> 1 & 3}}


@dataclass
class Cq:
    qid: int
    qsize: int = 1023
    head: int = 0
    tail: int = 0
    contiguous: int = 1
    interrupts: int = 1
    s0pt: int = 1
    vector: int = -1
    attributes_extra: int = 0

    @property
    def attributes(self) -> int:
        vector = self.qid if self.vector < 0 else self.vector
        return self.contiguous | self.interrupts << 1 | self.s0pt << 2 | vector << 16 | self.attributes_extra

    def pack(self) -> bytes:
        return struct.pack("<QHHHHI4x", PRP_CQ + self.qid * 0x10000, self.qsize, self.qid, self.head, self.tail,
                           self.attributes)

    def describe(self) -> dict[str, Any]:
        attributes = self.attributes
        return {"PRP1": PRP_CQ + self.qid * 0x10000, "QSIZE": self.qsize, "QID": self.qid, "HP": self.head,
                "TP": self.tail, "IOCQA": attributes,
                "IOCQA_bits": {"PC": attributes & 1, "IEN": attributes >> 1 & 1, "S0PT": attributes >> 2 & 1,
                               "IV": attributes >> 16}}


@dataclass
class State:
    sqs: list[Sq] = field(default_factory=list)
    cqs: list[Cq] = field(default_factory=list)
    vendor: bytes = b""
    csattr: int = 1
    nvme_state: bool = True
    version: int = 0
    nvme_version: int = 0
    layout: str = "libnvme"
    reserved: bytes = bytes(13)
    nvmecss_extra: int = 0
    """Dwords NVMECSS claims beyond the entries (a malformed state)."""

    def nvme(self) -> bytes:
        if not self.nvme_state:
            return b""
        head = struct.pack("<HHHH", self.nvme_version, len(self.sqs), len(self.cqs), 0)
        return head + b"".join(sq.pack() for sq in self.sqs) + b"".join(cq.pack() for cq in self.cqs)

    def header(self, nvme: bytes) -> bytes:
        nvmecss, vss = len(nvme) // 4 + self.nvmecss_extra, len(self.vendor) // 4
        if self.layout == "rfc-2025":
            return struct.pack("<HB13sHH", self.version, self.csattr, self.reserved, nvmecss, vss)
        return struct.pack("<HB13s", self.version, self.csattr, self.reserved) + nvmecss.to_bytes(16, "little") \
            + vss.to_bytes(16, "little")

    def blob(self) -> bytes:
        nvme = self.nvme()
        return self.header(nvme) + nvme + bytes(4 * self.nvmecss_extra) + self.vendor

    def decoded(self, padding: int = 0) -> dict[str, Any]:
        size = 20 if self.layout == "rfc-2025" else HEADER
        nvme = self.nvme()
        return {"layout": self.layout,
                "header": {"VER": self.version, "CSATTR": self.csattr, "suspended": bool(self.csattr & 1)},
                "nvme_state": None if not self.nvme_state else {
                    "offset": size, "VER": self.nvme_version, "NIOSQ": len(self.sqs), "NIOCQ": len(self.cqs),
                    "IOSQ": [sq.describe() for sq in self.sqs], "IOCQ": [cq.describe() for cq in self.cqs]},
                "vendor_state": {"offset": size + len(nvme), "length": len(self.vendor), "data": self.vendor.hex()},
                "padding": padding}


def pairs(count: int, shared: int = 0, qsize: int = 1023) -> State:
    """``count`` submission queues; one completion queue each, or ``shared`` completion queues between them."""
    cqs = shared or count
    sqs = [Sq(qid, (qid - 1) % cqs + 1, qsize=qsize, head=qid % 7, tail=(qid * 3) % 11) for qid in range(1, count + 1)]
    return State(sqs, [Cq(qid, qsize=qsize, head=qid % 5, tail=(qid * 2) % 13, s0pt=qid % 2) for qid in
                       range(1, cqs + 1)])


VENDOR = b"ACME" + bytes((5 * i + 1) % 256 for i in range(60))


def split(data: bytes, size: int) -> list[bytes]:
    return [data[offset : offset + size] for offset in range(0, len(data), size)]


# --- valid vectors ---------------------------------------------------------------------------------------------


def valid() -> list[Vector]:
    out = []
    schema = "org.nvmexpress.ctrl@1.1"

    def add(name: str, state: State, description: str, rests_on: list[str], rule: str = "",
            pieces: list[bytes] | None = None, padding: int = 0, vendor: bool = False) -> None:
        data = state.blob() + bytes(padding)
        files = [(f"{name}.bin", data)] if pieces is None else [(f"{name}.{i:03d}", p) for i, p in enumerate(pieces)]
        options: dict[str, Any] = {"layout": state.layout}
        if vendor:
            options["vendor_uuid"] = VENDOR_UUID
        out.append(Vector(name, "nvme-controller-state", files, description, rests_on, schema, options,
                          state.decoded(padding), [], {"layout": state.layout} | (
                              {"vendor_uuid": VENDOR_UUID} if vendor else {}),
                          "state" if padding else "same", rule=rule))

    add("valid-nvme-idle", State(),
        "A controller with no I/O queue: an NVMe Controller State of its 8-byte header only (NVMECSS 2), no "
        "vendor data, suspended.", ["nvme-state", "nvme-nvmecs", "nvme-csattr"])
    add("valid-nvme-several-queues", pairs(4),
        "Four submission queues, each with its own completion queue, in ascending queue identifier order.",
        ["nvme-nvmecs", "nvme-iosq", "nvme-iocq", "nvme-lists-ascending"])
    add("valid-nvme-1024-queue-pairs", pairs(1024, qsize=63),
        "1024 submission and 1024 completion queues (NIOSQ = NIOCQ = 1024): 49,208 bytes.",
        ["nvme-nvmecs", "nvme-qid"])
    add("valid-nvme-shared-cqs", pairs(8, shared=2),
        "Eight submission queues posting to two completion queues (four each).", ["nvme-create-sq-cqid", "nvme-iosq"])
    wrr = pairs(4)
    for sq, prio in zip(wrr.sqs, (0, 1, 2, 3), strict=True):
        sq.prio = prio
    wrr.sqs[1].contiguous = 0
    add("valid-nvme-weighted-round-robin", wrr,
        "Submission queues in each priority class of weighted round robin (urgent, high, medium, low); one queue "
        "not physically contiguous.", ["nvme-qprio", "nvme-iosq"])
    vendor = pairs(2)
    vendor.vendor = VENDOR
    add("valid-nvme-vendor-state", vendor,
        "Two queue pairs and 64 bytes (16 dwords) of vendor-specific data, whose format the UUID the host chose "
        "with CSUUIDI names (the UUID is not in the data).", ["nvme-state", "nvme-vendor-uuid", "nvme-csuuidi"],
        vendor=True)
    add("valid-nvme-vendor-state-only", State(vendor=VENDOR, nvme_state=False),
        "Vendor-specific data only: NVMECSS 0 (Get Controller State with CSVI 0), so no NVMe Controller State "
        "field at all.", ["nvme-nvmecs-absent", "nvme-csvi-zero"], vendor=True)
    add("valid-nvme-not-suspended", State(pairs(2).sqs, pairs(2).cqs, csattr=0),
        "A state taken while the controller was not suspended for the whole Migration Receive (CSATTR 0).",
        ["nvme-csattr"])
    interrupts = pairs(3)
    interrupts.cqs[0].interrupts, interrupts.cqs[1].vector, interrupts.cqs[2].contiguous = 0, 0x7FF, 0
    interrupts.cqs[2].tail, interrupts.cqs[2].s0pt = 0, 0
    add("valid-nvme-completion-attributes", interrupts,
        "Completion queue attributes: interrupts disabled, interrupt vector 2047, a queue not physically "
        "contiguous whose tail wrapped to slot 0.", ["nvme-iocq"])
    big = pairs(64)
    data = big.blob()
    add("valid-nvme-split-transfers", big,
        "A 3,128-byte state sent as 1 KiB transfers (first, middle, middle, last), each a whole number of dwords.",
        ["nvme-sequence", "nvme-numd", "nvme-offset-aligned"], pieces=split(data, 1024))
    add("valid-nvme-split-empty-last", pairs(4),
        "A state in two transfers, the last with NUMD 0 (no data), as the last of a sequence may be.",
        ["nvme-sequence", "nvme-numd"], pieces=[pairs(4).blob(), b""])
    add("valid-nvme-receive-buffer", pairs(2),
        "A state returned into a 4 KiB buffer: the dwords after the state are padding (zero here); the state is "
        "the first 48 + 4 * (NVMECSS + VSS) bytes.", ["nvme-receive-numd", "nvme-state"], rule="reading",
        padding=4096 - len(pairs(2).blob()))
    rfc = pairs(2)
    rfc.layout = "rfc-2025"
    add("valid-nvme-rfc-2025-layout", rfc,
        "The 2025 vfio-nvme RFC's 20-byte header (le16 NVMECSS and VSS) around the same NVMe Controller State.",
        ["nvme-layout-rfc"], rule="reading")
    return out


# --- invalid vectors -------------------------------------------------------------------------------------------


def invalid() -> list[Vector]:
    out = []
    first_sq = HEADER + 8

    def add(name: str, data: bytes | list[bytes], code: str, offset: int, description: str, rests_on: list[str],
            rule: str) -> None:
        files = [(f"{name}.bin", data)] if isinstance(data, bytes) else [(f"{name}.{i:03d}", p)
                                                                          for i, p in enumerate(data)]
        out.append(Vector(name, "nvme-controller-state", files, description, rests_on,
                          options={"layout": "libnvme"}, error=error(code, offset), rule=rule))

    def sq_at(index: int) -> int:
        return first_sq + ENTRY * index

    def cq_at(state: State, index: int) -> int:
        return first_sq + ENTRY * (len(state.sqs) + index)

    state = pairs(2)
    state.version = 0xFF
    add("invalid-nvme-unknown-version", state.blob(), "UNKNOWN_VERSION", 0,
        "VER 0xff: the version selects the layout and only 0 is defined.", ["nvme-state"], "shall")
    state = pairs(2)
    state.nvme_version = 1
    add("invalid-nvme-unknown-nvme-state-version", state.blob(), "UNKNOWN_VERSION", HEADER,
        "The NVMe Controller State's VER is 1.", ["nvme-nvmecs"], "shall")
    state = pairs(2)
    state.csattr = 0x81
    add("invalid-nvme-csattr-reserved-bits", state.blob(), "RESERVED_NOT_ZERO", 2,
        "CSATTR 0x81: bits 7:1 are reserved.", ["nvme-csattr"], "reserved")
    state = pairs(2)
    state.reserved = bytes(5) + b"\x01" + bytes(7)
    add("invalid-nvme-header-reserved", state.blob(), "RESERVED_NOT_ZERO", 8,
        "A non-zero byte in the header's reserved bytes 15:03.", ["nvme-state", "nvme-layout-libnvme"], "reserved")
    state = pairs(2)
    state.sqs[1].cqid = 9
    add("invalid-nvme-sq-names-no-cq", state.blob(), "INVALID_CQ", sq_at(1) + 12,
        "A submission queue posting to completion queue 9, which the state does not have.",
        ["nvme-create-sq-cqid", "nvme-set-commit"], "shall")
    state = pairs(2)
    state.sqs[0].cqid = 0
    add("invalid-nvme-sq-names-admin-cq", state.blob(), "INVALID_QUEUE_ID", sq_at(0) + 12,
        "A submission queue posting to completion queue 0, the admin completion queue.",
        ["nvme-create-sq-cqid", "nvme-set-commit"], "shall")
    state = pairs(3)
    state.sqs[2].qid = 2
    add("invalid-nvme-duplicate-sq-id", state.blob(), "INVALID_QUEUE_ID", sq_at(2) + 10,
        "Two submission queues with identifier 2.", ["nvme-create-sq-qid", "nvme-set-commit"], "should")
    state = pairs(2)
    state.cqs[0].qid = 0
    state.sqs[0].cqid = 2
    add("invalid-nvme-cq-id-zero", state.blob(), "INVALID_QUEUE_ID", cq_at(state, 0) + 10,
        "A completion queue with identifier 0, the admin queue's.", ["nvme-qid", "nvme-create-sq-qid"], "should")
    state = pairs(3)
    state.sqs[0], state.sqs[1] = state.sqs[1], state.sqs[0]
    add("invalid-nvme-sqs-out-of-order", state.blob(), "QUEUE_ORDER", sq_at(1) + 10,
        "Submission queues 2, 1, 3: the list is in ascending order of identifier.", ["nvme-lists-ascending"], "shall")
    state = pairs(2)
    state.cqs[1].qsize = 0
    add("invalid-nvme-queue-size-zero", state.blob(), "INVALID_QUEUE_SIZE", cq_at(state, 1) + 8,
        "A completion queue with QSIZE 0 (0's based: one slot).", ["nvme-qsize", "nvme-create-qsize"], "should")
    state = pairs(2, qsize=15)
    state.sqs[0].head = 16
    add("invalid-nvme-head-past-queue", state.blob(), "BAD_POINTER", sq_at(0) + 16,
        "A submission queue head of 16 in a 16-slot queue (slots 0-15).", ["nvme-pointers", "nvme-iosq"], "reading")
    state = pairs(2, qsize=15)
    state.cqs[0].tail = 40
    add("invalid-nvme-tail-past-queue", state.blob(), "BAD_POINTER", cq_at(state, 0) + 14,
        "A completion queue tail of 40 in a 16-slot queue.", ["nvme-pointers", "nvme-iocq"], "reading")
    state = pairs(2)
    state.sqs[1].attributes_extra = 1 << 3
    add("invalid-nvme-iosqa-reserved-bit", state.blob(), "RESERVED_NOT_ZERO", sq_at(1) + 14,
        "IOSQA bit 3 set: bits 15:03 are reserved.", ["nvme-iosq"], "reserved")
    state = pairs(2)
    state.cqs[0].attributes_extra = 1 << 8
    add("invalid-nvme-iocqa-reserved-bit", state.blob(), "RESERVED_NOT_ZERO", cq_at(state, 0) + 16,
        "IOCQA bit 8 set: bits 15:03 are reserved.", ["nvme-iocq"], "reserved")
    state = pairs(2)
    state.sqs[0].reserved = b"\x00\x00\x07\x00"
    add("invalid-nvme-entry-reserved-bytes", state.blob(), "RESERVED_NOT_ZERO", sq_at(0) + 22,
        "A submission queue entry with non-zero reserved bytes 23:20.", ["nvme-iosq"], "reserved")
    state = pairs(2)
    state.nvmecss_extra = 1
    add("invalid-nvme-nvmecss-beyond-queues", state.blob(), "SIZE_MISMATCH", 16,
        "NVMECSS one dword larger than the header and the queue entries: version 0 has nothing after them.",
        ["nvme-state", "nvme-nvmecs"], "reading")
    data = bytearray(pairs(2).blob())
    data[16:32] = (0x1000).to_bytes(16, "little")
    add("invalid-nvme-nvmecss-past-end", bytes(data), "SIZE_MISMATCH", 16,
        "NVMECSS of 4096 dwords in a 160-byte state.", ["nvme-state"], "reading")
    data = bytearray(pairs(2).blob())
    data[32:48] = (3).to_bytes(16, "little")
    add("invalid-nvme-vss-past-end", bytes(data), "SIZE_MISMATCH", 32,
        "VSS of 3 dwords that are not there.", ["nvme-state"], "reading")
    data = pairs(2).blob()
    add("invalid-nvme-trailing-data", data + b"\x00\x00\x00\x05", "TRAILING_DATA", len(data) + 3,
        "Non-zero bytes after 48 + 4 * (NVMECSS + VSS).", ["nvme-state"], "reading")
    data = pairs(4).blob()
    add("invalid-nvme-transfer-not-dwords", [data[:1024], data[1024:]] if len(data) > 1024 else
        [data[:100], data[100:] + b"\x00\x00"], "BAD_SEQUENCE", 100 + (len(data) - 100 + 2) // 4 * 4,
        "The last of two transfers is not a whole number of dwords (NUMD counts dwords).",
        ["nvme-numd", "nvme-offset-aligned"], "shall")
    data = pairs(4).blob()
    add("invalid-nvme-empty-first-transfer", [b"", data], "BAD_SEQUENCE", 0,
        "A first transfer of no data: only the last of a sequence may have NUMD 0.", ["nvme-numd"], "shall")
    return out
