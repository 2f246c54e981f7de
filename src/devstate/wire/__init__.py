"""The DSF wire runtime every codec shares: header, framing, checksum, limits, errors.

Nothing here needs a schema: ``inspect_blob`` reads any DSF v1 blob's envelope and
section list. Decoding values is the job of a codec (``devstate.interp`` or generated).
"""

from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError, EncodeError, ErrorCode, WireError
from devstate.wire.header import MAGIC, Header, parse_header
from devstate.wire.inspect import Inspection, inspect_blob
from devstate.wire.limits import DEFAULT_LIMITS, Limits
from devstate.wire.sections import RawSection, iter_sections

__all__ = [
    "DEFAULT_LIMITS",
    "MAGIC",
    "DecodeError",
    "EncodeError",
    "ErrorCode",
    "Header",
    "Inspection",
    "Limits",
    "RawSection",
    "WireError",
    "crc32c",
    "inspect_blob",
    "iter_sections",
    "parse_header",
]
