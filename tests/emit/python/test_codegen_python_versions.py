"""Version tolerance of the generated codecs, for every model with more than one minor version.

- A codec of the older minor version decodes a newer blob whose appended fields are zero,
  and refuses one with a non-zero appended field: ``NONZERO_TAIL`` at the first non-zero
  byte of the struct's tail (spec/wire-format.md, "Struct bodies and version tolerance").
- A codec of the newer minor version decodes an older blob, filling the appended fields
  with their defaults.

Every outcome is also the reference codec's.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

import pytest
from codegen_python_support import codecs, rich_state, schemas
from hypothesis import HealthCheck, given, settings

from devstate import interp, ir
from devstate.interp import Trace
from devstate.state import state_to_json
from devstate.wire.checksum import crc32c
from devstate.wire.errors import DecodeError
from tools.strategies import states


def version_pairs() -> list[tuple[str, str]]:
    """(older, newer) idents of the same model and major version, adjacent minors."""
    by_major: dict[tuple[str, int], list[ir.Schema]] = {}
    for schema in schemas().values():
        by_major.setdefault((schema.model, schema.version.major), []).append(schema)
    pairs = []
    for versions in by_major.values():
        ordered = sorted(versions, key=lambda s: s.version)
        pairs += [(a.ident, b.ident) for a, b in itertools.pairwise(ordered)]
    return sorted(pairs)


PAIRS = version_pairs()


def test_every_standard_model_with_minor_versions_is_covered() -> None:
    models = {older.partition("@")[0] for older, _ in PAIRS}
    assert {"org.virtio.net", "org.virtio.blk", "org.nvmexpress.ctrl", "org.devstate.test"} <= models


def outcome(ident: str, blob: bytes) -> tuple[Any, Any]:
    """(generated, reference) results of decoding ``blob`` with the codec of ``ident``."""
    module, schema = codecs()[ident], schemas()[ident]
    try:
        generated: Any = state_to_json(module.to_state(module.decode(blob)))
    except module.DecodeError as exc:
        generated = (exc.code, exc.offset, exc.path)
    try:
        reference: Any = state_to_json(interp.decode(schema, blob))
    except DecodeError as exc:
        reference = (exc.code, exc.offset, exc.path)
    return generated, reference


def appended_fields(older: ir.Schema, newer: ir.Schema) -> dict[str, list[str]]:
    """Struct type → the field names ``newer`` appended to it."""
    appended = {}
    for name, kind in newer.types.items():
        old = older.types.get(name)
        if isinstance(kind, ir.StructType) and isinstance(old, ir.StructType) and len(kind.fields) > len(old.fields):
            appended[name] = [f.name for f in kind.fields[len(old.fields) :]]
    return appended


@pytest.mark.parametrize(("older", "newer"), PAIRS)
def test_older_codec_reads_zero_tails_and_refuses_others(older: str, newer: str) -> None:
    new_schema = schemas()[newer]
    blob = interp.encode(new_schema, rich_state(new_schema))
    generated, reference = outcome(older, blob)
    assert isinstance(generated, dict) and generated == reference
    appended = {field for fields in appended_fields(schemas()[older], new_schema).values() for field in fields}
    trace = Trace()
    interp.decode(new_schema, blob, trace=trace)
    scalars = [e for e in trace.entries if e.path.rsplit(".", 1)[-1] in appended
               and isinstance(e.value, int | bool | str) and e.end - e.offset in (1, 2, 4, 8)]
    assert scalars or not appended, "no appended scalar field in the rich state"  # 1.2 of org.virtio.blk appends none
    for entry in scalars:
        mutated = bytearray(blob)
        mutated[entry.offset] = 1
        mutated[-4:] = struct.pack("<I", crc32c(bytes(mutated[:-4])))
        struct_path = entry.path.rsplit(".", 1)[0]
        generated, reference = outcome(older, bytes(mutated))
        assert generated == reference == ("NONZERO_TAIL", entry.offset, struct_path), entry.path


@pytest.mark.parametrize(("older", "newer"), PAIRS)
def test_newer_codec_fills_defaults(older: str, newer: str) -> None:
    old_schema, new_schema = schemas()[older], schemas()[newer]
    blob = interp.encode(old_schema, rich_state(old_schema))
    generated, reference = outcome(newer, blob)
    assert isinstance(generated, dict) and generated == reference
    module = codecs()[newer]
    typed = module.decode(blob)
    assert module.encode(typed) == interp.encode(new_schema, module.to_state(typed))


@pytest.mark.parametrize(("older", "newer"), PAIRS)
def test_random_states_across_versions(older: str, newer: str) -> None:
    """Random writer states of either version, read by the other: same result as the reference."""

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(states(schemas()[newer], unknown=True), states(schemas()[older], unknown=True))
    def check(new_state: dict[str, Any], old_state: dict[str, Any]) -> None:
        generated, reference = outcome(older, interp.encode(schemas()[newer], new_state))
        assert generated == reference
        generated, reference = outcome(newer, interp.encode(schemas()[older], old_state))
        assert generated == reference

    check()


@pytest.mark.parametrize(("older", "newer"), PAIRS)
def test_bad_values_in_older_blobs_fail_like_the_reference(older: str, newer: str) -> None:
    """Every value of an older blob made invalid (0xff bytes), read by the newer codec's short-body paths."""
    old_schema = schemas()[older]
    blob = interp.encode(old_schema, rich_state(old_schema))
    trace = Trace()
    interp.decode(old_schema, blob, trace=trace)
    leaves = [e for e in trace.entries if isinstance(e.value, int | bool | str) and e.end > e.offset]
    assert leaves
    for entry in leaves:
        mutated = bytearray(blob)
        mutated[entry.offset : entry.end] = b"\xff" * (entry.end - entry.offset)
        mutated[-4:] = struct.pack("<I", crc32c(bytes(mutated[:-4])))
        generated, reference = outcome(newer, bytes(mutated))
        assert generated == reference, entry.path
