"""Field paths in generated Rust: relative to the function that fails, indexes as variables.

A struct body function fails with ``.field`` paths, a section's value with ``""``; the
caller prepends its part (``Fail::under``), so paths are built only on failure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Path:
    """A path template (``{}`` = an index) and the Rust index variables filling it."""

    template: str = ""
    args: tuple[str, ...] = ()

    def field(self, name: str) -> Path:
        return Path(f"{self.template}.{name}", self.args)

    def index(self, var: str) -> Path:
        return Path(f"{self.template}[{{}}]", (*self.args, var))

    @property
    def level(self) -> int:
        """Array nesting (names the index variable of an array here)."""
        return len(self.args)

    def rust(self) -> str:
        """A Rust expression of the path: a string literal or a ``format!``."""
        if not self.args:
            return f'"{self.template}"'
        return f'format!("{self.template}", {", ".join(self.args)})'

    def rust_str(self) -> str:
        """The path as a ``&str`` expression."""
        return self.rust() if not self.args else f"&{self.rust()}"

    def fail(self, code: str, offset: str) -> str:
        """``return Err(Fail::new(ErrorCode::CODE, offset, path));``"""
        return f"return Err(Fail::new(ErrorCode::{code}, {offset}, {self.rust()}));"

    def under(self) -> str:
        """The closure giving a callee's failure this path before its own."""
        if not self.args:
            return f'|fail| fail.under("{self.template}")'
        if self.template.endswith("[{}]") and len(self.args) == 1:
            return f'|fail| fail.under_index("{self.template[:-4]}", {self.args[0]})'
        return f"|fail| fail.under(&{self.rust()})"


def code_name(code: str) -> str:
    """``OUT_OF_RANGE`` → ``OutOfRange`` (the runtime's ``ErrorCode`` variant)."""
    return "".join(part.capitalize() for part in code.split("_"))
