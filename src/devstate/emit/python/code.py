"""A tiny indentation-aware line buffer for emitting Python source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Code:
    """Lines of Python at the current indentation; ``block(header)`` opens a suite."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def __call__(self, *lines: str) -> None:
        for line in lines:
            self.lines.append(f"{'    ' * self.level}{line}" if line else "")

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self(header)
        self.level += 1
        try:
            yield
        finally:
            self.level -= 1

    def blank(self, count: int = 1) -> None:
        self.lines.extend([""] * count)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Counter:
    """Fresh local names: ``next("v")`` → ``v0``, ``v1``, ..."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, stem: str) -> str:
        index = self.counts.get(stem, 0)
        self.counts[stem] = index + 1
        return f"{stem}{index}"


def path_expr(parts: list[str]) -> str:
    """A Python expression for a relative path from static text and ``{index}`` loop parts.

    ``["", ".queues", "[{i0}]", ".size"]`` → ``f".queues[{i0}].size"``; all-static parts
    give a plain string literal.
    """
    text = "".join(parts)
    if "{" in text:
        return "f" + repr(text)
    return repr(text)


LINE_LIMIT = 116


def fits(code: Code, text: str) -> bool:
    return len(text) + 4 * code.level <= LINE_LIMIT


def wrapped(code: Code, head: str, items: list[str], tail: str, trailing_comma: bool = True) -> None:
    """``head + items + tail`` on one line when it fits, else one item per line.

    ``head`` ends with an opening bracket and ``tail`` starts with the closing one, e.g.
    ``wrapped(code, "return Point(", ["x", "y"], ")")``.
    """
    one = head + ", ".join(items) + tail
    if fits(code, one):
        code(one)
        return
    with code.block(head):
        for item in items:
            code(item + ("," if trailing_comma else ""))
    code(tail)


@contextmanager
def if_any(code: Code, conditions: list[str]) -> Iterator[None]:
    """``if c1 or c2 ...:`` (one line, or one condition per line in parentheses)."""
    one = f"if {' or '.join(conditions)}:"
    if fits(code, one):
        with code.block(one):
            yield
        return
    code("if (")
    code.level += 1
    code(conditions[0])
    for condition in conditions[1:]:
        code(f"or {condition}")
    code.level -= 1
    with code.block("):"):
        yield
