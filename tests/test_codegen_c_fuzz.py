"""libFuzzer on the generated C decoders (clang, ASan, UBSan): no crash, canonical re-encoding.

tests/c/fuzz_decode.c re-seals every input (so mutations reach the sections), decodes it,
and for accepted blobs checks encode → decode → encode gives the same bytes. The corpus
starts from the schema's conformance vectors. A short deterministic campaign runs with the
suite; ``-m slow`` runs a longer one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from c import harness

from devstate.conformance import CONFORMANCE_DIR, load_manifest
from devstate.emit.c import CNames

FUZZED = ["schemas/org.devstate.test/1.0.yaml", "schemas/org.devstate.test/1.1.yaml", "org.virtio.net@1.1",
          "org.nvmexpress.ctrl@1.1"]
pytestmark = pytest.mark.skipif(shutil.which("clang") is None, reason="libFuzzer needs clang")


def _fuzzer(ref: str, directory: Path) -> tuple[Path, Path]:
    """The fuzzer executable and a corpus directory seeded with the schema's vectors."""
    schema = harness.schema_of(ref)
    prefix = CNames(schema).prefix
    sources = harness.write_codec(schema, directory)
    flags = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
             f"-DDS_PREFIX={prefix}", f'-DDS_HEADER="{prefix}.h"']
    executable = harness.compile_c([harness.HERE / "fuzz_decode.c", *sources], directory / "fuzz", flags,
                                   cc="clang", include=[directory])
    corpus = directory / "corpus"
    corpus.mkdir()
    for entry in load_manifest():
        if entry["schema"] == ref:
            shutil.copy(CONFORMANCE_DIR / entry["blob"], corpus)
    return executable, corpus


def _run(ref: str, directory: Path, *options: str) -> None:
    executable, corpus = _fuzzer(ref, directory)
    command = [str(executable), "-seed=1", "-max_len=16384", *options, str(corpus)]
    result = subprocess.run(command, capture_output=True, text=True, env=harness.ENV, timeout=600)
    assert result.returncode == 0, result.stderr[-6000:]
    assert "Done" in result.stderr


@pytest.mark.parametrize("ref", FUZZED)
def test_short_fuzz_campaign(ref: str, tmp_path: Path) -> None:
    _run(ref, tmp_path, "-runs=60000")


@pytest.mark.slow
@pytest.mark.skipif("'slow' not in config.getoption('markexpr')", reason="fuzz campaign: run with -m slow")
@pytest.mark.parametrize("ref", FUZZED)
def test_long_fuzz_campaign(ref: str, tmp_path: Path) -> None:
    _run(ref, tmp_path, "-max_total_time=120")
