"""The C runtime (src/devstate/emit/c/dsf1.{h,c}): its CRC-32C tables, and what devstate gen ships.

The runtime's behaviour is tested through the generated codecs (test_codegen_c*.py run every
conformance vector and differential case through them); here: the tables that cannot be
checked by reading, and the files a vendor copies.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from devstate.emit import GENERATED_MARKER
from devstate.emit.c import RUNTIME_SOURCES, emit_c_runtime

POLYNOMIAL = 0x82F63B78
"""CRC-32C (Castagnoli), reflected."""
LANES = {"dsf1_crc_shift_8k": 8192, "dsf1_crc_shift_512": 512}


def source(name: str) -> str:
    return resources.files("devstate.emit.c").joinpath(name).read_text(encoding="utf-8")


def table(name: str) -> list[list[int]]:
    """The rows of ``static const uint32_t <name>[N][256]`` in dsf1.c."""
    match = re.search(rf"static const uint32_t {name}\[(\d+)\]\[256\] = \{{(.*?)\n\}};", source("dsf1.c"), re.DOTALL)
    assert match, f"no table {name} in dsf1.c"
    rows = [[int(value, 16) for value in re.findall(r"0x([0-9a-f]{8})u", row)]
            for row in re.findall(r"\{([^{}]*)\}", match.group(2))]
    assert len(rows) == int(match.group(1)) and all(len(row) == 256 for row in rows)
    return rows


def byte_table() -> list[int]:
    first = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLYNOMIAL if crc & 1 else crc >> 1
        first.append(crc)
    return first


def test_the_slicing_by_8_tables() -> None:
    """Row 0 is the byte table; row k is row k-1 pushed through one more zero byte."""
    first = byte_table()
    expected = [first]
    for _ in range(7):
        expected.append([(expected[-1][b] >> 8) ^ first[expected[-1][b] & 0xFF] for b in range(256)])
    assert table("dsf1_crc_slices") == expected


@pytest.mark.parametrize("name", sorted(LANES))
def test_the_shift_tables_of_the_hardware_lanes(name: str) -> None:
    """Row k, entry v: the register v << 8k after a lane of zero bytes (combines three streams)."""
    first = byte_table()

    def after_zeros(crc: int, count: int) -> int:
        for _ in range(count):
            crc = first[crc & 0xFF] ^ (crc >> 8)
        return crc

    rows = table(name)
    assert rows == [[after_zeros(v << (8 * k), LANES[name]) for v in range(256)] for k in range(4)]
    assert f"#define DSF1_CRC_{'SMALL_' if LANES[name] == 512 else ''}LANE {LANES[name]}" in source("dsf1.c")


def test_gen_ships_the_sources_unchanged_after_a_banner() -> None:
    files = emit_c_runtime()
    for name in RUNTIME_SOURCES:
        banner, _, rest = files[name].partition("\n")
        assert GENERATED_MARKER in banner and f"devstate/emit/c/{name}" in banner
        assert rest == source(name)
