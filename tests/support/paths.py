"""Where things are: the checkout, the test tree and its data, so no test counts parent folders."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout (the folder of pyproject.toml)."""
TESTS = ROOT / "tests"
DATA = TESTS / "data"
"""Inputs of the tests (tests/data/<layer>/)."""
GOLDEN = TESTS / "golden"
"""Expected outputs compared by the ``golden`` fixture (rewritten with ``--update-goldens``)."""
SPEC = ROOT / "spec"
SCHEMAS = ROOT / "schemas"


def spec_section(name: str, anchor: str) -> str:
    """The text of spec/NAME from the heading with ``{#anchor}`` up to the next ``## `` heading."""
    text = (SPEC / name).read_text(encoding="utf-8")
    start = text.index(f"{{#{anchor}}}")
    return text[start:text.index("\n## ", start)]
