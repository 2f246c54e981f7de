"""Write (or, with --check, compare) spec/conformance/bridges: python3 -m tools.bridge_vectors [--check]."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.bridge_vectors import nvme, virtio
from tools.bridge_vectors.model import Vector

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "spec" / "conformance" / "bridges"
DIRECTORIES = {"virtio-parts": "virtio-parts", "nvme-controller-state": "nvme-controller-state"}
DESCRIPTION = (
    "Conformance vectors of the standards bridges (spec/bridges/): virtio 1.4 device-parts results of a virtio-net "
    "device and NVMe controller states, written from the standards' text by tools/bridge_vectors (which does not "
    "use devstate); do not edit by hand. A valid vector decodes to `decoded`, imports into `schema` reporting "
    "exactly `losses`, and exports (DSF in between) to the input byte for byte when `exported` is `same`; an "
    "invalid one is refused with `error.code` at `error.offset`.")


def vectors() -> list[Vector]:
    return virtio.valid() + virtio.invalid() + nvme.valid() + nvme.invalid()


def files(built: list[Vector]) -> dict[Path, bytes]:
    """Every file of the vectors, the expected decodings and the manifest, by path."""
    out: dict[Path, bytes] = {}
    entries = []
    for vector in built:
        directory = DIRECTORIES[vector.bridge]
        for name, data in vector.files:
            out[OUT / directory / name] = data
        if vector.decoded is not None:
            out[OUT / directory / f"{vector.name}.json"] = _json(vector.decoded, compact=True)
        entries.append(vector.entry(directory))
    counts = {bridge: {"valid": sum(v.bridge == bridge and v.error is None for v in built),
                       "invalid": sum(v.bridge == bridge and v.error is not None for v in built)}
              for bridge in DIRECTORIES}
    manifest = {"format": "devstate-bridge-conformance/1", "description": DESCRIPTION, "counts": counts,
                "vectors": entries}
    out[OUT / "manifest.json"] = _json(manifest)
    return out


def _json(value: object, compact: bool = False) -> bytes:
    text = json.dumps(value, separators=(",", ":")) if compact else json.dumps(value, indent=1, ensure_ascii=False)
    return (text + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.bridge_vectors", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    args = parser.parse_args(argv)
    wanted = files(vectors())
    present = {path for path in OUT.rglob("*") if path.is_file()} if OUT.exists() else set()
    stale = sorted(str(p.relative_to(ROOT)) for p, data in wanted.items() if not p.exists() or p.read_bytes() != data)
    extra = sorted(str(p.relative_to(ROOT)) for p in present - set(wanted))
    if args.check:
        for path in stale:
            print(f"out of date: {path}")
        for path in extra:
            print(f"not generated: {path}")
        return 1 if stale or extra else 0
    for path, data in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    for name in extra:
        (ROOT / name).unlink()
    print(f"{len(wanted)} files ({len(stale)} changed, {len(extra)} removed) in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
