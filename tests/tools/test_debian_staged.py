"""tools.debian.staged: how the Debian caches (packages, sources, the guest's kernel) are made
whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.debian import staged


def _tree(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): path.read_text()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_filled_stage_replaces_the_folder_whole(tmp_path: Path) -> None:
    folder = tmp_path / "qemu-7.2"
    (folder / "old").mkdir(parents=True)
    (folder / "old" / "file").write_text("old")
    with staged(folder, "qemu-7.2") as staging:
        assert staging.parent == tmp_path and staging.name.startswith(".qemu-7.2-") and list(staging.iterdir()) == []
        (staging / "versions").write_text("qemu-system-x86=1:7.2\n")
    assert _tree(folder) == {"versions": "qemu-system-x86=1:7.2\n"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["qemu-7.2"]


def test_a_failure_leaves_the_folder_as_it_was_and_no_stage(tmp_path: Path) -> None:
    folder = tmp_path / "kernel"
    folder.mkdir()
    (folder / "version").write_text("6.1\n")
    with pytest.raises(KeyboardInterrupt), staged(folder, "kernel") as staging:
        (staging / "version").write_text("6.12\n")
        raise KeyboardInterrupt
    assert _tree(folder) == {"version": "6.1\n"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kernel"]


def test_a_first_stage_makes_the_folder(tmp_path: Path) -> None:
    with staged(tmp_path / "tree", "tree") as staging:
        (staging / "source").write_text("qemu=1:7.2 (bookworm)\n")
    assert _tree(tmp_path / "tree") == {"source": "qemu=1:7.2 (bookworm)\n"}
