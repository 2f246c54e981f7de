"""mkdocs hook (``hooks:`` in mkdocs.yml): adds the generated pages to the site at build time.

The reference pages are rendered from ``schemas/`` by ``devstate.docs.build_site`` and
added as in-memory files, so nothing generated is committed. The nav entry that points
at ``models/index.md`` is expanded into one section per model. Spec pages that other
work has not written yet get a short placeholder so that links to them stay valid.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from devstate.cli import main as cli_main
from devstate.docs.compat_pages import compat_renderers, rule_list_markdown
from devstate.docs.site import GeneratedSite, NavItem, build_site, load_inputs

log = logging.getLogger("mkdocs.hooks.devstate")

MODELS_INDEX = "models/index.md"

PENDING_PAGES = {
    "schema-language.md": "Schema language",
    "wire-format.md": "Wire format",
    "compatibility.md": "Versioning and compatibility rules",
    "migration-parameters.md": "Migration parameters and the pre-migration check",
    "qemu-vmstate.md": "QEMU VMState bridge",
}
"""Spec pages written in other work; a placeholder stands in until the file exists."""

_state: dict[str, GeneratedSite] = {}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    root = Path(config.config_file_path).resolve().parent
    site = build_site(load_inputs(root / "schemas", cli_main, compat_renderers()))
    _state["site"] = site
    if config.nav is not None:
        config.nav = expand_models_nav(config.nav, site.models_nav)
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [config.docs_dir]
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    for page in _state["site"].pages:
        files.append(File.generated(config, page.path, content=page.content))
    for path, title in PENDING_PAGES.items():
        if files.get_file_from_path(path) is None:
            log.info("spec/%s is not written yet; using a placeholder page", path)
            extra = rule_list_markdown() if path == "compatibility.md" else ""
            files.append(File.generated(config, path, content=placeholder(title) + extra))
    return files


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


def placeholder(title: str) -> str:
    return (
        f"# {title}\n\n"
        '!!! note "Being written"\n'
        "    This part of the specification is being written; it will replace this page.\n\n"
    )
