"""The compatibility matrix of a model: can a device on version X load state written by Y?

Each cell is the ``verdict.load_verdict`` of its pair: ``direct`` (every state loads as
is), ``defaults`` (loads as is while the named conditions hold — the fields the reader
lacks hold their defaults, the optional sections it does not know are absent, and so on;
``Cell.conditions`` names each), ``convert`` (needs ``devstate convert`` first: generic
within a major, a migration function across majors) or ``no``. The website renders
``matrix_markdown`` and ``changelog_markdown``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from devstate import ir
from devstate.compat.bump import bump_kind
from devstate.compat.change import Change
from devstate.compat.conditions import Condition, Target
from devstate.compat.diff import diff_schemas
from devstate.compat.migrate import find_route
from devstate.compat.rules import Category, Direction
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

Link = Callable[[ir.Schema, str, str], "str | None"]
"""Where a page links a name of a schema: ``link(schema, kind, name)`` with kind ``field``
(``struct.field``), ``type``, ``section``, ``vendor section`` or ``param``; a relative URL
or None. The website passes one that points at the field rows of the version pages."""


def _no_link(schema: ir.Schema, kind: str, name: str) -> str | None:
    return None


DIRECTION_TEXT = {
    Direction.NONE: "breaks no direction",
    Direction.BACKWARD: "breaks BACKWARD: the new reader cannot load all old state",
    Direction.FORWARD: "breaks FORWARD: the old reader cannot load all new state",
    Direction.BOTH: "breaks BOTH directions",
}
CATEGORY_TEXT = {
    Category.WIRE: "wire",
    Category.API: "API only: the bytes are unchanged, generated code and names change",
}


def matrix_markdown(schemas: Sequence[ir.Schema], rules_page: str = RULES_PAGE, link: Link = _no_link) -> str:
    """The matrix of one model as a Markdown page (the website places it per model).

    A ✓* cell links to the list of its conditions (and names them when hovered); each
    condition links to what it is about on the writer's version page (``link``).
    """
    matrix = build_matrix(schemas)
    by_version = {s.version: s for s in schemas}
    header = "| reader ↓ · writer → | " + " | ".join(str(v) for v in matrix.versions) + " |"
    rule = "|---|" + "---|" * len(matrix.versions)
    rows = [
        f"| **{reader}** | " + " | ".join(_cell_markdown(matrix.cell(reader, w)) for w in matrix.versions) + " |"
        for reader in matrix.versions
    ]
    legend = "\n".join(f"- {SYMBOL[s]} {text}" for s, text in LEGEND.items())
    notes = "\n".join(
        f"- {c.writer} state on a {c.reader} device: {c.detail}"
        for c in matrix.cells.values() if c.status in (Status.CONVERT, Status.NO)
    )
    conditions = [_conditions_markdown(c, by_version[c.writer], link)
                  for c in matrix.cells.values() if c.status is Status.DEFAULTS]
    intro = (f"Can a device on version *reader* load state written by version *writer* of "
             f"`{matrix.model}`? Directions and conditions follow the "
             f"[compatibility rules]({rules_page}).")
    parts = [f"# `{matrix.model}` compatibility matrix", intro, "\n".join([header, rule, *rows]), legend]
    if conditions:
        parts += ["## Conditions", "A ✓* cell loads as is only while the writer's state meets every condition "
                  "of its list; `devstate check-migration` and `devstate negotiate` check them before anything moves.",
                  *conditions]
    if notes:
        parts += ["## Conversions", notes]
    return "\n\n".join(parts) + "\n"


def conditions_anchor(cell: Cell) -> str:
    """The id of a ✓* cell's list of conditions (``conditions-1-1-on-1-0``)."""
    return f"conditions-{cell.writer.major}-{cell.writer.minor}-on-{cell.reader.major}-{cell.reader.minor}"


def _cell_markdown(cell: Cell) -> str:
    symbol = SYMBOL[cell.status]
    if cell.status is not Status.DEFAULTS:
        return symbol
    names = ", ".join(c.path for c in cell.conditions).replace('"', "'").replace("|", "\\|")
    return f'[{symbol}](#{conditions_anchor(cell)} "loads while these hold their defaults or allowed values: {names}")'


def _conditions_markdown(cell: Cell, writer: ir.Schema, link: Link) -> str:
    heading = f"### {cell.writer} state on a {cell.reader} device {{#{conditions_anchor(cell)}}}"
    items = [f"- {_linked(writer, _condition_kind(c), c.name, c.path, link)} {c.requirement}" for c in cell.conditions]
    return "\n".join([heading, "", *items])


def _condition_kind(condition: Condition) -> str:
    return {Target.FIELD: "field", Target.TYPE: "type", Target.SECTION: "section",
            Target.VENDOR_SECTION: "vendor section", Target.PARAM: "param"}[condition.target]


def _linked(schema: ir.Schema, kind: str, name: str, label: str, link: Link) -> str:
    url = link(schema, kind, name)
    return f"[`{label}`]({url})" if url else f"`{label}`"


def changelog_markdown(schemas: Sequence[ir.Schema], rules_page: str = RULES_PAGE, link: Link = _no_link) -> str:
    """Every version's changes against the previous one, newest first, breaking ones apart."""
    ordered = sorted(schemas, key=lambda s: s.version)
    model = ordered[0].model if ordered else ""
    legend = (f"Generated by `devstate compat`. Each change names its rule (linked to the [rules]({rules_page})), "
              f"what changed (linked to it on the version page), and then what it does to loading state: the "
              f"[direction]({rules_page}#directions) it breaks, seen from the new version — BACKWARD when the new "
              f"reader cannot load all old state, FORWARD when the old reader cannot load all new state, BOTH, or "
              f"none — and its [category]({rules_page}#directions), *wire* (what the bytes mean or whether they "
              f"load) or *API only* (names in generated code and state JSON). A change that loads only while some "
              f"state holds its default says so, per direction.")
    parts = [f"# `{model}` changelog", legend]
    for old, new in reversed(list(pairwise(ordered))):
        parts.append(_changelog_entry(old, new, rules_page, link))
    if ordered:
        parts.append(f"## {ordered[0].version}\n\nFirst version.")
    return "\n\n".join(parts) + "\n"


def _changelog_entry(old: ir.Schema, new: ir.Schema, rules_page: str, link: Link) -> str:
    changes = diff_schemas(old, new)
    kind = bump_kind(old.version, new.version).value
    lines = [f"## {new.version}", "", f"{kind.capitalize()} version after {old.version}."]
    breaking = [c for c in changes if c.breaking]
    other = [c for c in changes if not c.breaking]
    if breaking:
        lines += ["", "### BREAKING CHANGES", "", *(_change_line(c, old, new, rules_page, link) for c in breaking)]
    if other:
        lines += ["", "### Changes", "", *(_change_line(c, old, new, rules_page, link) for c in other)]
    if not changes:
        lines += ["", "No change to the wire or the generated API."]
    return "\n".join(lines)


_PATH_KINDS = ("vendor section ", "section ", "param ")


def _change_target(change: Change, old: ir.Schema, new: ir.Schema, link: Link) -> str:
    """The change's path, linked to it on the new version's page (the old one's when removed)."""
    kind, name = "field", change.path
    for prefix in _PATH_KINDS:
        if change.path.startswith(prefix):
            kind, name = prefix.strip(), change.path[len(prefix):]
            break
    if kind == "field" and name in new.types:
        kind = "type"
    url = link(new, kind, name) or link(old, kind, name)
    return f"[`{change.path}`]({url})" if url else f"`{change.path}`"


def _change_line(change: Change, old: ir.Schema, new: ir.Schema, rules_page: str, link: Link) -> str:
    rule = change.rule
    detail = change.detail.replace("|", "\\|")
    effect = f"{CATEGORY_TEXT[change.category]}; {DIRECTION_TEXT[change.direction]}"
    line = (f"- [{rule.id}]({rules_page}#{rule.anchor}) {rule.name} — {_change_target(change, old, new, link)}: "
            f"{detail} — *{effect}*")
    if change.conditional is not Direction.NONE and not change.breaking:
        line += " — " + change.effects_text.replace("|", "\\|")
    return line
