"""virtio device parts as data: part types, order, counts, value layouts, control commands.

Sources (virtio 1.4, oasis-tcs/virtio-spec): ``device-parts.tex`` (the part header,
``struct virtio_dev_part_hdr``; the common part types 0x100-0x105 and their values),
``admin-cmds-device-parts.tex`` (the order table and the count rules), the transport's
``struct virtio_pci_common_cfg`` (the fields a PCI_COMMON_CFG part selects by offset) and
``device-types/net/description.tex`` (the virtio-net part CVQ_CFG, selected by a control
command's class and command, whose value is that command's data). Nothing here is
per-device code: a new device type adds rows to ``DEVICE_PARTS`` and ``CVQ_COMMANDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from devstate.bridges.layouts import CountedLists, Fixed, Layout, Slot, Variable, Words

HEADER_SIZE = 16
"""``struct virtio_dev_part_hdr``: le16 part_type, u8 flags, u8 reserved, u8 selector[8], le32 length."""
FLAG_OPTIONAL = 0x01
"""VIRTIO_DEV_PART_F_OPTIONAL (bit 0): a device may ignore the part when setting it."""
KNOWN_FLAGS = FLAG_OPTIONAL
COMMON_RANGE = range(0x0000, 0x0200)
DEVICE_RANGE = range(0x0200, 0x0600)


class Selector(Enum):
    """How a part type uses the 8-byte selector."""

    NONE = "none"
    """Not used: all 8 bytes are zero."""
    COMMON_CFG = "pci_common_cfg"
    """``le32 offset; le32 reserved``: the field's offset in ``struct virtio_pci_common_cfg``."""
    VQ_INDEX = "vq_index"
    """``le16 index; u8 reserved[6]``: the virtqueue index."""
    CVQ = "cvq"
    """``u8 class; u8 command; u8 reserved[6]``: a virtio-net control command."""


class Count(Enum):
    """How many parts of a type a stream may hold."""

    ONE = "at most one"
    PER_SELECTOR = "one per selector"


@dataclass(frozen=True)
class PartType:
    id: int
    name: str
    selector: Selector
    layout: Layout | None
    """The value layout; None when it depends on the selector (PCI_COMMON_CFG, CVQ_CFG)."""
    rank: int
    """Position in the spec's order table; parts appear in non-decreasing rank."""
    count: Count
    flags: int = 0
    """The flags an exporter sets (DEV_FEATURES is marked OPTIONAL by the spec)."""
    mandatory: bool = False
    """A complete state (DEV_PARTS_GET ALL) holds this part."""
    preceded_by: tuple[str, ...] = ()
    """The order table's "mandatory preceding parts": each must appear before the first part of this type."""
    doc: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id:#06x})"


@dataclass(frozen=True)
class CommonCfgField:
    """A field of ``struct virtio_pci_common_cfg`` (Virtio Over PCI Bus)."""

    offset: int
    name: str
    size: int
    via: str = ""
    """The part type that carries this field's state instead (per-queue fields, status, feature windows)."""


@dataclass(frozen=True)
class CvqCommand:
    """A virtio-net control command whose data is the value of a CVQ_CFG part."""

    class_id: int
    class_name: str
    command_id: int
    command_name: str
    layout: Layout
    features: tuple[int, ...] = ()
    """Driver feature bits the command needs: without them the driver cannot have sent it."""
    must: str = ""
    """The spec's own MUST NOT for sending the command without ``features`` (empty: a reading)."""
    doc: str = ""

    @property
    def label(self) -> str:
        return f"CVQ_CFG {self.class_name}/{self.command_name}"


FEATURES = Words("feature_bits")
RESERVED_FEATURES = tuple(range(44, 50))
"""Feature bits 44-49 and 128 and above are "reserved for future extensions" (Feature Bits): the driver MUST
NOT accept them, a device written to a later specification may offer them."""
FIRST_FUTURE_FEATURE = 128
MAX_QUEUE_SIZE = 32768
"""The largest virtqueue (split: "The maximum Queue Size value is 32768"; packed: up to 2^15)."""

COMMON_PARTS: tuple[PartType, ...] = (
    PartType(0x100, "DEV_FEATURES", Selector.NONE, FEATURES, 0, Count.ONE, flags=FLAG_OPTIONAL, mandatory=True,
             doc="The features the device offers (le64 feature_bits[]). Marked OPTIONAL: the device only "
                 "checks them against its own and never applies them."),
    PartType(0x101, "DRV_FEATURES", Selector.NONE, FEATURES, 1, Count.ONE, mandatory=True,
             preceded_by=("DEV_FEATURES",), doc="The features the driver accepted (le64 feature_bits[])."),
    PartType(0x102, "PCI_COMMON_CFG", Selector.COMMON_CFG, None, 2, Count.PER_SELECTOR, mandatory=True,
             preceded_by=("DEV_FEATURES", "DRV_FEATURES"),
             doc="One field of struct virtio_pci_common_cfg, chosen by the selector's offset; the value has "
                 "the field's size."),
    PartType(0x103, "DEVICE_STATUS", Selector.NONE,
             Fixed((Slot("device_status", 0, 1),), 1), 3, Count.ONE, mandatory=True,
             preceded_by=("DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG"), doc="The device status byte."),
    PartType(0x104, "VQ_CFG", Selector.VQ_INDEX,
             Fixed((Slot("queue_size", 0, 2), Slot("vector", 2, 2), Slot("enabled", 4, 2),
                    Slot("reserved", 6, 2, reserved=True), Slot("queue_desc", 8, 8),
                    Slot("queue_driver", 16, 8), Slot("queue_device", 24, 8)), 32),
             4, Count.PER_SELECTOR, preceded_by=("DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG", "DEVICE_STATUS"),
             doc="struct virtio_dev_part_vq_cfg: one virtqueue's configuration."),
    PartType(0x105, "VQ_NOTIFY_CFG", Selector.VQ_INDEX,
             Fixed((Slot("queue_notify_off", 0, 2), Slot("queue_notif_config_data", 2, 2),
                    Slot("reserved", 4, 4, reserved=True)), 8),
             5, Count.PER_SELECTOR,
             preceded_by=("DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG", "DEVICE_STATUS", "VQ_CFG"),
             doc="struct virtio_dev_part_vq_notify_data: one virtqueue's notification layout."),
)

DEVICE_PARTS: dict[str, tuple[PartType, ...]] = {
    "net": (
        PartType(0x200, "CVQ_CFG", Selector.CVQ, None, 6, Count.PER_SELECTOR,
                 doc="Control virtqueue state: the data of the control command (class, command) the selector "
                     "names, as the driver last sent it."),
    ),
}
"""Device-type specific parts (0x0200-0x05FF) by device type; they follow the common parts."""

PCI_COMMON_CFG: tuple[CommonCfgField, ...] = (
    CommonCfgField(0, "device_feature_select", 4),
    CommonCfgField(4, "device_feature", 4, via="DEV_FEATURES"),
    CommonCfgField(8, "driver_feature_select", 4),
    CommonCfgField(12, "driver_feature", 4, via="DRV_FEATURES"),
    CommonCfgField(16, "config_msix_vector", 2),
    CommonCfgField(18, "num_queues", 2),
    CommonCfgField(20, "device_status", 1, via="DEVICE_STATUS"),
    CommonCfgField(21, "config_generation", 1),
    CommonCfgField(22, "queue_select", 2),
    CommonCfgField(24, "queue_size", 2, via="VQ_CFG"),
    CommonCfgField(26, "queue_msix_vector", 2, via="VQ_CFG"),
    CommonCfgField(28, "queue_enable", 2, via="VQ_CFG"),
    CommonCfgField(30, "queue_notify_off", 2, via="VQ_NOTIFY_CFG"),
    CommonCfgField(32, "queue_desc", 8, via="VQ_CFG"),
    CommonCfgField(40, "queue_driver", 8, via="VQ_CFG"),
    CommonCfgField(48, "queue_device", 8, via="VQ_CFG"),
    CommonCfgField(56, "queue_notif_config_data", 2, via="VQ_NOTIFY_CFG"),
    CommonCfgField(58, "queue_reset", 2),
    CommonCfgField(60, "admin_queue_index", 2),
    CommonCfgField(62, "admin_queue_num", 2),
)

ON_OFF = Fixed((Slot("on", 0, 1),), 1)
NO_VALUE = Fixed((), 0)

F_CTRL_VQ, F_CTRL_RX, F_CTRL_VLAN, F_CTRL_RX_EXTRA, F_GUEST_ANNOUNCE, F_MQ, F_CTRL_MAC_ADDR = 17, 18, 19, 20, 21, 22, 23
F_HASH_REPORT, F_RSS = 57, 60
F_RING_PACKED = 34
"""Feature bits (virtio-net "Feature bits"; VIRTIO_F_RING_PACKED from "Reserved Feature Bits")."""

_RX_MUST = "If the VIRTIO_NET_F_CTRL_RX feature has not been negotiated, the driver MUST NOT issue commands " \
    "VIRTIO_NET_CTRL_RX_PROMISC or VIRTIO_NET_CTRL_RX_ALLMULTI."
_RX_EXTRA_MUST = "If the VIRTIO_NET_F_CTRL_RX_EXTRA feature has not been negotiated, the driver MUST NOT issue " \
    "commands VIRTIO_NET_CTRL_RX_ALLUNI, VIRTIO_NET_CTRL_RX_NOMULTI, VIRTIO_NET_CTRL_RX_NOUNI or " \
    "VIRTIO_NET_CTRL_RX_NOBCAST."
_MAC_MUST = "If VIRTIO_NET_F_CTRL_RX has not been negotiated, the driver MUST NOT issue VIRTIO_NET_CTRL_MAC class " \
    "commands."
_RSS_MUST = "A driver MUST NOT send the VIRTIO_NET_CTRL_MQ_RSS_CONFIG command if the feature VIRTIO_NET_F_RSS has " \
    "not been negotiated."

RSS_QUEUE_MASK = 0x7FFF
"""``struct rss_rq_id``: bits 0-14 are the receive virtqueue index divided by 2, bit 15 is reserved."""
HASH_TYPE_BITS = 0x1FF
"""The hash types virtio 1.4 defines (VIRTIO_NET_HASH_TYPE_IPv4 .. _UDP_EX, bits 0-8)."""
MAX_VLAN_ID = 4095

CVQ_COMMANDS: dict[str, tuple[CvqCommand, ...]] = {
    "net": (
        CvqCommand(0, "RX", 0, "PROMISC", ON_OFF, (F_CTRL_VQ, F_CTRL_RX), _RX_MUST,
                   doc="u8: promiscuous mode on (1) or off (0)."),
        CvqCommand(0, "RX", 1, "ALLMULTI", ON_OFF, (F_CTRL_VQ, F_CTRL_RX), _RX_MUST,
                   doc="u8: receive all multicast."),
        CvqCommand(0, "RX", 2, "ALLUNI", ON_OFF, (F_CTRL_VQ, F_CTRL_RX_EXTRA), _RX_EXTRA_MUST,
                   doc="u8: receive all unicast."),
        CvqCommand(0, "RX", 3, "NOMULTI", ON_OFF, (F_CTRL_VQ, F_CTRL_RX_EXTRA), _RX_EXTRA_MUST,
                   doc="u8: receive no multicast."),
        CvqCommand(0, "RX", 4, "NOUNI", ON_OFF, (F_CTRL_VQ, F_CTRL_RX_EXTRA), _RX_EXTRA_MUST,
                   doc="u8: receive no unicast."),
        CvqCommand(0, "RX", 5, "NOBCAST", ON_OFF, (F_CTRL_VQ, F_CTRL_RX_EXTRA), _RX_EXTRA_MUST,
                   doc="u8: receive no broadcast."),
        CvqCommand(1, "MAC", 0, "TABLE_SET", CountedLists(("unicast", "multicast"), 4, 6), (F_CTRL_VQ, F_CTRL_RX),
                   _MAC_MUST,
                   doc="struct virtio_net_ctrl_mac twice: le32 entries + 6-byte MACs, unicast then multicast."),
        CvqCommand(1, "MAC", 1, "ADDR_SET", Fixed((Slot("mac", 0, 6, as_bytes=True),), 6),
                   (F_CTRL_VQ, F_CTRL_RX, F_CTRL_MAC_ADDR), _MAC_MUST,
                   doc="The 6-byte MAC address the driver set."),
        CvqCommand(2, "VLAN", 0, "ADD", Words("vlan_ids", width=2, max_words=MAX_VLAN_ID + 1),
                   (F_CTRL_VQ, F_CTRL_VLAN),
                   doc="The whole VLAN filter table: one le16 VLAN id per VLAN, ascending (length 2 per VLAN)."),
        CvqCommand(3, "ANNOUNCE", 0, "ACK", NO_VALUE, (F_CTRL_VQ, F_GUEST_ANNOUNCE),
                   doc="No value: the driver acknowledged the announcement request."),
        CvqCommand(4, "MQ", 0, "VQ_PAIRS_SET", Fixed((Slot("virtqueue_pairs", 0, 2),), 2), (F_CTRL_VQ, F_MQ),
                   doc="struct virtio_net_ctrl_mq_pairs_set: le16 virtqueue_pairs, 1..0x8000."),
        CvqCommand(4, "MQ", 1, "RSS_CONFIG",
                   Variable((("hash_types", "int", 4, ""), ("indirection_table_mask", "int", 2, ""),
                             ("unclassified_queue", "int", 2, ""),
                             ("indirection_table", "ints", 2, "indirection_table_mask"),
                             ("max_tx_vq", "int", 2, ""), ("hash_key_length", "int", 1, ""),
                             ("hash_key", "bytes", 1, "hash_key_length")),
                            bias={"indirection_table_mask": 1}, power_of_two=("indirection_table_mask",),
                            element_mask={"indirection_table": RSS_QUEUE_MASK},
                            value_mask={"unclassified_queue": RSS_QUEUE_MASK}),
                   (F_CTRL_VQ, F_RSS), _RSS_MUST, doc="struct virtio_net_rss_config."),
        CvqCommand(4, "MQ", 2, "HASH_CONFIG",
                   Variable((("hash_types", "int", 4, ""), ("reserved", "reserved", 8, ""),
                             ("hash_key_length", "int", 1, ""), ("hash_key", "bytes", 1, "hash_key_length"))),
                   (F_CTRL_VQ, F_HASH_REPORT), doc="struct virtio_net_hash_config."),
    ),
}
"""Control commands a CVQ_CFG part can carry, by device type (virtio-net classes RX, MAC, VLAN,
ANNOUNCE and MQ; VIRTIO_NET_CTRL_* numbers), with the feature bits each needs."""

MQ_MODE_COMMANDS = ("VQ_PAIRS_SET", "RSS_CONFIG", "HASH_CONFIG")
"""The MQ commands that select the multiqueue mode: "the resulting device configuration is defined by the
last command sent by the driver" (net: Device operation in multiqueue mode)."""


# --- the vfio migration stream (drivers/vfio/pci/virtio/migrate.c) -----------------------------

VFIO_HEADER_SIZE = 16
"""``struct virtiovf_migration_header``: le64 record_size, le32 flags, le32 tag."""
VFIO_FLAG_OPTIONAL = 0x1
"""VIRTIOVF_MIGF_HEADER_FLAGS_TAG_OPTIONAL: a reader that does not know the tag skips the record."""
VFIO_TAG_DEVICE_DATA = 0
"""VIRTIOVF_MIGF_HEADER_TAG_DEVICE_DATA: the record is a DEV_PARTS_GET ALL result."""
VFIO_MAX_RECORD = (1 << 32) - 1
"""The largest record the kernel loads (the metadata's le32 parts size)."""


# --- lookups ----------------------------------------------------------------------------------


def part_types(device_type: str | None) -> tuple[PartType, ...]:
    """The part types known for ``device_type`` (common ones first, in rank order)."""
    return COMMON_PARTS + DEVICE_PARTS.get(device_type or "", ())


def part_by_name(device_type: str | None, name: str) -> PartType | None:
    return next((p for p in part_types(device_type) if p.name == name), None)


def part_by_id(device_type: str | None, part_id: int) -> PartType | None:
    return _parts_by_id(device_type).get(part_id)


@cache
def _parts_by_id(device_type: str | None) -> dict[int, PartType]:
    """The part types of ``device_type`` by id (every part read looks its type up)."""
    return {p.id: p for p in reversed(part_types(device_type))}  # reversed: the first of an id wins, as before


def common_cfg_field(offset: int) -> CommonCfgField | None:
    return _COMMON_BY_OFFSET.get(offset)


_COMMON_BY_OFFSET = {f.offset: f for f in reversed(PCI_COMMON_CFG)}


def cvq_command(device_type: str | None, class_id: int, command_id: int) -> CvqCommand | None:
    commands = CVQ_COMMANDS.get(device_type or "", ())
    return next((c for c in commands if c.class_id == class_id and c.command_id == command_id), None)


def cvq_by_name(device_type: str | None, class_name: str, command_name: str) -> CvqCommand | None:
    commands = CVQ_COMMANDS.get(device_type or "", ())
    return next((c for c in commands if c.class_name == class_name and c.command_name == command_name), None)


def cvq_classes(device_type: str | None) -> dict[str, int]:
    return {c.class_name: c.class_id for c in CVQ_COMMANDS.get(device_type or "", ())}
