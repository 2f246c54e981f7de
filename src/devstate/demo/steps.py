"""The steps of a migration, each shown as it happens: the devstate operation behind each
step is the one the named ``devstate`` command runs (printed as ``$ devstate ...``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from devstate import ir
from devstate.blob_convert import convert_blob
from devstate.compat.convert import ConversionError
from devstate.demo import render
from devstate.demo.compare import Comparison, compare_states, flatten
from devstate.demo.devices import Checkout, DemoError, Device, Run
from devstate.demo.plan import Plan, Schemas, plan_migration
from devstate.interp import decode
from devstate.state import State
from devstate.wire.errors import DecodeError
from devstate.wire.header import parse_header
from devstate.wire.inspect import inspect_blob


@dataclass
class Demo:
    """Everything the steps share: where files go, the devices, the schemas, the console."""

    checkout: Checkout
    work: Path
    console: Console
    vendor_a: Device
    vendor_b: dict[str, Device]
    """pynic by schema version."""
    full: bool = False
    vendor_c: Device | None = None
    """rustnic (None: cargo is not installed, its cases are skipped)."""

    def __post_init__(self) -> None:
        self.schemas = Schemas()

    def file(self, name: str) -> Path:
        return self.work / name

    # --- before anything moves ------------------------------------------------------------

    def describe(self, device: Device, name: str, scenario: str | None = None) -> Path:
        run = device.describe(Path(name), self.checkout.scenario(scenario) if scenario else None)
        if not run.ok:
            raise DemoError(f"{device.name} describe failed: {run.stderr.strip()}")
        render.step(self.console, "describe", f"{device.label} → {name}: {_summary(self.file(name))}")
        return self.file(name)

    def check(self, source: Path, dest: Path) -> Plan:
        plan = plan_migration(source, dest, self.schemas)
        render.step(self.console, "check", "is the move possible? (nothing has been saved yet)")
        render.command(self.console, f"devstate check-migration --source {source.name} --dest {dest.name}")
        where = f" (parameters of {plan.check.schema.ident})" if plan.check.schema else ""
        self._result(plan.check.compatible, f"compatible{where}", f"not compatible{where}",
                     [m.message for m in plan.check.mismatches])
        render.command(self.console, f"devstate negotiate --source {source.name} --dest {dest.name}")
        version = plan.negotiation.version
        self._result(plan.negotiation.ok, f"use version {version}", "no version works",
                     [m.message for m in plan.negotiation.reasons])
        if plan.converted is not None:
            self._result(plan.converted.ok, "converting changes the version only: every vendor section the source "
                         "requires is understood", "converting would not help:",
                         [m.message for m in plan.converted.reasons])
        for note in plan.notes:
            render.detail(self.console, f"note: {note}", "dim")
        render.detail(self.console, _decision(plan), "bold")
        return plan

    def _result(self, ok: bool, good: str, bad: str, reasons: list[str]) -> None:
        render.detail(self.console, f"{render.OK} {good}" if ok else f"{render.BAD} {bad}")
        for reason in reasons:
            render.detail(self.console, f"  [red]✗[/red] {reason}")

    # --- saving, looking at the blob, converting ------------------------------------------

    def save(self, device: Device, scenario: str, name: str) -> Run:
        run = device.save(self.checkout.scenario(scenario), Path(name))
        render.step(self.console, f"save on {device.vendor[-1]}", f"{device.name} save {scenario} {name}")
        render.device_output(self.console, run.lines())
        if not run.ok:
            raise DemoError(f"{device.name} save failed (exit status {run.returncode}): {run.stderr.strip()}")
        return run

    def inspect(self, name: str) -> None:
        data = self.file(name).read_bytes()
        report = inspect_blob(data)
        header = report.header
        assert header is not None
        crc = "ok" if report.checksum_ok else "BAD"
        render.step(self.console, "inspect", f"{name}: DSF v{header.format_version}, {header.model}@{header.version}, "
                    f"{header.total_length} bytes, CRC-32C {crc}")
        render.command(self.console, f"devstate inspect {name}")
        names = self._section_names(header.version)
        self.console.print(render.indented(render.sections_table(report, names)), style="dim")

    def _section_names(self, version: ir.Version) -> dict[tuple[str | None, int], str]:
        schema = self.schemas(version)
        names: dict[tuple[str | None, int], str] = {(None, s.id): s.name for s in schema.sections}
        names.update({(str(v.vendor), v.id): v.name for v in schema.vendor_sections})
        return names

    def decode(self, name: str) -> State | DecodeError:
        """The blob decoded by the reference codec with the schema its header names."""
        data = self.file(name).read_bytes()
        schema = self.schemas(parse_header(data).version)
        render.command(self.console, f"devstate decode {name}")
        try:
            state = decode(schema, data)
        except DecodeError as exc:
            render.detail(self.console, f"{render.BAD} the reference decoder refuses it too: {exc.code} at offset "
                          f"{exc.offset}: {exc.message}")
            return exc
        count = len(flatten(state["sections"]))
        render.detail(self.console, f"{render.OK} decoded by the reference codec as {schema.ident}: "
                      f"{len(state['sections'])} standard sections, {count} fields, "
                      f"{len(state.get('vendor_sections', {}))} vendor section(s)")
        return state

    def convert(self, name: str, version: ir.Version, output: str) -> list[str] | ConversionError:
        """The optional sections dropped on the way, or the refusal (then nothing is written)."""
        render.step(self.console, "convert", f"{name} → {output} (org.virtio.net {version})")
        render.command(self.console, f"devstate convert {name} --to-version {version} -o {output}")
        try:
            blob = convert_blob(self.file(name).read_bytes(), version, self.schemas)
        except ConversionError as exc:
            render.detail(self.console, f"{render.BAD} {exc.message}; nothing was written")
            for loss in exc.losses:
                render.detail(self.console, f"  [red]✗[/red] {loss}")
            return exc
        blob.write(self.file(output))
        route = "; ".join(str(hop) for hop in blob.route)
        render.detail(self.console, f"{render.OK} {blob.source.ident} → {blob.target.ident}: {route}, "
                      f"{blob.size} bytes")
        for dropped in blob.dropped:
            render.detail(self.console, f"note: optional section {dropped} is unknown to {version}: dropped", "dim")
        return blob.dropped

    # --- loading on the destination and comparing -----------------------------------------

    def load(self, device: Device, name: str, export: str | None) -> Run:
        render.step(self.console, f"load on {device.vendor[-1]}", f"{device.name} load {name}"
                    + (f" (then save its own view as {export})" if export else ""))
        run = device.load(Path(name), Path(export) if export else None)
        render.device_output(self.console, run.lines())
        return run

    def compare(self, saved: State, export: str, source: Device, dest: Device) -> Comparison:
        rebuilt = decode(self.schemas(parse_header(self.file(export).read_bytes()).version),
                         self.file(export).read_bytes())
        comparison = compare_states(saved, rebuilt, self.schemas)
        render.step(self.console, "compare", f"what {source.vendor} saved vs what {dest.vendor} rebuilt, "
                    "field by field (both as standard state)")
        fields, hidden = render.field_table(comparison, source.vendor, dest.vendor, self.full)
        self.console.print(render.indented(fields))
        if hidden:
            render.detail(self.console, f"… and {hidden} more fields equal on both sides at zero/empty "
                          "(--full shows them)", "dim")
        if not self.full:
            self.console.print(render.indented(render.queue_table(comparison)))
        return comparison


def _summary(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    versions = ", ".join(data["versions"])
    used = [f"{k}={v}" if not isinstance(v, bool) else k for k, v in data.get("params", {}).items() if v]
    vendor = [f"{v['vendor']} #{v['id']}" for v in data.get("vendor_sections", [])]
    parts = [f"versions {versions}", "params " + " ".join(used) if used else "as a destination"]
    return "; ".join(parts + ([f"vendor sections {', '.join(vendor)}"] if vendor else []))


def _decision(plan: Plan) -> str:
    if plan.action == "migrate":
        return f"→ decision: migrate as org.virtio.net {plan.version}"
    if plan.action == "convert":
        return f"→ decision: save as the source's version, convert to {plan.version} (lossless or refused), migrate"
    return "→ decision: [red]refuse[/red]: the source keeps running, nothing is saved or moved"
