"""``devstate demo --qemu``: real QEMU as vendor A, with a real Linux guest driving its devices.

The guest (tools/guest.py: Debian's kernel and virtio drivers, a busybox initramfs) runs
under QEMU 7.2 TCG, sets its NIC up through the control queue and writes a disk pattern;
QEMU saves it to a migration stream (made once into the cache by tools/guest_vm.py). Then:

1. QEMU → DSF → QEMU: ``qemu extract``, ``qemu inject`` into the same stream, a fresh QEMU
   loads it and the guest goes on (ping answered, disk pattern read back, a new one written);
2. QEMU → DSF → vendor B → DSF → QEMU: pynic loads QEMU's virtio-net state, saves it
   again, every standard field equal, QEMU loads the result;
3. QEMU 7.2's stream through DSF into QEMU 10.0 (from bookworm-backports);
4. a refusal: a blob of a NIC with more queue pairs than QEMU's device was configured with,
   refused by ``inject`` before QEMU sees anything.

The guest tooling lives in the checkout (tools/), outside the installed package.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.markup import escape

from devstate.demo import render
from devstate.demo.cases import CaseResult
from devstate.demo.compare import compare_states
from devstate.demo.devices import Checkout, DemoError, vendor_b
from devstate.interp import decode, encode
from devstate.qemu.extract import Extraction, extract
from devstate.qemu.inject import inject
from devstate.qemu.virtio.errors import QemuStateError
from devstate.qemu.virtio.schemas import STANDARD, schema

NET, BLK = "0000:00:03.0/virtio-net", "0000:00:04.0/virtio-blk"


class _Tools:
    """The checkout's guest tooling (tools.guest, tools.guest_vm, tools.qemu_data)."""

    def __init__(self, checkout: Checkout) -> None:
        if str(checkout.root) not in sys.path:
            sys.path.insert(0, str(checkout.root))
        try:
            from tools import guest, guest_vm, qemu_data, system_deps
        except ImportError as error:
            raise DemoError(f"the guest tooling is not in {checkout.root}/tools: {error}") from error
        missing = [g for g in ("qemu", "guest") if system_deps.group(g).missing()]
        if missing:
            raise DemoError(f"the QEMU cases need system packages {', '.join(missing)}: "
                            f"{system_deps.install_command([system_deps.group(g) for g in missing])}")
        self.guest: ModuleType = guest
        self.vm: ModuleType = guest_vm
        self.qemu_data: ModuleType = qemu_data

    def qemu(self, release: str) -> Any:
        try:
            return self.qemu_data.qemu(release)
        except self.qemu_data.QemuMissing as error:
            raise DemoError(f"QEMU {release}: {error}") from error


class QemuDemo:
    def __init__(self, checkout: Checkout, work: Path, console: Console) -> None:
        self.checkout, self.work, self.console = checkout, work, console
        self.tools = _Tools(checkout)

    def saved(self) -> Any:
        render.step(self.console, "guest", "Debian's kernel + virtio modules, busybox and iproute2 in an initramfs "
                    "[dim](tools/guest.py)[/dim]")
        started = time.perf_counter()
        try:
            save = self.tools.vm.saved_guest(self.tools.qemu("7.2"))
        except (self.tools.guest.GuestMissing, self.tools.vm.VmError) as error:
            raise DemoError(str(error)) from error
        how = save.how
        cached = time.perf_counter() - started < 5
        render.step(self.console, "boot", f"QEMU 7.2 TCG, {save.config.net} network: the guest booted in "
                    f"{how['boot_seconds']:.1f} s and QEMU migrated it to a file in {how['save_seconds']:.1f} s "
                    f"({how['bytes'] / 1e6:.0f} MB){' [dim](cached)[/dim]' if cached else ''}")
        render.device_output(self.console, [f"guest: {line}" for line in how["guest"].values()])
        return save

    def extract(self, stream: Path, out: Path) -> Extraction:
        render.command(self.console, f"devstate qemu extract {stream.name} -o {out.name}")
        result = extract(stream, out)
        for found in result.devices:
            counts = ", ".join(f"{n} {kind}" for kind, n in found.report.counts().items())
            render.step(self.console, "extract", f"{found.section} → {found.path.name if found.path else ''} "
                        f"({found.model}): {len(found.report.values)} QEMU values: {counts}; "
                        f"{len(found.report.not_provided)} standard fields not in QEMU's stream")
        render.detail(self.console, f"{result.seconds:.2f} s for the {stream.stat().st_size / 1e6:.0f} MB stream",
                      "dim")
        return result

    def inject(self, stream: Path, blobs: list[Path], out: Path) -> Path:
        render.command(self.console, f"devstate qemu inject {stream.name} {' '.join(b.name for b in blobs)} "
                                     f"-o {out.name}")
        result = inject(stream, [str(b) for b in blobs], out)
        render.step(self.console, "inject", f"{len(result.devices)} device sections written, everything else "
                    f"copied ({result.seconds:.2f} s)")
        for device in result.devices:
            for note in device.report.notes:
                render.detail(self.console, f"note: {escape(note)}", "yellow")
        return out

    def restore(self, release: str, save: Any, stream: Path) -> bool:
        disk_dir = Path(tempfile.mkdtemp(dir=self.work))
        vm = self.tools.vm.Vm(self.tools.qemu(release), save.disk_copy(disk_dir), save.config, incoming=stream)
        render.step(self.console, "restore", f"a fresh QEMU {release} with -incoming, then cont")
        with vm:
            loaded = vm.resume()
            answers = [vm.answer(c) for c in ("ping", "queues", "filters", "disk-read 0", "disk-write 1 "
                                              "devstate-second")]
        render.device_output(self.console, [f"guest: {a}" for a in answers])
        first = hashlib.sha256(self.tools.vm.disk_pattern("devstate-first")).hexdigest()
        second = hashlib.sha256(self.tools.vm.disk_pattern("devstate-second")).hexdigest()
        ok = bool(answers[0].startswith("PING ok") and answers[3].endswith(first) and answers[4].endswith(second)
              and answers[2] == save.how["guest"]["filters"])
        render.verdict(self.console, ok, f"loaded in {loaded:.2f} s; the guest goes on: its ping is answered, the "
                                         "disk pattern reads back, its NIC keeps its queues, modes and filters"
                       if ok else "the guest did not go on as before")
        return ok


def _paths(result: Extraction) -> dict[str, Path]:
    return {found.section: found.path for found in result.devices if found.path is not None}


def _header(console: Console, number: int, title: str, what: str) -> None:
    console.print()
    console.rule(f"[bold]Q{number}. {title}[/bold]", align="left")
    console.print(f"  [italic]{what}[/italic]")


def _qemu_dsf_qemu(demo: QemuDemo, save: Any) -> CaseResult:
    _header(demo.console, 1, "QEMU 7.2 → DSF → QEMU 7.2", "every QEMU value to a standard field or the QEMU "
            "vendor section, and back")
    blobs = _paths(demo.extract(save.stream, demo.work / "blobs"))
    new = demo.inject(save.stream, list(blobs.values()), demo.work / "q1.mig")
    same = new.read_bytes() == save.stream.read_bytes()
    render.verdict(demo.console, same, "the new stream is QEMU's stream byte for byte" if same else
                   "the new stream differs from QEMU's")
    ok = demo.restore("7.2", save, new) and same
    return CaseResult(1, "QEMU → DSF → QEMU", "QEMU 7.2 → 7.2", "guest goes on" if ok else "failed", ok)


def _through_vendor_b(demo: QemuDemo, save: Any) -> CaseResult:
    _header(demo.console, 2, "QEMU 7.2 → DSF → vendor B → DSF → QEMU 7.2", "pynic hosts QEMU's virtio-net "
            "state, saves it again from its own structures")
    blobs = _paths(extract(save.stream, demo.work / "blobs"))
    pynic = vendor_b(demo.checkout, "1.1", demo.work)
    resaved = demo.work / "pynic.dsf"
    render.command(demo.console, f"python -S -m vendor_b load {blobs[NET].name} {resaved.name}")
    run = pynic.load(blobs[NET], resaved)
    render.device_output(demo.console, run.lines())
    if not run.ok:
        return CaseResult(2, "through vendor B", "QEMU → B → QEMU", "pynic refused", False)
    net = schema(STANDARD["virtio-net"])
    before, after = decode(net, blobs[NET].read_bytes()), decode(net, resaved.read_bytes())
    comparison = compare_states(before, after, lambda v: schema(f"org.virtio.net@{v}"))
    table, hidden = render.field_table(comparison, "QEMU 7.2", "pynic", False)
    demo.console.print(render.indented(table))
    render.verdict(demo.console, comparison.equal, f"every standard field equal ({len(comparison.fields)} fields, "
                   f"{hidden} zero fields not shown)" if comparison.equal else "standard fields differ")
    new = demo.inject(save.stream, [resaved, blobs[BLK]], demo.work / "q2.mig")
    ok = demo.restore("7.2", save, new) and comparison.equal
    return CaseResult(2, "through vendor B", "QEMU 7.2 → B → QEMU 7.2", "guest goes on" if ok else "failed", ok)


def _into_100(demo: QemuDemo, save: Any) -> CaseResult:
    _header(demo.console, 3, "QEMU 7.2 → DSF → QEMU 10.0", "the older release's stream through DSF into the newer "
            "one (bookworm-backports, unpacked into the cache)")
    blobs = _paths(extract(save.stream, demo.work / "blobs"))
    new = demo.inject(save.stream, list(blobs.values()), demo.work / "q3.mig")
    ok = demo.restore("10.0", save, new)
    return CaseResult(3, "7.2 into 10.0", "QEMU 7.2 → 10.0", "guest goes on" if ok else "failed", ok)


def _refusal(demo: QemuDemo, save: Any) -> CaseResult:
    _header(demo.console, 4, "A device QEMU's was not configured as", "a blob of a NIC with 4 queue pairs (8 queues "
            "and the control queue) for QEMU's NIC with 2: refused before QEMU sees anything")
    blobs = _paths(extract(save.stream, demo.work / "blobs"))
    net = schema(STANDARD["virtio-net"])
    state = decode(net, blobs[NET].read_bytes())
    sections = state["sections"]
    sections["config"]["max_virtqueue_pairs"] = sections["ctrl"]["curr_queue_pairs"] = 4
    four = demo.work / "four-pairs.dsf"
    four.write_bytes(encode(net, state))
    out = demo.work / "q4.mig"
    render.command(demo.console, f"devstate qemu inject {save.stream.name} {four.name} -o {out.name}")
    try:
        inject(save.stream, [str(four)], out)
    except QemuStateError as error:
        render.detail(demo.console, f"devstate: error: {escape(str(error))}", "red")
        ok = not out.exists()
        render.verdict(demo.console, ok, "refused, naming the field; no stream was written")
        return CaseResult(4, "refusal", "4 pairs → QEMU's 2", f"refused: {error.field}", ok)
    render.verdict(demo.console, False, "inject accepted more queue pairs than the device has")
    return CaseResult(4, "refusal", "4 pairs → QEMU's 2", "accepted", False)


QEMU_CASES: tuple[Callable[[QemuDemo, Any], CaseResult], ...] = (_qemu_dsf_qemu, _through_vendor_b, _into_100,
                                                                _refusal)


def run_qemu_cases(checkout: Checkout, work: Path, console: Console) -> list[CaseResult]:
    """The QEMU cases; raises ``DemoError`` when QEMU or the guest pieces are missing."""
    console.print()
    console.rule("[bold]devstate demo --qemu: real QEMU (vendor A) and a Linux guest ⇄ devstate[/bold]")
    demo = QemuDemo(checkout, work, console)
    save = demo.saved()
    results = []
    for number, case in enumerate(QEMU_CASES, 1):
        with _failures(console):
            results.append(case(demo, save))
            continue
        results.append(CaseResult(number, case.__name__.strip("_").replace("_", " "), "", "error", False))
    return results


@contextlib.contextmanager
def _failures(console: Console) -> Iterator[None]:
    try:
        yield
    except (DemoError, QemuStateError, OSError, RuntimeError) as error:
        render.verdict(console, False, escape(str(error)))
