"""Write (or, with --check, compare) the section names of the standard schemas that ``devstate
inspect`` labels blobs with: ``python -m tools.standard_names [--check]``.

``src/devstate/schema/standard_names.json`` holds, by each standard schema file's sha256, its
model, version and section names as the full loader builds them (the IR). ``inspect`` uses an
entry only when the file it found has that sha256, so it parses no YAML for a shipped schema
and an edited one is read as before; ``tools.regenerate --check`` fails when this file drifts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from devstate.result_cache import sha256_of
from devstate.schema import load_schema, schema_files
from devstate.schema.names import PRECOMPUTED, PRECOMPUTED_FORMAT
from tools import shipped_file

ROOT = Path(__file__).resolve().parent.parent


def contents() -> bytes:
    """The file as the standard schemas of this checkout give it."""
    entries = {}
    for file in schema_files(ROOT / "schemas"):
        schema = load_schema(file.path)
        entries[sha256_of(file.path)] = {
            "ident": file.ident,
            "standard": [[s.id, s.name] for s in schema.sections],
            "vendor": [[str(v.vendor), v.id, v.name] for v in schema.vendor_sections],
        }
    rows = ",\n".join(f"  {json.dumps(digest)}: {json.dumps(entry, ensure_ascii=False)}"
                     for digest, entry in sorted(entries.items()))
    return f'{{"format": {PRECOMPUTED_FORMAT}, "schemas": {{\n{rows}\n}}}}\n'.encode()


def main(argv: list[str] | None = None) -> int:
    return shipped_file.main("tools.standard_names", __doc__.split("\n\n")[0], PRECOMPUTED, contents, argv)


if __name__ == "__main__":
    sys.exit(main())
