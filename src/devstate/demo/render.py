"""How the demo shows things: step lines, device output, section and comparison tables."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from devstate.demo.compare import MISSING, Comparison, Row
from devstate.wire.inspect import Inspection

OK, BAD, SKIP = "[green]✓[/green]", "[red]✗[/red]", "[yellow]↷[/yellow]"
_QUEUE = re.compile(r"^queues\[(\d+)\]\.(\w+)$")
QUEUE_COLUMNS = ("size", "enabled", "desc_addr", "driver_addr", "device_addr", "last_avail_idx", "used_idx",
                 "msix_vector")


def step(console: Console, name: str, text: str) -> None:
    console.print(f"  [bold cyan]▸ {name:<9}[/bold cyan] {text}", soft_wrap=True)


def detail(console: Console, text: str, style: str = "") -> None:
    body = f"[{style}]{text}[/{style}]" if style else text
    console.print(f"    {' ' * 9} {body}", soft_wrap=True)


def command(console: Console, text: str) -> None:
    detail(console, f"$ {escape(text)}", "dim")


def device_output(console: Console, lines: list[str]) -> None:
    for line in lines:
        detail(console, f"│ {escape(line)}", "dim")


def indented(renderable: RenderableType) -> Padding:
    return Padding(renderable, (0, 0, 0, 4), expand=False)


def verdict(console: Console, ok: bool, text: str) -> None:
    console.print(f"  {OK if ok else BAD} [bold]{text}[/bold]", soft_wrap=True)


# --- values -------------------------------------------------------------------------------


def show(path: str, value: Any) -> str:
    """A short human form of a state value, by what the field holds."""
    if value is MISSING:
        return "—"
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(value, bytes | bytearray | memoryview):
        return _hex(bytes(value))
    if isinstance(value, list):
        return _show_list(leaf, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and (leaf.endswith("_addr") or value > 0xFFFF):
        return f"0x{value:x}"
    return str(value)


def _show_list(leaf: str, value: list[Any]) -> str:
    if leaf == "mac":
        return _mac(value)
    if leaf in ("unicast", "multicast"):
        return ", ".join(_mac(m) for m in value) or "none"
    if leaf == "vlan_filter":
        vids = [w * 32 + b for w, word in enumerate(value) for b in range(32) if word >> b & 1]
        return "VLANs " + ", ".join(map(str, vids)) if vids else "none"
    if leaf.endswith("_features"):
        return f"0x{value[0] | value[1] << 64:x}"
    return ", ".join(map(str, value)) or "none"


def _mac(octets: list[int]) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def _hex(data: bytes) -> str:
    if not data:
        return '""'
    return data.hex() if len(data) <= 12 else f"{data[:10].hex()}… ({len(data)} B)"


def is_default(value: Any) -> bool:
    if isinstance(value, list):
        return all(is_default(v) for v in value)
    return value is not MISSING and not value


# --- tables -------------------------------------------------------------------------------


def sections_table(inspection: Inspection, names: dict[tuple[str | None, int], str]) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="dim")
    for column in ("offset", "section", "name", "flags", "length"):
        table.add_column(column, justify="right" if column in ("offset", "length") else "left")
    for section in inspection.sections:
        key = (str(section.vendor) if section.vendor else None, section.id)
        flags = ",".join(n for bit, n in ((1, "optional"), (2, "vendor")) if section.flags & bit) or "-"
        style = "" if section.flags & 1 or not section.vendor else "bold red"
        where = f"{section.vendor} #{section.id}" if section.vendor else str(section.id)
        table.add_row(str(section.offset), where, names.get(key, "?"), flags, str(section.length), style=style)
    return table


def field_table(comparison: Comparison, source: str, dest: str, full: bool) -> tuple[Table, int]:
    """Every field, one row each, when ``full``; otherwise the fields outside the queues
    (``queue_table`` shows those) without the equal ones at zero (their count is returned)."""
    table = Table(title=None, header_style="bold", padding=(0, 1))
    table.add_column("field", no_wrap=True)
    table.add_column(f"{source} saved")
    table.add_column(f"{dest} rebuilt")
    table.add_column("", justify="center")
    hidden = 0
    for row in comparison.rows:
        if _QUEUE.match(row.path) and not full:
            continue
        if row.ok and row.standard and not full and is_default(row.source):
            hidden += 1
            continue
        table.add_row(_path(row), show(row.path, row.source), show(row.path, row.dest), _mark(row))
    return table, hidden


def queue_table(comparison: Comparison) -> Table:
    """One row per virtqueue; a cell shows the value both sides hold, or ``A → B`` in red."""
    table = Table(header_style="bold", padding=(0, 1))
    by_queue: dict[int, dict[str, Row]] = {}
    for row in comparison.fields:
        match = _QUEUE.match(row.path)
        if match:
            by_queue.setdefault(int(match.group(1)), {})[match.group(2)] = row
    columns = [c for c in dict.fromkeys(name for rows in by_queue.values() for name in rows)
               if c in QUEUE_COLUMNS or any(c in r and _notable(r[c]) for r in by_queue.values())]
    for column in ("queue", *columns, "fields", ""):
        table.add_column(column.replace("_addr", "").replace("_idx", ""), justify="right")
    pairs = (len(by_queue)) // 2
    for index, rows in sorted(by_queue.items()):
        name = "ctrl" if index == 2 * pairs else f"{'rx' if index % 2 == 0 else 'tx'}{index // 2}"
        cells = [_queue_cell(rows[c]) if c in rows else "" for c in columns]
        equal = sum(r.ok for r in rows.values())
        table.add_row(name, *cells, f"{equal}/{len(rows)}", OK if equal == len(rows) else BAD)
    return table


def _notable(row: Row) -> bool:
    """A queue field worth a column even outside ``QUEUE_COLUMNS``: set, or not equal."""
    return not row.ok or not is_default(row.source)


def _queue_cell(row: Row) -> str:
    if row.ok:
        return show(row.path, row.source)
    return f"[red]{show(row.path, row.source)} → {show(row.path, row.dest)}[/red]"


def _path(row: Row) -> str:
    return f"[dim]{row.path}[/dim]" if not row.standard else row.path


def _mark(row: Row) -> str:
    if row.status == "filled":
        return "[green]✓[/green] [dim]default[/dim]"
    if row.status == "source-only":
        return f"{SKIP} [yellow]skipped[/yellow]"
    if row.status == "dest-only":
        return "[dim]its own[/dim]"
    return OK if row.ok else BAD
