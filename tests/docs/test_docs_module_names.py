"""The website names only code that exists: every ``devstate.x.y``, ``src/devstate/...``,
``tools/...`` and ``python -m tools.x`` in spec/**/*.md, and every module of the architecture
table ("One schema through every stage", spec/index.md#stages), which lists each layer
``lint-imports`` checks."""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import re
import tomllib

import pytest
from paths import ROOT, SPEC

PAGES = sorted(SPEC.rglob("*.md"))
DOTTED = re.compile(r"(?<![\w.])devstate(?:\.[A-Za-z_]\w*)+(?![\w/])")
"""``devstate.`` and dotted names; not ``org.devstate.x`` (a model) nor ``devstate.dev/x`` (the site's domain)."""
SRC_PATH = re.compile(r"\bsrc/devstate/[\w./{},*-]*")
TOOLS_PATH = re.compile(r"(?<![\w/])tools/[\w./-]+")
TOOLS_MODULE = re.compile(r"\bpython3? -m (tools(?:\.\w+)+)")

NOT_MODULES = {
    "devstate.toml": "the project configuration file",
    "devstate.schema.json": "the meta-schema, schemas/devstate.schema.json",
    "devstate.migrations": "the entry-point group of migration functions",
}
"""Names in the pages that have the shape of a module path but are not one (checked below for what they are)."""


def _names(pattern: re.Pattern[str]) -> dict[str, list[str]]:
    """Each match of ``pattern`` in the pages, with the pages (relative to spec/) it is on."""
    found: dict[str, list[str]] = {}
    for page in PAGES:
        for name in sorted(set(pattern.findall(page.read_text(encoding="utf-8")))):
            found.setdefault(name, []).append(page.relative_to(SPEC).as_posix())
    return found


def _resolves(name: str) -> bool:
    """Whether ``name`` is a module, or an attribute path inside the longest module it starts with."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:  # a parent is not a package
            found = False
        if found:
            value: object = importlib.import_module(module_name)
            for attribute in parts[cut:]:
                if not hasattr(value, attribute):
                    return False
                value = getattr(value, attribute)
            return True
    return False


def _expand(path: str) -> list[str]:
    """``a.{h,c}`` as ``a.h`` and ``a.c``."""
    pieces = re.split(r"\{([^}]*)\}", path)
    fixed, choices = pieces[::2], [group.split(",") for group in pieces[1::2]]
    return ["".join(itertools.chain.from_iterable(zip(fixed, (*chosen, ""), strict=True)))
            for chosen in itertools.product(*choices)]


def _stages() -> list[list[str]]:
    """The rows of the table under "One schema through every stage": its cells, without the header."""
    text = (SPEC / "index.md").read_text(encoding="utf-8")
    section = text[text.index("### One schema through every stage {#stages}"):]
    section = section.split("\n#", 1)[0]  # up to the next heading, if any
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_pages_name_modules() -> None:
    names = _names(DOTTED)
    assert len(names) >= 25, sorted(names)  # the pattern finds them
    assert {"devstate.state", "devstate.limits.json_integer", "devstate.compat.verdict.migration_verdict"} <= set(names)
    missing = {name: pages for name, pages in names.items() if name not in NOT_MODULES and not _resolves(name)}
    assert missing == {}


def test_what_looks_like_a_module_and_is_not_is_what_the_list_says() -> None:
    from devstate.cli import CONFIG_NAME
    from devstate.compat.migrate import ENTRY_POINT_GROUP

    assert set(NOT_MODULES) <= set(_names(DOTTED)), "an exception no page needs any more"
    assert CONFIG_NAME == "devstate.toml"
    assert (ROOT / "schemas" / "devstate.schema.json").is_file()
    assert ENTRY_POINT_GROUP == "devstate.migrations"
    assert not any(_resolves(name) for name in NOT_MODULES)


def test_the_pages_name_source_paths_that_exist() -> None:
    paths = _names(SRC_PATH)
    assert "src/devstate/" in paths
    missing = {path: pages for path, pages in paths.items()
               for each in _expand(path.rstrip(".,")) if not list(ROOT.glob(each))}
    assert missing == {}


def test_the_pages_name_tools_that_exist() -> None:
    paths, modules = _names(TOOLS_PATH), _names(TOOLS_MODULE)
    assert {"tools/malicious.py", "tools/strategies.py"} <= set(paths) and "tools.conformance" in modules
    assert {path: pages for path, pages in paths.items() if not (ROOT / path.rstrip(".,")).exists()} == {}
    assert {name: pages for name, pages in modules.items()
            if importlib.util.find_spec(name) is None} == {}


def test_every_module_of_the_stage_table_exists() -> None:
    rows = _stages()
    assert [row[0] for row in rows] == ["runtime", "errors, limits, files", "IR", "schema", "wire", "state",
                                        "reference codec", "emitters", "compatibility", "applications",
                                        "docs and CLI"]
    named = [name for row in rows for name in re.findall(r"`([^`]+)`", row[1])]
    assert [name for name in named if not (ROOT / "src" / "devstate" / name).exists()] == []
    in_text = [name for row in rows for name in re.findall(r"`((?:[a-z_]+/)+[\w./{},]+)`", row[2])
               if not name.startswith("devstate_codecs/")]  # in the generated package: checked below
    assert "schema/standard_facts.json" in in_text and "emit/sections.py" in in_text
    missing = [each for name in in_text for each in _expand(name)
               if not (ROOT / "src" / "devstate" / each).exists() and not (ROOT / each).exists()]
    assert missing == []
    runtime = re.findall(r"`(devstate_codecs/[\w.]+)`", rows[0][2])
    assert runtime == ["devstate_codecs/_runtime.py"] and (ROOT / "codegen" / "python" / runtime[0]).is_file()


def test_the_stage_table_names_every_layer_lint_imports_checks() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [layers] = [contract["layers"] for contract in config["tool"]["importlinter"]["contracts"]
                if contract["type"] == "layers"]
    modules = {name.strip() for layer in layers for name in layer.split("|")} - {"devstate.__main__"}
    named = {name for row in _stages() for name in re.findall(r"`([^`]+)`", row[1])}
    in_table = {"devstate." + name.split("/")[0].removesuffix(".py") for name in named}
    assert sorted(modules - in_table) == []


@pytest.mark.parametrize(("path", "expanded"), [
    ("codegen/c/x.{h,c}", ["codegen/c/x.h", "codegen/c/x.c"]),
    ("a/b.py", ["a/b.py"]),
])
def test_expand_spells_out_braces(path: str, expanded: list[str]) -> None:
    assert _expand(path) == expanded
