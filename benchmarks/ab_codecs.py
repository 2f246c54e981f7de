"""Codec speed before and after a change: one commit's generated codecs against another's, interleaved.

Run from the repository root (README.md, "Benchmarks", shows a run):

    nice -n 10 .venv/bin/python benchmarks/ab_codecs.py                 # before = 0550432, after = this checkout
    nice -n 10 .venv/bin/python benchmarks/ab_codecs.py --quick         # 16 MiB region, fewer samples
    nice -n 10 .venv/bin/python benchmarks/ab_codecs.py --before 6482652 --codecs baseline,gen-rust

The "before" commit is checked out into a detached git worktree under
``.cache/ab_codecs/tree-<commit>`` (kept for the next run; ``--clean`` removes them); the
"after" side is this checkout (or ``--after COMMIT``, another worktree). Each side gets a
worker process whose ``devstate`` is that side's own ``src/`` (``PYTHONPATH``): it generates
the Python, C and Rust codecs with that side's generator into
``.cache/ab_codecs/work-<label>``, builds the C driver with that side's ``benchmarks/c`` and
the Rust driver with that side's Cargo.toml, and checks every codec round-trips the workload
before anything is timed.

The workload is the one of bench_codecs.py, built once here and handed to both sides as the
same blobs: virtio-net 1.1 with 1, 64, 256 and 1024 queues and a bench-region state of 1 MiB
and 64 MiB (16 MiB with ``--quick``). Codecs: ``baseline`` (the hand-written struct code,
identical on both sides: a control that shows the noise), ``gen-py``, ``construct`` (the
reference codec, ``devstate.interp``), ``gen-c``, ``gen-rust``; a codec a side cannot build or
load (the Rust generator did not exist yet at 0550432) is ``n/a`` there.

Rounds alternate the sides, A B A B ...; inside a round each time is the best of ``--best``
samples (each sample long enough for the timer; the C and Rust drivers time their own loops);
the table shows the medians across rounds, their ratio after/before, the range of the
per-round ratios and the ratio of the best times of all rounds (the steadier figure for the
drivers' wall-clock times on a busy machine). The Python codecs are timed on the worker's
CPU clock by default (``--clock wall`` for wall time), so time spent waiting for a core does
not count. The load average is printed with the figures. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".cache" / "ab_codecs"
BEFORE = "0550432"
CODECS = ("baseline", "gen-py", "construct", "gen-c", "gen-rust")
QUEUES = (1, 64, 256, 1024)
MIB = 1 << 20
NET = "org.virtio.net@1.1"
REGION_SCHEMA = HERE / "schemas" / "org.devstate.bench-region" / "1.0.yaml"


# --- the sides: worktrees and worker processes -------------------------------------------------


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def side_tree(commit: str) -> Path:
    """A detached worktree of ``commit`` under .cache/ab_codecs (made once, then reused)."""
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    tree = CACHE / f"tree-{full[:7]}"
    if not (tree / ".git").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", str(tree), full)
    if git("rev-parse", "HEAD", cwd=tree) != full:
        git("checkout", "--detach", full, cwd=tree)
    return tree


def describe(tree: Path) -> str:
    """``abc1234`` (with ``+changes`` when the tree differs from its commit)."""
    head = git("rev-parse", "--short=7", "HEAD", cwd=tree)
    dirty = git("status", "--porcelain", "--untracked-files=no", cwd=tree)
    return head + ("+changes" if dirty else "")


def clean() -> None:
    """Remove the worktrees (``git worktree remove``) and work directories of earlier runs."""
    for tree in sorted(CACHE.glob("tree-*")):
        git("worktree", "remove", "--force", str(tree))
        print(f"removed worktree {tree.relative_to(ROOT)}")
    for work in sorted(CACHE.glob("work-*")):
        shutil.rmtree(work)
        print(f"removed {work.relative_to(ROOT)}")


class Worker:
    """One side's worker process (this file with --worker), spoken to in JSON lines."""

    def __init__(self, label: str, tree: Path, options: list[str]) -> None:
        self.label = label
        self.tree = tree
        work = CACHE / f"work-{label}"
        env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree), str(work), *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tree)
        self.ready: dict[str, Any] = {}

    def wait_ready(self) -> dict[str, Any]:
        self.ready = self.receive()
        return self.ready

    def round(self) -> dict[str, float]:
        self.send({"do": "round"})
        times: dict[str, float] = self.receive()["times"]
        return times

    def close(self) -> None:
        self.send({"do": "exit"})
        self.process.wait(timeout=60)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.label} worker ended (exit status {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer


# --- the workload (built once, by this checkout's bench_codecs) ------------------------------------


def write_workload(directory: Path, region_mib: tuple[int, ...]) -> list[dict[str, Any]]:
    """The blobs of bench_codecs.py's cases, written to ``directory``; one entry per case."""
    import random

    sys.path.insert(0, str(HERE))
    import bench_codecs

    from devstate import interp
    from devstate.schema import find_schema_file, load_schema

    net = load_schema(find_schema_file(NET).path)
    region = load_schema(REGION_SCHEMA)
    directory.mkdir(parents=True, exist_ok=True)
    cases = []
    rng = random.Random(1)
    for count in QUEUES:
        blob = interp.encode(net, bench_codecs.net_state(net, count, rng))
        cases.append(save_case(directory, "net", f"virtio-net {count} queue{'s' if count > 1 else ''}", blob))
    data = random.Random(2).randbytes(max(region_mib) * MIB)
    for mib in region_mib:
        state = {"model": region.model, "version": "1.0",
                 "sections": {"region": {"base": 1 << 32, "flags": 1, "data": data[:mib * MIB]}}}
        cases.append(save_case(directory, "region", f"region {mib} MiB", interp.encode(region, state)))
    return cases


def save_case(directory: Path, kind: str, name: str, blob: bytes) -> dict[str, Any]:
    path = directory / f"{name.replace(' ', '-')}.dsf"
    if not path.exists() or path.read_bytes() != blob:
        path.write_bytes(blob)
    return {"kind": kind, "name": name, "size": len(blob), "path": str(path)}


# --- the worker: one side's codecs ---------------------------------------------------------------


class SideCodecs:
    """Everything one side times, set up by that side's own devstate (imported from PYTHONPATH)."""

    def __init__(self, tree: Path, work: Path, codecs: tuple[str, ...]) -> None:
        import devstate

        if not Path(devstate.__file__).resolve().is_relative_to((tree / "src").resolve()):
            raise RuntimeError(f"devstate came from {devstate.__file__}, not {tree / 'src'}")
        from devstate.schema import find_schema_file, load_schema

        self.tree, self.work, self.codecs = tree, work, codecs
        self.schemas = {"net": load_schema(find_schema_file(NET).path),
                        "region": load_schema(REGION_SCHEMA)}
        self.missing: dict[str, str] = {}
        self.python = self.attempt("gen-py", self.generate_python)
        self.c_drivers = self.attempt("gen-c", self.build_c)
        self.rust_driver = self.attempt("gen-rust", self.build_rust)

    def attempt(self, codec: str, setup: Callable[[], Any]) -> Any:
        """``setup()``, or None with the reason kept (the codec is then n/a on this side)."""
        if codec not in self.codecs:
            return None
        try:
            return setup()
        except Exception as exc:  # any failure only makes the codec n/a on this side
            self.missing[codec] = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
            return None

    def generate_python(self) -> dict[str, ModuleType]:
        from devstate.emit.generate import emit_files, write_files

        out = self.work / "py"
        shutil.rmtree(out, ignore_errors=True)
        write_files(out, emit_files("python", list(self.schemas.values())))
        sys.path.insert(0, str(out))
        return {kind: importlib.import_module(f"devstate_codecs.{stem(schema)}")
                for kind, schema in self.schemas.items()}

    def build_c(self) -> dict[str, Path]:
        from devstate.emit.generate import emit_files, write_files

        spec = importlib.util.spec_from_file_location("side_c_build", self.tree / "benchmarks" / "c" / "build.py")
        if spec is None or spec.loader is None:
            raise RuntimeError("benchmarks/c/build.py is missing")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        source = self.work / "c-src"
        shutil.rmtree(source, ignore_errors=True)
        write_files(source, emit_files("c", list(self.schemas.values())))
        return {kind: build.build(schema.ident, self.work / "c-bin", codegen=source)
                for kind, schema in self.schemas.items()}

    def build_rust(self) -> Path:
        from devstate.emit.generate import emit_files, write_files

        cargo = shutil.which("cargo")
        if cargo is None:
            raise RuntimeError("cargo is not installed")
        crate = self.work / "rust"
        shutil.rmtree(crate / "src", ignore_errors=True)
        write_files(crate, emit_files("rust", list(self.schemas.values())))
        shutil.copy(self.tree / "codegen" / "rust" / "Cargo.toml", crate / "Cargo.toml")
        env = {**os.environ, "CARGO_TARGET_DIR": str(self.work / "rust-target"), "CARGO_NET_OFFLINE": "true"}
        done = subprocess.run([cargo, "build", "--release", "--offline", "--bin", "dsf1_driver"], cwd=crate, env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cargo build failed: {done.stderr.strip().splitlines()[-1:]}")
        return self.work / "rust-target" / "release" / "dsf1_driver"


def stem(schema: Any) -> str:
    """The generated module's name, by whichever helper the side has."""
    try:
        from devstate.emit import module_stem
    except ImportError:
        from devstate.emit.python import module_name  # type: ignore[attr-defined]

        return str(module_name(schema))
    return module_stem(schema.model, schema.version)


class Case:
    """One blob of the workload on one side: the codecs' inputs, checked to round-trip."""

    def __init__(self, side: SideCodecs, entry: dict[str, Any]) -> None:
        sys.path.insert(0, str(HERE))
        import baseline_codecs as hand

        from devstate import interp

        self.name, self.kind, self.path = entry["name"], entry["kind"], entry["path"]
        self.blob = Path(self.path).read_bytes()
        schema = side.schemas[self.kind]
        blob = self.blob
        state = interp.decode(schema, blob)
        assert interp.encode(schema, state) == blob, f"{self.name}: the reference does not round-trip"
        hand_decode, hand_encode = (hand.decode_net, hand.encode_net) if self.kind == "net" else \
            (hand.decode_region, hand.encode_region)
        typed_hand = hand_decode(blob)
        assert hand_encode(typed_hand) == blob, f"{self.name}: the baseline does not round-trip"
        self.python: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
            "baseline": (lambda: hand_decode(blob), lambda: hand_encode(typed_hand)),
            "construct": (lambda: interp.decode(schema, blob), lambda: interp.encode(schema, state))}
        if side.python is not None:
            gen = side.python[self.kind]
            typed = gen.from_state(state)
            assert gen.encode(typed) == blob and gen.encode(gen.decode(blob)) == blob, f"{self.name}: gen-py"
            self.python["gen-py"] = (lambda: gen.decode(blob), lambda: gen.encode(typed))
        self.python = {codec: pair for codec, pair in self.python.items() if codec in side.codecs}


class Measure:
    """Best-of-N times of every case's operations on one side, one round at a time."""

    def __init__(self, side: SideCodecs, cases: list[Case], args: argparse.Namespace) -> None:
        self.side, self.cases, self.best, self.driver_best = side, cases, args.best, args.driver_best
        self.clock = time.process_time if args.clock == "cpu" else time.perf_counter
        self.calls = {(case.name, codec, op): calibrate(pair[op], args.run_time, self.clock)
                      for case in cases for codec, pair in case.python.items() for op in (0, 1)}

    def round(self) -> dict[str, float]:
        times: dict[str, float] = {}
        for case in self.cases:
            times |= self.python_times(case)
            if self.side.c_drivers is not None:
                times |= self.c_times(case)
            if self.side.rust_driver is not None:
                times |= self.rust_times(case)
        return times

    def python_times(self, case: Case) -> dict[str, float]:
        best: dict[str, float] = {}
        enabled = gc.isenabled()
        gc.disable()
        try:
            for _ in range(self.best):  # the codecs in turn, sample by sample
                for codec, pair in case.python.items():
                    for op, function in enumerate(pair):
                        calls = self.calls[case.name, codec, op]
                        started = self.clock()
                        for _ in range(calls):
                            function()
                        key = key_of(("decode", "encode")[op], codec, case.name)
                        best[key] = min(best.get(key, float("inf")), (self.clock() - started) / calls)
        finally:
            if enabled:
                gc.enable()
        return best

    def c_times(self, case: Case) -> dict[str, float]:
        driver = self.side.c_drivers[case.kind]
        report = run_json([str(driver), "codec", case.path, str(iterations(len(case.blob))), str(self.driver_best)])
        return {key_of("decode", "gen-c", case.name): report["decode_ns_min"] * 1e-9,
                key_of("encode", "gen-c", case.name): report["encode_ns_min"] * 1e-9}

    def rust_times(self, case: Case) -> dict[str, float]:
        ident = self.side.schemas[case.kind].ident
        decode, encode = [], []
        for _ in range(self.driver_best):  # the driver reports medians: one run per sample, the best kept
            report = run_json([str(self.side.rust_driver), ident, "--bench", case.path,
                               str(iterations(len(case.blob))), "1"])
            decode.append(report["decode_ns"] * 1e-9)
            encode.append(report["encode_ns"] * 1e-9)
        return {key_of("decode", "gen-rust", case.name): min(decode),
                key_of("encode", "gen-rust", case.name): min(encode)}


def calibrate(function: Callable[[], object], run_time: float, clock: Callable[[], float]) -> int:
    """Calls per sample so that one sample takes about ``run_time`` on ``clock``."""
    calls = 1
    while True:
        started = clock()
        for _ in range(calls):
            function()
        elapsed = clock() - started
        if elapsed >= run_time / 4 or calls >= 1 << 20:
            return max(1, int(calls * run_time / max(elapsed, 1e-9)))
        calls *= 4


def iterations(size: int) -> int:
    """The drivers' loop count for a blob, as bench_codecs.py chooses it."""
    return min(max(1, int(2e8 // max(size, 1))), 20000)


def run_json(command: list[str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    report: dict[str, Any] = json.loads(done.stdout)
    if "error" in report:
        raise RuntimeError(f"{command[0]}: {report['error']}")
    return report


def key_of(op: str, codec: str, case: str) -> str:
    return f"{op}|{codec}|{case}"


def worker(tree: Path, work: Path, args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """The --worker loop: set up, say ready, then answer each {"do": "round"} with its times."""
    work.mkdir(parents=True, exist_ok=True)
    workload = json.loads(Path(args.workload).read_text())
    side = SideCodecs(tree, work, tuple(args.codecs.split(",")))
    measure = Measure(side, [Case(side, entry) for entry in workload], args)
    import devstate

    answer(stdout, {"ready": True, "missing": side.missing, "devstate": devstate.__file__})
    for line in stdin:
        request = json.loads(line)
        if request["do"] == "exit":
            return
        answer(stdout, {"times": measure.round()})


def answer(stdout: TextIO, message: dict[str, Any]) -> None:
    stdout.write(json.dumps(message) + "\n")
    stdout.flush()


# --- the run ------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    region_mib = (1, 16) if args.quick else (1, 64)
    before_tree = side_tree(args.before)
    after_tree = side_tree(args.after) if args.after else ROOT
    sides = {"before": describe(before_tree), "after": describe(after_tree)}
    workload_dir = CACHE / "workload"
    cases = write_workload(workload_dir, region_mib)
    (workload_dir / "cases.json").write_text(json.dumps(cases))
    options = ["--workload", str(workload_dir / "cases.json"), "--codecs", args.codecs,
               "--best", str(args.best), "--driver-best", str(args.driver_best), "--run-time", str(args.run_time),
               "--clock", args.clock]
    loads = [os.getloadavg()[0]]
    started = time.monotonic()
    workers = {}
    for label, tree in (("before", before_tree), ("after", after_tree)):
        workers[label] = Worker(f"{label}-{sides[label]}", tree, options)
        ready = workers[label].wait_ready()  # one at a time: the builds do not compete
        for codec, why in ready["missing"].items():
            print(f"{label} ({sides[label]}): {codec} n/a: {why}", file=sys.stderr)
    rounds: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for number in range(args.rounds):
        for label in ("before", "after"):
            rounds[label].append(workers[label].round())
            loads.append(os.getloadavg()[0])
        print(f"round {number + 1}/{args.rounds} done, load {loads[-1]:.2f}", file=sys.stderr)
    for each in workers.values():
        each.close()
    elapsed = time.monotonic() - started
    header = (f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
              f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
              f"before {sides['before']}, after {sides['after']}; {args.rounds} rounds alternating "
              f"before/after, best of {args.best} ({args.clock} time) for Python and of {args.driver_best} "
              f"(the drivers' wall-clock loops) for C and Rust per round, medians across rounds; "
              f"1-min load average {min(loads):.1f}–{max(loads):.1f} (median {statistics.median(loads):.1f}); "
              f"{elapsed:.0f} s")
    report = {"header": header, "sides": sides, "codecs": args.codecs.split(","), "loads": loads, "cases": cases,
              "rounds": rounds}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    show(report, args)


def show(report: dict[str, Any], args: argparse.Namespace) -> None:
    """Print a run's header and table (``--markdown``: one row per case and operation)."""
    rows = table_rows(report["cases"], report["rounds"], tuple(report["codecs"]))
    print(report["header"])
    print(wide_markdown(rows, tuple(report["codecs"])) if args.markdown else text(rows))


Spread = tuple[float, float, float]
"""The lowest and highest per-round ratio, and the ratio of the best times of all rounds."""
Table = list[tuple[str, str, str, float | None, float | None, Spread | None]]


def table_rows(cases: list[dict[str, Any]], rounds: dict[str, list[dict[str, float]]],
               codecs: tuple[str, ...]) -> Table:
    """(operation, codec, case, before, after, spread of the ratios) in table order."""
    rows: Table = []
    for op in ("decode", "encode"):
        for codec in codecs:
            for case in cases:
                key = key_of(op, codec, case["name"])
                before = [r[key] for r in rounds["before"] if key in r]
                after = [r[key] for r in rounds["after"] if key in r]
                ratios = [a / b for a, b in zip(after, before, strict=False)] if before and after else []
                rows.append((op, codec, f"{case['name']} ({case['size']:,} B)",
                             statistics.median(before) if before else None,
                             statistics.median(after) if after else None,
                             (min(ratios), max(ratios), min(after) / min(before)) if ratios else None))
    return rows


def microseconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1e6:,.2f}" if value < 1e-5 else f"{value * 1e6:,.1f}" if value < 1e-2 else f"{value * 1e6:,.0f}"


def ratio(before: float | None, after: float | None) -> str:
    return "n/a" if before is None or after is None else f"{after / before:.2f}"


def spread(values: Spread | None) -> str:
    return "" if values is None else f"{values[0]:.2f}–{values[1]:.2f}"


def best(values: Spread | None) -> str:
    return "" if values is None else f"{values[2]:.2f}"


def text(rows: Table) -> str:
    lines = [f"{'op':<7} {'codec':<10} {'case':<38} {'before µs':>12} {'after µs':>12} {'after/before':>13} "
             f"{'per round':>11} {'best/best':>10}"]
    lines += [f"{op:<7} {codec:<10} {case:<38} {microseconds(b):>12} {microseconds(a):>12} {ratio(b, a):>13} "
              f"{spread(r):>11} {best(r):>10}" for op, codec, case, b, a, r in rows]
    return "\n".join(lines)


def wide_markdown(rows: Table, codecs: tuple[str, ...]) -> str:
    """A Markdown table, a row per case and operation, a column per codec: after/before (before → after µs)."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for op, codec, case, b, a, _ in rows:
        if b is not None and a is not None:
            text = f"{ratio(b, a)} ({microseconds(b)} → {microseconds(a)})"
        else:
            text = f"{microseconds(b)} → {microseconds(a)}"
        cells.setdefault((case, op), {})[codec] = text
    cases = list(dict.fromkeys(case for case, _ in cells))
    order = sorted(cells, key=lambda key: (cases.index(key[0]), key[1]))
    lines = ["| case | " + " | ".join(codecs) + " |", "|---|" + "---:|" * len(codecs)]
    lines += [f"| {case} {op} | " + " | ".join(cells[case, op].get(codec, "") for codec in codecs) + " |"
              for case, op in order]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--before", default=BEFORE, help=f"the commit before the change (default {BEFORE})")
    parser.add_argument("--after", help="the commit after it (default: this checkout, as it is)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds, each side once per round (default 7)")
    parser.add_argument("--best", type=int, default=5, help="samples per time in a round, the best kept (default 5)")
    parser.add_argument("--driver-best", type=int, default=11,
                        help="C and Rust driver samples per time in a round, the best kept (default 11)")
    parser.add_argument("--run-time", type=float, default=0.02, help="seconds per Python sample (default 0.02)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="the Python samples' clock: the process's CPU time (default; waiting for a core on a "
                             "shared machine does not count) or wall time")
    parser.add_argument("--codecs", default=",".join(CODECS), help=f"comma-separated (default {','.join(CODECS)})")
    parser.add_argument("--quick", action="store_true", help="a 16 MiB instead of a 64 MiB region")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown, a row per case and operation, a column per codec")
    parser.add_argument("--json", help="also write every round's times to this file")
    parser.add_argument("--show", metavar="JSON", help="print the table of a run saved with --json (nothing is run)")
    parser.add_argument("--clean", action="store_true",
                        help="remove the worktrees and work directories under .cache/ab_codecs (nothing is run)")
    parser.add_argument("--worker", nargs=2, metavar=("TREE", "WORK"), help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.codecs.split(",")) - set(CODECS)
    if unknown:
        parser.error(f"unknown codecs: {', '.join(sorted(unknown))}")
    if args.worker:
        worker(Path(args.worker[0]), Path(args.worker[1]), args, sys.stdin, sys.stdout)
    else:
        clean() if args.clean else show(json.loads(Path(args.show).read_text()), args) if args.show else run(args)


if __name__ == "__main__":
    main()
