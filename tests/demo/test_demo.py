"""The vendor A → vendor B demo end to end: ``run_demo`` and ``devstate demo``.

One demo run (module scope) is checked case by case — A → B, B → A, the 1.1 → 1.0
conversion, its refusal with RSS in use, the must-understand vendor section — against the
files it leaves behind, decoded by the reference codec.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from devstate import ir
from devstate.cli import main
from devstate.compat.convert import convert_state
from devstate.compat.statediff import diff_states
from devstate.demo import DemoResult, Options, run_demo
from devstate.demo import runner as demo_runner
from devstate.demo.cases import IPSEC_SECTION, CaseResult
from devstate.demo.plan import Schemas
from devstate.demo.steps import Demo
from devstate.interp import decode
from devstate.state import State
from devstate.wire.header import parse_header
from devstate.wire.inspect import inspect_blob

pytestmark = pytest.mark.needs("c-compiler")  # vendor A is a C program

SCHEMAS = Schemas()
V1_0, V1_1 = ir.Version(1, 0), ir.Version(1, 1)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-build")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> tuple[DemoResult, str, Path]:
    work = tmp_path_factory.mktemp("demo-work")
    out = io.StringIO()
    console = Console(file=out, width=160, color_system=None, highlight=False)
    result = run_demo(Options(work_dir=work, build_dir=build_dir), console)
    return result, out.getvalue(), work


def _case(demo: tuple[DemoResult, str, Path], number: int) -> CaseResult:
    return next(case for case in demo[0].cases if case.number == number)


def _state(path: Path) -> State:
    data = path.read_bytes()
    return decode(SCHEMAS(parse_header(data).version), data)


CASES = 8 if shutil.which("cargo") else 5
"""Cases 6-8 (vendor C, Rust) run when cargo is installed."""


def test_every_case_behaves_as_expected(demo: tuple[DemoResult, str, Path]) -> None:
    result, output, _ = demo
    assert [case.number for case in result.cases] == list(range(1, CASES + 1))
    assert result.ok, output
    assert f"{CASES}/{CASES} cases behaved as expected" in output
    assert "Vendor A's state loaded on vendor B's device: every standard field equal." in output


@pytest.mark.needs("rust")
def test_vendor_c_in_rust_migrates_with_vendors_a_and_b(demo: tuple[DemoResult, str, Path]) -> None:
    """C → A, B → C, A → C: every standard field equal; rustnic reports A's private section it skips."""
    output, work = demo[1], demo[2]
    for number, route in ((6, "C 1.1 → A 1.1"), (7, "B 1.1 → C 1.1"), (8, "A 1.1 → C 1.1")):
        case = _case(demo, number)
        assert case.ok and case.route == route and "standard fields equal" in case.outcome, case
    assert "rustnic: skipped optional vendor section pci:0x1af4 #1 impl_private" in output
    assert _state(work / "7-rustnic-rebuilt.dsf") == _state(work / "7-pynic.dsf")
    assert (work / "6-rustnic.dsf").read_bytes() != (work / "7-pynic.dsf").read_bytes()


def test_output_shows_every_step(demo: tuple[DemoResult, str, Path]) -> None:
    output = demo[1]
    for step in ("▸ build", "▸ describe", "▸ check", "▸ save on A", "▸ inspect", "▸ convert", "▸ load on B",
                 "▸ save on B", "▸ load on A", "▸ compare", "$ devstate check-migration --source",
                 "$ devstate negotiate", "$ devstate decode", "$ devstate convert", "Summary"):
        assert step in output, step


def test_a_to_b_rebuilds_every_standard_field(demo: tuple[DemoResult, str, Path]) -> None:
    case, (_, output, work) = _case(demo, 1), demo
    assert case.ok and "100/100 standard fields equal" in case.outcome
    saved, rebuilt = _state(work / "1-acme-nic.dsf"), _state(work / "1-pynic-rebuilt.dsf")
    assert saved["sections"]["rss"]["mode"] == "rss" and len(saved["sections"]["queues"]) == 5
    diffs = diff_states(saved, rebuilt)
    assert [(d.path, d.kind) for d in diffs] == [("$.vendor_sections.impl_private", "removed")]
    assert "pynic: skipped optional vendor section pci:0x1af4 #1 impl_private" in output


def test_b_to_a_rebuilds_every_standard_field(demo: tuple[DemoResult, str, Path]) -> None:
    case, work = _case(demo, 2), demo[2]
    assert case.ok and "126/126 standard fields equal" in case.outcome
    saved, rebuilt = _state(work / "2-pynic.dsf"), _state(work / "2-acme-nic-rebuilt.dsf")
    assert saved["sections"] == rebuilt["sections"]
    assert "impl_private" not in saved["vendor_sections"]
    assert rebuilt["vendor_sections"]["impl_private"][:4] == b"ACME"  # vendor A's own counters, fresh


def test_version_mismatch_converts_when_lossless(demo: tuple[DemoResult, str, Path]) -> None:
    case, (_, output, work) = _case(demo, 3), demo
    assert case.ok and "(15 not in 1.0, at their default)" in case.outcome
    saved, converted = _state(work / "3-acme-nic.dsf"), _state(work / "3-acme-nic-1.0.dsf")
    rebuilt = _state(work / "3-pynic-rebuilt.dsf")
    assert (saved["version"], converted["version"], rebuilt["version"]) == ("1.1", "1.0", "1.0")
    assert convert_state(saved, SCHEMAS(V1_1), V1_0, SCHEMAS).state == converted
    assert converted["sections"] == rebuilt["sections"]
    assert "no common schema version: the source supports 1.1, the destination 1.0" in output
    assert "note: optional section impl_private is unknown to 1.0: dropped" in output


def test_version_mismatch_with_rss_is_refused_and_nothing_is_written(demo: tuple[DemoResult, str, Path]) -> None:
    case, (_, output, work) = _case(demo, 4), demo
    assert case.ok and "naming 5 values" in case.outcome
    assert not (work / "4-acme-nic-1.0.dsf").exists()
    assert not list(work.glob(".4-acme-nic-1.0.dsf.*"))  # no temporary file left either
    assert "rss: the source uses true; the destination supports only false (the default)" in output
    for field in ("speed", "duplex", "rss_max_key_size", "rss_max_indirection_table_length", "supported_hash_types"):
        assert f"$.sections.config.{field} = " in output
    assert "nothing was written" in output


def test_must_understand_vendor_section_is_refused_before_loading(demo: tuple[DemoResult, str, Path]) -> None:
    case, (_, output, work) = _case(demo, 5), demo
    assert case.ok, case.outcome
    assert (f"vendor section {IPSEC_SECTION} #1 (acme_ipsec_sa): the source writes it (required) and the "
            "destination does not understand it") in output
    vendor = [s for s in inspect_blob((work / "5-acme-nic.dsf").read_bytes()).sections if s.vendor]
    assert [(str(s.vendor), s.id, s.optional) for s in vendor] == [("pci:0x1af4", 1, True), (IPSEC_SECTION, 1, False)]
    assert f"pynic: refused 5-acme-nic.dsf: UNKNOWN_SECTION at offset {vendor[1].offset}" in output
    assert not list(work.glob("5-pynic*.dsf"))


# --- the command line ---------------------------------------------------------------------


def test_cli_runs_the_demo(tmp_path: Path, build_dir: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--keep", str(tmp_path / "work"), "--build-dir", str(build_dir),
                                       "--full"])
    assert result.exit_code == 0, result.output
    assert f"{CASES}/{CASES} cases behaved as expected" in result.output
    assert "common.isr" in result.output  # --full: the fields at zero too
    assert (tmp_path / "work" / "1-acme-nic.dsf").is_file()


def test_cli_exits_1_when_a_case_misbehaves(tmp_path: Path, build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> CaseResult:
        return CaseResult(9, "a case that went wrong", "A → B", "3 fields differ", False)

    monkeypatch.setattr(demo_runner, "CASES", (broken,))
    monkeypatch.setattr(demo_runner, "RUST_CASES", ())
    result = CliRunner().invoke(main, ["demo", "--build-dir", str(build_dir)])
    assert result.exit_code == 1, result.output
    assert "0/1 cases behaved as expected" in result.output


def test_cli_json_is_the_cases_alone_with_the_same_exit_status(build_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> CaseResult:
        return CaseResult(9, "a case that went wrong", "A → B", "3 fields differ", False)

    monkeypatch.setattr(demo_runner, "CASES", (broken,))
    monkeypatch.setattr(demo_runner, "RUST_CASES", ())
    result = CliRunner().invoke(main, ["demo", "--build-dir", str(build_dir), "--json"])
    assert (result.exit_code, result.stderr) == (1, "")
    assert json.loads(result.stdout) == {"ok": False, "passed": 0, "total": 1, "cases": [
        {"number": 9, "title": "a case that went wrong", "route": "A → B", "outcome": "3 fields differ", "ok": False}]}


def test_a_device_program_failing_fails_its_case_only(tmp_path: Path, build_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def missing_scenario(demo: Demo) -> CaseResult:
        demo.save(demo.vendor_a, "no-such-scenario.txt", "x.dsf")
        raise AssertionError("unreachable")

    monkeypatch.setattr(demo_runner, "CASES", (missing_scenario, demo_runner.CASES[0]))
    monkeypatch.setattr(demo_runner, "RUST_CASES", ())
    out = io.StringIO()
    result = run_demo(Options(build_dir=build_dir), Console(file=out, width=160, color_system=None))
    assert [case.ok for case in result.cases] == [False, True] and not result.ok
    assert "acme-nic save failed (exit status 2): acme-nic: " in out.getvalue()
    assert "no-such-scenario.txt: No such file or directory" in out.getvalue()


def test_cli_without_a_compiler_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--cc", str(tmp_path / "no-such-cc"), "--build-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "no C compiler found" in result.output
    as_json = CliRunner().invoke(main, ["demo", "--cc", str(tmp_path / "no-such-cc"), "--build-dir", str(tmp_path),
                                        "--json"])
    assert as_json.exit_code == 2
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "DEMO" and "no C compiler found" in error["message"]
