"""The reference codec: construct nodes built from the IR (slow, obviously correct).

``encode(schema, state) -> bytes`` (``encode_pieces``: the same blob as a list of buffers)
and ``decode(schema, data, limits=...) -> state``
implement spec/wire-format.md directly; the generated Python and C codecs are tested
against them. See ``devstate.state`` for the state's shape.
"""

from devstate.interp.codec import decode, encode, encode_framed, encode_pieces
from devstate.interp.compile import SchemaCodec, compile_schema
from devstate.interp.nodes import Trace, TraceEntry

__all__ = ["SchemaCodec", "Trace", "TraceEntry", "compile_schema", "decode", "encode", "encode_framed", "encode_pieces"]
