"""Reading input files safely and writing output files atomically.

Reading: regular files only, bounded in size, never blocking.

Every file devstate reads (blobs, schemas, dumps, descriptions, states) goes through
``open_regular`` or ``read_regular``: the file is opened without blocking (a FIFO with no
writer would otherwise hang the process) and refused unless it is a regular file — a
directory, a FIFO, a socket or a device such as ``/dev/zero`` (which would never end) gets
an ``OSError`` whose ``strerror`` is one clear phrase. A file larger than the caller's limit
is refused from its size before anything is read (``FileTooLargeError``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


class FileTooLargeError(OSError):
    """The file is larger than the limit the caller gave; ``size`` and ``limit`` in bytes."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(errno.EFBIG, f"the file is {size} bytes, over the limit of {limit}", str(path))
        self.size = size
        self.limit = limit


@contextlib.contextmanager
def open_regular(path: Path | str) -> Iterator[int]:
    """A read-only descriptor of ``path``, which must be a regular file (closed on exit)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", str(path))
        os.set_blocking(fd, True)
        yield fd
    finally:
        os.close(fd)


def read_regular(path: Path | str, limit: int, head: Callable[[bytes], bool] | None = None,
                 head_size: int = 0) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (``FileTooLargeError`` otherwise).

    With ``head``: the first ``head_size`` bytes are read and given to it first; when it
    returns False, only they are returned (the caller found them enough: a blob whose fixed
    header is already wrong needs no more bytes for its first error).
    """
    with open_regular(path) as fd:
        size = os.fstat(fd).st_size
        if size > limit:
            raise FileTooLargeError(Path(path), size, limit)
        chunks = []
        remaining = limit + 1
        if head is not None and size >= head_size:
            first = os.pread(fd, head_size, 0)  # the file offset stays at 0: the whole file is read in one piece
            if not head(first):
                return first
        while remaining > 0:
            # the rest of the file in one read (its size is known), then 1 MiB at a time if it grew
            chunk = os.read(fd, min(remaining, max(size - (limit + 1 - remaining) + 1, 1 << 20)))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)  # no second copy of a file read whole
    if len(data) > limit:  # the file grew while it was read
        raise FileTooLargeError(Path(path), len(data), limit)
    return data


__all__ = ["FileTooLargeError", "open_regular", "read_regular"]


def write_atomically(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
    """Write ``chunks`` to ``path`` through a temporary file in the same directory.

    The data is flushed to disk, given the mode a plain ``open`` would give it, and renamed
    over ``path``; on any failure the temporary file is removed, ``path`` is untouched and
    the error (``OSError`` or whatever ``chunks`` raised) propagates.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp creates 0600
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
