"""tools/system-deps: the one list of system packages, as the README and the tests use it."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from paths import ROOT, TESTS

from tools import system_deps


def test_the_readme_table_is_the_list() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### System packages"):]
    section = section[:section.index("\n### ", 1)]
    rows = re.findall(r"^\| ([a-z-]+) \| ([a-z0-9., -]+) \| .+ \|$", section, re.MULTILINE)
    table = {name: tuple(p.strip() for p in packages.split(",")) for name, packages in rows if name != "group"}
    assert table == {group.name: group.packages for group in system_deps.GROUPS}


def test_every_needs_marker_names_a_group() -> None:
    used = set()
    for path in TESTS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:needs|require)\(\s*["']([a-z0-9-]+)["']""", text))
    used.discard("group")
    assert used, "no test names a system-deps group"
    assert used <= set(system_deps.BY_NAME), used - set(system_deps.BY_NAME)


def test_unknown_group_is_a_usage_error() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "system_deps.py"), "nope"], capture_output=True,
                            text=True)
    assert result.returncode == 2
    assert result.stderr == ("system-deps: unknown system-deps group 'nope'; known: "
                             f"{', '.join(system_deps.BY_NAME)}\n")


def test_packages_lists_the_selected_groups() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "system_deps.py"), "--packages", "c-sanitizers"],
                            capture_output=True, text=True, check=True)
    assert result.stdout == "clang\nlibclang-rt-14-dev\n"


def test_a_missing_group_is_reported_with_its_install_command(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(system_deps, "GROUPS", (system_deps.Group("demo", ("no-such-package",),
                                                                  lambda: ["no-such-command"], "nothing real"),))
    assert system_deps.main([]) == 1
    out = capsys.readouterr().out
    assert "MISSING demo           nothing real  (no no-such-command; packages: no-such-package)" in out
    assert out.rstrip().endswith("Install: tools/system-deps --install demo")


def test_install_without_root_prints_the_command(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    group = system_deps.Group("demo", ("no-such-package",), lambda: ["x"], "nothing real")
    monkeypatch.setattr(system_deps.os, "geteuid", lambda: 1000)
    assert system_deps.install([group]) == 1
    assert capsys.readouterr().out.splitlines()[0] == ("system-deps: missing demo; as root run: "
                                                       "tools/system-deps --install demo")
