"""The ``devstate`` command line: thin verbs over the library.

Each verb lives in a module of this package named after what it does and is registered
in ``_register``; a verb parses its arguments, calls one library function and prints.
Exit codes: 0 success, 1 the input is invalid or incompatible, 2 usage or I/O error.
"""

from __future__ import annotations

import click

from devstate import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="devstate")
def main() -> None:
    """devstate: schemas, wire format, codecs and compatibility checks for device state."""


def _register() -> None:
    from devstate.cli import schema_cmd, validate_cmd

    main.add_command(validate_cmd.validate)
    main.add_command(schema_cmd.schema)
    __import__("devstate.cli.compat_cmd", fromlist=["register"]).register(main)
    __import__("devstate.cli.vmstate_cmd", fromlist=["register"]).register(main)
    __import__("devstate.cli.wire_cmd", fromlist=["register"]).register(main)
    __import__("devstate.cli.gen_cmd", fromlist=["register"]).register(main)
    __import__("devstate.cli.bridge_cmd", fromlist=["register"]).register(main)


_register()
