"""The code on the website runs: every file in spec/examples/ is executed and included by a page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
FILES = sorted(p for p in (SPEC / "examples").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
EXAMPLES = [p for p in FILES if p.suffix in (".py", ".sh", ".c")]
DATA_FILES = [p for p in FILES if p.suffix == ".json"]
"""Inputs of the examples (states, device descriptions), next to them when they run."""
SNIPPET = re.compile(r'--8<--\s+"([^"]+)"')
LINK = re.compile(r"\]\((examples/[^)#]+)\)")


def _pages() -> list[str]:
    return [page.read_text(encoding="utf-8") for page in SPEC.rglob("*.md")]


def test_every_example_is_shown_on_a_page() -> None:
    included = {name for text in _pages() for name in SNIPPET.findall(text)}
    linked = {name for text in _pages() for name in LINK.findall(text)}
    for example in EXAMPLES:
        assert example.relative_to(SPEC).as_posix() in included, f"{example} is not included by any page"
    for data in DATA_FILES:
        assert data.relative_to(SPEC).as_posix() in included | linked, f"no page shows or links {data}"
    for name in included:
        assert (SPEC / name).is_file(), f"a page includes {name}, which does not exist"


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.suffix != ".c"], ids=lambda p: p.name)
def test_example_runs(example: Path, tmp_path: Path) -> None:
    """Run from a scratch directory with `schemas/` beside it, as a vendor's checkout would."""
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    for data in DATA_FILES:
        shutil.copy(data, tmp_path / data.name)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, str(example)] if example.suffix == ".py" else ["bash", "-euo", "pipefail", str(example)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
