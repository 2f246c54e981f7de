"""virtio-blk's own part of the section: the request list of ``virtio_blk_save_device``.

virtio-blk has no device VMState (hw/block/virtio-blk.c): ``vdc->save`` writes, for each
request taken from the rings and not completed (QEMU keeps them when a request failed
with ``werror``/``rerror=stop``; a drained device has none), the byte 1, the be32 queue
index when the device has more than one queue, and the request as a ``VirtQueueElementOld``
(49,168 host-endian bytes: head index, out/in counts, 1024 guest addresses each way and
1024 iovecs each way; with packed rings a be32 descriptor count first); then the byte 0.

A request is refused, as QEMU's loader and ring code refuse it, when its queue index names
no queue (``virtio_blk_load_device``: "Invalid virtqueue index in request list"), when it
has more than 1024 segments either way (CVE-2013-4535/4536, QEMU 36cf2a3713), a head past
its ring (the head indexes the used ring when the request completes), and when queue ``q``
would have more requests in flight than its ring has
entries: ``virtqueue_pop`` refuses to take a request while ``vq->inuse >= vq->vring.num``
(CVE-2016-5403, QEMU afd9096eb1), so a source never has more than ``queues[q].num`` on a
queue, and more would let a stream make the destination hold requests without bound.
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
    """The raw VirtQueueElementOld (and the packed descriptor count before it, if any)."""


@dataclass
class BlkDevice:
    """virtio-blk's device part: the requests in flight, in QEMU's list order."""

    requests: list[BlkRequest] = field(default_factory=list)


class BlkKind:
    """The virtio-blk device type for device.parse and device.write."""

    name = "virtio-blk"
    config_max = CONFIG_SIZE
    layout_hint = ""

    def layouts(self, state: VirtioState, properties: dict[str, int]) -> Sequence[None]:
        return [None]

    def read(self, cursor: Cursor, state: VirtioState, layout: None) -> BlkDevice:
        device = BlkDevice()
        in_flight = [0] * len(state.queues)
        while True:
            at = cursor.offset
            marker = cursor.u8(f"virtio-blk.requests[{len(device.requests)}]")
            if marker == 0:
                return device
            if marker != 1:
                raise cursor.fail(QemuCode.BAD_VALUE, f"virtio-blk.requests[{len(device.requests)}]",
                                  f"list marker {marker} (1: a request follows, 0: the end)", at)
            device.requests.append(_read_request(cursor, state, len(device.requests), in_flight, at))

    def write(self, out: Writer, state: VirtioState) -> None:
        device: BlkDevice = state.device
        for request in device.requests:
            out.u8(1)
            if len(state.queues) > 1:
                out.be32(request.queue)
            out.raw(request.element)
        out.u8(0)


BLK = BlkKind()


def _read_request(cursor: Cursor, state: VirtioState, index: int, in_flight: list[int], marker: int) -> BlkRequest:
    name = f"virtio-blk.requests[{index}]"
    queue, where, at = 0, name, marker
    if not state.queues:
        raise cursor.fail(QemuCode.INCONSISTENT, name, "a request in flight on a device without virtqueues", at)
    if len(state.queues) > 1:
        where, at = f"{name}.queue", cursor.offset
        queue = cursor.be32(where)
        if queue >= len(state.queues):
            raise cursor.fail(QemuCode.OUT_OF_RANGE, where, f"queue {queue}; the device has {len(state.queues)}", at)
    if in_flight[queue] >= state.queues[queue].num:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, where,
                          f"{in_flight[queue] + 1} requests in flight on queue {queue}, whose ring has "
                          f"{state.queues[queue].num} entries", at)
    in_flight[queue] += 1
    packed = cursor.take(4, f"{name}.ndescs") if state.has(VIRTIO_F_RING_PACKED) else b""
    at = cursor.offset
    element = cursor.take(ELEMENT_SIZE, f"{name}.element")
    head, out_num, in_num = struct.unpack_from("<III", element)
    if out_num > VIRTQUEUE_MAX_SIZE or in_num > VIRTQUEUE_MAX_SIZE:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.element",
                          f"{out_num} out and {in_num} in segments; at most {VIRTQUEUE_MAX_SIZE} each", at)
    if head >= state.queues[queue].num:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.element.index",
                          f"head descriptor {head} is past the ring ({state.queues[queue].num} entries)", at)
    return BlkRequest(queue, head, out_num, in_num, packed + element)
