#!/usr/bin/env python3
"""Differential fuzzing: the reference, generated Python and generated C decoders must agree.

    .venv/bin/python fuzz/differential.py --all --seconds 60          # every decoder, 60 s each
    .venv/bin/python fuzz/differential.py --model org.virtio.net@1.1 --iterations 200000

Inputs are mutated conformance vectors (value edits, u32 edge values in prefixes, cuts,
inserts, splices between vectors; re-sealed), random blobs with the schema's header and
random sections, and random bytes (``fuzz/fuzzkit.py``). For each, the four decoders
(reference, generated Python, C, Rust) must give the same decision: the same decoded state
and canonical re-encoding, or the same error code, offset and path. The C decoder runs
under ASan and UBSan (``tests/support/c/harness``), the Rust one with overflow checks
(``tests/support/rust/codec``).

A disagreement is shrunk and written to ``build/fuzz/differential/``; the script then
exits 1. Prints per decoder: inputs, accepted, refused, distinct error codes, inputs/s.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzzkit  # noqa: E402


def campaign(ref: str, rng: random.Random, iterations: int | None, seconds: float | None,
             out: Path | None = None) -> Counter[str]:
    """Run one decoder's campaign; raises ``fuzzkit.Disagreement`` (after saving the shrunk blob)."""
    legs = fuzzkit.FourWay(ref)
    outcomes: Counter[str] = Counter()
    deadline = time.monotonic() + seconds if seconds is not None else None
    inputs = fuzzkit.fuzz_inputs(ref, rng)
    for blob in itertools.chain(fuzzkit.seeds(ref), inputs):
        try:
            outcome = legs.check(blob)
        except fuzzkit.Disagreement as exc:
            if out is not None:
                _save(legs, exc, out)
            raise
        outcomes["inputs"] += 1
        outcomes["accepted" if outcome[0] == "ok" else f"error:{outcome[1]}"] += 1
        if iterations is not None and outcomes["inputs"] >= iterations:
            break
        if deadline is not None and outcomes["inputs"] % 64 == 0 and time.monotonic() > deadline:
            break
    return outcomes


def _save(legs: fuzzkit.FourWay, exc: fuzzkit.Disagreement, out: Path) -> None:
    def fails(blob: bytes) -> bool:
        try:
            legs.check(blob)
        except fuzzkit.Disagreement:
            return True
        return False

    small = fuzzkit.minimize(exc.blob, fails)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{legs.schema.ident}-{hashlib.sha256(small).hexdigest()[:12]}.dsf"
    path.write_bytes(small)
    print(f"disagreement saved to {path}", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", action="append", metavar="MODEL@VERSION|PATH", help="a decoder (repeatable)")
    which.add_argument("--all", action="store_true", help="every generated decoder")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, help="time per decoder (default 30)")
    budget.add_argument("--iterations", type=int, help="inputs per decoder")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=fuzzkit.ROOT / "build" / "fuzz" / "differential")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None or args.iterations is not None else 30.0
    refs = fuzzkit.all_refs() if args.all else args.model
    failed = False
    for ref in refs:
        started = time.monotonic()
        try:
            counts = campaign(ref, random.Random(f"{args.seed}/{ref}"), args.iterations, seconds, args.out)
        except fuzzkit.Disagreement as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        elapsed = time.monotonic() - started
        codes = sorted(int(key.split(":")[1]) for key in counts if key.startswith("error:"))
        refused = sum(v for k, v in counts.items() if k.startswith("error:"))
        print(f"{ref:45} {counts['inputs']:>9,} inputs  {counts['accepted']:>7,} accepted  {refused:>9,} refused "
              f"({len(codes)} codes)  {counts['inputs'] / elapsed:>7,.0f}/s  agree", flush=True)
    fuzzkit.c_harness().close_drivers()
    fuzzkit.rust_codec().close_drivers()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
