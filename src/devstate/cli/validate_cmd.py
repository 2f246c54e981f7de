"""``devstate validate PATH...``: check schema files (and, with the wire runtime, saved states).

The work is ``devstate.cli.validate_verb`` (no click there, so that ``devstate.cli.quick``
can answer the usual forms without importing click).
"""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli.blob_io import limit_options
from devstate.cli.validate_verb import validate_paths
from devstate.wire.limits import Limits


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead of a table (--format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="github: one GitHub Actions ::error annotation per problem, on its file and line.")
@limit_options
def validate(paths: tuple[Path, ...], as_json: bool, fmt: str, limits: Limits) -> None:
    """Validate schema files or directories of them, and saved states (*.dsf files).

    Every schema error is printed as FILE:LINE:COL: CODE: message; a .dsf file is decoded
    with the standard schema its header names and an error is printed as
    FILE: CODE at offset N ($.path): message. Exit status: 0 all valid, 1 some file is
    invalid, 2 a path is missing or unreadable.
    """
    raise click.exceptions.Exit(validate_paths(paths, as_json, fmt, limits))
