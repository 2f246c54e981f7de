"""Whether a value is one a schema parameter takes: the rule ``ir.Param.accepts`` and the shipped
facts' ``schema.facts.ParamFacts.accepts`` both apply (stdlib only, so the facts need no IR)."""

from __future__ import annotations

from collections.abc import Sequence


def param_accepts(value: object, type_name: str, value_range: tuple[int, int] | None,
                  allowed: Sequence[int | bool | str] | None, minimum: int | None, maximum: int | None) -> bool:
    """``value`` is of the parameter's type (``value_range``: the integer type's range), one of
    ``allowed`` when given and within ``minimum``..``maximum`` when given."""
    if type_name == "bool":
        valid = isinstance(value, bool)
    elif type_name == "string":
        valid = isinstance(value, str)
    else:
        assert value_range is not None
        low, high = value_range
        valid = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if not valid:
        return False
    if allowed is not None and value not in allowed:
        return False
    if minimum is not None and value < minimum:  # type: ignore[operator]
        return False
    return not (maximum is not None and value > maximum)  # type: ignore[operator]
