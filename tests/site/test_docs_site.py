"""The website: `mkdocs build --strict` passes with zero warnings and has every generated page."""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from paths import ROOT

from devstate.docs.site import SITE_URL
from devstate.schema import load_schema, schema_files

SPEC = ROOT / "spec"


def build_site(site_dir: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` into ``site_dir`` (what docs.sh and CI run)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = build_site(site_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert warnings == [], "\n".join(warnings)
    return site_dir


def test_every_schema_version_has_a_page_and_its_downloads(site: Path) -> None:
    files = schema_files()
    assert files
    for file in files:
        base = site / "models" / file.model
        page = (base / str(file.version) / "index.html").read_text(encoding="utf-8")
        assert f"{file.model} {file.version}" in page
        assert (base / f"{file.version}.yaml").read_bytes() == file.path.read_bytes()
        dumped = json.loads((base / f"{file.version}.json").read_text(encoding="utf-8"))
        assert dumped == load_schema(file.path).model_dump(mode="json")
        assert (base / "index.html").is_file()


def test_meta_schema_ir_schema_and_cli_reference(site: Path) -> None:
    for source in (ROOT / "schemas").glob("*.json"):
        published = site / "schemas" / source.name
        assert published.read_bytes() == source.read_bytes()
        assert json.loads(source.read_bytes())["$id"] == SITE_URL + f"schemas/{source.name}"
    ir_schema = json.loads((site / "schemas" / "devstate-ir.schema.json").read_text(encoding="utf-8"))
    assert ir_schema["$id"] == SITE_URL + "schemas/devstate-ir.schema.json"
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="devstate-validate"' in cli and 'id="devstate-schema-show"' in cli


def test_hand_written_pages_are_built(site: Path) -> None:
    for page in ("", "getting-started/", "conformance/", "security/"):
        assert (site / page / "index.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Three levels of device-state compatibility" in home


def test_search_index_holds_field_names(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("models/org.virtio.net/"))
    assert "last_avail_idx" in text


def test_compat_pages_appear_when_the_engine_renders_them(site: Path) -> None:
    from devstate.docs import compat_renderers

    renderers = compat_renderers()
    for model in {f.model for f in schema_files()}:
        library = load_schema(next(f for f in schema_files() if f.model == model).path).is_library
        matrix = site / "models" / model / "compatibility" / "index.html"
        assert matrix.is_file() == (renderers.matrix is not None and not library), model
        changelog = site / "models" / model / "changelog" / "index.html"
        assert changelog.is_file() == (renderers.changelog is not None), model


def test_every_compat_rule_id_has_its_anchor(site: Path) -> None:
    """`devstate compat` links each change to spec/compatibility.md#<rule id>."""
    compat = importlib.import_module("devstate.compat")
    page = (site / "compatibility" / "index.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', page))
    missing = [rule.id for rule in compat.RULES.values() if rule.anchor not in anchors]
    assert missing == []


def test_every_vmstate_rule_id_has_its_anchor(site: Path) -> None:
    """`devstate vmstate-compat` links each finding to spec/qemu-vmstate.md#<rule id>."""
    rules = importlib.import_module("devstate.vmstate.rules")
    page = (site / "qemu-vmstate" / "index.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', page))
    assert [rule.id for rule in rules.QV_RULES.values() if rule.anchor not in anchors] == []
    assert site_url_of_mkdocs() + "qemu-vmstate/" == rules.DOCS_URL


def site_url_of_mkdocs() -> str:
    found = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_rule_urls_point_at_the_site() -> None:
    rules = importlib.import_module("devstate.compat.rules")
    assert site_url_of_mkdocs() == SITE_URL
    assert SITE_URL + "compatibility/" == rules.DOCS_URL


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        cache[page] = {html.unescape(i) for i in re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8"))}
    return cache[page]


def test_links_from_compat_pages_land_on_field_rows(site: Path) -> None:
    """Matrix conditions and changelog entries link to rows that exist (fields, sections, params)."""
    cache: dict[Path, set[str]] = {}
    checked = 0
    for page in [*site.glob("models/*/compatibility/index.html"), *site.glob("models/*/changelog/index.html")]:
        for href in re.findall(r'href="([^"]+#[^"]+)"', page.read_text(encoding="utf-8")):
            target, _, anchor = html.unescape(href).partition("#")
            if target.startswith("http"):
                continue
            path = (page.parent / target).resolve() if target else page
            path = path / "index.html" if path.is_dir() else path
            assert unquote(anchor) in _ids(path, cache), f"{page.relative_to(site)}: {href}"
            checked += 1
    assert checked > 100


def test_byte_layout_figures_for_the_envelope_and_every_struct(site: Path) -> None:
    wire = (site / "wire-format" / "index.html").read_text(encoding="utf-8")
    for name in ("header", "section-header", "vendor-header"):
        assert f'src="../figures/{name}.svg"' in wire
        svg = (site / "figures" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg ") and "<title>" in svg
    for file in schema_files():
        schema = load_schema(file.path)
        page = (site / "models" / file.model / str(file.version) / "index.html").read_text(encoding="utf-8")
        for name, named in schema.types.items():
            if named.kind == "struct":
                figure = site / "models" / file.model / "figures" / str(file.version) / f"{name}.svg"
                assert f"<title>struct {name} ({schema.ident})</title>" in figure.read_text(encoding="utf-8")
                assert f'src="../figures/{file.version}/{name}.svg"' in page, f"{schema.ident} {name}"


def test_every_error_code_has_its_anchor(site: Path) -> None:
    """The blob viewer links an error's code to wire-format/#error-<code>."""
    from devstate.wire.errors import ErrorCode

    page = (site / "wire-format" / "index.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', page))
    assert [c.name for c in ErrorCode if "error-" + c.name.lower().replace("_", "-") not in anchors] == []
