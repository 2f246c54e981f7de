"""``devstate fleet ...``: pools, placement, baselines and scheduler labels over an inventory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from devstate.cli.output import EXIT_OK, console, error_console, fail, print_json
from devstate.errors import UsageError
from devstate.fileio import write_atomically
from devstate.fleet.inventory import Inventory, load_inventory
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

    inventory = _inventory(hosts, strict)
    graph = pool_graph(inventory, PairCache(Registry(schemas_dir)))
    if dot_path is not None or svg_path is not None:
        dot = pool_dot(graph, hosts.name)
        if dot_path is not None:
            _write(dot_path, dot.encode())
        if svg_path is not None:
            _write(svg_path, _or_fail(lambda: dot_to_svg(dot)))
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
    missing = [e for e in graph.edges.values() if not e.ok]
    for edge in missing[:limit]:
        console.print(f"{edge.destination.name} cannot receive from {edge.source.name}:", highlight=False)
        for reason in edge.reasons:
            console.print(f"  [red]✗[/red] {reason.message}", soft_wrap=True, highlight=False)
    if len(missing) > limit:
        console.print(f"... {len(missing) - limit} more missing edges (--limit, or --json for all)")


def _inventory(path: Path, strict: bool, kind: str = "host") -> Inventory:
    inventory = _or_fail(lambda: load_inventory(path, kind, strict))
    for error in inventory.errors[:SHOWN_ERRORS]:
        error_console.print(f"devstate: skipped: {error}", markup=False, soft_wrap=True)
    if len(inventory.errors) > SHOWN_ERRORS:
        error_console.print(f"devstate: skipped {len(inventory.errors) - SHOWN_ERRORS} more malformed records "
                            "(--json lists them all)", markup=False)
    if not len(inventory):
        fail(f"{path}: no valid {kind} record")
    return inventory


T = TypeVar("T")


def _or_fail(action: Callable[[], T]) -> T:
    try:
        return action()
    except UsageError as exc:
        fail(str(exc))


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, [data])
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror}")


__all__ = ["EXIT_OK", "fleet"]
