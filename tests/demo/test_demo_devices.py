"""The demo's two device programs on their own (examples/vendor_a, examples/vendor_b) and the
demo's comparison: builds, isolation, round trips, scenario errors, refusals."""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from system_packages import require

from devstate.demo import DemoError, render
from devstate.demo.compare import compare_states
from devstate.demo.devices import CFLAGS, Checkout, Device, build_vendor_a, find_cc, vendor_b
from devstate.demo.plan import Schemas, plan_migration
from devstate.interp import decode
from devstate.state import State
from devstate.wire.header import parse_header

pytestmark = pytest.mark.needs("c-compiler")  # vendor A is a C program
try:
    CC = find_cc()
except DemoError:
    CC = "cc"

CHECKOUT = Checkout.locate()
SCHEMAS = Schemas()


@pytest.fixture(scope="module")
def vendor_a(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Device]:
    build = tmp_path_factory.mktemp("vendor-a")
    return {v: build_vendor_a(CHECKOUT, v, build, CC).device for v in ("1.0", "1.1")}


def _in(device: Device, work: Path) -> Device:
    return dataclasses.replace(device, cwd=work)


def _b(version: str, work: Path) -> Device:
    return vendor_b(CHECKOUT, version, work)


def _state(path: Path) -> State:
    data = path.read_bytes()
    return decode(SCHEMAS(parse_header(data).version), data)


def _scenario(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- building and isolating the devices ---------------------------------------------------


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_vendor_a_is_clean_c99_for_both_schema_versions(compiler: str, tmp_path: Path) -> None:
    require("c-sanitizers" if compiler == "clang" else "c-compiler")
    cc = find_cc(compiler)
    for version in ("1.0", "1.1"):
        build = build_vendor_a(CHECKOUT, version, tmp_path, cc)
        assert not build.cached and Path(build.device.command[0]).is_file()
        assert set(CFLAGS) <= set(build.command) and f"-DACME_DSF_MINOR={version[-1]}" in build.command
        assert build_vendor_a(CHECKOUT, version, tmp_path, cc).cached
    pedantic = [cc, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                f"-I{CHECKOUT.codegen_c}", *map(str, (CHECKOUT.examples / "vendor_a").glob("*.c"))]
    assert subprocess.run(pedantic, capture_output=True, text=True, check=False).returncode == 0


def test_vendor_b_cannot_even_import_devstate(tmp_path: Path) -> None:
    device = _b("1.1", tmp_path)
    env = dict(device.env)
    probe = [sys.executable, "-S", "-c", "import vendor_b.dsf, devstate_codecs; import devstate"]
    done = subprocess.run(probe, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1 and "No module named 'devstate'" in done.stderr


def test_vendor_b_imports_only_the_standard_library_and_the_generated_codecs() -> None:
    allowed = set(sys.stdlib_module_names) | {"vendor_b", "devstate_codecs", "__future__"}
    for path in (CHECKOUT.examples / "vendor_b").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_descriptions_are_valid_and_follow_the_configuration(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    a = _in(vendor_a["1.1"], tmp_path)
    assert a.describe(Path("a.json"), CHECKOUT.scenario("a-ipsec.txt")).ok
    assert _b("1.0", tmp_path).describe(Path("b.json")).ok
    described = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert described["versions"] == ["1.1"] and described["params"]["max-queue-pairs"] == 1
    assert {v["name"] for v in described["vendor_sections"]} == {"impl_private", "acme_ipsec_sa"}
    plan = plan_migration(tmp_path / "a.json", tmp_path / "b.json", SCHEMAS)
    assert plan.action == "refuse"
    assert any("acme_ipsec_sa" in reason for reason in plan.reasons)


# --- saving and loading -------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["a-rss.txt", "a-plain.txt"])
def test_vendor_a_reloads_its_own_state_byte_for_byte(vendor_a: dict[str, Device], tmp_path: Path,
                                                      scenario: str) -> None:
    a = _in(vendor_a["1.1"], tmp_path)
    assert a.save(CHECKOUT.scenario(scenario), Path("a.dsf")).ok
    run = a.load(Path("a.dsf"), Path("again.dsf"))
    assert run.ok, run.stderr
    assert (tmp_path / "again.dsf").read_bytes() == (tmp_path / "a.dsf").read_bytes()  # counters included


def test_vendor_b_reloads_its_own_state_byte_for_byte(tmp_path: Path) -> None:
    b = _b("1.1", tmp_path)
    assert b.save(CHECKOUT.scenario("b-rss.txt"), Path("b.dsf")).ok
    assert b.load(Path("b.dsf"), Path("again.dsf")).ok
    assert (tmp_path / "again.dsf").read_bytes() == (tmp_path / "b.dsf").read_bytes()


def test_vendor_a_built_on_1_0_migrates_to_both_versions_of_b(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    a = _in(vendor_a["1.0"], tmp_path)
    assert a.save(CHECKOUT.scenario("a-plain.txt"), Path("a.dsf")).ok
    saved = _state(tmp_path / "a.dsf")
    assert saved["version"] == "1.0" and not saved["vendor_sections"]
    for version in ("1.0", "1.1"):  # a 1.1 reader fills the appended fields with their defaults
        run = _b(version, tmp_path).load(Path("a.dsf"), Path(f"b-{version}.dsf"))
        assert run.ok, run.stderr
        comparison = compare_states(saved, _state(tmp_path / f"b-{version}.dsf"), SCHEMAS)
        assert comparison.equal, comparison.differences
    assert (tmp_path / "b-1.0.dsf").read_bytes() == (tmp_path / "a.dsf").read_bytes()


def test_scenario_commands_need_their_features(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "s.txt", "device pairs=2\noffer mq\naccept mq\nrx-mode promisc\n")
    for device in (_in(vendor_a["1.1"], tmp_path), _b("1.1", tmp_path)):
        run = device.save(scenario, Path("x.dsf"))
        assert run.returncode == 2, run.stdout
        assert f"{scenario}:4: command rejected" in run.stderr and "ctrl-rx" in run.stderr.lower().replace("_", "-")
        assert not (tmp_path / "x.dsf").exists()


def test_destination_refuses_state_it_cannot_host(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "big.txt", "device pairs=12\noffer version-1 mq\naccept version-1 mq\n")
    b, a = _b("1.1", tmp_path), _in(vendor_a["1.1"], tmp_path)
    assert b.save(scenario, Path("b.dsf")).ok and b.describe(Path("b.json"), scenario).ok
    assert a.describe(Path("a.json")).ok
    plan = plan_migration(tmp_path / "b.json", tmp_path / "a.json", SCHEMAS)
    assert plan.action == "refuse"
    assert "max-queue-pairs: the source uses 12; the destination supports 1..8" in plan.reasons
    run = a.load(Path("b.dsf"), Path("a.dsf"))
    assert run.returncode == 1 and "refused: acme-nic has 1..8 queue pairs" in run.stderr
    assert not (tmp_path / "a.dsf").exists()


def test_damaged_blob_is_refused_by_both(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    a = _in(vendor_a["1.1"], tmp_path)
    assert a.save(CHECKOUT.scenario("a-rss.txt"), Path("a.dsf")).ok
    blob = bytearray((tmp_path / "a.dsf").read_bytes())
    blob[100] ^= 0x40
    (tmp_path / "bad.dsf").write_bytes(bytes(blob))
    for device in (a, _b("1.1", tmp_path)):
        run = device.load(Path("bad.dsf"))
        assert run.returncode == 1 and "BAD_CHECKSUM" in run.stderr


# --- the comparison -----------------------------------------------------------------------


def test_comparison_names_a_field_that_differs(vendor_a: dict[str, Device], tmp_path: Path) -> None:
    a = _in(vendor_a["1.1"], tmp_path)
    assert a.save(CHECKOUT.scenario("a-rss.txt"), Path("a.dsf")).ok
    saved = _state(tmp_path / "a.dsf")
    rebuilt = json.loads(json.dumps(saved, default=bytes.hex))  # a deep copy (bytes as hex)
    rebuilt["sections"]["rss"]["hash_key"] = saved["sections"]["rss"]["hash_key"]
    rebuilt["vendor_sections"] = saved["vendor_sections"]
    rebuilt["sections"]["queues"][3]["last_avail_idx"] = 78
    comparison = compare_states(saved, rebuilt, SCHEMAS)
    assert [(r.path, r.source, r.dest) for r in comparison.differences] == [("queues[3].last_avail_idx", 77, 78)]
    assert not comparison.equal
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    console.print(render.queue_table(comparison))
    console.print(render.field_table(comparison, "vendor A", "vendor B", full=True)[0])
    assert re.search(r"tx1 .* 77 → 78 .* 12/13 │ ✗", out.getvalue())
    assert re.search(r"queues\[3\]\.last_avail_idx +│ 77 +│ 78 +│ ✗", out.getvalue())
