"""Errors of QEMU's virtio device state: a stable code, the byte offset in the stream and the field.

``QemuStateError`` is raised for a device section devstate will not translate: malformed
(truncated, a value QEMU's own loader refuses), hostile (counts and indexes past QEMU's
tables, modelled on QEMU's virtio incoming-migration CVEs), or a device feature the
translation does not cover. ``offset`` is the absolute byte offset in the stream of the
value at fault and ``field`` its path in QEMU's terms (``virtio.queues[3].num``,
``virtio-net.mac_table.in_use``). ``CannotRepresent`` is raised by ``inject`` when a
standard state cannot be written into the QEMU device of the stream, before any byte is
written. Codes are never renumbered; the table is in spec/qemu-virtio.md.
"""

from __future__ import annotations

from enum import IntEnum

from devstate.errors import DevstateError


class QemuCode(IntEnum):
    """Stable error codes (name and number) of the QEMU virtio translation."""

    TRUNCATED = 1
    BAD_VALUE = 2
    OUT_OF_RANGE = 3
    UNKNOWN_SUBSECTION = 4
    DUPLICATE_SUBSECTION = 5
    TRAILING_DATA = 6
    UNSUPPORTED = 7
    AMBIGUOUS_LAYOUT = 8
    INCONSISTENT = 9
    CANNOT_REPRESENT = 10
    NO_DEVICE = 11
    BAD_VENDOR_SECTION = 12


DESCRIPTIONS: dict[QemuCode, str] = {
    QemuCode.TRUNCATED: "The device's state ends inside a field.",
    QemuCode.BAD_VALUE: "A value QEMU's loader refuses or never writes (a bool that is not 0 or 1, a wrong version).",
    QemuCode.OUT_OF_RANGE: "A count or index past QEMU's own table or limit (queue count, ring size, config length, "
                           "MAC table entries, queue pairs, MSI-X vector).",
    QemuCode.UNKNOWN_SUBSECTION: "A subsection QEMU's device does not have, or one of an unknown version.",
    QemuCode.DUPLICATE_SUBSECTION: "A subsection appears twice.",
    QemuCode.TRAILING_DATA: "Bytes follow the device's state inside its section.",
    QemuCode.UNSUPPORTED: "Valid QEMU state the translation does not cover (legacy rings, in-flight requests, "
                          "vhost-user back-end state).",
    QemuCode.AMBIGUOUS_LAYOUT: "The stream alone does not say which fields are present; give the device property.",
    QemuCode.INCONSISTENT: "Values that contradict each other (a ring at address 0 with a non-zero index).",
    QemuCode.CANNOT_REPRESENT: "inject: the standard state has a value the stream's QEMU device cannot hold.",
    QemuCode.NO_DEVICE: "inject/extract: no device of the stream matches, or a blob matches none.",
    QemuCode.BAD_VENDOR_SECTION: "The QEMU vendor section of a blob does not decode or does not fit the device.",
}


class QemuStateError(DevstateError):
    """A QEMU virtio device section devstate refuses: code, stream offset, field, message."""

    def __init__(self, code: QemuCode, offset: int | None, field: str, message: str) -> None:
        self.qemu_code = code
        self.code = f"QEMU_{code.name}"
        self.offset = offset
        self.field = field
        self.message = message
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{self.code}{where} ({field}): {message}")

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": int(self.qemu_code), "offset": self.offset, "field": self.field,
                "message": self.message}


class CannotRepresent(QemuStateError):
    """``inject``: a standard value the QEMU device in the stream cannot hold (nothing was written)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(QemuCode.CANNOT_REPRESENT, None, field, message)
