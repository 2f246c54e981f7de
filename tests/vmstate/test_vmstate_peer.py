"""devstate against QEMU's own checker on real dump pairs, finding by finding where they differ.

QEMU's ``scripts/vmstate-static-checker.py`` comes from Debian's qemu source package in the
test run (tools/qemu_data.qemu_source). For every device on which the two tools disagree,
``DIFFERENCES`` says what each reports and why devstate's answer is right; the same rows are
the table in spec/qemu-vmstate.md ("Differences from QEMU's static checker"), and a test
keeps them equal. Where a real destination QEMU can show it, a LoadCase of tools/qemu_data
(loaded in tests/qemu/test_qemu_oracle.py) is named as the proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import paths
import pytest
from system_packages import unavailable

from devstate.vmstate.compat import compare_dumps
from devstate.vmstate.dump import load_dump
from devstate.vmstate.rules import Direction, Severity
from tools import qemu_data

pytestmark = pytest.mark.needs("qemu")
SPEC = paths.SPEC / "qemu-vmstate.md"


@dataclass(frozen=True)
class Difference:
    pair: str
    """``7.2→10.0`` (pc dumps, the migration from the first to the second) or ``dump2→dump1`` (QEMU's data)."""
    device: str
    qemu: str
    """A line QEMU's checker prints for the device (a prefix), or "" when it reports nothing."""
    devstate: tuple[str, ...]
    """The rule ids of devstate's errors and warnings for the device in that direction."""
    why: str
    proof: str
    """The LoadCase that shows it with real QEMU, or the commit that explains it."""

    def row(self) -> str:
        qemu = f"`{self.qemu}`" if self.qemu else "silent"
        devstate = ", ".join(self.devstate) or "nothing (info only)"
        return f"| {self.pair} | {self.device} | {qemu} | {devstate} | {self.why} | {self.proof} |"


DIFFERENCES = (
    Difference("7.2→10.0", "hpet", 'Section "hpet", Description "hpet": expected field "num_timers"',
               (), "renamed in place, same size (QV-F010 info)", "commit 1433e38cc8; loads: `old-on-new`"),
    Difference("7.2→10.0", "e1000e", 'Section "e1000e", Description "e1000e": expected field "core.eitr_guest_value"',
               ("QV-F009",), "`eitr_intr_pending` (5 bools) became `VMSTATE_UNUSED(5)`: the same bytes; only the "
               "new conditional `timadj` is flagged", "commit 31e3f318c8; loads: `e1000e-old-on-new`"),
    Difference("7.2→10.0", "acpi-ged", 'Section "acpi-ged", Description "acpi-ghes": expected field "ghes_addr_le"',
               (), "renamed in place, same size (QV-F010 info)", "commit 652f6d86cb"),
    Difference("7.2→10.0", "am53c974", 'Section "am53c974", Description "esp": expected field "data_in_ready"',
               ("QV-F002", "QV-F008", "QV-F009", "QV-U002"), "both refuse; the real break is `drq_state`, read "
               "whatever the version (QEMU's checker stops at the rename before it)",
               "commit 442de89a93; refused: `esp-old-on-new`"),
    Difference("7.2→10.0", "serial-mm", 'Section "serial-mm" does not exist in dest', ("QV-S005",),
               "the type is not built for x86 any more; its section `serial` loads (as `isa-serial`)",
               "commit 7e6b5497ea; loads: `serial-old-on-new`"),
    Difference("7.2→10.0", "pci-piix3", 'Section "pci-piix3" does not exist in dest', ("QV-S005",),
               "an abstract type's name; its section `PIIX3` loads", "commit f8790f81eb; loads: `old-on-new`"),
    Difference("7.2→10.0", "PIIX3-xen", 'Section "PIIX3-xen" does not exist in dest', ("QV-S005",),
               "the Xen variant was folded into `PIIX3`, whose section loads", "commit f8790f81eb"),
    Difference("7.2→10.0", "acpi-ged-x86", 'Section "acpi-ged-x86" does not exist in dest', ("QV-S005",),
               "folded into `acpi-ged`, whose section loads", "commit c9c8ba69d5"),
    Difference("7.2→10.0", "vhost-user-fs-device", "", ("QV-S004",),
               "unmigratable in 7.2 (no fields): such a VM cannot migrate at all", "commit bca3e2a138"),
    Difference("10.0→7.2", "piix3-ide", 'Section "piix3-ide" does not exist in dest', (),
               "7.2 saves section `ide` through `vmstate_register()` (QV-S006 info)",
               "commit 752dfff5ec; loads: `old-machine-back`"),
    Difference("10.0→7.2", "isa-i8259", 'Section "isa-i8259" Description "i8259": Entry "Subsections" missing',
               ("QV-U002",), "`i8259/ltim` is sent only when `needed()`: a warning, not an error",
               "loads: `old-machine-back`"),
    Difference("10.0→7.2", "virtio-multitouch-device", 'Section "virtio-multitouch-device" does not exist in dest',
               ("QV-S005",), "its section `virtio-input` loads; only the type is missing", "commit 8e9ebd7523"),
    Difference("dump2→dump1", "megasas", "", ("QV-F002",),
               "the destination reads `irq_state` the source never sends (QEMU's checker walks the source's "
               "fields only)", "QEMU's checker test data"),
    Difference("dump2→dump1", "intel-hda-generic", "", ("QV-F001", "QV-F002"),
               "a nested struct became a plain field: another layout", "QEMU's checker test data"),
    Difference("dump2→dump1", "pci-serial-4x", "", ("QV-S004",), "unmigratable on the destination",
               "QEMU's checker test data"),
)


def _dumps(pair: str) -> tuple[Path, Path]:
    src, dest = pair.split("→")
    if src.startswith("dump"):
        data = qemu_data.qemu_source() / qemu_data.CHECKER_DATA
        return data / f"{src}.json", data / f"{dest}.json"
    return qemu_data.dump_vmstate(src, "pc"), qemu_data.dump_vmstate(dest, "pc")


def _both(pair: str) -> tuple[list[str], dict[str, set[str]]]:
    try:
        src, dest = _dumps(pair)
        checker = qemu_data.run_checker(src, dest)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    report = compare_dumps(load_dump(src), load_dump(dest))
    rules: dict[str, set[str]] = {}
    for f in report.selected(Direction.BACKWARD):  # OLD = the source: the migration src → dest
        if f.severity is not Severity.INFO:
            rules.setdefault(f.device, set()).add(f.rule.id)
    return list(checker.findings), rules


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda d: f"{d.pair} {d.device}")
def test_where_the_checkers_differ(difference: Difference) -> None:
    checker, devstate = _both(difference.pair)
    said = [line for line in checker if re.match(rf'Section "{re.escape(difference.device)}"', line)]
    if difference.qemu:
        assert any(line.startswith(difference.qemu) for line in said), said
    else:
        assert said == []
    assert devstate.get(difference.device, set()) == set(difference.devstate)


def test_the_spec_table_is_this_list() -> None:
    text = SPEC.read_text(encoding="utf-8")
    table = text[text.index("| pair | device | QEMU's checker says |"):]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    rows = rows[: next((i for i, r in enumerate(rows) if not r.startswith("| ")), len(rows))]
    assert rows[: len(DIFFERENCES)] == [d.row() for d in DIFFERENCES]


@pytest.mark.parametrize(("pair", "qemu", "errors", "warnings"), [
    ("7.2→10.0", 14, 5, 20), ("10.0→7.2", 39, 20, 26), ("dump1→dump2", 13, 12, 1), ("dump2→dump1", 6, 12, 1),
])
def test_finding_counts(pair: str, qemu: int, errors: int, warnings: int) -> None:
    """The counts in the spec's summary, so a change to either checker shows up here."""
    try:
        src, dest = _dumps(pair)
        checker = qemu_data.run_checker(src, dest)
    except qemu_data.QemuMissing as error:
        unavailable(str(error))
        raise
    selected = compare_dumps(load_dump(src), load_dump(dest)).selected(Direction.BACKWARD)
    assert len(checker.findings) == qemu
    assert (sum(f.severity is Severity.ERROR for f in selected),
            sum(f.severity is Severity.WARNING for f in selected)) == (errors, warnings)
