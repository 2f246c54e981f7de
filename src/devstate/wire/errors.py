"""Error codes of the DSF wire format, the errors that carry them, and what each means.

Every problem with saved state has one code from ``ErrorCode``: a stable string name and
a stable number (the C codec returns the number). The codes and the error classes are the
runtime's (``devstate.dsf1``, which the generated Python package carries as its
``_runtime``), so the toolkit and the generated codecs share one list. ``DESCRIPTIONS`` is
normative: it is printed in spec/wire-format.md ("Error codes") and a test keeps the two
in step. Numbers are never reused or renumbered; new codes are appended.
"""

from __future__ import annotations

from devstate.dsf1 import DecodeError, EncodeError, ErrorCode, WireError

__all__ = ["DESCRIPTIONS", "DecodeError", "EncodeError", "ErrorCode", "WireError"]


DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.TRUNCATED: "The input ends inside a header field, or a length runs past the end of its container.",
    ErrorCode.BAD_MAGIC: "The first 8 bytes are not the DSF magic.",
    ErrorCode.UNSUPPORTED_FORMAT_VERSION: "The header's format version is not 1.",
    ErrorCode.BAD_HEADER_FLAGS: "The header flags are not 0.",
    ErrorCode.LENGTH_MISMATCH: "The header's total length is impossible or differs from the input's length.",
    ErrorCode.BAD_CHECKSUM: "The CRC-32C trailer does not match the bytes before it.",
    ErrorCode.TRAILING_BYTES: "The input continues after the total length given in the header.",
    ErrorCode.BAD_MODEL_ID: "The model id length is 0 or over 128, or the id is not a valid model id.",
    ErrorCode.MODEL_MISMATCH: "The blob's model id is not the reader schema's model.",
    ErrorCode.MAJOR_MISMATCH: "The blob's schema major version is not the reader schema's major version.",
    ErrorCode.SECTION_PAST_END: "A section header or payload runs past the start of the trailer.",
    ErrorCode.BAD_SECTION_FLAGS: (
        "A section has undefined flag bits, or its OPTIONAL bit disagrees with the reader's schema."
    ),
    ErrorCode.UNKNOWN_SECTION: "A section the reader does not know is not marked OPTIONAL.",
    ErrorCode.DUPLICATE_SECTION: "A section id (or vendor namespace and id) appears twice.",
    ErrorCode.SECTION_ORDER: "Sections are not in canonical order.",
    ErrorCode.MISSING_SECTION: "A section the reader's schema requires is absent.",
    ErrorCode.SECTION_TRAILING_DATA: "A non-struct section's payload has bytes after its value.",
    ErrorCode.COUNT_OVER_MAX: "An array count is over the declared maximum.",
    ErrorCode.LENGTH_OVER_MAX: "A bytes, string or opaque payload length is over the declared maximum.",
    ErrorCode.COUNT_PAST_END: "An array's count times its (minimum) element size runs past its container.",
    ErrorCode.BAD_STRIDE: "An array stride is 0 or does not end on a field boundary of the element struct.",
    ErrorCode.STRUCT_TOO_SHORT: "A struct body ends inside a field or before one of its base fields.",
    ErrorCode.NONZERO_TAIL: "A struct body has non-zero bytes after the reader's last field (newer version needed).",
    ErrorCode.BAD_BOOL: "A bool byte is not 0 or 1.",
    ErrorCode.BAD_ENUM: "A closed enum holds an undeclared value.",
    ErrorCode.BAD_FLAGS: "A flags value has undeclared bits set.",
    ErrorCode.OUT_OF_RANGE: "An integer is outside its field's min/max (or its type's range).",
    ErrorCode.BAD_UTF8: "A string is not valid UTF-8.",
    ErrorCode.LIMIT_EXCEEDED: "The input or one region is larger than the reader's configured limits.",
    ErrorCode.NESTING_TOO_DEEP: "Values nest deeper than the reader's configured depth limit.",
    ErrorCode.BAD_VENDOR_HEADER: "A vendor section's 18-byte vendor header is short or invalid.",
    ErrorCode.INVALID_STATE: "Encoding: the state does not match the schema (missing/extra field, wrong type).",
    ErrorCode.BAD_SECTION_ID: "A section id is 0 or over 32767.",
}
