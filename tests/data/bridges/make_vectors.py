"""Build the bridge test vectors straight from the published layout tables (no devstate code).

    .venv/bin/python tests/data/bridges/make_vectors.py     # rewrites the .bin files here

virtio device parts: ``struct virtio_dev_part_hdr`` (le16 part_type, u8 flags, u8 reserved,
u8 selector[8], le32 length) + value, back to back, in the order table of
admin-cmds-device-parts.tex; values from device-parts.tex (virtio 1.4) and the virtio-net
control commands (struct virtio_net_ctrl_mac, virtio_net_ctrl_mq, virtio_net_rss_config).
The vfio stream wraps them in one ``struct virtiovf_migration_header`` record.

NVMe controller state: the 48-byte libnvme header (le16 VER, u8 CSATTR, 13 reserved, le128
NVMECSS, le128 VSS in dwords), the NVMe-defined state (le16 VER, NIOSQ, NIOCQ, reserved),
24-byte I/O SQ then CQ entries, then the vendor-specific bytes; and the same state with
the 20-byte header of the 2025 RFC (le16 NVMECSS and VSS).

``tests/bridges/test_bridge_*.py`` checks that these files equal what this script builds.
"""

from __future__ import annotations

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- virtio device parts -------------------------------------------------------------------------

OPTIONAL = 0x01
DEV_FEATURES, DRV_FEATURES, PCI_COMMON_CFG, DEVICE_STATUS, VQ_CFG, VQ_NOTIFY_CFG = range(0x100, 0x106)
CVQ_CFG = 0x200
RX, MAC, VLAN, ANNOUNCE, MQ = 0, 1, 2, 3, 4

FEATURES = (1 << 17 | 1 << 18 | 1 << 19 | 1 << 20 | 1 << 21 | 1 << 22 | 1 << 23  # CTRL_VQ .. CTRL_MAC_ADDR
            | 1 << 32 | 1 << 60)                                                 # VERSION_1, RSS
QUEUES = [  # (queue_size, vector, enabled, desc, driver, device, notify_off, notif_config_data)
    (256, 1, 1, 0x1_0000_0000, 0x1_0000_1000, 0x1_0000_2000, 0, 0),
    (256, 2, 1, 0x1_0001_0000, 0x1_0001_1000, 0x1_0001_2000, 1, 0),
    (512, 3, 1, 0x1_0002_0000, 0x1_0002_2000, 0x1_0002_4000, 2, 0),
    (512, 4, 1, 0x1_0003_0000, 0x1_0003_2000, 0x1_0003_4000, 3, 0),
    (64, 0xFFFF, 1, 0x1_0004_0000, 0x1_0004_0400, 0x1_0004_0800, 4, 0),
]
UNICAST = [bytes.fromhex("020000000001")]
MULTICAST = [bytes.fromhex("01005e000001"), bytes.fromhex("333300000001")]
VLANS = [1, 100, 4094]
RSS_KEY = bytes(range(0x6D, 0x6D + 40))
RSS_TABLE = [0, 1, 0, 1, 0, 1, 0, 1]


def part(part_type: int, value: bytes, selector: bytes = bytes(8), flags: int = 0) -> bytes:
    return struct.pack("<HBB8sI", part_type, flags, 0, selector, len(value)) + value


def common_cfg(offset: int, value: bytes) -> bytes:
    return part(PCI_COMMON_CFG, value, struct.pack("<II", offset, 0))


def vq(part_type: int, index: int, value: bytes) -> bytes:
    return part(part_type, value, struct.pack("<H6x", index))


def cvq(class_id: int, command: int, value: bytes) -> bytes:
    return part(CVQ_CFG, value, struct.pack("<BB6x", class_id, command))


def virtio_net_parts() -> bytes:
    """Every common part type and every virtio-net control class, in the spec's order."""
    out = [part(DEV_FEATURES, struct.pack("<QQ", FEATURES | 1 << 0, 1), flags=OPTIONAL),
           part(DRV_FEATURES, struct.pack("<QQ", FEATURES, 0)),
           common_cfg(0, struct.pack("<I", 1)), common_cfg(8, struct.pack("<I", 1)),
           common_cfg(16, struct.pack("<H", 0)), common_cfg(18, struct.pack("<H", len(QUEUES))),
           common_cfg(21, struct.pack("<B", 2)), common_cfg(22, struct.pack("<H", 4)),
           part(DEVICE_STATUS, bytes([0x0F]))]
    out += [vq(VQ_CFG, i, struct.pack("<HHHHQQQ", size, vector, enabled, 0, desc, driver, device))
            for i, (size, vector, enabled, desc, driver, device, _, _) in enumerate(QUEUES)]
    out += [vq(VQ_NOTIFY_CFG, i, struct.pack("<HH4x", notify_off, data))
            for i, (*_, notify_off, data) in enumerate(QUEUES)]
    out += [cvq(RX, command, bytes([on])) for command, on in enumerate((1, 0, 0, 0, 0, 1))]
    out.append(cvq(MAC, 0, struct.pack("<I", len(UNICAST)) + b"".join(UNICAST)
                   + struct.pack("<I", len(MULTICAST)) + b"".join(MULTICAST)))
    out.append(cvq(MAC, 1, bytes.fromhex("525400abcdef")))
    out.append(cvq(VLAN, 0, struct.pack(f"<{len(VLANS)}H", *VLANS)))
    out.append(cvq(ANNOUNCE, 0, b""))
    out.append(cvq(MQ, 0, struct.pack("<H", 2)))
    rss = struct.pack("<IHH", 0x3F, len(RSS_TABLE) - 1, 0) + struct.pack(f"<{len(RSS_TABLE)}H", *RSS_TABLE) \
        + struct.pack("<HB", 2, len(RSS_KEY)) + RSS_KEY
    out.append(cvq(MQ, 1, rss))
    return b"".join(out)


def vfio(payload: bytes) -> bytes:
    """One mandatory device-data record (le64 record_size, le32 flags, le32 tag)."""
    return struct.pack("<QII", len(payload), 0, 0) + payload


# --- NVMe controller state ------------------------------------------------------------------------

SQS = [  # (PRP1, QSIZE, QID, CQID, IOSQA, HP, TP)
    (0x8_0000_0000 + i * 0x10000, 1023, i + 1, i + 1, 1 | (i % 4) << 1, 5 * i, 5 * i + 3) for i in range(4)
]
CQS = [  # (PRP1, QSIZE, QID, HP, TP, IOCQA)
    (0x9_0000_0000, 1023, 1, 7, 9, 1 | 1 << 1 | 1 << 2 | 1 << 16),
    (0x9_0001_0000, 1023, 2, 0, 0, 1 | 1 << 1 | 0 << 2 | 2 << 16),
    (0x9_0002_0000, 255, 3, 250, 0, 1 | 1 << 1 | 1 << 2 | 3 << 16),
    (0x9_0003_0000, 255, 4, 12, 14, 0 | 0 << 1 | 0 << 2 | 4 << 16),
]
VENDOR = bytes.fromhex("564e4452") + bytes(range(28))  # "VNDR" + 28 bytes: 32 bytes, 8 dwords
VENDOR_UUID = "2f4c6a8e-1b3d-4e5f-9a7b-c8d9e0f1a2b3"


def nvme_defined_state() -> bytes:
    out = struct.pack("<HHHH", 0, len(SQS), len(CQS), 0)
    out += b"".join(struct.pack("<QHHHHHH4x", *sq) for sq in SQS)
    out += b"".join(struct.pack("<QHHHHI4x", *cq) for cq in CQS)
    return out


def nvme_libnvme() -> bytes:
    nvme = nvme_defined_state()
    head = struct.pack("<HB13x", 0, 0x01) + (len(nvme) // 4).to_bytes(16, "little") \
        + (len(VENDOR) // 4).to_bytes(16, "little")
    return head + nvme + VENDOR


def nvme_rfc() -> bytes:
    nvme = nvme_defined_state()
    return struct.pack("<HB13xHH", 0, 0x01, len(nvme) // 4, len(VENDOR) // 4) + nvme + VENDOR


VECTORS = {
    "virtio-net-parts.bin": virtio_net_parts,
    "virtio-net-parts.vfio": lambda: vfio(virtio_net_parts()),
    "nvme-ctrl-state.bin": nvme_libnvme,
    "nvme-ctrl-state-rfc2025.bin": nvme_rfc,
}


if __name__ == "__main__":
    for name, build in VECTORS.items():
        (HERE / name).write_bytes(build())
        print(f"wrote {HERE / name}")
