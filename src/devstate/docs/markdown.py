"""Small Markdown building blocks shared by the page renderers: tables, cells, anchors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def cell(text: object) -> str:
    """One table cell: whitespace collapsed, pipes and angle brackets escaped."""
    flat = _SPACES.sub(" ", str(text)).strip()
    return flat.replace("|", r"\|").replace("<", "&lt;").replace(">", "&gt;")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A pipe table; cells must already be escaped (see ``cell``)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(text: object) -> str:
    """Inline code (backticks inside are not expected in names, types or values)."""
    return f"`{text}`"


def slug(*parts: str) -> str:
    """A stable anchor id made of lower-case letters, digits and hyphens."""
    return "-".join(_NOT_SLUG.sub("-", part.lower()).strip("-") for part in parts if part)


def heading(level: int, text: str, anchor: str) -> str:
    """A heading with an explicit id (attr_list), so links do not depend on the text."""
    return f"{'#' * level} {text} {{#{anchor}}}\n"


def paragraphs(text: str) -> str:
    """Free text from a schema ``doc``: kept as Markdown, blank line separated."""
    return text.strip() + "\n" if text.strip() else ""


def join_blocks(blocks: Iterable[str]) -> str:
    """Blocks separated by one blank line, ending with a single newline."""
    return "\n".join(block.rstrip("\n") + "\n" for block in blocks if block)
