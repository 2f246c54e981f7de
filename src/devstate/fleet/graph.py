"""The pool graph in Graphviz's DOT language, and as SVG through ``dot`` (Debian's graphviz).

One node per pool (its name, host count and devices); an arrow ``S → D`` for every pair of
distinct pools where ``D`` can receive from ``S``. A pool that cannot receive from itself
is drawn dashed. The DOT text is deterministic, so it can be committed and compared.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess

from devstate.errors import UsageError
from devstate.fleet.pools import PoolGraph


def pool_dot(graph: PoolGraph, title: str = "pools") -> str:
    lines = [f"digraph {_quote(title)} {{", "  rankdir=LR;",
             '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
             '  edge [color="#555555", arrowsize=0.7];']
    for index, pool in enumerate(graph.pools):
        hosts = len(pool.hosts)
        label = _quote(pool.name, f"{hosts} host{'s' if hosts != 1 else ''}", *pool.device_lines())
        style = "" if graph.receives(index, index) else ', style="rounded,dashed"'
        lines.append(f"  {pool.name} [label={label}{style}];")
    for source, destination in itertools.product(range(len(graph.pools)), repeat=2):
        if source != destination and graph.receives(source, destination):
            lines.append(f"  {graph.pools[source].name} -> {graph.pools[destination].name};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot: str) -> bytes:
    """Render DOT text with Graphviz's ``dot -Tsvg``; ``UsageError`` when it is missing or fails."""
    program = shutil.which("dot")
    if program is None:
        raise UsageError("drawing the pool graph needs Graphviz's dot (Debian package graphviz; "
                         "tools/system-deps --install graphviz)")
    result = subprocess.run([program, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=300)
    if result.returncode != 0:
        raise UsageError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _quote(*lines: str) -> str:
    """A DOT string; several lines are joined by DOT's centred line break."""
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines) + '"'
