"""Start time of the ``devstate`` command as a whole process, against ``python -c pass``.

Management software calls ``devstate check-migration`` once per VM move, and scripts call
``inspect`` and ``validate`` per file: the command's start-up is most of their time. Each
command below runs ``--repeat`` times in a fresh interpreter (the venv's ``python -m
devstate``, no shell in between), interleaved with ``python -c pass`` so that both see the
same machine load; the table gives the median wall time of each, the ratio to the
baseline's median, and the target (150 ms for the per-call verbs).

Run: ``.venv/bin/python benchmarks/bench_startup.py [--repeat N]`` from the checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "spec" / "conformance" / "vectors"
EXAMPLES = ROOT / "spec" / "examples"
TARGET_MS = 150.0

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "inspect": ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-default.dsf")],
    "inspect (vendor sect.)": ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-max.dsf")],
    "validate (one file)": ["validate", str(ROOT / "schemas" / "org.virtio.net" / "1.1.yaml")],
    "check-migration": ["check-migration", "--source", str(EXAMPLES / "source.json"),
                        "--dest", str(EXAMPLES / "dest.json")],
}
TARGETED = {"inspect", "inspect (vendor sect.)", "validate (one file)", "check-migration"}
"""The verbs issue 20 gives the 150 ms target."""


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(repeat: int) -> dict[str, list[float]]:
    baseline = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {"python -c pass": [], **{name: [] for name in COMMANDS}}
    for _ in range(repeat):
        for name, args in COMMANDS.items():
            times["python -c pass"].append(_wall(baseline))
            times[name].append(_wall([sys.executable, "-m", "devstate", *args]))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command (default 15)")
    args = parser.parse_args(argv)
    times = measure(args.repeat)
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<22} {'median ms':>10} {'× python -c pass':>17} {'target':>9}")
    met = True
    for name, samples in times.items():
        median = statistics.median(samples) * 1000
        target = ""
        if name in TARGETED:
            ok = median < TARGET_MS
            met = met and ok
            target = f"<{TARGET_MS:.0f} {'ok' if ok else 'MISSED'}"
        print(f"{name:<22} {median:>10.1f} {median / (base * 1000):>17.1f} {target:>9}")
    print(f"{args.repeat} runs each, interleaved; baseline python -c pass {base * 1000:.1f} ms")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
