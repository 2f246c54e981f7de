"""A tiny indentation-aware line buffer for emitting Python source, and the local-name allocator."""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from contextlib import contextmanager

LINE_LIMIT = 116
"""Generated lines stay under this (the generated package's ruff allows 120)."""
OPENERS = {"(": ")", "[": "]", "{": "}"}


class Code:
    """Lines of Python at the current indentation; ``block(header)`` opens a suite."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def __call__(self, *lines: str) -> None:
        for line in lines:
            if not line:
                self.lines.append("")
                continue
            for depth, part in split_line(line, LINE_LIMIT - 4 * self.level):
                self.lines.append(f"{'    ' * (self.level + depth)}{part}")

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


BUILTINS = frozenset({
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
    "chr", "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
    "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
    "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list",
    "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property",
    "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum",
    "super", "tuple", "type", "vars", "zip"
})
"""Python's lower-case built-in names (fixed here, not read from ``builtins``, so that the output does
not depend on the Python that runs the generator); no generated local takes one of them."""
KEYWORDS = frozenset({*keyword.kwlist, "match", "case", "type", "_"})


class Locals:
    """The local names of one generated function, in words: one allocator for the whole function.

    ``claim("capacity")`` gives ``capacity`` the first time, ``capacity_2`` the next; a keyword,
    a built-in or a reserved (module-level or runtime) name gets a trailing ``_`` (``type`` →
    ``type_``). So no two locals of a function share a name and no local shadows a name the
    function uses. ``scope()`` is the allocator of a comprehension: it sees the names claimed so
    far, and what it claims is not taken from the function (two comprehensions may both use
    ``size``).
    """

    def __init__(self, reserved: frozenset[str], used: set[str] | None = None) -> None:
        self.reserved = reserved
        self.used: set[str] = set() if used is None else used

    def claim(self, preferred: str) -> str:
        base = f"{preferred}_" if preferred in self.reserved or preferred in KEYWORDS or preferred in BUILTINS \
            else preferred
        name, counter = base, 2
        while name in self.used or name in self.reserved:
            name, counter = f"{preferred}_{counter}", counter + 1
        self.used.add(name)
        return name

    def scope(self) -> Locals:
        return Locals(self.reserved, set(self.used))


def path_expr(parts: list[str]) -> str:
    """A Python expression for a relative path from static text and ``{index}`` loop parts.

    ``["", ".queues", "[{i0}]", ".size"]`` → ``f".queues[{i0}].size"``; all-static parts
    give a plain string literal.
    """
    text = "".join(parts)
    if text == "{path}":
        return "path"
    if "{" in text:
        return "f" + repr(text)
    return repr(text)




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


def split_line(line: str, limit: int) -> list[tuple[int, str]]:
    """A too-long line broken like a formatter would: one item per line inside its first bracket.

    Returns ``(extra indentation, text)`` pairs. The first bracket pair whose contents are
    not empty is opened: its items (split at top-level commas, or a comprehension at
    ``for``/``if``) go one per line, each split again if still too long. Lines without a
    bracket to open are returned unchanged.
    """
    if len(line) <= limit:
        return [(0, line)]
    span = _first_group(line)
    if span is None:
        return [(0, line)]
    start, end = span
    head, inner, tail = line[: start + 1], line[start + 1 : end], line[end:]
    items = _split_comprehension(inner)
    comma = False
    if len(items) == 1:
        items = _split_top(inner, ",")
        comma = len(items) > 1 or line[start] != "(" or inner.rstrip().endswith(",")
    out = [(0, head)]
    for item in items:
        text = item.strip() + ("," if comma else "")
        out += [(depth + 1, part) for depth, part in split_line(text, limit - 4)]
    out.append((0, tail))
    return out


def _scan(text: str) -> list[tuple[int, str, int]]:
    """(position, character, bracket depth before it) outside string literals."""
    result, depth, quote, index = [], 0, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        else:
            if char in ")]}":
                depth -= 1
            result.append((index, char, depth))
            if char in OPENERS:
                depth += 1
        index += 1
    return result


def _first_group(line: str) -> tuple[int, int] | None:
    opened: int | None = None
    for index, char, depth in _scan(line):
        if opened is None and depth == 0 and char in OPENERS:
            opened = index
        elif opened is not None and depth == 0 and char in ")]}":
            if index > opened + 1:
                return opened, index
            opened = None
    return None


def _split_top(text: str, separator: str) -> list[str]:
    parts, last = [], 0
    for index, char, depth in _scan(text):
        if depth == 0 and char == separator:
            parts.append(text[last:index])
            last = index + 1
    tail = text[last:]
    if tail.strip():
        parts.append(tail)
    return parts


def _split_comprehension(text: str) -> list[str]:
    cuts = [index for index, char, depth in _scan(text) if depth == 0 and char == " "
            and (text.startswith(" for ", index) or text.startswith(" if ", index)
                 or text.startswith(" else ", index))]
    if not cuts:
        return [text]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
