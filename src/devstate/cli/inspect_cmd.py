"""``devstate inspect``: a DSF blob's header, sections and checksum, without its schema.

The work is ``devstate.cli.inspect_verb`` (no click there, so that ``devstate.cli.quick``
can answer the usual forms without importing click).
"""

from __future__ import annotations

from pathlib import Path

import click

from devstate.cli.blob_io import limit_options
from devstate.cli.inspect_verb import inspect_file
from devstate.wire.limits import Limits


@click.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@limit_options
def inspect_cmd(file: Path, as_json: bool, limits: Limits) -> None:
    """Show a DSF blob's header, sections and checksum, without needing its schema.

    Section names are shown when the blob's model and version are a known standard schema.
    """
    inspect_file(file, as_json, limits)
