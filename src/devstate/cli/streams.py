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


def refuse_stdio_directory(path: Path, option: str) -> None:
    """Exit 2 (``USAGE``) when ``path``, a directory ``option`` names, is ``-``: standard output
    holds one file, never a directory of them."""
    if is_stdio(path):
        from devstate.cli.output import fail

        fail(f"{option} names a directory; - (standard output) cannot be one")


def write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def as_file(path: Path) -> Path:
    """``path`` itself, or for ``-`` a temporary file holding standard input, for readers that
    need a real file (they map or seek it); the file is removed when the command ends."""
    import click  # here: devstate.cli.quick reads standard input without click
    if not is_stdio(path):
        return path
    import shutil
    import tempfile

    handle = tempfile.NamedTemporaryFile(prefix="devstate-stdin-", delete=False)  # noqa: SIM115 - outlives this call
    with handle:
        shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
    copy = Path(handle.name)
    click.get_current_context().call_on_close(lambda: copy.unlink(missing_ok=True))
    return copy
