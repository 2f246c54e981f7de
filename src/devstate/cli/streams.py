"""``-`` as a file argument: standard input where a verb reads, standard output where it writes."""

from __future__ import annotations

import sys
from pathlib import Path

from devstate.fileio import FileTooLargeError

STDIO = "-"


def is_stdio(path: Path | str) -> bool:
    return str(path) == STDIO


def read_stdin(limit: int) -> bytes:
    """Standard input's bytes, at most ``limit`` (``FileTooLargeError`` past it, reading no further)."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(Path(STDIO), len(data), limit)
    return data


def write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
