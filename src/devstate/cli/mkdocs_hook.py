"""mkdocs hook (``hooks:`` in mkdocs.yml): adds the generated pages to the site at build time.

The reference pages are rendered from ``schemas/`` by ``devstate.docs.build_site`` and
added as in-memory files, so nothing generated is committed. The nav entry that points
at ``models/index.md`` is expanded into one section per model. After the build, the
search index gets one entry per field (``devstate.docs.search_index``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from devstate.cli import main as cli_main
from devstate.docs.bridge_pages import bridge_tables, fill_tables
from devstate.docs.compat_pages import compat_renderers
from devstate.docs.search_index import rewrite_search_index
from devstate.docs.site import NavItem, build_site, load_inputs
from devstate.errors import SchemaError

MODELS_INDEX = "models/index.md"

_state: dict[str, Any] = {}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    root = Path(config.config_file_path).resolve().parent
    try:
        inputs = load_inputs(root / "schemas", cli_main, compat_renderers())
        site = build_site(inputs)
        _state["bridge_tables"] = bridge_tables(inputs.schemas)
    except SchemaError as exc:
        raise PluginError(f"a standard schema is invalid, so its reference page cannot be built:\n{exc}") from None
    _state["site"] = site
    _state["schemas"] = inputs.schemas
    if config.nav is not None:
        config.nav = expand_models_nav(config.nav, site.models_nav)
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [config.docs_dir]
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    for page in _state["site"].pages:
        files.append(File.generated(config, page.path, content=page.content))
    return files


def on_page_markdown(markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
    """The bridge pages get their generated tables (devstate.docs.bridge_pages) at the marker."""
    try:
        return fill_tables(page.file.src_uri, markdown, _state["bridge_tables"])
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def on_post_build(*, config: MkDocsConfig) -> None:
    path = Path(config.site_dir) / "search" / "search_index.json"
    if path.is_file():
        index = rewrite_search_index(json.loads(path.read_text(encoding="utf-8")), _state["schemas"])
        path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def expand_models_nav(nav: list[Any], models_nav: list[NavItem]) -> list[Any]:
    """Replace the entry whose target is ``models/index.md`` by the generated model section."""
    expanded: list[Any] = []
    for item in nav:
        if isinstance(item, dict) and len(item) == 1:
            ((title, target),) = item.items()
            if target == MODELS_INDEX:
                item = {title: models_nav}
            elif isinstance(target, list):
                item = {title: expand_models_nav(target, models_nav)}
        expanded.append(item)
    return expanded
