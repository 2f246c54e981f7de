"""``devstate inspect|decode|encode`` and ``validate`` of .dsf files: messages and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.ir import Version
from devstate.wire.header import FIXED_HEADER_SIZE, TRAILER_SIZE, encode_header, seal

VECTORS = ROOT / "spec" / "conformance" / "vectors"
SCHEMAS = ROOT / "spec" / "conformance" / "schemas"
LED = SCHEMAS / "org.example.led" / "1.0.yaml"
TEST_10 = SCHEMAS / "org.devstate.test" / "1.0.yaml"
EXAMPLE = VECTORS / "valid-led-worked-example.dsf"
NET = VECTORS / "valid-org.virtio.net-1.1-vendor.dsf"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_inspect_without_schema() -> None:
    result = run("inspect", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{EXAMPLE}: DSF v1, org.example.led@1.0, 70 bytes, CRC-32C 0xbe7f4aac ok"
    assert "schema not known: no section names" in result.stdout


def test_inspect_prints_a_plain_table() -> None:
    result = run("inspect", NET)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{NET}: DSF v1, org.virtio.net@1.1, 811 bytes, CRC-32C 0xe3ffd0bb ok\n"
        "section names from org.virtio.net@1.1\n"
        "offset            id  name          flags            length\n"
        "    39             1  common        -                    49\n"
        "    96             2  queues        -                     8\n"
        "   112             3  config        -                    24\n"
        "   144             4  ctrl          -                    11\n"
        "   163             5  mac_filter    -                    10\n"
        "   181             6  vlan_filter   -                   512\n"
        "   701             7  announce      -                     5\n"
        "   714            18  ?             OPTIONAL             21\n"
        "   743  pci:0x1af4#1  impl_private  OPTIONAL,VENDOR      26\n"
        "   777  pci:0xfffe#1  ?             OPTIONAL,VENDOR      22\n")


def test_inspect_names_sections_of_standard_schemas() -> None:
    result = run("inspect", NET, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema"] == "org.virtio.net@1.1" and report["checksum"]["ok"] is True
    assert report["sections"][0] == {"offset": 39, "id": 1, "name": "common", "flags": [], "length": 49}
    assert report["sections"][-1] == {"offset": 777, "id": 1, "vendor": "pci:0xfffe", "name": None,
                                      "flags": ["OPTIONAL", "VENDOR"], "length": 22}


def test_inspect_bad_checksum_lists_sections_and_exits_1() -> None:
    result = run("inspect", VECTORS / "invalid-bad-checksum.dsf")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith("CRC-32C 0xbf539803 BAD")
    assert "schema not known: no section names" in result.stdout
    assert result.stderr == (f"devstate: error: {VECTORS / 'invalid-bad-checksum.dsf'}: BAD_CHECKSUM at offset 285 "
                             "($.trailer.crc32c): CRC-32C is 0xbf539803 but the content's is 0xcf7f365c\n")


def test_decode_json_with_schema_path() -> None:
    result = run("decode", EXAMPLE, "--schema", LED, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sections"] == {
        "led": {"lit": True, "color": "green", "brightness": 500}, "label": "hi"}


def test_decode_tree_shows_paths_offsets_and_values() -> None:
    result = run("decode", EXAMPLE, "--schema", LED)
    assert result.exit_code == 0, result.output
    assert "brightness = 500  @50, 2 B" in result.stdout
    assert 'label = "hi"  @60, 6 B' in result.stdout


def test_decode_finds_the_standard_schema_from_the_header() -> None:
    result = run("decode", NET, "--json")
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert state["version"] == "1.1" and state["unknown_sections"][1]["vendor"] == "pci:0xfffe"


def test_decode_invalid_blob_is_one_line_exit_1() -> None:
    blob = VECTORS / "invalid-out-of-range-array-element.dsf"
    result = run("decode", blob, "--schema", TEST_10)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"devstate: error: {blob}: OUT_OF_RANGE at offset 108 ($.sections.main.levels[1]): "
                             "1001 is outside 0..1000\n")


def test_decode_unknown_model_is_usage_error() -> None:
    result = run("decode", EXAMPLE)
    assert result.exit_code == 2
    assert result.stderr == (f"devstate: error: {EXAMPLE}: MODEL_MISMATCH at offset 25 ($.header.model): "
                             "no standard schema for org.example.led@1.0; pass --schema\n")


def test_validate_names_the_code_of_an_unknown_model_or_major(tmp_path: Path) -> None:
    cases = {"org.example.nothing": ("1.0", "MODEL_MISMATCH", 9, 25, "$.header.model"),
             "org.virtio.net": ("9.0", "MAJOR_MISMATCH", 10, 12, "$.header.major")}
    for model, (version, code, number, offset, path) in cases.items():
        blob = tmp_path / f"{model}.dsf"
        total = FIXED_HEADER_SIZE + len(model) + TRAILER_SIZE
        blob.write_bytes(seal(encode_header(model, Version.parse(version), total)))
        result = run("validate", str(blob))
        assert (result.exit_code, result.stdout) == (1, f"{blob}: {code} at offset {offset} ({path}): no standard "
                                                        f"schema for {model}@{version}; pass --schema\n")
        report = json.loads(run("validate", "--json", str(blob)).stdout)
        assert report["states"][0]["error"] == {"code": code, "number": number, "offset": offset, "path": path,
                                                "message": f"no standard schema for {model}@{version}; pass --schema"}


def test_decode_missing_file_and_limits() -> None:
    result = run("decode", "nope.dsf", "--schema", LED)
    assert (result.exit_code, result.stderr) == (2, "devstate: error: IO_NOT_FOUND: cannot read 'nope.dsf': "
                                                    "no such file or directory\n")
    result = run("decode", EXAMPLE, "--schema", LED, "--max-total-size", "64")
    assert result.exit_code == 1
    assert result.stderr == (f"devstate: error: {EXAMPLE}: LIMIT_EXCEEDED at offset 0 ($): the file is 70 bytes, "
                             "over the limit of 64 (--max-total-size)\n")
    result = run("decode", VECTORS / "valid-org.devstate.test-1.0-max.dsf", "--schema", TEST_10,
                 "--max-region-size", "8")
    assert result.exit_code == 1 and "LIMIT_EXCEEDED" in result.stderr and "--max-region-size" in result.stderr


def test_encode_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "led.json"
    decoded = run("decode", EXAMPLE, "--schema", LED, "--json")
    state.write_text(decoded.stdout)
    out = tmp_path / "out.dsf"
    result = run("encode", state, "--schema", LED, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out} (70 bytes, org.example.led@1.0)\n"
    assert out.read_bytes() == EXAMPLE.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_encode_with_model_and_version(tmp_path: Path) -> None:
    source = VECTORS / "valid-org.virtio.net-1.1-max.json"
    out = tmp_path / "net.dsf"
    result = run("encode", source, "--model", "org.virtio.net", "--version", "1.1", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == "devstate: warning: --model and --version are deprecated; use --schema MODEL@VERSION\n"
    assert out.read_bytes() == (VECTORS / "valid-org.virtio.net-1.1-max.dsf").read_bytes()


def test_encode_invalid_state_exit_1_and_no_output(tmp_path: Path) -> None:
    state = json.loads(run("decode", EXAMPLE, "--schema", LED, "--json").stdout)
    state["sections"]["led"]["brightness"] = 1001
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(state))
    out = tmp_path / "out.dsf"
    result = run("encode", path, "--schema", LED, "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (f"devstate: error: {path}: OUT_OF_RANGE ($.sections.led.brightness): "
                             "1001 is outside 0..1000\n")
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_encode_usage_errors(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    state.write_text("{}")
    result = run("encode", state, "-o", state)
    assert (result.exit_code, result.stderr) == (2, f"devstate: error: IO_OUTPUT_IS_INPUT: cannot write '{state}': "
                                                    "it is the input file\n")
    result = run("encode", state, "-o", tmp_path / "o.dsf")
    assert result.exit_code == 2
    assert result.stderr == (f"devstate: error: USAGE: {state}: no model/version in the state; "
                             "pass --schema MODEL@VERSION\n")
    result = run("encode", state, "--model", "org.virtio.net", "--version", "9.9", "-o", tmp_path / "o.dsf")
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("devstate: error: USAGE: model 'org.virtio.net' has no version 9.9 (known: ")
    state.write_text("{nope")
    result = run("encode", state, "--schema", LED, "-o", tmp_path / "o.dsf")
    assert (result.exit_code, result.stderr) == (
        1, f"devstate: error: INVALID_STATE: {state}:1:2: invalid JSON: Expecting property name enclosed in double "
           "quotes\n")


def test_validate_dsf_files() -> None:
    good = VECTORS / "valid-org.virtio.net-1.1-max.dsf"
    bad = VECTORS / "invalid-virtio-net-queue-size-out-of-range.dsf"
    result = run("validate", good)
    assert (result.exit_code, result.stdout) == (0, f"{good}: valid org.virtio.net@1.1 state\n")
    result = run("validate", good, bad)
    assert result.exit_code == 1
    assert f"{bad}: OUT_OF_RANGE at offset 152 ($.sections.queues[1].size): 40000 is outside 0..32768" in result.stdout
    report = json.loads(run("validate", bad, "--json").stdout)
    assert report["valid"] is False and report["states"][0]["error"]["code"] == "OUT_OF_RANGE"


def test_validate_schemas_and_states_together() -> None:
    result = run("validate", ROOT / "schemas" / "org.virtio.net", NET)
    assert result.exit_code == 0, result.output
    assert "4/4 valid" in result.stdout and f"{NET}: valid org.virtio.net@1.1 state" in result.stdout


@pytest.mark.skipif(shutil.which("devstate", path=str(Path(sys.executable).parent)) is None,
                    reason="the devstate script is not installed in this environment")
def test_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    blob = tmp_path / "cut.dsf"
    blob.write_bytes(EXAMPLE.read_bytes()[:20])
    script = Path(sys.executable).parent / "devstate"
    done = subprocess.run([str(script), "decode", str(blob), "--schema", str(LED)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "40"}, check=False)
    assert done.returncode == 1
    assert done.stderr == (f"devstate: error: {blob}: TRUNCATED at offset 16 ($.header.total_length): the input "
                           "ends at byte 20, inside the header field total_length (16..24)\n")



JSON_ARRAY_DOCUMENTS = {  # name: (the document, given how to make its array; the array's length)
    "empty": (lambda items: {"a": 1, "items": items([]), "b": None}, 0),
    "one": (lambda items: {"items": items([{"x": [1, 2], "s": "two\nlines"}])}, 1),
    "a batch": (lambda items: {"items": items([{"n": n, "flags": []} for n in range(256)]), "z": {}}, 256),
    "a batch and one": (lambda items: {"head": {"k": [1]}, "items": items(list(range(257)))}, 257),
    "nested": (lambda items: {"outer": {"inner": items([[n, {"é": "\u2603"}] for n in range(600)]), "after": []}}, 600),
    "odd items": (lambda items: {"items": items([{}, [], "", 0.5, True])}, 5),
}


@pytest.mark.parametrize("name", list(JSON_ARRAY_DOCUMENTS))
def test_a_json_array_is_printed_as_json_dumps_prints_its_items_as_a_list(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """print_json writes a JsonArray 256 items at a time (inspect --json's sections), the text
    exactly that of the list; the items are made as they are printed, once."""
    from devstate.cli.output import JsonArray, print_json

    made: list[object] = []

    def lazily(values: list[object]) -> JsonArray:
        return JsonArray(made.append(value) or value for value in values)  # type: ignore[func-returns-value]

    document, length = JSON_ARRAY_DOCUMENTS[name]
    print_json(document(lazily))
    assert capsys.readouterr().out == json.dumps(document(list), indent=2) + "\n"
    assert len(made) == length
