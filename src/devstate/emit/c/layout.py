"""Deterministic line wrapping of generated C (long ``if`` statements, function signatures)."""

from __future__ import annotations

from devstate.emit.c.code import Lines

LINE_WIDTH = 110
"""Generated lines longer than this are wrapped where C style allows (see ``wrap_lines``)."""


def wrap_lines(text: str) -> str:
    """Wrap long lines of generated C deterministically: ``if (...) statement;`` puts the
    statement on its own line; a function signature breaks after a parameter."""
    out = []
    for line in text.split("\n"):
        if len(line) > LINE_WIDTH:
            out += wrap_if(line) or wrap_signature(line) or [line]
        else:
            out.append(line)
    return "\n".join(out)


def wrap_if(line: str) -> Lines | None:
    indent = line[: len(line) - len(line.lstrip())]
    if not line.lstrip().startswith("if ("):
        return None
    end = closing_paren(line, len(indent) + 3)
    if end is None or line[end + 1:end + 2] != " " or line[end + 2:].startswith("{"):
        return None
    return [line[: end + 1], f"{indent}    {line[end + 2:]}"]


def closing_paren(line: str, start: int) -> int | None:
    """The index of the parenthesis closing the one at ``start`` (string literals skipped)."""
    depth, in_string, index = 0, False, start
    while index < len(line):
        char = line[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def wrap_signature(line: str) -> Lines | None:
    if line.startswith((" ", "/", "#")) or not line.endswith(")") or "(" not in line:
        return None
    lines = []
    while len(line) > LINE_WIDTH:
        cut = line.rfind(", ", 0, LINE_WIDTH)
        if cut <= line.find("("):
            break
        lines.append(line[: cut + 1])
        line = "    " + line[cut + 2:]
    return [*lines, line]
