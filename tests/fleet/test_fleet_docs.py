"""spec/fleet.md: the example fleet's pool graph and the outputs the page shows are current."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from paths import SPEC

from devstate.cli import main
from devstate.fleet.graph import dot_to_svg, pool_dot
from devstate.fleet.inventory import load_inventory
from devstate.fleet.pairs import PairCache
from devstate.fleet.pools import pool_graph
from devstate.fleet.registry import Registry

HOSTS = SPEC / "examples" / "fleet-hosts.jsonl"
VM = SPEC / "examples" / "fleet-vm.json"
CONSOLE = re.compile(r"```console\n\$ devstate (.*?)\n(.*?)```", re.S)


def _dot() -> str:
    return pool_dot(pool_graph(load_inventory(HOSTS), PairCache(Registry())), HOSTS.name)


def test_committed_pool_graph_is_current() -> None:
    assert (SPEC / "fleet-pools.dot").read_text(encoding="utf-8") == _dot()
    svg = (SPEC / "fleet-pools.svg").read_text(encoding="utf-8")
    assert svg.count('class="node"') == 4 and svg.count('class="edge"') == 6


@pytest.mark.needs("graphviz")
def test_committed_svg_renders_the_dot() -> None:
    fresh = dot_to_svg(_dot()).decode()
    committed = (SPEC / "fleet-pools.svg").read_text(encoding="utf-8")
    titles = re.compile(r"<title>(.*?)</title>")
    assert titles.findall(fresh) == titles.findall(committed)


@pytest.mark.parametrize("verb", ["fleet pools", "fleet place", "fleet baseline"])
def test_page_outputs_are_what_the_commands_print(verb: str) -> None:
    """Every line the page shows (up to a `...`) is a line the command prints."""
    page = (SPEC / "fleet.md").read_text(encoding="utf-8")
    blocks = [(command, shown) for command, shown in CONSOLE.findall(page)
              if command.startswith(verb + " ") and HOSTS.name in command]
    assert blocks
    for command, shown in blocks:
        arguments = [str(HOSTS) if a == HOSTS.name else str(VM) if a == VM.name else a for a in command.split()]
        if "--vm" in arguments:
            arguments = arguments[:arguments.index("--vm")]
        printed = CliRunner().invoke(main, arguments).output.splitlines()
        lines = shown.split("\n...")[0].rstrip("\n").splitlines()
        assert [line.rstrip() for line in printed[:len(lines)]] == [line.rstrip() for line in lines], command
