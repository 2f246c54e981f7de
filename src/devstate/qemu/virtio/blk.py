"""virtio-blk's own part of the section: the request list of ``virtio_blk_save_device``.

virtio-blk has no device VMState (hw/block/virtio-blk.c): ``vdc->save`` writes, for each
request taken from the rings and not completed (QEMU keeps them when a request failed
with ``werror``/``rerror=stop``; a drained device has none), the byte 1, the be32 queue
index when the device has more than one queue, and the request as a ``VirtQueueElementOld``
(49,168 host-endian bytes: head index, out/in counts, 1024 guest addresses each way and
1024 iovecs each way; with packed rings a be32 descriptor count first); then the byte 0.
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
MAX_REQUESTS = 1024


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
        while True:
            at = cursor.offset
            marker = cursor.u8(f"virtio-blk.requests[{len(device.requests)}]")
            if marker == 0:
                return device
            if marker != 1 or len(device.requests) >= MAX_REQUESTS:
                raise cursor.fail(QemuCode.BAD_VALUE, f"virtio-blk.requests[{len(device.requests)}]",
                                  f"list marker {marker} (1: a request follows, 0: the end)"
                                  if marker != 1 else f"more than {MAX_REQUESTS} requests in flight", at)
            device.requests.append(_read_request(cursor, state, len(device.requests)))

    def write(self, out: Writer, state: VirtioState) -> None:
        device: BlkDevice = state.device
        for request in device.requests:
            out.u8(1)
            if len(state.queues) > 1:
                out.be32(request.queue)
            out.raw(request.element)
        out.u8(0)


BLK = BlkKind()


def _read_request(cursor: Cursor, state: VirtioState, index: int) -> BlkRequest:
    name = f"virtio-blk.requests[{index}]"
    queue = 0
    if len(state.queues) > 1:
        at = cursor.offset
        queue = cursor.be32(f"{name}.queue")
        if queue >= len(state.queues):
            raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.queue",
                              f"queue {queue}; the device has {len(state.queues)}", at)
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
