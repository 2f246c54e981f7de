"""virtio-net's own part of the section: the ``virtio-net-device`` VMState (hw/net/virtio-net.c).

Fields, in order (QEMU 7.2 and 10.0, VIRTIO_NET_VM_VERSION 11): ``mac`` (6 bytes), the
first queue pair's ``tx_waiting`` be32, ``mergeable_rx_bufs`` be32, ``status`` be16,
``promisc`` and ``allmulti`` u8, ``mac_table.in_use`` be32 and that many 6-byte MACs (only
when they fit QEMU's 64-entry table; otherwise QEMU skips them and empties the table),
the VLAN bitmap (512 bytes: 128 host-endian u32 words), ``has_vnet_hdr`` be32,
``multi_overflow``, ``uni_overflow``, ``alluni``, ``nomulti``, ``nouni``, ``nobcast`` and
``has_ufo`` u8; when the device has more than one queue pair, ``max_queue_pairs`` be16
(which must equal the destination's) and ``curr_queue_pairs`` be16; then ``tx_waiting``
be32 of queue pairs 2..curr_queue_pairs; ``curr_guest_offloads`` be64 when
VIRTIO_NET_F_CTRL_GUEST_OFFLOADS is negotiated; then the subsections
``virtio-net-device/rss`` and (10.0, vhost-user back ends only) ``virtio-net-device/backend``.

Whether ``max_queue_pairs`` is there depends on a device property, not on anything
saved. It is known when the driver negotiated VIRTIO_NET_F_MQ (the queue count is then
2 × max_queue_pairs + 1) or from ``--property max-queue-pairs=N``;
otherwise both layouts are tried against the section's length, and only one fits.

The number of virtqueues is what ``virtio_net_set_multiqueue`` made it: 2 × max_queue_pairs
+ 1 (rx and tx of each pair, then the control queue) with VIRTIO_NET_F_MQ or
VIRTIO_NET_F_RSS negotiated, else 3 — or still 2 × max_queue_pairs + 1 in QEMU 7.2, which
creates every pair at realize and keeps them when the driver resets the device. Any other
count is refused (``QEMU_INCONSISTENT`` at ``virtio.num_queues``): QEMU's loader only
bounds it by 1024, and then resizes the device from it (10.x, ``virtio_net_pre_load_queues``
→ ``virtio_net_change_num_queues``; 7.2 from the loaded count when the features are set):
past 2 × max_queue_pairs + 1 it indexes ``n->vqs`` past its max_queue_pairs entries, an even
count or fewer than 3 fails its asserts or deletes pair 0, and with fewer queues than the
negotiated pairs need the missing pairs come back empty, losing the rings the guest uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devstate.qemu.virtio.cursor import Cursor, Writer
from devstate.qemu.virtio.device import VirtioState
from devstate.qemu.virtio.errors import QemuCode
from devstate.qemu.virtio.subsections import Subsection, read_subsections

MAC_TABLE_ENTRIES = 64
MAX_VLAN = 4096
RSS_MAX_KEY_SIZE = 40
RSS_MAX_TABLE_LEN = 128
F_CTRL_GUEST_OFFLOADS = 2
F_CTRL_VQ = 17
F_CTRL_VLAN = 19
F_MQ = 22
F_RSS = 60
F_HASH_REPORT = 57
FLAGS = ("mac_table.multi_overflow", "mac_table.uni_overflow", "alluni", "nomulti", "nouni", "nobcast", "has_ufo")
"""The u8 fields after has_vnet_hdr, in stream order."""
CONFIG_SIZE = 24
"""sizeof(struct virtio_net_config) in QEMU 7.2 and 10.0."""


@dataclass
class NetRss:
    """virtio-net-device/rss: the RSS configuration the driver set."""

    enabled: bool = False
    redirect: bool = False
    populate_hash: bool = False
    hash_types: int = 0
    default_queue: int = 0
    key: bytes = bytes(RSS_MAX_KEY_SIZE)
    indirections: list[int] = field(default_factory=list)


@dataclass
class NetDevice:
    """virtio-net-device as saved."""

    mac: bytes
    tx_waiting: list[int]
    """tx_waiting of queue pair 1, then of pairs 2..curr_queue_pairs."""
    mergeable_rx_bufs: int
    status: int
    promisc: int
    allmulti: int
    macs: list[bytes]
    vlans: bytes
    has_vnet_hdr: int
    multi_overflow: int
    uni_overflow: int
    alluni: int
    nomulti: int
    nouni: int
    nobcast: int
    has_ufo: int
    max_queue_pairs: int | None = None
    """Present (with curr_queue_pairs) only when the device has more than one queue pair."""
    curr_queue_pairs: int | None = None
    curr_guest_offloads: int | None = None
    rss: NetRss | None = None

    def vlan_words(self) -> list[int]:
        """The VLAN bitmap as 128 words (a raw copy of QEMU's uint32_t array: little-endian on x86)."""
        return [int.from_bytes(self.vlans[i:i + 4], "little") for i in range(0, len(self.vlans), 4)]


class NetKind:
    """The virtio-net device type for device.parse and device.write."""

    name = "virtio-net"
    config_max = CONFIG_SIZE
    layout_hint = "give --property max-queue-pairs=N (the device's queue pairs)"

    def layouts(self, state: VirtioState, properties: dict[str, int]) -> Sequence[bool]:
        """Whether max_queue_pairs/curr_queue_pairs are in the section (the device has > 1 queue pair)."""
        if "max-queue-pairs" in properties:
            return [properties["max-queue-pairs"] > 1]
        if state.features_lo >> F_MQ & 1:  # the feature words above 31 come after the device's part
            return [len(state.queues) > 3]
        return [len(state.queues) > 3, len(state.queues) <= 3]

    def read(self, cursor: Cursor, state: VirtioState, pairs_saved: bool) -> NetDevice:
        name = "virtio-net"
        mac = cursor.take(6, f"{name}.mac")
        tx_waiting = [cursor.be32(f"{name}.vqs[0].tx_waiting")]
        head = (cursor.be32(f"{name}.mergeable_rx_bufs"), cursor.be16(f"{name}.status"),
                _bool_byte(cursor, f"{name}.promisc"), _bool_byte(cursor, f"{name}.allmulti"))
        macs, vlans = _read_macs(cursor), cursor.take(MAX_VLAN // 8, f"{name}.vlans")
        vnet = _bool_word(cursor, f"{name}.has_vnet_hdr")
        flags = [_bool_byte(cursor, f"{name}.{flag}") for flag in FLAGS]
        device = NetDevice(mac, tx_waiting, head[0], head[1], head[2], head[3], macs, vlans, vnet, flags[0], flags[1],
                           flags[2], flags[3], flags[4], flags[5], flags[6])
        if pairs_saved:
            _read_pairs(cursor, state, device)
        for pair in range(1, device.curr_queue_pairs or 1):
            device.tx_waiting.append(cursor.be32(f"{name}.vqs[{pair}].tx_waiting"))
        if state.features_lo >> F_CTRL_GUEST_OFFLOADS & 1:  # what QEMU's loader tests at this point
            device.curr_guest_offloads = cursor.be64(f"{name}.curr_guest_offloads")
        read_subsections(cursor, "virtio-net-device", {
            "virtio-net-device/rss": Subsection(1, lambda c: setattr(device, "rss", _read_rss(c))),
            "virtio-net-device/backend": Subsection(0, _refuse_backend, minimum_version=0),
        })
        return device

    def check(self, cursor: Cursor, state: VirtioState, start: int) -> None:
        """The queue count against the queue pairs and the negotiated features (module docstring)."""
        device: NetDevice = state.device
        pairs = device.max_queue_pairs or 1
        full, count = 2 * pairs + 1, len(state.queues)
        multiqueue = state.has(F_MQ) or state.has(F_RSS)
        if count == full or (count == 3 and not multiqueue):
            return
        if multiqueue:
            expected = f"with VIRTIO_NET_F_MQ or VIRTIO_NET_F_RSS negotiated QEMU's virtio-net has 2 × {pairs} + 1"
        elif pairs > 1:
            expected = f"QEMU's virtio-net has 3, or 2 × {pairs} + 1 (its queue pairs and the control queue)"
        else:
            expected = "QEMU's virtio-net with one queue pair has 3 (rx, tx and the control queue)"
        record = 16 if state.transport.msix_vectors else 14  # num be32, desc be64, last_avail_idx be16, vector
        raise cursor.fail(QemuCode.INCONSISTENT, "virtio.num_queues", f"{count} virtqueues; {expected}",
                          start - 4 - record * count)

    def write(self, out: Writer, state: VirtioState) -> None:
        device: NetDevice = state.device
        out.raw(device.mac)
        out.be32(device.tx_waiting[0])
        out.be32(device.mergeable_rx_bufs)
        out.be16(device.status)
        out.u8(device.promisc)
        out.u8(device.allmulti)
        out.be32(len(device.macs))
        for mac in device.macs:
            out.raw(mac)
        out.raw(device.vlans)
        out.be32(device.has_vnet_hdr)
        for value in (device.multi_overflow, device.uni_overflow, device.alluni, device.nomulti, device.nouni,
                      device.nobcast, device.has_ufo):
            out.u8(value)
        if device.max_queue_pairs is not None:
            assert device.curr_queue_pairs is not None
            out.be16(device.max_queue_pairs)
            out.be16(device.curr_queue_pairs)
        for waiting in device.tx_waiting[1:]:
            out.be32(waiting)
        if device.curr_guest_offloads is not None:
            out.be64(device.curr_guest_offloads)
        if device.rss is not None:
            _write_rss(out, device.rss)


NET = NetKind()


def _bool_byte(cursor: Cursor, field_name: str) -> int:
    at = cursor.offset
    value = cursor.u8(field_name)
    if value > 1:
        raise cursor.fail(QemuCode.BAD_VALUE, field_name, f"{value}; QEMU saves this flag as 0 or 1", at)
    return value


def _bool_word(cursor: Cursor, field_name: str) -> int:
    at = cursor.offset
    value = cursor.be32(field_name)
    if value > 1:
        raise cursor.fail(QemuCode.BAD_VALUE, field_name, f"{value}; QEMU saves this flag as 0 or 1", at)
    return value


def _read_macs(cursor: Cursor) -> list[bytes]:
    at = cursor.offset
    in_use = cursor.be32("virtio-net.mac_table.in_use")
    if in_use > MAC_TABLE_ENTRIES:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, "virtio-net.mac_table.in_use",
                          f"{in_use} entries; QEMU's MAC table has {MAC_TABLE_ENTRIES} (QEMU skips them and "
                          "empties the table)", at)
    return [cursor.take(6, f"virtio-net.mac_table.macs[{i}]") for i in range(in_use)]


def _read_pairs(cursor: Cursor, state: VirtioState, device: NetDevice) -> None:
    at = cursor.offset
    device.max_queue_pairs = cursor.be16("virtio-net.max_queue_pairs")
    if device.max_queue_pairs < 2:
        raise cursor.fail(QemuCode.BAD_VALUE, "virtio-net.max_queue_pairs",
                          f"{device.max_queue_pairs}; QEMU saves it only for more than one queue pair", at)
    if 2 * device.max_queue_pairs + 1 < len(state.queues):
        raise cursor.fail(QemuCode.INCONSISTENT, "virtio-net.max_queue_pairs",
                          f"{device.max_queue_pairs} queue pairs cannot have {len(state.queues)} virtqueues", at)
    at = cursor.offset
    device.curr_queue_pairs = cursor.be16("virtio-net.curr_queue_pairs")
    if device.curr_queue_pairs > device.max_queue_pairs:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, "virtio-net.curr_queue_pairs",
                          f"{device.curr_queue_pairs} > max_queue_pairs {device.max_queue_pairs}", at)
    if device.curr_queue_pairs == 0:
        raise cursor.fail(QemuCode.BAD_VALUE, "virtio-net.curr_queue_pairs", "0; a device has at least one pair", at)


def _read_rss(cursor: Cursor) -> NetRss:
    name = "virtio-net-device/rss"
    rss = NetRss(cursor.flag(f"{name}.enabled"), cursor.flag(f"{name}.redirect"),
                 cursor.flag(f"{name}.populate_hash"), cursor.be32(f"{name}.hash_types"))
    at = cursor.offset
    length = cursor.be16(f"{name}.indirections_len")
    if length > RSS_MAX_TABLE_LEN:
        raise cursor.fail(QemuCode.OUT_OF_RANGE, f"{name}.indirections_len",
                          f"{length} entries; QEMU's table has at most {RSS_MAX_TABLE_LEN}", at)
    rss.default_queue = cursor.be16(f"{name}.default_queue")
    rss.key = cursor.take(RSS_MAX_KEY_SIZE, f"{name}.key")
    rss.indirections = [cursor.be16(f"{name}.indirections_table[{i}]") for i in range(length)]
    return rss


def _write_rss(out: Writer, rss: NetRss) -> None:
    out.subsection("virtio-net-device/rss")
    out.flag(rss.enabled)
    out.flag(rss.redirect)
    out.flag(rss.populate_hash)
    out.be32(rss.hash_types)
    out.be16(len(rss.indirections))
    out.be16(rss.default_queue)
    out.raw(rss.key)
    for queue in rss.indirections:
        out.be16(queue)


def _refuse_backend(cursor: Cursor) -> None:
    raise cursor.fail(QemuCode.UNSUPPORTED, "virtio-net-device/backend",
                      "vhost-user back-end state (an opaque stream of the back end) is not translated")
