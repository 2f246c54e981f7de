"""Compatibility: schema diff with stable rule ids, version-bump check, matrix,
negotiation, migration-parameter check, conversion of saved state and state diff.

One module per concept: ``rules`` (the rule registry), ``diff`` (schema diff →
``Change``), ``bump`` (modes, version-bump and history checks), ``matrix``,
``negotiate``, ``params`` (the pre-migration check), ``convert`` and ``statediff``.
"""

from __future__ import annotations

from devstate.compat.bump import Mode, PairReport, check_history, check_pair
from devstate.compat.change import Change
from devstate.compat.diff import diff_schemas
from devstate.compat.matrix import build_matrix, changelog_markdown, matrix_markdown
from devstate.compat.rules import RULES, Category, Direction, Rule

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
