"""The compat verbs end to end: compat, matrix, negotiate, check-migration (exit codes, formats)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from compat_helpers import write_version

from devstate.cli import main
from devstate.compat.matrix import Status, build_matrix, changelog_markdown, matrix_markdown
from devstate.schema import load_schema
from devstate.schema.registry import model_versions


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_standard_history_passes() -> None:
    result = run("compat", "--all")
    assert result.exit_code == 0, result.output
    assert "checks failed" not in result.output


def test_standard_history_passes_transitively() -> None:
    result = run("compat", "--all", "--transitive", "--json")
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.output)["pairs"]
    assert ("org.virtio.net@1.0", "org.virtio.net@2.0") in {(p["old"], p["new"]) for p in pairs}


def test_virtio_net_2_0_is_a_major_bump_with_breaking_rules() -> None:
    result = run("compat", "org.virtio.net@1.1", "org.virtio.net@2.0", "--json")
    assert result.exit_code == 0, result.output
    (pair,) = json.loads(result.output)["pairs"]
    assert pair["bump"] == "major" and pair["compatible"]
    breaking = {(c["rule"], c["path"]) for c in pair["changes"] if c["severity"] == "error"}
    assert breaking == {("DS-T001", "net_ctrl.guest_offloads_disabled"), ("DS-S003", "section mac_filter"),
                        ("DS-S002", "section mac_table")}
    full = run("compat", "org.virtio.net@1.1", "org.virtio.net@2.0", "--mode", "full")
    assert full.exit_code == 0, full.output  # migration functions connect the majors both ways
    assert "note: 1.1 → 2.0: compatible through `devstate convert` (1.1 → 2.0 (virtio_net_1_to_2))" in full.output
    assert "note: 2.0 → 1.1: compatible through `devstate convert` (2.0 → 1.1 (virtio_net_2_to_1))" in full.output


def test_a_major_bump_without_migration_fails_every_loading_mode(tmp_path: Path) -> None:
    old = write_version(tmp_path / "a", "sections:\n  - {id: 1, name: a, type: u16}\n", "1.0")
    new = write_version(tmp_path / "b", "sections:\n  - {id: 1, name: a, type: u16}\n", "2.0")
    assert run("compat", str(old), str(new)).exit_code == 0  # semver: a major bump may break anything
    for mode, directions in (("backward", ["1.0 state"]), ("forward", ["2.0 state"]),
                             ("full", ["1.0 state", "2.0 state"])):
        result = run("compat", str(old), str(new), "--mode", mode, "--json")
        assert result.exit_code == 1, mode
        (pair,) = json.loads(result.output)["pairs"]
        assert [p["rule"] for p in pair["problems"]] == ["DS-M004"] * len(directions)
        for problem, written in zip(pair["problems"], directions, strict=True):
            assert f"refuses org.example.dev@{written.split()[0]} state (MAJOR_MISMATCH)" in problem["message"]


def test_minor_bump_with_breaking_change_fails(tmp_path: Path) -> None:
    old = write_version(tmp_path / "a", "sections:\n  - {id: 1, name: a, type: u16}\n", "1.0")
    new = write_version(tmp_path / "b", "sections:\n  - {id: 1, name: a, type: u32}\n", "1.1")
    result = run("compat", str(old), str(new))
    assert result.exit_code == 1
    assert "DS-M003" in result.output and "DS-T002 width-changed" in result.output
    github = run("compat", str(old), str(new), "--format", "github")
    assert github.exit_code == 1
    assert github.output.startswith(f"::error file={new},line=6,col=5,title=DS-M003 major-bump-required::")


def test_github_annotations_escape_properties(tmp_path: Path) -> None:
    old = write_version(tmp_path / "a", "sections:\n  - {id: 1, name: a, type: u16}\n", "1.0")
    new = write_version(tmp_path / "b", "sections:\n  - {id: 1, name: b, type: u16}\n", "1.1")
    result = run("compat", str(old), str(new), "--format", "github")
    assert result.exit_code == 0
    assert result.output.startswith("::warning file=")
    assert "title=DS-S008 section-renamed (NONE%2C API)::" in result.output


def test_transitive_against_the_registry() -> None:
    result = run("compat", "org.virtio.net@2.0", "--transitive", "--json")
    assert result.exit_code == 0, result.output
    assert [p["old"] for p in json.loads(result.output)["pairs"]] == ["org.virtio.net@1.0", "org.virtio.net@1.1"]


def test_usage_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    other = write_version(tmp_path, "sections:\n  - {id: 1, name: a, type: u16}\n", "1.0", "org.example.other")
    cases = [
        (["compat", "missing/1.0.yaml", "org.virtio.net@1.0"],
         "IO_NOT_FOUND: cannot read 'missing/1.0.yaml': no such file or directory"),
        (["compat", "org.virtio.net@9.9", "org.virtio.net@1.0"], "has no version 9.9"),
        (["compat", str(other), "org.virtio.net@1.0"], "pass --allow-model-change"),
        (["compat", "org.virtio.net@1.0"], "give OLD and NEW"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output
        assert "Traceback" not in result.output
    allowed = run("compat", str(other), "org.virtio.net@1.0", "--allow-model-change", "--json")
    assert allowed.exit_code == 1  # a model change breaks loading both ways
    assert "DS-M001" in allowed.output


def test_matrix_outputs() -> None:
    versions = [load_schema(f.path) for f in model_versions("org.virtio.net")]
    built = build_matrix(versions)
    v10, v11, v20, v30 = built.versions
    assert built.cell(v11, v10).status is Status.DIRECT
    assert built.cell(v10, v11).status is Status.DEFAULTS
    assert built.cell(v20, v10).status is Status.CONVERT
    assert built.cell(v10, v20).status is Status.CONVERT
    assert built.cell(v11, v30).status is Status.CONVERT  # a 1.1 reader needs 3.0 state converted
    markdown = matrix_markdown(versions)
    assert "| **2.0** | ↻ | ↻ | ✓ | ↻ |" in markdown
    assert "- 3.0 state on a 1.1 device: 3.0 → 2.0 (virtio_net_3_to_2); 2.0 → 1.1 (virtio_net_2_to_1)" in markdown
    assert "../../compatibility.md" in markdown
    changelog = changelog_markdown(versions)
    heads = ("## 3.0", "### BREAKING CHANGES", "## 2.0", "## 1.1")
    assert [changelog.index(head) for head in heads] == sorted(changelog.index(head) for head in heads)
    result = run("matrix", "org.virtio.net", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["versions"] == ["1.0", "1.1", "2.0", "3.0"]
    assert run("matrix", "--markdown").exit_code == 0
    assert run("matrix", "org.example.none").exit_code == 2


def test_matrix_without_migration_is_no(tmp_path: Path) -> None:
    for version, kind in (("1.0", "u16"), ("2.0", "u32")):
        write_version(tmp_path, f"sections:\n  - {{id: 1, name: a, type: {kind}}}\n", version)
    result = run("matrix", "org.example.dev", "--schemas-dir", str(tmp_path), "--json")
    cells = {(c["reader"], c["writer"]): c["status"] for c in json.loads(result.output)["cells"]}
    assert cells[("2.0", "1.0")] == "no" and cells[("1.0", "1.0")] == "direct"


def describe(tmp_path: Path, name: str, data: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_check_migration_reports_every_mismatch(tmp_path: Path) -> None:
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["1.1"],
                                             "params": {"max-queue-pairs": 8, "rss": True}})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.1"],
                                           "supported_params": {"max-queue-pairs": {"min": 1, "max": 4}}})
    result = run("check-migration", "--source", source, "--dest", dest, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [(m["name"], m["source"], m["destination"]) for m in report["mismatches"]] == [
        ("max-queue-pairs", 8, "supports 1..4"), ("rss", True, "supports only false (the default)")]
    ok = describe(tmp_path, "ok.json", {"model": "org.virtio.net", "versions": ["1.1"],
                                        "supported_params": {"max-queue-pairs": {"values": [8]}, "rss": {"any": True}}})
    assert run("check-migration", "--source", source, "--dest", ok).exit_code == 0


def test_check_migration_absent_parameter_is_the_default(tmp_path: Path) -> None:
    old_source = describe(tmp_path, "old.json", {"model": "org.virtio.net", "versions": ["1.0"]})
    new_dest = describe(tmp_path, "new.json", {"model": "org.virtio.net", "versions": ["1.0", "1.1"]})
    assert run("check-migration", "--source", old_source, "--dest", new_dest).exit_code == 0
    other = describe(tmp_path, "blk.json", {"model": "org.virtio.blk", "versions": ["1.0"]})
    result = run("check-migration", "--source", old_source, "--dest", other, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["mismatches"][0]["kind"] == "model"


def test_invalid_descriptions_exit_2(tmp_path: Path) -> None:
    good = describe(tmp_path, "good.json", {"model": "org.virtio.net", "versions": ["1.0"]})
    bad = describe(tmp_path, "bad.json", {"model": "org.virtio.net", "versions": ["1.0"], "params": {"rss": [1]}})
    (tmp_path / "broken.json").write_text("{")
    cases = [(bad, "bad.json: $.params.rss: [1] is not of type"), (str(tmp_path / "broken.json"), "invalid JSON"),
             (str(tmp_path / "none.json"), "no such file")]
    for path, expected in cases:
        for verb in ("check-migration", "negotiate"):
            result = run(verb, "--source", path, "--dest", good)
            assert result.exit_code == 2, result.output
            assert expected in result.output and len(result.output.strip().splitlines()) == 1


def test_negotiate_picks_the_newest_working_version(tmp_path: Path) -> None:
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["1.0", "1.1"],
                                             "vendor_sections": [{"vendor": "pci:0x1AF4", "id": 1}]})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.0", "1.1", "2.0"]})
    result = run("negotiate", "--source", source, "--dest", dest, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["version"] == "1.1"
    assert "impl_private" in report["notes"][0]


def test_negotiate_lists_every_reason(tmp_path: Path) -> None:
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["2.0"],
                                             "params": {"max-queue-pairs": 8}})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.0", "1.1"]})
    result = run("negotiate", "--source", source, "--dest", dest, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [r["kind"] for r in report["reasons"]] == ["version", "param"]
    assert "devstate convert" in report["notes"][0]


def test_negotiate_without_common_version_still_names_required_vendor_sections(tmp_path: Path) -> None:
    uuid = "uuid:5f1c0a2e-7d4b-4e8a-9a51-0c0ffee0a0a0"
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["1.1"],
                                             "vendor_sections": [{"vendor": uuid, "id": 1, "optional": False}]})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.0"]})
    result = run("negotiate", "--source", source, "--dest", dest, "--json")
    assert result.exit_code == 1
    reasons = json.loads(result.output)["reasons"]
    assert [r["kind"] for r in reasons] == ["version", "vendor_section"]
    assert reasons[1]["message"] == (
        f"vendor section {uuid} #1: the source writes it (required) and the destination does not understand it"
    )


NET_1_1_ON_1_0 = [
    "virtio.virtqueue.avail_wrap_counter holds its default (false)",
    "virtio.virtqueue.used_wrap_counter holds its default (false)",
    "virtio.virtqueue.reset holds its default (false)",
    "net_config.speed holds its default (0)",
    "net_config.duplex holds its default (half)",
    "net_config.rss_max_key_size holds its default (0)",
    "net_config.rss_max_indirection_table_length holds its default (0)",
    "net_config.supported_hash_types holds its default ([])",
    "net_ctrl.guest_offloads_disabled holds its default (0)",
    "section rss is absent",
    "vendor section impl_private is absent",
]


def test_matrix_table_names_the_conditions_of_each_defaults_cell() -> None:
    result = run("matrix", "org.virtio.net")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    start = lines.index("✓* 1.1 state on a 1.0 reader loads while:")
    listed = [line.strip() for line in lines[start + 1:start + 18]]
    assert listed[:11] == NET_1_1_ON_1_0
    assert listed[11:] == [f"param {name} holds its default (false)" for name in
                           ("rss", "hash-report", "packed-ring", "ring-reset", "ctrl-guest-offloads", "speed-duplex")]
    matrix = json.loads(run("matrix", "org.virtio.net", "--json").output)
    cells = {(c["reader"], c["writer"]): c for c in matrix["cells"]}
    assert [c["text"] for c in cells[("1.0", "1.1")]["conditions"]][:11] == NET_1_1_ON_1_0


def test_negotiate_and_check_migration_share_a_direct_load_between_minor_versions(tmp_path: Path) -> None:
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["1.1"]})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.0"]})
    negotiated = run("negotiate", "--source", source, "--dest", dest, "--json")
    assert negotiated.exit_code == 0, negotiated.output
    report = json.loads(negotiated.output)
    assert (report["compatible"], report["version"], report["loads"], report["verdict"]) == (True, "1.1", "1.0",
                                                                                            "conditional")
    # the source's parameters (all defaults) meet the parameter conditions: only the state's remain
    assert [c["text"] for c in report["conditions"]] == NET_1_1_ON_1_0
    checked = run("check-migration", "--source", source, "--dest", dest, "--json")
    assert checked.exit_code == 0, checked.output
    verdict = json.loads(checked.output)["verdict"]
    assert (verdict["verdict"], verdict["writes"], verdict["loads"]) == ("conditional", "1.1", "1.0")
    assert [c["text"] for c in verdict["conditions"]] == NET_1_1_ON_1_0
    text = run("negotiate", "--source", source, "--dest", dest).output
    assert text.startswith("org.virtio.net: use version 1.1 (the destination's 1.0 reader loads it directly)\n")
    assert "net_config.speed holds its default (0)" in text


def test_a_parameter_the_older_reader_lacks_refuses_the_direct_load(tmp_path: Path) -> None:
    source = describe(tmp_path, "src.json", {"model": "org.virtio.net", "versions": ["1.1"], "params": {"rss": True}})
    dest = describe(tmp_path, "dst.json", {"model": "org.virtio.net", "versions": ["1.0"],
                                           "supported_params": {"rss": {"any": True}}})
    negotiated = run("negotiate", "--source", source, "--dest", dest, "--json")
    assert negotiated.exit_code == 1 and json.loads(negotiated.output)["verdict"] == "convert"
    verdict = json.loads(run("check-migration", "--source", source, "--dest", dest, "--json").output)["verdict"]
    assert verdict["verdict"] == "convert"  # not a direct load: only `devstate convert`, which names any loss
    assert verdict["mismatches"][-1]["message"] == (
        "rss: the source uses true; a org.virtio.net@1.0 reader loads 1.1 state only while it holds its default "
        "(false)")


def test_matrix_cells_name_their_conditions_and_link_them() -> None:
    versions = [load_schema(f.path) for f in model_versions("org.virtio.net")]

    def link(schema: Any, kind: str, name: str) -> str:
        return f"{schema.version}.md#{kind}:{name}"

    markdown = matrix_markdown(versions, link=link)
    row = next(line for line in markdown.splitlines() if line.startswith("| **1.0** |"))
    assert '[✓*](#conditions-1-1-on-1-0 "loads while these hold their defaults or allowed values: ' in row
    assert "virtio.virtqueue.avail_wrap_counter, " in row and "section rss" in row
    assert "### 1.1 state on a 1.0 device {#conditions-1-1-on-1-0}" in markdown
    assert ("- [`virtio.virtqueue.avail_wrap_counter`](1.1.md#field:virtio.virtqueue.avail_wrap_counter) "
            "holds its default (false)") in markdown
    assert "- [`section rss`](1.1.md#section:rss) is absent" in markdown
    assert "- [`param rss`](1.1.md#param:rss) holds its default (false)" in markdown


def test_changelog_explains_directions_and_links_what_changed() -> None:
    versions = [load_schema(f.path) for f in model_versions("org.virtio.net")]

    def link(schema: Any, kind: str, name: str) -> str | None:
        removed = kind == "section" and name == "rss" and schema.version.major >= 3
        return None if removed else f"{schema.version}.md#{kind}:{name}"

    changelog = changelog_markdown(versions, link=link)
    assert "(NONE, WIRE)" not in changelog and "WIRE)" not in changelog
    assert ("— [`net_config.rss_max_key_size`](3.0.md#field:net_config.rss_max_key_size): range 0..40 → 0..255 — "
            "*wire; breaks FORWARD: the old reader cannot load all new state*") in changelog
    assert "— [`section rss`](2.0.md#section:rss): optional section 8 'rss' removed — *wire; breaks no direction*" in (
        changelog), "a removed section links to the old version's page"
    assert "BACKWARD when the new reader cannot load all old state" in changelog
