"""The compatibility checker against the codecs, mutant by mutant (tools/mutation).

Every one-edit mutant of a standard schema is judged per direction: the checker's verdict
(``devstate.compat.verdict``) against ground truth from the reference codec (and the
generated Python codecs) over hypothesis-drawn and extreme states. There must be no false
negative at all — no "compatible" where some state fails, no condition that a failing state
meets, no schema history whose checks (``compat --all``) pass although it breaks — and every
false positive must be one that spec/compatibility.md lists with its reason.

The default suite judges a bounded selection (the edits the issue found wrong, a few states
each); ``pytest -m mutation tests/compat/test_compat_mutation.py`` judges the whole set (as
``python -m tools.mutation`` does, which prints the confusion table).
"""

from __future__ import annotations

import re
from pathlib import Path

import paths
import pytest

from tools.mutation import judge as J
from tools.mutation import mutants as M
from tools.mutation.current import checker, history_ok

SPEC = paths.SPEC / "compatibility.md"

QUICK_KINDS = (
    "field-append-min1", "field-append-negative", "field-append-u8", "field-since-drop", "field-max-raise",
    "field-bool-int", "field-enum-base", "flags-base-widen", "field-remove", "param-type-widen", "section-reid",
    "vendor-namespace", "enum-value-add", "vendor-to-typed",
)
"""The edits the issue found misjudged (false negatives, false positives, conditional verdicts)."""
QUICK_MAJORS = ("field-append-u8", "field-remove")

FULL_STATES = 4
"""Drawn states per writer in the whole set (besides the default and the extreme states), as in the
run whose table spec/compatibility.md shows."""
WHOLE_SET_ONLY = pytest.mark.skipif("'mutation' not in config.getoption('markexpr')",
                                    reason="the whole mutant set (4364 mutants, tens of minutes): run with -m mutation")


def listed_false_positives() -> set[tuple[str, str, str]]:
    """(edit kind, bump, direction) of the false positives spec/compatibility.md explains."""
    text = SPEC.read_text(encoding="utf-8")
    _, _, section = text.partition("### Remaining false positives")
    assert section, "spec/compatibility.md lacks its list of remaining false positives"
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (minor|major) \| (backward|forward) \|", section, re.MULTILINE)
    return set(rows)


def quick_mutants() -> list[M.Mutant]:
    chosen = [m for m in M.sample() if (m.bump == M.MINOR and m.kind in QUICK_KINDS)
              or (m.bump == M.MAJOR and m.kind in QUICK_MAJORS)]
    assert {m.kind for m in chosen} == set(QUICK_KINDS)
    return chosen


def check(results: list[J.MutantResult]) -> set[tuple[str, str, str]]:
    """Assert what every run must hold; return the (kind, bump, direction) of its false positives."""
    problems = []
    for result in results:
        problems += [f"{result.mutant.ident}: tool error {e}" for e in result.errors]
        problems += [f"{result.mutant.ident}: codec disagreement {d}" for d in result.codec_disagreements]
        if result.history_miss:
            problems.append(f"{result.mutant.ident}: the history checks pass a breaking history: "
                            f"{result.history_miss}")
        for cell in result.cells:
            if cell.label == "FN":
                problems.append(f"{cell.mutant} [{cell.pair} {cell.direction}]: checker {cell.verdict.status} "
                                f"{','.join(cell.verdict.rules)}, truth {cell.truth} {cell.miss}")
    assert problems == []
    return {(c.kind, c.bump, c.direction) for r in results for c in r.cells if c.label == "FP"}


@pytest.mark.parametrize("mutant", quick_mutants(), ids=lambda m: m.ident)
def test_the_verdicts_of_a_mutant_agree_with_the_codecs(mutant: M.Mutant, tmp_path: Path) -> None:
    result = J.judge(mutant, checker, history_ok, states=2, root=tmp_path)
    assert check([result]) <= listed_false_positives()
    assert result.cells or result.refused


def test_the_quick_selection_finds_what_the_issue_found(tmp_path: Path) -> None:
    """The named findings, judged: a schema that no older reader can load is refused by
    ``validate``; an appended ``since`` field is a conditional (not a plain) forward verdict."""
    by_kind = {m.kind: m for m in quick_mutants() if m.bump == M.MINOR}
    for kind in ("field-append-min1", "field-append-negative"):
        refused = J.judge(by_kind[kind], checker, history_ok, states=1, root=tmp_path)
        # an edit of an imported library refuses the library, and so the import of it
        assert "NONZERO_DEFAULT" in refused.refused and refused.cells == []
    appended = J.judge(by_kind["field-append-u8"], checker, history_ok, states=2, root=tmp_path)
    newest = appended.mutant.base.schema.version
    forward = next(c for c in appended.cells if c.pair.startswith(f"{newest}→") and c.direction == J.FORWARD)
    assert (forward.verdict.status, forward.verdict.rules, forward.label) == (J.CONDITIONAL, ("DS-F001",), "TP")
    assert [c.allowed.value for c in forward.verdict.conditions] == ["default"]


@pytest.mark.mutation
@WHOLE_SET_ONLY
def test_every_mutant_agrees_with_the_codecs(tmp_path: Path) -> None:
    results = [J.judge(m, checker, history_ok, states=FULL_STATES, root=tmp_path) for m in M.mutants()]
    assert check(results) == listed_false_positives()
