"""File arguments of the blob verbs: size limits, reading a blob (or stdin), writing an output atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from devstate.cli.output import EXIT_INVALID, fail
from devstate.cli.streams import is_stdio, read_stdin, write_stdout
from devstate.fileio import FileTooLargeError, read_regular, write_atomically
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.limits import DEFAULT_LIMITS, Limits

DSF_SUFFIX = ".dsf"


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-total-size`` and ``--max-region-size`` (bytes), defaults from ``wire.limits``."""
    command = click.option("--max-region-size", type=click.IntRange(min=1), default=DEFAULT_LIMITS.max_region_size,
                           show_default=True, help="Largest single bytes region to accept, in bytes.")(command)
    return click.option("--max-total-size", type=click.IntRange(min=1), default=DEFAULT_LIMITS.max_total_size,
                        show_default=True, help="Largest blob to read, in bytes (checked before reading).")(command)


def read_blob(path: Path, limits: Limits) -> bytes:
    """The file's bytes; refuses files over ``max_total_size`` before reading them, and
    anything that is not a regular file (a directory, a FIFO, a device) without blocking."""
    try:
        return read_stdin(limits.max_total_size) if is_stdio(path) else read_regular(path, limits.max_total_size)
    except FileNotFoundError:
        fail(f"{path}: no such file or directory")
    except FileTooLargeError as exc:
        error = DecodeError(ErrorCode.LIMIT_EXCEEDED, 0, "$",
                            f"the file is {exc.size} bytes, over the limit of {exc.limit} (--max-total-size)")
        fail(f"{path}: {error}", EXIT_INVALID)
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename (never half-written), or to standard output for
    ``-``; one error line on failure."""
    if is_stdio(path):
        write_stdout(data)
        return
    if path.is_dir():
        fail(f"{path}: cannot write: is a directory")
    try:
        write_atomically(path, [data])
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror}")
