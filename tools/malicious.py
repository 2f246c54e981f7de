"""The malicious-state corpus: conformance vectors modelled on real incoming-migration bugs.

Each vector is a blob a compromised source could send, built from a valid state of a
standard schema (or of the conformance-only ``org.devstate.hostile`` model, whose lengths
may claim 4 GiB) and re-sealed, so its checksum is valid and the decoder reaches the lie
inside. Every one must be refused with the exact error written here by the reference
codec, the generated Python codec and the generated C codec (the conformance tests run
them all). Manifest entries carry ``"class": "malicious"``, a CWE-style ``bug_class`` and
``modelled_on``: the QEMU VMState bug (mostly the 2013-2014 incoming-migration CVEs) whose
pattern the blob reproduces. spec/security.md explains the classes.

Called by ``tools.conformance.generate``; deterministic like the other vectors.
"""

from __future__ import annotations

import struct
from typing import Any

from devstate import ir
from devstate.state import State, default_state, type_default
from devstate.wire.errors import ErrorCode
from devstate.wire.sections import encode_section
from tools.conformance import Located, Vector, put, resolve_schema, split, u8, u16, u32

NET = "org.virtio.net@1.1"
BLK = "org.virtio.blk@1.1"
NVME = "org.nvmexpress.ctrl@1.1"
HOSTILE = "schemas/org.devstate.hostile/1.0.yaml"
MALICIOUS = "malicious"

INDEX = "CWE-129: an index or count read from the stream is used unchecked"
FIXED_BUFFER = "CWE-120/CWE-787: a length from the stream is copied into a fixed-size buffer"
WRAP = "CWE-190: count × element size overflows 32-bit arithmetic and passes a bounds check"
PARENT = "CWE-125: a nested length is larger than the container that holds it"
ALLOCATION = "CWE-789: memory allocated from a length the stream claims, before checking it"
CONTENT = "CWE-20: the checksum is valid but the content is not"
UNDERFLOW = "CWE-191: a length too small for its own header makes offset arithmetic underflow"
DIVIDE = "CWE-369: a zero size later used as a divisor or modulus"
ITERATION = "CWE-834: a loop bound from the stream with no progress per iteration"
TRAVERSAL = "CWE-22: an identifier from the stream used to build a file path"
ENCODING = "CWE-176: a non-canonical (overlong) UTF-8 encoding that hides a character"


def _u64(value: int) -> bytes:
    return struct.pack("<Q", value)


class MaliciousVectors:
    """The corpus, one method per model; ``build()`` returns the vectors in manifest order."""

    def __init__(self) -> None:
        self.vectors: list[Vector] = []

    def add(self, name: str, ref: str, blob: bytes, code: ErrorCode, offset: int, path: str, description: str,
            bug_class: str, modelled_on: str, *, limits: dict[str, int] | None = None) -> None:
        error = {"code": code.name, "number": int(code), "offset": offset, "path": path}
        self.vectors.append(Vector(f"invalid-malicious-{name}", ref, blob, description, error=error, limits=limits,
                                   klass=MALICIOUS, bug_class=bug_class, modelled_on=modelled_on))

    def build(self) -> list[Vector]:
        self.virtio_net()
        self.virtio_blk()
        self.nvme()
        self.hostile()
        return self.vectors

    # --- org.virtio.net --------------------------------------------------------------------

    def virtio_net(self) -> None:
        schema = resolve_schema(NET)
        net = Located.of(schema, net_state(schema))
        blob, at = net.blob, net.at
        queues = at("$.sections.queues")
        self.add("net-queue-count-all-ones", NET, put(blob, queues, u32(0xFFFF_FFFF)), ErrorCode.COUNT_OVER_MAX,
                 queues, "$.sections.queues", "4294967295 virtqueues (the declared max is 1024)", INDEX,
                 "CVE-2013-4151: virtio_load took the number of queues from the stream and wrote past "
                 "vdev->vq[VIRTIO_PCI_QUEUE_MAX]")
        self.add("net-queue-stride-wraps-to-zero", NET, put(blob, queues + 4, u32(0x8000_0000)),
                 ErrorCode.COUNT_PAST_END, queues, "$.sections.queues",
                 "2 virtqueues × stride 0x80000000 = 2^32, which is 0 in 32-bit arithmetic: a reader that "
                 "multiplies in u32 finds the elements fit in the payload", WRAP,
                 "CVE-2013-4535/CVE-2013-4536 (virtqueue_map_sg: a scatter-gather count from the stream "
                 "checked with arithmetic the attacker controls)")
        self.add("net-queue-stride-smaller-than-element", NET, put(blob, queues + 4, u32(2)), ErrorCode.BAD_STRIDE,
                 queues + 4, "$.sections.queues",
                 "stride 2 for a 44-byte virtqueue: reading each element at its own size would overrun the next",
                 FIXED_BUFFER, "CVE-2013-4542: virtio-scsi trusted an element layout read from the stream")
        self.add("net-queue-enabled-not-a-bool", NET, put(blob, at("$.sections.queues[1].enabled"), u8(0xA5)),
                 ErrorCode.BAD_BOOL, at("$.sections.queues[1].enabled"), "$.sections.queues[1].enabled",
                 "a bool byte of 0xa5 (uninitialised memory saved by a buggy source), under a valid CRC", CONTENT,
                 "post_load functions that treat any non-zero byte as true and index tables with it")
        pairs = at("$.sections.ctrl.curr_queue_pairs")
        self.add("net-curr-queue-pairs-beyond-max", NET, put(blob, pairs, u16(0xFFFF)), ErrorCode.OUT_OF_RANGE,
                 pairs, "$.sections.ctrl.curr_queue_pairs",
                 "65535 active queue pairs (the field's max is 32768); the device must still check it "
                 "against its own max_virtqueue_pairs", INDEX,
                 "CVE-2013-4150: virtio-net loaded curr_queues without checking it against max_queues")
        self.add("net-curr-queue-pairs-zero", NET, put(blob, pairs, u16(0)), ErrorCode.OUT_OF_RANGE, pairs,
                 "$.sections.ctrl.curr_queue_pairs", "0 active queue pairs (the field's min is 1)", DIVIDE,
                 "CVE-2013-4150 (the other bound: zero queues, later used to spread packets over queues)")
        unicast = at("$.sections.mac_filter.unicast")
        self.add("net-mac-table-overflow", NET, put(blob, unicast, u32(65)), ErrorCode.COUNT_OVER_MAX, unicast,
                 "$.sections.mac_filter.unicast", "65 unicast MAC entries; the table holds 64", FIXED_BUFFER,
                 "CVE-2013-4148: virtio-net copied mac_table.in_use entries into a MAC_TABLE_ENTRIES array")
        multicast = at("$.sections.mac_filter.multicast")
        self.add("net-mac-count-times-six-wraps", NET, put(blob, multicast, u32(0x2AAA_AAAB)),
                 ErrorCode.COUNT_OVER_MAX, multicast, "$.sections.mac_filter.multicast",
                 "0x2aaaaaab multicast entries × 6 bytes = 2^32 + 2: a 32-bit size check sees 2 bytes", WRAP,
                 "CVE-2013-4148 combined with a 32-bit multiplication")
        self.add("net-mac-count-past-parent", NET, put(blob, unicast, u32(64)), ErrorCode.COUNT_PAST_END, unicast,
                 "$.sections.mac_filter.unicast",
                 "64 unicast entries (within the max) in a section that holds 2: the count is larger than its "
                 "parent", PARENT, "CVE-2013-4148 (in_use within bounds of the table but not of the data sent)")
        key = at("$.sections.rss.hash_key")
        self.add("net-rss-key-longer-than-buffer", NET, put(blob, key, u32(41)), ErrorCode.LENGTH_OVER_MAX, key,
                 "$.sections.rss.hash_key", "a 41-byte RSS hash key; devices keep it in a 40-byte buffer",
                 FIXED_BUFFER, "CVE-2013-4541: usb_device_post_load trusted setup_len against a fixed data_buf")
        self.add("net-rss-key-length-all-ones", NET, put(blob, key, u32(0xFFFF_FFFF)), ErrorCode.LENGTH_OVER_MAX,
                 key, "$.sections.rss.hash_key", "an RSS hash key claiming 4 GiB - 1 bytes", ALLOCATION,
                 "CVE-2014-0182: virtio_load used config_len from the stream to copy into the config space")
        table = at("$.sections.rss.indirection_table")
        self.add("net-rss-indirection-table-overflow", NET, put(blob, table, u32(129)), ErrorCode.COUNT_OVER_MAX,
                 table, "$.sections.rss.indirection_table", "129 indirection entries; the table holds 128",
                 FIXED_BUFFER, "CVE-2013-4529: pcie_aer loaded log_num larger than log_max")
        mode = at("$.sections.rss.mode")
        self.add("net-rss-mode-undeclared", NET, put(blob, mode, u8(7)), ErrorCode.BAD_ENUM, mode,
                 "$.sections.rss.mode", "RSS mode 7, which no device defines (a handler-table index)", INDEX,
                 "CVE-2013-4539: tsc210x used a precision index from the stream to index a table")
        status = at("$.sections.config.status")
        self.add("net-config-status-all-bits", NET, put(blob, status, u16(0xFFFF)), ErrorCode.BAD_FLAGS, status,
                 "$.sections.config.status", "every status bit set, 14 of them undeclared, under a valid CRC",
                 CONTENT, "hidden state in reserved bits that a later version would interpret")
        _, queues_section = net.section(2)
        self.add("net-section-length-all-ones", NET, put(blob, queues_section.offset + 4, u32(0xFFFF_FFFF)),
                 ErrorCode.SECTION_PAST_END, queues_section.offset + 4, "$.sections[id=2]",
                 "the queues section claims 4 GiB - 1 bytes in a small blob", ALLOCATION,
                 "VMSTATE_VBUFFER_ALLOC_UINT32-style buffers allocated from a size in the stream")
        self.add("net-total-length-all-ones", NET, put(blob, 16, _u64(2**64 - 1), fix_length=False),
                 ErrorCode.LIMIT_EXCEEDED, 16, "$.header.total_length",
                 "total_length 2^64 - 1: refused by max_total_size after reading 24 bytes", ALLOCATION,
                 "readers that allocate the announced size of a stream before reading it")
        self.add("net-total-length-smaller-than-header", NET, put(blob, 16, _u64(3), fix_length=False),
                 ErrorCode.LENGTH_MISMATCH, 16, "$.header.total_length",
                 "total_length 3: total_length - 4 (the trailer's offset) would underflow", UNDERFLOW,
                 "size fields smaller than their own header (qemu_get_buffer with a negative remaining size)")
        model = 25
        self.add("net-model-id-path-traversal", NET, put(blob, model, b"../../etc/pass"), ErrorCode.BAD_MODEL_ID,
                 model, "$.header.model", "model id '../../etc/pass' (same length as org.virtio.net)",
                 TRAVERSAL, "tools that look up a schema file by the model id a blob names")

    # --- org.virtio.blk --------------------------------------------------------------------

    def virtio_blk(self) -> None:
        schema = resolve_schema(BLK)
        blk = Located.of(schema, blk_state(schema))
        blob, at = blk.blob, blk.at
        serial = at("$.sections.config.serial")
        self.add("blk-serial-longer-than-buffer", BLK, put(blob, serial, u32(21)), ErrorCode.LENGTH_OVER_MAX,
                 serial, "$.sections.config.serial",
                 "a 21-byte serial number; virtio-blk has VIRTIO_BLK_ID_BYTES = 20", FIXED_BUFFER,
                 "CVE-2013-4537: ssi-sd used arglen from the stream to index a fixed argument buffer")
        self.add("blk-serial-overlong-utf8", BLK, put(blob, serial + 4, b"\xc0\xaf"), ErrorCode.BAD_UTF8,
                 serial + 4, "$.sections.config.serial", "serial bytes c0 af: an overlong encoding of '/'",
                 ENCODING, "string checks done on decoded text while the raw bytes travel on")
        queues = at("$.sections.config.num_queues")
        self.add("blk-num-queues-zero", BLK, put(blob, queues, u16(0)), ErrorCode.OUT_OF_RANGE, queues,
                 "$.sections.config.num_queues", "0 request queues (min 1): a later modulus by zero", DIVIDE,
                 "CVE-2013-4544: vmxnet3 used queue counts read from the device state unchecked")
        writeback = at("$.sections.config.writeback")
        self.add("blk-cache-mode-undeclared", BLK, put(blob, writeback, u8(0x80)), ErrorCode.BAD_ENUM, writeback,
                 "$.sections.config.writeback", "cache mode 0x80, which selects a handler in a two-entry "
                 "table", INDEX, "CVE-2013-4539: tsc210x used an index from the stream to pick a table entry")
        inflight = at("$.sections.inflight")
        padded = _pad_section(blk, 4, 20 * 1024)
        wrapped = put(put(padded, inflight, u32(1024)), inflight + 4, u32(0x0040_0001))
        self.add("blk-inflight-count-wraps-with-room", BLK, wrapped, ErrorCode.COUNT_PAST_END, inflight,
                 "$.sections.inflight",
                 "1024 in-flight requests × stride 0x400001 = 2^32 + 1024 bytes, which is 1024 in 32-bit "
                 "arithmetic; the section is padded so that the wrapped size fits", WRAP,
                 "CVE-2013-4151 with the bound computed in 32 bits")

    # --- org.nvmexpress.ctrl ---------------------------------------------------------------

    def nvme(self) -> None:
        schema = resolve_schema(NVME)
        nvme = Located.of(schema, nvme_state(schema))
        blob, at = nvme.blob, nvme.at
        ps = at("$.sections.features.power_management.ps")
        self.add("nvme-power-state-index", NVME, put(blob, ps, u8(32)), ErrorCode.OUT_OF_RANGE, ps,
                 "$.sections.features.power_management.ps",
                 "power state 32, an index into the 32-entry power state descriptor table", INDEX,
                 "CVE-2013-4530: pl022 loaded FIFO indexes without checking them against the FIFO size")
        arbitration = at("$.sections.features.arbitration")
        self.add("nvme-nested-size-larger-than-section", NVME, put(blob, arbitration, u32(0xFFFF_FFF0)),
                 ErrorCode.TRUNCATED, arbitration, "$.sections.features.arbitration",
                 "the arbitration struct claims 4 GiB - 16 bytes inside a section of a few hundred", PARENT,
                 "nested VMState structures whose size field is larger than the enclosing section")
        self.add("nvme-nested-size-zero", NVME, put(blob, arbitration, u32(0)), ErrorCode.STRUCT_TOO_SHORT,
                 arbitration + 4, "$.sections.features.arbitration.ab",
                 "the arbitration struct claims 0 bytes: reading its fields would consume its neighbour's",
                 PARENT, "subsections whose size disagrees with the fields the loader reads")
        outstanding = at("$.sections.aer.outstanding")
        self.add("nvme-aer-log-overflow", NVME, put(blob, outstanding, u32(17)), ErrorCode.COUNT_OVER_MAX,
                 outstanding, "$.sections.aer.outstanding",
                 "17 outstanding Asynchronous Event Requests; the controller holds 16", FIXED_BUFFER,
                 "CVE-2013-4529: pcie_aer loaded log_num larger than log_max")
        pending = at("$.sections.aer.pending")
        self.add("nvme-aer-pending-stride-all-ones", NVME, put(blob, pending + 4, u32(0xFFFF_FFFF)),
                 ErrorCode.COUNT_PAST_END, pending, "$.sections.aer.pending",
                 "one pending event with a stride of 4 GiB - 1 (a valid 'newer writer' stride, but not in "
                 "this section)", PARENT, "CVE-2013-4542: element sizes from the stream")
        size = at("$.sections.io_cqs[0].size")
        self.add("nvme-cq-size-beyond-max", NVME, put(blob, size, u32(0x10001)), ErrorCode.OUT_OF_RANGE, size,
                 "$.sections.io_cqs[0].size", "a completion queue of 65537 entries (max 65536); the head and "
                 "tail index it", INDEX, "CVE-2013-4533: pxa2xx loaded rx_level beyond its FIFO")
        cqid = at("$.sections.io_sqs[0].cqid")
        self.add("nvme-sq-cqid-zero", NVME, put(blob, cqid, u16(0)), ErrorCode.OUT_OF_RANGE, cqid,
                 "$.sections.io_sqs[0].cqid", "an I/O submission queue bound to completion queue 0 (the admin "
                 "queue; min 1)", INDEX, "CVE-2013-4534: openpic loaded an index used to address per-CPU state")
        namespaces = at("$.sections.namespaces")
        self.add("nvme-namespace-count-wraps", NVME, put(blob, namespaces, u32(0x4000_0001)),
                 ErrorCode.COUNT_OVER_MAX, namespaces, "$.sections.namespaces",
                 "0x40000001 namespace ids × 4 bytes = 2^32 + 4, which is 4 in 32-bit arithmetic", WRAP,
                 "CVE-2013-4531: cpreg_vmstate_array_len from the stream sized the copy")
        self.add("nvme-namespace-count-past-parent", NVME, put(blob, namespaces, u32(1024)),
                 ErrorCode.COUNT_PAST_END, namespaces, "$.sections.namespaces",
                 "1024 namespace ids (the max) in a section that holds 1", PARENT,
                 "CVE-2013-4527: hpet loaded num_timers and read that many timers")
        vectors = at("$.sections.features.coalescing_disabled_vectors")
        self.add("nvme-vector-count-times-two-wraps", NVME, put(blob, vectors, u32(0x8000_0001)),
                 ErrorCode.COUNT_OVER_MAX, vectors, "$.sections.features.coalescing_disabled_vectors",
                 "0x80000001 u16 vectors = 2^32 + 2 bytes, which is 2 in 32-bit arithmetic", WRAP,
                 "CVE-2013-4531 with a 2-byte element")
        inflight = at("$.sections.inflight")
        padded = _pad_section(nvme, 8, 4096)
        wrapped = put(put(padded, inflight, u32(4096)), inflight + 4, u32(0x0010_0001))
        self.add("nvme-inflight-count-wraps-with-room", NVME, wrapped, ErrorCode.COUNT_PAST_END, inflight,
                 "$.sections.inflight",
                 "4096 in-flight commands × stride 0x100001 = 2^32 + 4096 bytes, which is 4096 in 32-bit "
                 "arithmetic; the section is padded with 4096 bytes so that the wrapped size fits", WRAP,
                 "CVE-2013-4151 with the bound computed in 32 bits")
        fw = nvme.section("uuid:069821a3-24d0-4518-854e-5e4068ac9c85#1")[1]
        self.add("nvme-vendor-section-length-wraps-offset", NVME,
                 put(blob, fw.offset + 4, u32((1 << 32) - fw.offset)), ErrorCode.SECTION_PAST_END, fw.offset + 4,
                 "$.sections[id=1]",
                 "a vendor section whose length makes offset + 8 + length wrap past 2^32 to a small number",
                 WRAP, "offset + length computed in 32 bits in a section walker")

    # --- org.devstate.hostile --------------------------------------------------------------

    def hostile(self) -> None:
        schema = resolve_schema(HOSTILE)
        hostile = Located.of(schema, hostile_state(schema))
        blob, at = hostile.blob, hostile.at
        data = at("$.sections.region.data")
        self.add("region-length-4gib", HOSTILE, put(blob, data, u32(0xFFFF_FFFF)), ErrorCode.LIMIT_EXCEEDED, data,
                 "$.sections.region.data",
                 "a region claiming 4 GiB - 1 bytes (the schema allows it) in a small blob: over max_region_size "
                 "(256 MiB), refused before anything is allocated", ALLOCATION,
                 "VMSTATE_VBUFFER_ALLOC_UINT32: g_malloc of a size read from the stream")
        self.add("region-length-under-limit-past-end", HOSTILE, put(blob, data, u32(0x0FFF_FFFF)),
                 ErrorCode.TRUNCATED, data, "$.sections.region.data",
                 "a region claiming 256 MiB - 1 bytes (under the limit) with 16 present: refused before "
                 "allocating", ALLOCATION, "VMSTATE_VBUFFER_ALLOC_UINT32 with a size under every limit")
        self.add("region-over-lowered-limit", HOSTILE, blob, ErrorCode.LIMIT_EXCEEDED, data,
                 "$.sections.region.data", "a 16-byte region read with max_region_size 8", ALLOCATION,
                 "a destination that limits region sizes below what the schema allows",
                 limits={"max_region_size": 8})
        text = at("$.sections.log.text")
        self.add("string-length-all-ones", HOSTILE, put(blob, text, u32(0xFFFF_FFFE)), ErrorCode.TRUNCATED, text,
                 "$.sections.log.text", "a string claiming 4 GiB - 2 bytes", ALLOCATION,
                 "CVE-2013-4538: ssd0323 trusted a command length from the stream")
        words = at("$.sections.log.words")
        self.add("count-0x40000001-times-4-wraps", HOSTILE, put(blob, words, u32(0x4000_0001)),
                 ErrorCode.COUNT_OVER_MAX, words, "$.sections.log.words",
                 "0x40000001 u32 words × 4 bytes = 2^32 + 4, which is 4 in 32-bit arithmetic (and 4 bytes remain)",
                 WRAP, "CVE-2013-4531: cpreg_vmstate_array_len from the stream sized the copy")
        cells = at("$.sections.log.cells")
        self.add("cells-count-0x40000001-stride-4", HOSTILE, put(blob, cells, u32(0x4000_0001)),
                 ErrorCode.COUNT_OVER_MAX, cells, "$.sections.log.cells",
                 "0x40000001 cells × stride 4 = 2^32 + 4, which is 4 in 32-bit arithmetic", WRAP,
                 "CVE-2013-4151 with the bound computed in 32 bits")
        self.add("cells-stride-zero-count-max", HOSTILE, put(put(blob, cells, u32(4096)), cells + 4, u32(0)),
                 ErrorCode.BAD_STRIDE, cells + 4, "$.sections.log.cells",
                 "4096 cells with stride 0: count × stride = 0 always fits, and a loop reads the same bytes "
                 "4096 times", ITERATION, "loops bounded by a count from the stream that consume no input")
        head = at("$.sections.log.rings[0].head")
        self.add("ring-head-beyond-ring", HOSTILE, put(blob, head, u16(256)), ErrorCode.OUT_OF_RANGE, head,
                 "$.sections.log.rings[0].head", "ring head index 256 in a ring of at most 256 slots", INDEX,
                 "CVE-2013-4530: pl022 loaded tx_fifo_head beyond the FIFO")
        size = at("$.sections.log.rings[0].size")
        self.add("ring-size-zero", HOSTILE, put(blob, size, u16(0)), ErrorCode.OUT_OF_RANGE, size,
                 "$.sections.log.rings[0].size", "a ring of 0 slots (min 1): head % size divides by zero", DIVIDE,
                 "CVE-2013-4151: vring.num from the stream, later used for index wrap-around")
        _, log = hostile.section(2)
        self.add("section-length-wraps-offset", HOSTILE, put(blob, log.offset + 4, u32((1 << 32) - log.offset)),
                 ErrorCode.SECTION_PAST_END, log.offset + 4, "$.sections[id=2]",
                 "section 2's length makes offset + 8 + length wrap past 2^32 to a small number", WRAP,
                 "offset + length computed in 32 bits in a section walker")
        firmware = hostile.section("pci:0x1af4#1")[1]
        self.add("vendor-payload-over-lowered-limit", HOSTILE, blob, ErrorCode.LIMIT_EXCEEDED, firmware.offset + 26,
                 "$.vendor_sections.firmware",
                 "a 24-byte opaque vendor payload (the schema allows 4 GiB - 1) read with max_region_size 16",
                 ALLOCATION, "vendor blobs (VFIO device state) buffered whole before they are checked",
                 limits={"max_region_size": 16})


def _pad_section(located: Located, section_id: int, extra: int) -> bytes:
    """The blob with ``extra`` zero bytes appended to one section's payload (re-sealed)."""
    parts = split(located.blob)
    index, raw = located.section(section_id)
    frames = list(parts.frames)
    frames[index] = encode_section(raw.id, raw.flags, parts.frames[index][8:] + bytes(extra))
    return parts.assemble(frames)


# --- base states ------------------------------------------------------------------------


def _element(schema: ir.Schema, section: str) -> Any:
    expr = schema.section(section).type
    assert isinstance(expr, ir.ArrayType)
    return type_default(schema, expr.element)


def net_state(schema: ir.Schema) -> State:
    """virtio-net 1.1 with two queues, MAC filters, RSS and the opaque vendor section present."""
    state = default_state(schema)
    sections = state["sections"]
    sections["queues"] = [_element(schema, "queues") for _ in range(2)]
    sections["mac_filter"]["unicast"] = [[2, 0, 0, 0, 0, 1]]
    sections["mac_filter"]["multicast"] = [[1, 0, 0x5E, 0, 0, 1]]
    rss = type_default(schema, schema.section("rss").type)
    rss.update(mode="rss", hash_key=bytes(range(4)), indirection_table=[0, 1])
    sections["rss"] = rss
    state["vendor_sections"] = {"impl_private": b"\x01\x02\x03\x04"}
    return state


def blk_state(schema: ir.Schema) -> State:
    """virtio-blk 1.1 with one queue, a serial number and one in-flight request."""
    state = default_state(schema)
    sections = state["sections"]
    sections["queues"] = [_element(schema, "queues")]
    sections["config"]["serial"] = "SN-0001"
    sections["inflight"] = [_element(schema, "inflight")]
    return state


def nvme_state(schema: ir.Schema) -> State:
    """NVMe 1.1 with one I/O queue pair, AER state, one namespace, one in-flight command, vendor state."""
    state = default_state(schema)
    sections = state["sections"]
    cq = _element(schema, "io_cqs")
    cq.update(cqid=1, size=64)
    sq = _element(schema, "io_sqs")
    sq.update(sqid=1, cqid=1, size=64)
    sections.update(io_cqs=[cq], io_sqs=[sq], namespaces=[1], inflight=[_element(schema, "inflight")])
    sections["features"]["coalescing_disabled_vectors"] = [3]
    sections["aer"]["outstanding"] = [7]
    aer_type = schema.struct("aer_state").field("pending").type
    assert isinstance(aer_type, ir.ArrayType)
    sections["aer"]["pending"] = [type_default(schema, aer_type.element)]
    vendor = schema.vendor_sections[0]
    assert vendor.type is not None
    state["vendor_sections"] = {vendor.name: type_default(schema, vendor.type)}
    return state


def hostile_state(schema: ir.Schema) -> State:
    """org.devstate.hostile with every table non-empty."""
    state = default_state(schema)
    ring = {"size": 8, "head": 1, "tail": 2, "base": 0x2000}
    state["sections"] = {
        "region": {"base": 0x1000, "data": bytes(range(16))},
        "log": {"text": "hi", "words": [1, 2], "cells": [{"value": 1}], "rings": [ring]},
        "table": [5, 6],
    }
    state["vendor_sections"] = {"firmware": bytes(range(24))}
    return state


def valid_hostile_vectors() -> list[Vector]:
    """Valid vectors of the hostile model (its 4 GiB maxima rule out the usual 'max' vector)."""
    from devstate.interp import decode, encode

    schema = resolve_schema(HOSTILE)
    vectors = [
        Vector("valid-org.devstate.hostile-1.0-default", HOSTILE, encode(schema, default_state(schema)),
               "every required section at its defaults; the optional table and vendor section absent"),
        Vector("valid-org.devstate.hostile-1.0-base", HOSTILE, encode(schema, hostile_state(schema)),
               "the base state of the malicious vectors: a 16-byte region, a string, every table non-empty, "
               "the optional table and the opaque vendor section present"),
    ]
    for vector in vectors:
        vector.expected = decode(schema, vector.blob)
    return vectors


def malicious_vectors() -> list[Vector]:
    return [*valid_hostile_vectors(), *MaliciousVectors().build()]


__all__ = ["MALICIOUS", "MaliciousVectors", "malicious_vectors"]
