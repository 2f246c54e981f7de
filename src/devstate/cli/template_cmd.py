"""``devstate template``: a starting state for a model, every field at its default."""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli.output import console, fail, refuse_overwrite
from devstate.cli.schema_cmd import resolve_schema
from devstate.cli.streams import is_stdio, write_atomic
from devstate.state_template import template_text


@click.command("template")
@click.argument("name", metavar="MODEL@VERSION")
@click.option("--comments", is_flag=True,
              help="Put a // line above each field: type, range, unit, valid names, documentation.")
@click.option("--optional", "with_optional", is_flag=True, help="Include the optional sections too.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("-"), show_default=True,
              help="Where to write the state (atomically; - for standard output).")
def template(name: str, comments: bool, with_optional: bool, output: Path) -> None:
    """Write a complete state JSON for MODEL@VERSION (a schema file works too) with every field
    at its default, ready to edit and `devstate encode`.

    MODEL alone means its newest version. `encode` reads the --comments form as well.
    """
    refuse_overwrite(output, Path(name))
    schema = resolve_schema(name)
    if schema.is_library:
        fail(f"{schema.ident} is a types-only library schema; it has no state")
    text = template_text(schema, comments=comments, optional=with_optional)
    write_atomic(output, text.encode("utf-8"))
    if not is_stdio(output):
        console.print(f"wrote {output} ({schema.ident} at its defaults)", markup=False)
