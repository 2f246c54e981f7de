"""What ``pip install devstate`` ships: the library, not the project's test tooling."""

from __future__ import annotations

import zipfile
from pathlib import Path

from paths import ROOT

TEST_TOOLING = ("conformance.py", "malicious.py", "testing.py", "strategies.py")


def test_the_wheel_ships_no_test_generators_or_hypothesis_strategies(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        modules = {name: archive.read(name).decode("utf-8") for name in names if name.endswith(".py")}
    assert "devstate/emit/python/templates/module.py.j2" in names  # devstate gen runs from the wheel
    assert "devstate/ir.py" in modules and "devstate/wire/sections.py" in modules
    assert not [name for name in modules if not name.startswith("devstate/")]
    assert not [name for name in modules if name.rsplit("/", 1)[-1] in TEST_TOOLING]
    importing = [name for name, text in modules.items()
                 if any(f"{verb} {test_package}" in text for verb in ("import", "from")
                        for test_package in ("hypothesis", "pytest", "tools."))]
    assert importing == []
