"""Every conformance vector through the reference codec; the vectors and the spec stay current."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import paths
import pytest

from devstate.interp import decode, encode
from devstate.schema import load_schema, schema_files
from devstate.state import state_to_json
from devstate.wire.errors import DecodeError, ErrorCode
from devstate.wire.header import parse_header
from tools import conformance

ROOT = conformance.CONFORMANCE_DIR
ENTRIES = conformance.load_manifest()
SPEC = paths.SPEC / "wire-format.md"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_vector(entry: dict[str, Any]) -> None:
    schema = conformance.resolve_schema(entry["schema"])
    blob = (ROOT / entry["blob"]).read_bytes()
    limits = conformance.entry_limits(entry)
    if "error" in entry:
        with pytest.raises(DecodeError) as caught:
            decode(schema, blob, limits)
        error = caught.value
        got = {"code": error.code, "number": error.number, "offset": error.offset, "path": error.path}
        assert got == entry["error"]
        return
    state = decode(schema, blob, limits)
    expected = json.loads((ROOT / entry["expected"]).read_text(encoding="utf-8"))
    assert state_to_json(state) == expected
    assert state == conformance.expected_state(entry)
    if parse_header(blob).version == schema.version:
        assert encode(schema, state) == blob


def test_vector_counts_and_coverage() -> None:
    valid = [e for e in ENTRIES if "expected" in e]
    invalid = [e for e in ENTRIES if "error" in e]
    assert len(invalid) >= 30
    per_schema = Counter(e["schema"] for e in valid)
    for file in schema_files():
        if not load_schema(file.path).is_library:
            assert per_schema[file.ident] >= 5, file.ident
    codes = {e["error"]["code"] for e in invalid}
    assert codes == {code.name for code in ErrorCode} - {"INVALID_STATE"}


def test_vectors_are_current() -> None:
    """The committed vectors are exactly what the generator produces (it is deterministic)."""
    files = conformance.render(conformance.generate())
    assert conformance.check(ROOT, files) == [], "run: .venv/bin/python -m tools.conformance"


def test_worked_example_in_the_spec_matches_the_codec() -> None:
    text = SPEC.read_text(encoding="utf-8")
    listing = text.split("<!-- worked-example:begin -->")[1].split("<!-- worked-example:end -->")[0]
    data = bytearray()
    for line in listing.splitlines():
        match = re.match(r"^\s*(\d+)\s+((?:[0-9a-f]{2} )*[0-9a-f]{2})\s{2,}\S", line)
        if match:
            assert int(match.group(1)) == len(data), line
            data += bytes.fromhex(match.group(2))
    schema, state = conformance.led_example()
    assert bytes(data) == encode(schema, state)
    assert (ROOT / "vectors" / "valid-led-worked-example.dsf").read_bytes() == bytes(data)


def test_error_table_in_the_spec_matches_the_codes() -> None:
    text = SPEC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| `([A-Z_0-9]+)` \|", text, flags=re.MULTILINE)
    assert [(int(number), name) for number, name in rows] == [(int(code), code.name) for code in ErrorCode]


def test_invalid_vectors_have_valid_checksums_unless_testing_them() -> None:
    """An edited blob is re-sealed, so the error it is about is the one a reader reaches."""
    for entry in ENTRIES:
        if "error" not in entry or entry["error"]["code"] == "BAD_CHECKSUM":
            continue
        blob = (ROOT / entry["blob"]).read_bytes()
        try:
            parse_header(blob)
        except DecodeError as exc:
            assert exc.code != "BAD_CHECKSUM", entry["name"]
