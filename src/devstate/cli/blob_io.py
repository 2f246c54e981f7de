"""File arguments of the blob verbs: size limits, reading a blob (or stdin)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devstate.cli.output import EXIT_INVALID, fail
from devstate.cli.streams import is_stdio, read_stdin
from devstate.fileio import FileTooLargeError, io_error, read_regular
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import FIXED_HEADER_SIZE, parse_fixed_header
from devstate.wire.limits import DEFAULT_LIMITS, Limits

DSF_SUFFIX = ".dsf"


LIMIT_HELP = {
    "max_total_size": "Largest blob to read, in bytes (checked before reading).",
    "max_region_size": "Largest single bytes region to accept, in bytes.",
    "max_depth": "Deepest nesting of values to accept (a section's value is depth 1).",
    "max_sections": "Most sections to accept in one blob.",
    "max_unknown_sections": "Most unknown optional sections to accept (and keep) in one blob.",
}


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-total-size``, ``--max-region-size``, ``--max-depth``, ``--max-sections`` and
    ``--max-unknown-sections`` (defaults from ``wire.limits``), passed to ``command`` as one
    ``limits: Limits`` argument."""
    import click  # here, not above: devstate.cli.quick reads blobs without click

    @functools.wraps(command)
    def with_limits(*args: Any, **kwargs: Any) -> Any:
        limits = Limits(**{name: kwargs.pop(name) for name in LIMIT_HELP})
        return command(*args, limits=limits, **kwargs)

    wrapped: Callable[..., Any] = with_limits
    for name, text in reversed(LIMIT_HELP.items()):
        option = "--" + name.replace("_", "-")
        wrapped = click.option(option, name, type=click.IntRange(min=0), default=getattr(DEFAULT_LIMITS, name),
                               show_default=True, help=text)(wrapped)
    return wrapped


def read_blob(path: Path, limits: Limits, *, dsf: bool = False) -> bytes:
    """The file's bytes; refuses files over ``max_total_size`` before reading them, and
    anything that is not a regular file (a directory, a FIFO, a device) without blocking.

    ``dsf``: the file is a DSF blob; when its fixed header is already wrong, only those 25
    bytes are read (the first error is in them)."""
    try:
        if is_stdio(path):
            return read_stdin(limits.max_total_size)
        if not dsf:
            return read_regular(path, limits.max_total_size)
        return read_regular(path, limits.max_total_size, lambda head: _header_ok(head, limits), FIXED_HEADER_SIZE)
    except FileTooLargeError as exc:
        error = DecodeError(ErrorCode.LIMIT_EXCEEDED, 0, "$",
                            f"the file is {exc.size} bytes, over the limit of {exc.limit} (--max-total-size)")
        fail(error, EXIT_INVALID, source=str(path))
    except OSError as exc:
        fail(io_error(path, exc))


def _header_ok(head: bytes, limits: Limits) -> bool:
    """Whether the fixed header fields are right (else the first error is in them, and the
    rest of the file need not be read: BAD_MAGIC of a 200 MiB file costs 25 bytes)."""
    try:
        parse_fixed_header(memoryview(head), limits)
    except DecodeError:
        return False
    return True
