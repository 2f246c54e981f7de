"""Shared output helpers for the CLI: one rich console per stream, JSON printing, errors."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
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
JSON_BATCH = 256
"""Items of a ``JsonArray`` made and encoded at a time."""


def aligned_columns(rows: list[tuple[str, ...]], right: tuple[bool, ...]) -> list[str]:
    """Plain-text table rows: columns two spaces apart, ``right`` ones right-aligned (numbers)."""
    return list(aligned_lines(lambda: rows, right))


def aligned_lines(rows: Callable[[], Iterable[tuple[str, ...]]], right: tuple[bool, ...]) -> Iterator[str]:
    """``aligned_columns``'s lines one at a time, the rows made twice by ``rows()`` (once for the
    widths, once for the lines) rather than held: ``inspect``'s table of 100,000 sections."""
    widths = [0] * len(right)
    for row in rows():
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for row in rows():
        yield "  ".join(cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(row, widths, right, strict=True)
                        ).rstrip()


class JsonArray:
    """An array ``print_json`` writes as its items come (``items`` is iterated once), never held
    as a list: ``inspect --json`` of 100,000 sections does not build 100,000 dicts first. It may be
    a value of the document's top-level object (or a nested object's, the objects on the way
    holding it having only ``str`` keys); the text is what ``json.dumps(..., indent=2)`` prints for
    the items as a list."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


_ENCODER = json.JSONEncoder(indent=2)
_INDENT = "  "


def _holds_array(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(v, JsonArray) or _holds_array(v) for v in value.values())


def _json_pieces(value: Any, level: int) -> Iterator[str]:
    """``JSONEncoder(indent=2).iterencode(value)`` at nesting ``level``, a ``JsonArray`` as its items."""
    if isinstance(value, JsonArray):
        yield from _array_pieces(value, level)
        return
    if _holds_array(value):
        empty = True
        for key, item in value.items():
            yield ("{" if empty else ",") + "\n" + _INDENT * (level + 1) + _ENCODER.encode(str(key)) + ": "
            empty = False
            yield from _json_pieces(item, level + 1)
        yield "{}" if empty else "\n" + _INDENT * level + "}"
        return
    margin = "\n" + _INDENT * level  # JSON text has no newline but those of its layout: strings escape theirs
    for piece in _ENCODER.iterencode(value):
        yield piece.replace("\n", margin) if level else piece


def _array_pieces(array: JsonArray, level: int) -> Iterator[str]:
    """The array's items encoded ``JSON_BATCH`` at a time as a list (the standard encoder's
    speed), each batch without its brackets: ``[\\n  a,\\n  b\\n]`` gives ``\\n  a,\\n  b``."""
    items = iter(array.items)
    empty = True
    while batch := list(itertools.islice(items, JSON_BATCH)):
        yield "[" if empty else ","
        empty = False
        pieces = _json_pieces(batch, level)
        text = "".join(pieces)
        yield text[1 : text.rindex("\n")]
    yield "[]" if empty else "\n" + _INDENT * level + "]"


def print_json(value: Any) -> None:
    """Machine-readable output: stable key order, no rich markup (what ``json.dumps(value, indent=2)``
    gives, a ``JsonArray`` as a list of its items), written as it is produced."""
    pending: list[str] = []
    size = 0
    for piece in _json_pieces(value, 0):
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
