"""``python -m tools.mutation [--sample] [--kind K ...] [--json FILE]``: the confusion table.

Runs every mutant (``--sample``: the default suite's bounded selection) through the oracle
and the checker (``tools/mutation/current.py``), and prints per edit kind and direction
the counts of true/false positives/negatives, then every false negative and false
positive with its reason, history checks that miss a break, tool errors and codec
disagreements.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from tools.mutation import judge as J
from tools.mutation import mutants as M


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true", help="only the default suite's bounded selection")
    parser.add_argument("--kind", action="append", default=[], help="only these edit kinds (repeatable)")
    parser.add_argument("--cap", type=int, default=M.FULL_CAP, help="sites per (base, kind) in the full set")
    parser.add_argument("--states", type=int, default=12, help="hypothesis states per writer")
    parser.add_argument("--json", type=Path, help="write every cell as JSON here")
    args = parser.parse_args(argv)
    from tools.mutation.current import checker, history_ok

    chosen = M.sample() if args.sample else list(M.mutants(args.cap))
    if args.kind:
        chosen = [m for m in chosen if m.kind in args.kind]
    started = time.monotonic()
    results = []
    for index, mutant in enumerate(chosen, 1):
        results.append(J.judge(mutant, checker, history_ok, args.states))
        if index % 100 == 0:
            print(f"... {index}/{len(chosen)} mutants, {time.monotonic() - started:.0f} s", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(render(results, elapsed))
    if args.json:
        args.json.write_text(json.dumps(dump(results), indent=1), encoding="utf-8")
    return 0


def render(results: list[J.MutantResult], elapsed: float) -> str:
    counts = J.table(results)
    kinds = list(dict.fromkeys(r.mutant.kind for r in results))
    lines = ["| edit kind | mutants | refused by validate | backward TP/FP/FN/TN | forward TP/FP/FN/TN |",
             "|---|---:|---:|---|---|"]
    totals = {d: Counter[str]() for d in J.DIRECTIONS}
    for kind in kinds:
        mine = [r for r in results if r.mutant.kind == kind]
        refused = sum(1 for r in mine if r.refused)
        cells = []
        for direction in J.DIRECTIONS:
            c = counts.get((kind, direction), Counter())
            totals[direction].update(c)
            cells.append(f"{c['TP']}/{c['FP']}/{c['FN']}/{c['TN']}")
        lines.append(f"| {kind} | {len(mine)} | {refused} | {cells[0]} | {cells[1]} |")
    total = [f"{t['TP']}/{t['FP']}/{t['FN']}/{t['TN']}" for t in totals.values()]
    refused_all = sum(1 for r in results if r.refused)
    lines.append(f"| **all** | {len(results)} | {refused_all} | {total[0]} | {total[1]} |")
    lines.append("")
    lines.append(f"{len(results)} mutants in {elapsed:.0f} s; by bump: " + "; ".join(
        f"{bump}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())) for bump, c in J.bumps(results).items()))
    lines += _listing(results)
    return "\n".join(lines)


def _listing(results: list[J.MutantResult]) -> list[str]:
    out = []
    for label in ("FN", "FP"):
        cells = [c for r in results for c in r.cells if c.label == label]
        out.append(f"\n{label}: {len(cells)} (every pair of each mutant's history)")
        for cell in cells:
            out.append(f"  {cell.mutant} [{cell.pair} {cell.direction}] checker {cell.verdict.status} "
                       f"{','.join(cell.verdict.rules)} {'; '.join(map(str, cell.verdict.conditions))[:200]}"
                       f" | truth: {cell.truth} {cell.miss}")
    misses = [r for r in results if r.history_miss]
    out.append(f"\nhistory checks that pass a breaking history: {len(misses)}")
    out += [f"  {r.mutant.ident}: {r.history_miss}" for r in misses]
    errors = [f"{r.mutant.ident}: {e}" for r in results for e in r.errors]
    out.append(f"\ntool errors: {len(errors)}")
    out += [f"  {e}" for e in errors]
    disagreements = [d for r in results for d in r.codec_disagreements]
    out.append(f"\ncodec disagreements (generated Python vs reference): {len(disagreements)}")
    out += [f"  {d}" for d in dict.fromkeys(disagreements)]
    refused = Counter(code for r in results for code in r.refused)
    out.append(f"\nrefused by validate: {dict(refused)}")
    return out


def dump(results: list[J.MutantResult]) -> list[dict[str, object]]:
    return [{"mutant": r.mutant.ident, "kind": r.mutant.kind, "bump": r.mutant.bump, "refused": list(r.refused),
             "history_miss": r.history_miss,
             "cells": [{"pair": c.pair, "direction": c.direction, "label": c.label, "status": c.verdict.status,
                        "rules": list(c.verdict.rules), "conditions": [str(x) for x in c.verdict.conditions],
                        "truth": c.truth, "miss": c.miss} for c in r.cells]} for r in results]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
