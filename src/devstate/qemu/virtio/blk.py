"""virtio-blk's own part of the section: the request list of ``virtio_blk_save_device``.

virtio-blk has no device VMState (hw/block/virtio-blk.c): ``vdc->save`` writes, for each
request taken from the rings and not completed (QEMU keeps them when a request failed
with ``werror``/``rerror=stop``; a drained device has none), the byte 1, the be32 queue
index when the device has more than one queue, and the request as a ``VirtQueueElementOld``
(49,168 host-endian bytes: head index, out/in counts, 1024 guest addresses each way and
1024 iovecs each way), with a be32 descriptor count (``ndescs``) before the element when
the device offers VIRTIO_F_RING_PACKED (``packed=on``); then the byte 0.

The descriptor count follows the features the device *offers* (``virtio_host_has_feature``:
host_features, a device property QEMU does not save), not the ones the driver accepted, so
a device with ``packed=on`` whose driver uses split rings writes it too. It is known with
``--property device-features=``, or when the driver negotiated packed rings (the accepted
features are a subset of the offered ones, checked after the features are read); otherwise
both layouts are tried, and with a request in flight only one fits. QEMU (7.2 and 10.x,
since 86044b24e8) writes the count *before* the element (``qemu_put_virtqueue_element``)
but reads it *after* it (``qemu_get_virtqueue_element``), so QEMU itself misreads the
requests of a packed-capable device; devstate reads what QEMU writes. The count is 1..the
ring's size (``virtqueue_packed_pop``: 1 for an indirect table, else the chain's length;
``virtqueue_ordered_fill`` refuses others), and a packed ring's head is the driver's 16-bit
buffer id, which QEMU does not bound by the ring's size.

A request is refused, as QEMU's loader and ring code refuse it, when its queue index names
no queue (``virtio_blk_load_device``: "Invalid virtqueue index in request list"), when it
has more than 1024 segments either way (CVE-2013-4535/4536, QEMU 36cf2a3713), a head past
its ring (the head indexes the used ring when the request completes; a split ring's), and when queue ``q``
would have more requests in flight than its ring has
entries: ``virtqueue_pop`` refuses to take a request while ``vq->inuse >= vq->vring.num``
(CVE-2016-5403, QEMU afd9096eb1), so a source never has more than ``queues[q].num`` on a
queue, and more would let a stream make the destination hold requests without bound.

Two requests with the same head on one queue are read: QEMU's ``virtqueue_split_pop`` and
``virtqueue_packed_pop`` keep no record of the heads in use, so a driver that offers a head
twice gets two requests that a stopped VM (``werror=stop``) saves; the destination completes
the chain twice as the source would have, which only the guest that did it sees.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from devstate.qemu.virtio.cursor import Cursor, Writer
from devstate.qemu.virtio.device import VIRTIO_F_RING_PACKED, VIRTQUEUE_MAX_SIZE, VirtioState
from devstate.qemu.virtio.errors import QemuCode

ELEMENT_SIZE = 16 + 2 * 8 * VIRTQUEUE_MAX_SIZE + 2 * 16 * VIRTQUEUE_MAX_SIZE
"""sizeof(VirtQueueElementOld) on a 64-bit host."""
CONFIG_SIZE = 96
"""sizeof(struct virtio_blk_config) in QEMU 10.0 (60 in 7.2, before secure erase and zoned)."""


@dataclass
class BlkRequest:
    """One in-flight request as QEMU saved it."""

    queue: int
    head: int
    out_num: int
    in_num: int
    element: bytes
    """The raw VirtQueueElementOld."""
    ndescs: int | None = None
    """The descriptor count QEMU writes before the element when the device offers packed rings."""


@dataclass
class BlkDevice:
    """virtio-blk's device part: the requests in flight, in QEMU's list order."""

    requests: list[BlkRequest] = field(default_factory=list)
    ndescs: bool = field(default=False, compare=False)
    """Whether the requests have packed descriptor counts (the layout read; no requests: either)."""


class BlkKind:
    """The virtio-blk device type for device.parse and device.write."""

    name = "virtio-blk"
    config_max = CONFIG_SIZE
    layout_hint = ("give --property device-features=0x... (the features the device offers: bit 34 with "
                   "packed=on)")

    def layouts(self, state: VirtioState, properties: dict[str, int]) -> Sequence[bool]:
        """Whether each request has a packed descriptor count (the device offers VIRTIO_F_RING_PACKED)."""
        if "device-features" in properties:
            return [bool(properties["device-features"] >> VIRTIO_F_RING_PACKED & 1)]
        return [False, True]  # the accepted features above bit 31 come after the device's part

    def read(self, cursor: Cursor, state: VirtioState, ndescs: bool) -> BlkDevice:
        device = BlkDevice()
        device.ndescs = ndescs
        in_flight = [0] * len(state.queues)
        while True:
            at = cursor.offset
            marker = cursor.u8(f"virtio-blk.requests[{len(device.requests)}]")
            if marker == 0:
                return device
            if marker != 1:
                raise cursor.fail(QemuCode.BAD_VALUE, f"virtio-blk.requests[{len(device.requests)}]",
                                  f"list marker {marker} (1: a request follows, 0: the end)", at)
            device.requests.append(_read_request(cursor, state, len(device.requests), in_flight, at, ndescs))

    def check(self, cursor: Cursor, state: VirtioState, start: int) -> None:
        """What needs the accepted features: packed rings and the descriptor counts, each request's head."""
        device: BlkDevice = state.device
        packed = state.has(VIRTIO_F_RING_PACKED)
        if packed and device.requests and not device.ndescs:
            raise cursor.fail(QemuCode.INCONSISTENT, "virtio-blk.requests[0]",
                              "packed rings negotiated, but the requests have no descriptor count (a device "
                              "offering packed rings writes one)", start)
        at = start
        for index, request in enumerate(device.requests):
            at += 1 + (4 if len(state.queues) > 1 else 0) + (4 if device.ndescs else 0)
            limit = 0x10000 if packed else state.queues[request.queue].num
            if request.head >= limit:
                past = ("is not a packed ring's 16-bit buffer id" if packed
                        else f"is past the ring ({state.queues[request.queue].num} entries)")
                raise cursor.fail(QemuCode.OUT_OF_RANGE, f"virtio-blk.requests[{index}].element.index",
                                  f"head descriptor {request.head} {past}", at)
            at += ELEMENT_SIZE

    def write(self, out: Writer, state: VirtioState) -> None:
        device: BlkDevice = state.device
        for request in device.requests:
            out.u8(1)
            if len(state.queues) > 1:
                out.be32(request.queue)
            if request.ndescs is not None:
                out.be32(request.ndescs)
            out.raw(request.element)
        out.u8(0)


BLK = BlkKind()


def _read_request(cursor: Cursor, state: VirtioState, index: int, in_flight: list[int], marker: int,
                  has_ndescs: bool) -> BlkRequest:
    name = f"virtio-blk.requests[{index}]"
    queue, where, at = 0, name, marker
    if not state.queues:
        raise cursor.fail(QemuCode.INCONSISTENT, name, "a request in flight on a device without virtqueues", at)
    if len(state.queues) > 1:
        where, at = f"{name}.queue", cursor.offset
        queue = cursor.be32(where)
        if queue >= len(state.queues):
            raise cursor.fail(QemuCode.OUT_OF_RANGE, where, f"queue {queue}; the device has {len(state.queues)}", at)
    num = state.queues[queue].num
    if in_flight[queue] >= num:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, where, f"{in_flight[queue] + 1} requests in flight on queue {queue}, "
                                                        f"whose ring has {num} entries", at)
    in_flight[queue] += 1
    ndescs = None
    if has_ndescs:
        at = cursor.offset
        ndescs = cursor.be32(f"{name}.ndescs")
        if not 1 <= ndescs <= num:
            raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.ndescs",
                              f"{ndescs} descriptors; a request on queue {queue} has 1..{num} (its ring's size)", at)
    at = cursor.offset
    element = cursor.take(ELEMENT_SIZE, f"{name}.element")
    head, out_num, in_num = struct.unpack_from("<III", element)
    if out_num > VIRTQUEUE_MAX_SIZE or in_num > VIRTQUEUE_MAX_SIZE:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.element",
                          f"{out_num} out and {in_num} in segments; at most {VIRTQUEUE_MAX_SIZE} each", at)
    return BlkRequest(queue, head, out_num, in_num, element, ndescs)
