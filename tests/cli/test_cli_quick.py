"""devstate.cli.quick: the usual forms of inspect, validate and check-migration answered without
click must print exactly what the click group prints (stdout, stderr, exit status).

Each case runs twice in fresh processes: ``python -m devstate ARGS`` (the ``devstate`` command,
through ``devstate.cli.run``) and the click group itself (``devstate.cli.group.main``), with the
result cache off and then, for the cached verbs, asked again with a cache of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

from devstate.cli.quick import _recognise

VECTORS = ROOT / "spec" / "conformance" / "vectors"
EXAMPLES = ROOT / "spec" / "examples"
NET_SCHEMA = ROOT / "schemas" / "org.virtio.net" / "1.1.yaml"
CLICK_GROUP = "import sys\nfrom devstate.cli.group import main\nmain(sys.argv[1:])\n"
REPORT_LIST = ("import sys, json, atexit\natexit.register(lambda: sys.__stderr__.write("
               "'\\nMODULES ' + json.dumps(sorted(sys.modules))))\n"
               "from devstate.cli import run\nsys.argv[1:] = {}\nrun()\n")


def _env(cache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEVSTATE_NO_CACHE", "XDG_CACHE_HOME")}
    if cache is None:
        env["DEVSTATE_NO_CACHE"] = "1"
    else:
        env["XDG_CACHE_HOME"] = str(cache)
    return env


def _run(argv: list[str], cwd: Path, cache: Path | None, stdin: bytes = b"") -> tuple[int, str, str]:
    result = subprocess.run(argv, cwd=cwd, env=_env(cache), input=stdin, capture_output=True, timeout=120)
    timing = re.compile(r"valid in \d+ ms")  # validate's own elapsed time
    return (result.returncode, timing.sub("valid in N ms", result.stdout.decode()),
            timing.sub("valid in N ms", result.stderr.decode()))


def _both(args: list[str], cwd: Path, cache: Path | None, stdin: bytes = b"") -> tuple[int, str, str]:
    quick = _run([sys.executable, "-m", "devstate", *args], cwd, cache, stdin)
    clicked = _run([sys.executable, "-c", CLICK_GROUP, *args], cwd, cache, stdin)
    assert quick == clicked
    return quick


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A working directory (no devstate.toml above it) holding inputs the cases refer to."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "not-json.json").write_text("{")
    (work / "other-model.json").write_text(json.dumps({**json.loads((EXAMPLES / "dest.json").read_text()),
                                                        "model": "org.virtio.blk"}))
    bad = work / "bad.yaml"
    bad.write_text(NET_SCHEMA.read_text().replace("type: u16", "type: u17", 1))
    (work / "dir").mkdir()
    return work


CASES = {
    "inspect": ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-default.dsf")],
    "inspect-vendor": ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-max.dsf")],
    "inspect-json": ["inspect", "--json", str(VECTORS / "valid-org.virtio.net-1.1-max.dsf")],
    "inspect-json-after": ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-max.dsf"), "--json"],
    "inspect-bad-checksum": ["inspect", str(VECTORS / "invalid-bad-checksum.dsf")],
    "inspect-bad-magic": ["inspect", "--json", str(VECTORS / "invalid-bad-magic-7-bit.dsf")],
    "inspect-empty": ["inspect", str(VECTORS / "invalid-empty-input.dsf")],
    "inspect-missing": ["inspect", "missing.dsf"],
    "inspect-directory": ["inspect", "dir"],
    "validate": ["validate", str(NET_SCHEMA)],
    "validate-json": ["validate", "--json", str(NET_SCHEMA)],
    "validate-invalid": ["validate", "bad.yaml"],
    "validate-invalid-json": ["validate", "bad.yaml", "--json"],
    "validate-several": ["validate", str(NET_SCHEMA), "bad.yaml", str(ROOT / "schemas" / "org.virtio.blk")],
    "validate-blob": ["validate", str(VECTORS / "valid-org.virtio.net-1.1-default.dsf")],
    "validate-missing": ["validate", "missing.yaml"],
    "validate-no-schemas": ["validate", "dir"],
    "check": ["check-migration", "--source", str(EXAMPLES / "source.json"), "--dest", str(EXAMPLES / "dest.json")],
    "check-json": ["check-migration", "--json", "--dest", str(EXAMPLES / "dest.json"),
                   "--source", str(EXAMPLES / "source.json")],
    "check-same": ["check-migration", "--source", str(EXAMPLES / "dest.json"), "--dest", str(EXAMPLES / "dest.json")],
    "check-other-model": ["check-migration", "--source", str(EXAMPLES / "dest.json"), "--dest", "other-model.json"],
    "check-not-json": ["check-migration", "--source", "not-json.json", "--dest", str(EXAMPLES / "dest.json")],
    "check-missing": ["check-migration", "--source", "missing.json", "--dest", str(EXAMPLES / "dest.json"), "--json"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_quick_path_prints_what_click_prints(name: str, files: Path, tmp_path: Path) -> None:
    args = CASES[name]
    assert _recognise(args) is not None
    first = _both(args, files, None)
    cached = tmp_path / "cache"
    assert _both(args, files, cached) == first  # the answer computed (and kept, where kept) ...
    assert _both(args, files, cached) == first  # ... and answered from the cache


def test_standard_input_as_a_description(files: Path) -> None:
    args = ["check-migration", "--source", "-", "--dest", str(EXAMPLES / "dest.json")]
    code, out, err = _both(args, files, None, (EXAMPLES / "source.json").read_bytes())
    assert (code, err) == (1, "")
    assert out.startswith("org.virtio.net: - → ")


@pytest.mark.parametrize("args", [
    [], ["--help"], ["inspect"], ["inspect", "--help"], ["inspect", "a.dsf", "b.dsf"],
    ["inspect", "--json", "--json", "a"],
    ["inspect", "--max-depth", "3", "a.dsf"], ["inspect", "-x"], ["inspect", "--", "a.dsf"], ["validate"],
    ["validate", "--format", "github", "a.yaml"], ["check-migration", "--source", "a"],
    ["check-migration", "--source", "a", "--source", "b"], ["check-migration", "--source=a", "--dest=b"],
    ["check-migration", "--source", "a", "--dest", "b", "--schema", "x@1.0"],
    ["check-migration", "--source", "--dest", "--dest", "b"], ["decode", "a.dsf"], ["--no-config", "inspect", "a"],
], ids=repr)
def test_any_other_form_is_left_to_click(args: list[str]) -> None:
    assert _recognise(args) is None


def test_a_config_file_is_left_to_click(files: Path) -> None:
    """devstate.toml changes option defaults: with one, the click group answers (here: its size limit)."""
    args = ["inspect", str(VECTORS / "valid-org.virtio.net-1.1-default.dsf")]
    (files / "devstate.toml").write_text("max-total-size = 10\n")
    code, out, err = _both(args, files, None)
    assert (code, out) == (1, "")
    assert "LIMIT_EXCEEDED" in err and "over the limit of 10" in err


def _modules(args: list[str], cwd: Path, cache: Path) -> set[str]:
    result = subprocess.run([sys.executable, "-c", REPORT_LIST.format(repr(args))], cwd=cwd, env=_env(cache),
                            capture_output=True, text=True, timeout=120)
    return set(json.loads(result.stderr.rpartition("\nMODULES ")[2]))


@pytest.mark.parametrize("name", ["inspect", "inspect-vendor", "validate", "check", "check-json"])
def test_the_usual_forms_asked_again_import_no_click(name: str, files: Path, tmp_path: Path) -> None:
    heavy = {"click", "rich", "pydantic", "jsonschema", "yaml", "devstate.ir", "devstate.cli.group"}
    _modules(CASES[name], files, tmp_path)
    assert _modules(CASES[name], files, tmp_path) & heavy == set()
