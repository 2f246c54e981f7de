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
