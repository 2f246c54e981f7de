"""The docs renderer: IR → Markdown reference pages (golden files), CLI reference, site assembly."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import click
import paths
import pytest

from devstate import ir
from devstate.cli import main as cli_main
from devstate.cli.mkdocs_hook import expand_models_nav
from devstate.docs import CompatRenderers, PageLinks, SiteInputs, build_site, render_cli_reference
from devstate.docs.cli_reference import command_anchor, walk
from devstate.docs.markdown import cell, slug, table
from devstate.docs.model_page import field_rows, field_table, member_link, range_text, render_version_page
from devstate.docs.search_index import rewrite_search_index
from devstate.schema import load_schema, schema_files

DATA = paths.DATA / "docs"
GOLDEN = paths.GOLDEN / "docs"
Golden = Callable[[Path, str], None]


@pytest.fixture(scope="module")
def example() -> ir.Schema:
    return load_schema(DATA / "org.example.dev" / "1.1.yaml")


@pytest.fixture(scope="module")
def library() -> ir.Schema:
    return load_schema(DATA / "org.example.lib" / "1.0.yaml")


@pytest.fixture(scope="module")
def standard() -> list[ir.Schema]:
    return [load_schema(f.path) for f in schema_files()]


# --- golden pages -------------------------------------------------------------------------


def test_version_page_golden(example: ir.Schema, golden: Golden) -> None:
    links = PageLinks(versions=(ir.Version(1, 0), ir.Version(1, 1)), pages=frozenset({"org.example.lib@1.0"}))
    golden(GOLDEN / "org.example.dev-1.1.md", render_version_page(example, links))


def test_library_page_golden(library: ir.Schema, golden: Golden) -> None:
    golden(GOLDEN / "org.example.lib-1.0.md", render_version_page(library, PageLinks(downloads=False)))


def test_cli_reference_golden(golden: Golden) -> None:
    golden(GOLDEN / "cli-example.md", render_cli_reference(_example_cli(), name="tool"))


def _example_cli() -> click.Group:
    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    def tool() -> None:
        """An example tool."""

    @tool.command()
    @click.argument("paths", nargs=-1, required=True)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.option("--limit", type=int, default=10, show_default=True, help="At most this many.")
    def check(paths: tuple[str, ...], as_json: bool, limit: int) -> None:
        """Check PATHS.

        Exit status 0 when all are valid.
        """

    @tool.group()
    def sub() -> None:
        """Subcommands | with a pipe."""

    @sub.command("run", hidden=True)
    def hidden() -> None:
        """Not documented."""

    @sub.command()
    @click.option("--mode", type=click.Choice(["a", "b"]), default="a", help="Mode.")
    def go(mode: str) -> None:
        """Go somewhere."""

    return tool


# --- content of the version pages ---------------------------------------------------------


def test_every_field_path_of_every_standard_schema_is_on_its_page(standard: list[ir.Schema]) -> None:
    for schema in standard:
        page = render_version_page(schema)
        for section in schema.sections:
            assert f"{{#section-{slug(section.name)}}}" in page
            for row in field_rows(schema, section.name, section.type, schema.model):
                assert f'id="{row.path}" href="#{row.path}"' in page, f"{schema.ident}: {row.path}"
        for name in schema.types:
            assert f"{{#{slug('type', name)}}}" in page
        for param in schema.params:
            assert f'id="{slug("param", param.name)}"' in page


def test_field_rows_give_path_type_offset_size_range_since(example: ir.Schema) -> None:
    rows = {row.path: row for row in field_rows(example, "regs", example.section("regs").type, example.model)}
    level = rows["regs.level"]
    assert level.cells[1:6] == ["`i32`", "3", "4", "-100..100", ""]
    assert level.unit == "dB"
    assert rows["regs.wide"][5] == "1.1"
    blob = {row.path: row for row in field_rows(example, "blob", example.section("blob").type, example.model)}
    assert blob["blob.crc"][2] == "—", "a field after a variable-size one has no fixed offset"
    assert blob["blob.ring.size"][4] == "≤ 4096" and blob["blob.ring.size"].unit == "entries"
    rings = list(field_rows(example, "rings", example.section("rings").type, example.model))
    assert rings[0].path == "rings[].size"


def test_range_text_gives_bounds_and_the_capacity_of_counted_types(example: ir.Schema) -> None:
    blob, regs = example.struct("blob_state"), example.struct("regs")
    level, name, data = regs.fields[2], blob.fields[0], blob.fields[1]
    assert [range_text(level.type, level), range_text(name.type, name), range_text(data.type, data)] == [
        "-100..100", "≤ 64 bytes", "≤ 4096 bytes"]
    assert range_text(example.section("rings").type, None) == "≤ 8 items"
    assert [range_text(example.section(s).type, None) for s in ("regs", "counters")] == ["", ""]


def test_member_link_points_at_the_row_or_type_on_the_version_page(example: ir.Schema) -> None:
    links = {(kind, name): member_link(example, kind, name) for kind, name in [
        ("section", "regs"), ("section", "nope"), ("vendor section", "acme_tuning"), ("param", "queues"),
        ("type", "lib.ring"), ("field", "regs.level"), ("field", "lib.ring.size"), ("field", "regs.nope"),
        ("field", "mode.turbo"), ("field", "status.ready"), ("field", "nope.x")]}
    assert links == {
        ("section", "regs"): "1.1.md#section-regs",
        ("section", "nope"): None,
        ("vendor section", "acme_tuning"): "1.1.md#vendor-acme-tuning",
        ("param", "queues"): "1.1.md#param-queues",
        ("type", "lib.ring"): "1.1.md#type-lib-ring",
        ("field", "regs.level"): "1.1.md#type-regs.level",
        ("field", "lib.ring.size"): "1.1.md#type-lib-ring.size",
        ("field", "regs.nope"): None,
        ("field", "mode.turbo"): "1.1.md#type-mode",
        ("field", "status.ready"): "1.1.md#type-status",
        ("field", "nope.x"): None,
    }


def test_every_field_row_is_its_own_link_target(example: ir.Schema) -> None:
    page = render_version_page(example)
    assert (
        '<a class="field-anchor" id="regs.level" href="#regs.level" title="Link to this field">`regs.level`</a>'
        in page
    )
    assert 'id="rings[].size" href="#rings[].size"' in page
    assert 'id="type-regs.level" href="#type-regs.level"' in page, "a struct member's row in its type's table"


def test_units_have_their_own_column_only_where_a_field_has_one(example: ir.Schema) -> None:
    page = render_version_page(example)
    regs = page.split("{#section-regs}")[1].split("\n### ")[0]
    assert "| Path | Type | Offset | Size | Range | Unit | Since | Description |" in regs
    assert "| -100..100 | dB |" in regs
    rows = [row for row in field_rows(example, "regs", example.section("regs").type, example.model) if not row.unit]
    assert field_table(rows).startswith("| Path | Type | Offset | Size | Range | Since | Description |\n")
    assert field_table([]) == "", "a section without fields (an array of scalars) has no table"


def test_links_only_to_pages_that_exist(example: ir.Schema) -> None:
    alone = render_version_page(example, PageLinks(downloads=False))
    assert "../org.example.lib/1.0.md" not in alone
    assert "1.1.yaml" not in alone and "other versions" not in alone
    linked = render_version_page(example, PageLinks(pages=frozenset({"org.example.lib@1.0"})))
    assert "[org.example.lib 1.0](../org.example.lib/1.0.md)" in linked


def test_every_internal_anchor_link_has_its_anchor(standard: list[ir.Schema], example: ir.Schema) -> None:
    for schema in [*standard, example]:
        page = render_version_page(schema)
        anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", page)) | set(re.findall(r'id="([a-z0-9-]+)"', page))
        for target in re.findall(r"\]\(#([^)]+)\)", page):
            assert target in anchors, f"{schema.ident}: #{target}"


# --- CLI reference ------------------------------------------------------------------------


def test_cli_reference_documents_every_command_and_option() -> None:
    page = render_cli_reference(cli_main)
    context = click.Context(cli_main, info_name="devstate", **cli_main.context_settings)
    commands = walk(cli_main, context)
    assert len(commands) > 3
    for command, ctx in commands:
        assert f"{{#{command_anchor(ctx)}}}" in page
        assert command.get_usage(ctx) in page
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and not param.hidden:
                assert f"`{param.opts[0]}`" in page, f"{ctx.command_path} {param.opts[0]}"
    assert "`-h`, `--help`" in page
    assert "Sentinel" not in page and "UNSET" not in page


def test_cli_reference_skips_hidden_commands() -> None:
    page = render_cli_reference(_example_cli(), name="tool")
    assert "tool sub run" not in page and "Not documented" not in page
    assert "{#tool-sub-go}" in page


# --- site assembly ------------------------------------------------------------------------


def _inputs(schemas: Sequence[ir.Schema], compat: CompatRenderers) -> SiteInputs:
    sources = {s.ident: b"source of " + s.ident.encode() for s in schemas}
    json_schemas = {"meta.schema.json": b'{"title": "Meta", "description": "What files look like."}'}
    return SiteInputs(tuple(schemas), sources, json_schemas, _example_cli(), compat)


def test_site_has_a_page_per_version_and_the_downloads(example: ir.Schema, library: ir.Schema) -> None:
    site = build_site(_inputs([example, library], CompatRenderers()))
    paths = {page.path for page in site.pages}
    for schema in (example, library):
        base = f"models/{schema.model}/{schema.version}"
        assert {f"{base}.md", f"{base}.yaml", f"{base}.json"} <= paths
        assert json.loads(site.page(f"{base}.json").content) == schema.model_dump(mode="json")
        assert site.page(f"{base}.yaml").content == b"source of " + schema.ident.encode()
    assert site.page("schemas/meta.schema.json").content.startswith(b'{"title": "Meta"')
    ir_schema = json.loads(site.page("schemas/devstate-ir.schema.json").content)
    assert ir_schema["$id"] == "https://devstate.dev/schemas/devstate-ir.schema.json"
    assert "sections" in ir_schema["properties"]
    downloads = str(site.page("reference/downloads.md").content)
    assert "| [`meta.schema.json`](../schemas/meta.schema.json) | Meta — What files look like. |" in downloads
    assert {"models/index.md", "reference/cli.md", "reference/downloads.md"} <= paths
    assert not any(p.endswith(("compatibility.md", "changelog.md")) for p in paths)


def test_site_adds_compat_pages_when_the_engine_renders_them(example: ir.Schema) -> None:
    seen: list[list[str]] = []

    def matrix(versions: Sequence[ir.Schema]) -> str:
        seen.append([s.ident for s in versions])
        return "# Matrix\n"

    site = build_site(_inputs([example], CompatRenderers(matrix=matrix)))
    assert seen == [["org.example.dev@1.1"]]
    matrix_page = site.page("models/org.example.dev/compatibility.md").content
    assert matrix_page == '---\ntitle: "org.example.dev compatibility matrix"\n---\n\n# Matrix\n', "its own tab title"
    model_nav = site.models_nav[1]
    assert isinstance(model_nav, dict)
    assert {"Compatibility matrix": "models/org.example.dev/compatibility.md"} in model_nav["org.example.dev"]
    assert "[Compatibility matrix](compatibility.md)" in str(site.page("models/org.example.dev/index.md").content)


def test_models_nav_entry_is_expanded_in_place() -> None:
    nav = [{"Home": "index.md"}, {"Models": "models/index.md"}, {"Ref": [{"CLI": "reference/cli.md"}]}]
    generated = ["models/index.md", {"m": ["models/m/index.md"]}]
    assert expand_models_nav(nav, generated) == [nav[0], {"Models": generated}, nav[2]]


def test_cells_are_escaped() -> None:
    assert cell("a | b\n  <c>") == r"a \| b &lt;c&gt;"
    assert table(["A"], [["x"]]) == "| A |\n|---|\n| x |\n"
    assert slug("type", "virtio.virtqueue") == "type-virtio-virtqueue"


# --- search entries -----------------------------------------------------------------------


def test_search_index_gets_one_readable_entry_per_field(example: ir.Schema) -> None:
    page = "models/org.example.dev/1.1/"
    table_text = "Path Type Offset Size Range Unit Since Description <code>regs.level</code> i32 3 4 ..."
    index = {
        "config": {"lang": ["en"]},
        "docs": [
            {"location": page, "title": "org.example.dev 1.1", "text": "summary"},
            {"location": f"{page}#section-regs", "title": "Section <code>regs</code>", "text": table_text},
            {"location": f"{page}#types", "title": "Types", "text": "kept"},
            {"location": f"{page}#type-mode", "title": "enum <code>mode</code>", "text": "Name Value Since ..."},
            {"location": f"{page}#type-regs", "title": "struct <code>regs</code>", "text": "Field Type ..."},
        ],
    }
    rewritten = rewrite_search_index(index, [example])
    assert rewritten["config"] == index["config"]
    docs = {doc["location"]: doc for doc in rewritten["docs"]}
    assert docs[f"{page}#section-regs"]["text"] == "The registers. (regs, 14 bytes)"
    assert docs[f"{page}#regs.level"] == {
        "location": f"{page}#regs.level",
        "title": "<code>regs.level</code>",
        "text": "Gain level. — i32 at offset 3, 4 bytes, range -100..100 dB",
    }
    assert docs[f"{page}#types"]["text"] == "kept"
    assert docs[f"{page}#type-regs"]["text"] == "Device registers. — struct, 14 bytes: mode, status, level, mac, wide"
    mode = "Operating mode; open, so newer modes load on older readers. — enum (u8): off = 0, "
    assert docs[f"{page}#type-mode"]["text"].startswith(mode)
    locations = [doc["location"] for doc in rewritten["docs"]]
    assert locations.index(f"{page}#regs.level") == locations.index(f"{page}#section-regs") + 3, (
        "a section's fields follow its heading, in table order"
    )
    assert f"{page}#section-rings" not in locations, "only headings the index has are rewritten"
