"""Valid virtio-net and virtio-blk device sections made without a guest, and where their fields are.

``net_state`` and ``blk_state`` are what a QEMU 10.0 virtio-pci device could save (MSI-X,
the modern interface, the subsections QEMU sends for it), built from devstate's own
dataclasses; ``device.write`` gives the section payload. ``net_offsets``/``blk_offsets``
compute, from the layout QEMU writes (hw/virtio/virtio.c ``virtio_save``, virtio-pci,
msix, virtio-net's VMState, ``virtio_blk_save_device``), the payload offset of each field
the hostile cases change, so a test inserts one lie at a known byte.
"""

from __future__ import annotations

import struct

from devstate.qemu.virtio import blk, net
from devstate.qemu.virtio.device import (
    VIRTIO_F_RING_PACKED,
    VIRTIO_F_VERSION_1,
    VIRTIO_QUEUE_MAX,
    PciTransport,
    Queue,
    VirtioState,
)
from devstate.qemu.virtio.net import NetDevice, NetRss

MSIX_CAP = 0x40
"""Where the tests' config space has its MSI-X capability (the only one)."""
NET_VECTORS = 6
"""virtio-net with 2 queue pairs: 2 × 2 + 1 (control) + 1 (config) vectors, as QEMU sizes them."""
BLK_VECTORS = 3
NET_QUEUES = 5
BLK_RING_SIZES = (128, 2)
"""virtio-blk's two request queues; the second is tiny so that a full ring is a small section."""


def pci_transport(vectors: int) -> PciTransport:
    """A PCI function (256-byte config space) with an MSI-X capability of ``vectors`` vectors."""
    config = bytearray(256)
    config[0:4] = struct.pack("<HH", 0x1AF4, 0x1041)
    config[6] = 0x10  # PCI_STATUS_CAP_LIST
    config[0x34] = MSIX_CAP
    config[MSIX_CAP:MSIX_CAP + 4] = bytes([0x11, 0]) + struct.pack("<H", vectors - 1)
    table = b"".join(struct.pack("<QII", 0xFEE00000 + 16 * i, 0x4021 + i, 0) for i in range(vectors))
    return PciTransport(2, bytes(config), (0, 0, 0, 0), table, bytes((vectors + 7) // 8), 0)


def _queues(sizes: list[int]) -> list[Queue]:
    return [Queue(num, 0x10_0000 * (i + 1), 3 * i, i + 1) for i, num in enumerate(sizes)]


def _common(kind: str, transport: PciTransport, features: int, config: bytes, queues: list[Queue],
            device: object) -> VirtioState:
    return VirtioState(kind, transport, 0x0F, 0, 0, features & 0xFFFFFFFF, config, queues, device,
                       device_endian=1, features=features,
                       rings=[(q.desc + 0x1000, q.desc + 0x2000) for q in queues] +
                       [(0, 0)] * (VIRTIO_QUEUE_MAX - len(queues)),
                       started=True)


NET_FEATURES = 1 << VIRTIO_F_VERSION_1 | 1 << 1 | 1 << net.F_MQ | 1 << net.F_CTRL_VQ | 1 << net.F_CTRL_GUEST_OFFLOADS
"""VERSION_1, GUEST_CSUM (bit 1), CTRL_GUEST_OFFLOADS, CTRL_VQ, MQ (in the low word: the reader knows the
section saves the queue pairs)."""


def net_state() -> VirtioState:
    """virtio-net with 2 queue pairs (5 virtqueues), 2 MAC filter entries and an RSS subsection."""
    device = NetDevice(bytes.fromhex("525400123456"), [0, 0], 1, 1, 1, 0,
                       [bytes.fromhex("020000000001"), bytes.fromhex("01005e000001")], b"\x01" + bytes(511),
                       1, 0, 0, 0, 0, 0, 0, 0, max_queue_pairs=2, curr_queue_pairs=2, curr_guest_offloads=1 << 1,
                       rss=NetRss(True, False, False, 0x3F, 0, bytes(range(40)), [0, 1, 0, 1]))
    config = bytes.fromhex("525400123456") + struct.pack("<HHH", 1, 2, 1500) + bytes(12)
    return _common("virtio-net", pci_transport(NET_VECTORS), NET_FEATURES, config,
                   _queues([256] * NET_QUEUES), device)


def element(head: int, out_num: int = 1, in_num: int = 2) -> bytes:
    """A VirtQueueElementOld (little-endian, as a 64-bit x86 host writes it) with zero addresses."""
    raw = struct.pack("<III", head, out_num, in_num)
    return raw + bytes(blk.ELEMENT_SIZE - len(raw))


def blk_state(requests: list[tuple[int, int]] = (), sizes: tuple[int, ...] = BLK_RING_SIZES,  # type: ignore[assignment]
              packed: bool = False, packed_rings: bool = False) -> VirtioState:
    """virtio-blk with request queues of ring ``sizes`` (two by default), the requests ``(queue, head)`` in flight.

    ``packed``: the device offers packed rings (``packed=on``), so each request has a descriptor count (1, before
    the element); ``packed_rings``: the driver negotiated them too."""
    config = struct.pack("<QII", 16384, 0, 254) + bytes(blk.CONFIG_SIZE - 16)
    device = blk.BlkDevice([blk.BlkRequest(q, h, 1, 2, element(h), 1 if packed else None) for q, h in requests],
                           ndescs=packed)
    features = 1 << VIRTIO_F_VERSION_1 | (1 << VIRTIO_F_RING_PACKED if packed_rings else 0)
    return _common("virtio-blk", pci_transport(BLK_VECTORS), features, config, _queues(list(sizes)), device)


def _transport_size(state: VirtioState) -> int:
    t = state.transport
    return 4 + len(t.config) + 16 + len(t.msix_table) + len(t.msix_pba) + 2


def common_offsets(state: VirtioState) -> dict[str, int]:
    """Payload offsets of the transport's and virtio_save's fields (queue n: ``queues[n].num`` ...)."""
    t = _transport_size(state)
    config_len = t + 8
    num_queues = config_len + 4 + len(state.config)
    out = {"pci.version_id": 0, "pci.irq_state[2]": 4 + 256 + 8, "config_vector": t - 2, "status": t,
           "queue_sel": t + 2, "guest_features": t + 4, "config_len": config_len, "num_queues": num_queues,
           "device": num_queues + 4 + 16 * len(state.queues)}
    for n in range(len(state.queues)):
        at = num_queues + 4 + 16 * n
        out |= {f"queues[{n}].num": at, f"queues[{n}].desc": at + 4, f"queues[{n}].last_avail_idx": at + 12,
                f"queues[{n}].vector": at + 14}
    return out


def net_offsets(state: VirtioState) -> dict[str, int]:
    """``common_offsets`` and virtio-net's own fields."""
    out = common_offsets(state)
    dev = out["device"]
    macs = dev + 22
    vnet = macs + 6 * len(state.device.macs) + 512
    pairs = vnet + 4 + len(net.FLAGS)
    out |= {"mac": dev, "promisc": dev + 16, "in_use": dev + 18, "has_vnet_hdr": vnet, "nobcast": vnet + 4 + 5,
            "max_queue_pairs": pairs, "curr_queue_pairs": pairs + 2, "curr_guest_offloads": pairs + 8}
    rss = pairs + 8 + 8
    out |= {"rss": rss, "rss.enabled": rss + 2 + len("virtio-net-device/rss") + 4}
    out["rss.indirections_len"] = out["rss.enabled"] + 3 + 4
    return out


def blk_offsets(state: VirtioState) -> dict[str, int]:
    """``common_offsets`` and the request list: ``requests[n]`` (the marker), ``.queue``, ``.ndescs``, ``.element``."""
    out = common_offsets(state)
    at, index = out["device"], 4 if len(state.queues) > 1 else 0  # the be32 queue index: only with > 1 queue
    for n, request in enumerate(state.device.requests):
        ndescs = 0 if request.ndescs is None else 4  # the be32 descriptor count: only when packed rings are offered
        out |= {f"requests[{n}]": at, f"requests[{n}].element": at + 1 + index + ndescs}
        if index:
            out[f"requests[{n}].queue"] = at + 1
        if ndescs:
            out[f"requests[{n}].ndescs"] = at + 1 + index
        at += 1 + index + ndescs + blk.ELEMENT_SIZE
    out["end"] = at
    return out


def subsection_at(data: bytes, name: str) -> int:
    """The offset of the subsection header of ``name`` (0x05, length, name, version) in a payload."""
    raw = name.encode()
    return data.index(b"\x05" + bytes([len(raw)]) + raw + b"\x00\x00\x00")


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """``data`` with ``value`` packed (``struct`` format ``fmt``) at ``offset``."""
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)
