#!/usr/bin/env bash
# The test suite: system packages, .venv with the dev extras, pytest (extra arguments go to pytest).
# System packages come from one list, tools/system-deps: the venv's are installed when missing
# (as root); with CI set every group is installed, otherwise a prerequisites screen says what is
# missing, which tests it affects and the command that installs it (those tests are skipped).
set -euo pipefail
cd "$(dirname "$0")"
tools/system-deps --install base
if [ -n "${CI:-}" ]; then
    tools/system-deps --install
else
    tools/system-deps --brief || true
fi
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,fuzz]'
# The suite starts the devstate command hundreds of times: with PYTHONDONTWRITEBYTECODE set (some
# environments set it) each of those processes would compile the toolkit's sources again.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest "$@"
