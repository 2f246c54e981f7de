#!/usr/bin/env python3
"""Regenerate everything the project generates from the schemas, or check that nothing drifted.

    python -m tools.regenerate           rewrite codecs, conformance vectors and golden files
    python -m tools.regenerate --check   change nothing; exit 1 if any of them differs (CI)

One command for every generated artifact, in dependency order: the codecs of every language
(``devstate gen``), the DSF conformance vectors (``tools.conformance``), the bridge vectors
(``tools.bridge_vectors``), the standard schemas' section names inspect labels blobs with
(``tools.standard_names``), what loading each standard schema gives (``tools.standard_facts``:
the first validate and check-migration answer from it), then the golden files the tests compare
with (golden IR, rendered docs, bridge tables, the feature cases' generated-code snippets:
``pytest --update-goldens`` on the tests that hold goldens). The expected blobs and errors of
tests/cases/ are the cases' specification, written by hand: nothing here rewrites them. Each
step is the generator's own command; this script only runs them in order and stops at the first failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_TESTS = ("tests/schema/test_schema_standard.py", "tests/docs/test_docs.py",
                "tests/bridges/test_bridge_virtio.py", "tests/bridges/test_bridge_nvme.py",
                "tests/cases/test_cases.py::test_golden_snippet")
"""The tests that compare output with golden files (the ``golden`` fixture of tests/conftest.py): whole
files, and the generated-code snippets of the feature cases (tests/cases/*/golden/)."""
LANGUAGES = ("python", "c", "rust")


def steps(check: bool) -> list[tuple[str, list[str]]]:
    python = sys.executable
    devstate = [python, "-m", "devstate"]
    flag = ["--check"] if check else []
    goldens = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *GOLDEN_TESTS,
               *([] if check else ["--update-goldens"])]
    if check:
        codecs = [("codecs (python, c, rust)", [*devstate, "gen", "--check"])]
    else:
        codecs = [(f"{lang} codecs", [*devstate, "gen", "--all", "--lang", lang, "-o", f"codegen/{lang}"])
                  for lang in LANGUAGES]
    return [
        *codecs,
        ("DSF conformance vectors", [python, "-m", "tools.conformance", *flag]),
        ("bridge conformance vectors", [python, "-m", "tools.bridge_vectors", *flag]),
        ("inspect's standard section names", [python, "-m", "tools.standard_names", *flag]),
        ("the standard schemas' facts (validate, check-migration)", [python, "-m", "tools.standard_facts", *flag]),
        ("golden files", goldens),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if anything would change")
    args = parser.parse_args(argv)
    for name, command in steps(args.check):
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        took = time.monotonic() - started
        if result.returncode != 0:
            print(f"regenerate: {name}: FAILED ({took:.1f} s): {' '.join(command[1:])}", file=sys.stderr)
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            return 1
        print(f"regenerate: {name}: {'up to date' if args.check else 'written'} ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
