"""pynic's command line (vendor B):

    python -m vendor_b [--schema-version 1.0|1.1] describe [SCENARIO]
    python -m vendor_b [--schema-version 1.0|1.1] save SCENARIO OUT.dsf
    python -m vendor_b [--schema-version 1.0|1.1] load IN.dsf [OUT.dsf]

``describe`` prints the device description (JSON) a management stack compares before
migrating; ``save`` runs a scenario and saves the state; ``load`` loads saved state and,
with OUT.dsf, saves it again from pynic's own internals. Exit status: 0 done, 1 the state
was refused (nothing was loaded), 2 usage, scenario or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

try:
    import devstate_codecs  # noqa: F401
except ImportError:  # run from a checkout without codegen/python on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "codegen" / "python"))

from vendor_b.device import MAX_PAIRS, PyNic, ScenarioError, describe_internals, run_scenario
from vendor_b.dsf import Refused, check_capabilities, codec, from_codec, skipped_sections, to_codec

PARAMS_1_0 = ("mq", "ctrl-vq", "ctrl-rx", "ctrl-vlan", "ctrl-mac-addr", "guest-announce", "mrg-rxbuf", "csum",
              "guest-csum")
PARAMS_1_1 = ("rss", "hash-report", "ctrl-guest-offloads", "speed-duplex")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    net = codec(args.schema_version)
    try:
        return int(args.run(args, net))
    except ScenarioError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{exc.filename}: {exc.strerror}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pynic", description="vendor B's virtio-net device")
    parser.add_argument("--schema-version", choices=["1.0", "1.1"], default="1.1")
    verbs = parser.add_subparsers(required=True)
    describe = verbs.add_parser("describe")
    describe.add_argument("scenario", nargs="?", type=Path)
    describe.set_defaults(run=_describe)
    save = verbs.add_parser("save")
    save.add_argument("scenario", type=Path)
    save.add_argument("output", type=Path)
    save.set_defaults(run=_save)
    load = verbs.add_parser("load")
    load.add_argument("input", type=Path)
    load.add_argument("export", nargs="?", type=Path)
    load.set_defaults(run=_load)
    return parser


def _error(message: str, code: int = 2) -> int:
    print(f"pynic: {message}", file=sys.stderr)
    return code


def _banner(net: Any, verb: str) -> str:
    return f"pynic (vendor B, Python, org.virtio.net@{net.VERSION}) {verb}:"


def _describe(args: argparse.Namespace, net: Any) -> int:
    nic = PyNic()
    if args.scenario:
        run_scenario(nic, args.scenario)
    names = PARAMS_1_0 + (PARAMS_1_1 if net.VERSION == "1.1" else ())
    description: dict[str, Any] = {
        "description": f"vendor B: pynic (Python), org.virtio.net {net.VERSION}",
        "model": "org.virtio.net", "versions": [net.VERSION]}
    if args.scenario:
        params = {"max-queue-pairs": nic.max_pairs, "mtu": nic.mtu}
        description["params"] = params | {name: name in nic.offered for name in names}
    supported = {"max-queue-pairs": {"min": 1, "max": MAX_PAIRS}, "mtu": {"min": 68, "max": 65535}}
    description["supported_params"] = supported | {name: {"any": True} for name in names}
    description["vendor_sections"] = []
    print(json.dumps(description, indent=2))
    return 0


def _save(args: argparse.Namespace, net: Any) -> int:
    nic = PyNic()
    run_scenario(nic, args.scenario)
    print(_banner(net, "running the scenario"), *describe_internals(nic), sep="\n")
    return _write(nic, net, args.output)


def _write(nic: PyNic, net: Any, path: Path) -> int:
    try:
        blob = net.encode(to_codec(nic, net))
    except (Refused, net.EncodeError) as exc:
        return _error(f"cannot save: {exc}")
    path.write_bytes(blob)
    print(f"pynic: saved {path} (org.virtio.net@{net.VERSION}, {len(blob)} bytes)")
    return 0


def _load(args: argparse.Namespace, net: Any) -> int:
    data = args.input.read_bytes()
    try:
        state = net.decode(data)
        check_capabilities(state, MAX_PAIRS)
    except (net.DecodeError, Refused) as exc:
        return _error(f"refused {args.input}: {exc}; nothing was loaded", 1)
    for line in skipped_sections(state):
        print(f"pynic: skipped {line}: that state is lost")
    nic = from_codec(state)
    print(f"pynic: loaded {args.input} (org.virtio.net blob, {len(data)} bytes, read as {net.VERSION})")
    print(_banner(net, "after loading"), *describe_internals(nic), sep="\n")
    return _write(nic, net, args.export) if args.export else 0


if __name__ == "__main__":
    sys.exit(main())
