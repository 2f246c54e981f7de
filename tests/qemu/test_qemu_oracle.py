"""What real QEMU does, pinned: the destination loader on every stream scenario, and QEMU's own
checker (taken from Debian's qemu source package) on real dump pairs and on its own test data.

These are the facts devstate's verdicts are proved against (tests/qemu/test_qemu_agreement.py): if
a Debian update changed one of them, this file says so first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from qemu_mutations import MUTATIONS, Mutation
from system_packages import unavailable

from devstate.qemu.stream import read_stream
from tools import qemu_data

pytestmark = pytest.mark.needs("qemu")

MACHINE_72 = "Machine type received is 'pc-i440fx-7.2' and local is 'pc-i440fx-10.0'"
MACHINE_10 = "Machine type received is 'pc-i440fx-10.0' and local is 'pc-i440fx-7.2'"
FAILED = "load of migration failed: Invalid argument"

EXPECTED_LOADS = {
    "same-7.2": (),
    "same-10.0": (),
    "same-10.0-e1000": (),
    "old-on-new": (),
    "old-on-new-q35": (),
    "old-on-new-e1000": (),
    "old-machine-back": (),
    "old-machine-back-e1000": (),
    "old-machine-back-q35": (),
    "new-machine-on-old": (MACHINE_10, FAILED),
    "old-on-new-default-machine": (MACHINE_72, FAILED),
    "esp-old-on-new": ("Missing section footer for 0000:00:02.0/pciespscsi", FAILED),
    "esp-old-machine-back": (),
    "e1000e-old-on-new": (),
    "e1000e-old-machine-back": (),
    "serial-old-on-new": (),
}
"""Each LOADS case: the error lines of the destination QEMU (empty: it loaded the stream)."""


def _loaded(case: qemu_data.LoadCase) -> qemu_data.Loaded:
    try:
        return qemu_data.load(case.dest, qemu_data.stream(case.source, case.scenario), case.dest_args())
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise


def test_every_load_case_is_pinned() -> None:
    assert [c.name for c in qemu_data.LOADS] == list(EXPECTED_LOADS)


@pytest.mark.parametrize("case", qemu_data.LOADS, ids=lambda c: c.name)
def test_the_destination_qemu(case: qemu_data.LoadCase) -> None:
    result = _loaded(case)
    assert result.errors == EXPECTED_LOADS[case.name]
    assert result.loaded is (not EXPECTED_LOADS[case.name])
    assert "-incoming" in result.argv


@pytest.mark.parametrize(("cut", "errors"), [
    (500_000, ("Failed to load pmsmb:smb_data", "Failed to load piix4_pm:smb",  # inside piix4_pm
               "error while loading state for instance 0x0 of device '0000:00:01.3/piix4_pm'",
               "load of migration failed: Input/output error")),
    (600_000, ()),  # inside the self-description, after QEMU_VM_EOF: the loader never reads it
])
def test_a_stream_cut_short(cut: int, errors: tuple[str, ...], tmp_path: Path) -> None:
    """A truncated stream (the answer is cached by content like the others)."""
    source = qemu_data.stream("7.2", "pc-virtio-net")
    path = tmp_path / "cut.bin"
    path.write_bytes(source.read_bytes()[:cut])
    result = qemu_data.load("7.2", path, qemu_data.STREAMS["pc-virtio-net"])
    assert result.errors == errors
    assert result.loaded is (not errors)


# --- QEMU's checker -------------------------------------------------------------------------


def _checker(src: Path, dest: Path) -> qemu_data.CheckerRun:
    try:
        return qemu_data.run_checker(src, dest)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise


def test_the_checker_comes_from_debians_source_package() -> None:
    try:
        tree = qemu_data.qemu_source()
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    assert qemu_data.qemu_source_version().startswith("qemu=1:10.0.")
    assert (tree / qemu_data.CHECKER).read_text().startswith("#!/usr/bin/env python3")
    assert sorted(p.name for p in (tree / qemu_data.CHECKER_DATA).iterdir()) == ["dump1.json", "dump2.json"]


def test_the_checker_on_its_own_test_data() -> None:
    data = qemu_data.qemu_source() / qemu_data.CHECKER_DATA
    forward = _checker(data / "dump1.json", data / "dump2.json")
    assert forward.lines[0] == 'Warning: checking incompatible machine types: "pc-i440fx-2.1", "pc-i440fx-2.2"'
    assert (forward.exit_code, len(forward.findings)) == (13, 13)
    assert 'Section "usb-kbd" Description "usb-kbd" Field "kbd.keycodes" size mismatch: 4 , 2' in forward.lines
    backward = _checker(data / "dump2.json", data / "dump1.json")
    assert (backward.exit_code, len(backward.findings)) == (6, 6)


@pytest.mark.parametrize(("machine", "src", "dest", "count"), [
    ("pc", "7.2", "10.0", 14), ("pc", "10.0", "7.2", 39), ("q35", "7.2", "10.0", 14), ("q35", "10.0", "7.2", 39),
])
def test_the_checker_on_real_dumps(machine: str, src: str, dest: str, count: int) -> None:
    run = _checker(qemu_data.dump_vmstate(src, machine), qemu_data.dump_vmstate(dest, machine))
    assert (run.exit_code, len(run.findings)) == (count, count)
    assert run.lines[0].startswith("Warning: checking incompatible machine types")
    # the device QEMU 10 moved from vmstate_register() to its class (piix3-ide): only the dump changed
    assert ('Section "piix3-ide" does not exist in dest' in run.lines) is (src == "10.0")


# --- streams made to be refused ---------------------------------------------------------------

DEVICE_FAILED = "error while loading state for instance 0x0 of device '0000:00:02.0/{}'"
EXPECTED_REFUSALS = {
    "section-too-new": ("savevm: unsupported version 3 for '0000:00:02.0/e1000' v2", FAILED),
    "section-too-old": ("virtio-net: incoming version_id 10 is too old for local minimum version_id  11",
                        DEVICE_FAILED.format("virtio-net"), FAILED),
    "unknown-subsection": (DEVICE_FAILED.format("e1000"), "load of migration failed: No such file or directory"),
    "subsection-too-new": ("e1000/full_mac_state: incoming version_id 2 is too new for local version_id 1",
                           DEVICE_FAILED.format("e1000"), FAILED),
    "longer-array": ("Missing section footer for 0000:00:01.0/PIIX3", FAILED),
    "unknown-section": ("Unknown savevm section or instance '0000:00:02.0/e100x' 0. Make sure that your current VM "
                        "setup matches your saved VM setup, including any hotplugged devices", FAILED),
}


def test_every_mutation_is_pinned() -> None:
    assert [m.name for m in MUTATIONS] == list(EXPECTED_REFUSALS)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_the_destination_refuses_a_mutated_stream(mutation: Mutation, tmp_path: Path) -> None:
    try:
        source = qemu_data.stream(mutation.release, mutation.scenario)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    path = mutation.make(source, tmp_path / "mutated.bin")
    read_stream(path)  # still a stream devstate reads: only the destination's loader objects
    result = qemu_data.load(mutation.dest, path, qemu_data.with_machine(qemu_data.STREAMS[mutation.scenario],
                                                                         mutation.dest_machine))
    assert (result.loaded, result.errors) == (False, EXPECTED_REFUSALS[mutation.name])
