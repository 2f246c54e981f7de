"""``-`` as a file argument: standard input where a verb reads, standard output where it writes."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from devstate.fileio import Buffer, FileTooLargeError, buffers, io_error, is_a_directory, write_atomically

STDIO = "-"


def is_stdio(path: Path | str) -> bool:
    return str(path) == STDIO


def read_stdin(limit: int) -> bytes:
    """Standard input's bytes, at most ``limit`` (``FileTooLargeError`` past it, reading no further).

    Read in chunks: one ``read(limit + 1)`` allocates a buffer of the limit's size (1 GiB by
    default) whatever the input's, which a host without memory overcommit refuses."""
    return b"".join(stdin_chunks(limit, chunk_size=1 << 20))


def stdin_chunks(limit: int, spool: IO[bytes] | None = None, chunk_size: int = 256 << 10) -> Iterator[bytes]:
    """Standard input's bytes as chunks of at most ``chunk_size``, in order, at most ``limit`` in
    all (``FileTooLargeError`` past it, as ``read_stdin``: reading no further). Each chunk is
    also written to ``spool`` when given, for a reader that may need the bytes again (standard
    input cannot be read twice). Standard input is claimed when the first chunk is asked for."""
    claim_stdin()
    stream = sys.stdin.buffer
    read = 0
    while chunk := stream.read(min(chunk_size, limit + 1 - read)):
        read += len(chunk)
        if read > limit:
            raise FileTooLargeError(Path(STDIO), read, limit)
        if spool is not None:
            spool.write(chunk)
        yield chunk


def refuse_stdio_directory(path: Path, option: str) -> None:
    """Exit 2 (``USAGE``) when ``path``, a directory ``option`` names, is ``-``: standard output
    holds one file, never a directory of them."""
    if is_stdio(path):
        from devstate.cli.output import fail

        fail(f"{option} names a directory; - (standard output) cannot be one")


def write_stdout(data: Buffer | Iterable[Buffer]) -> None:
    """Write ``data`` (one buffer, or buffers in turn) to standard output, and flush it."""
    out = sys.stdout.buffer
    for chunk in buffers(data):
        out.write(chunk)
    out.flush()


def write_atomic(path: Path, data: Buffer | Iterable[Buffer]) -> None:
    """Write ``data`` (bytes, or buffers written one after another, never joined) via a
    temporary file and a rename (never half-written), or to standard output for ``-``; one
    error line on failure."""
    if is_stdio(path):
        write_stdout(data)
        return
    from devstate.cli.output import fail

    if path.is_dir():
        fail(is_a_directory(path, writing=True))
    try:
        write_atomically(path, data)
    except OSError as exc:
        fail(io_error(path, exc, writing=True))


STDIN_SCHEMA = "<stdin>"
"""How a schema read from standard input is named in its diagnostics."""


def claim_stdin() -> None:
    """Exit 2 (``USAGE``) when standard input was already read for another argument of this command."""
    click = sys.modules.get("click")
    ctx = click.get_current_context(silent=True) if click is not None else None
    if ctx is None:
        return
    if ctx.meta.get("devstate.stdin"):
        from devstate.cli.output import fail

        fail("only one file argument can be - (standard input)")
    ctx.meta["devstate.stdin"] = True


def schema_path(name: str) -> Path | None:
    """For ``-``, a temporary copy of the schema on standard input, which the schema loader
    names ``<stdin>`` (removed, and forgotten, when the command ends); else None."""
    if not is_stdio(name):
        return None
    import click

    from devstate.schema.loader import DISPLAY_NAMES

    copy = as_file(Path(STDIO)).resolve()
    DISPLAY_NAMES[copy] = STDIN_SCHEMA
    click.get_current_context().call_on_close(lambda: DISPLAY_NAMES.pop(copy, None))
    return copy


def as_file(path: Path) -> Path:
    """``path`` itself, or for ``-`` a temporary file holding standard input, for readers that
    need a real file (they map or seek it); the file is removed when the command ends."""
    import click  # here: devstate.cli.quick reads standard input without click
    if not is_stdio(path):
        return path
    claim_stdin()
    import shutil
    import tempfile

    handle = tempfile.NamedTemporaryFile(prefix="devstate-stdin-", delete=False)  # noqa: SIM115 - outlives this call
    with handle:
        shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
    copy = Path(handle.name)
    click.get_current_context().call_on_close(lambda: copy.unlink(missing_ok=True))
    return copy
