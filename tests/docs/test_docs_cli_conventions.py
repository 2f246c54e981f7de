"""The CLI reference page's Conventions section: its devstate.toml example is one the CLI takes."""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli import main
from devstate.cli.config_defaults import root_defaults
from devstate.config import load_config
from devstate.docs import render_cli_reference
from devstate.docs.cli_conventions import CLI_CONVENTIONS, CONFIG_EXAMPLE


def test_the_config_example_is_valid_and_sets_what_it_says(tmp_path: Path) -> None:
    (tmp_path / "devstate.toml").write_text(CONFIG_EXAMPLE)
    defaults = root_defaults(load_config(tmp_path / "devstate.toml"), main, click.Context(main))
    schemas = str(tmp_path / "schemas")
    assert defaults.get("encode") == {"strict": True}
    assert defaults.get("compat") == {"schemas_dir": schemas, "fmt": "github"}
    assert defaults.get("fleet").get("pools") == {"schemas_dir": schemas, "strict": True}
    assert defaults.get("schema").get("json-schema") == {"strict": True}
    assert defaults.get("inspect") == {"max_total_size": 67108864}


def test_the_section_is_on_the_page_before_the_commands() -> None:
    page = render_cli_reference(main, conventions=CLI_CONVENTIONS)
    assert page.index("## Conventions {#conventions}") < page.index("| Command | Summary |")
    assert f"```toml\n{CONFIG_EXAMPLE}```\n" in page
