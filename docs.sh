#!/usr/bin/env bash
# The website: set up .venv with the dev extras, then build spec/ + schemas/ into site/.
#   ./docs.sh              build with --strict (any warning fails) into site/
#   ./docs.sh serve        serve on http://127.0.0.1:8000, rebuilding on every change
# Extra arguments go to mkdocs (e.g. ./docs.sh --site-dir /tmp/site, ./docs.sh serve -a 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
export NO_MKDOCS_2_WARNING=1
if [ "${1:-}" = serve ]; then
    shift
    exec .venv/bin/python -m mkdocs serve "$@"
fi
exec .venv/bin/python -m mkdocs build --strict "$@"
