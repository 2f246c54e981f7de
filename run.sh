#!/usr/bin/env bash
# The main job: set up .venv, install devstate, validate every standard schema, then run the
# demo: vendor A's virtio-net device (C) and vendor B's (Python) migrate state through devstate.
# Needs Python >= 3.11; the venv and a C compiler come from tools/system-deps (installed when
# missing and run as root, otherwise it prints the command). Extra arguments go to `devstate demo`;
# `./run.sh --qemu` runs the QEMU cases (real QEMU 7.2 and 10.0 with a Linux guest) instead.
set -euo pipefail
cd "$(dirname "$0")"
groups=(base c-compiler)
for argument in "$@"; do
    if [ "$argument" = "--qemu" ]; then groups+=(qemu guest); fi   # real QEMU and the Linux guest
done
tools/system-deps --install "${groups[@]}"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/devstate validate schemas/
exec .venv/bin/devstate demo "$@"
