"""Compatibility: schema diff with stable rule ids, version-bump check, matrix,
negotiation, migration-parameter check, conversion of saved state and state diff.

One module per concept: ``rules`` (the rule registry), ``diff`` (schema diff →
``Change``), ``bump`` (modes, version-bump and history checks), ``matrix``,
``negotiate``, ``params`` (the pre-migration check), ``convert`` and ``statediff``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstate.compat.bump import Mode, PairReport, check_history, check_pair
    from devstate.compat.change import Change
    from devstate.compat.diff import diff_schemas
    from devstate.compat.matrix import build_matrix, changelog_markdown, matrix_markdown
    from devstate.compat.rules import RULES, Category, Direction, Rule

_EXPORTS = {
    "Mode": "bump", "PairReport": "bump", "check_history": "bump", "check_pair": "bump", "Change": "change",
    "diff_schemas": "diff", "build_matrix": "matrix", "changelog_markdown": "matrix", "matrix_markdown": "matrix",
    "RULES": "rules", "Category": "rules", "Direction": "rules", "Rule": "rules",
}
"""Imported on first use: ``check-migration`` (``compat.negotiate``) should not pay for the
schema diff, the bump check and the matrix."""

__all__ = [
    "RULES",
    "Category",
    "Change",
    "Direction",
    "Mode",
    "PairReport",
    "Rule",
    "build_matrix",
    "changelog_markdown",
    "check_history",
    "check_pair",
    "diff_schemas",
    "matrix_markdown",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"devstate.compat.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
