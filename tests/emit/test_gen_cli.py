"""``devstate gen``: generate into a directory (atomically), dispatch to the C backend, --check drift."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import ROOT

from devstate.cli import main
from devstate.emit import generate
from devstate.emit.python import emit_python
from devstate.schema import find_schema_file, load_schema

CODEGEN = ROOT / "codegen"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_python_package_from_names_and_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    led = ROOT / "spec" / "conformance" / "schemas" / "org.example.led" / "1.0.yaml"
    result = run("gen", "--lang", "python", "org.virtio.net@1.1", str(led), "-o", str(out))
    assert result.exit_code == 0, result.output
    package = out / "devstate_codecs"
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "_runtime.py", "org_example_led_v1_0.py",
                                                          "org_virtio_net_v1_1.py", "py.typed"]
    assert (out / "pyproject.toml").is_file() and (out / "README.md").is_file()
    schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
    assert (package / "org_virtio_net_v1_1.py").read_text() == emit_python(schema)[
        "devstate_codecs/org_virtio_net_v1_1.py"]
    assert not [p for p in out.iterdir() if p.name.startswith(".devstate-gen-")]
    program = ("import sys; sys.path.insert(0, sys.argv[1]); import devstate_codecs as d; "
               "net = d.load('org.virtio.net', '1.1'); print(net.decode(net.encode(net.State())) == net.State())")
    done = subprocess.run([sys.executable, "-c", program, str(out)], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "True", done.stderr


def test_generation_is_byte_for_byte_repeatable(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("gen", "--lang", "python", "--all", "-o", str(tmp_path / name)).exit_code == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert run("gen", "--lang", "python", "--all", "-o", str(tmp_path / "a")).exit_code == 0  # regenerates in place


def test_never_overwrites_a_hand_written_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    result = run("gen", "--lang", "python", "org.virtio.blk@1.1", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.output and "pyproject.toml" in result.output
    assert (tmp_path / "pyproject.toml").read_text() == "[project]\nname = 'mine'\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_nothing_is_written_when_generation_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(schema: object) -> dict[str, str]:
        raise generate.EmitError("the emitter broke")

    monkeypatch.setattr(generate, "emit_python", broken)
    result = run("gen", "--lang", "python", "org.virtio.net@1.1", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "the emitter broke" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["gen", "org.virtio.net@1.1"], "give --lang, -o DIR and SCHEMA"),
    (["gen", "--lang", "python", "-o", "x"], "give --lang, -o DIR and SCHEMA"),
    (["gen", "--lang", "python", "--all", "org.virtio.net@1.1", "-o", "x"], "give --lang, -o DIR and SCHEMA"),
    (["gen", "--check", "org.virtio.net@1.1"], "--check takes no SCHEMA"),
    (["gen", "--lang", "python", "org.virtio.common@1.1", "-o", "x"], "types-only library schema"),
    (["gen", "--lang", "python", "org.nope@1.0", "-o", "x"], "no standard schema for model"),
])
def test_usage_errors(args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x").exists()


def test_c_is_generated_by_the_c_backend(tmp_path: Path) -> None:
    c = importlib.import_module("devstate.emit.c")
    schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
    result = run("gen", "--lang", "c", "org.virtio.net@1.1", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    expected = c.emit_c_runtime() | c.emit_c(schema)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dsf1.c", "dsf1.h", "dsf1_errors.h", "org_virtio_net_v1_1.c", "org_virtio_net_v1_1.h"]
    assert all((tmp_path / name).read_text() == text for name, text in expected.items())


def test_a_missing_c_backend_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_c(name: str, package: str | None = None) -> object:
        if name == "devstate.emit.c":
            raise ModuleNotFoundError("No module named 'devstate.emit.c'")
        return real(name, package)

    monkeypatch.setattr(generate.importlib, "import_module", without_c)
    result = run("gen", "--lang", "c", "org.virtio.net@1.1", "-o", str(tmp_path / "c"))
    assert result.exit_code == 2
    assert "the C backend (devstate.emit.c) is not available" in result.output
    assert not (tmp_path / "c").exists()


# --- --check ------------------------------------------------------------------------------------------


def test_check_passes_on_the_committed_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("gen", "--check", "--lang", "python")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_check_lists_changed_missing_and_stale_files(tmp_path: Path) -> None:
    tree = tmp_path / "codegen"
    shutil.copytree(CODEGEN / "python", tree / "python")
    module = tree / "python" / "devstate_codecs" / "org_virtio_net_v1_1.py"
    module.write_text(module.read_text().replace('VERSION = "1.1"', 'VERSION = "1.2"'))
    (tree / "python" / "devstate_codecs" / "org_virtio_blk_v1_0.py").unlink()
    stale = tree / "python" / "devstate_codecs" / "org_virtio_net_v0_9.py"
    stale.write_text("# Generated by devstate gen (devstate 0.0.1) from schemas/x — do not edit.\n")
    (tree / "python" / "NOTES.txt").write_text("hand-written, not generated\n")
    result = run("gen", "--check", "--lang", "python", "--codegen-dir", str(tree))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "changed: codegen/python/devstate_codecs/org_virtio_net_v1_1.py" in lines
    assert "missing: codegen/python/devstate_codecs/org_virtio_blk_v1_0.py" in lines
    assert "stale: codegen/python/devstate_codecs/org_virtio_net_v0_9.py" in lines
    assert '-VERSION = "1.2"' in lines and '+VERSION = "1.1"' in lines
    assert "NOTES.txt" not in result.output
    assert "3 generated files differ" in result.output


def test_check_without_a_codegen_directory(tmp_path: Path) -> None:
    result = run("gen", "--check", "--codegen-dir", str(tmp_path / "nowhere"))
    assert (result.exit_code, result.stderr) == (
        2, f"devstate: error: IO_NOT_FOUND: cannot read '{tmp_path / 'nowhere'}': no such file or directory "
           "(run from the repository root or give --codegen-dir)\n")
