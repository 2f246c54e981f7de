"""Big-endian reading and writing of QEMUFile values, with absolute stream offsets for errors.

QEMU writes device state with ``qemu_put_be16/32/64`` and ``qemu_put_byte`` (big-endian,
unaligned, no padding); raw buffers (``qemu_put_buffer``) are copied as they are in
memory, so their contents are host-endian (little-endian for the x86 streams devstate
reads).
"""

from __future__ import annotations

import struct

from devstate.qemu.virtio.errors import QemuCode, QemuStateError

_BE = {1: ">B", 2: ">H", 4: ">I", 8: ">Q"}


class Cursor:
    """Reads one device section's bytes; ``base`` is the stream offset of ``data[0]``."""

    def __init__(self, data: bytes | memoryview, base: int, prefix: str = "") -> None:
        self.data = memoryview(data)
        self.base = base
        self.pos = 0
        self.prefix = prefix

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def fail(self, code: QemuCode, field: str, message: str, at: int | None = None) -> QemuStateError:
        return QemuStateError(code, self.offset if at is None else at, self.prefix + field, message)

    def take(self, size: int, field: str) -> bytes:
        if size > self.remaining():
            raise self.fail(QemuCode.TRUNCATED, field,
                            f"needs {size} bytes, {self.remaining()} left in the device's section")
        chunk = bytes(self.data[self.pos:self.pos + size])
        self.pos += size
        return chunk

    def uint(self, size: int, field: str) -> int:
        value: int = struct.unpack(_BE[size], self.take(size, field))[0]
        return value

    def u8(self, field: str) -> int:
        return self.uint(1, field)

    def be16(self, field: str) -> int:
        return self.uint(2, field)

    def be32(self, field: str) -> int:
        return self.uint(4, field)

    def be64(self, field: str) -> int:
        return self.uint(8, field)

    def flag(self, field: str) -> bool:
        """A VMSTATE_BOOL: one byte, 0 or 1 (QEMU's loader reads any non-zero byte as true; QEMU writes 0 or 1)."""
        at = self.offset
        value = self.u8(field)
        if value > 1:
            raise self.fail(QemuCode.BAD_VALUE, field, f"a bool is 0 or 1, not {value}", at)
        return value == 1

    def peek(self) -> int | None:
        return self.data[self.pos] if self.pos < len(self.data) else None


class Writer:
    """The inverse of ``Cursor``: appends QEMUFile values to a buffer."""

    def __init__(self) -> None:
        self.out = bytearray()

    def raw(self, data: bytes) -> None:
        self.out += data

    def uint(self, size: int, value: int) -> None:
        self.out += struct.pack(_BE[size], value)

    def u8(self, value: int) -> None:
        self.uint(1, value)

    def be16(self, value: int) -> None:
        self.uint(2, value)

    def be32(self, value: int) -> None:
        self.uint(4, value)

    def be64(self, value: int) -> None:
        self.uint(8, value)

    def flag(self, value: bool) -> None:
        self.u8(1 if value else 0)

    def subsection(self, name: str, version: int = 1) -> None:
        """The header QEMU writes before a needed subsection: 0x05, name length, name, be32 version."""
        encoded = name.encode()
        self.u8(SUBSECTION)
        self.u8(len(encoded))
        self.raw(encoded)
        self.be32(version)


SUBSECTION = 0x05
"""QEMU_VM_SUBSECTION."""
