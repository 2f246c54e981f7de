"""Benchmarks of the compatibility engine.

1. ``devstate compat`` of two schemas with 5,000 fields each (the whole command, in a
   fresh process, as CI runs it); target: under 1 s. The time of the diff alone is shown
   beside it, with the schema loading as the baseline ratio.
2. ``devstate convert`` of a state with a 64 MiB region (up-conversion that re-encodes a
   small section and copies the region's section as is): wall time and peak Python heap
   (tracemalloc), which shows the region is not copied in memory more than once.

Run: ``.venv/bin/python benchmarks/bench_compat.py [--fields N] [--region-mib M]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from devstate import ir
from devstate.blob_convert import convert_blob, open_blob
from devstate.compat.diff import diff_schemas
from devstate.interp import encode
from devstate.schema import SchemaLoader
from devstate.state import default_state

MODEL = "org.example.bench"
MIB = 1 << 20


def _schema_text(version: str, fields: int, per_struct: int, appended: int) -> str:
    lines = ["devstate: 1", f"model: {MODEL}", f'version: "{version}"', "title: benchmark", "types:"]
    structs = (fields + per_struct - 1) // per_struct
    for s in range(structs):
        lines += [f"  s{s}:", "    kind: struct", "    fields:"]
        for f in range(min(per_struct, fields - s * per_struct)):
            lines.append(f"      - {{name: f{f}, type: {('u8', 'u16', 'u32', 'u64')[f % 4]}, doc: field {f}}}")
        lines += [f'      - {{name: extra{a}, type: u32, since: "{version}"}}' for a in range(appended)]
    lines.append("sections:")
    lines += [f"  - {{id: {s + 1}, name: sec{s}, type: s{s}}}" for s in range(structs)]
    return "\n".join(lines) + "\n"


def bench_compat(fields: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        old = root / "a" / MODEL / "1.0.yaml"
        new = root / "b" / MODEL / "1.1.yaml"
        for path, text in ((old, _schema_text("1.0", fields, 100, 0)), (new, _schema_text("1.1", fields, 100, 1))):
            path.parent.mkdir(parents=True)
            path.write_text(text)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "devstate", "compat", str(old), str(new), "--json"],
                             capture_output=True, check=False)
        command = time.perf_counter() - started
        assert run.returncode == 0, run.stderr.decode()
        started = time.perf_counter()
        loaded_old, loaded_new = SchemaLoader().load(old), SchemaLoader().load(new)
        load = time.perf_counter() - started
        started = time.perf_counter()
        changes = diff_schemas(loaded_old, loaded_new)
        diff = time.perf_counter() - started
    return {"fields": fields, "command_s": command, "load_s": load, "diff_s": diff, "changes": len(changes)}


def _region_schema(version: str, region: int) -> str:
    since = '\n      - {name: added, type: u32, since: "1.1"}' if version == "1.1" else ""
    return f"""devstate: 1
model: {MODEL}
version: "{version}"
title: region benchmark
types:
  regs:
    kind: struct
    fields:
      - {{name: a, type: u32}}{since}
sections:
  - {{id: 1, name: regs, type: regs}}
  - {{id: 2, name: memory, type: {{kind: bytes, max: {region}}}}}
"""


def bench_convert(region_mib: int) -> dict[str, float]:
    size = region_mib * MIB
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        schemas = {}
        for version in ("1.0", "1.1"):
            path = root / MODEL / f"{version}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(_region_schema(version, size))
            schemas[ir.Version.parse(version)] = SchemaLoader(root).load(path)
        old = schemas[ir.Version(1, 0)]
        state = default_state(old)
        state["sections"]["memory"] = os.urandom(size)
        source, target = root / "in.dsf", root / "out.dsf"
        source.write_bytes(encode(old, state))
        del state
        tracemalloc.start()
        started = time.perf_counter()
        with open_blob(source) as data:
            blob = convert_blob(data, ir.Version(1, 1), schemas.__getitem__)
            blob.write(target)
            reused = blob.reused
            del blob
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert "sections.memory" in reused
        written = target.stat().st_size
    return {"region_mib": region_mib, "convert_s": elapsed, "peak_heap_mib": peak / MIB, "output_bytes": written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=5000)
    parser.add_argument("--region-mib", type=int, default=64)
    args = parser.parse_args()
    compat = bench_compat(args.fields)
    print(f"compat, {compat['fields']} fields per schema: whole command {compat['command_s']:.3f} s "
          f"(load both {compat['load_s']:.3f} s, diff {compat['diff_s'] * 1000:.1f} ms = "
          f"{compat['diff_s'] / compat['load_s']:.2f}x the load; {compat['changes']} changes); target < 1 s: "
          f"{'ok' if compat['command_s'] < 1 else 'MISSED'}")
    converted = bench_convert(args.region_mib)
    print(f"convert, {converted['region_mib']} MiB region: {converted['convert_s']:.3f} s, peak Python heap "
          f"{converted['peak_heap_mib']:.2f} MiB ({converted['peak_heap_mib'] / converted['region_mib']:.3f}x the "
          f"region: the region is not copied in memory)")


if __name__ == "__main__":
    main()
