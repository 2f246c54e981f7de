"""Conformance vectors for the standards bridges, written from the standards' own text.

``python3 -m tools.bridge_vectors`` writes ``spec/conformance/bridges/`` (the blobs, the expected
decodings and ``manifest.json``); ``--check`` compares instead and fails on any difference.

Nothing here imports devstate: every blob is packed with ``struct`` from the layouts of the
standards (virtio 1.4 ``device-parts.tex``, ``admin-cmds-device-parts.tex`` and
``device-types/net/description.tex``; NVMe Base 2.1 and 2.3 "Migration Receive" / "Migration
Send", with libnvme ``src/nvme/types.h``, nvme-cli ``plugins/lm`` and libvfn
``examples/migrate.c``), and each vector's expected decoding is computed here from the same
layouts. Each vector names the passages it rests on (``spec.py``), quoted verbatim.
"""
