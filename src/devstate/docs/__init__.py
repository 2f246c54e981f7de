"""Reference documentation rendered from the IR (and the CLI) as Markdown pages.

Pure functions: ``render_version_page`` (one schema version), ``render_cli_reference``
(the click command tree) and ``build_site`` (every generated page of the website).
``devstate.cli.mkdocs_hook`` (the composition root: it hands the CLI and these pages to
mkdocs at build time) adds them to the site; nothing generated is committed. ``bridge_pages``
renders the bridges' generated tables.
"""

from devstate.docs.cli_reference import render_cli_reference
from devstate.docs.compat_pages import CompatRenderers, compat_renderers
from devstate.docs.model_page import PageLinks, render_version_page
from devstate.docs.site import GeneratedSite, SiteInputs, SitePage, build_site, load_inputs

__all__ = [
    "CompatRenderers",
    "GeneratedSite",
    "PageLinks",
    "SiteInputs",
    "SitePage",
    "build_site",
    "compat_renderers",
    "load_inputs",
    "render_cli_reference",
    "render_version_page",
]
