"""Fuzz the generated Rust decoders: mutated conformance vectors through the driver's ``--fuzz`` mode.

    .venv/bin/python fuzz/rust_fuzz.py                      # 1,000,000 executions per decoder
    .venv/bin/python fuzz/rust_fuzz.py --iterations 20000 --model org.virtio.net@1.1

For every model version with conformance vectors, the crate of tests/support/rust/codec is built
with cargo's ``fuzz`` profile (optimized, overflow checks and debug assertions on), and
``dsf1_driver MODEL@VERSION --fuzz N SEED VECTORS...`` decodes the vectors and N mutants of
them (bytes changed, u32 edge values, cuts, inserts, splices; length and CRC-32C fixed
15 times in 16). A panic is a bug (every failure must be a returned error); a mutant that
decodes must encode in exactly ``encoded_len()`` bytes that decode to an equal state and
encode to the same bytes again. Agreement with the reference codec on mutants is
fuzz/differential.py's job (it runs the Rust driver as one of its four legs).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "tests" / "support", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from rust import codec  # noqa: E402

from tools.conformance import CONFORMANCE_DIR, load_manifest  # noqa: E402


def seeds_by_model() -> dict[str, list[Path]]:
    """The conformance vectors of each model version (``model@version`` → blob files)."""
    found: dict[str, list[Path]] = collections.defaultdict(list)
    for entry in load_manifest():
        found[codec.ident_of(entry["schema"])].append(CONFORMANCE_DIR / entry["blob"])
    return dict(sorted(found.items()))


def campaign(ident: str, seeds: list[Path], iterations: int, seed: int) -> dict[str, object]:
    """One decoder's run: the driver's JSON report; AssertionError on a panic or a failed check."""
    binary = codec.executable("fuzz")
    done = subprocess.run([str(binary), ident, "--fuzz", str(iterations), str(seed), *map(str, seeds)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{ident}: the Rust decoder failed (exit {done.returncode}):\n" \
                                 f"{done.stdout[-2000:]}{done.stderr[-4000:]}"
    report: dict[str, object] = json.loads(done.stdout)
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=1_000_000, help="executions per decoder")
    parser.add_argument("--model", action="append", help="MODEL@VERSION (default: every one with vectors)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    failed = False
    for ident, seeds in seeds_by_model().items():
        if args.model and ident not in args.model:
            continue
        start = time.monotonic()
        try:
            report = campaign(ident, seeds, args.iterations, args.seed)
        except AssertionError as exc:
            print(exc, flush=True)
            failed = True
            continue
        elapsed = time.monotonic() - start
        refused = report["refused"]
        assert isinstance(refused, dict)
        print(f"{ident:28} {report['executions']:>10,} executions  {report['accepted']:>7,} accepted  "
              f"{sum(refused.values()):>10,} refused ({len(refused)} codes)  {elapsed:6.1f} s  no panic",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
