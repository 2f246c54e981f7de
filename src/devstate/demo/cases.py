"""The demo's cases: both directions, a version mismatch either way it can go, a refusal.

Each case returns a ``CaseResult`` saying whether devstate and the two devices behaved as
expected; an unexpected outcome is a failure of the demo (and of its tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devstate import ir
from devstate.compat.convert import ConversionError
from devstate.demo import render
from devstate.demo.compare import Comparison
from devstate.demo.devices import DemoError, Device, Run
from devstate.demo.steps import Demo
from devstate.wire.errors import DecodeError

IPSEC_SECTION = "uuid:5f1c0a2e-7d4b-4e8a-9a51-0c0ffee0a0a0"
"""Vendor A's own vendor namespace (its must-understand IPsec section)."""


@dataclass(frozen=True)
class CaseResult:
    number: int
    title: str
    route: str
    outcome: str
    ok: bool


def _header(demo: Demo, number: int, title: str, what: str) -> None:
    demo.console.print()
    demo.console.rule(f"[bold]{number}. {title}[/bold]", align="left")
    demo.console.print(f"  [italic]{what}[/italic]")


def _route(source: Device, dest: Device) -> str:
    return f"{source.vendor[-1]} {source.version} → {dest.vendor[-1]} {dest.version}"


def _finish(demo: Demo, number: int, title: str, route: str, ok: bool, outcome: str) -> CaseResult:
    render.verdict(demo.console, ok, outcome)
    return CaseResult(number, title, route, outcome, ok)


# --- cases that migrate -------------------------------------------------------------------


def _migrate(demo: Demo, number: int, title: str, source: Device, scenario: str, dest: Device) -> CaseResult:
    """Describe, check, save, inspect, decode, convert if needed, load, compare."""
    prefix = f"{number}-{source.name}"
    route = _route(source, dest)
    plan = demo.check(demo.describe(source, f"{prefix}.json", scenario),
                      demo.describe(dest, f"{number}-{dest.name}.json"))
    if plan.action == "refuse" or plan.version is None:
        return _finish(demo, number, title, route, False, "refused by the pre-migration check (unexpected)")
    blob, dropped = f"{prefix}.dsf", []
    demo.save(source, scenario, blob)
    demo.inspect(blob)
    saved = demo.decode(blob)
    if isinstance(saved, DecodeError):
        return _finish(demo, number, title, route, False, f"the saved blob does not decode: {saved.code}")
    if plan.action == "convert":
        converted = demo.convert(blob, plan.version, f"{prefix}-{plan.version}.dsf")
        if isinstance(converted, ConversionError):
            return _finish(demo, number, title, route, False, "conversion refused (unexpected)")
        blob, dropped = f"{prefix}-{plan.version}.dsf", converted
    export = f"{number}-{dest.name}-rebuilt.dsf"
    run = demo.load(dest, blob, export)
    if not run.ok:
        return _finish(demo, number, title, route, False, f"{dest.vendor} refused the state (unexpected)")
    comparison = demo.compare(saved, export, source, dest)
    return _finish(demo, number, title, route, *_judge(comparison, run, dropped, source, dest))


def _judge(comparison: Comparison, run: Run, dropped: list[str], source: Device,
           dest: Device) -> tuple[bool, str]:
    fields = comparison.fields
    filled = sum(row.status == "filled" for row in fields)
    text = f"{source.vendor}'s state loaded on {dest.vendor}: {len(fields) - len(comparison.differences)}/" \
        f"{len(fields)} standard fields equal"
    if filled:
        text += f" ({filled} not in {min(comparison.source_version, comparison.dest_version)}, at their default)"
    skipped = [row.path.split(":", 1)[1] for row in comparison.private if row.status == "source-only"]
    unreported = [name for name in skipped if name not in dropped and not _reported(run, name)]
    if skipped:
        how = "dropped by convert" if dropped else f"reported by {dest.vendor}"
        text += f"; {source.vendor}'s optional private section {', '.join(skipped)} skipped ({how})"
    changed = [row.path for row in comparison.private if row.status == "differs"]
    return comparison.equal and not unreported and not changed, text


def _reported(run: Run, name: str) -> bool:
    return any("skipped" in line and name in line for line in run.lines())


def a_to_b(demo: Demo) -> CaseResult:
    _header(demo, 1, "vendor A → vendor B (org.virtio.net 1.1)",
            "acme-nic (C: ring arrays, MAC hash table, RSS with its own bits) saves; "
            "pynic (Python: dicts and sets) loads")
    return _migrate(demo, 1, "vendor A → vendor B", demo.vendor_a, "a-rss.txt", demo.vendor_b["1.1"])


def b_to_a(demo: Demo) -> CaseResult:
    _header(demo, 2, "vendor B → vendor A (org.virtio.net 1.1)",
            "the other way: pynic saves 3 queue pairs with RSS, acme-nic rebuilds its own structures")
    return _migrate(demo, 2, "vendor B → vendor A", demo.vendor_b["1.1"], "b-rss.txt", demo.vendor_a)


def convert_down(demo: Demo) -> CaseResult:
    _header(demo, 3, "version mismatch: vendor A on 1.1 → vendor B on 1.0, no 1.1 feature in use",
            "no common version: check-migration and negotiate decide; convert down-converts losslessly")
    return _migrate(demo, 3, "A 1.1 → B 1.0, 1.1 features unused", demo.vendor_a, "a-plain.txt",
                    demo.vendor_b["1.0"])


# --- vendor C (Rust) --------------------------------------------------------------------


def _vendor_c(demo: Demo) -> Device:
    if demo.vendor_c is None:
        raise DemoError("vendor C needs cargo (tools/system-deps --install rust)")
    return demo.vendor_c


def c_to_a(demo: Demo) -> CaseResult:
    _header(demo, 6, "vendor C → vendor A (org.virtio.net 1.1)",
            "rustnic (Rust: a Vec of rings with roles, u128 feature sets, MACs as u64) saves through the "
            "generated Rust crate; acme-nic loads")
    return _migrate(demo, 6, "vendor C → vendor A", _vendor_c(demo), "c-rss.txt", demo.vendor_a)


def b_to_c(demo: Demo) -> CaseResult:
    _header(demo, 7, "vendor B → vendor C (org.virtio.net 1.1)",
            "pynic saves 3 queue pairs with RSS; rustnic rebuilds its own structures")
    return _migrate(demo, 7, "vendor B → vendor C", demo.vendor_b["1.1"], "b-rss.txt", _vendor_c(demo))


def a_to_c(demo: Demo) -> CaseResult:
    _header(demo, 8, "vendor A → vendor C (org.virtio.net 1.1)",
            "acme-nic saves, with its optional private counters; rustnic loads, skipping them and saying so")
    return _migrate(demo, 8, "vendor A → vendor C", demo.vendor_a, "a-rss.txt", _vendor_c(demo))


# --- cases that must be refused -----------------------------------------------------------


def convert_refused(demo: Demo) -> CaseResult:
    title = "A 1.1 → B 1.0, RSS in use"
    source, dest = demo.vendor_a, demo.vendor_b["1.0"]
    _header(demo, 4, "version mismatch: vendor A on 1.1 with RSS active → vendor B on 1.0",
            "1.0 has no RSS: the check refuses, and convert would refuse too")
    plan = demo.check(demo.describe(source, "4-acme-nic.json", "a-rss.txt"), demo.describe(dest, "4-pynic.json"))
    refused = plan.action == "refuse" and any("rss" in reason for reason in plan.reasons)
    demo.console.print("  [italic]if an operator forced it anyway: the state is saved as 1.1 and only convert "
                       "could bring it to 1.0[/italic]")
    demo.save(source, "a-rss.txt", "4-acme-nic.dsf")
    error = demo.convert("4-acme-nic.dsf", ir.Version(1, 0), "4-acme-nic-1.0.dsf")
    written = demo.file("4-acme-nic-1.0.dsf").exists()
    ok = refused and isinstance(error, ConversionError) and bool(error.losses) and not written
    losses = len(error.losses) if isinstance(error, ConversionError) else 0
    outcome = f"refused before anything moved (rss); convert refuses too, naming {losses} values; nothing written"
    return _finish(demo, 4, title, _route(source, dest), ok, outcome)


def must_understand(demo: Demo) -> CaseResult:
    title = "A's must-understand vendor section"
    source, dest = demo.vendor_a, demo.vendor_b["1.1"]
    _header(demo, 5, "refusal: vendor A writes a must-understand vendor section",
            "acme-nic's IPsec offload state has no standard field: a destination that cannot "
            "interpret it must not load the state")
    plan = demo.check(demo.describe(source, "5-acme-nic.json", "a-ipsec.txt"), demo.describe(dest, "5-pynic.json"))
    refused = plan.action == "refuse" and any(IPSEC_SECTION in reason for reason in plan.reasons)
    demo.console.print("  [italic]the decoders enforce the same rule if the blob is sent anyway:[/italic]")
    demo.save(source, "a-ipsec.txt", "5-acme-nic.dsf")
    demo.inspect("5-acme-nic.dsf")
    reference = demo.decode("5-acme-nic.dsf")
    run = demo.load(dest, "5-acme-nic.dsf", None)
    named = "UNKNOWN_SECTION" in run.stderr and IPSEC_SECTION in run.stderr
    ok = refused and run.returncode == 1 and named and isinstance(reference, DecodeError)
    outcome = (f"refused before migrating, naming {IPSEC_SECTION} #1 (acme_ipsec_sa); "
               f"{dest.name} refuses it too: UNKNOWN_SECTION, nothing loaded")
    return _finish(demo, 5, title, _route(source, dest), ok, outcome)


Case = Callable[[Demo], CaseResult]
CASES: tuple[Case, ...] = (a_to_b, b_to_a, convert_down, convert_refused, must_understand)
RUST_CASES: tuple[Case, ...] = (c_to_a, b_to_c, a_to_c)
"""Vendor C's cases: run when cargo is installed."""
