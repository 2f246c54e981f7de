"""The code on the website runs: every file in spec/examples/ is executed and included by a page."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT
from system_packages import require

from devstate.interp import decode
from devstate.schema import find_schema_file, load_schema
from devstate.state import state_to_json

SPEC = ROOT / "spec"
FILES = sorted(p for p in (SPEC / "examples").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
EXAMPLES = [p for p in FILES if p.suffix in (".py", ".sh", ".c")]
DATA_FILES = [p for p in FILES if p.suffix == ".json"]
"""Inputs of the examples (states, device descriptions), next to them when they run."""
SNIPPET = re.compile(r'--8<--\s+"([^":]+)(?::[a-z_-]+)?"')
"""A snippet include; ``file:name`` includes the part between ``--8<-- [start:name]`` and ``[end:name]``."""
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


def _run(command: list[str], cwd: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, " ".join(command) + "\n" + result.stdout + result.stderr


def _scratch(tmp_path: Path) -> Path:
    """A scratch directory with `schemas/` and the example inputs beside it, like a vendor's checkout."""
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    for data in DATA_FILES:
        shutil.copy(data, tmp_path / data.name)
    return tmp_path


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.suffix != ".c"], ids=lambda p: p.name)
def test_example_runs(example: Path, tmp_path: Path) -> None:
    command = [sys.executable, str(example)] if example.suffix == ".py" else ["bash", "-euo", "pipefail", str(example)]
    _run(command, _scratch(tmp_path))


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.suffix == ".c"], ids=lambda p: p.name)
def test_c_example_compiles_and_runs(example: Path, tmp_path: Path) -> None:
    """Generate the codec (generate_c.py), compile warning-free as C99 with it, run."""
    require("c-compiler")
    cc = shutil.which("cc") or "cc"
    work = _scratch(tmp_path)
    _run([sys.executable, str(SPEC / "examples" / "generate_c.py")], work)
    sources = [str(p) for p in sorted(work.glob("*.c"))]
    flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-I", str(work)]
    _run([cc, *flags, "-o", str(work / "example"), str(example), *sources], work)
    _run([str(work / "example")], work)


def test_c_and_python_save_the_same_state(tmp_path: Path) -> None:
    """What the C example saves decodes to the JSON state the CLI example encodes."""
    require("c-compiler")
    test_c_example_compiles_and_runs(SPEC / "examples" / "save_load.c", tmp_path)
    blob = (tmp_path / "net0.dsf").read_bytes()
    expected = json.loads((SPEC / "examples" / "net0.json").read_text(encoding="utf-8"))
    schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
    assert state_to_json(decode(schema, blob)) == expected
