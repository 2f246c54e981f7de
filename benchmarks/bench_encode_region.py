"""Encoding a large region from JSON: time and peak memory of ``devstate encode`` (issue 19).

The state is org.devstate.hostile 1.0 (spec/conformance/schemas) at its defaults, ``region.data`` a
region of ``--mib`` MiB (default 64: 128 MiB of hex text in the state file). Two measurements,
each ``--runs`` times (the median is printed with the spread):

- in one process: ``devstate encode`` through click's ``CliRunner`` (imports and the schema
  warmed by a first run outside the measurement), wall time and the ``tracemalloc`` peak as a
  multiple of the region;
- in a fresh process: ``python -m devstate encode`` under ``/usr/bin/time``, wall time and peak
  RSS, and the same for an empty region (the interpreter and the toolkit) shown apart.

Every blob is compared with the reference encoder's blob of the same state (byte-identical).

With ``--stdin`` the state is given on standard input (``devstate encode -``), from the file.

Run: ``nice -n 15 .venv/bin/python benchmarks/bench_encode_region.py [--mib N] [--runs N] [--stdin]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from devstate import ir
from devstate.cli import main as cli_main
from devstate.interp import encode
from devstate.schema import load_schema
from devstate.state import State, default_state, state_to_json

MIB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "spec" / "conformance" / "schemas" / "org.devstate.hostile" / "1.0.yaml"


def states(schema: ir.Schema, region: bytes) -> tuple[State, dict[str, Any]]:
    """The encoder's state (defaults, ``region.data`` the region) and its JSON form (the region as hex)."""
    state = default_state(schema)
    state["sections"]["region"] = {"base": 0, "data": region}
    return state, state_to_json(state)


def in_process(args: list[str], stdin: Path | None = None) -> tuple[float, int]:
    tracemalloc.start()
    try:
        with contextlib.ExitStack() as stack:
            source = None if stdin is None else stack.enter_context(stdin.open("rb"))
            started = time.perf_counter()
            result = CliRunner().invoke(cli_main, args, input=source)
            seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    return seconds, peak


def fresh(argv: list[str], stdin: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS of ``argv`` run by /usr/bin/time (a small parent: a child forked
    from this process would count the pages it shares with it)."""
    with contextlib.ExitStack() as stack:
        source = None if stdin is None else stack.enter_context(stdin.open("rb"))
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", *argv], stdin=source, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=True)
    seconds, kib = result.stderr.split()[-2:]
    return float(seconds), int(kib) * 1024


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    shown = [v / scale for v in values]
    return f"{statistics.median(shown):.2f}{unit} (runs {', '.join(f'{v:.2f}' for v in shown)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=64, help="the region's size in MiB")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is shown)")
    parser.add_argument("--stdin", action="store_true", help="give the state on standard input (encode -)")
    options = parser.parse_args(argv)
    schema_path = SCHEMA
    region = bytes(range(256)) * (options.mib * MIB // 256)
    with tempfile.TemporaryDirectory(prefix="devstate-encode-region-") as work:
        source, output = Path(work) / "state.json", Path(work) / "out.dsf"
        schema = load_schema(schema_path)
        state, as_json = states(schema, region)
        source.write_text(json.dumps(as_json))
        expected = encode(schema, state)
        del state, as_json
        stdin = source if options.stdin else None
        args = ["encode", "-" if stdin else str(source), "--schema", str(schema_path), "-o", str(output)]
        in_process(args, stdin)  # warm: imports and the schema
        times, peaks = [], []
        for _ in range(options.runs):
            seconds, peak = in_process(args, stdin)
            assert output.read_bytes() == expected, "in-process output differs"
            times.append(seconds)
            peaks.append(peak)
        print(f"region {options.mib} MiB, state file {source.stat().st_size / MIB:.0f} MiB, "
              f"blob {len(expected):,} bytes")
        print(f"in one process: {spread(times, ' s')}, tracemalloc peak {spread(peaks, '×', len(region))}")
        digest = hashlib.sha256(expected).digest()
        del expected
        tiny = Path(work) / "tiny.json"
        tiny.write_text(json.dumps(states(schema, b"")[1]))
        baseline_seconds, baseline = fresh([sys.executable, "-m", "devstate", "encode", "-" if stdin else str(tiny),
                                            "--schema", str(schema_path), "-o", str(Path(work) / "tiny.dsf")],
                                           tiny if stdin else None)
        times, rss = [], []
        for _ in range(options.runs):
            seconds, peak = fresh([sys.executable, "-m", "devstate", *args], stdin)
            assert hashlib.sha256(output.read_bytes()).digest() == digest, "fresh-process output differs"
            times.append(seconds)
            rss.append(peak)
        print(f"fresh process: {spread(times, ' s')}, peak RSS {spread(rss, ' MB', 1e6)} "
              f"(an empty region: {baseline_seconds:.2f} s, {baseline / 1e6:.0f} MB); "
              f"above it {spread([r - baseline for r in rss], '×', len(region))} the region")
    return 0


if __name__ == "__main__":
    sys.exit(main())
