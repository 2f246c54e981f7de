"""State-side checks shared by the bridges: is a built state valid, and what did a round trip lose.

``check_state`` encodes a state with the reference codec and turns an ``EncodeError`` into
the bridge's own error. ``state_losses`` compares a state with the state read back from
its export (export → import) and lists every value that did not survive; an optional
section that is absent on one side and at its defaults on the other is no loss.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from devstate import ir
from devstate.bridges.errors import BridgeError
from devstate.bridges.report import Loss, show
from devstate.compat.statediff import Difference, diff_states
from devstate.interp import encode
from devstate.state import State, type_default
from devstate.wire.errors import EncodeError


def check_state(schema: ir.Schema, state: State, error: Callable[[str, str], BridgeError]) -> None:
    """Raise ``error(path, message)`` when ``state`` is not a valid state of ``schema``."""
    try:
        encode(schema, state)
    except EncodeError as exc:
        raise error(exc.path, f"the imported state is not valid for {schema.ident}: {exc.message}") from None


def state_losses(schema: ir.Schema, before: State, after: State, problems: dict[str, str], detail: str) -> list[Loss]:
    """Every value of ``before`` that ``after`` (its round trip) does not have."""
    a, b = normalized(schema, before), normalized(schema, after)
    losses: list[Loss] = []
    seen: set[str] = set()
    for diff in diff_states(a, b):
        path, value = _collapsed(diff, a)
        if path not in seen:
            seen.add(path)
            where = readable(path)
            losses.append(Loss(where, show(value), _detail(where, problems, detail)))
    return losses


def _collapsed(diff: Difference, state: State) -> tuple[str, Any]:
    """A flags value (a list of names) is reported whole: ``common.isr``, not ``common.isr[0]``."""
    match = _ELEMENT.match(diff.path)
    if match and isinstance(diff.old if diff.kind != "added" else diff.new, str):
        parent = _value_at(state, match.group(1))
        if isinstance(parent, list):
            return match.group(1), parent
    return diff.path, diff.old if diff.kind != "added" else diff.new


def _detail(where: str, problems: dict[str, str], detail: str) -> str:
    """The exporter's reason for ``where`` (or for the struct holding it), else ``detail``."""
    for key, reason in problems.items():
        if where == key or where.startswith(key + ".") or where.startswith(key + "["):
            return reason
    return detail


_ELEMENT = re.compile(r"^(.*)\[(\d+)\]$")
_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _value_at(state: State, path: str) -> Any:
    value: Any = state
    for name, index in _TOKEN.findall(path.removeprefix("$")):
        try:
            value = value[name] if name else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def normalized(schema: ir.Schema, state: State) -> State:
    """A copy without optional sections that hold their defaults (absent means the same)."""
    out = copy.copy(state)
    sections = dict(state.get("sections", {}))
    for section in schema.sections:
        if section.optional and section.name in sections and \
                sections[section.name] == type_default(schema, section.type):
            del sections[section.name]
    out["sections"] = sections
    out.setdefault("vendor_sections", {})
    out.setdefault("unknown_sections", [])
    return out


def readable(path: str) -> str:
    """``$.sections.queues[2].size`` → ``queues[2].size``; vendor and unknown sections named as such."""
    for prefix, name in (("$.sections.", ""), ("$.vendor_sections.", "vendor section "),
                         ("$.unknown_sections", "unknown section")):
        if path.startswith(prefix):
            return name + path[len(prefix):]
    return path
