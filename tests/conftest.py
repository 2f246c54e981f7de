"""Shared fixtures: paths of the checkout and a helper that writes schema files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


@pytest.fixture
def write_schema(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML to ``tmp_path/<name>`` and return its path."""

    def write(text: str, name: str = "org.example.dev/1.1.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
