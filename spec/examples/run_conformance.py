"""Run the DSF conformance vectors against a codec (here devstate's reference codec).

To test another implementation, replace `decode_blob` and `encode_state` with calls
into it; the rest only reads spec/conformance/manifest.json and compares.
"""

import json
import sys
from pathlib import Path

from devstate.interp import decode, encode
from devstate.schema import find_schema_file, load_schema
from devstate.state import state_from_json, state_to_json
from devstate.wire import DecodeError, Limits, parse_header

VECTORS = Path(__file__).resolve().parent.parent / "conformance"


def reader_schema(ref):
    """`MODEL@VERSION` names a standard schema; a .yaml path is relative to the manifest."""
    if ref.endswith(".yaml"):
        return load_schema(VECTORS / ref)
    return load_schema(find_schema_file(ref).path)


def decode_blob(schema, blob, limits):
    """Return (state as JSON, None) or (None, error dict); the codec under test goes here."""
    try:
        return state_to_json(decode(schema, blob, Limits(**limits))), None
    except DecodeError as error:
        return None, {"code": error.code, "number": error.number, "offset": error.offset, "path": error.path}


def encode_state(schema, state_json):
    return encode(schema, state_from_json(state_json, schema))


def run(vector):
    """The failures of one vector (an empty list when it passes)."""
    schema = reader_schema(vector["schema"])
    blob = (VECTORS / vector["blob"]).read_bytes()
    state, error = decode_blob(schema, blob, vector.get("limits", {}))
    if "error" in vector:
        expected = vector["error"]
        if error is None or error["code"] != expected["code"]:
            return [f"expected {expected['code']}, got {error['code'] if error else 'a decoded state'}"]
        if (error["offset"], error["path"]) != (expected["offset"], expected["path"]):
            return [
                f"{expected['code']} reported at {error['offset']} {error['path']}, "
                f"expected {expected['offset']} {expected['path']}"
            ]
        return []
    if error is not None:
        return [f"refused with {error['code']} at offset {error['offset']} ({error['path']})"]
    if state != json.loads((VECTORS / vector["expected"]).read_text()):
        return ["the decoded state differs from the expected JSON"]
    same_version = parse_header(blob).version == schema.version  # not a cross-version vector
    if same_version and encode_state(schema, state) != blob:
        return ["re-encoding the state does not give the same bytes"]
    return []


manifest = json.loads((VECTORS / "manifest.json").read_text())
assert manifest["format"] == "dsf-conformance/1"
failed = 0
for vector in manifest["vectors"]:
    for problem in run(vector):
        failed += 1
        print(f"FAIL {vector['name']}: {problem}")
print(f"{len(manifest['vectors']) - failed} of {len(manifest['vectors'])} vectors passed")
sys.exit(1 if failed else 0)
