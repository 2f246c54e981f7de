"""State-side checks shared by the bridges: is a built state valid, and what did a round trip lose.

``check_state`` encodes a state with the reference codec and turns an ``EncodeError`` into
the bridge's own error. ``state_losses`` compares a state with the state read back from
its export (export → import) and lists every value that did not survive; an optional
section that is absent on one side and at its defaults on the other is no loss.
"""

from __future__ import annotations

import copy
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
    return [_loss(diff, problems, detail) for diff in diff_states(a, b)]


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


def _loss(diff: Difference, problems: dict[str, str], detail: str) -> Loss:
    where = readable(diff.path)
    value: Any = diff.old if diff.kind != "added" else diff.new
    return Loss(where, show(value), problems.get(where, detail))


def readable(path: str) -> str:
    """``$.sections.queues[2].size`` → ``queues[2].size``; vendor and unknown sections named as such."""
    for prefix, name in (("$.sections.", ""), ("$.vendor_sections.", "vendor section "),
                         ("$.unknown_sections", "unknown section")):
        if path.startswith(prefix):
            return name + path[len(prefix):]
    return path
