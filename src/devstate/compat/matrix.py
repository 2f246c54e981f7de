"""The compatibility matrix of a model: can a device on version X load state written by Y?

Each cell is the ``verdict.load_verdict`` of its pair: ``direct`` (every state loads as
is), ``defaults`` (loads as is while the named conditions hold — the fields the reader
lacks hold their defaults, the optional sections it does not know are absent, and so on;
``Cell.conditions`` names each), ``convert`` (needs ``devstate convert`` first: generic
within a major, a migration function across majors) or ``no``. The website renders
``matrix_markdown`` and ``changelog_markdown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from devstate import ir
from devstate.compat.bump import bump_kind
from devstate.compat.change import Change
from devstate.compat.conditions import Condition
from devstate.compat.diff import diff_schemas
from devstate.compat.migrate import find_route
from devstate.compat.rules import Direction
from devstate.compat.verdict import Verdict, load_verdict

RULES_PAGE = "../../compatibility.md"
"""The rules page relative to a model page (``models/<model>/...`` on the website)."""


class Status(StrEnum):
    DIRECT = "direct"
    DEFAULTS = "defaults"
    CONVERT = "convert"
    NO = "no"


SYMBOL = {Status.DIRECT: "✓", Status.DEFAULTS: "✓*", Status.CONVERT: "↻", Status.NO: "✗"}
LEGEND = {
    Status.DIRECT: "loads directly",
    Status.DEFAULTS: "loads directly while the conditions listed below hold (the fields the reader lacks "
                     "hold their defaults, the optional sections it does not know are absent, ...)",
    Status.CONVERT: "after `devstate convert` (fails, naming each field, if a value would be lost)",
    Status.NO: "no: no migration function connects the major versions",
}


@dataclass(frozen=True)
class Cell:
    reader: ir.Version
    writer: ir.Version
    status: Status
    detail: str
    rules: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    """For ``defaults``: what the writer's state must meet to load (see ``compat.conditions``)."""

    def to_json(self) -> dict[str, object]:
        return {"reader": str(self.reader), "writer": str(self.writer), "status": self.status.value,
                "detail": self.detail, "rules": list(self.rules),
                "conditions": [c.to_json() for c in self.conditions]}


@dataclass(frozen=True)
class Matrix:
    model: str
    versions: tuple[ir.Version, ...]
    cells: dict[tuple[ir.Version, ir.Version], Cell]

    def cell(self, reader: ir.Version, writer: ir.Version) -> Cell:
        return self.cells[(reader, writer)]

    def to_json(self) -> dict[str, object]:
        return {"model": self.model, "versions": [str(v) for v in self.versions],
                "cells": [c.to_json() for c in self.cells.values()]}


def build_matrix(schemas: Sequence[ir.Schema]) -> Matrix:
    """Every reader × writer cell for the versions of one model (oldest first)."""
    ordered = sorted(schemas, key=lambda s: s.version)
    known = {s.version for s in ordered}
    diffs: dict[tuple[ir.Version, ir.Version], list[Change]] = {}
    cells: dict[tuple[ir.Version, ir.Version], Cell] = {}
    for reader in ordered:
        for writer in ordered:
            cells[(reader.version, writer.version)] = _cell(reader, writer, known, diffs)
    return Matrix(ordered[0].model if ordered else "", tuple(s.version for s in ordered), cells)


def _cell(reader: ir.Schema, writer: ir.Schema, known: set[ir.Version],
          diffs: dict[tuple[ir.Version, ir.Version], list[Change]]) -> Cell:
    if reader.version == writer.version:
        return Cell(reader.version, writer.version, Status.DIRECT, "same version")
    if reader.version.major != writer.version.major:
        return _across_majors(reader, writer, known)
    old, new = (writer, reader) if writer.version < reader.version else (reader, writer)
    key = (old.version, new.version)
    if key not in diffs:
        diffs[key] = diff_schemas(old, new)
    verdict = load_verdict(writer, reader, diffs[key])
    rules = tuple(dict.fromkeys(c.rule.id for c in verdict.changes))
    if verdict.verdict is Verdict.INCOMPATIBLE:
        how = "up-conversion" if writer is old else "down-conversion"
        detail = f"{how}; direct load fails: {', '.join(rules)}"
        return Cell(reader.version, writer.version, Status.CONVERT, detail, rules)
    if verdict.verdict is Verdict.CONDITIONAL:
        detail = "loads while " + "; ".join(str(c) for c in verdict.conditions)
        return Cell(reader.version, writer.version, Status.DEFAULTS, detail, rules, verdict.conditions)
    return Cell(reader.version, writer.version, Status.DIRECT, "wire-compatible")


def _across_majors(reader: ir.Schema, writer: ir.Schema, known: set[ir.Version]) -> Cell:
    route = find_route(reader.model, writer.version, reader.version)
    if route is None or any(h.source not in known or h.target not in known for h in route):
        detail = f"no migration function from major {writer.version.major} to {reader.version.major}"
        return Cell(reader.version, writer.version, Status.NO, detail)
    return Cell(reader.version, writer.version, Status.CONVERT, "; ".join(str(h) for h in route))


# -- Markdown ------------------------------------------------------------------------------


def matrix_markdown(schemas: Sequence[ir.Schema], rules_page: str = RULES_PAGE) -> str:
    """The matrix of one model as a Markdown page (the website places it per model)."""
    matrix = build_matrix(schemas)
    header = "| reader ↓ · writer → | " + " | ".join(str(v) for v in matrix.versions) + " |"
    rule = "|---|" + "---|" * len(matrix.versions)
    rows = [
        f"| **{reader}** | " + " | ".join(SYMBOL[matrix.cell(reader, w).status] for w in matrix.versions) + " |"
        for reader in matrix.versions
    ]
    legend = "\n".join(f"- {SYMBOL[s]} {text}" for s, text in LEGEND.items())
    notes = "\n".join(
        f"- {c.writer} state on a {c.reader} device: {c.detail}"
        for c in matrix.cells.values() if c.status in (Status.CONVERT, Status.NO)
    )
    conditions = "\n".join(
        f"- {c.writer} state on a {c.reader} device: " + "; ".join(f"`{x.path}` {x.requirement}" for x in c.conditions)
        for c in matrix.cells.values() if c.status is Status.DEFAULTS
    )
    intro = (f"Can a device on version *reader* load state written by version *writer* of "
             f"`{matrix.model}`? Directions and conditions follow the "
             f"[compatibility rules]({rules_page}).")
    parts = [f"# `{matrix.model}` compatibility matrix", intro, "\n".join([header, rule, *rows]), legend]
    if conditions:
        parts += ["## Conditions", conditions]
    if notes:
        parts += ["## Conversions", notes]
    return "\n\n".join(parts) + "\n"


def changelog_markdown(schemas: Sequence[ir.Schema], rules_page: str = RULES_PAGE) -> str:
    """Every version's changes against the previous one, newest first, breaking ones apart."""
    ordered = sorted(schemas, key=lambda s: s.version)
    model = ordered[0].model if ordered else ""
    parts = [f"# `{model}` changelog",
             f"Generated by `devstate compat`; each rule id links to the [rules]({rules_page})."]
    for old, new in reversed(list(pairwise(ordered))):
        parts.append(_changelog_entry(old, new, rules_page))
    if ordered:
        parts.append(f"## {ordered[0].version}\n\nFirst version.")
    return "\n\n".join(parts) + "\n"


def _changelog_entry(old: ir.Schema, new: ir.Schema, rules_page: str) -> str:
    changes = diff_schemas(old, new)
    kind = bump_kind(old.version, new.version).value
    lines = [f"## {new.version}", "", f"{kind.capitalize()} version after {old.version}."]
    breaking = [c for c in changes if c.breaking]
    other = [c for c in changes if not c.breaking]
    if breaking:
        lines += ["", "### BREAKING CHANGES", "", *(_change_line(c, rules_page) for c in breaking)]
    if other:
        lines += ["", "### Changes", "", *(_change_line(c, rules_page) for c in other)]
    if not changes:
        lines += ["", "No change to the wire or the generated API."]
    return "\n".join(lines)


def _change_line(change: Change, rules_page: str) -> str:
    rule = change.rule
    detail = change.detail.replace("|", "\\|")
    line = (f"- [{rule.id}]({rules_page}#{rule.anchor}) {rule.name} — `{change.path}`: {detail} "
            f"({change.direction.value}, {change.category.value})")
    if change.conditional is not Direction.NONE and not change.breaking:
        line += " — " + change.effects_text.replace("|", "\\|")
    return line
