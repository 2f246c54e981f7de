"""One CLI convention: ``-`` for standard input/output, --json and --format github where
findings are printed, MODEL@VERSION names, values printed the way ``decode`` prints them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main

VECTORS = ROOT / "spec" / "conformance" / "vectors"
NET_11 = VECTORS / "valid-org.virtio.net-1.1-default.dsf"
EXAMPLES = ROOT / "spec" / "examples"


def run(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def test_dash_reads_stdin_and_writes_stdout_across_verbs() -> None:
    blob = NET_11.read_bytes()
    assert run("inspect", "-", "--json", stdin=blob).exit_code == 0
    decoded = run("decode", "-", "--json", stdin=blob)
    assert decoded.exit_code == 0
    encoded = run("encode", "-", "-o", "-", stdin=decoded.stdout.encode())
    assert (encoded.exit_code, encoded.stdout_bytes) == (0, blob)
    converted = run("convert", "-", "--to", "org.virtio.net@1.0", "-o", "-", stdin=blob)
    assert converted.exit_code == 0 and converted.stdout_bytes[:8] == b"\x89DSF\r\n\x1a\n"
    assert run("diff", "-", NET_11, stdin=blob).stdout == "identical\n"
    source = (EXAMPLES / "source.json").read_bytes()
    check = run("check-migration", "--source", "-", "--dest", EXAMPLES / "dest-rss.json", "--json", stdin=source)
    assert check.exit_code == 0 and json.loads(check.stdout)["compatible"] is True


def test_both_inputs_cannot_be_stdin() -> None:
    result = run("diff", "-", "-", stdin=b"")
    assert (result.exit_code, result.stderr) == (2, "devstate: error: USAGE: only one of A.dsf and B.dsf can be - "
                                                    "(standard input)\n")


def test_convert_to_names_the_model_or_only_the_version(tmp_path: Path) -> None:
    old_spelling = run("convert", NET_11, "--to-version", "1.0", "-o", tmp_path / "a.dsf")
    new_spelling = run("convert", NET_11, "--to", "org.virtio.net@1.0", "-o", tmp_path / "b.dsf")
    assert old_spelling.exit_code == new_spelling.exit_code == 0
    assert (tmp_path / "a.dsf").read_bytes() == (tmp_path / "b.dsf").read_bytes()
    wrong = run("convert", NET_11, "--to", "org.virtio.blk@1.0", "-o", tmp_path / "c.dsf")
    assert (wrong.exit_code, wrong.stderr) == (2, f"devstate: error: USAGE: {NET_11} holds org.virtio.net state; "
                                                  "--to names org.virtio.blk\n")


def test_diff_prints_values_as_decode_does(tmp_path: Path) -> None:
    state = json.loads(run("decode", NET_11, "--json").stdout)
    state["sections"]["config"]["mac"] = [0x43, 0xAF, 0x32, 0x47, 0xAA, 0x01]
    state["sections"]["config"]["status"] = ["link_up"]
    state["sections"]["config"]["duplex"] = "full"
    (tmp_path / "b.json").write_text(json.dumps(state))
    assert run("encode", tmp_path / "b.json", "-o", tmp_path / "b.dsf").exit_code == 0
    result = run("diff", NET_11, tmp_path / "b.dsf")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == ["$.sections.config.mac[0]: 0 → 67", "$.sections.config.mac[1]: 0 → 175",
                     "$.sections.config.mac[2]: 0 → 50", "$.sections.config.mac[3]: 0 → 71",
                     "$.sections.config.mac[4]: 0 → 170", "$.sections.config.mac[5]: 0 → 1",
                     '$.sections.config.status[0]: added "link_up"', '$.sections.config.duplex: "half" → "full"',
                     "8 difference(s)"]
    assert not any("b'" in line or "True" in line or "False" in line for line in lines)


def test_validate_format_github(tmp_path: Path) -> None:
    schema = tmp_path / "org.example.x" / "1.0.yaml"
    schema.parent.mkdir()
    schema.write_text('devstate: 1\nmodel: org.example.x\nversion: "1.0"\ntitle: x\n'
                      "sections:\n  - {id: 1, name: a, type: nope}\n")
    result = run("validate", "--format", "github", schema)
    assert result.exit_code == 1
    assert result.stdout == (f"::error file={schema},line=6,col=28,title=UNKNOWN_TYPE::unknown type 'nope' "
                             "(at sections[0].type)\n")


def test_json_on_gen_and_schema_show(tmp_path: Path) -> None:
    shown = run("schema", "show", "org.virtio.net@1.1", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["model"] == "org.virtio.net"
    out = tmp_path / "gen"
    generated = run("gen", "--lang", "c", "org.virtio.net@1.1", "-o", out, "--json")
    assert generated.exit_code == 0
    report = json.loads(generated.stdout)
    assert report["output"] == str(out)
    written = {Path(p).name for p in report["written"]}
    assert {"org_virtio_net_v1_1.c", "org_virtio_net_v1_1.h"} <= written
    assert written == {p.name for p in out.iterdir()}


def test_schema_list_counts_sections_as_the_site_does() -> None:
    """The site's model index gives ``N sections`` (standard ones); vendor sections are counted apart."""
    from devstate.docs.site import render_models_index
    from devstate.schema import load_schema, schema_files

    rows = json.loads(run("schema", "list", "--json").stdout)
    schemas = [load_schema(f.path) for f in schema_files()]
    newest = {s.model: s for s in schemas}
    page = render_models_index([(model, [schema]) for model, schema in newest.items()])
    for row in rows:
        schema = next(s for s in schemas if s.ident == f"{row['model']}@{row['version']}")
        assert (row["sections"], row["vendor_sections"]) == (len(schema.sections), len(schema.vendor_sections))
        if newest[row["model"]] is schema and not schema.is_library:
            assert f"{row['sections']} sections" in page
    nvme = [r for r in rows if r["model"] == "org.nvmexpress.ctrl"]
    assert [(r["sections"], r["vendor_sections"]) for r in nvme] == [(8, 1), (10, 1)]


def test_bridges_pipe_through_stdin_and_stdout() -> None:
    exported = run("export", "--to", "virtio-parts", NET_11, "-o", "-")
    assert exported.exit_code == 0 and exported.stdout_bytes[:2] != b"wr", "the report goes to stderr"
    imported = run("import", "--from", "virtio-parts", "-", "--model", "org.virtio.net@1.1", "-o", "-",
                   stdin=exported.stdout_bytes)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout_bytes[:8] == b"\x89DSF\r\n\x1a\n" and "virtio-parts → org.virtio.net@1.1" in imported.stderr


def test_readers_that_need_a_file_take_stdin_through_a_temporary_copy(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("devstate-stdin-*"))
    result = run("import-vmstate", "-", "-o", tmp_path / "out", stdin=b'{"x": 1}')
    assert (result.exit_code, result.stderr) == (
        2, 'devstate: error: VMSTATE_DUMP_INVALID: -: $["x"]: expected an object, got 1\n')
    stream = run("qemu", "inspect", "-", stdin=b"QEVM")
    assert (stream.exit_code, stream.stderr) == (1, "devstate: error: -: NOT_A_STREAM at byte 0: 4 bytes: too short "
                                                    "for a QEMU migration stream\n")
    assert set(Path(tempfile.gettempdir()).glob("devstate-stdin-*")) <= before, "the temporary copies are removed"


JSON_ANYWAY = {"template": "writes a state JSON", "schema json-schema": "writes a JSON Schema"}
"""Verbs without --json because their output is JSON already (README: Command line)."""


def _leaf_commands() -> dict[str, click.Command]:
    ctx = click.Context(main)
    found: dict[str, click.Command] = {}

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, [*path, name])
        else:
            found[" ".join(path)] = command
    walk(main, [])
    return found


def test_every_verb_has_json_or_prints_json_anyway() -> None:
    commands = _leaf_commands()
    without = {name for name, command in commands.items()
               if not any(p.name == "as_json" and "--json" in p.opts for p in command.params)}
    assert without == set(JSON_ANYWAY)
    assert len(commands) > 30
