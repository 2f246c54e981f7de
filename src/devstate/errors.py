"""The one exception hierarchy of devstate; every error carries a stable code.

Schema problems are ``SchemaError`` (a list of ``Diagnostic``, each with file:line:col);
saved-state problems are ``DecodeError``/``EncodeError`` (see ``devstate.wire.errors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from devstate.dsf1 import DevstateError as DevstateError  # the root, shared with the runtime


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a schema file, located by file, line, column and schema path."""

    file: str
    line: int
    col: int
    code: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.col}: {self.code}: {self.message}{where}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }


class SchemaError(DevstateError):
    """A schema file (or one it imports) is invalid; ``diagnostics`` lists every problem."""

    code = "SCHEMA_INVALID"

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class UsageError(DevstateError):
    """The user asked for something that cannot be done (unknown model, bad argument)."""

    code = "USAGE"


class EmitError(DevstateError):
    """An IR consumer met a node it cannot handle (a bug: a loaded schema never does this)."""

    code = "EMIT_ERROR"


IO_NOT_FOUND = "IO_NOT_FOUND"
IO_IS_DIRECTORY = "IO_IS_DIRECTORY"
IO_NOT_DIRECTORY = "IO_NOT_DIRECTORY"
IO_NOT_REGULAR = "IO_NOT_REGULAR"
IO_PERMISSION = "IO_PERMISSION"
IO_NOT_UTF8 = "IO_NOT_UTF8"
IO_READ_ERROR = "IO_READ_ERROR"
IO_WRITE_ERROR = "IO_WRITE_ERROR"
IO_OUTPUT_IS_INPUT = "IO_OUTPUT_IS_INPUT"
IO_CODES = (IO_NOT_FOUND, IO_IS_DIRECTORY, IO_NOT_DIRECTORY, IO_NOT_REGULAR, IO_PERMISSION, IO_NOT_UTF8,
            IO_READ_ERROR, IO_WRITE_ERROR, IO_OUTPUT_IS_INPUT)
"""The codes of ``IoError`` (spec/security.md#cli-errors); ``devstate.fileio.io_error`` picks one."""


class IoError(UsageError):
    """A file cannot be read or written: ``code`` (one of ``IO_CODES``) says why, ``file``
    names it, ``writing`` tells an output from an input."""

    def __init__(self, code: str, file: str, reason: str, *, writing: bool = False) -> None:
        self.code = code
        self.file = file
        self.reason = reason
        self.writing = writing
        super().__init__(f"cannot {'write' if writing else 'read'} '{file}': {reason}")

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "file": self.file, "message": str(self)}
