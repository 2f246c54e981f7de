#!/usr/bin/env bash
# The main job: set up .venv, install devstate, validate every standard schema, then run the
# demo: vendor A's virtio-net device (C) and vendor B's (Python) migrate state through devstate.
# Needs Python >= 3.11; the venv and a C compiler come from tools/system-deps (installed when
# missing and run as root, otherwise it prints the command). Extra arguments go to `devstate demo`.
set -euo pipefail
cd "$(dirname "$0")"
tools/system-deps --install base c-compiler
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/devstate validate schemas/
exec .venv/bin/devstate demo "$@"
