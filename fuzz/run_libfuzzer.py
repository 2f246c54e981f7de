#!/usr/bin/env python3
"""libFuzzer campaigns on the generated C decoders (clang, ASan, UBSan), one binary per decoder.

    .venv/bin/python fuzz/run_libfuzzer.py --model org.virtio.net@1.1 -runs=10000000
    .venv/bin/python fuzz/run_libfuzzer.py --all -max_total_time=600      # every decoder in turn
    .venv/bin/python fuzz/run_libfuzzer.py --list                          # the decoders

Each decoder's target (``tests/support/c/fuzz_decode.c`` linked with the codec generated from the
schema) is built under ``build/fuzz/<prefix>/`` and started on a corpus directory there,
seeded with the schema's conformance vectors (valid, invalid and malicious) and kept
between runs, so a campaign continues where the last one stopped. Options after ours go to
libFuzzer. A crash, a sanitizer report, a leak or a timeout stops the run and leaves the
input in ``build/fuzz/<prefix>/artifacts/``; the script then exits 1. Each finding becomes a
conformance vector (``tools.malicious``) once it is fixed.

Prints one line per decoder: executions, seconds, exec/s, corpus size, and the verdict.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzzkit  # noqa: E402


def run(ref: str, options: list[str], root: Path) -> bool:
    from devstate.emit.c import CNames

    directory = root / CNames(fuzzkit.schema_of(ref)).prefix
    executable = fuzzkit.build_libfuzzer(ref, directory)
    corpus = directory / "corpus"
    if not corpus.is_dir():
        fuzzkit.write_corpus(ref, corpus)
    artifacts = directory / "artifacts"
    artifacts.mkdir(exist_ok=True)
    defaults = {"-max_len": "16384", "-timeout": "10", "-rss_limit_mb": "2048", "-print_final_stats": "1",
                "-artifact_prefix": f"{artifacts}/"}
    options = [*options, *(f"{k}={v}" for k, v in defaults.items() if not any(o.startswith(k + "=") for o in options))]
    started = time.monotonic()
    result = subprocess.run([str(executable), *options, str(corpus)], capture_output=True, text=True,
                            env=fuzzkit.c_harness().ENV, check=False)
    elapsed = time.monotonic() - started
    (directory / "last-run.log").write_text(result.stderr, encoding="utf-8")
    stats = fuzzkit.libfuzzer_stats(result.stderr)
    runs = stats.get("number_of_executed_units", 0)
    ok = result.returncode == 0 and "Done" in result.stderr
    verdict = "ok, no findings" if ok else f"FINDING (exit {result.returncode}, see {directory / 'last-run.log'})"
    print(f"{ref:45} {runs:>12,} execs {elapsed:>8.1f} s {runs / max(elapsed, 1e-9):>10,.0f} exec/s "
          f"corpus {len(list(corpus.iterdir())):>5}  peak RSS {stats.get('peak_rss_mb', 0)} MB  {verdict}", flush=True)
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", action="append", metavar="MODEL@VERSION|PATH", help="a decoder (repeatable)")
    which.add_argument("--all", action="store_true", help="every generated decoder, one after the other")
    which.add_argument("--list", action="store_true", help="list the decoders and exit")
    parser.add_argument("--build-dir", type=Path, default=fuzzkit.ROOT / "build" / "fuzz", help="builds and corpora")
    ours, options = parser.parse_known_args(argv)
    if ours.list:
        print("\n".join(fuzzkit.all_refs()))
        return 0
    refs = fuzzkit.all_refs() if ours.all else ours.model
    results = [run(ref, options, ours.build_dir) for ref in refs]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
