"""Helpers for the compat tests: write a pair of tiny schema versions and load them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from devstate import ir
from devstate.schema import SchemaLoader

MODEL = "org.example.dev"


def schema_text(body: str, version: str, model: str = MODEL) -> str:
    header = f'devstate: 1\nmodel: {model}\nversion: "{version}"\ntitle: Example device\n'
    return header + textwrap.dedent(body).lstrip("\n")


def write_version(root: Path, body: str, version: str, model: str = MODEL) -> Path:
    path = root / model / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(body, version, model), encoding="utf-8")
    return path


def load_pair(tmp: Path, old: str, new: str, old_version: str = "1.0", new_version: str = "1.1",
              new_model: str = MODEL) -> tuple[ir.Schema, ir.Schema]:
    """Old in ``tmp/a``, new in ``tmp/b`` (separate roots, so both may have one version)."""
    old_path = write_version(tmp / "a", old, old_version)
    new_path = write_version(tmp / "b", new, new_version, new_model)
    return SchemaLoader().load(old_path), SchemaLoader().load(new_path)
