"""A schema version ``major.minor``: plain Python, so that the wire runtime needs no pydantic.

``devstate.ir`` re-exports it as ``ir.Version``.
"""

from __future__ import annotations

from functools import total_ordering


@total_ordering
class Version:
    """A schema version ``major.minor``; ordered, hashable, serialised as "1.2"."""

    __slots__ = ("major", "minor")

    def __init__(self, major: int, minor: int) -> None:
        self.major = major
        self.minor = minor

    @classmethod
    def parse(cls, text: str) -> Version:
        major, _, minor = text.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError(f"version must be MAJOR.MINOR, got {text!r}")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __repr__(self) -> str:
        return f"Version({self.major}, {self.minor})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.key == other.key

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> tuple[int, int]:
        return (self.major, self.minor)
