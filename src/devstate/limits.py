"""Format limits that schemas and every codec share (see spec/wire-format.md)."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from devstate.dsf1 import MAX_NESTING_DEPTH as MAX_NESTING_DEPTH  # deepest nesting a schema may declare
from devstate.dsf1 import MAX_SECTION_ID as MAX_SECTION_ID  # section ids are 1..32767 (high bit reserved)

MAX_COUNT = 0xFFFF_FFFF
"""Largest count, length or size a DSF v1 prefix (u32) can carry."""

MAX_JSON_INTEGER_DIGITS = 20
"""Longest integer literal the JSON readers of foreign input (QEMU dumps and self-descriptions) take.

Every integer they keep fits 64 bits (2^64 has 20 digits). Python refuses a literal of more
than 4300 digits with a plain ``ValueError`` (the CVE-2020-10735 limit: converting one is
quadratic), which a reader would not turn into its own error; ``json_integer`` refuses it
first, with ``JsonIntegerTooLong``."""


class JsonIntegerTooLong(Exception):
    """An integer literal of more ``digits`` than ``limit`` (``json.loads(parse_int=json_integer)``)."""

    def __init__(self, digits: int, limit: int = MAX_JSON_INTEGER_DIGITS) -> None:
        self.digits, self.limit = digits, limit
        super().__init__(f"an integer literal of {digits} digits (at most {limit} are read)")


def json_integer(text: str, max_digits: int = MAX_JSON_INTEGER_DIGITS) -> int:
    """``parse_int`` for ``json.loads``: the literal's value, or ``JsonIntegerTooLong``."""
    digits = len(text) - text.startswith("-")
    if digits > max_digits:
        raise JsonIntegerTooLong(digits, max_digits)
    return int(text)


MAX_INPUT_INTEGER_DIGITS = 100
"""Longest integer literal a user's JSON (states, descriptions, fleet records) may hold: far wider
than any value (a u64 has 20 digits, so a 21..100-digit one is refused by its range check, at its
path), far below Python's quadratic conversion (CVE-2020-10735: 4300 digits raise ``ValueError``)."""

_LONG_INTEGER = re.compile(rf"(?<=[\[,:])\s*(-?[0-9]{{{MAX_INPUT_INTEGER_DIGITS + 1},}})")
"""Where such a literal is: a number token follows ``[``, ``,`` or ``:`` (and blanks)."""


def loads_json(text: str) -> Any:
    """``json.loads`` for user input: an integer literal of more than ``MAX_INPUT_INTEGER_DIGITS``
    digits is a ``json.JSONDecodeError`` at its place, like any other invalid JSON."""
    try:
        return json.loads(text, parse_int=functools.partial(json_integer, max_digits=MAX_INPUT_INTEGER_DIGITS))
    except JsonIntegerTooLong as exc:
        found = _LONG_INTEGER.search(text)
        raise json.JSONDecodeError(f"an integer literal of {exc.digits} digits (at most {exc.limit})", text,
                                   found.start(1) if found else 0) from None
