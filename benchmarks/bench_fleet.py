"""Benchmark of the fleet view: pools, place, baseline and labels over generated fleets.

Fleets of 10,000, 100,000 and 1,000,000 hosts are drawn from 300 host configurations
(combinations of 24 virtio-net backend builds, 9 virtio-blk builds and 2 NVMe builds or
none: versions, queue and MTU limits, RSS, vendor sections) with a skewed (Zipf)
distribution, plus rare outliers (a missing device, one old version only, a new major
only, a required vendor section nobody else understands, offloads forced on). Each
fleet is written as JSON Lines and every phase runs in a fresh process per fleet size
(so the peak RSS is that fleet's): reading the inventory, ``pools`` (the pool graph),
``place`` (one VM), ``baseline`` and ``labels`` (the labels of every host). Times are medians of ``--repeat`` runs.

The baseline, measured in the same run: pairwise ``check-migration`` (the library call
``check_devices`` per device, every schema already loaded) on a sample of host pairs,
extrapolated to every ordered pair of hosts (what ``pools`` answers) and to every host
(what ``place`` answers). Targets: each verb (reading included) under 5 s at 100,000
hosts and under 60 s at 1,000,000, with memory linear in hosts.

Run: ``nice .venv/bin/python benchmarks/bench_fleet.py [--sizes 10000,100000,1000000]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devstate.compat.verdict import check_devices
from devstate.fleet.baseline import baseline
from devstate.fleet.inventory import Inventory, Signature, load_inventory
from devstate.fleet.labels import signature_labels
from devstate.fleet.pairs import PairCache
from devstate.fleet.place import place
from devstate.fleet.pools import make_pools, pool_graph
from devstate.fleet.registry import Registry

CONFIGURATIONS = 300
OUTLIERS = 12
SEED = 22
TARGETS = {100_000: 5.0, 1_000_000: 60.0}


# -- generated fleets -------------------------------------------------------------------------


def net_builds(rng: random.Random) -> list[dict[str, Any]]:
    """virtio-net backends as a fleet has them: a couple of dozen builds (versions, queue and
    MTU limits, RSS, the vendor's private section)."""
    builds = []
    for versions in (["1.0"], ["1.0", "1.1"], ["1.1"], ["1.1", "2.0"]):
        for pairs in (4, 8, 16):
            for vendor in (False, True):
                device: dict[str, Any] = {
                    "model": "org.virtio.net", "versions": versions,
                    "params": {"max-queue-pairs": min(pairs, 4), "mq": True},
                    "supported_params": {"max-queue-pairs": {"min": 1, "max": pairs}, "mq": {"values": [False, True]},
                                         "mtu": {"min": 68, "max": 9000 if pairs > 4 else 1500}},
                }
                if pairs == 16:
                    device["supported_params"]["rss"] = {"values": [False, True]}
                if vendor:
                    device["vendor_sections"] = [{"vendor": "pci:0x1af4", "id": 1, "name": "impl_private"}]
                builds.append(device)
    return builds


def blk_builds() -> list[dict[str, Any]]:
    return [{"model": "org.virtio.blk", "versions": versions, "params": {"num-queues": min(queues, 4)},
             "supported_params": {"num-queues": {"min": 1, "max": queues}}}
            for versions in (["1.0", "1.1"], ["1.1", "1.2"], ["1.0", "1.1", "1.2"]) for queues in (4, 16, 64)]


NVME_BUILDS = [{"model": "org.nvmexpress.ctrl", "versions": ["1.0"]},
               {"model": "org.nvmexpress.ctrl", "versions": ["1.0", "1.1"]}]


def configurations(count: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    """``count`` distinct host device lists: a net build, a blk build, perhaps an NVMe build."""
    nets, blks = net_builds(rng), blk_builds()
    combos = [[n, b, *extra] for n in nets for b in blks for extra in ([], *([d] for d in NVME_BUILDS))]
    return rng.sample(combos, count)


def outliers(rng: random.Random) -> list[list[dict[str, Any]]]:
    nets, blks = net_builds(rng), blk_builds()
    odd: list[list[dict[str, Any]]] = [
        [rng.choice(nets)],  # no disk
        [{"model": "org.virtio.net", "versions": ["1.0"]}, rng.choice(blks)],  # old, defaults only
        [{"model": "org.virtio.net", "versions": ["2.0"]}, rng.choice(blks)],  # new major only
        [dict(rng.choice(nets), vendor_sections=[{"vendor": "pci:0x8086", "id": 7, "name": "ipsec"}]),
         rng.choice(blks)],  # a required section nobody else understands
    ]
    while len(odd) < OUTLIERS:  # offloads forced on
        odd.append([dict(rng.choice(nets), supported_params={"mq": {"values": [True]}}), rng.choice(blks)])
    return odd


def write_fleet(path: Path, hosts: int, seed: int = SEED) -> None:
    rng = random.Random(seed)
    common = configurations(CONFIGURATIONS - OUTLIERS, rng)
    rare = outliers(rng)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(common))]
    texts = [json.dumps(devices, separators=(",", ":")) for devices in common]
    rare_texts = [json.dumps(devices, separators=(",", ":")) for devices in rare]
    draws = rng.choices(range(len(common)), weights=weights, k=hosts)
    with path.open("w", encoding="utf-8") as out:
        for index, draw in enumerate(draws):
            text = rare_texts[index % len(rare)] if rng.random() < 0.0005 else texts[draw]
            out.write(f'{{"host":"node-{index:07d}","devices":{text}}}\n')


VM = {"vm": "web-1", "devices": [
    {"model": "org.virtio.net", "versions": ["1.0", "1.1"], "params": {"max-queue-pairs": 4, "mq": True}},
    {"model": "org.virtio.blk", "versions": ["1.1"], "params": {"num-queues": 4}}]}


# -- one fleet size, in its own process ---------------------------------------------------------


CPU: dict[str, float] = {}
"""Median CPU seconds of each phase (the machine is shared: wall time includes waiting)."""


def _median(action: Callable[[], object], repeat: int, name: str = "") -> tuple[float, object]:
    """Median wall seconds of ``repeat`` runs (and the CPU seconds into ``CPU[name]``)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times), result


def _vm_signature(tmp: Path) -> Signature:
    (tmp / "vm.json").write_text(json.dumps(VM), encoding="utf-8")
    return load_inventory(tmp / "vm.json", "vm", strict=True).signatures[0]


def _labels(inventory: Inventory, registry: Registry) -> int:
    per_pool = [(pool, signature_labels(pool.signature, pool.digest, registry)) for pool in make_pools(inventory)]
    node_labels = {inventory.names[i]: found for pool, found in per_pool for i in pool.hosts}
    return sum(len(found) for found in node_labels.values())


def _pairwise(inventory: Inventory, vm: Signature, registry: Registry, sample: int) -> dict[str, float]:
    """Seconds per host pair and per VM-host pair of plain pairwise check-migration."""
    rng = random.Random(SEED)
    hosts = [inventory.signatures[k] for k in inventory.kinds]

    def one(source: Signature, destination: Signature) -> bool:
        ok = True
        for device in source.devices:
            target = destination.device(device.model)
            if target is None:
                ok = False
                continue
            check, verdict = check_devices(device, target, registry.default_schema(device, target),
                                           registry.schema_for)
            ok = ok and check.compatible and verdict.ok
        return ok

    pairs = [(rng.choice(hosts), rng.choice(hosts)) for _ in range(sample)]
    for source, destination in pairs[:50]:
        one(source, destination)  # load every schema first: the baseline is warm
    start = time.perf_counter()
    for source, destination in pairs:
        one(source, destination)
    per_pair = (time.perf_counter() - start) / sample
    start = time.perf_counter()
    for destination in [rng.choice(hosts) for _ in range(sample)]:
        one(vm, destination)
    return {"per_pair": per_pair, "per_vm_pair": (time.perf_counter() - start) / sample}


def _cold_cli(fleet: Path) -> float:
    """``devstate fleet pools HOSTS --json`` in a fresh process (imports, schemas, output)."""
    devstate = Path(sys.executable).with_name("devstate")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(devstate), "fleet", "pools", str(fleet), "--json"], stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["cli"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start


def run_size(hosts: int, repeat: int, sample: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fleet = tmp / "hosts.jsonl"
        write_fleet(fleet, hosts)
        size = fleet.stat().st_size
        registry = Registry()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        load, inventory = _median(lambda: load_inventory(fleet), repeat, "load")
        assert isinstance(inventory, Inventory)
        vm = _vm_signature(tmp)
        pools_time, graph = _median(lambda: pool_graph(inventory, PairCache(registry)), repeat, "pools")
        place_time, placement = _median(lambda: place("web-1", vm, inventory, PairCache(registry)), repeat, "place")
        baseline_time, _ = _median(lambda: baseline(inventory, registry), repeat, "baseline")
        labels_time, label_count = _median(lambda: _labels(inventory, registry), repeat, "labels")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pairwise = _pairwise(inventory, vm, registry, sample)
        cli = _cold_cli(fleet)
    edges = graph.edge_count()  # type: ignore[attr-defined]
    return {
        "hosts": hosts, "file_mib": size / (1 << 20), "signatures": len(inventory.signatures),
        "pools": len(graph.pools), "edges": edges, "targets": placement.host_count(),  # type: ignore[attr-defined]
        "labels": label_count, "load": load, "pools_s": pools_time, "place_s": place_time,
        "baseline_s": baseline_time, "labels_s": labels_time,
        "rss_mib": rss / 1024, "rss_growth_mib": (rss - rss_before) / 1024, "cli_pools_s": cli, "cpu": dict(CPU),
        **pairwise,
    }


# -- the report -----------------------------------------------------------------------------------


def report(results: list[dict[str, Any]]) -> None:
    print(f"{'hosts':>9} {'pools':>6} {'read':>7} {'pools':>7} {'place':>7} {'baseline':>8} {'labels':>7} "
          f"{'RSS MiB':>8} {'B/host':>7} {'pools×':>10} {'place×':>8}")
    for r in results:
        n = r["hosts"]
        pairwise_pools = r["per_pair"] * n * n
        pairwise_place = r["per_vm_pair"] * n
        per_host = r["rss_growth_mib"] * (1 << 20) / n
        print(f"{n:>9,} {r['pools']:>6} {r['load']:>6.2f}s {r['pools_s']:>6.2f}s {r['place_s']:>6.2f}s "
              f"{r['baseline_s']:>7.2f}s {r['labels_s']:>6.2f}s {r['rss_mib']:>8.0f} {per_host:>7.0f} "
              f"{pairwise_pools / (r['load'] + r['pools_s']):>9.0f}x "
              f"{pairwise_place / (r['load'] + r['place_s']):>7.1f}x")
    print("\nCPU seconds (medians; the wall times above include waiting for the shared cores):")
    for r in results:
        cpu = r["cpu"]
        print(f"{r['hosts']:>9,} read {cpu['load']:.2f}  pools {cpu['pools']:.2f}  place {cpu['place']:.2f}  "
              f"baseline {cpu['baseline']:.2f}  labels {cpu['labels']:.2f}  "
              f"fresh-process pools --json {cpu['cli']:.2f} (wall {r['cli_pools_s']:.2f})")
    print()
    for r in results:
        n = r["hosts"]
        print(f"{n:,} hosts: {r['signatures']} signatures, {r['edges']} can-receive edges, the VM can go to "
              f"{r['targets']:,} hosts, {r['labels']:,} node labels, JSON Lines {r['file_mib']:.0f} MiB; pairwise "
              f"check-migration {r['per_pair'] * 1e3:.2f} ms per host pair → {r['per_pair'] * n * n / 3600:,.1f} h "
              f"for every pair, {r['per_vm_pair'] * n:,.1f} s for one VM against every host")
        target = TARGETS.get(n)
        if target is not None:
            worst = max(r["load"] + r[k] for k in ("pools_s", "place_s", "baseline_s", "labels_s"))
            cpu = r["cpu"]
            worst_cpu = max(cpu["load"] + cpu[k] for k in ("pools", "place", "baseline", "labels"))
            verdict = "meets" if worst < target else "MISSES"
            print(f"  slowest verb with reading: {worst:.2f} s wall, {worst_cpu:.2f} s CPU — {verdict} the target "
                  f"of {target:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=2000, help="Host pairs timed for the pairwise baseline.")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_size(args.child, args.repeat, args.sample)))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        child = subprocess.run([sys.executable, __file__, "--child", str(size), "--repeat", str(args.repeat),
                                "--sample", str(args.sample)], capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"{size:,} hosts failed:\n{child.stderr}")
        results.append(json.loads(child.stdout.splitlines()[-1]))
        print(f"... {size:,} hosts done", file=sys.stderr, flush=True)
    report(results)


if __name__ == "__main__":
    main()
