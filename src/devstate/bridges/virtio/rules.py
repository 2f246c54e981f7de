"""The virtio 1.4 rules over a whole device-parts stream, checked in one pass in stream order.

``check_rules`` walks the parts once and raises ``BridgeDecodeError`` at the first part that
breaks a rule, so a stream with one fault is refused at that fault's offset:

- **order** (admin-cmds-device-parts.tex, "Device parts order"; the device MUST respond in
  that order, the driver MUST set in it): common parts by the order table, device-specific
  parts after them;
- **mandatory preceding parts**: the first part of a type needs every part the order table
  lists before it (MISSING_PART when it never comes, PART_ORDER when it comes later);
- **uniqueness** (device-parts.tex): at most one DEV_FEATURES, DRV_FEATURES and
  DEVICE_STATUS, one PCI_COMMON_CFG per offset, one VQ part per virtqueue index, one
  CVQ_CFG part per selector (net: "Each part is identified by a unique selector value");
- **features** (content.tex "Feature Bits"): the driver accepts only offered features and no
  reserved bit (a device may offer bits a future spec defines: "this does not preclude
  devices written to a future version of this specification from offering such feature
  bits"); a control command needs the features that let the driver send it (net: "Control
  Virtqueue"; several are the spec's own MUST NOTs);
- **values** a receiver can check from the parts alone: queue sizes (transport-pci.tex),
  ``virtqueue_pairs`` (1..0x8000), RSS (hash types, enabled receive queues), the MAC
  tables (unicast then multicast), the RX class's 0/1 bytes.

Unknown parts (skipped when OPTIONAL) take part in none of these rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from devstate.bridges.errors import BridgeCode, BridgeDecodeError
from devstate.bridges.layouts import Variable
from devstate.bridges.virtio import tables
from devstate.bridges.virtio.stream import Part, frame_parts
from devstate.bridges.virtio.tables import Selector

VALUE = tables.HEADER_SIZE
"""Offset of a part's value from its header."""
SELECTOR = 4
"""Offset of a part's selector from its header (le16 type, u8 flags, u8 reserved, u8 selector[8], le32 length)."""


@dataclass
class _Walk:
    """What the parts so far established."""

    parts: Sequence[Part]
    seen: dict[tuple[int, bytes], Part] = field(default_factory=dict)
    first: dict[str, Part] = field(default_factory=dict)
    previous: Part | None = None
    offered: int = 0
    negotiated: int = 0
    enabled_queues: set[int] = field(default_factory=set)
    queues: set[int] = field(default_factory=set)
    num_queues: int | None = None
    """PCI_COMMON_CFG num_queues, once a part has given it."""


def parse_parts(data: bytes | bytearray | memoryview, device_type: str | None = "net", base: int = 0) -> list[Part]:
    """Every part of ``data`` (offsets relative to ``base``), checked on its own and against the stream rules."""
    parts = frame_parts(data, device_type, base)
    check_rules(parts)
    return parts


def check_rules(parts: Sequence[Part]) -> None:
    """Every rule of the stream, in stream order; raises ``BridgeDecodeError`` at the first fault."""
    walk = _Walk(parts)
    for part in parts:
        if part.kind is None:
            continue
        _order(walk, part)
        _preceding(walk, part)
        _unique(walk, part)
        _values(walk, part)
        walk.previous = part
        walk.first.setdefault(part.kind.name, part)


def check_complete(parts: Sequence[Part], end: int) -> None:
    """A complete state (DEV_PARTS_GET ALL) has every mandatory part type."""
    present = {p.kind.name for p in parts if p.kind is not None}
    missing = [kind for kind in tables.COMMON_PARTS if kind.mandatory and kind.name not in present]
    if missing:
        names = ", ".join(kind.label for kind in missing)
        raise BridgeDecodeError(BridgeCode.MISSING_PART, end, missing[0].name,
                                f"the stream has no {names} part{'s' if len(missing) > 1 else ''}; a saved device "
                                "state (DEV_PARTS_GET ALL) always does")


def order_names(parts: Sequence[Part]) -> list[str]:
    kinds = {p.kind.name: p.kind.rank for p in parts if p.kind is not None}
    for kind in tables.COMMON_PARTS:
        kinds.setdefault(kind.name, kind.rank)
    return [name for name, _ in sorted(kinds.items(), key=lambda item: item[1])]


# --- order, preceding parts, uniqueness ------------------------------------------------------------


def _order(walk: _Walk, part: Part) -> None:
    previous = walk.previous
    assert part.kind is not None
    if previous is not None and previous.kind is not None and part.kind.rank < previous.kind.rank:
        raise BridgeDecodeError(BridgeCode.PART_ORDER, part.offset, part.label,
                                f"{part.name} follows {previous.name} (offset {previous.offset}); the spec's order "
                                f"is {' < '.join(order_names(walk.parts))}")


def _preceding(walk: _Walk, part: Part) -> None:
    assert part.kind is not None
    if part.kind.name in walk.first:
        return
    for name in part.kind.preceded_by:
        if name in walk.first:
            continue
        later = next((p for p in walk.parts if p.kind is not None and p.kind.name == name and p.offset > part.offset),
                     None)
        if later is not None:
            raise BridgeDecodeError(BridgeCode.PART_ORDER, part.offset, part.label,
                                    f"{part.name} must be preceded by {name}, which comes later "
                                    f"(offset {later.offset})")
        raise BridgeDecodeError(BridgeCode.MISSING_PART, part.offset, part.label,
                                f"{part.name} must be preceded by {name}, and the stream has no {name} part")


def _unique(walk: _Walk, part: Part) -> None:
    key = part.identity
    first = walk.seen.setdefault(key, part)
    if first is not part:
        raise BridgeDecodeError(BridgeCode.DUPLICATE_PART, part.offset, part.label,
                                f"{part.label} already appeared at offset {first.offset}"
                                + ("; each part has a unique selector" if key[1] else ""))


# --- values ----------------------------------------------------------------------------------------


def _values(walk: _Walk, part: Part) -> None:
    assert part.kind is not None
    name = part.kind.name
    if name == "DEV_FEATURES":
        walk.offered = _features(part, lambda index, word: None)
    elif name == "DRV_FEATURES":
        walk.negotiated = _features(part, lambda index, word: _accepted_problem(walk.offered, index, word))
    elif name == "PCI_COMMON_CFG" and part.common is not None and part.common.name == "num_queues":
        walk.num_queues = _int(part, "num_queues")
    elif name == "VQ_CFG":
        _queue_index(walk, part)
        _queue(walk, part)
    elif name == "VQ_NOTIFY_CFG":
        _queue_index(walk, part)
    elif part.kind.selector is Selector.CVQ and part.command is not None:
        _command(walk, part)


def _int(part: Part, name: str) -> int:
    value = part.items[name]
    assert isinstance(value, int)
    return value


def _ints(part: Part, name: str) -> list[int]:
    values = part.items[name]
    assert isinstance(values, list)
    return [value for value in values if isinstance(value, int)]


def _words(part: Part) -> list[int]:
    return _ints(part, "feature_bits")


def _features(part: Part, problem: Callable[[int, int], tuple[BridgeCode, str] | None]) -> int:
    bits = 0
    for index, word in enumerate(_words(part)):
        why = problem(index, word)
        if why is not None:
            code, message = why
            raise BridgeDecodeError(code, part.offset + VALUE + 8 * index, part.label, message)
        bits |= word << (64 * index)
    return bits


def _accepted_problem(offered: int, index: int, word: int) -> tuple[BridgeCode, str] | None:
    extra = word & ~(offered >> (64 * index)) & ((1 << 64) - 1)
    if extra:
        return (BridgeCode.NOT_OFFERED,
                f"the driver accepted feature bit {_lowest(index, extra)}, which DEV_FEATURES does not offer; "
                "the driver MUST NOT accept a feature which the device did not offer")
    reserved = _reserved_mask(index) & word
    if reserved:
        return (BridgeCode.RESERVED_NOT_ZERO,
                f"the driver accepted feature bit {_lowest(index, reserved)}, which virtio 1.4 reserves (bits 44-49 "
                "and 128 and above); the driver MUST NOT accept any feature bit that is marked as reserved")
    return None


def _lowest(index: int, bits: int) -> int:
    return 64 * index + (bits & -bits).bit_length() - 1


def _reserved_mask(index: int) -> int:
    if index >= tables.FIRST_FUTURE_FEATURE // 64:
        return (1 << 64) - 1
    if index == 0:
        return sum(1 << bit for bit in tables.RESERVED_FEATURES)
    return 0


def _negotiated(walk: _Walk, bit: int) -> bool:
    return bool(walk.negotiated >> bit & 1)


def _queue_index(walk: _Walk, part: Part) -> None:
    """A VQ part's vq_index names a virtqueue of the device: below num_queues when that is known."""
    if walk.num_queues is not None and part.index >= walk.num_queues:
        raise BridgeDecodeError(BridgeCode.BAD_SELECTOR, part.offset + SELECTOR, part.label,
                                f"vq_index {part.index} names no virtqueue: PCI_COMMON_CFG num_queues is "
                                f"{walk.num_queues} (virtqueues 0 to {walk.num_queues - 1})")


def _queue(walk: _Walk, part: Part) -> None:
    size = _int(part, "queue_size")
    packed = _negotiated(walk, tables.F_RING_PACKED)
    if size > tables.MAX_QUEUE_SIZE:
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + VALUE, part.label,
                                f"queue_size {size} is over the largest virtqueue ({tables.MAX_QUEUE_SIZE})")
    if not packed and size & (size - 1):
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + VALUE, part.label,
                                f"queue_size {size} is neither 0 nor a power of 2, and VIRTIO_F_RING_PACKED is not "
                                "negotiated: the device MUST present either a value of 0 or a power of 2")
    walk.queues.add(part.index)
    if _int(part, "enabled"):
        walk.enabled_queues.add(part.index)


def _command(walk: _Walk, part: Part) -> None:
    command = part.command
    assert command is not None
    missing = [bit for bit in command.features if not _negotiated(walk, bit)]
    if missing:
        rule = f" ({command.must})" if command.must else " (it could not have been sent)"
        raise BridgeDecodeError(BridgeCode.NOT_NEGOTIATED, part.offset, part.label,
                                f"{command.label} needs feature bit{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(map(str, missing))}, which DRV_FEATURES does not have{rule}")
    check = _COMMAND_CHECKS.get((command.class_name, command.command_name))
    if check is None and command.class_name == "RX":
        check = _on_off
    if check is not None:
        check(walk, part)


def _on_off(walk: _Walk, part: Part) -> None:
    value = _int(part, "on")
    if value not in (0, 1):
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + VALUE, part.label,
                                f"the value is {value}; the command-specific-data is one byte containing 0 or 1")


def _mac_table(walk: _Walk, part: Part) -> None:
    at = part.offset + VALUE
    for name, multicast in (("unicast", False), ("multicast", True)):
        entries = part.items[name]
        assert isinstance(entries, list)
        at += 4
        for index, mac in enumerate(entries):
            assert isinstance(mac, bytes)
            if bool(mac[0] & 1) != multicast:
                kind = "a multicast" if mac[0] & 1 else "a unicast"
                raise BridgeDecodeError(BridgeCode.BAD_VALUE, at + 6 * index, part.label,
                                        f"{name}[{index}] = {mac.hex(':')} is {kind} address; the driver MUST "
                                        "follow TABLE_SET by the non-multicast addresses, then the multicast ones")
        at += 6 * len(entries)


def _pairs(walk: _Walk, part: Part) -> None:
    pairs = _int(part, "virtqueue_pairs")
    if not 1 <= pairs <= 0x8000:
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + VALUE, part.label,
                                f"virtqueue_pairs is {pairs}; it is 1 (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN) to 0x8000 "
                                "(_MAX), and the driver MUST NOT request 0")


def _hash_types(part: Part, at: int) -> None:
    types = _int(part, "hash_types")
    if types & ~tables.HASH_TYPE_BITS:
        raise BridgeDecodeError(BridgeCode.BAD_VALUE, at, part.label,
                                f"hash_types {types:#x} sets bits {types & ~tables.HASH_TYPE_BITS:#x} that are no hash "
                                "type; a driver MUST NOT set any VIRTIO_NET_HASH_TYPE_ flags that are not supported "
                                "by a device")


def _rss(walk: _Walk, part: Part) -> None:
    _hash_types(part, part.offset + VALUE)
    assert part.command is not None and isinstance(part.command.layout, Variable)
    table = _ints(part, "indirection_table")
    at = part.offset + VALUE + part.command.layout.offset_of(part.items, "indirection_table")
    receive = _receive_queues(walk)
    for index, queue in enumerate(table):
        if 2 * queue not in receive:
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, at + 2 * index, part.label,
                                    f"indirection_table[{index}] = {queue} names virtqueue {2 * queue}, which is no "
                                    "receive virtqueue a VQ_CFG part enables; a driver MUST fill the "
                                    "indirection_table array only with enabled receive virtqueues ids")


def _receive_queues(walk: _Walk) -> set[int]:
    """The enabled receive virtqueues: even indices, the control queue (the last of 2N + 1) excepted."""
    receive = {index for index in walk.enabled_queues if index % 2 == 0}
    if _negotiated(walk, tables.F_CTRL_VQ) and len(walk.queues) % 2:
        receive.discard(max(walk.queues))
    return receive


def _hash(walk: _Walk, part: Part) -> None:
    _hash_types(part, part.offset + VALUE)


def _vlans(walk: _Walk, part: Part) -> None:
    for index, vlan in enumerate(_ints(part, "vlan_ids")):
        if vlan > tables.MAX_VLAN_ID:
            raise BridgeDecodeError(BridgeCode.BAD_VALUE, part.offset + VALUE + 2 * index, part.label,
                                    f"VLAN id {vlan} at entry {index} is over {tables.MAX_VLAN_ID} (a 12-bit VID)")


_COMMAND_CHECKS = {
    ("MAC", "TABLE_SET"): _mac_table,
    ("VLAN", "ADD"): _vlans,
    ("MQ", "VQ_PAIRS_SET"): _pairs,
    ("MQ", "RSS_CONFIG"): _rss,
    ("MQ", "HASH_CONFIG"): _hash,
}
