"""CRC throughput: the crc32c package (hardware-accelerated) vs the pure-Python fallback vs zlib.crc32.

Run: .venv/bin/python benchmarks/crc32c_throughput.py
The numbers in spec/wire-format.md ("Rationale: CRC-32C") come from this script. zlib.crc32
is CRC-32 (IEEE), a different polynomial; it is here as the "what the stdlib gives" baseline.
"""

from __future__ import annotations

import os
import platform
import time
import zlib
from collections.abc import Callable

from devstate.wire.checksum import IMPLEMENTATION, crc32c, crc32c_py


def throughput(function: Callable[[bytes], int], data: bytes, repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in MiB/s."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function(data)
        best = min(best, time.perf_counter() - started)
    return len(data) / best / (1 << 20)


def main() -> None:
    big = os.urandom(64 << 20)
    small = big[: 1 << 20]
    results = {
        f"crc32c package ({IMPLEMENTATION})": throughput(crc32c, big),
        "zlib.crc32 (CRC-32/IEEE, stdlib)": throughput(zlib.crc32, big),
        "pure-Python CRC-32C (table)": throughput(crc32c_py, small, repeat=3),
    }
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}")
    baseline = results["zlib.crc32 (CRC-32/IEEE, stdlib)"]
    for name, mib_s in results.items():
        print(f"{name:42} {mib_s:12,.1f} MiB/s  {mib_s / baseline:8.3f}x zlib")


if __name__ == "__main__":
    main()
