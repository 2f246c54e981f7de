"""Every generated page of the website, from the schemas, the CLI and the compat engine.

``build_site`` is a pure function of its inputs (IR, click tree, renderers): it returns
the pages (path relative to the site source, content) and the navigation of the
"Models" and "Reference" tabs. The mkdocs hook only hands these to mkdocs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import click

from devstate import ir
from devstate.docs.cli_conventions import CLI_CONVENTIONS
from devstate.docs.cli_reference import render_cli_reference
from devstate.docs.compat_pages import CompatRenderers
from devstate.docs.layout_figure import envelope_boxes, layout_svg, struct_boxes
from devstate.docs.markdown import cell, code, heading, join_blocks, paragraphs, table
from devstate.docs.model_page import PageLinks, figure_path, render_version_page
from devstate.schema.loader import SchemaLoader
from devstate.schema.registry import schema_files

SITE_URL = "https://devstate.dev/"
"""Where the site is published (``site_url`` in mkdocs.yml); JSON Schema ``$id``s live below it."""
IR_SCHEMA = "devstate-ir.schema.json"


NavItem = str | dict[str, "str | list[NavItem]"]

ENVELOPE_TITLES = {
    "header": "DSF v1 header (offsets from the blob's first byte)",
    "section-header": "Section header (offsets from the section's first byte)",
    "vendor-header": "Vendor header (offsets from the vendor section's payload)",
}


@dataclass(frozen=True)
class SitePage:
    path: str
    """Where the page sits in the site source (``models/org.virtio.net/1.1.md``)."""
    content: str | bytes


@dataclass
class GeneratedSite:
    pages: list[SitePage] = field(default_factory=list)
    models_nav: list[NavItem] = field(default_factory=list)
    """Navigation of ``models/``: the index, then one section per model."""

    def add(self, path: str, content: str | bytes) -> None:
        self.pages.append(SitePage(path, content))

    def page(self, path: str) -> SitePage:
        for candidate in self.pages:
            if candidate.path == path:
                return candidate
        raise KeyError(path)


@dataclass(frozen=True)
class SiteInputs:
    schemas: tuple[ir.Schema, ...]
    """Every standard schema, ordered by model and version."""
    sources: dict[str, bytes]
    """The YAML source of each schema by ``model@version``."""
    json_schemas: dict[str, bytes]
    """Every JSON Schema in ``schemas/`` by file name, published as ``schemas/<name>`` (their ``$id``)."""
    cli: click.Command
    compat: CompatRenderers = field(default_factory=CompatRenderers)


def load_inputs(root: Path, cli: click.Command, compat: CompatRenderers) -> SiteInputs:
    """Read every schema under ``root`` (one loader, so shared imports load once)."""
    loader = SchemaLoader(root)
    files = schema_files(root)
    schemas = tuple(loader.load(f.path) for f in files)
    sources = {f.ident: f.path.read_bytes() for f in files}
    json_schemas = {p.name: p.read_bytes() for p in sorted(root.glob("*.json"))}
    return SiteInputs(schemas, sources, json_schemas, cli, compat)


def build_site(inputs: SiteInputs) -> GeneratedSite:
    site = GeneratedSite()
    by_model = [(m, list(v)) for m, v in groupby(inputs.schemas, key=lambda s: s.model)]
    idents = frozenset(s.ident for s in inputs.schemas)
    for model, versions in by_model:
        site.models_nav.append({model: _model_pages(site, model, versions, idents, inputs)})
    site.add("models/index.md", render_models_index(by_model))
    site.models_nav.insert(0, "models/index.md")
    site.add("reference/cli.md", render_cli_reference(inputs.cli, conventions=CLI_CONVENTIONS))
    for name, boxes in envelope_boxes().items():
        site.add(f"figures/{name}.svg", layout_svg(ENVELOPE_TITLES[name], boxes))
    json_schemas = {**inputs.json_schemas, IR_SCHEMA: _json(ir_json_schema())}
    for name, content in json_schemas.items():
        site.add(f"schemas/{name}", content)  # the URL of its $id
        site.add(f"reference/{name}", content)  # next to the downloads page, for relative links
    site.add("reference/downloads.md", render_downloads(inputs.schemas, json_schemas))
    return site


def _model_pages(
    site: GeneratedSite, model: str, versions: list[ir.Schema], idents: frozenset[str], inputs: SiteInputs
) -> list[NavItem]:
    base = f"models/{model}"
    links = PageLinks(versions=tuple(s.version for s in versions), pages=idents)
    nav: list[NavItem] = [f"{base}/index.md"]
    for schema in versions:
        site.add(f"{base}/{schema.version}.md", render_version_page(schema, links))
        site.add(f"{base}/{schema.version}.yaml", inputs.sources[schema.ident])
        site.add(f"{base}/{schema.version}.json", _json(schema.model_dump(mode="json")))
        for name, named in schema.types.items():
            if isinstance(named, ir.StructType):
                title = f"struct {name} ({schema.ident})"
                site.add(f"{base}/{figure_path(schema.version, name)}", layout_svg(title, struct_boxes(named)))
        nav.append({f"{model} {schema.version}": f"{base}/{schema.version}.md"})
    extra = _compat_pages(site, base, versions, inputs.compat)
    nav += [{title: path} for title, path in extra]
    site.add(f"{base}/index.md", render_model_index(versions, [(t, p.rpartition("/")[2]) for t, p in extra]))
    return nav


def _compat_pages(
    site: GeneratedSite, base: str, versions: Sequence[ir.Schema], compat: CompatRenderers
) -> list[tuple[str, str]]:
    added = []
    renderers = [
        ("Compatibility matrix", "compatibility.md", compat.matrix),
        ("Changelog", "changelog.md", compat.changelog),
    ]
    for title, name, render in renderers:
        if render is not None and not (versions[0].is_library and name == "compatibility.md"):
            site.add(f"{base}/{name}", front_matter(f"{versions[0].model} {title.lower()}") + render(versions))
            added.append((title, f"{base}/{name}"))
    return added


def front_matter(title: str) -> str:
    """A page's own title for the browser tab (the nav keeps its short label)."""
    return f"---\ntitle: {json.dumps(title)}\n---\n\n"


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode()


def ir_json_schema() -> dict[str, object]:
    """The JSON Schema of the IR as ``devstate schema dump`` prints it."""
    generated = ir.Schema.model_json_schema(mode="serialization")
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SITE_URL}schemas/{IR_SCHEMA}",
        "title": "devstate IR (one schema version, as `devstate schema dump` prints it)",
    }
    return {**head, **{k: v for k, v in generated.items() if k != "title"}}


# --- index pages ------------------------------------------------------------------------


def render_models_index(by_model: Sequence[tuple[str, Sequence[ir.Schema]]]) -> str:
    """The list of every standard model with links to each version page."""
    rows = []
    for model, versions in by_model:
        newest = versions[-1]
        version_links = ", ".join(f"[{s.version}]({model}/{s.version}.md)" for s in versions)
        kind = "types library" if newest.is_library else f"{len(newest.sections)} sections"
        rows.append([f"[{code(model)}]({model}/index.md)", cell(newest.title), version_links, kind])
    intro = (
        "The standard schemas, one immutable file per version (`schemas/<model>/<major>.<minor>.yaml`). "
        "Each version has a reference page generated from the schema itself: sections, every field "
        "path with its wire offset, size, range and the version that added it, the types, the "
        "migration parameters and the vendor sections.\n"
    )
    return join_blocks(
        [heading(1, "Device models", "top"), intro, table(["Model", "Title", "Versions", "Contents"], rows)]
    )


def render_model_index(versions: Sequence[ir.Schema], extra: Sequence[tuple[str, str]]) -> str:
    """One model: its newest description, the versions and the compat pages."""
    newest = versions[-1]
    rows = [
        [
            f"[{s.version}]({s.version}.md)",
            cell(s.title),
            str(len(s.sections)),
            str(len(s.params)),
            f"[YAML]({s.version}.yaml) · [IR JSON]({s.version}.json)",
        ]
        for s in versions
    ]
    pages = "".join(f"- [{title}]({name})\n" for title, name in extra)
    return join_blocks(
        [
            heading(1, code(newest.model), "top"),
            f"**{cell(newest.title)}** (newest version {newest.version})\n",
            paragraphs(newest.doc),
            heading(2, "Versions", "versions"),
            table(["Version", "Title", "Sections", "Parameters", "Download"], rows),
            pages,
        ]
    )


def render_downloads(schemas: Sequence[ir.Schema], json_schemas: dict[str, bytes]) -> str:
    """Links to the JSON Schemas and to every schema's source and IR."""
    rows = [
        [
            code(s.model),
            str(s.version),
            f"[YAML](../models/{s.model}/{s.version}.yaml)",
            f"[IR JSON](../models/{s.model}/{s.version}.json)",
            code(s.sha256[:16]),
        ]
        for s in schemas
    ]
    return join_blocks(
        [
            heading(1, "Downloads", "top"),
            heading(2, "JSON Schemas", "json-schemas"),
            "Each is published at the URL of its `$id`. Editors that understand "
            "`# yaml-language-server: $schema=...` use the schema-file meta-schema for completion.\n",
            table(["File", "What it describes"], [_json_schema_row(n, c) for n, c in json_schemas.items()]),
            heading(2, "Schemas and their IR", "schemas"),
            "Each schema as written and as IR JSON, the output of `devstate schema dump MODEL@VERSION` "
            '(`Schema.model_dump(mode="json")`): types resolved, imports inlined, wire offsets and '
            "sizes computed.\n",
            table(["Model", "Version", "Source", "IR", "SHA-256 (prefix)"], rows),
        ]
    )


def _json_schema_row(name: str, content: bytes) -> list[str]:
    """A JSON Schema's file name (linked) and its own title and description."""
    document = json.loads(content)
    about = " — ".join(str(document[key]) for key in ("title", "description") if key in document)
    return [f"[{code(name)}](../schemas/{name})", cell(about)]
