"""Running the demo: build the devices, run every case, print the summary."""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from devstate.demo import render
from devstate.demo.cases import CASES, RUST_CASES, Case, CaseResult
from devstate.demo.devices import Checkout, DemoError, build_vendor_a, build_vendor_c, find_cargo, find_cc, vendor_b
from devstate.demo.steps import Demo

VENDOR_A_VERSION = "1.1"
VENDOR_B_VERSIONS = ("1.1", "1.0")


@dataclass(frozen=True)
class Options:
    root: Path | None = None
    """The devstate checkout (default: the one this module runs from)."""
    work_dir: Path | None = None
    """Keep the blobs and descriptions here (default: a temporary directory, removed)."""
    build_dir: Path | None = None
    """Where vendor A is built (default: ``build/demo`` in the checkout)."""
    cc: str | None = None
    full: bool = False
    """Show every field, not only those that are not zero."""
    qemu: bool = False
    """Run the QEMU cases (real QEMU and a Linux guest) instead of vendor A ⇄ vendor B."""


@dataclass
class DemoResult:
    cases: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.cases) and all(case.ok for case in self.cases)


def run_demo(options: Options, console: Console) -> DemoResult:
    """Every case, printed to ``console``; raises ``DemoError`` if the demo cannot run."""
    started = time.perf_counter()
    checkout = Checkout.locate(options.root)
    if options.qemu:
        from devstate.demo.qemu_cases import run_qemu_cases

        with _work_dir(options.work_dir) as work:
            result = DemoResult(run_qemu_cases(checkout, work, console))
        result.seconds = time.perf_counter() - started
        _summary(console, result)
        return result
    with _work_dir(options.work_dir) as work:
        console.rule("[bold]devstate demo: vendor A (C) ⇄ vendor B (Python) ⇄ vendor C (Rust) through "
                     "org.virtio.net[/bold]")
        console.print(f"  files: {escape(str(work))}" + ("" if options.work_dir else " (removed at the end; "
                      "--keep DIR keeps them)"), style="dim")
        demo = _devices(checkout, work, console, options)
        cases = CASES + (RUST_CASES if demo.vendor_c is not None else ())
        result = DemoResult([_run_case(number, case, demo) for number, case in enumerate(cases, 1)])
    result.seconds = time.perf_counter() - started
    _summary(console, result)
    return result


def _run_case(number: int, case: Case, demo: Demo) -> CaseResult:
    """The case's result; a device program that fails outright fails the case, not the demo."""
    try:
        return case(demo)
    except DemoError as exc:
        render.verdict(demo.console, False, escape(str(exc)))
        return CaseResult(number, case.__name__.replace("_", " "), "", str(exc), False)


@contextlib.contextmanager
def _work_dir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="devstate-demo-") as temporary:
        yield Path(temporary)


def _devices(checkout: Checkout, work: Path, console: Console, options: Options) -> Demo:
    build_dir = options.build_dir or checkout.root / "build" / "demo"
    build = build_vendor_a(checkout, VENDOR_A_VERSION, build_dir, find_cc(options.cc))
    how = "up to date" if build.cached else f"built in {build.seconds:.1f} s"
    render.step(console, "build", f"{build.device.label}: {escape(' '.join(_short(build.command, checkout)))} "
                f"[dim]({how})[/dim]")
    devices_b = {version: vendor_b(checkout, version, work) for version in VENDOR_B_VERSIONS}
    for device in devices_b.values():
        render.step(console, "ready", f"{device.label}: python -S -m vendor_b --schema-version {device.version} "
                    "[dim](no site-packages: stdlib + devstate_codecs only)[/dim]")
    cargo = find_cargo()
    vendor_c = None
    if cargo is None:
        render.step(console, "skip", "vendor C (rustnic, Rust): cargo is not installed, so cases 6-8 do not run "
                    "(tools/system-deps --install rust)")
    else:
        built = build_vendor_c(checkout, build_dir, cargo)
        render.step(console, "build", f"{built.device.label}: {escape(' '.join(_short(built.command, checkout)))} "
                    f"[dim](built in {built.seconds:.1f} s)[/dim]")
        vendor_c = dataclasses.replace(built.device, cwd=work)
    return Demo(checkout, work, console, dataclasses.replace(build.device, cwd=work), devices_b, options.full,
                vendor_c)


def _short(command: tuple[str, ...], checkout: Checkout) -> list[str]:
    root = f"{checkout.root}/"
    return [part.replace(root, "") for part in command]


def _summary(console: Console, result: DemoResult) -> None:
    console.print()
    console.rule("[bold]Summary[/bold]")
    table = Table(header_style="bold", padding=(0, 1))
    for column in ("#", "case", "devices", "what happened", ""):
        table.add_column(column, overflow="fold")
    for case in result.cases:
        table.add_row(str(case.number), case.title, case.route, case.outcome, render.OK if case.ok else render.BAD)
    console.print(table)
    passed = sum(case.ok for case in result.cases)
    style = "bold green" if result.ok else "bold red"
    console.print(f"[{style}]{passed}/{len(result.cases)} cases behaved as expected[/{style}] "
                  f"in {result.seconds:.1f} s", highlight=False)
    if result.cases and result.cases[0].ok and result.cases[0].route.startswith("A"):
        console.print("[bold]Vendor A's state loaded on vendor B's device: every standard field equal.[/bold]")
