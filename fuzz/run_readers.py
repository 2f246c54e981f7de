#!/usr/bin/env python3
"""Coverage-guided fuzzing of devstate's other input readers with atheris (libFuzzer for Python).

    .venv/bin/python fuzz/run_readers.py --list
    .venv/bin/python fuzz/run_readers.py --target qemu-stream -runs=1000000
    .venv/bin/python fuzz/run_readers.py --target virtio-parts -max_total_time=3600

Targets and what they check are in ``fuzz/readers.py``: the virtio device-parts and NVMe
controller-state bridges, QEMU ``-dump-vmstate`` files, QEMU migration streams (and the
virtio device sections in them), virtio device section payloads. The corpus starts from the
target's seeds (the bridge conformance vectors; QEMU data already in ``.cache/qemu``, made by
``python3 tools/qemu_data.py``). Options after ours go to libFuzzer. A finding (an exception
that is not the reader's typed error, a hang, memory over ``-rss_limit_mb``) stops the run and
writes the input to ``crash-*`` under ``--artifacts`` (default ``build/fuzz/readers/<target>``).
At the end the outcomes are counted (accepted, and each error code).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import readers  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fuzz/run_readers.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(readers.TARGETS))
    parser.add_argument("--list", action="store_true", help="print the targets and their seed counts")
    parser.add_argument("--artifacts", type=Path, default=None)
    args, libfuzzer = parser.parse_known_args(argv)
    if args.list:
        for name in sorted(readers.TARGETS):
            print(f"{name} {sum(1 for _ in readers.seeds(name))}")
        return 0
    if args.target is None:
        parser.error("--target is required")
    import atheris

    with atheris.instrument_imports(include=readers.INSTRUMENT[args.target]):
        readers.TARGETS[args.target](b"")  # import what the target uses, instrumented
    check = readers.TARGETS[args.target]
    outcomes: Counter[str] = Counter()

    def test_one_input(data: bytes) -> None:
        outcomes[check(data)] += 1
        runs = sum(outcomes.values())
        if runs & (runs - 1) == 0 and runs >= 1 << 10:  # libFuzzer ends the process itself: report as we go
            print(f"{args.target}: {runs} inputs; outcomes {dict(outcomes.most_common(12))}", file=sys.stderr)

    artifacts = args.artifacts or Path("build/fuzz/readers") / args.target
    artifacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"devstate-fuzz-{args.target}-") as corpus:
        for n, seed in enumerate(readers.seeds(args.target)):
            (Path(corpus) / f"seed-{n:04d}").write_bytes(seed)
        if not any(option.startswith("-max_len=") for option in libfuzzer):
            libfuzzer.append("-max_len=4096")  # bigger inputs cost milliseconds and add no new paths
        atheris.Setup([sys.argv[0], f"-artifact_prefix={artifacts}/", *libfuzzer, corpus], test_one_input)
        atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
