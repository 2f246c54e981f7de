"""The benchmark's baseline: DSF codecs for virtio-net 1.1 and the region model, written by hand.

This is the code a careful engineer would write with ``struct`` for one schema version:
one precompiled ``Struct`` per fixed-size struct, ``iter_unpack`` for the queue array, and
the same checks as every DSF codec — header, length, CRC-32C, section framing and order,
counts and lengths against the declared maxima and the remaining input, strides, struct
sizes, bools, closed enums, undeclared flag bits and field ranges — in both directions.
Errors are ``ValueError`` with a message (no stable codes, offsets or paths: that is the
generated code's extra work). It reads only its own version's struct sizes (no version
tolerance), which is what a hand-written codec usually does.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

from crc32c import crc32c

MAGIC = b"\x89DSF\r\n\x1a\n"
HEADER = struct.Struct("<8sHHHHQB")
SECTION = struct.Struct("<HHI")
U32 = struct.Struct("<I")
U32X2 = struct.Struct("<II")
MODEL_ID = re.compile(rb"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")
REGION_VIEW = 64 * 1024


class BadBlob(ValueError):
    """The blob or the state breaks a DSF rule."""


# --- shared framing -------------------------------------------------------------------------


def read_envelope(data: memoryview, model: bytes, major: int) -> tuple[int, int]:
    """Check header, length, model, major and CRC; returns (sections start, trailer offset)."""
    if len(data) < 30:
        raise BadBlob("truncated header")
    magic, version, flags, blob_major, _minor, total, id_length = HEADER.unpack_from(data, 0)
    if magic != MAGIC or version != 1 or flags != 0:
        raise BadBlob("bad magic, format version or header flags")
    if not 1 <= id_length <= 128 or total < 29 + id_length or total != len(data):
        raise BadBlob("bad model id length or total length")
    blob_model = bytes(data[25 : 25 + id_length])
    if not MODEL_ID.match(blob_model):
        raise BadBlob("bad model id")
    if crc32c(data[: total - 4]) != U32.unpack_from(data, total - 4)[0]:
        raise BadBlob("bad checksum")
    if blob_model != model or blob_major != major:
        raise BadBlob("another model or major version")
    return 25 + id_length, total - 4


def sections(data: memoryview, at: int, end: int) -> list[tuple[int, int, int, int]]:
    """(id, flags, payload start, payload end) of every section, with framing and order checks."""
    found = []
    previous = (-1, b"", 0)
    while at < end:
        if end - at < 8:
            raise BadBlob("section header past the end")
        section_id, flags, length = SECTION.unpack_from(data, at)
        if not 1 <= section_id <= 0x7FFF or flags & ~3 or at + 8 + length > end:
            raise BadBlob("bad section id, flags or length")
        start = at + 8
        vendor = b""
        if flags & 2:
            if length < 18:
                raise BadBlob("short vendor header")
            vendor = bytes(data[start : start + 18])
            kind, pci = struct.unpack_from("<HH", vendor)
            if kind != 2 and (kind != 1 or not 1 <= pci <= 0xFFFE or any(vendor[4:])):
                raise BadBlob("bad vendor header")
        key = (1 if flags & 2 else 0, vendor, section_id)
        if key <= previous:
            raise BadBlob("sections out of order or duplicated")
        previous = key
        found.append((section_id, flags, start, start + length))
        at = start + length
    return found


def seal(model: bytes, major: int, minor: int, body: list[bytes | bytearray | memoryview]) -> bytes:
    total = 25 + len(model) + sum(len(piece) for piece in body) + 4
    pieces = [HEADER.pack(MAGIC, 1, 0, major, minor, total, len(model)) + model, *body]
    crc = 0
    for piece in pieces:
        crc = crc32c(piece, crc)
    pieces.append(U32.pack(crc))
    return b"".join(pieces)


def frame(section_id: int, flags: int, payload: list[bytes | bytearray | memoryview]) -> list[bytes | bytearray
                                                                                                  | memoryview]:
    return [SECTION.pack(section_id, flags, sum(len(piece) for piece in payload)), *payload]


# --- virtio-net 1.1 -------------------------------------------------------------------------

NET_MODEL = b"org.virtio.net"


class DeviceStatus(IntFlag):
    ACKNOWLEDGE = 1
    DRIVER = 2
    DRIVER_OK = 4
    FEATURES_OK = 8
    DEVICE_NEEDS_RESET = 64
    FAILED = 128


class IsrStatus(IntFlag):
    QUEUE_INTERRUPT = 1
    CONFIG_CHANGE = 2


class NetStatus(IntFlag):
    LINK_UP = 1
    ANNOUNCE = 2


class RxMode(IntFlag):
    PROMISC = 1
    ALLMULTI = 2
    ALLUNI = 4
    NOMULTI = 8
    NOUNI = 16
    NOBCAST = 32


class HashTypes(IntFlag):
    IPV4 = 1
    TCPV4 = 2
    UDPV4 = 4
    IPV6 = 8
    TCPV6 = 16
    UDPV6 = 32
    IPV6_EX = 64
    TCPV6_EX = 128
    UDPV6_EX = 256


class Duplex(IntEnum):
    HALF = 0
    FULL = 1
    UNKNOWN = 255


class RssMode(IntEnum):
    DISABLED = 0
    RSS = 1
    HASH_REPORT = 2


@dataclass(slots=True)
class Common:
    status: DeviceStatus
    device_feature_select: int
    device_features: list[int]
    driver_feature_select: int
    driver_features: list[int]
    config_generation: int
    queue_select: int
    msix_config: int
    isr: IsrStatus
    num_queues: int


@dataclass(slots=True)
class Queue:
    size: int
    enabled: bool
    desc_addr: int
    driver_addr: int
    device_addr: int
    last_avail_idx: int
    used_idx: int
    msix_vector: int
    notify_off: int
    notify_data: int
    avail_wrap_counter: bool
    used_wrap_counter: bool
    reset: bool


@dataclass(slots=True)
class Config:
    mac: list[int]
    status: NetStatus
    max_virtqueue_pairs: int
    mtu: int
    speed: int
    duplex: Duplex
    rss_max_key_size: int
    rss_max_indirection_table_length: int
    supported_hash_types: HashTypes


@dataclass(slots=True)
class Ctrl:
    curr_queue_pairs: int
    rx_mode: RxMode
    guest_offloads_disabled: int


@dataclass(slots=True)
class MacFilter:
    unicast_overflow: bool
    multicast_overflow: bool
    unicast: list[list[int]]
    multicast: list[list[int]]


@dataclass(slots=True)
class Announce:
    rounds_remaining: int
    next_round_delay: int


@dataclass(slots=True)
class Rss:
    mode: RssMode
    hash_types: HashTypes
    unclassified_queue: int
    max_tx_vq: int
    hash_key: bytes
    indirection_table: list[int]


@dataclass(slots=True)
class NetState:
    common: Common
    queues: list[Queue]
    config: Config
    ctrl: Ctrl
    mac_filter: MacFilter
    vlan_filter: list[int]
    announce: Announce
    rss: Rss | None = None
    impl_private: bytes | None = None
    unknown: list[tuple[int, int, bytes]] = field(default_factory=list)


COMMON = struct.Struct("<BI2QI2QBHHBH")
QUEUE = struct.Struct("<HBQQQHHHHHBBB")
CONFIG = struct.Struct("<6BHHHIBBHI")
CTRL = struct.Struct("<HBQ")
VLAN = struct.Struct("<128I")
ANNOUNCE = struct.Struct("<BI")
RSS_HEAD = struct.Struct("<BIHH")
DUPLEX = {member.value: member for member in Duplex}
RSS_MODE = {member.value: member for member in RssMode}
VENDOR_1AF4 = struct.pack("<HH14x", 1, 0x1AF4)


def decode_net(blob: bytes | bytearray | memoryview) -> NetState:
    data = memoryview(blob).toreadonly()
    start, end = read_envelope(data, NET_MODEL, 1)
    values: dict[str, object] = {}
    unknown = []
    for section_id, flags, at, stop in sections(data, start, end):
        if flags & 2:
            if bytes(data[at : at + 18]) == VENDOR_1AF4 and section_id == 1:
                if not flags & 1 or stop - at - 18 > 65536:
                    raise BadBlob("impl_private: flags or length")
                values["impl_private"] = bytes(data[at + 18 : stop])
            elif flags & 1:
                unknown.append((section_id, flags, bytes(data[at:stop])))
            else:
                raise BadBlob("unknown required vendor section")
            continue
        decoder = NET_SECTIONS.get(section_id)
        if decoder is None:
            if not flags & 1:
                raise BadBlob("unknown required section")
            unknown.append((section_id, flags, bytes(data[at:stop])))
            continue
        name, optional, function = decoder
        if bool(flags & 1) != optional:
            raise BadBlob(f"{name}: OPTIONAL flag")
        values[name] = function(data, at, stop)
    for name in ("common", "queues", "config", "ctrl", "mac_filter", "vlan_filter", "announce"):
        if name not in values:
            raise BadBlob(f"missing section {name}")
    return NetState(**values, unknown=unknown)  # type: ignore[arg-type]


def _common(data: memoryview, at: int, end: int) -> Common:
    if end - at != 49:
        raise BadBlob("common: size")
    (status, dfs, df0, df1, drfs, drf0, drf1, generation, select, msix, isr, queues) = COMMON.unpack_from(data, at)
    if status & 0x30:
        raise BadBlob("common.status: undeclared bits")
    if isr & ~3:
        raise BadBlob("common.isr: undeclared bits")
    return Common(DeviceStatus(status), dfs, [df0, df1], drfs, [drf0, drf1], generation, select, msix,
                  IsrStatus(isr), queues)


def _queues(data: memoryview, at: int, end: int) -> list[Queue]:
    if end - at < 8:
        raise BadBlob("queues: truncated")
    count, stride = U32X2.unpack_from(data, at)
    if count > 1024:
        raise BadBlob("queues: count over max")
    if stride != 40:
        raise BadBlob("queues: stride")
    at += 8
    if at + count * 40 != end:
        raise BadBlob("queues: count past end or trailing data")
    queues = []
    for (size, enabled, desc, driver, device, avail, used, msix, notify_off, notify_data, avail_wrap, used_wrap,
         reset) in QUEUE.iter_unpack(data[at:end]):
        if size > 32768:
            raise BadBlob("queue size out of range")
        if enabled > 1 or avail_wrap > 1 or used_wrap > 1 or reset > 1:
            raise BadBlob("queue: bad bool")
        queues.append(Queue(size, enabled == 1, desc, driver, device, avail, used, msix, notify_off, notify_data,
                            avail_wrap == 1, used_wrap == 1, reset == 1))
    return queues


def _config(data: memoryview, at: int, end: int) -> Config:
    if end - at != 24:
        raise BadBlob("config: size")
    (m0, m1, m2, m3, m4, m5, status, pairs, mtu, speed, duplex, key_size, table_length,
     hash_types) = CONFIG.unpack_from(data, at)
    if status & ~3:
        raise BadBlob("config.status: undeclared bits")
    if pairs > 32768 or key_size > 40 or table_length > 128:
        raise BadBlob("config: out of range")
    if duplex not in DUPLEX:
        raise BadBlob("config.duplex: bad enum")
    if hash_types & ~0x1FF:
        raise BadBlob("config.supported_hash_types: undeclared bits")
    return Config([m0, m1, m2, m3, m4, m5], NetStatus(status), pairs, mtu, speed, DUPLEX[duplex], key_size,
                  table_length, HashTypes(hash_types))


def _ctrl(data: memoryview, at: int, end: int) -> Ctrl:
    if end - at != 11:
        raise BadBlob("ctrl: size")
    pairs, rx_mode, offloads = CTRL.unpack_from(data, at)
    if not 1 <= pairs <= 32768:
        raise BadBlob("ctrl.curr_queue_pairs: out of range")
    if rx_mode & ~0x3F:
        raise BadBlob("ctrl.rx_mode: undeclared bits")
    return Ctrl(pairs, RxMode(rx_mode), offloads)


def _macs(data: memoryview, at: int, end: int) -> tuple[list[list[int]], int]:
    if end - at < 4:
        raise BadBlob("mac table: truncated")
    count = U32.unpack_from(data, at)[0]
    if count > 64:
        raise BadBlob("mac table: count over max")
    at += 4
    if count * 6 > end - at:
        raise BadBlob("mac table: count past end")
    raw = data[at : at + count * 6].tolist()
    return [raw[i : i + 6] for i in range(0, count * 6, 6)], at + count * 6


def _mac_filter(data: memoryview, at: int, end: int) -> MacFilter:
    if end - at < 10:
        raise BadBlob("mac_filter: truncated")
    unicast_overflow, multicast_overflow = data[at], data[at + 1]
    if unicast_overflow > 1 or multicast_overflow > 1:
        raise BadBlob("mac_filter: bad bool")
    unicast, at = _macs(data, at + 2, end)
    multicast, at = _macs(data, at, end)
    if at != end:
        raise BadBlob("mac_filter: trailing data")
    return MacFilter(unicast_overflow == 1, multicast_overflow == 1, unicast, multicast)


def _vlan(data: memoryview, at: int, end: int) -> list[int]:
    if end - at != 512:
        raise BadBlob("vlan_filter: size")
    return list(VLAN.unpack_from(data, at))


def _announce(data: memoryview, at: int, end: int) -> Announce:
    if end - at != 5:
        raise BadBlob("announce: size")
    rounds, delay = ANNOUNCE.unpack_from(data, at)
    return Announce(rounds, delay)


def _rss(data: memoryview, at: int, end: int) -> Rss:
    if end - at < 17:
        raise BadBlob("rss: truncated")
    mode, hash_types, unclassified, max_tx = RSS_HEAD.unpack_from(data, at)
    if mode not in RSS_MODE or hash_types & ~0x1FF:
        raise BadBlob("rss: bad enum or flags")
    key_length = U32.unpack_from(data, at + 9)[0]
    at += 13
    if key_length > 40 or key_length > end - at:
        raise BadBlob("rss.hash_key: length")
    key = bytes(data[at : at + key_length])
    at += key_length
    if end - at < 4:
        raise BadBlob("rss.indirection_table: truncated")
    count = U32.unpack_from(data, at)[0]
    at += 4
    if count > 128 or count * 2 != end - at:
        raise BadBlob("rss.indirection_table: count")
    table = list(struct.unpack_from(f"<{count}H", data, at))
    return Rss(RSS_MODE[mode], HashTypes(hash_types), unclassified, max_tx, key, table)


NET_SECTIONS = {1: ("common", False, _common), 2: ("queues", False, _queues), 3: ("config", False, _config),
                4: ("ctrl", False, _ctrl), 5: ("mac_filter", False, _mac_filter), 6: ("vlan_filter", False, _vlan),
                7: ("announce", False, _announce), 8: ("rss", True, _rss)}


def encode_net(state: NetState) -> bytes:
    body: list[bytes | bytearray | memoryview] = []
    c = state.common
    if c.status & 0x30 or c.isr & ~3 or len(c.device_features) != 2 or len(c.driver_features) != 2:
        raise BadBlob("common: bad flags or array length")
    body += frame(1, 0, [COMMON.pack(c.status, c.device_feature_select, *c.device_features,
                                     c.driver_feature_select, *c.driver_features, c.config_generation,
                                     c.queue_select, c.msix_config, c.isr, c.num_queues)])
    body += frame(2, 0, _encode_queues(state.queues))
    g = state.config
    if g.status & ~3 or g.max_virtqueue_pairs > 32768 or g.rss_max_key_size > 40 \
            or g.rss_max_indirection_table_length > 128 or g.duplex not in DUPLEX \
            or g.supported_hash_types & ~0x1FF or len(g.mac) != 6:
        raise BadBlob("config: out of range")
    body += frame(3, 0, [CONFIG.pack(*g.mac, g.status, g.max_virtqueue_pairs, g.mtu, g.speed, g.duplex,
                                     g.rss_max_key_size, g.rss_max_indirection_table_length,
                                     g.supported_hash_types)])
    t = state.ctrl
    if not 1 <= t.curr_queue_pairs <= 32768 or t.rx_mode & ~0x3F:
        raise BadBlob("ctrl: out of range")
    body += frame(4, 0, [CTRL.pack(t.curr_queue_pairs, t.rx_mode, t.guest_offloads_disabled)])
    body += frame(5, 0, _encode_mac_filter(state.mac_filter))
    if len(state.vlan_filter) != 128:
        raise BadBlob("vlan_filter: length")
    body += frame(6, 0, [VLAN.pack(*state.vlan_filter)])
    a = state.announce
    body += frame(7, 0, [ANNOUNCE.pack(a.rounds_remaining, a.next_round_delay)])
    if state.rss is not None:
        body += frame(8, 1, _encode_rss(state.rss))
    if state.impl_private is not None:
        if len(state.impl_private) > 65536:
            raise BadBlob("impl_private: length")
        body += frame(1, 3, [VENDOR_1AF4, state.impl_private])
    return seal(NET_MODEL, 1, 1, body)


def _encode_queues(queues: list[Queue]) -> list[bytes | bytearray | memoryview]:
    if len(queues) > 1024:
        raise BadBlob("queues: count over max")
    out = bytearray(len(queues) * 40)
    pack = QUEUE.pack_into
    at = 0
    for q in queues:
        if q.size > 32768:
            raise BadBlob("queue size out of range")
        if q.enabled > 1 or q.avail_wrap_counter > 1 or q.used_wrap_counter > 1 or q.reset > 1:
            raise BadBlob("queue: bad bool")
        pack(out, at, q.size, q.enabled, q.desc_addr, q.driver_addr, q.device_addr, q.last_avail_idx, q.used_idx,
             q.msix_vector, q.notify_off, q.notify_data, q.avail_wrap_counter, q.used_wrap_counter, q.reset)
        at += 40
    return [U32X2.pack(len(queues), 40), out]


def _encode_macs(macs: list[list[int]]) -> list[bytes | bytearray | memoryview]:
    if len(macs) > 64 or any(len(mac) != 6 for mac in macs):
        raise BadBlob("mac table: count or address length")
    return [U32.pack(len(macs)), bytes([byte for mac in macs for byte in mac])]


def _encode_mac_filter(f: MacFilter) -> list[bytes | bytearray | memoryview]:
    if f.unicast_overflow > 1 or f.multicast_overflow > 1:
        raise BadBlob("mac_filter: bad bool")
    return [bytes([f.unicast_overflow, f.multicast_overflow]), *_encode_macs(f.unicast), *_encode_macs(f.multicast)]


def _encode_rss(r: Rss) -> list[bytes | bytearray | memoryview]:
    if r.mode not in RSS_MODE or r.hash_types & ~0x1FF or len(r.hash_key) > 40 or len(r.indirection_table) > 128:
        raise BadBlob("rss: out of range")
    table = struct.pack(f"<I{len(r.indirection_table)}H", len(r.indirection_table), *r.indirection_table)
    return [RSS_HEAD.pack(r.mode, r.hash_types, r.unclassified_queue, r.max_tx_vq), U32.pack(len(r.hash_key)),
            r.hash_key, table]


# --- the region model (benchmarks/schemas/org.devstate.bench-region/1.0.yaml) -------------------

REGION_MODEL = b"org.devstate.bench-region"
REGION_HEAD = struct.Struct("<QII")
REGION_MAX = 256 << 20


@dataclass(slots=True)
class Region:
    base: int
    flags: int
    data: bytes | bytearray | memoryview


def decode_region(blob: bytes | bytearray | memoryview) -> Region:
    data = memoryview(blob).toreadonly()
    start, end = read_envelope(data, REGION_MODEL, 1)
    found = sections(data, start, end)
    if len(found) != 1 or found[0][0] != 1 or found[0][1] != 0:
        raise BadBlob("region: sections")
    _, _, at, stop = found[0]
    if stop - at < 16:
        raise BadBlob("region: truncated")
    base, flags, length = REGION_HEAD.unpack_from(data, at)
    if length > REGION_MAX or length != stop - at - 16:
        raise BadBlob("region: length")
    at += 16
    return Region(base, flags, data[at : at + length] if length >= REGION_VIEW else bytes(data[at : at + length]))


def encode_region(state: Region) -> bytes:
    if len(state.data) > REGION_MAX:
        raise BadBlob("region: length")
    return seal(REGION_MODEL, 1, 0, frame(1, 0, [REGION_HEAD.pack(state.base, state.flags, len(state.data)),
                                                 state.data]))
