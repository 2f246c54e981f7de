"""devstate's verdict on a real stream agrees with what a real destination QEMU does with it.

For every stream the tests hand to QEMU (tools/qemu_data.LOADS, and the mutated streams of
tests/support/qemu_mutations.py), ``devstate compat --stream SRC --vmstate DEST.json`` must say
"loadable" (exit 0) exactly when the destination QEMU, started with the same devices on the
dump's machine type, loads it, and name the reason when QEMU refuses it. What QEMU does is
pinned in tests/qemu/test_qemu_oracle.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from qemu_mutations import MUTATIONS, Mutation
from system_packages import unavailable

from devstate.cli import main
from tools import qemu_data

pytestmark = pytest.mark.needs("qemu")

REASONS = {
    "new-machine-on-old": ("QV-M001", "configuration", ""),
    "old-on-new-default-machine": ("QV-M001", "configuration", ""),
    "esp-old-on-new": ("QV-F002", "0000:00:02.0/pciespscsi", "esp.drq_state"),
    "section-too-new": ("QV-V001", "0000:00:02.0/e1000", ""),
    "section-too-old": ("QV-V002", "0000:00:02.0/virtio-net", ""),
    "unknown-subsection": ("QV-U003", "0000:00:02.0/e1000", "<e1000/xit_state>"),
    "subsection-too-new": ("QV-V001", "0000:00:02.0/e1000", "<e1000/full_mac_state>"),
    "longer-array": ("QV-F003", "0000:00:01.0/PIIX3", "pci_irq_levels_vmstate"),
    "unknown-section": ("QV-S001", "0000:00:02.0/e100x", ""),
}
"""Why devstate refuses each stream QEMU refuses: (rule, device, path) of its first error."""


def _judge(stream: Path, dest: str, machine: str) -> tuple[int, dict[str, object]]:
    try:
        dump = qemu_data.dump_vmstate(dest, machine)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    result = CliRunner().invoke(main, ["compat", "--stream", str(stream), "--vmstate", str(dump), "--json"])
    return result.exit_code, json.loads(result.output)


def _errors(report: dict[str, object]) -> list[tuple[str, str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [(f["rule"], f["device"], f["path"]) for f in findings if f["severity"] == "error"]


def _agree(name: str, loaded: qemu_data.Loaded, code: int, report: dict[str, object]) -> None:
    assert report["loadable"] is loaded.loaded, (name, loaded.errors, report["findings"])
    assert code == (0 if loaded.loaded else 1)
    if loaded.loaded:
        assert _errors(report) == []
    else:
        assert _errors(report)[0] == REASONS[name], report["findings"]


@pytest.mark.parametrize("case", qemu_data.LOADS, ids=lambda c: c.name)
def test_a_real_stream(case: qemu_data.LoadCase) -> None:
    try:
        stream = qemu_data.stream(case.source, case.scenario)
        loaded = qemu_data.load(case.dest, stream, case.dest_args())
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    code, report = _judge(stream, case.dest, case.dest_machine)
    _agree(case.name, loaded, code, report)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_mutated_stream(mutation: Mutation, tmp_path: Path) -> None:
    try:
        source = qemu_data.stream(mutation.release, mutation.scenario)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    path = mutation.make(source, tmp_path / "mutated.bin")
    loaded = qemu_data.load(mutation.dest, path, qemu_data.with_machine(qemu_data.STREAMS[mutation.scenario],
                                                                         mutation.dest_machine))
    code, report = _judge(path, mutation.dest, mutation.dest_machine)
    _agree(mutation.name, loaded, code, report)


def test_a_misread_that_qemu_accepts_is_a_warning() -> None:
    """10.0's esp on the old machine type still sends drq_state; 7.2 reads it positionally into lun (and
    lun into ti_cmd): the load succeeds with values in other fields, which devstate says."""
    case = next(c for c in qemu_data.LOADS if c.name == "esp-old-machine-back")
    code, report = _judge(qemu_data.stream(case.source, case.scenario), case.dest, case.dest_machine)
    assert code == 0
    warnings = [(f["rule"], f["path"], f["detail"]) for f in report["findings"]  # type: ignore[attr-defined]
                if f["severity"] == "warning"]
    assert ("QV-F015", "esp.ti_cmd", "the stream's 'lun' may be read into 'ti_cmd' (if DEST's field_exists test of "
            "'ti_cmd' is true)") in warnings


def test_the_stream_check_in_text() -> None:
    case = next(c for c in qemu_data.LOADS if c.name == "esp-old-on-new")
    stream = qemu_data.stream(case.source, case.scenario)
    dump = qemu_data.dump_vmstate(case.dest, case.dest_machine)
    result = CliRunner().invoke(main, ["compat", "--stream", str(stream), "--vmstate", str(dump)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["ERROR", "QV-F002", "field-added", "BACKWARD", "0000:00:02.0/pciespscsi",
                                "esp.drq_state:", "DEST", "reads", "'drq_state'", "(1", "bytes),", "the", "stream",
                                "has", "no", "more", "fields", "to", "give", "it"]
    assert lines[-1] == "NOT LOADABLE"
    assert any(line.startswith("unverified: timer: not in the destination's dump") for line in lines)


def test_stream_check_usage_and_unreadable_inputs(tmp_path: Path) -> None:
    stream = qemu_data.stream("7.2", "pc-virtio-net")
    dump = qemu_data.dump_vmstate("7.2", "pc")
    assert CliRunner().invoke(main, ["compat", "--stream", str(stream), str(dump)]).exit_code == 2  # no --vmstate
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"QEVM\0\0\0\x03\x09")
    result = CliRunner().invoke(main, ["compat", "--stream", str(bad), "--vmstate", str(dump), "--json"])
    assert result.exit_code == 1  # not a stream QEMU could write: invalid input
    assert json.loads(result.stdout)["error"]["code"] == "UNKNOWN_RECORD"
    assert result.stderr == f"devstate: error: {bad}: UNKNOWN_RECORD at byte 8: unknown record type 0x09\n"
    missing = CliRunner().invoke(main, ["compat", "--stream", str(stream), "--vmstate", str(tmp_path / "no.json")])
    assert missing.exit_code == 2
