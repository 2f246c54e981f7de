"""The test tree's layout: every test file in a folder of the README's map, each name once."""

from __future__ import annotations

import re
from collections import Counter

from paths import ROOT, TESTS

NOT_FOLDERS = {"__pycache__", ".hypothesis"}


def _readme_folders() -> set[str]:
    """The folders named in the first column of the README's "Where the tests live" table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Where the tests live"):]
    section = section[:section.index("\n### ", 1)]
    cells = re.findall(r"^\| ([^|]+) \|", section, re.MULTILINE)
    return {name.rstrip("/") for cell in cells for name in re.findall(r"`([a-z/]+/)`", cell)}


def _folders_on_disk() -> set[str]:
    top = {path.name for path in TESTS.iterdir() if path.is_dir() and path.name not in NOT_FOLDERS}
    emit = {f"emit/{path.name}" for path in (TESTS / "emit").iterdir()
            if path.is_dir() and path.name not in NOT_FOLDERS}
    return top | emit


def test_no_test_file_sits_at_the_root_of_tests() -> None:
    loose = sorted(path.name for path in TESTS.glob("test_*.py"))
    assert loose == [], (f"{loose}: move them into the folder of the package they test "
                         "(README, 'Where the tests live')")


def test_every_folder_is_in_the_readme_map() -> None:
    assert _folders_on_disk() == _readme_folders()


def test_test_file_names_are_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
