"""Reading input files safely and writing output files atomically.

Reading: regular files only, bounded in size, never blocking.

Every file devstate reads (blobs, schemas, dumps, descriptions, states) goes through
``open_regular`` or ``read_regular``: the file is opened without blocking (a FIFO with no
writer would otherwise hang the process) and refused unless it is a regular file — a
directory, a FIFO, a socket or a device such as ``/dev/zero`` (which would never end) gets
an ``OSError`` whose ``strerror`` is one clear phrase. A file larger than the caller's limit
is refused from its size before anything is read (``FileTooLargeError``).

``io_error`` turns any ``OSError`` or ``UnicodeDecodeError`` met reading or writing a file
into the one ``IoError`` with a stable code (every caller maps them through it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from devstate.errors import (
    IO_IS_DIRECTORY,
    IO_NOT_DIRECTORY,
    IO_NOT_FOUND,
    IO_NOT_REGULAR,
    IO_NOT_UTF8,
    IO_PERMISSION,
    IO_READ_ERROR,
    IO_WRITE_ERROR,
    IoError,
)


class FileTooLargeError(OSError):
    """The file is larger than the limit the caller gave; ``size`` and ``limit`` in bytes."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(errno.EFBIG, f"the file is {size} bytes, over the limit of {limit}", str(path))
        self.size = size
        self.limit = limit


class NotRegularFileError(OSError):
    """The path is a FIFO, a socket or a device, not a regular file."""


_CODES = {
    errno.ENOENT: (IO_NOT_FOUND, "no such file or directory"),
    errno.ENOTDIR: (IO_NOT_FOUND, "no such file or directory"),
    errno.EISDIR: (IO_IS_DIRECTORY, "is a directory"),
    errno.EACCES: (IO_PERMISSION, "permission denied"),
    errno.EPERM: (IO_PERMISSION, "permission denied"),
    errno.ENOSPC: (IO_WRITE_ERROR, "no space left on the device"),
}


def io_error(path: Path | str, exc: OSError | UnicodeDecodeError, *, writing: bool = False) -> IoError:
    """The ``IoError`` for ``exc``, met reading (or ``writing``) ``path``."""
    if isinstance(exc, UnicodeDecodeError):
        return IoError(IO_NOT_UTF8, str(path), f"not UTF-8: {exc.reason} at byte {exc.start}")
    if isinstance(exc, NotRegularFileError):
        return IoError(IO_NOT_REGULAR, str(path), exc.strerror or str(exc))
    code, reason = _CODES.get(exc.errno or 0, (IO_WRITE_ERROR if writing else IO_READ_ERROR, exc.strerror or str(exc)))
    if exc.errno == errno.ENOTDIR and writing:
        reason = "a parent is not a directory"
    elif exc.errno == errno.ENOENT and writing:
        reason = "no such directory"
    return IoError(code, str(path), reason, writing=writing)


def read_problem(path: Path | str) -> IoError | None:
    """Why ``path`` cannot be opened for reading, or None if it can (for readers that report
    only that a file was unreadable)."""
    try:
        with open_regular(path):
            return None
    except OSError as exc:
        return io_error(path, exc)


def not_found(path: Path | str) -> IoError:
    """An input that does not exist."""
    return io_error(path, FileNotFoundError(errno.ENOENT, "no such file"))


def is_a_directory(path: Path | str, *, writing: bool = False) -> IoError:
    """A directory given where a file is read or written."""
    return io_error(path, IsADirectoryError(errno.EISDIR, "is a directory"), writing=writing)


def not_a_directory(path: Path | str) -> IoError:
    """A path given as a directory that exists but is not one."""
    return IoError(IO_NOT_DIRECTORY, str(path), "not a directory")


def missing_directory(path: Path | str) -> IoError:
    """A path given as a directory: it does not exist, or it is not a directory."""
    return not_a_directory(path) if Path(path).exists() else io_error(path, FileNotFoundError(errno.ENOENT, ""))


@contextlib.contextmanager
def open_regular(path: Path | str) -> Iterator[int]:
    """A read-only descriptor of ``path``, which must be a regular file (closed on exit)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", str(path))
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


def read_regular_chunks(path: Path | str, limit: int, chunk_size: int = 256 << 10) -> Iterator[bytes]:
    """``read_regular``'s bytes as chunks of at most ``chunk_size`` bytes, in order, for a reader
    that need not hold the whole file (a state file's long hex strings are converted as they are
    read). The file is opened, and refused as ``read_regular`` refuses it, when the first chunk
    is asked for; ``FileTooLargeError`` also if it grows past ``limit`` while it is read."""
    with open_regular(path) as fd:
        size = os.fstat(fd).st_size
        if size > limit:
            raise FileTooLargeError(Path(path), size, limit)
        read = 0
        while chunk := os.read(fd, chunk_size):
            read += len(chunk)
            if read > limit:
                raise FileTooLargeError(Path(path), read, limit)
            yield chunk


__all__ = ["FileTooLargeError", "NotRegularFileError", "io_error", "open_regular", "read_regular",
           "read_regular_chunks"]


Buffer = bytes | bytearray | memoryview
"""What ``write_atomically`` writes: one buffer, or an iterable of them written one after another."""


def buffers(data: Buffer | Iterable[Buffer]) -> Iterable[Buffer]:
    """``data`` as the buffers to write in turn (one buffer is one)."""
    return (data,) if isinstance(data, bytes | bytearray | memoryview) else data


def write_atomically(path: Path, data: Buffer | Iterable[Buffer], *, durable: bool = True) -> None:
    """Write ``data`` (one buffer, or buffers written in turn and never joined: a blob's
    64 MiB region is not copied into a 64 MiB blob first) to ``path`` through a temporary
    file in the same directory.

    The data is flushed to disk (``durable``; a cache entry, which a crash may only turn
    into a miss, skips that wait), given the mode a plain ``open`` would give it, and
    renamed over ``path``; on any failure the temporary file is removed, ``path`` is
    untouched and the error (``OSError`` or whatever an iterable ``data`` raised) propagates.
    """
    import tempfile  # here: a command answered from the cache writes nothing and need not import it

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in buffers(data):
                out.write(chunk)
            out.flush()
            if durable:
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
