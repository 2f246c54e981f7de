"""The nesting depth of a decoded value, as the C and Rust decoders write it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Depth:
    """``var + k`` inside a struct body function (``var`` is its depth parameter), ``k`` in a section's."""

    var: str | None
    k: int

    def plus(self, n: int = 1) -> Depth:
        return Depth(self.var, self.k + n)

    def text(self) -> str:
        if self.var is None:
            return str(self.k)
        return self.var if self.k == 0 else f"{self.var} + {self.k}"

    def over(self, limit: str) -> str:
        """The condition for this depth being above ``limit`` (the decoder's max_depth expression)."""
        return f"{limit} < {self.k}" if self.var is None else f"{self.text()} > {limit}"
