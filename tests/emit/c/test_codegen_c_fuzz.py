"""libFuzzer on every generated C decoder (clang, ASan, UBSan): no crash, canonical re-encoding.

tests/support/c/fuzz_decode.c prepares every input like fuzz/fuzzkit.py (total length and CRC-32C
usually fixed, so mutations reach the sections), decodes it, checks a refusal's code,
offset and path, and for accepted blobs checks encode → decode → encode gives the same
bytes. Each decoder's corpus starts from its schema's conformance vectors (valid, invalid
and malicious). The default suite runs every decoder for a few seconds (about a minute in
all, two at a time); ``-m slow`` runs two minutes each; fuzz/run_libfuzzer.py runs long
campaigns (see spec/security.md, "Fuzzing").
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from c import harness
from paths import ROOT

sys.path.insert(0, str(ROOT / "fuzz"))
import fuzzkit

FUZZED = fuzzkit.all_refs()
SECONDS = 5
pytestmark = pytest.mark.needs("c-sanitizers")


@pytest.fixture(scope="module")
def fuzzers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, Path]]]:
    """Every decoder's fuzzer and corpus, compiled two at a time."""
    root = tmp_path_factory.mktemp("libfuzzer")

    def build(ref: str) -> tuple[str, tuple[Path, Path]]:
        directory = root / str(FUZZED.index(ref))
        executable = fuzzkit.build_libfuzzer(ref, directory)
        return ref, (executable, fuzzkit.write_corpus(ref, directory / "corpus"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        yield dict(pool.map(build, FUZZED))


def _run(executable: Path, corpus: Path, *options: str) -> dict[str, int]:
    command = [str(executable), "-seed=1", "-max_len=16384", "-timeout=10", "-rss_limit_mb=2048",
               "-print_final_stats=1", f"-artifact_prefix={corpus.parent}/", *options, str(corpus)]
    result = subprocess.run(command, capture_output=True, text=True, env=harness.ENV, timeout=900)
    assert result.returncode == 0, result.stderr[-6000:]
    assert "Done" in result.stderr
    stats = fuzzkit.libfuzzer_stats(result.stderr)
    assert stats["number_of_executed_units"] > 0
    return stats


@pytest.mark.parametrize("ref", FUZZED)
def test_short_fuzz_campaign(ref: str, fuzzers: dict[str, tuple[Path, Path]]) -> None:
    _run(*fuzzers[ref], f"-max_total_time={SECONDS}")


@pytest.mark.slow
@pytest.mark.skipif("'slow' not in config.getoption('markexpr')", reason="fuzz campaign: run with -m slow")
@pytest.mark.parametrize("ref", FUZZED)
def test_long_fuzz_campaign(ref: str, fuzzers: dict[str, tuple[Path, Path]]) -> None:
    _run(*fuzzers[ref], "-max_total_time=120")
