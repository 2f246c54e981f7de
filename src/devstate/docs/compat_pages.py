"""Pages that the compatibility engine renders: a model's matrix and its changelog.

``devstate.compat`` owns the Markdown of these pages; the site only places them. When
the engine (or one of its renderers) is not available, ``compat_renderers`` says so and
the site leaves the page out instead of failing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from devstate import ir

ModelRenderer = Callable[[Sequence[ir.Schema]], str]


@dataclass(frozen=True)
class CompatRenderers:
    """Renderers of the per-model compat pages; ``None`` where the engine has none."""

    matrix: ModelRenderer | None = None
    changelog: ModelRenderer | None = None


def compat_renderers() -> CompatRenderers:
    """The renderers ``devstate.compat`` provides today (none when it is not installed)."""
    if importlib.util.find_spec("devstate.compat") is None:
        return CompatRenderers()
    compat = importlib.import_module("devstate.compat")
    return CompatRenderers(
        matrix=getattr(compat, "matrix_markdown", None),
        changelog=getattr(compat, "changelog_markdown", None),
    )


def rule_list_markdown() -> str:
    """A heading per compat rule id (``#ds-f003``) with its doc, from the rule registry.

    Stands in for the rule list of spec/compatibility.md until that page is written, so
    that the links of ``devstate compat`` and of the changelogs resolve at every point.
    """
    if importlib.util.find_spec("devstate.compat") is None:
        return ""
    rules: dict[str, Any] = getattr(importlib.import_module("devstate.compat"), "RULES", {})
    return "".join(
        f"## {rule.id} {rule.name} {{#{rule.anchor}}}\n\n"
        f"*{rule.title}* — breaks: {rule.direction.value}, impact: {rule.category.value}.\n\n"
        f"{rule.doc}\n\n**Fix:** {rule.fix}\n\n"
        for rule in rules.values()
    )
