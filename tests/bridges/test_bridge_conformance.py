"""The bridges' conformance vectors (spec/conformance/bridges), written from the standards' text.

Every valid vector: ``parts decode`` / ``nvme-state decode`` give the expected decoding; ``import``
reports exactly the expected losses; import → DSF → export gives the input back byte for byte
(none of the lossless ones differ, every lossy one does). Every invalid vector: refused with its
code and byte offset, by the Python API and by the CLI, and nothing is written.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.bridges import BridgeCode, BridgeDecodeError
from devstate.bridges.nvme import describe_state, export_state, import_state, join_transfers, read_state
from devstate.bridges.nvme.tables import LAYOUTS
from devstate.bridges.virtio import describe_part, export_parts, import_parts, list_parts
from devstate.cli import main
from devstate.interp import decode, encode
from devstate.schema import load_schema

HERE = ROOT / "spec" / "conformance" / "bridges"
MANIFEST = json.loads((HERE / "manifest.json").read_text())
VECTORS = {v["name"]: v for v in MANIFEST["vectors"]}
VALID = sorted(name for name, v in VECTORS.items() if v["valid"])
INVALID = sorted(name for name, v in VECTORS.items() if not v["valid"])


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _schema(ident: str) -> Any:
    model, version = ident.split("@")
    return load_schema(ROOT / "schemas" / model / f"{version}.yaml")


def _data(vector: dict[str, Any]) -> bytes:
    pieces = [(HERE / name).read_bytes() for name in vector["files"]]
    return pieces[0] if len(pieces) == 1 else join_transfers(pieces)


def _import(vector: dict[str, Any], data: bytes, schema: Any) -> Any:
    options = vector["import"]
    if vector["bridge"] == "virtio-parts":
        return import_parts(schema, data, framing=options["framing"])
    return import_state(schema, data, layout=options["layout"], vendor_uuid=options.get("vendor_uuid"))


def _export(vector: dict[str, Any], state: Any, schema: Any) -> bytes:
    options = vector["export"]
    if vector["bridge"] == "virtio-parts":
        return export_parts(schema, state, framing=options.get("framing", "raw"), allow_lossy=True).data
    return export_state(schema, state, layout=options["layout"], vendor_uuid=options.get("vendor_uuid"),
                        allow_lossy=True).data


def _decoded(vector: dict[str, Any], data: bytes) -> dict[str, Any]:
    if vector["bridge"] == "virtio-parts":
        parts, framing, notes = list_parts(data, vector["import"]["framing"])
        return json.loads(json.dumps({"framing": framing, "parts": [describe_part(p) for p in parts],
                                      "notes": notes}))
    return json.loads(json.dumps(describe_state(read_state(data, LAYOUTS[vector["import"]["layout"]]))))


# --- the vectors themselves ---------------------------------------------------------------------------------


def test_the_committed_vectors_are_what_the_generator_writes() -> None:
    result = subprocess.run([sys.executable, "-m", "tools.bridge_vectors", "--check"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generator_does_not_use_devstate() -> None:
    for path in (ROOT / "tools" / "bridge_vectors").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(alias.name.split(".")[0] == "devstate" for alias in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] in ("tools", "__future__", "argparse", "json", "sys",
                                                             "pathlib", "struct", "dataclasses", "typing"), path


def test_the_suite_is_as_large_as_the_issue_asks() -> None:
    counts = MANIFEST["counts"]
    assert counts == {"virtio-parts": {"valid": 18, "invalid": 27}, "nvme-controller-state": {"valid": 13,
                                                                                              "invalid": 21}}
    for vector in MANIFEST["vectors"]:
        assert vector["rests_on"] and all(q["quote"] and q["source"] and q["where"] for q in vector["rests_on"])
        assert vector["rule"] in ("MUST", "MUST NOT", "shall", "should", "reserved", "descriptive", "reading", "")
    musts = [v for v in MANIFEST["vectors"] if v["bridge"] == "virtio-parts" and not v["valid"]
             and v["rule"] in ("MUST", "MUST NOT")]
    assert len(musts) >= 10


def test_error_numbers_are_the_published_ones() -> None:
    for vector in MANIFEST["vectors"]:
        if not vector["valid"]:
            assert BridgeCode[vector["error"]["code"]] == vector["error"]["number"]


def test_the_virtio_vectors_cover_what_the_issue_lists() -> None:
    seen: set[str] = set()
    words: set[int] = set()
    queues: set[int] = set()
    for name in VALID:
        vector = VECTORS[name]
        if vector["bridge"] != "virtio-parts":
            continue
        parts = json.loads((HERE / vector["decoded"]).read_text())["parts"]
        for part in parts:
            selector = part["selector"] or {}
            seen.add(part["name"] + ("" if "class" not in selector else f" {selector['class']}/{selector['command']}"))
            if part["name"] == "DRV_FEATURES":
                words.add(len(part["value"]["feature_bits"]))
        queues.add(sum(p["name"] == "VQ_CFG" for p in parts))
    common = {"DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG", "DEVICE_STATUS", "VQ_CFG", "VQ_NOTIFY_CFG"}
    selectors = {f"CVQ_CFG {c}" for c in ("RX/PROMISC", "RX/ALLMULTI", "RX/ALLUNI", "RX/NOMULTI", "RX/NOUNI",
                                          "RX/NOBCAST", "MAC/TABLE_SET", "MAC/ADDR_SET", "VLAN/ADD", "ANNOUNCE/ACK",
                                          "MQ/VQ_PAIRS_SET", "MQ/RSS_CONFIG", "MQ/HASH_CONFIG")}
    assert common | selectors <= seen
    assert words == {1, 2, 3} and min(queues) == 1 and max(queues) == 65
    assert any(str(class_) == "5" for class_ in (p.split(" ")[1].split("/")[0] for p in seen if p.startswith("CVQ")
                                                  and p.split(" ")[1][0].isdigit()))


# --- valid vectors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID)
def test_valid_vector_decodes_as_expected(name: str) -> None:
    vector = VECTORS[name]
    assert _decoded(vector, _data(vector)) == json.loads((HERE / vector["decoded"]).read_text())


@pytest.mark.parametrize("name", VALID)
def test_valid_vector_imports_and_exports_byte_exact(name: str) -> None:
    vector = VECTORS[name]
    schema = _schema(vector["schema"])
    data = _data(vector)
    imported = _import(vector, data, schema)
    assert [loss.where for loss in imported.report.losses] == vector["losses"]
    state = decode(schema, encode(schema, imported.state))
    exported = _export(vector, state, schema)
    if vector["exported"] == "same":
        assert exported == data
    elif vector["exported"] == "state":
        padding = json.loads((HERE / vector["decoded"]).read_text())["padding"]
        assert padding and exported == data[: len(data) - padding]
    else:
        assert vector["losses"] and exported != data


def _cli_args(vector: dict[str, Any], direction: str) -> list[str]:
    options = vector["import"] if direction == "import" else vector["export"]
    args = []
    for key, value in options.items():
        if direction == "export" and key == "framing" and value == "raw":
            continue
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


@pytest.mark.parametrize("name", VALID)
def test_valid_vector_through_the_cli(name: str, tmp_path: Path) -> None:
    vector = VECTORS[name]
    bridge = vector["bridge"]
    files = [HERE / f for f in vector["files"]]
    verb = ["parts", "decode"] if bridge == "virtio-parts" else ["nvme-state", "decode"]
    listed = run(*verb, *files, "--json", *(["--framing", vector["import"]["framing"]] if bridge == "virtio-parts"
                                            else ["--layout", vector["import"]["layout"]]))
    assert listed.exit_code == 0, listed.output
    described = json.loads(listed.stdout)
    described.pop("file")
    assert described == json.loads((HERE / vector["decoded"]).read_text())
    dsf = tmp_path / "state.dsf"
    result = run("import", "--from", bridge, *files, "--model", vector["schema"], "-o", dsf, *_cli_args(vector,
                                                                                                       "import"))
    assert result.exit_code == 0, result.output
    assert f": {len(vector['losses'])} values lost" in result.stdout
    out = tmp_path / "out.bin"
    result = run("export", "--to", bridge, dsf, "-o", out, "--allow-lossy", *_cli_args(vector, "export"))
    assert result.exit_code == 0, result.output
    if vector["exported"] == "same":
        assert out.read_bytes() == _data(vector)
        assert ": 0 values lost" in result.stdout


# --- invalid vectors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", INVALID)
def test_invalid_vector_is_refused_at_its_offset(name: str) -> None:
    vector = VECTORS[name]
    expected = vector["error"]
    with pytest.raises(BridgeDecodeError) as caught:
        data = _data(vector)
        if vector["bridge"] == "virtio-parts":
            import_parts(_schema("org.virtio.net@3.0"), data, framing=vector["import"]["framing"])
        else:
            import_state(_schema("org.nvmexpress.ctrl@1.1"), data, layout=vector["import"]["layout"],
                         vendor_uuid="5e4c8f7a-2d1b-4c3e-9f8a-7b6c5d4e3f21")
    error = caught.value
    assert (error.code, error.number, error.offset) == (expected["code"], expected["number"], expected["offset"])


@pytest.mark.parametrize("name", INVALID)
def test_invalid_vector_through_the_cli_writes_nothing(name: str, tmp_path: Path) -> None:
    vector = VECTORS[name]
    expected = vector["error"]
    model = "org.virtio.net@3.0" if vector["bridge"] == "virtio-parts" else "org.nvmexpress.ctrl@1.1"
    out = tmp_path / "out.dsf"
    result = run("import", "--from", vector["bridge"], *[HERE / f for f in vector["files"]], "--model", model,
                 "-o", out, *_cli_args(vector, "import"), "--json")
    assert result.exit_code == 1, result.output
    assert f"{expected['code']} at offset {expected['offset']}" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
