"""``python -m devstate`` runs the CLI."""

from devstate.cli import run

run()
