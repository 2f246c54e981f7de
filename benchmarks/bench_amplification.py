"""Amplification: work and memory of every blob path on inputs made of many empty sections.

The input of issue 19: an org.virtio.net 1.1 blob whose tail is N empty, optional, unknown
vendor sections (26 bytes each: 4 million is 104 MB). Each path runs in a fresh process,
as a user runs it; the figures are wall time, time per section and peak RSS (``VmHWM``
from ``wait4``) per input byte, for two sizes: the ratio of the times (and of the memory
above the empty-blob baseline) shows whether the work is linear (4× the sections → 4× the
time) or worse.

- with the default limits every decoder refuses the blob at its 33rd unknown section
  (``max_unknown_sections`` 32) and ``inspect`` at its 4097th section (``max_sections``);
- with both limits raised past N (``--max-sections`` / ``--max-unknown-sections``), the
  whole input is read: ``inspect``, ``inspect --json``, ``validate``, ``decode --json``,
  the generated Python decoder (``devstate_codecs``).

Run: ``nice -n 15 .venv/bin/python benchmarks/bench_amplification.py [--sections N] [--limits ...]``
(N and 4N; the default N = 25,000, 0.65 MB and 2.6 MB).
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devstate.interp import encode
from devstate.schema import find_schema_file, load_schema
from devstate.state import default_state
from devstate.wire.header import FIXED_HEADER_SIZE, TRAILER_SIZE, encode_header, seal

ROOT = Path(__file__).resolve().parent.parent
MODEL = "org.virtio.net@1.1"
PER_NAMESPACE = 0x7FFF
"""Vendor section ids per PCI namespace (1..32767); more sections use the next vendor id."""
GENERATED = ("import sys; from devstate_codecs import org_virtio_net_v1_1 as m, _runtime as rt; "
             "m.decode(open(sys.argv[1], 'rb').read(), rt.Limits(max_sections=10**9, max_unknown_sections=10**9))")


def blob(sections: int) -> bytes:
    """A valid org.virtio.net 1.1 blob (defaults) followed by ``sections`` empty unknown vendor sections."""
    schema = load_schema(find_schema_file(MODEL).path)
    base = encode(schema, default_state(schema))
    body = bytearray(base[FIXED_HEADER_SIZE + len(schema.model) : -TRAILER_SIZE])
    for n in range(sections):
        namespace, section_id = divmod(n, PER_NAMESPACE)
        body += struct.pack("<HHIHH14x", section_id + 1, 3, 18, 1, 0x1000 + namespace)
    total = FIXED_HEADER_SIZE + len(schema.model) + len(body) + TRAILER_SIZE
    return seal(encode_header(schema.model, schema.version, total) + bytes(body))


TIME = Path("/usr/bin/time")


def run(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes and exit status of one command in a fresh process.

    The peak RSS is GNU time's (``/usr/bin/time``, a small parent): a child forked from this
    process counts the pages it shared with it before its ``exec``, so its ``ru_maxrss`` is
    never below this process's RSS (about 53 MB, which hid every smaller figure)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "codegen" / "python")}
    with tempfile.NamedTemporaryFile(prefix="devstate-rss-") as report:
        timed = [str(TIME), "-f", "%M", "-o", report.name, *argv] if TIME.exists() else argv
        started = time.perf_counter()
        child = subprocess.Popen(timed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        text = Path(report.name).read_text().split()
    rss = int(text[-1]) * 1024 if TIME.exists() else usage.ru_maxrss * 1024
    return seconds, rss, os.waitstatus_to_exitcode(status)


def commands(path: Path, raised: bool) -> dict[str, list[str]]:
    devstate = [sys.executable, "-m", "devstate"]
    limits = ["--max-sections", "1000000000", "--max-unknown-sections", "1000000000"] if raised else []
    found = {
        "inspect": [*devstate, "inspect", str(path), *limits],
        "inspect --json": [*devstate, "inspect", "--json", str(path), *limits],
        "validate": [*devstate, "validate", str(path), *limits],
        "decode --json": [*devstate, "decode", "--json", str(path), *limits],
    }
    if raised:
        found["generated Python decode"] = [sys.executable, "-c", GENERATED, str(path)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=25_000,
                        help="N: the smaller input has N sections, the other 4N")
    parser.add_argument("--limits", choices=("both", "default", "raised"), default="both",
                        help="the runs with the default limits, with the limits raised past N, or both "
                             "(--sections 1000000 --limits default: the 104 MB input of issue 19)")
    args = parser.parse_args(argv)
    sizes = (args.sections, 4 * args.sections)
    with tempfile.TemporaryDirectory(prefix="devstate-amplification-") as work:
        paths = {}
        for n in (0, *sizes):
            paths[n] = Path(work) / f"sections-{n}.dsf"
            paths[n].write_bytes(blob(n))
        for raised in {"both": (False, True), "default": (False,), "raised": (True,)}[args.limits]:
            print(f"\n{'limits raised past N' if raised else 'default limits'}:")
            print(f"{'path':26} {'sections':>9} {'input MB':>9} {'time s':>7} {'µs/section':>10} "
                  f"{'peak MB':>8} {'B/input B':>9} {'exit':>4}  time ×, memory × (4N vs N)")
            for name in commands(paths[0], raised):
                base_time, base_rss, _ = run(commands(paths[0], raised)[name])
                figures = []
                for n in sizes:
                    seconds, rss, code = run(commands(paths[n], raised)[name])
                    size = paths[n].stat().st_size
                    figures.append((seconds - base_time, rss - base_rss))
                    print(f"{name:26} {n:9,} {size / 1e6:9.2f} {seconds:7.2f} "
                          f"{(seconds - base_time) / n * 1e6:10.2f} {rss / 1e6:8.1f} "
                          f"{max(rss - base_rss, 0) / size:9.1f} {code:4}", end="" if n == sizes[-1] else "\n")
                (t1, m1), (t4, m4) = figures
                print(f"  {t4 / t1 if t1 > 0 else float('nan'):.1f}×, {m4 / m1 if m1 > 0 else float('nan'):.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
