"""Shared output helpers for the CLI: one rich console per stream, JSON printing, errors."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

if TYPE_CHECKING:
    from rich.console import Console


def _width() -> int | None:
    """Wide enough for tables when output goes to a file or a CI log, not a terminal."""
    return None if sys.stdout.isatty() else 140


class _DeferredConsole:
    """A rich ``Console`` made on first use: a command that prints only JSON (``--json``, what
    management software reads) or nothing does not import rich."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, width=_width())
        return getattr(self._console, name)


console = cast("Console", _DeferredConsole(stderr=False))
error_console = cast("Console", _DeferredConsole(stderr=True))

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


JSON_CHUNK = 1 << 16
"""Characters of JSON text written at a time: the text of a large state is never held whole."""


def aligned_columns(rows: list[tuple[str, ...]], right: tuple[bool, ...]) -> list[str]:
    """Plain-text table rows: columns two spaces apart, ``right`` ones right-aligned (numbers)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(right))]
    return ["  ".join(cell.rjust(w) if r else cell.ljust(w)
                      for cell, w, r in zip(row, widths, right, strict=True)).rstrip() for row in rows]


def print_json(value: Any) -> None:
    """Machine-readable output: stable key order, no rich markup (what ``json.dumps(value, indent=2)``
    gives), written as it is produced."""
    pending: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=2).iterencode(value):
        pending.append(piece)
        size += len(piece)
        if size >= JSON_CHUNK:
            sys.stdout.write("".join(pending))
            pending, size = [], 0
    sys.stdout.write("".join(pending) + "\n")


def refuse_overwrite(output: Path, *inputs: Path) -> None:
    """Exit 2 when ``output`` is one of the ``inputs`` (same path after links, or the same file)."""
    if str(output) == "-":
        return
    for path in inputs:
        if str(path) == "-":
            continue
        same = output.resolve() == path.resolve()
        with contextlib.suppress(OSError):
            same = same or os.path.samefile(output, path)
        if same:
            fail(f"{output}: refusing to overwrite the input file")


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One clear line on stderr, then exit with ``code`` (no traceback)."""
    import click  # only now: devstate.cli.quick answers without importing click

    error_console.print(f"devstate: error: {message}", markup=False, soft_wrap=True)
    raise click.exceptions.Exit(code)
