"""The documented fuzzing commands (fuzz/*.py) keep working: a few hundred executions each."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT
from system_packages import unavailable

FUZZ = ROOT / "fuzz"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("target", ["py", "ref"])
def test_atheris_runner(target: str) -> None:
    if importlib.util.find_spec("atheris") is None:
        unavailable("atheris is not installed: pip install -e '.[fuzz]' (./test.sh installs it)")
    result = _run(str(FUZZ / "run_atheris.py"), "--target", target, "--model", "schemas/org.example.led/1.0.yaml",
                  "-runs=300", "-seed=1")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Done 300 runs" in result.stderr


def test_libfuzzer_runner_lists_every_decoder() -> None:
    result = _run(str(FUZZ / "run_libfuzzer.py"), "--list")
    assert result.returncode == 0, result.stderr
    decoders = result.stdout.split()
    assert "org.virtio.net@1.1" in decoders and "schemas/org.devstate.hostile/1.0.yaml" in decoders
    assert len(decoders) == 15


@pytest.mark.needs("c-sanitizers")
def test_libfuzzer_runner(tmp_path: Path) -> None:
    result = _run(str(FUZZ / "run_libfuzzer.py"), "--model", "schemas/org.example.led/1.0.yaml",
                  "--build-dir", str(tmp_path), "-runs=2000", "-seed=1")
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert "2,000 execs" in result.stdout and "ok, no findings" in result.stdout


def test_differential_runner() -> None:
    result = _run(str(FUZZ / "differential.py"), "--model", "schemas/org.example.led/1.0.yaml", "--iterations", "60")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "60 inputs" in result.stdout and "agree" in result.stdout
