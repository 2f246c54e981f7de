"""``devstate import|export|parts decode|nvme-state decode``: output, files, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import paths
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.interp import decode, encode
from devstate.schema import load_schema

DATA = paths.DATA / "bridges"
PARTS = DATA / "virtio-net-parts.bin"
VFIO = DATA / "virtio-net-parts.vfio"
NVME = DATA / "nvme-ctrl-state.bin"
UUID = "2f4c6a8e-1b3d-4e5f-9a7b-c8d9e0f1a2b3"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("devstate: error: ")
    return lines[0]


def test_parts_decode_lists_every_part() -> None:
    result = run("parts", "decode", VFIO)
    assert result.exit_code == 0, result.output
    assert f"{VFIO}: 31 device parts (vfio)" in result.stdout
    for text in ("DEV_FEATURES", "OPTIONAL", "vq_index=4", "class=ANNOUNCE command=ACK", "RSS_CONFIG",
                 "field=num_queues"):
        assert text in result.stdout


def test_parts_decode_json() -> None:
    result = run("parts", "decode", PARTS, "--json")
    described = json.loads(result.stdout)
    assert described["framing"] == "raw" and len(described["parts"]) == 31
    assert described["parts"][-1]["selector"] == {"class": "MQ", "command": "RSS_CONFIG"}


def test_nvme_state_decode() -> None:
    result = run("nvme-state", "decode", NVME)
    assert result.exit_code == 0, result.output
    assert "VER 0, CSATTR 0x01 (suspended)" in result.stdout
    assert "NIOSQ 4, NIOCQ 4" in result.stdout and "IOCQ entries" in result.stdout
    assert "vendor-specific state: 32 bytes at offset 248: 564e4452" in result.stdout
    described = json.loads(run("nvme-state", "decode", NVME, "--json").stdout)
    assert described["nvme_state"]["IOSQ"][1]["IOSQA_bits"] == {"PC": 1, "QPRIO": 1}


def test_import_export_round_trip_is_byte_exact(tmp_path: Path) -> None:
    dsf, back = tmp_path / "net.dsf", tmp_path / "net.vfio"
    result = run("import", "--from", "virtio-parts", VFIO, "--model", "org.virtio.net@1.1", "-o", dsf)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {dsf} (")
    assert "in org.virtio.net@1.1 but not in virtio-parts (set to defaults):" in result.stdout
    assert "queues[]: last_avail_idx, used_idx" in result.stdout
    assert decode(load_schema(ROOT / "schemas" / "org.virtio.net" / "1.1.yaml"), dsf.read_bytes())
    result = run("export", "--to", "virtio-parts", dsf, "-o", back, "--framing", "vfio")
    assert result.exit_code == 0, result.output
    assert back.read_bytes() == VFIO.read_bytes()


def test_nvme_round_trip_and_transfers(tmp_path: Path) -> None:
    dsf, out = tmp_path / "ctrl.dsf", tmp_path / "ctrl.bin"
    result = run("import", "--from", "nvme-controller-state", NVME, "--model", "org.nvmexpress.ctrl@1.1",
                 "--vendor-uuid", UUID, "-o", dsf, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["lossless"] is True and report["schema"] == "org.nvmexpress.ctrl@1.1"
    result = run("export", "--to", "nvme-controller-state", dsf, "-o", out, "--transfer-size", "128")
    assert result.exit_code == 0, result.output
    pieces = sorted(tmp_path.glob("ctrl.bin.*"))
    assert [p.name for p in pieces] == ["ctrl.bin.000", "ctrl.bin.001", "ctrl.bin.002"]
    assert "first transfer, offset 0, 128 bytes (CDW10 0x00010002, NUMD 32)" in result.stdout
    assert b"".join(p.read_bytes() for p in pieces) == NVME.read_bytes()
    again = tmp_path / "again.dsf"
    result = run("import", "--from", "nvme-controller-state", *pieces, "--model", "org.nvmexpress.ctrl@1.1",
                 "--vendor-uuid", UUID, "-o", again)
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == dsf.read_bytes()


def test_lossy_export_fails_and_lists_every_loss(tmp_path: Path) -> None:
    schema = load_schema(ROOT / "schemas" / "org.virtio.net" / "1.1.yaml")
    dsf = tmp_path / "net.dsf"
    run("import", "--from", "virtio-parts", PARTS, "--model", "org.virtio.net@1.1", "-o", dsf)
    state = decode(schema, dsf.read_bytes())
    state["sections"]["queues"][0]["used_idx"] = 5
    dsf.write_bytes(encode(schema, state))
    out = tmp_path / "out.bin"
    result = run("export", "--to", "virtio-parts", dsf, "-o", out)
    line = _one_line_error(result, 1)
    assert "LOSSY_EXPORT (queues[0].used_idx)" in line and "--allow-lossy" in line
    assert "would lose 1 values:\n  queues[0].used_idx = 5" in result.stdout
    assert not out.exists()
    result = run("export", "--to", "virtio-parts", dsf, "-o", out, "--allow-lossy")
    assert result.exit_code == 0
    assert "LOST:\n  queues[0].used_idx = 5: not carried by virtio device parts" in result.stdout
    assert out.read_bytes() == PARTS.read_bytes()


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "parts.bin"
    shutil.copy(PARTS, copy)
    result = run("import", "--from", "virtio-parts", copy, "--model", "org.virtio.net@1.1", "-o", copy)
    assert "IO_OUTPUT_IS_INPUT: cannot write" in _one_line_error(result, 2)
    assert copy.read_bytes() == PARTS.read_bytes()


def test_malformed_input_is_one_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(PARTS.read_bytes()[:-1])
    out = tmp_path / "out.dsf"
    result = run("import", "--from", "virtio-parts", bad, "--model", "org.virtio.net@1.1", "-o", out)
    line = _one_line_error(result, 1)
    assert f"{bad}: PAST_END at offset" in line and "(CVQ_CFG)" in line
    assert not out.exists()
    assert "PAST_END" in _one_line_error(run("parts", "decode", bad), 1)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out.dsf"
    missing = _one_line_error(run("import", "--from", "virtio-parts", tmp_path / "none.bin", "--model",
                                  "org.virtio.net@1.1", "-o", out), 2)
    assert "no such file or directory" in missing
    unknown = _one_line_error(run("import", "--from", "virtio-parts", PARTS, "--model", "org.virtio.net@9.9",
                                  "-o", out), 2)
    assert "has no version 9.9" in unknown
    uuid = _one_line_error(run("import", "--from", "nvme-controller-state", NVME, "--model",
                               "org.nvmexpress.ctrl@1.1", "-o", out), 2)
    assert "--vendor-uuid" in uuid
    several = _one_line_error(run("import", "--from", "virtio-parts", PARTS, PARTS, "--model",
                                  "org.virtio.net@1.1", "-o", out), 2)
    assert "reads one file" in several


def test_schema_without_mapping_exits_1(tmp_path: Path) -> None:
    result = run("import", "--from", "nvme-controller-state", NVME, "--model", "org.virtio.net@1.1",
                 "--vendor-uuid", UUID, "-o", tmp_path / "x.dsf")
    assert "NO_MAPPING" in _one_line_error(result, 1)
