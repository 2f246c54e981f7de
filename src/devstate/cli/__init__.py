"""The ``devstate`` command line: thin verbs over the library.

Each verb lives in a module of this package named after what it does and is listed in
``COMMANDS``; a verb parses its arguments, calls one library function and prints.
Modules are imported only when their verb runs, so ``devstate validate`` does not pay
for the codecs, the compat engine or the bridges.
Exit codes: 0 success, 1 the input is invalid or incompatible, 2 usage or I/O error.

The click group ``main`` lives in ``devstate.cli.group`` (``devstate.cli.main`` imports it on
first use); the ``devstate`` command is ``run``, which answers the usual forms of the per-call
verbs (``inspect``, ``validate``, ``check-migration``) without importing click at all
(``devstate.cli.quick``: click costs more to import than the rest of such a call) and hands
everything else to ``main``.
"""

from __future__ import annotations

import sys
from typing import Any

CONFIG_NAME = "devstate.toml"
"""As ``devstate.config.CONFIG_NAME``; spelled here so that ``--help`` imports nothing more."""

COMMANDS: dict[str, str] = {
    "validate": "validate_cmd:validate",
    "schema": "schema_cmd:schema",
    "inspect": "inspect_cmd:inspect_cmd",
    "decode": "wire_cmd:decode_cmd",
    "encode": "wire_cmd:encode_cmd",
    "template": "template_cmd:template",
    "gen": "gen_cmd:gen",
    "compat": "compat_cmd:compat",
    "matrix": "matrix_cmd:matrix",
    "negotiate": "migration_cmd:negotiate_cmd",
    "check-migration": "migration_cmd:check_migration_cmd",
    "convert": "state_cmd:convert",
    "diff": "state_cmd:diff_cmd",
    "import": "bridge_cmd:import_cmd",
    "export": "bridge_cmd:export_cmd",
    "parts": "bridge_cmd:parts",
    "nvme-state": "bridge_cmd:nvme_state",
    "import-vmstate": "vmstate_cmd:import_vmstate",
    "vmstate-compat": "vmstate_cmd:vmstate_compat",
    "qemu": "qemu_cmd:qemu",
    "demo": "demo_cmd:demo",
    "fleet": "fleet_cmd:fleet",
}
"""Verb name → ``module:attribute`` of its click command, in this package."""

SUMMARIES: dict[str, str] = {
    "validate": "Validate schema files and saved states (*.dsf files).",
    "schema": "List, show and dump schemas.",
    "inspect": "Show a DSF blob's header, sections and checksum, without needing its schema.",
    "decode": "Decode a DSF blob with its schema; print a tree (path, offset, value) or JSON.",
    "encode": "Encode a state (JSON) as a canonical DSF blob.",
    "template": "Write a complete state JSON for MODEL@VERSION, every field at its default.",
    "gen": "Generate typed codecs for SCHEMA...",
    "compat": "Report every change between two schema versions and check the version bump.",
    "matrix": "A versions × versions table of what loads what.",
    "negotiate": "Pick the schema version to migrate with.",
    "check-migration": "Can the source migrate to the destination?",
    "convert": "Convert saved state to another version of its model.",
    "diff": "Field-level diff of two saved states.",
    "import": "Turn a standard state blob into a DSF blob of MODEL@VERSION.",
    "export": "Write the state of a DSF blob in a standard format.",
    "parts": "virtio device parts (virtio 1.4 admin commands DEV_PARTS_GET/SET).",
    "nvme-state": "NVMe live-migration controller state (TP4159 Migration Send/Receive).",
    "import-vmstate": "Turn a QEMU -dump-vmstate description into devstate schema skeletons.",
    "vmstate-compat": "Compare two QEMU -dump-vmstate descriptions the way QEMU's loader reads state.",
    "qemu": "QEMU migration streams: read them, check them, compare them.",
    "demo": "Vendor A → vendor B: two independent devices migrate through devstate.",
    "fleet": "The fleet view over host (and VM) descriptions.",
}
"""What ``devstate --help`` lists for each verb, so that it imports no verb's module; a
test keeps each one true to its command's own help."""




def run() -> None:
    """The ``devstate`` command (console script and ``python -m devstate``)."""
    from devstate.cli.quick import answer

    code = answer(sys.argv[1:])
    if code is None:
        from devstate.cli.group import main

        main()
    sys.exit(code)


def __getattr__(name: str) -> Any:
    """``main`` and ``LazyGroup``, from ``devstate.cli.group`` (which imports click)."""
    if name in ("main", "LazyGroup"):
        from devstate.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
