"""virtio-net device-parts results (DEV_PARTS_GET ALL), packed from virtio 1.4's structures.

A part is ``struct virtio_dev_part_hdr`` (le16 part_type, u8 flags, u8 reserved, u8 selector[8],
le32 length) and its value; a result is parts back to back. ``Stream`` packs one and, beside it,
the decoding a reader must give (``parts decode --json``: the spec's field names per part).
"""

from __future__ import annotations

import struct
from typing import Any

from tools.bridge_vectors.codes import error
from tools.bridge_vectors.model import Vector

OPTIONAL = 0x01
DEV_FEATURES, DRV_FEATURES, PCI_COMMON_CFG, DEVICE_STATUS, VQ_CFG, VQ_NOTIFY_CFG = range(0x100, 0x106)
CVQ_CFG = 0x200
NAMES = {DEV_FEATURES: "DEV_FEATURES", DRV_FEATURES: "DRV_FEATURES", PCI_COMMON_CFG: "PCI_COMMON_CFG",
         DEVICE_STATUS: "DEVICE_STATUS", VQ_CFG: "VQ_CFG", VQ_NOTIFY_CFG: "VQ_NOTIFY_CFG", CVQ_CFG: "CVQ_CFG"}

# struct virtio_pci_common_cfg (transport-pci.tex): offset → (field, size)
COMMON_CFG = {0: ("device_feature_select", 4), 4: ("device_feature", 4), 8: ("driver_feature_select", 4),
              12: ("driver_feature", 4), 16: ("config_msix_vector", 2), 18: ("num_queues", 2),
              20: ("device_status", 1), 21: ("config_generation", 1), 22: ("queue_select", 2),
              24: ("queue_size", 2), 26: ("queue_msix_vector", 2), 28: ("queue_enable", 2),
              30: ("queue_notify_off", 2), 32: ("queue_desc", 8), 40: ("queue_driver", 8), 48: ("queue_device", 8),
              56: ("queue_notif_config_data", 2), 58: ("queue_reset", 2), 60: ("admin_queue_index", 2),
              62: ("admin_queue_num", 2)}

# VIRTIO_NET_CTRL_* classes and commands
RX, MAC, VLAN, ANNOUNCE, MQ = 0, 1, 2, 3, 4
COMMANDS = {(RX, 0): ("RX", "PROMISC"), (RX, 1): ("RX", "ALLMULTI"), (RX, 2): ("RX", "ALLUNI"),
            (RX, 3): ("RX", "NOMULTI"), (RX, 4): ("RX", "NOUNI"), (RX, 5): ("RX", "NOBCAST"),
            (MAC, 0): ("MAC", "TABLE_SET"), (MAC, 1): ("MAC", "ADDR_SET"), (VLAN, 0): ("VLAN", "ADD"),
            (ANNOUNCE, 0): ("ANNOUNCE", "ACK"), (MQ, 0): ("MQ", "VQ_PAIRS_SET"), (MQ, 1): ("MQ", "RSS_CONFIG"),
            (MQ, 2): ("MQ", "HASH_CONFIG")}

# feature bits (net "Feature bits"; VIRTIO_F_* from "Reserved Feature Bits")
CSUM, GUEST_CSUM, MTU, MAC_F, STATUS = 0, 1, 3, 5, 16
CTRL_VQ, CTRL_RX, CTRL_VLAN, CTRL_RX_EXTRA, GUEST_ANNOUNCE, F_MQ, CTRL_MAC_ADDR = 17, 18, 19, 20, 21, 22, 23
VERSION_1, RING_PACKED, HASH_REPORT, F_RSS = 32, 34, 57, 60
GUEST_UDP_TUNNEL_GSO, IPSEC = 65, 70
BASE = (CSUM, GUEST_CSUM, MAC_F, STATUS, VERSION_1)
CONTROL = (CTRL_VQ, CTRL_RX, CTRL_VLAN, CTRL_RX_EXTRA, GUEST_ANNOUNCE, F_MQ, CTRL_MAC_ADDR)


def bits(*numbers: int, words: int = 1) -> list[int]:
    """Feature bits as le64 words (word k holds bits 64k..64k+63)."""
    out = [0] * max(words, max(numbers, default=0) // 64 + 1)
    for number in numbers:
        out[number // 64] |= 1 << (number % 64)
    return out


class Stream:
    """Parts packed back to back, with the decoding a reader must give for each."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.parts: list[dict[str, Any]] = []

    # --- one part ----------------------------------------------------------------------------------

    def part(self, type_id: int, value: bytes, selector: bytes = bytes(8), flags: int = 0,
             selector_desc: dict[str, Any] | None = None, value_desc: dict[str, Any] | None = None,
             name: str | None = None) -> int:
        """Append a part; returns its offset."""
        offset = len(self.data)
        self.data += struct.pack("<HBB8sI", type_id, flags, 0, selector, len(value)) + value
        self.parts.append({"offset": offset, "type": f"{type_id:#06x}",
                           "name": name or NAMES.get(type_id, f"UNKNOWN_{type_id:#06x}"),
                           "flags": ["OPTIONAL"] if flags & OPTIONAL else [],
                           "selector": selector_desc if selector_desc is not None or type_id in NAMES
                           else {"raw": selector.hex()},
                           "length": len(value),
                           "value": value_desc if value_desc is not None else {"raw": value.hex()}})
        return offset

    def features(self, type_id: int, words: list[int], flags: int = 0) -> int:
        return self.part(type_id, struct.pack(f"<{len(words)}Q", *words), flags=flags,
                         value_desc={"feature_bits": list(words)})

    def dev_features(self, words: list[int], flags: int = OPTIONAL) -> int:
        return self.features(DEV_FEATURES, words, flags)

    def drv_features(self, words: list[int]) -> int:
        return self.features(DRV_FEATURES, words)

    def common(self, offset: int, value: int) -> int:
        field, size = COMMON_CFG[offset]
        return self.part(PCI_COMMON_CFG, value.to_bytes(size, "little"), struct.pack("<II", offset, 0),
                         selector_desc={"offset": offset, "field": field}, value_desc={field: value})

    def status(self, value: int) -> int:
        return self.part(DEVICE_STATUS, bytes([value]), value_desc={"device_status": value})

    def vq_cfg(self, index: int, size: int, vector: int, enabled: int, desc: int, driver: int, device: int) -> int:
        value = struct.pack("<HHHHQQQ", size, vector, enabled, 0, desc, driver, device)
        return self.part(VQ_CFG, value, struct.pack("<H6x", index), selector_desc={"vq_index": index},
                         value_desc={"queue_size": size, "vector": vector, "enabled": enabled, "queue_desc": desc,
                                     "queue_driver": driver, "queue_device": device})

    def vq_notify(self, index: int, notify_off: int, data: int) -> int:
        return self.part(VQ_NOTIFY_CFG, struct.pack("<HH4x", notify_off, data), struct.pack("<H6x", index),
                         selector_desc={"vq_index": index},
                         value_desc={"queue_notify_off": notify_off, "queue_notif_config_data": data})

    def cvq(self, class_id: int, command: int, value: bytes, value_desc: dict[str, Any] | None = None,
            flags: int = 0) -> int:
        known = COMMANDS.get((class_id, command))
        selector_desc = {"class": known[0], "command": known[1]} if known else {"class": class_id, "command": command}
        return self.part(CVQ_CFG, value, struct.pack("<BB6x", class_id, command), flags=flags,
                         selector_desc=selector_desc, value_desc=value_desc if known else None)

    def rx(self, command: int, on: int) -> int:
        return self.cvq(RX, command, bytes([on]), {"on": on})

    def mac_table(self, unicast: list[bytes], multicast: list[bytes]) -> int:
        value = struct.pack("<I", len(unicast)) + b"".join(unicast) + struct.pack("<I", len(multicast)) \
            + b"".join(multicast)
        return self.cvq(MAC, 0, value, {"unicast": [m.hex() for m in unicast],
                                        "multicast": [m.hex() for m in multicast]})

    def mac_addr(self, mac: bytes) -> int:
        return self.cvq(MAC, 1, mac, {"mac": mac.hex()})

    def vlans(self, ids: list[int]) -> int:
        return self.cvq(VLAN, 0, struct.pack(f"<{len(ids)}H", *ids), {"vlan_ids": list(ids)})

    def announce_ack(self) -> int:
        return self.cvq(ANNOUNCE, 0, b"", {})

    def pairs(self, pairs: int) -> int:
        return self.cvq(MQ, 0, struct.pack("<H", pairs), {"virtqueue_pairs": pairs})

    def rss(self, hash_types: int, table: list[int], unclassified: int, max_tx_vq: int, key: bytes) -> int:
        value = struct.pack("<IHH", hash_types, len(table) - 1, unclassified) + struct.pack(f"<{len(table)}H", *table) \
            + struct.pack("<HB", max_tx_vq, len(key)) + key
        return self.cvq(MQ, 1, value, {"hash_types": hash_types, "unclassified_queue": unclassified,
                                       "indirection_table": list(table), "max_tx_vq": max_tx_vq, "hash_key": key.hex()})

    def hash(self, hash_types: int, key: bytes, reserved: bytes = bytes(8)) -> int:
        value = struct.pack("<I", hash_types) + reserved + bytes([len(key)]) + key
        return self.cvq(MQ, 2, value, {"hash_types": hash_types, "hash_key": key.hex()})

    # --- the whole stream -----------------------------------------------------------------------------

    def blob(self) -> bytes:
        return bytes(self.data)

    def decoded(self, framing: str = "raw", base: int = 0) -> dict[str, Any]:
        parts = [{**part, "offset": part["offset"] + base} for part in self.parts]
        return {"framing": framing, "parts": parts, "notes": []}


def vfio(payload: bytes, flags: int = 0, tag: int = 0) -> bytes:
    """One record of the Linux virtio vfio migration stream around ``payload``."""
    return struct.pack("<QII", len(payload), flags, tag) + payload


# --- devices --------------------------------------------------------------------------------------------------

QUEUE_BASE = 0x1_0000_0000


def common_cfg(stream: Stream, queues: int, extra: tuple[tuple[int, int], ...] = ()) -> None:
    """The PCI common configuration fields a device reports (the per-queue ones are VQ_CFG's)."""
    for offset, value in sorted(((0, 1), (8, 1), (16, 0), (18, queues), (21, 0), (22, 0), *extra)):
        stream.common(offset, value)


def virtqueues(stream: Stream, sizes: list[int], enabled: int = 1) -> None:
    """VQ_CFG for every queue, then VQ_NOTIFY_CFG for every queue (the order table's order)."""
    for index, size in enumerate(sizes):
        base = QUEUE_BASE + index * 0x10000
        vector = index + 1 if index < len(sizes) - 1 else 0xFFFF
        stream.vq_cfg(index, size, vector, enabled, base, base + 0x4000, base + 0x8000)
    for index in range(len(sizes)):
        stream.vq_notify(index, index, 0)


def device(offered: list[int], accepted: list[int], sizes: list[int], status: int = 0x0F,
           dev_flags: int = OPTIONAL, extra_common: tuple[tuple[int, int], ...] = (),
           num_queues: int | None = None) -> Stream:
    """A device's common parts: features, PCI common configuration, status, its virtqueues.

    ``num_queues`` (default: one per size) is for a vector that writes its own VQ parts."""
    stream = Stream()
    stream.dev_features(offered, dev_flags)
    stream.drv_features(accepted)
    common_cfg(stream, len(sizes) if num_queues is None else num_queues, extra_common)
    stream.status(status)
    virtqueues(stream, sizes)
    return stream


def net(features: tuple[int, ...], pairs: int = 1, size: int = 256, control: bool = True, offered: tuple[int, ...] = (),
        words: int = 1) -> Stream:
    """A virtio-net device with ``pairs`` receive/transmit pairs and, with CTRL_VQ, the control queue."""
    sizes = [size] * (2 * pairs) + ([64] if control else [])
    return device(bits(*BASE, *features, *offered, words=words), bits(*BASE, *features, words=words), sizes)


UNICAST = [bytes.fromhex("020000000001"), bytes.fromhex("020000000002")]
MULTICAST = [bytes.fromhex("01005e000001"), bytes.fromhex("01005e0000fb"), bytes.fromhex("333300000001")]
VLAN_IDS = [1, 100, 4094]
KEY_40 = bytes((7 * i + 3) % 256 for i in range(40))
KEY_255 = bytes((11 * i + 5) % 256 for i in range(255))
ALL_HASH_TYPES = 0x1FF
MAC_ADDRESS = bytes.fromhex("525400123456")


def every_selector() -> Stream:
    """Every virtio-net control selector of the table, in class and command order."""
    stream = net((*CONTROL, F_RSS, HASH_REPORT), pairs=2)
    for command, on in enumerate((1, 0, 1, 0, 0, 1)):
        stream.rx(command, on)
    stream.mac_table(UNICAST, MULTICAST)
    stream.mac_addr(MAC_ADDRESS)
    stream.vlans(VLAN_IDS)
    stream.announce_ack()
    stream.pairs(2)
    stream.hash(0x07, KEY_40)
    stream.rss(0x3F, [0, 1, 1, 0], 0, 2, KEY_40)
    return stream


# --- valid vectors ---------------------------------------------------------------------------------------------


def valid() -> list[Vector]:
    out = []

    def add(name: str, stream: Stream, schema: str, description: str, rests_on: list[str], rule: str = "",
            losses: list[str] | None = None, framing: str = "raw", blob: bytes | None = None, base: int = 0) -> None:
        data = blob if blob is not None else stream.blob()
        exported = "no" if losses else "same"
        out.append(Vector(name, "virtio-parts", [(f"{name}.{'vfio' if framing == 'vfio' else 'bin'}", data)],
                          description, rests_on, schema, {"framing": framing}, stream.decoded(framing, base),
                          losses or [], {"framing": framing} if framing == "vfio" else {}, exported, rule=rule))

    stream = net((), pairs=1, control=False)
    add("valid-net-minimal-one-feature-word", stream, "org.virtio.net@3.0",
        "The smallest complete result: one le64 word in each feature part (bits 0-63), the PCI common fields a "
        "device reports, the status, two virtqueues (receiveq1, transmitq1) and their notification data.",
        ["features", "get-all", "order", "pci-common-cfg", "device-status", "vq-cfg", "vq-notify-cfg"])

    stream = device(bits(*BASE), bits(*BASE), [256], status=0x0B)
    add("valid-net-one-virtqueue", stream, "org.virtio.net@3.0",
        "A device saved while the driver is still initialising (status ACKNOWLEDGE | DRIVER | FEATURES_OK, no "
        "DRIVER_OK) with one virtqueue configured so far.", ["vq-cfg", "device-status", "get-all"])

    stream = net((CTRL_VQ, CTRL_RX, F_MQ, IPSEC), offered=(GUEST_UDP_TUNNEL_GSO,), pairs=2)
    stream.pairs(2)
    add("valid-net-two-feature-words", stream, "org.virtio.net@3.0",
        "Two feature words: the device offers bits 65 (GUEST_UDP_TUNNEL_GSO) and 70 (IPSEC) of the second word, "
        "the driver accepts 70; two queue pairs and the control queue, VQ_PAIRS_SET 2.",
        ["features", "driver-not-offered", "net-pairs"])

    stream = device(bits(*BASE, CTRL_VQ, CTRL_RX, words=3), bits(*BASE, CTRL_VQ, CTRL_RX, words=3), [256, 256, 64])
    stream.rx(0, 0)
    stream.rx(1, 1)
    add("valid-net-three-feature-words", stream, "org.virtio.net@3.0",
        "Three feature words (bits 128-191, reserved in 1.4, are all zero): the count is not fixed, and export "
        "writes the three words back.", ["features", "feature-bits"], rule="reading")

    stream = device(bits(*BASE, CTRL_VQ, F_MQ), bits(*BASE, CTRL_VQ, F_MQ), [1024] * 64 + [64])
    stream.pairs(32)
    add("valid-net-65-virtqueues", stream, "org.virtio.net@3.0",
        "32 queue pairs and the control queue: 65 virtqueues, VQ_CFG and VQ_NOTIFY_CFG for indices 0 to 64, "
        "VQ_PAIRS_SET 32.", ["vq-cfg", "vq-notify-cfg", "net-pairs", "order"])

    stream = device(bits(*BASE, RING_PACKED), bits(*BASE, RING_PACKED), [300, 1000, 32768])
    add("valid-net-packed-rings", stream, "org.virtio.net@3.0",
        "VIRTIO_F_RING_PACKED negotiated: queue sizes 300, 1000 and 32768 (2^15) are not powers of two, which only "
        "packed virtqueues allow.", ["queue-size", "packed-size"])

    stream = net((CTRL_VQ, CTRL_RX, CTRL_RX_EXTRA))
    for command, on in enumerate((0, 1, 1, 0, 1, 1)):
        stream.rx(command, on)
    add("valid-net-receive-modes", stream, "org.virtio.net@3.0",
        "The six RX class commands (PROMISC, ALLMULTI with CTRL_RX; ALLUNI, NOMULTI, NOUNI, NOBCAST with "
        "CTRL_RX_EXTRA), each one byte 0 or 1.", ["net-cvq-part", "net-cvq-value", "net-rx-byte"])

    stream = net((CTRL_VQ, CTRL_RX, CTRL_VLAN, GUEST_ANNOUNCE, CTRL_MAC_ADDR))
    stream.mac_table(UNICAST, MULTICAST)
    stream.mac_addr(MAC_ADDRESS)
    stream.vlans(VLAN_IDS)
    stream.announce_ack()
    add("valid-net-filters-and-announce", stream, "org.virtio.net@3.0",
        "MAC TABLE_SET (two unicast then three multicast addresses), MAC ADDR_SET, the whole VLAN table in one "
        "part (ids 1, 100 and 4094, ascending), and ANNOUNCE ACK (no value).",
        ["net-mac-table", "net-mac-addr", "net-vlan-table", "net-vlan-id", "net-announce"], rule="reading")

    add("valid-net-every-selector", every_selector(), "org.virtio.net@3.0",
        "All 13 control selectors of the virtio-net part table in one result, besides every common part type; "
        "HASH_CONFIG comes before RSS_CONFIG, so RSS is the mode the driver set last.",
        ["net-selectors", "net-cvq-part", "net-last-command"])

    stream = every_selector()
    add("valid-net-every-selector-1.1", stream, "org.virtio.net@1.1", "The same result imported into "
        "org.virtio.net@1.1, which keeps one RSS or hash configuration: the earlier HASH_CONFIG is lost.",
        ["net-selectors", "net-last-command"], rule="reading", losses=["CVQ_CFG MQ/HASH_CONFIG"])

    stream = net((CTRL_VQ, F_MQ, F_RSS, HASH_REPORT), pairs=4)
    table = [(i * 5 + i // 7) % 4 for i in range(32768)]
    stream.pairs(4)
    stream.rss(ALL_HASH_TYPES, table, 3, 4, KEY_255)
    add("valid-net-rss-maximal", stream, "org.virtio.net@3.0",
        "The largest RSS configuration: a 255-byte key (hash_key_length is a u8) and 32768 indirection entries "
        "(indirection_table_mask 0x7fff, a le16 below rss_max_indirection_table_length), every hash type, all "
        "four receive queues enabled.", ["net-rss-config", "net-rss-limits", "net-rss-pow2", "net-rss-enabled"])

    stream = net((CTRL_VQ, F_MQ, F_RSS, HASH_REPORT), pairs=2)
    stream.pairs(2)
    stream.rss(0x12, [0, 1], 1, 2, KEY_40)
    stream.hash(0x3F, KEY_40[:20])
    add("valid-net-rss-then-hash", stream, "org.virtio.net@3.0",
        "VQ_PAIRS_SET, RSS_CONFIG and HASH_CONFIG in one result: distinct selectors, all kept; HASH_CONFIG is the "
        "last, so the device is in hash-reporting mode with automatic steering.",
        ["net-cvq-part", "net-last-command"], rule="reading")

    stream = net((CTRL_VQ, CTRL_RX), pairs=1)
    stream.rx(0, 1)
    payload = stream.blob()
    add("valid-net-vfio-stream", stream, "org.virtio.net@2.0",
        "A result inside the Linux vfio migration stream: one mandatory device-data record (tag 0).",
        ["vfio-record"], framing="vfio", blob=vfio(payload), base=16)

    stream = device(bits(*BASE), bits(*BASE), [256, 256], dev_flags=0)
    add("valid-net-dev-features-not-optional", stream, "org.virtio.net@1.1",
        "DEV_FEATURES without the OPTIONAL flag the spec describes it with: accepted, and written back the same.",
        ["dev-features-optional", "optional-flag"], rule="reading")

    stream = net((CTRL_VQ, CTRL_RX))
    at = stream.part(0x106, bytes(4), flags=OPTIONAL)
    stream.rx(0, 1)
    add("valid-net-unknown-optional-common-part", stream, "org.virtio.net@3.0",
        "An unknown part of the common range (0x106) marked OPTIONAL after the common parts: skipped and reported; "
        "the rest imports.", ["part-ranges", "optional-flag", "may-ignore-optional"], rule="reading",
        losses=[f"UNKNOWN_0x0106 at offset {at}"])

    stream = net((CTRL_VQ, CTRL_RX))
    stream.rx(0, 1)
    command_at = stream.cvq(5, 0, bytes(8), flags=OPTIONAL)
    type_at = stream.part(0x201, b"\x01\x02", bytes(8), flags=OPTIONAL)
    add("valid-net-unknown-optional-device-parts", stream, "org.virtio.net@3.0",
        "An unknown control command (class 5 GUEST_OFFLOADS, which has no part in 1.4) and an unknown "
        "device-specific part type (0x201), both OPTIONAL: skipped and reported.",
        ["part-ranges", "optional-flag", "may-ignore-optional", "net-selectors"], rule="reading",
        losses=[f"CVQ_CFG class 5/command 0 at offset {command_at}", f"UNKNOWN_0x0201 at offset {type_at}"])

    stream = device(bits(*BASE, 130, words=3), bits(*BASE, words=3), [256, 256])
    add("valid-net-future-feature-bit", stream, "org.virtio.net@3.0",
        "A device offers feature bit 130 (reserved in 1.4, maybe defined by a later spec); the driver does not "
        "accept it. Valid, but org.virtio.net keeps 128 feature bits: the bit is reported lost.",
        ["device-future-bits", "feature-bits"], rule="reading", losses=["DEV_FEATURES"])

    stream = device(bits(*BASE), bits(*BASE), [256, 256], extra_common=((60, 3),))
    add("valid-net-common-field-the-schema-lacks", stream, "org.virtio.net@3.0",
        "PCI_COMMON_CFG admin_queue_index (offset 60), a field org.virtio.net has no place for: valid, reported "
        "lost.", ["pci-common-cfg"], losses=["PCI_COMMON_CFG admin_queue_index"])
    return out


# --- invalid vectors -------------------------------------------------------------------------------------------


def invalid() -> list[Vector]:
    out = []

    def add(name: str, data: bytes, code: str, offset: int, description: str, rests_on: list[str], rule: str,
            framing: str = "raw") -> None:
        out.append(Vector(name, "virtio-parts", [(f"{name}.{'vfio' if framing == 'vfio' else 'bin'}", data)],
                          description, rests_on, options={"framing": framing}, error=error(code, offset), rule=rule))

    stream = Stream()
    at = stream.drv_features(bits(*BASE))
    common_cfg(stream, 2)
    stream.status(0x0F)
    virtqueues(stream, [256, 256])
    add("invalid-net-no-dev-features", stream.blob(), "MISSING_PART", at,
        "A GET ALL result without DEV_FEATURES: DRV_FEATURES (the first part) must be preceded by it.",
        ["preceded-by"], "MUST")

    stream = Stream()
    stream.dev_features(bits(*BASE))
    at = stream.common(18, 2)
    stream.drv_features(bits(*BASE))
    stream.status(0x0F)
    virtqueues(stream, [256, 256])
    add("invalid-net-common-cfg-before-drv-features", stream.blob(), "PART_ORDER", at,
        "PCI_COMMON_CFG before DRV_FEATURES, which comes later.", ["preceded-by", "order"], "MUST")

    stream = device(bits(*BASE), bits(*BASE), [], num_queues=1)
    stream.vq_notify(0, 0, 0)
    at = stream.vq_cfg(0, 256, 1, 1, QUEUE_BASE, QUEUE_BASE + 0x4000, QUEUE_BASE + 0x8000)
    add("invalid-net-vq-cfg-after-notify", stream.blob(), "PART_ORDER", at - 24,
        "VQ_NOTIFY_CFG before VQ_CFG: VQ_NOTIFY_CFG's mandatory preceding parts include VQ_CFG.",
        ["order", "order-table"], "MUST")

    stream = device(bits(*BASE), bits(*BASE), [], num_queues=2)
    stream.vq_cfg(0, 256, 1, 1, QUEUE_BASE, QUEUE_BASE + 0x4000, QUEUE_BASE + 0x8000)
    stream.vq_notify(0, 0, 0)
    at = stream.vq_cfg(1, 256, 2, 1, QUEUE_BASE, QUEUE_BASE + 0x4000, QUEUE_BASE + 0x8000)
    stream.vq_notify(1, 1, 0)
    add("invalid-net-vq-parts-interleaved", stream.blob(), "PART_ORDER", at,
        "VQ_CFG 0, VQ_NOTIFY_CFG 0, VQ_CFG 1: the order is by part type, so every VQ_CFG comes before the first "
        "VQ_NOTIFY_CFG.", ["order", "order-table"], "reading")

    stream = Stream()
    stream.dev_features(bits(*BASE))
    at = stream.drv_features(bits(*BASE, CTRL_VQ))
    common_cfg(stream, 0)
    stream.status(0x0F)
    add("invalid-net-feature-not-offered", stream.blob(), "NOT_OFFERED", at + 16,
        "The driver accepted CTRL_VQ (bit 17), which the device does not offer.", ["driver-not-offered"], "MUST NOT")

    stream = Stream()
    stream.dev_features(bits(*BASE, 44))
    at = stream.drv_features(bits(*BASE, 44))
    common_cfg(stream, 0)
    stream.status(0x0F)
    add("invalid-net-reserved-feature-accepted", stream.blob(), "RESERVED_NOT_ZERO", at + 16,
        "The driver accepted feature bit 44, reserved for future extensions.", ["driver-reserved", "feature-bits"],
        "MUST NOT")

    stream = device(bits(*BASE), bits(*BASE), [], num_queues=1)
    at = stream.vq_cfg(0, 384, 1, 1, QUEUE_BASE, QUEUE_BASE + 0x4000, QUEUE_BASE + 0x8000)
    add("invalid-net-split-queue-size", stream.blob(), "BAD_VALUE", at + 16,
        "queue_size 384 without VIRTIO_F_RING_PACKED: neither 0 nor a power of 2.", ["queue-size"], "MUST")

    stream = device(bits(*BASE), bits(*BASE), [], num_queues=2)
    stream.vq_cfg(0, 256, 1, 1, QUEUE_BASE, QUEUE_BASE + 0x4000, QUEUE_BASE + 0x8000)
    at = stream.vq_cfg(2, 256, 0xFFFF, 1, QUEUE_BASE + 0x10000, QUEUE_BASE + 0x14000, QUEUE_BASE + 0x18000)
    add("invalid-net-vq-index-past-num-queues", stream.blob(), "BAD_SELECTOR", at + 4,
        "VQ_CFG for virtqueue 2 of a device whose num_queues is 2: the index names no virtqueue.",
        ["vq-index", "num-queues"], "reading")

    stream = net((CTRL_VQ, F_MQ))
    at = stream.pairs(0)
    add("invalid-net-zero-queue-pairs", stream.blob(), "BAD_VALUE", at + 16,
        "VQ_PAIRS_SET with virtqueue_pairs 0.", ["net-pairs"], "MUST NOT")

    stream = net((CTRL_VQ, F_MQ, F_RSS), pairs=2)
    value = struct.pack("<IHH", 0x3F, 2, 0) + struct.pack("<3H", 0, 1, 0) + struct.pack("<HB", 2, 40) + KEY_40
    at = stream.cvq(MQ, 1, value)
    add("invalid-net-rss-table-not-power-of-two", stream.blob(), "BAD_VALUE", at + 16 + 4,
        "indirection_table_mask 2: three entries, not a power of two.", ["net-rss-pow2"], "MUST")

    stream = net((CTRL_VQ, F_MQ), pairs=2)
    at = stream.rss(0x3F, [0, 1], 0, 2, KEY_40)
    add("invalid-net-rss-not-negotiated", stream.blob(), "NOT_NEGOTIATED", at,
        "RSS_CONFIG although VIRTIO_NET_F_RSS is not negotiated.", ["net-rss-must", "net-cvq-configuration"],
        "MUST NOT")

    stream = net((CTRL_VQ, F_MQ, F_RSS), pairs=2)
    at = stream.rss(0x3F, [0, 1, 2, 0], 0, 2, KEY_40)
    add("invalid-net-rss-queue-not-enabled", stream.blob(), "BAD_VALUE", at + 16 + 8 + 2 * 2,
        "indirection_table[2] = 2 names virtqueue 4 of a device with two queue pairs: the control queue, no "
        "receive queue.",
        ["net-rss-enabled"], "MUST")

    stream = net((CTRL_VQ, F_MQ, F_RSS), pairs=2)
    at = stream.rss(0x3F | 1 << 9, [0, 1], 0, 2, KEY_40)
    add("invalid-net-rss-unknown-hash-type", stream.blob(), "BAD_VALUE", at + 16,
        "hash_types with bit 9 set, which is no hash type a device can support.", ["net-rss-hash-types"], "MUST NOT")

    stream = net((CTRL_VQ, HASH_REPORT))
    at = stream.hash(0x07, KEY_40, reserved=bytes([0, 0, 1, 0, 0, 0, 0, 0]))
    add("invalid-net-hash-config-reserved", stream.blob(), "RESERVED_NOT_ZERO", at + 16 + 4 + 2,
        "HASH_CONFIG with a non-zero reserved byte.", ["net-hash-reserved"], "MUST")

    stream = net((CTRL_VQ, CTRL_RX))
    at = stream.mac_table([UNICAST[0], MULTICAST[0]], [])
    add("invalid-net-multicast-in-unicast-table", stream.blob(), "BAD_VALUE", at + 16 + 4 + 6,
        "A multicast address in the unicast (first) list of MAC TABLE_SET.", ["net-mac-table"], "MUST")

    stream = net((CTRL_VQ,))
    at = stream.rx(0, 1)
    add("invalid-net-rx-without-ctrl-rx", stream.blob(), "NOT_NEGOTIATED", at,
        "RX PROMISC although VIRTIO_NET_F_CTRL_RX is not negotiated.", ["net-rx-must", "net-cvq-configuration"],
        "MUST NOT")

    stream = net((CTRL_VQ, CTRL_RX))
    at = stream.rx(2, 1)
    add("invalid-net-rx-extra-without-feature", stream.blob(), "NOT_NEGOTIATED", at,
        "RX ALLUNI although VIRTIO_NET_F_CTRL_RX_EXTRA is not negotiated.", ["net-rx-extra-must"], "MUST NOT")

    stream = net((CTRL_VQ, CTRL_MAC_ADDR))
    at = stream.mac_addr(MAC_ADDRESS)
    add("invalid-net-mac-class-without-ctrl-rx", stream.blob(), "NOT_NEGOTIATED", at,
        "MAC ADDR_SET with CTRL_MAC_ADDR but without VIRTIO_NET_F_CTRL_RX.", ["net-mac-must"], "MUST NOT")

    stream = device(bits(*BASE), bits(*BASE), [], num_queues=1)
    at = stream.part(VQ_CFG, bytes(30), struct.pack("<H6x", 0))
    add("invalid-net-vq-cfg-length", stream.blob(), "BAD_LENGTH", at + 16,
        "A VQ_CFG value of 30 bytes; struct virtio_dev_part_vq_cfg is 32.", ["length-mismatch", "vq-cfg"], "MUST")

    stream = net((CTRL_VQ, CTRL_RX))
    stream.rx(0, 1)
    at = stream.rx(0, 0)
    add("invalid-net-repeated-selector", stream.blob(), "DUPLICATE_PART", at,
        "Two RX PROMISC parts: each part is identified by a unique selector.", ["net-cvq-part"], "descriptive")

    stream = net((CTRL_VQ, CTRL_VLAN))
    stream.vlans([5])
    at = stream.vlans([6])
    add("invalid-net-vlan-table-twice", stream.blob(), "DUPLICATE_PART", at,
        "Two VLAN ADD parts: the VLAN table is one part.", ["net-vlan-table", "net-cvq-part"], "descriptive")

    stream = device(bits(*BASE), bits(*BASE), [256])
    at = stream.part(0x106, bytes(4))
    add("invalid-net-unknown-mandatory-part", stream.blob(), "UNKNOWN_PART", at,
        "An unknown common part (0x106) without OPTIONAL: a reader cannot restore it.", ["optional-flag"], "reading")

    stream = net((CTRL_VQ, CTRL_RX))
    at = stream.rx(0, 2)
    add("invalid-net-rx-value-not-0-or-1", stream.blob(), "BAD_VALUE", at + 16,
        "RX PROMISC with the value 2: the command-specific-data is one byte containing 0 or 1.", ["net-rx-byte"],
        "descriptive")

    stream = Stream()
    stream.dev_features(bits(*BASE))
    stream.drv_features(bits(*BASE))
    at = stream.part(PCI_COMMON_CFG, b"\x00\x00", struct.pack("<II", 19, 0))
    add("invalid-net-common-cfg-offset", stream.blob(), "BAD_SELECTOR", at + 4,
        "PCI_COMMON_CFG offset 19, inside num_queues: no field starts there.", ["pci-common-cfg"], "descriptive")

    stream = Stream()
    stream.dev_features(bits(*BASE))
    stream.drv_features(bits(*BASE))
    common_cfg(stream, 0)
    add("invalid-net-no-device-status", stream.blob(), "MISSING_PART", len(stream.blob()),
        "A GET ALL result without DEVICE_STATUS: a saved device state always has one.", ["get-all", "device-status"],
        "reading")

    stream = net((CTRL_VQ, CTRL_VLAN))
    at = stream.vlans([1, 4096])
    add("invalid-net-vlan-id-too-large", stream.blob(), "BAD_VALUE", at + 16 + 2,
        "VLAN id 4096 in the table; VLAN ids are 12 bits.", ["net-vlan-id"], "reading")

    stream = net((), control=False)
    data = stream.blob()
    add("invalid-net-vfio-unknown-record", vfio(data) + vfio(b"\x00" * 8, flags=0, tag=7), "UNKNOWN_RECORD",
        16 + len(data), "A vfio record with an unknown tag that is not marked optional.", ["vfio-record"], "reading",
        framing="vfio")
    return out
