#!/usr/bin/env python3
"""Coverage-guided fuzzing of a Python DSF decoder with atheris (libFuzzer for Python).

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python fuzz/run_atheris.py --target py  --model org.virtio.net@1.1 -runs=1000000
    .venv/bin/python fuzz/run_atheris.py --target ref --model org.virtio.net@1.1 -max_total_time=3600

``--target py`` fuzzes the generated stdlib-only codec (the committed ``codegen/python``
module of a standard schema, or a freshly generated one for a conformance-only schema such
as ``schemas/org.devstate.hostile/1.0.yaml``); ``--target ref`` fuzzes the reference codec
(``devstate.interp``). The corpus starts from the schema's conformance vectors (valid,
invalid and malicious); options after ours go to libFuzzer (``-runs=N``,
``-max_total_time=S``, ``-jobs=N``, corpus directories...).

Every input is prepared like the C target's (``fuzzkit.prepare``: total length and
CRC-32C usually fixed so mutations reach the sections), then decoded. The decoder must
either refuse it with its typed ``DecodeError`` (a known code, an offset inside the input,
a ``$`` path) or accept it, and an accepted state must re-encode canonically (encode →
decode → encode gives the same bytes). Anything else — another exception, a hang
(``-timeout``), memory over ``-rss_limit_mb`` — is a finding: libFuzzer stops and writes
the input to ``crash-*`` (under ``--artifacts``, default ``build/fuzz/atheris/``). Turn
each finding into a conformance vector once fixed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzzkit  # noqa: E402

KNOWN_CODES = set(range(1, 34)) - {32}  # every decoding error code (32 INVALID_STATE is for encoding)


def _checker(decode: Callable[[bytes], Any], encode: Callable[[Any], bytes],
             error: type[Exception]) -> Callable[[bytes], None]:
    outcomes: Counter[str] = Counter()

    def test_one_input(data: bytes) -> None:
        blob = fuzzkit.prepare(data)
        outcomes["runs"] += 1
        if outcomes["runs"] & (outcomes["runs"] - 1) == 0 and outcomes["runs"] >= 1 << 14:
            print(f"outcomes after {outcomes['runs']} runs: {dict(outcomes.most_common())}", file=sys.stderr)
        try:
            state = decode(blob)
        except error as exc:
            number, offset, path = exc.number, exc.offset, exc.path  # type: ignore[attr-defined]
            if number not in KNOWN_CODES or not 0 <= offset <= len(blob) or not path.startswith("$"):
                raise AssertionError(f"malformed error {exc!r}") from exc
            outcomes[exc.code] += 1  # type: ignore[attr-defined]
            return
        outcomes["accepted"] += 1
        once = encode(state)
        twice = encode(decode(once))
        if once != twice:
            raise AssertionError("an accepted blob does not re-encode canonically")

    return test_one_input


def python_target(ref: str) -> Callable[[bytes], None]:
    import atheris

    with atheris.instrument_imports(include=["devstate_codecs", fuzzkit.FUZZ_PACKAGE]):
        module = fuzzkit.python_module(ref)
    runtime = sys.modules[module.__name__.rpartition(".")[0] + "._runtime"]
    return _checker(module.decode, module.encode, runtime.DecodeError)


def reference_target(ref: str) -> Callable[[bytes], None]:
    import atheris

    with atheris.instrument_imports(include=["devstate.interp", "devstate.wire", "devstate.state"]):
        from devstate import interp
        from devstate.wire.errors import DecodeError
    schema = fuzzkit.schema_of(ref)
    return _checker(lambda blob: interp.decode(schema, blob), lambda state: interp.encode(schema, state), DecodeError)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], add_help=True)
    parser.add_argument("--target", choices=["py", "ref"], required=True, help="generated Python codec or reference")
    parser.add_argument("--model", required=True, metavar="MODEL@VERSION|PATH",
                        help="standard schema, or a conformance-only schema path (schemas/<model>/<version>.yaml)")
    parser.add_argument("--artifacts", type=Path, default=fuzzkit.ROOT / "build" / "fuzz" / "atheris",
                        help="where libFuzzer writes crash-*/timeout-*/oom-* inputs")
    ours, libfuzzer = parser.parse_known_args(argv[1:])
    import atheris

    target = python_target(ours.model) if ours.target == "py" else reference_target(ours.model)
    ours.artifacts.mkdir(parents=True, exist_ok=True)
    options = [a for a in libfuzzer if a.startswith("-")]
    corpora = [a for a in libfuzzer if not a.startswith("-")]
    if not corpora:
        corpora = [str(fuzzkit.write_corpus(ours.model, Path(tempfile.mkdtemp(prefix="devstate-atheris-"))))]
    defaults = {"-max_len": "16384", "-timeout": "10", "-rss_limit_mb": "2048", "-print_final_stats": "1",
                "-artifact_prefix": f"{ours.artifacts}/"}
    for key, value in defaults.items():
        if not any(o.startswith(key + "=") for o in options):
            options.append(f"{key}={value}")
    print(f"atheris: {ours.target} codec of {ours.model}, corpus {corpora[0]}", file=sys.stderr)
    atheris.Setup([argv[0], *options, *corpora], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
