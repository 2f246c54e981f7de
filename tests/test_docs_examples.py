"""The code on the website runs: every file in spec/examples/ is executed and included by a page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
EXAMPLES = sorted(p for p in (SPEC / "examples").rglob("*") if p.is_file() and p.suffix in (".py", ".sh", ".c"))
SNIPPET = re.compile(r'--8<--\s+"([^"]+)"')


def _included() -> set[str]:
    found: set[str] = set()
    for page in SPEC.rglob("*.md"):
        found.update(SNIPPET.findall(page.read_text(encoding="utf-8")))
    return found


def test_every_example_is_shown_on_a_page() -> None:
    included = _included()
    for example in EXAMPLES:
        assert example.relative_to(SPEC).as_posix() in included, f"{example} is not included by any page"
    for name in included:
        assert (SPEC / name).is_file(), f"a page includes {name}, which does not exist"


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.suffix != ".c"], ids=lambda p: p.name)
def test_example_runs(example: Path, tmp_path: Path) -> None:
    """Run from a scratch directory with `schemas/` beside it, as a vendor's checkout would."""
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, str(example)] if example.suffix == ".py" else ["bash", "-euo", "pipefail", str(example)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
