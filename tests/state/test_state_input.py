"""A vendor's first state: ``template``, ``schema json-schema``, and ``encode`` of a hand-written state.

The done-when of issue 20: from nothing to an encoded, decoded NVMe state in three commands
(template, edit one value, encode). Then what makes editing bearable: absent fields take
their defaults (``--strict`` refuses them), integers as hex strings, every error at once with
valid names, ``//`` comments, ``decode --hex``, and a JSON Schema that accepts every valid
conformance vector's state and refuses broken ones.
"""

from __future__ import annotations

import copy
import functools
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate import ir
from devstate.cli import main
from devstate.fileio import FileTooLargeError, read_regular_chunks
from devstate.interp import decode, encode
from devstate.schema import find_schema_file, load_schema
from devstate.state import default_state, hex_bytes
from devstate.state_input import (
    LONG_HEX,
    HexText,
    StateInputError,
    parse_jsonc,
    parse_jsonc_bytes,
    parse_jsonc_chunks,
    read_state,
)
from devstate.state_schema import state_json_schema
from devstate.state_template import template_text

CONFORMANCE = ROOT / "spec" / "conformance"
HOSTILE_SCHEMA = CONFORMANCE / "schemas" / "org.devstate.hostile" / "1.0.yaml"
NVME = "org.nvmexpress.ctrl@1.1"


def run(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def standard(ident: str) -> ir.Schema:
    return load_schema(find_schema_file(ident).path)


def test_nothing_to_an_encoded_decoded_nvme_state_in_three_commands(tmp_path: Path) -> None:
    state = tmp_path / "nvme.json"
    blob = tmp_path / "nvme.dsf"
    assert run("template", NVME, "-o", state).exit_code == 0
    edited = json.loads(state.read_text())
    edited["sections"]["registers"]["vs"] = "0x20000"
    state.write_text(json.dumps(edited, indent=2))
    result = run("encode", state, "-o", blob)
    assert (result.exit_code, result.stdout) == (0, f"wrote {blob} (546 bytes, {NVME})\n")

    schema = standard(NVME)
    expected = default_state(schema)
    expected["sections"]["registers"]["vs"] = 0x20000
    assert blob.read_bytes() == encode(schema, expected)
    decoded = run("decode", "--json", "--hex", blob)
    assert json.loads(decoded.stdout)["sections"]["registers"]["vs"] == "0x20000"
    assert "vs = 0x20000  @60, 4 B" in run("decode", "--hex", blob).stdout
    assert "vs = 131072  @60, 4 B" in run("decode", blob).stdout


def test_template_with_comments_encodes_to_the_same_blob_and_explains_fields() -> None:
    plain = run("template", NVME)
    commented = run("template", NVME, "--comments")
    assert plain.exit_code == commented.exit_code == 0
    text = commented.stdout
    assert '      // u8, range ..7 — AB - Arbitration Burst: the controller may fetch 2^AB commands' in text
    assert '    // section 3: completion_queue[] max 1024 — The I/O completion queues' in text
    assert json.loads(plain.stdout) == parse_jsonc(text)
    a = run("encode", "-", "-o", "-", stdin=plain.stdout.encode())
    b = run("encode", "-", "-o", "-", stdin=text.encode())
    assert a.exit_code == b.exit_code == 0 and a.stdout_bytes == b.stdout_bytes
    assert a.stdout_bytes == encode(standard(NVME), default_state(standard(NVME)))


def test_template_lists_names_of_enums_and_flags_and_optional_sections() -> None:
    text = run("template", "org.virtio.net@1.1", "--comments", "--optional").stdout
    state = parse_jsonc(text)
    schema = standard("org.virtio.net@1.1")
    assert list(state["sections"]) == [s.name for s in sorted(schema.sections, key=lambda s: s.id)]
    assert "one of " in text or "bits " in text
    assert run("template", "org.virtio.common@1.1").exit_code in (0, 2)


def test_comment_markers_inside_strings_are_kept() -> None:
    assert parse_jsonc('{"a": "x // y", // note\n "b": "\\"//"}') == {"a": "x // y", "b": '"//'}


def test_absent_fields_take_defaults_and_strict_refuses_them(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"model": "org.nvmexpress.ctrl", "version": "1.1",
                                "sections": {"registers": {"cc": "0x460001"}}}))
    out = tmp_path / "s.dsf"
    assert run("encode", path, "-o", out).exit_code == 0
    schema = standard(NVME)
    expected = default_state(schema)
    expected["sections"]["registers"]["cc"] = 0x460001
    assert out.read_bytes() == encode(schema, expected)
    result = run("encode", path, "--strict", "-o", tmp_path / "strict.dsf")
    assert result.exit_code == 1 and not (tmp_path / "strict.dsf").exists()
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}: INVALID_STATE ($.sections.registers.cap): missing field 'cap' of struct ctrl_regs"
    assert f"{path}: MISSING_SECTION ($.sections.admin_queues): required section 'admin_queues' is missing" in lines
    assert lines[-1].startswith(f"devstate: error: INVALID_STATE: {path}: ") and lines[-1].endswith(
        " errors in the state (listed above); nothing was written")
    assert sum(line.startswith("devstate: error:") for line in lines) == 1


def test_every_error_at_once_with_valid_names(tmp_path: Path) -> None:
    state: dict[str, Any] = {"model": "org.example.led", "version": "1.0",
                             "sections": {"led": {"lit": 1, "color": "purple", "brightness": "0x3e9", "x": 0},
                                          "nope": {}}}
    path = tmp_path / "led.json"
    path.write_text(json.dumps(state))
    led = CONFORMANCE / "schemas" / "org.example.led" / "1.0.yaml"
    result = run("encode", path, "--schema", led, "-o", tmp_path / "o.dsf")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: INVALID_STATE ($.sections.nope): org.example.led@1.0 has no section 'nope'; its sections: led, label",
        f"{path}: INVALID_STATE ($.sections.led.x): struct led has no field 'x'; its fields: lit, color, brightness",
        f"{path}: INVALID_STATE ($.sections.led.lit): expected true or false, got an integer",
        f"{path}: BAD_ENUM ($.sections.led.color): 'purple' is not a member of enum color; valid: red, green, blue",
        f"{path}: OUT_OF_RANGE ($.sections.led.brightness): 0x3e9 is outside 0..1000",
        f"devstate: error: INVALID_STATE: {path}: 5 errors in the state (listed above); nothing was written",
    ]
    as_json = run("encode", path, "--schema", led, "--json", "-o", tmp_path / "o.dsf")
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and report["encoded"] is False
    assert [e["code"] for e in report["errors"]] == ["INVALID_STATE"] * 3 + ["BAD_ENUM", "OUT_OF_RANGE"]


def test_flags_by_name_or_mask_and_bad_bits_list_the_valid_ones() -> None:
    schema = standard("org.virtio.net@1.1")
    assert read_state({"sections": {"config": {"status": "0x3"}}}, schema)["sections"]["config"][
        "status"] == ["link_up", "announce"]
    with pytest.raises(StateInputError) as caught:
        read_state({"sections": {"config": {"status": ["link_up", "up"], "duplex": "halve"}}}, schema)
    assert [str(e) for e in caught.value.errors] == [
        'BAD_FLAGS ($.sections.config.status): "up" is not a bit of net_status; valid: link_up, announce',
        "BAD_ENUM ($.sections.config.duplex): 'halve' is not a member of enum duplex; valid: half, full, unknown",
    ]
    with pytest.raises(StateInputError) as caught:
        read_state({"sections": {"config": {"status": 4}}}, schema)
    assert [str(e) for e in caught.value.errors] == [
        "BAD_FLAGS ($.sections.config.status): 4 sets bits net_status does not declare; "
        "its bits: link_up (0x1), announce (0x2)"]


def test_decode_hex_json_encodes_back_to_the_same_blob() -> None:
    blob = CONFORMANCE / "vectors" / "valid-org.nvmexpress.ctrl-1.1-max.dsf"
    decoded = run("decode", "--json", "--hex", blob)
    assert decoded.exit_code == 0
    again = run("encode", "-", "-o", "-", stdin=decoded.stdout.encode())
    assert again.exit_code == 0, again.stderr
    assert again.stdout_bytes == blob.read_bytes()


def _valid_vectors() -> list[dict[str, Any]]:
    manifest = json.loads((CONFORMANCE / "manifest.json").read_text())
    return [v for v in manifest["vectors"] if "expected" in v]


@functools.cache
def _strict_validator(ref: str) -> jsonschema.Draft202012Validator:
    schema = load_schema(CONFORMANCE / ref) if ref.endswith(".yaml") else standard(ref)
    return jsonschema.Draft202012Validator(state_json_schema(schema, strict=True))


def test_there_are_valid_vectors_to_check() -> None:
    assert len(_valid_vectors()) >= 90


@pytest.mark.parametrize("vector", _valid_vectors(), ids=lambda v: v["name"])
def test_json_schema_accepts_every_valid_conformance_vector_state(vector: dict[str, Any]) -> None:
    """Strict (every field required) implies the default schema accepts them too: it only drops ``required``."""
    state = json.loads((CONFORMANCE / vector["expected"]).read_text())
    errors = [e.message for e in _strict_validator(vector["schema"]).iter_errors(state)]
    assert errors == []


BREAKS = {
    "out of range": (["sections", "features", "arbitration", "ab"], 8),
    "bad hex": (["sections", "registers", "cc"], "0xzz"),
    "unknown field": (["sections", "registers", "cx"], 0),
    "unknown section": (["sections", "nope"], {}),
    "wrong type": (["sections", "admin_queues", "cq_phase"], 1),
    "wrong model": (["model"], "org.virtio.net"),
}


@pytest.mark.parametrize("kind", list(BREAKS))
def test_json_schema_refuses_what_encode_refuses(kind: str) -> None:
    schema = standard(NVME)
    state = json.loads(run("template", NVME).stdout)
    path, value = BREAKS[kind]
    broken = copy.deepcopy(state)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    validator = jsonschema.Draft202012Validator(state_json_schema(schema))
    assert validator.is_valid(state)
    assert not validator.is_valid(broken)
    with pytest.raises(StateInputError):
        read_state(broken, schema)


def test_json_schema_strict_requires_every_field() -> None:
    schema = standard(NVME)
    state = {"model": "org.nvmexpress.ctrl", "version": "1.1", "sections": {"registers": {"cc": 1}}}
    assert jsonschema.Draft202012Validator(state_json_schema(schema)).is_valid(state)
    assert not jsonschema.Draft202012Validator(state_json_schema(schema, strict=True)).is_valid(state)


def test_json_schema_cli_prints_the_document(tmp_path: Path) -> None:
    result = run("schema", "json-schema", NVME)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["properties"]["version"] == {"const": "1.1"}
    out = tmp_path / "nvme.schema.json"
    assert run("schema", "json-schema", NVME, "--strict", "-o", out).exit_code == 0
    assert json.loads(out.read_text()) == state_json_schema(standard(NVME), strict=True)


def test_decoded_default_state_round_trips_through_read_state() -> None:
    schema = standard(NVME)
    blob = encode(schema, default_state(schema))
    assert encode(schema, read_state(json.loads(json.dumps(decode(schema, blob), default=bytes.hex)), schema,
                                     strict=True)) == blob


def test_the_nvme_page_shows_the_errors_encode_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("nvme0.jsonc").write_text(json.dumps({"model": "org.nvmexpress.ctrl", "version": "1.1", "sections": {
        "registers": {"cc": "0xq"}, "features": {"arbitration": {"ab": 9}}}}))
    result = run("encode", "nvme0.jsonc", "-o", "nvme0.dsf")
    assert result.exit_code == 1 and not Path("nvme0.dsf").exists()
    page = (ROOT / "spec" / "getting-started-nvme.md").read_text()
    shown = "\n".join("    " + line for line in result.stderr.splitlines())
    assert shown in page


def test_a_state_may_name_its_json_schema_for_editors() -> None:
    schema = standard(NVME)
    state = {"$schema": "nvme.schema.json", "model": "org.nvmexpress.ctrl", "version": "1.1", "sections": {}}
    assert encode(schema, read_state(state, schema)) == encode(schema, default_state(schema))
    assert jsonschema.Draft202012Validator(state_json_schema(schema)).is_valid(state)


def test_long_hex_strings_are_converted_from_the_file_bytes() -> None:
    region = bytes(range(256)) * 16  # 4096 bytes: 8192 hex digits, over LONG_HEX
    text = json.dumps({"a": region.hex(), "b": [region.hex()], "c": "x\\\"" + region.hex(), "d": "ab"})
    data = parse_jsonc_bytes(text.encode())
    assert isinstance(data["a"], HexText) and data["a"].data == region
    assert isinstance(data["b"][0], HexText) and data["b"][0].data == region
    assert data["c"] == "x\\\"" + region.hex() and not isinstance(data["c"], HexText)  # after an escaped quote
    assert data["d"] == "ab" and not isinstance(data["d"], HexText)
    assert hex_bytes(data["a"]) is data["a"].data


def test_a_json_error_near_a_long_hex_string_is_at_its_place_in_the_file() -> None:
    text = '{"a": "' + "ab" * LONG_HEX + '",\n "b": }'
    with pytest.raises(json.JSONDecodeError) as error:
        parse_jsonc_bytes(text.encode())
    assert (error.value.lineno, error.value.colno) == (2, 7)


REGION = bytes(range(256)) * 16  # 4096 bytes, 8192 hex digits: over LONG_HEX
HEX = REGION.hex()
def _filled(template: str, *values: str) -> str:
    """``template`` with each ``@`` the next of ``values``."""
    parts = template.split("@")
    return parts[0] + "".join(value + part for value, part in zip(values, parts[1:], strict=True))


CHUNKED = {
    "one region": _filled('{"a": "@"}', HEX),
    "regions, short strings, comments": _filled('// say "@"\n{"a": "ab", "b": ["@", "@"], // "@"\n "c": "@"}',
                                                HEX, HEX * 3, HEX.upper(), HEX, HEX[:100]),
    "after UTF-8 text": _filled('{"é": "@", "b": "é@"}', HEX, HEX),
    "odd": _filled('{"a": "@", "b": "@"}', HEX[:-1], HEX),
    "after an escaped quote": _filled('{"a": "x\\"@\\"", "b": "@"}', HEX, HEX),
    "after an escaped backslash": _filled('["\\\\"@"]', HEX),  # a quote after two backslashes is not escaped
    "not a hex string": _filled('{"a": "@g", "b": "@"}', HEX, HEX),
    "invalid JSON after": _filled('{"a": "@",\n "b": }', HEX),
    "invalid JSON before": _filled('{"a": ,\n "b": "@"}', HEX),
    "unterminated": _filled('{"a": "@', HEX),
    "digits after the string": _filled('{"a": "@"0}', HEX),
}
"""State files with long hex strings, some of them where ``parse_jsonc_chunks`` needs the whole file."""
STREAMED = ["one region", "regions, short strings, comments", "after UTF-8 text"]
CHUNK_SIZES = [1, 2, 7, 64, LONG_HEX - 1, LONG_HEX + 1, 2 * LONG_HEX + 1, 65536, 1 << 20]


def _chunks(raw: bytes, size: int) -> list[bytes]:
    return [raw[at : at + size] for at in range(0, len(raw), size)]


def _outcome(parse: Any) -> Any:
    """The value (each ``HexText`` as its bytes) or the error, to compare two readings."""
    def plain(value: Any) -> Any:
        if isinstance(value, HexText):
            return ("HexText", value.data)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return [plain(item) for item in value] if isinstance(value, list) else value

    try:
        return plain(parse())
    except json.JSONDecodeError as exc:
        return ("JSONDecodeError", exc.msg, exc.lineno, exc.colno, exc.pos)
    except UnicodeDecodeError as exc:
        return ("UnicodeDecodeError", exc.reason, exc.start)


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("name", list(CHUNKED))
def test_a_state_file_read_in_chunks_is_read_as_the_whole_file(name: str, size: int) -> None:
    raw = CHUNKED[name].encode()
    whole = _outcome(lambda: parse_jsonc_bytes(raw))
    assert _outcome(lambda: parse_jsonc_chunks(_chunks(raw, size), lambda: raw)) == whole


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_long_hex_strings_are_converted_chunk_by_chunk_without_the_whole_file(size: int) -> None:
    def whole() -> bytes:
        raise AssertionError("the whole file was asked for")

    data = parse_jsonc_chunks(_chunks(CHUNKED["regions, short strings, comments"].encode(), size), whole)
    assert [isinstance(v, HexText) for v in (data["a"], *data["b"], data["c"])] == [False, True, True, False]
    assert (data["a"], data["b"][0].data, data["b"][1].data, data["c"]) == ("ab", REGION * 3, REGION, HEX[:100])
    data = parse_jsonc_chunks(_chunks(CHUNKED["after UTF-8 text"].encode(), size), whole)
    assert data["é"].data == REGION and data["b"] == "é" + HEX


def test_only_what_the_chunks_do_not_settle_is_read_again_whole() -> None:
    asked: list[str] = []

    def reading(name: str, size: int) -> Any:
        raw = CHUNKED[name].encode()
        return parse_jsonc_chunks(_chunks(raw, size), lambda: asked.append(name) or raw)  # type: ignore[func-returns-value]

    assert reading("odd", 1 << 20)["a"] == HEX[:-1]  # within one chunk: settled there
    assert reading("after an escaped quote", 1 << 20)["a"] == f'x"{HEX}"'
    assert asked == []
    assert reading("odd", 4096)["a"] == HEX[:-1]  # an odd run across chunks
    assert reading("after an escaped quote", 4096)["a"] == f'x"{HEX}"'  # across chunks
    with pytest.raises(json.JSONDecodeError) as error:
        reading("invalid JSON after", 1 << 20)
    assert (error.value.lineno, error.value.colno, error.value.msg) == (2, 7, "Expecting value")
    assert asked == ["odd", "after an escaped quote", "invalid JSON after"]


def test_a_state_file_is_read_in_chunks_within_its_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(bytes(range(256)) * 5)
    assert list(read_regular_chunks(path, 1280, 512)) == [bytes(range(256)) * 2] * 2 + [bytes(range(256))]
    with pytest.raises(FileTooLargeError) as error:
        next(read_regular_chunks(path, 1279, 512))
    assert (error.value.size, error.value.limit) == (1280, 1279)


def test_errors_after_a_region_read_in_chunks_are_at_their_place_in_the_file(tmp_path: Path) -> None:
    """A 1 MiB region is 2 MiB of hex, 8 chunks: the error after it is where it is in the file."""
    region = (bytes(range(256)) * 4096).hex()
    path = tmp_path / "state.json"
    head = '{"model": "org.devstate.hostile", "version": "1.0", "sections": {"region": {"base": 0, "data": "'
    args = ["encode", path, "--schema", HOSTILE_SCHEMA, "-o", tmp_path / "out.dsf"]
    path.write_text(head + region + '"}, "log": }}')
    result = run(*args)
    assert (result.exit_code, result.stderr) == (
        1, f"devstate: error: INVALID_STATE: {path}:1:{len(head) + len(region) + 12}: invalid JSON: Expecting value\n")
    path.write_bytes((head + region + '"}, "log": {"text": "').encode() + b"\xff\"}}}")
    result = run(*args)
    assert (result.exit_code, result.stderr) == (
        2, f"devstate: error: IO_NOT_UTF8: cannot read '{path}': not UTF-8: invalid start byte at byte "
           f"{len(head) + len(region) + 21}\n")
    path.write_text(head + region + '"}, "log": {"text": "hi"}}}')
    assert run(*args).exit_code == 0
    assert decode(load_schema(HOSTILE_SCHEMA), (tmp_path / "out.dsf").read_bytes())["sections"]["region"]["data"] \
        == bytes(range(256)) * 4096


STDIN_CASES = {
    "invalid JSON after the region": ('"}, "log": }}', 1),
    "not UTF-8 after the region": ('"}, "log": {"text": "\udcff"}}}', 2),
    "an odd hex run across chunks": ('0"}, "log": {"text": "' + "x" * 600_000 + '"}}}', 1),  # 3 chunks after it
    "valid": ('"}, "log": {"text": "hi"}}}', 0),
}


@pytest.mark.parametrize("case", list(STDIN_CASES))
def test_a_state_on_standard_input_is_read_in_chunks_as_the_same_file_is(tmp_path: Path, case: str) -> None:
    """encode - reads standard input in chunks (a 1 MiB region is 2 MiB of hex, 8 chunks); what
    the chunks do not settle (an error after the region, an odd run) is parsed again from the
    spool, a temporary file past 1 MiB: the outcome is the file's, its place in the input too."""
    tail, status = STDIN_CASES[case]
    region = (bytes(range(256)) * 4096).hex()
    head = '{"model": "org.devstate.hostile", "version": "1.0", "sections": {"region": {"base": 0, "data": "'
    raw = (head + region + tail).encode("utf-8", "surrogateescape")
    path = tmp_path / "state.json"
    path.write_bytes(raw)
    from_file = run("encode", path, "--schema", HOSTILE_SCHEMA, "-o", tmp_path / "file.dsf")
    from_stdin = run("encode", "-", "--schema", HOSTILE_SCHEMA, "-o", tmp_path / "stdin.dsf", stdin=raw)
    assert (from_stdin.exit_code, from_file.exit_code) == (status, status)
    assert from_stdin.stderr == from_file.stderr.replace(f"'{path}'", "'-'").replace(str(path), "-")
    if status == 0:
        assert (tmp_path / "stdin.dsf").read_bytes() == (tmp_path / "file.dsf").read_bytes()
    else:
        assert not (tmp_path / "stdin.dsf").exists() and from_stdin.stderr.count("devstate: error:") == 1


def test_a_state_on_standard_input_over_the_limit_is_refused_reading_no_further(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from devstate.cli import wire_cmd

    monkeypatch.setattr(wire_cmd, "MAX_STATE_FILE_SIZE", 1000)
    result = run("encode", "-", "--schema", HOSTILE_SCHEMA, "-o", "-", stdin=b" " * 5000 + b"{}")
    assert (result.exit_code, result.stderr) == (
        2, "devstate: error: IO_READ_ERROR: cannot read '-': the file is 1001 bytes, over the limit of 1000\n")


def test_a_region_from_a_state_file_encodes_within_1_25_times_its_size(tmp_path: Path) -> None:
    """devstate encode: the file is read in 256 KiB chunks, the region converted as they come
    (its bytes, 1x, and up to an eighth more while they grow), and the blob is written from
    its pieces, the region among them: the file is never held whole, the blob never joined."""
    region = bytes(range(256)) * (16 * 1024)  # 4 MiB
    state = {"model": "org.devstate.hostile", "version": "1.0",
             "sections": {"region": {"base": 0, "data": region.hex()}, "log": {"text": ""}}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    args = ["encode", str(path), "--schema", str(HOSTILE_SCHEMA), "-o", str(tmp_path / "out.dsf")]
    assert CliRunner().invoke(main, args).exit_code == 0  # warm: imports and the schema, outside the measurement
    tracemalloc.start()
    try:
        result = CliRunner().invoke(main, args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert peak <= 1.25 * len(region) + 512 * 1024, peak / len(region)
    assert decode(load_schema(HOSTILE_SCHEMA), (tmp_path / "out.dsf").read_bytes())["sections"]["region"]["data"] \
        == region


def test_commented_template_nests_structs_and_arrays_of_structs_and_wraps_long_lists(
        write_schema: Callable[..., Path]) -> None:
    schema = load_schema(write_schema("""
        devstate: 1
        model: org.example.dev
        version: "1.1"
        title: Template shapes
        types:
          pair:
            kind: struct
            fields:
              - {name: enabled, type: bool}
              - {name: id, type: u8, min: 1}
        sections:
          - {id: 1, name: pairs, type: "pair[2]", doc: Two pairs.}
          - {id: 2, name: table, type: "u8[40]"}
          - {id: 3, name: none, type: {kind: array, of: pair, max: 4}}
        vendor_sections:
          - {id: 1, name: blob, vendor: {pci: 0x1af4}, opaque: true, max: 16, optional: true}
        """))
    assert template_text(schema, comments=True, optional=True) == "\n".join([
        "{",
        "  // org.example.dev@1.1: Template shapes. Absent fields take their defaults when encoded.",
        '  "model": "org.example.dev",',
        '  "version": "1.1",',
        '  "sections": {',
        "    // section 1: pair[2] — Two pairs.",
        '    "pairs": [',
        "      {",
        "        // bool",
        '        "enabled": false,',
        "        // u8, range 1..",
        '        "id": 1',
        "      },",
        "      {",
        "        // bool",
        '        "enabled": false,',
        "        // u8, range 1..",
        '        "id": 1',
        "      }",
        "    ],",
        "    // section 2: u8[40]",
        '    "table": [',
        "      " + ", ".join(["0"] * 16) + ",",
        "      " + ", ".join(["0"] * 16) + ",",
        "      " + ", ".join(["0"] * 8),
        "    ],",
        "    // section 3: pair[] max 4",
        '    "none": []',
        "  },",
        '  "vendor_sections": {',
        "    // optional vendor section pci:0x1af4 #1: opaque bytes as hex",
        '    "blob": ""',
        "  },",
        '  "unknown_sections": []',
        "}",
        "",
    ])
