"""CRC-32C (Castagnoli), the DSF trailer checksum.

Parameters (spec/wire-format.md, "Checksum"): polynomial 0x1EDC6F41 (reflected
0x82F63B78), reflected input and output, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF;
check value ``crc32c(b"123456789") == 0xE3069283``.

``crc32c`` uses the hardware-accelerated ``crc32c`` package when it is installed and
falls back to ``crc32c_py``, a table-driven pure-Python implementation (slow, but always
available and the executable definition of the parameters).
"""

from __future__ import annotations

from typing import Protocol

POLYNOMIAL_REFLECTED = 0x82F63B78
CHECK_VALUE = 0xE3069283


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLYNOMIAL_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc32c_py(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """CRC-32C of ``data`` continuing from ``value`` (a previous result), in pure Python."""
    crc = value ^ 0xFFFFFFFF
    table = _TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class Crc32cFunction(Protocol):
    def __call__(self, data: bytes | bytearray | memoryview, value: int = 0) -> int: ...


def _select() -> tuple[Crc32cFunction, str]:
    try:
        import crc32c as _accelerated
    except ImportError:  # pragma: no cover - the package is a dependency
        return crc32c_py, "pure-python"

    def accelerated(data: bytes | bytearray | memoryview, value: int = 0) -> int:
        return _accelerated.crc32c(data, value)

    return accelerated, "crc32c-hardware" if _accelerated.hardware_based else "crc32c-software"


crc32c, IMPLEMENTATION = _select()
"""``crc32c(data, value=0)``, and which implementation backs it."""
