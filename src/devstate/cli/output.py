"""Shared output helpers for the CLI: one rich console per stream, JSON printing, errors."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

if TYPE_CHECKING:
    from rich.console import Console

    from devstate.dsf1 import DevstateError


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

USAGE = "USAGE"
"""The code of a usage error: arguments or options that cannot be used together or make no sense."""


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
    """Exit 2 (``IO_OUTPUT_IS_INPUT``) when ``output`` is one of the ``inputs`` (same path
    after links, or the same file)."""
    if str(output) == "-":
        return
    for path in inputs:
        if str(path) == "-":
            continue
        same = output.resolve() == path.resolve()
        with contextlib.suppress(OSError):
            same = same or os.path.samefile(output, path)
        if same:
            from devstate.errors import IO_OUTPUT_IS_INPUT, IoError

            fail(IoError(IO_OUTPUT_IS_INPUT, str(output), "it is the input file", writing=True))


def fail(error: str | DevstateError, status: int = EXIT_USAGE, *, code: str = USAGE,
         source: str | None = None, report_json: bool = True, details: dict[str, Any] | None = None) -> NoReturn:
    """One clear line on stderr naming the error's code, then exit with ``status`` (no traceback).

    ``error`` is a message (with ``code``) or a devstate error (its own code), printed after
    its ``source`` file if given; the code leads the line unless the text names it already
    (a blob error names its code, offset and field path). A verb given ``--json`` also prints
    ``{"error": {...}}`` on stdout: the code, the message and the file, offset and path where
    they apply, and ``details`` (not when its output already reported the error: ``report_json``
    False). Either way, the one line on stderr is printed too."""
    if isinstance(error, str):
        message, obj = error, {"code": code, "message": error}
    else:
        code, message = error.code, f"{source}: {error}" if source else str(error)
        to_json = getattr(error, "to_json", None)
        obj = {**({"file": source} if source else {}),
               **(to_json() if callable(to_json) else {"code": code, "message": str(error)})}
    text = message if re.search(rf"\b{re.escape(code)}\b", message) else f"{code}: {message}"
    if report_json and json_requested():
        print_json({"error": {**obj, **(details or {})}})
    error_console.print(f"devstate: error: {text}", markup=False, soft_wrap=True)
    import click  # only now: devstate.cli.quick answers without importing click

    raise click.exceptions.Exit(status)


_quick_json = False


def answering_json(as_json: bool) -> None:
    """Whether a verb run without click (``devstate.cli.quick``) was given ``--json``."""
    global _quick_json
    _quick_json = as_json


def json_requested() -> bool:
    """Whether the running verb (or a group above it) was given ``--json``."""
    if _quick_json:
        return True
    click = sys.modules.get("click")
    ctx = click.get_current_context(silent=True) if click is not None else None
    while ctx is not None:
        if ctx.params.get("as_json"):
            return True
        ctx = ctx.parent
    return False
