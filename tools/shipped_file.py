"""The command line of a tool that writes one shipped, generated file: ``python -m tools.X [--check]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(module: str, description: str, path: Path, contents: Callable[[], bytes], argv: list[str] | None) -> int:
    """Write ``contents()`` to ``path``; with ``--check`` write nothing and exit 1 when the file differs."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--check", action="store_true", help="compare with the committed file; write nothing")
    args = parser.parse_args(argv)
    wanted = contents()
    if args.check:
        if not path.is_file() or path.read_bytes() != wanted:
            print(f"{path.relative_to(ROOT)} is out of date: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    path.write_bytes(wanted)
    return 0
