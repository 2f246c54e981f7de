"""Format limits that schemas and every codec share (see spec/wire-format.md)."""

from __future__ import annotations

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
    """An integer literal of more than ``MAX_JSON_INTEGER_DIGITS`` digits (``json.loads(parse_int=json_integer)``)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits
        super().__init__(f"an integer literal of {digits} digits (at most {MAX_JSON_INTEGER_DIGITS} are read)")


def json_integer(text: str) -> int:
    """``parse_int`` for ``json.loads``: the literal's value, or ``JsonIntegerTooLong``."""
    digits = len(text) - text.startswith("-")
    if digits > MAX_JSON_INTEGER_DIGITS:
        raise JsonIntegerTooLong(digits)
    return int(text)
