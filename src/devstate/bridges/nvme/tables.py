"""The NVMe live-migration controller state (TP4159, NVMe 2.1) as data, versioned in one place.

A controller state is a header, the NVMe-defined state (a small header, then NIOSQ I/O
submission queue entries and NIOCQ I/O completion queue entries, 24 bytes each) and the
vendor-specific state (opaque bytes in the format a vendor UUID names). Sizes in the
header count dwords.

The ratified TP text was not available to us; the sources disagree on the header:

- ``libnvme`` (the default): linux-nvme/libnvme ``src/nvme/types.h`` (2024-11), the same
  layout in SamsungDS/libvfn ``examples/migrate.c`` and nvme-cli ``plugins/lm``: a 48-byte
  header with 128-bit NVMECSS and VSS; Migration Send selects 0 suspend, 1 resume,
  2 set controller state.
- ``rfc-2025``: the 2025 vfio-nvme RFC on the kvm list: a 20-byte header with 16-bit
  NVMECSS and VSS; Migration Send selects resume = 2 and set = 3.

Both are kept here; ``DEFAULT_LAYOUT`` picks libnvme because three public codebases agree
on it. The queue entry layouts are the same in every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from devstate.bridges.layouts import Fixed, Slot


@dataclass(frozen=True)
class HeaderLayout:
    """One version of the controller-state header and the command selects that go with it."""

    name: str
    header: Fixed
    source: str
    send_select: dict[str, int] = field(default_factory=dict)
    """Migration Send (opcode 0x41) select values: suspend, resume, set (controller state)."""

    @property
    def size(self) -> int:
        return self.header.length

    def width(self, name: str) -> int:
        return self.header.slot(name).size


LAYOUTS: dict[str, HeaderLayout] = {
    "libnvme": HeaderLayout(
        "libnvme",
        Fixed((Slot("VER", 0, 2), Slot("CSATTR", 2, 1), Slot("reserved", 3, 13, reserved=True),
               Slot("NVMECSS", 16, 16), Slot("VSS", 32, 16)), 48),
        "linux-nvme/libnvme src/nvme/types.h (2024-11); SamsungDS/libvfn examples/migrate.c; nvme-cli plugins/lm",
        {"suspend": 0, "resume": 1, "set": 2},
    ),
    "rfc-2025": HeaderLayout(
        "rfc-2025",
        Fixed((Slot("VER", 0, 2), Slot("CSATTR", 2, 1), Slot("reserved", 3, 13, reserved=True),
               Slot("NVMECSS", 16, 2), Slot("VSS", 18, 2)), 20),
        "vfio-nvme RFC, kvm mailing list (2025); says the format will move to a later TP",
        {"suspend": 0, "resume": 2, "set": 3},
    ),
}
DEFAULT_LAYOUT = "libnvme"

CSATTR_SUSPENDED = 0x01
"""CSATTR bit 0, Controller Suspended: the controller was suspended for the whole Migration Receive that
reported the state; bits 7:1 are reserved (NVMe Base 2.1 Figure 358 / 2.3 Figure 374)."""
VERSION = 0
"""The only version of the Controller State and of the NVMe Controller State data structures: "This field
shall be cleared to 0h" (both VER fields)."""
EXPORT_DEFAULTS = {"VER": VERSION, "CSATTR": CSATTR_SUSPENDED, "NVME_VER": VERSION}
"""What export writes without a bridge record (a state taken from a suspended controller)."""
RESERVED_ATTRIBUTE_BITS = {"IOSQA": 0xFFF8, "IOCQA": 0xFFF8}
"""Bits 15:03 of IOSQA and IOCQA are reserved (Figures 360 and 361 of NVMe Base 2.1)."""

NVME_STATE_HEADER = Fixed((Slot("VER", 0, 2), Slot("NIOSQ", 2, 2), Slot("NIOCQ", 4, 2),
                           Slot("reserved", 6, 2, reserved=True)), 8)
"""The NVMe-defined state's own header (version 0)."""

RECORDS: dict[str, Fixed] = {
    "IOSQ": Fixed((Slot("PRP1", 0, 8), Slot("QSIZE", 8, 2), Slot("QID", 10, 2), Slot("CQID", 12, 2),
                   Slot("IOSQA", 14, 2), Slot("HP", 16, 2), Slot("TP", 18, 2),
                   Slot("reserved", 20, 4, reserved=True)), 24),
    "IOCQ": Fixed((Slot("PRP1", 0, 8), Slot("QSIZE", 8, 2), Slot("QID", 10, 2), Slot("HP", 12, 2),
                   Slot("TP", 14, 2), Slot("IOCQA", 16, 4), Slot("reserved", 20, 4, reserved=True)), 24),
}
"""I/O submission and completion queue entries of the NVMe-defined state, in that order."""

RECORD_TITLES = {"IOSQ": "I/O Submission Queue entry", "IOCQ": "I/O Completion Queue entry"}

ATTRIBUTE_BITS: dict[str, tuple[tuple[str, int, int, str], ...]] = {
    "IOSQA": (("PC", 0, 0, "physically contiguous"), ("QPRIO", 1, 2, "queue priority")),
    "IOCQA": (("PC", 0, 0, "physically contiguous"), ("IEN", 1, 1, "interrupts enabled"),
              ("S0PT", 2, 2, "slot 0 phase tag"), ("IV", 16, 31, "interrupt vector")),
}
"""The defined bits of the attribute fields (documentation and ``nvme-state decode``)."""


class SeqInd(IntEnum):
    """Sequence indicator of Migration Send - Set Controller State (CDW10 bits 17:16)."""

    MIDDLE = 0
    FIRST = 1
    LAST = 2
    ENTIRE = 3


OPCODES = {"Track Send": 0x3D, "Track Receive": 0x3E, "Migration Send": 0x41, "Migration Receive": 0x42,
           "Controller Data Queue": 0x45}
