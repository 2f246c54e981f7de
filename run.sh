#!/usr/bin/env bash
# The main job: set up .venv, install devstate, validate every standard schema.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/devstate validate schemas/
