"""CRC-32C (Castagnoli), the DSF trailer checksum.

Parameters (spec/wire-format.md, "Checksum"): polynomial 0x1EDC6F41 (reflected
0x82F63B78), reflected input and output, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF;
check value ``crc32c(b"123456789") == 0xE3069283``.

``crc32c`` uses the hardware-accelerated ``crc32c`` package when it is installed and
falls back to ``crc32c_py``, a table-driven pure-Python implementation (slow, but always
available and the executable definition of the parameters). Both are the runtime's
(``devstate.dsf1``), shared with the generated codecs.
"""

from __future__ import annotations

from devstate.dsf1 import CRC32C_CHECK_VALUE as CHECK_VALUE
from devstate.dsf1 import CRC32C_IMPLEMENTATION as IMPLEMENTATION
from devstate.dsf1 import CRC32C_POLYNOMIAL_REFLECTED as POLYNOMIAL_REFLECTED
from devstate.dsf1 import Crc32c, crc32c, crc32c_py

__all__ = ["CHECK_VALUE", "IMPLEMENTATION", "POLYNOMIAL_REFLECTED", "Crc32c", "crc32c", "crc32c_py"]
