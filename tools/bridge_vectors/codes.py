"""The bridges' error codes and their numbers, as spec/bridges/index.md publishes them ("Error codes")."""

from __future__ import annotations

NUMBERS = {
    "TRUNCATED": 2, "PAST_END": 3, "RESERVED_NOT_ZERO": 4, "BAD_FLAGS": 5, "UNKNOWN_PART": 6, "DUPLICATE_PART": 7,
    "PART_ORDER": 8, "BAD_LENGTH": 9, "BAD_SELECTOR": 10, "BAD_VALUE": 11, "MISSING_PART": 12, "UNKNOWN_RECORD": 13,
    "RECORD_TOO_LARGE": 14, "NO_DEVICE_DATA": 15, "SIZE_MISMATCH": 16, "TRAILING_DATA": 17, "BAD_SEQUENCE": 18,
    "NOT_OFFERED": 22, "NOT_NEGOTIATED": 23, "UNKNOWN_VERSION": 24, "INVALID_QUEUE_ID": 25, "INVALID_CQ": 26,
    "INVALID_QUEUE_SIZE": 27, "BAD_POINTER": 28, "QUEUE_ORDER": 29,
}


def error(code: str, offset: int) -> dict[str, object]:
    return {"code": code, "number": NUMBERS[code], "offset": offset}
