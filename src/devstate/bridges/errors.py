"""Errors of the standards bridges: one stable code each, the byte offset and the part.

Every problem a bridge finds is a ``BridgeError`` (a ``DevstateError``) with a code from
``BridgeCode``: a stable name and a stable number, never renumbered (new codes are
appended). The table is printed in spec/bridges/index.md ("Error codes"); a test keeps
the two in step.

- ``BridgeDecodeError``: the standard blob (virtio device parts, the vfio stream around
  them, an NVMe controller state) is malformed. ``offset`` is the absolute byte offset in
  the input, ``part`` names the part, record or field at fault.
- ``BridgeExportError``: a devstate state cannot be written in the standard format;
  ``LossyExportError`` when writing it would drop data (``--allow-lossy`` overrides).
- ``AnnotationError``: a schema's bridge annotations are malformed; a ``SchemaError``
  whose diagnostics name the schema file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

from devstate.errors import DevstateError, Diagnostic, SchemaError

if TYPE_CHECKING:
    from devstate.bridges.report import Loss


class BridgeCode(IntEnum):
    """Stable error codes (name and number) of the standards bridges."""

    ANNOTATION_INVALID = 1
    TRUNCATED = 2
    PAST_END = 3
    RESERVED_NOT_ZERO = 4
    BAD_FLAGS = 5
    UNKNOWN_PART = 6
    DUPLICATE_PART = 7
    PART_ORDER = 8
    BAD_LENGTH = 9
    BAD_SELECTOR = 10
    BAD_VALUE = 11
    MISSING_PART = 12
    UNKNOWN_RECORD = 13
    RECORD_TOO_LARGE = 14
    NO_DEVICE_DATA = 15
    SIZE_MISMATCH = 16
    TRAILING_DATA = 17
    BAD_SEQUENCE = 18
    LOSSY_EXPORT = 19
    CANNOT_EXPORT = 20
    NO_MAPPING = 21
    NOT_OFFERED = 22
    NOT_NEGOTIATED = 23
    UNKNOWN_VERSION = 24
    INVALID_QUEUE_ID = 25
    INVALID_CQ = 26
    INVALID_QUEUE_SIZE = 27
    BAD_POINTER = 28
    QUEUE_ORDER = 29


DESCRIPTIONS: dict[BridgeCode, str] = {
    BridgeCode.ANNOTATION_INVALID: "A schema's bridge annotation is malformed (reported with the schema file and line)",
    BridgeCode.TRUNCATED: "The input ends inside a fixed-size header (part header, record header, state header).",
    BridgeCode.PAST_END: "A length or count runs past the end of its container.",
    BridgeCode.RESERVED_NOT_ZERO: "A reserved field or reserved bytes are not zero.",
    BridgeCode.BAD_FLAGS: "Undefined flag bits are set.",
    BridgeCode.UNKNOWN_PART: "A part (or control-queue class/command) the bridge does not know is not marked OPTIONAL.",
    BridgeCode.DUPLICATE_PART: "A part that may appear once (or once per selector) appears again.",
    BridgeCode.PART_ORDER: "Parts are not in the order the standard requires.",
    BridgeCode.BAD_LENGTH: "A value's length does not match its part type (or the selected field).",
    BridgeCode.BAD_SELECTOR: "A selector is invalid: not a field offset, reserved bytes set, or out of range.",
    BridgeCode.BAD_VALUE: "A value the target schema cannot hold (out of range, not a bool, undeclared enum or bit).",
    BridgeCode.MISSING_PART: "A part the standard requires in a complete state is absent.",
    BridgeCode.UNKNOWN_RECORD: "A vfio migration record with an unknown tag is not marked optional.",
    BridgeCode.RECORD_TOO_LARGE: "A vfio migration record is larger than the kernel accepts (4 GiB - 1).",
    BridgeCode.NO_DEVICE_DATA: "A vfio migration stream holds no device-data record.",
    BridgeCode.SIZE_MISMATCH: "A size field (NVMECSS, VSS, queue counts) disagrees with the bytes present.",
    BridgeCode.TRAILING_DATA: "Non-zero bytes follow the end of the state.",
    BridgeCode.BAD_SEQUENCE: "A transfer sequence (first/middle/last/entire) is malformed.",
    BridgeCode.LOSSY_EXPORT: "Export would drop state the standard format cannot carry (use --allow-lossy).",
    BridgeCode.CANNOT_EXPORT: "The state cannot be written in the standard format at all.",
    BridgeCode.NO_MAPPING: "The schema has no annotations for this bridge.",
    BridgeCode.NOT_OFFERED: "The driver accepted a feature the device does not offer (DRV_FEATURES is not a subset of "
                            "DEV_FEATURES).",
    BridgeCode.NOT_NEGOTIATED: "A control-queue part records a command the negotiated features do not allow.",
    BridgeCode.UNKNOWN_VERSION: "A format version the bridge does not know selects the layout (NVMe VER fields).",
    BridgeCode.INVALID_QUEUE_ID: "A queue identifier is 0 or repeated, or an SQ names CQ 0 (NVMe Invalid Queue "
                                 "Identifier).",
    BridgeCode.INVALID_CQ: "An I/O submission queue names no I/O completion queue of the state (NVMe Completion Queue "
                           "Invalid).",
    BridgeCode.INVALID_QUEUE_SIZE: "A queue size is 0's-based 0 (one slot; the minimum is two) (NVMe Invalid Queue "
                                   "Size).",
    BridgeCode.BAD_POINTER: "A queue head or tail pointer does not index a slot of its queue.",
    BridgeCode.QUEUE_ORDER: "Queue entries are not in ascending order of queue identifier.",
}


class BridgeError(DevstateError):
    """Root of the bridge errors: a stable ``code`` (name), its ``number`` and a message."""

    def __init__(self, code: BridgeCode, message: str) -> None:
        self.bridge_code = code
        self.code = code.name
        self.number = int(code)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "message": self.message}


class BridgeDecodeError(BridgeError):
    """The standard input is malformed: ``code``, absolute byte ``offset``, ``part``, ``message``.

    ``str(error)`` is ``CODE at offset N (PART): message``.
    """

    def __init__(self, code: BridgeCode, offset: int, part: str, message: str) -> None:
        self.offset = offset
        self.part = part
        super().__init__(code, message)

    def __str__(self) -> str:
        return f"{self.code} at offset {self.offset} ({self.part}): {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "offset": self.offset, "part": self.part,
                "message": self.message}


class BridgeExportError(BridgeError):
    """A state cannot be exported: ``code``, the state ``path`` at fault, ``message``."""

    def __init__(self, code: BridgeCode, path: str, message: str) -> None:
        self.path = path
        super().__init__(code, message)

    def __str__(self) -> str:
        return f"{self.code} ({self.path}): {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "path": self.path, "message": self.message}


class LossyExportError(BridgeExportError):
    """Exporting would drop state; ``losses`` lists every value that would be lost."""

    def __init__(self, losses: Sequence[Loss], bridge: str) -> None:
        self.losses = tuple(losses)
        first = self.losses[0]
        more = f" and {len(self.losses) - 1} more" if len(self.losses) > 1 else ""
        super().__init__(BridgeCode.LOSSY_EXPORT, first.where,
                         f"{bridge} cannot carry {first.where} = {first.value}{more}; "
                         "--allow-lossy writes the blob anyway and lists what was lost")

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "losses": [loss.to_json() for loss in self.losses]}


class AnnotationError(SchemaError):
    """A schema's bridge annotations are malformed; each diagnostic names file:line:col."""

    code = "ANNOTATION_INVALID"
    number = int(BridgeCode.ANNOTATION_INVALID)

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "number": self.number, "diagnostics": [d.to_json() for d in self.diagnostics]}
