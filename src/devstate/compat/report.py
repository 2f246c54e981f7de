"""Rendering compat reports: rich text, JSON and GitHub workflow annotations."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.markup import escape

from devstate import github, ir
from devstate.compat.bump import PairReport
from devstate.compat.change import Change
from devstate.compat.effects import Status
from devstate.compat.rules import DOCS_URL, Severity

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}
_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "·"}


def report_json(reports: Sequence[PairReport]) -> dict[str, object]:
    return {
        "compatible": all(r.compatible for r in reports),
        "rules": DOCS_URL,
        "pairs": [r.to_json() for r in reports],
    }


def report_text(console: Console, reports: Sequence[PairReport], *, quiet: bool = False) -> None:
    for report in reports:
        _pair_text(console, report, quiet)
    failed = sum(not r.compatible for r in reports)
    verdict = "[green]compatible[/green]" if not failed else f"[red]{failed} of {len(reports)} checks failed[/red]"
    console.print(f"{len(reports)} version pair(s) checked: {verdict}. Rules: {DOCS_URL}")


def _pair_text(console: Console, report: PairReport, quiet: bool) -> None:
    verdict = "[green]ok[/green]" if report.compatible else "[red]INCOMPATIBLE[/red]"
    breaking = len(report.breaking)
    console.print(
        f"[bold]{report.old.model} {report.old.version} → {report.new.version}[/bold]"
        f"{'' if report.old.model == report.new.model else ' (' + escape(report.new.model) + ')'}"
        f"  {report.bump.value} bump, mode {report.mode.value}: {len(report.changes)} changes, "
        f"{breaking} breaking  {verdict}"
    )
    for change in report.changes:
        if quiet and change.severity is Severity.INFO:
            continue
        _change_text(console, change)
    for problem in report.problems:
        console.print(f"  [red]error {problem.rule.label}:[/red] {escape(problem.message)}")
    for note in report.notes:
        console.print(f"  [dim]note: {escape(note)}[/dim]")


def _change_text(console: Console, change: Change) -> None:
    style = _STYLE[change.severity]
    console.print(
        f"  [{style}]{_MARK[change.severity]} {change.rule.id} {change.rule.name}[/{style}] "
        f"[{change.direction.value} {change.category.value}] [bold]{escape(change.path)}[/bold]: "
        f"{escape(change.detail)}",
        soft_wrap=True,
    )
    console.print(f"      [dim]{escape(change.where)}[/dim]", soft_wrap=True)
    for label, effect in (("backward", change.backward), ("forward", change.forward)):
        if effect.status is not Status.COMPATIBLE:
            console.print(f"      {label}: {escape(effect.describe())}", soft_wrap=True, highlight=False)
    if change.severity is not Severity.INFO:
        console.print(f"      fix: {escape(change.suggestion)} [dim]{change.rule.url}[/dim]", soft_wrap=True)


# -- GitHub annotations ---------------------------------------------------------------------


def github_annotations(reports: Sequence[PairReport]) -> Iterator[str]:
    """``::error``/``::warning``/``::notice`` lines: problems, API changes, allowed breaks."""
    for report in reports:
        problem_changes = {id(p.change) for p in report.problems if p.change is not None}
        for problem in report.problems:
            loc = _annotation_loc(problem.change, report.new)
            yield _annotation("error", loc, f"{problem.rule.label}", problem.message + _see(problem))
        for change in report.changes:
            if id(change) in problem_changes or change.severity is Severity.INFO:
                continue
            level = "warning" if change.severity is Severity.WARNING else "notice"
            title = f"{change.rule.label} ({change.direction.value}, {change.category.value})"
            yield _annotation(level, _annotation_loc(change, report.new), title, change.message)


def _see(problem: object) -> str:
    change = getattr(problem, "change", None)
    return f" See {change.rule.url}" if change is not None else ""


def _annotation_loc(change: Change | None, schema: ir.Schema) -> ir.Location:
    if change is not None and change.new_loc is not None:
        return change.new_loc
    if change is not None and change.old_loc is not None:
        return change.old_loc
    return ir.Location(file=schema.file, line=1, col=1)


def _annotation(level: str, loc: ir.Location, title: str, message: str) -> str:
    return github.annotation(level, loc.file, loc.line, loc.col, title, message)
