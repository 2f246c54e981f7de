"""Pages that the compatibility engine renders: a model's matrix and its changelog.

``devstate.compat`` owns the Markdown of these pages; the site only places them. When
the engine (or one of its renderers) is not available, ``compat_renderers`` says so and
the site leaves the page out instead of failing.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devstate import ir
from devstate.docs.model_page import member_link

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
        matrix=_linked(getattr(compat, "matrix_markdown", None)),
        changelog=_linked(getattr(compat, "changelog_markdown", None)),
    )


def _linked(render: Callable[..., str] | None) -> ModelRenderer | None:
    """The renderer, linking the names it prints to their rows on the version pages."""
    return None if render is None else functools.partial(render, link=member_link)
