"""The checker's verdicts against the codecs' ground truth, per mutant and direction.

For a mutant M and every earlier version H of its major (its history), in each direction
(``backward``: H writes, M reads; ``forward``: M writes, H reads):

* the **truth** is *positive* when some valid state of the writer (or some migration
  parameter value a source may use) does not load unchanged on the reader (see
  ``oracle``), *negative* when every one does;
* the **checker** is *positive* when its verdict for that direction is not "compatible"
  (conditional or incompatible), *negative* when it is "compatible".

A conditional verdict promises that states meeting its conditions load unchanged; the
writer's states are projected onto the conditions (fields set to their defaults, optional
sections removed, counts cut, values clamped to ranges, members and bits restricted) and
loaded again: one that does not load unchanged is a **false negative** too (the
conditions are not enough). Cells: TP, FP, FN, TN. A mutant the schema checker refuses
(``devstate validate``) is counted apart, with its error codes.

``history``: for a minor mutant, the checks of its history (what ``compat --all`` runs:
each version against the previous one) must fail whenever some earlier version's default
state is refused by M, or M's default state by some earlier version's reader.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstate import ir
from devstate.compat.conditions import Allowed, Condition, Target
from devstate.state import State, field_default
from tools.mutation import oracle
from tools.mutation.mutants import MAJOR, MINOR, Loaded, Mutant

BACKWARD, FORWARD = "backward", "forward"
DIRECTIONS = (BACKWARD, FORWARD)
COMPATIBLE, CONDITIONAL, INCOMPATIBLE = "compatible", "conditional", "incompatible"


@dataclass(frozen=True)
class Verdict:
    """What a checker says about one direction of a pair."""

    status: str
    conditions: tuple[Condition, ...] = ()
    rules: tuple[str, ...] = ()

    @property
    def positive(self) -> bool:
        return self.status != COMPATIBLE


Checker = Callable[[ir.Schema, ir.Schema], dict[str, Verdict]]
"""``checker(old, new)`` → the verdict of each direction."""
HistoryCheck = Callable[[list[ir.Schema]], bool]
"""``history_ok(versions)`` → whether the checks of a history (oldest first) pass."""


@dataclass
class Cell:
    """The judgement of one direction of one (H, M) pair."""

    mutant: str
    kind: str
    bump: str
    pair: str
    direction: str
    verdict: Verdict
    truth: str
    """``negative``, or the first outcome that is not equal."""
    miss: str = ""
    """For a conditional verdict: the projected state that still fails (a false negative)."""

    @property
    def label(self) -> str:
        positive_truth = self.truth != "negative"
        if self.miss:
            return "FN"
        if self.verdict.positive:
            return "TP" if positive_truth else "FP"
        return "FN" if positive_truth else "TN"


@dataclass
class MutantResult:
    mutant: Mutant
    refused: tuple[str, ...] = ()
    cells: list[Cell] = field(default_factory=list)
    history_miss: str = ""
    """Non-empty when the history checks pass although the history breaks (see module doc)."""
    codec_disagreements: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Failures of the tools themselves (an invalid state drawn, a crash): must stay empty."""


# -- judging one mutant ---------------------------------------------------------------------


def judge(mutant: Mutant, checker: Checker, history_ok: HistoryCheck | None = None, states: int = 12,
          root: Path | None = None) -> MutantResult:
    with tempfile.TemporaryDirectory(prefix="devstate-mutant-", dir=root) as tmp:
        loaded = mutant.load(Path(tmp))
        return judge_loaded(loaded, checker, history_ok, states)


def judge_loaded(loaded: Loaded, checker: Checker, history_ok: HistoryCheck | None, states: int) -> MutantResult:
    result = MutantResult(loaded.mutant, loaded.refused)
    if loaded.schema is None:
        return result
    try:
        _judge(loaded, loaded.schema, result, checker, history_ok, states)
    except Exception as exc:  # reported, so a long run is not lost; the test fails on any
        result.errors.append(f"{type(exc).__name__}: {exc}")
    return result


def _judge(loaded: Loaded, new: ir.Schema, result: MutantResult, checker: Checker, history_ok: HistoryCheck | None,
           states: int) -> None:
    mutant = loaded.mutant
    history = mutant.base.history if mutant.bump == MINOR else (mutant.base.schema,)
    count = states if mutant.bump == MINOR else 1
    strong_breaks: list[str] = []
    for old in history:
        verdicts = checker(old, new)
        for direction in DIRECTIONS:
            cell, default_fails = _direction(mutant, old, new, direction, verdicts[direction], loaded.renames,
                                             count, result.codec_disagreements)
            result.cells.append(cell)
            if default_fails:
                strong_breaks.append(f"{direction} {old.version}: {default_fails}")
    if mutant.bump == MINOR and history_ok is not None and strong_breaks and history_ok([*mutant.base.history, new]):
        result.history_miss = "; ".join(strong_breaks)


def _direction(mutant: Mutant, old: ir.Schema, new: ir.Schema, direction: str, verdict: Verdict,
               renames: dict[str, str], count: int, disagreements: list[str]) -> tuple[Cell, str]:
    writer, reader = (old, new) if direction == BACKWARD else (new, old)
    names = oracle.reader_names(renames, mutant_reads=direction == BACKWARD)
    drawn = oracle.drawn_states(writer, count)
    if count > 1:
        drawn = drawn + oracle.extreme_states(writer, mutant.site.targets)
    truth, default_fails = _truth(writer, reader, drawn, names, disagreements)
    truth = truth or _param_truth(writer, reader, ())
    cell = Cell(mutant.ident, mutant.kind, mutant.bump, f"{old.version}→{new.version}", direction, verdict,
                truth or "negative")
    if verdict.status == CONDITIONAL:
        cell.miss = _conditional_miss(writer, reader, drawn, names, verdict.conditions)
    return cell, default_fails


def _truth(writer: ir.Schema, reader: ir.Schema, drawn: Iterable[State], names: dict[str, str],
           disagreements: list[str]) -> tuple[str, str]:
    """(the first state outcome that is not equal or "", the default state's if it fails or "")."""
    first, default_fails = "", ""
    for index, state in enumerate(drawn):
        outcome = oracle.load(writer, reader, state, names)
        _cross_check(writer, reader, state, outcome, disagreements)
        if outcome.kind != oracle.EQUAL:
            first = first or f"{outcome} (state {index})"
            if index == 0:
                default_fails = str(outcome)
    return first, default_fails


def _cross_check(writer: ir.Schema, reader: ir.Schema, state: State, outcome: oracle.Outcome,
                 disagreements: list[str]) -> None:
    from devstate.interp import decode, encode
    from devstate.wire.errors import DecodeError

    blob = encode(writer, state)
    problem = oracle.cross_check_encode(writer, state, blob)
    if problem is None:
        try:
            reference: Any = decode(reader, blob)
        except DecodeError:
            reference = outcome
        problem = oracle.cross_check_decode(reader, blob, reference)
    if problem is not None:
        disagreements.append(problem)


def _conditional_miss(writer: ir.Schema, reader: ir.Schema, drawn: Iterable[State], names: dict[str, str],
                      conditions: tuple[Condition, ...]) -> str:
    params = [c for c in conditions if c.target is Target.PARAM]
    miss = _param_truth(writer, reader, params)
    if miss:
        return f"parameters meeting the conditions: {miss}"
    fixes = Projection(writer, conditions)
    for index, state in enumerate(drawn):
        projected = fixes.apply(state)
        outcome = oracle.load(writer, reader, projected, names)
        if outcome.kind != oracle.EQUAL:
            return f"state {index} meeting the conditions: {outcome}"
    return ""


# -- projecting states onto conditions --------------------------------------------------------


class Projection:
    """Makes a writer state meet conditions (the oracle's side of ``Condition``)."""

    def __init__(self, schema: ir.Schema, conditions: Iterable[Condition]) -> None:
        self.schema = schema
        self.fields: dict[tuple[str, str], list[Condition]] = {}
        self.types: dict[str, list[Condition]] = {}
        self.sections: dict[str, Any] = {}
        for condition in conditions:
            if condition.target is Target.FIELD:
                struct, _, name = condition.name.rpartition(".")
                self.fields.setdefault((struct, name), []).append(condition)
            elif condition.target is Target.TYPE:
                self.types.setdefault(condition.name, []).append(condition)
            elif condition.target in (Target.SECTION, Target.VENDOR_SECTION):
                if condition.allowed is Allowed.DEFAULT:
                    self.sections[condition.name] = None
                else:
                    section = _section(schema, condition.name)
                    self.sections[condition.name] = _fixer([condition], None, _value_type(schema, section))

    def apply(self, state: State) -> State:
        field_fixes = {}
        for (struct, name), conds in self.fields.items():
            member = self.schema.struct(struct).field(name)
            field_fixes[(struct, name)] = _fixer(conds, field_default(self.schema, member),
                                                 _value_type(self.schema, member.type))
        type_fixes = {name: _fixer(conds, None, self.schema.types[name]) for name, conds in self.types.items()}
        return oracle.project(self.schema, state, field_fixes, type_fixes, self.sections)


def _section(schema: ir.Schema, name: str) -> Any:
    for section in (*schema.sections, *schema.vendor_sections):
        if section.name == name:
            return section.type
    raise KeyError(name)


def _value_type(schema: ir.Schema, expr: Any) -> Any:
    """The enum or flags type of a value (through arrays), or None."""
    while isinstance(expr, ir.ArrayType):
        expr = expr.element
    if isinstance(expr, ir.NamedRef) and expr.target_kind in ("enum", "flags"):
        return schema.types[expr.name]
    return None


def _fixer(conditions: list[Condition], default: Any, named: Any) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        for condition in conditions:
            value = _fix_one(condition, value, default, named, conditions)
        return value
    return fix


def _fix_one(condition: Condition, value: Any, default: Any, named: Any, every: list[Condition]) -> Any:
    allowed = condition.allowed
    if allowed is Allowed.DEFAULT:
        return default
    if allowed is Allowed.COUNT:
        if isinstance(value, str):  # a string's max counts UTF-8 bytes
            return value.encode("utf-8")[: condition.high].decode("utf-8", "ignore")
        return value[: condition.high]
    if isinstance(named, ir.FlagsType) and isinstance(value, list) and all(isinstance(v, str) for v in value):
        if allowed is Allowed.BITS:
            return [bit for bit in value if bit in condition.members]
        if allowed is Allowed.EXCLUDES:
            return [bit for bit in value if bit not in condition.members]
        return value
    if isinstance(value, list):
        return [_fix_one(condition, item, default, named, every) for item in value]
    if allowed is Allowed.RANGE:
        low, high = condition.low, condition.high
        assert low is not None and high is not None
        clamped = min(max(int(value), low), high)
        return bool(clamped) if isinstance(value, bool) else clamped
    if isinstance(named, ir.EnumType) and isinstance(value, str | int):
        return value if _member_ok(value, every) else _replacement(named, every)
    if allowed is Allowed.MEMBERS:
        return value if value in condition.members else condition.members[0]
    return value


def _member_ok(value: Any, conditions: list[Condition]) -> bool:
    for condition in conditions:
        if condition.allowed is Allowed.MEMBERS and value not in condition.members:
            return False
        if condition.allowed is Allowed.EXCLUDES and value in condition.members:
            return False
    return True


def _replacement(enum: ir.EnumType, conditions: list[Condition]) -> Any:
    ordered = sorted(enum.values, key=lambda m: (m.value != 0, m.value))
    for member in ordered:
        if _member_ok(member.name, conditions):
            return member.name
    raise ValueError(f"no member of {enum.name} meets {conditions}")


# -- migration parameters: ground truth from the parameters' own rules ----------------------


def _param_truth(writer: ir.Schema, reader: ir.Schema, conditions: Iterable[Condition]) -> str:
    """The first parameter use of a source on ``writer`` that a destination on ``reader`` does
    not take unchanged ("" when every one does); only uses meeting ``conditions``."""
    by_name: dict[str, list[Condition]] = {}
    for condition in conditions:
        by_name.setdefault(condition.name, []).append(condition)
    readers = {p.name: p for p in reader.params}
    for param in writer.params:
        target = readers.get(param.name)
        for value in [None, *_param_values(param)]:
            if not all(_param_meets(c, param, value) for c in by_name.get(param.name, [])):
                continue
            problem = _param_use(param, target, value)
            if problem:
                return f"param {param.name} {problem}"
    return ""


def _param_use(param: ir.Param, target: ir.Param | None, value: Any) -> str:
    if value is None:  # the source does not set it: each side means its own default
        if target is not None and not _same(target.default, param.default):
            return f"not set: means {param.default!r} on the source, {target.default!r} on the destination"
        return ""
    if target is None:
        return "" if _same(value, param.default) else f"= {value!r}: unknown to the destination"
    return "" if target.accepts(value) else f"= {value!r}: refused by the destination"


def _param_meets(condition: Condition, param: ir.Param, value: Any) -> bool:
    actual = param.default if value is None else value
    if condition.allowed is Allowed.DEFAULT:
        return _same(actual, param.default)
    if condition.allowed is Allowed.RANGE:
        return isinstance(actual, int) and (condition.low or 0) <= actual <= (condition.high or 0)
    return any(_same(actual, m) for m in condition.members)


def _param_values(param: ir.Param) -> list[Any]:
    """Values a source may use: every allowed one, or the bounds, the default and a few between."""
    if param.allowed is not None:
        return list(param.allowed)
    if param.type == "bool":
        return [False, True]
    if param.type == "string":
        return [param.default, "", "other"]
    low, high = ir.scalar_range(param.type)
    low = low if param.min is None else param.min
    high = high if param.max is None else param.max
    picks = {low, high, param.default, (low + high) // 2, min(high, low + 1), max(low, high - 1)}
    return sorted(v for v in picks if isinstance(v, int) and param.accepts(v))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# -- the confusion table ------------------------------------------------------------------------


def table(results: Iterable[MutantResult]) -> dict[tuple[str, str], Counter[str]]:
    """(edit kind, direction) → counts of TP, FP, FN, TN (the consecutive pair: base → mutant)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for result in results:
        newest = result.mutant.base.schema.version
        for cell in result.cells:
            if cell.pair.startswith(f"{newest}→"):
                counts.setdefault((cell.kind, cell.direction), Counter())[cell.label] += 1
    return counts


def bumps(results: Iterable[MutantResult]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {MINOR: Counter(), MAJOR: Counter()}
    for result in results:
        newest = result.mutant.base.schema.version
        for cell in result.cells:
            if cell.pair.startswith(f"{newest}→"):
                counts[result.mutant.bump][f"{cell.direction} {cell.label}"] += 1
    return counts
