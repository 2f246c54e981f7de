"""``devstate fleet ...``: pools, placement, baselines and scheduler labels over an inventory."""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from devstate.cli.output import EXIT_INVALID, EXIT_OK, console, error_console, fail, print_json
from devstate.cli.streams import is_stdio, read_stdin, write_atomic
from devstate.errors import UsageError
from devstate.fileio import io_error
from devstate.fleet.inventory import FleetInputError, Inventory, Signature, load_inventory, load_record
from devstate.fleet.pairs import PairCache
from devstate.fleet.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])
SHOWN_ERRORS = 20
"""Malformed records printed one by one before the rest are only counted."""


def _common(command: F) -> F:
    for option in reversed([
        click.option("--strict", is_flag=True, help="Stop at the first malformed record (exit 2)."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON for management software."),
        click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                     help="Where the models' schemas are (default: the standard schemas)."),
    ]):
        command = option(command)
    return command


_HOSTS = click.argument("hosts", type=click.Path(path_type=Path))


@click.group()
def fleet() -> None:
    """The fleet view over host (and VM) descriptions: a directory of JSON files, a JSON
    Lines file or a Parquet file of records {"host": NAME, "devices": [DEVICE, ...]}.
    Malformed records are reported (file, line or row, JSON path) and skipped."""


@fleet.command()
@_HOSTS
@_common
@click.option("--svg", "svg_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also draw the pool graph as SVG (needs Graphviz's dot).")
@click.option("--dot", "dot_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the pool graph as Graphviz DOT text.")
@click.option("--limit", default=20, show_default=True, help="Missing edges printed in the table.")
def pools(hosts: Path, strict: bool, as_json: bool, schemas_dir: Path | None, svg_path: Path | None,
          dot_path: Path | None, limit: int) -> None:
    """Hosts grouped into pools of identical capability, and which pool can receive VMs from
    which (every missing edge with its reasons)."""
    from devstate.fleet.graph import dot_to_svg, pool_dot
    from devstate.fleet.pools import pool_graph

    to_stdout = _stdout_output(as_json, ("--svg", svg_path), ("--dot", dot_path))
    inventory = _inventory(hosts, strict)
    graph = pool_graph(inventory, PairCache(Registry(schemas_dir)))
    if dot_path is not None or svg_path is not None:
        dot = pool_dot(graph, hosts.name)
        if dot_path is not None:
            write_atomic(dot_path, dot.encode())
        if svg_path is not None:
            write_atomic(svg_path, _or_fail(lambda: dot_to_svg(dot)))
    if to_stdout:
        return
    if as_json:
        print_json(graph.to_json())
        return
    table = Table(title=f"{len(inventory)} hosts in {len(graph.pools)} pools", title_justify="left")
    for column in ("pool", "hosts", "signature", "devices", "receives from"):
        table.add_column(column)
    for index, pool in enumerate(graph.pools):
        sources = [p.name for p in graph.receives_from(index)]
        table.add_row(pool.name, str(len(pool.hosts)), pool.digest, "\n".join(pool.device_lines()),
                      ", ".join(sources) or "-")
    console.print(table)
    missing = len(graph.pools) ** 2 - graph.edge_count()
    for edge in itertools.islice(graph.missing(), limit):
        console.print(f"{edge.destination.name} cannot receive from {edge.source.name}:", highlight=False)
        for reason in edge.reasons:
            console.print(f"  [red]✗[/red] {reason.message}", soft_wrap=True, highlight=False)
    if missing > limit:
        console.print(f"... {missing - limit} more missing edges (--limit, or --json for all)")


@fleet.command()
@click.argument("vm", type=click.Path(path_type=Path))
@_HOSTS
@_common
@click.option("--explain", "explain_host", default=None, metavar="HOST",
              help="Say, device by device, why the VM can or cannot go to HOST.")
def place(vm: Path, hosts: Path, strict: bool, as_json: bool, schemas_dir: Path | None,
          explain_host: str | None) -> None:
    """The pools and hosts the VM (a JSON file {"vm": NAME, "devices": [...]}) can move to:
    per device the verdict, the negotiated version and whether a conversion is needed.

    Exit status: 0 some host can receive it (with --explain: HOST can), 1 none, 2 bad input.
    """
    from devstate.fleet.place import place as place_vm

    _one_stdin(("VM", vm), ("HOSTS", hosts))
    name, devices = _vm(vm)
    placement = place_vm(name, devices, _inventory(hosts, strict), PairCache(Registry(schemas_dir)))
    if explain_host is not None:
        target = placement.of_host(explain_host)
        if target is None:
            fail(f"{hosts}: no host {explain_host!r}")
        _explain(name, explain_host, target, as_json)
        raise click.exceptions.Exit(EXIT_OK if target.ok else EXIT_INVALID)
    if as_json:
        print_json(placement.to_json())
    else:
        _print_placement(placement)
    raise click.exceptions.Exit(EXIT_OK if placement.targets else EXIT_INVALID)


def _print_placement(placement: Any) -> None:
    table = Table(title=f"{placement.vm}: {placement.host_count()} of {len(placement.inventory)} hosts "
                        f"in {len(placement.targets)} of {len(placement.pools)} pools", title_justify="left")
    for column in ("pool", "hosts", "can go", "devices"):
        table.add_column(column)
    for target in placement.pools:
        table.add_row(target.pool.name, str(len(target.pool.hosts)), "[green]yes[/]" if target.ok else "[red]no[/]",
                      "\n".join(_device_line(d) for d in target.devices))
    console.print(table)


def _device_line(pair: Any) -> str:
    if not pair.ok:
        return f"{pair.model}: {len(pair.reasons)} reason{'s' if len(pair.reasons) != 1 else ''} (--explain HOST)"
    verdict = pair.verdict
    if pair.conversion:
        return f"{pair.model}: convert {verdict.writes} → {verdict.loads}"
    if verdict.verdict.value == "conditional":
        held = len(verdict.conditions)
        return f"{pair.model}: {verdict.writes} loaded by {verdict.loads} while {held} condition(s) hold"
    return f"{pair.model}: version {pair.version}"


def _explain(vm: str, host: str, target: Any, as_json: bool) -> None:
    if as_json:
        print_json({"vm": vm, "host": host, "pool": target.pool.name, "ok": target.ok,
                    "devices": [d.to_json() for d in target.devices]})
        return
    status = "[green]can go[/]" if target.ok else "[red]cannot go[/]"
    console.print(f"{vm} → {host} (pool {target.pool.name}): {status}")
    for pair in target.devices:
        console.print(f"  {_device_line(pair) if pair.ok else pair.model + ':'}", highlight=False, soft_wrap=True)
        for reason in pair.reasons:
            console.print(f"    [red]✗[/red] {reason.message}", highlight=False, soft_wrap=True)
        for note in [] if pair.verdict is None else pair.verdict.notes:
            console.print(f"    [dim]note: {note}[/dim]", highlight=False, soft_wrap=True)


@fleet.command()
@_HOSTS
@_common
@click.option("--vm", "vm_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the baseline as a VM description (JSON) to this file.")
def baseline(hosts: Path, strict: bool, as_json: bool, schemas_dir: Path | None, vm_path: Path | None) -> None:
    """The richest device configuration (per model: version and parameter values) every host
    loads, so a VM started with it can move anywhere in the set, and the hosts that hold a
    richer one back.

    Exit status: 0 every model has a baseline, 1 some has none (the hosts are named), 2 bad input.
    """
    import json

    from devstate.fleet.baseline import baseline as make_baseline

    to_stdout = _stdout_output(as_json, ("--vm", vm_path))
    inventory = _inventory(hosts, strict)
    result = make_baseline(inventory, Registry(schemas_dir))
    if vm_path is not None:
        write_atomic(vm_path, (json.dumps(result.vm_record(), indent=2) + "\n").encode())
    if as_json:
        print_json(result.to_json())
    elif not to_stdout:  # the VM description is standard output's
        for model in result.models:
            device = model.device
            if device is None:
                console.print(f"{model.model}: [red]no baseline[/]", highlight=False)
                for problem in model.problems:
                    console.print(f"  [red]✗[/red] {problem}", highlight=False, soft_wrap=True)
            else:
                values = " ".join(f"{k}={json.dumps(v)}" for k, v in device.params.items())
                values = values or "every parameter at its default"
                console.print(f"{model.model}@{device.versions[0]}: {values}", highlight=False, soft_wrap=True)
                for ref in device.vendor_sections:
                    console.print(f"  vendor section {ref}", highlight=False)
            for held in model.held_back:
                if held.what != "model":
                    console.print(f"  held back: {held.message}", highlight=False, soft_wrap=True)
    raise click.exceptions.Exit(EXIT_OK if all(m.device for m in result.models) else EXIT_INVALID)


@fleet.command()
@_HOSTS
@_common
@click.option("--kubectl", is_flag=True, help="Print one `kubectl label node` command per host instead.")
def labels(hosts: Path, strict: bool, as_json: bool, schemas_dir: Path | None, kubectl: bool) -> None:
    """Kubernetes node labels (devstate.dev/...) that say what each host's devices load, per
    pool of identical hosts (the scheme: spec/fleet.md)."""
    from devstate.fleet.labels import signature_labels
    from devstate.fleet.pools import make_pools

    inventory = _inventory(hosts, strict)
    registry = Registry(schemas_dir)
    pools = [(pool, signature_labels(pool.signature, pool.digest, registry)) for pool in make_pools(inventory)]
    names = inventory.names
    if as_json:
        print_json({"pools": [{"pool": p.name, "signature": p.digest, "hosts": [names[i] for i in p.hosts],
                               "labels": found} for p, found in pools],
                    "errors": [e.to_json() for e in inventory.errors]})
    elif kubectl:
        for pool, found in pools:
            arguments = " ".join(f"{k}={v}" for k, v in found.items())
            for index in pool.hosts:
                click.echo(f"kubectl label node --overwrite {shlex.quote(names[index])} {arguments}")
    else:
        for pool, found in pools:
            shown = ", ".join(names[i] for i in pool.hosts[:5]) + (" ..." if len(pool.hosts) > 5 else "")
            console.print(f"{pool.name} ({len(pool.hosts)} hosts: {shown})", highlight=False, soft_wrap=True)
            for name, value in found.items():
                console.print(f"  {name}={value}", highlight=False, soft_wrap=True)


@fleet.command(name="affinity")
@click.argument("vm", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of YAML.")
@click.option("--schemas-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the models' schemas are (default: the standard schemas).")
def affinity_cmd(vm: Path, as_json: bool, schemas_dir: Path | None) -> None:
    """The required nodeAffinity (YAML for a KubeVirt VirtualMachine's spec.template.spec)
    that keeps the VM on nodes whose `fleet labels` say they load its state as saved.

    Exit status: 0, 1 when no node can match (the reasons on stderr), 2 bad input.
    """
    import yaml

    from devstate.fleet.labels import affinity

    name, devices = _vm(vm)
    result = affinity(name, devices, Registry(schemas_dir))
    for note in result.notes:
        error_console.print(f"devstate: {note}", markup=False, soft_wrap=True)
    if not result.complete:
        error_console.print(f"devstate: note: only the first {len(result.terms)} terms are kept; "
                            "they select fewer nodes than can load the state", markup=False)
    manifest = result.manifest()
    if as_json:
        print_json(manifest)
    else:
        click.echo(f"# devstate fleet affinity {vm.name}: nodes that load the state of VM {name} as saved\n"
                   + yaml.safe_dump(manifest, sort_keys=False, default_flow_style=None, width=200), nl=False)
    raise click.exceptions.Exit(EXIT_OK if result.terms else EXIT_INVALID)


MAX_STDIN_RECORDS = 256 << 20
"""Bytes of host (or VM) records read from standard input, at most (a file is read as it goes)."""


def _stdin(path: Path) -> bytes | None:
    """Standard input's bytes when ``path`` is ``-``."""
    if not is_stdio(path):
        return None
    try:
        return read_stdin(MAX_STDIN_RECORDS)
    except OSError as exc:
        fail(io_error(path, exc))


def _one_stdin(*inputs: tuple[str, Path]) -> None:
    dashes = [name for name, path in inputs if is_stdio(path)]
    if len(dashes) > 1:
        fail(f"only one of {' and '.join(dashes)} can be - (standard input)")


def _stdout_output(as_json: bool, *outputs: tuple[str, Path | None]) -> bool:
    """Whether an output is ``-``: it is then all that is printed on standard output (the report is
    not), so only one can be, and not with --json."""
    dashes = [option for option, path in outputs if path is not None and is_stdio(path)]
    if len(dashes) > 1:
        fail(f"only one of {' and '.join(dashes)} can be - (standard output)")
    if dashes and as_json:
        fail(f"{dashes[0]} - and --json both write standard output")
    return bool(dashes)


def _vm(path: Path) -> tuple[str, Signature]:
    data = _stdin(path)
    return _or_fail(lambda: load_record(path, "vm", data))


def _inventory(path: Path, strict: bool, kind: str = "host") -> Inventory:
    data = _stdin(path)
    inventory = _or_fail(lambda: load_inventory(path, kind, strict, data))
    for error in inventory.errors[:SHOWN_ERRORS]:
        error_console.print(f"devstate: skipped: {error}", markup=False, soft_wrap=True)
    if len(inventory.errors) > SHOWN_ERRORS:
        error_console.print(f"devstate: skipped {len(inventory.errors) - SHOWN_ERRORS} more malformed records "
                            "(--json lists them all)", markup=False)
    if not len(inventory):
        fail(f"{path}: no valid {kind} record", code=FleetInputError.code)
    return inventory


T = TypeVar("T")


def _or_fail(action: Callable[[], T]) -> T:
    try:
        return action()
    except UsageError as exc:
        fail(exc)
