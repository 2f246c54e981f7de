"""``inspect``: what a blob's envelope and framing say, without a schema.

Unlike decoding, inspection keeps going where it can: a bad checksum is reported as a
status, and a framing error ends the section list but keeps what was read before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devstate.wire.errors import DecodeError
from devstate.wire.header import (
    Header,
    check_checksum,
    check_lengths,
    parse_fixed_header,
    stored_checksum,
)
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import RawSection, iter_sections


@dataclass
class Inspection:
    """The header, the sections read, the checksum status and the first error (if any)."""

    header: Header | None = None
    sections: list[RawSection] = field(default_factory=list)
    stored_crc: int | None = None
    computed_crc: int | None = None
    error: DecodeError | None = None

    @property
    def checksum_ok(self) -> bool | None:
        if self.stored_crc is None:
            return None
        return self.stored_crc == self.computed_crc

    @property
    def valid(self) -> bool:
        return self.error is None


def inspect_blob(data: bytes | bytearray | memoryview, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Inspect ``data``; never raises ``DecodeError`` (it is stored in ``error``)."""
    view = memoryview(data).cast("B")
    report = Inspection()
    try:
        fixed, id_length = parse_fixed_header(view, limits)
        report.header = check_lengths(view, fixed, id_length)
    except DecodeError as exc:
        report.error = exc
        return report
    report.stored_crc, report.computed_crc = stored_checksum(view, report.header)
    try:
        check_checksum(view, report.header)
    except DecodeError as exc:
        report.error = exc
    try:
        for section in iter_sections(view, report.header, limits):
            report.sections.append(section)
    except DecodeError as exc:
        report.error = report.error or exc
    return report
