"""Codec speed in one run: hand-written ``struct`` baseline vs generated Python vs construct vs generated C and Rust.

Run from the repository root (README.md, "Benchmarks", explains the table):

    .venv/bin/python benchmarks/bench_codecs.py            # full run, a few minutes
    .venv/bin/python benchmarks/bench_codecs.py --quick    # fewer repeats, smaller regions

Cases: encode and decode of a virtio-net 1.1 state with 1, 64, 256 and 1024 queues (every
section present, RSS and an implementation-private vendor section included), and of a
state of ``benchmarks/schemas/org.devstate.bench-region`` holding a 1 MiB and a 64 MiB
region. Codecs (columns):

- ``baseline``: hand-written ``struct`` code with the same checks (benchmarks/baseline_codecs.py);
- ``gen-py``: the generated Python codec (``devstate gen --lang python``, typed classes);
- ``construct``: the reference codec (``devstate.interp``, construct nodes, plain state dicts);
- ``construct-c``: the same wire layout as a plain construct ``Struct`` with ``Check``s,
  ``Struct.compile()``-d (the reference's custom nodes cannot be compiled); CRC outside;
- ``gen-c``: the generated C codec through benchmarks/c/bench_driver.c (``n/a`` if it
  cannot be built);
- ``gen-rust``: the generated Rust codec through its driver's ``--bench`` mode
  (codegen/rust's ``dsf1_driver``, ``cargo build --release --offline``; ``n/a`` without
  cargo): decode, ``encode_into`` a preallocated buffer.

Every time is the median of repeated runs (each run long enough for the timer), measured
in this run; ratios are to the baseline of the same row. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import construct as cs
from construct import this

from devstate import interp, ir
from devstate.emit import schema_source
from devstate.emit.generate import emit_files, write_files
from devstate.schema import find_schema_file, load_schema
from devstate.state import default_state, type_default
from devstate.wire.checksum import IMPLEMENTATION, crc32c

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import baseline_codecs as hand  # noqa: E402

REGION_SCHEMA = HERE / "schemas" / "org.devstate.bench-region" / "1.0.yaml"
QUEUES = (1, 64, 256, 1024)
MIB = 1 << 20
COLUMNS = ("baseline", "gen-py", "construct", "construct-c", "gen-c", "gen-rust")


# --- timing ---------------------------------------------------------------------------------


class Timer:
    """Median seconds per call of several functions, measured interleaved.

    Each function is calibrated to run long enough for the timer (``run_time``); then, for
    each of ``repeats`` rounds, every function runs once in turn, so a change in machine
    load hits all of them alike and the ratios stay meaningful on a busy host.
    """

    def __init__(self, repeats: int, run_time: float) -> None:
        self.repeats = repeats
        self.run_time = run_time

    def __call__(self, functions: dict[str, Callable[[], object]]) -> dict[str, float]:
        calls = {name: self.calibrate(function) for name, function in functions.items()}
        samples: dict[str, list[float]] = {name: [] for name in functions}
        enabled = gc.isenabled()
        gc.disable()
        try:
            for _ in range(self.repeats):
                for name, function in functions.items():
                    started = time.perf_counter()
                    for _ in range(calls[name]):
                        function()
                    samples[name].append((time.perf_counter() - started) / calls[name])
        finally:
            if enabled:
                gc.enable()
        return {name: statistics.median(values) for name, values in samples.items()}

    def calibrate(self, function: Callable[[], object]) -> int:
        calls = 1
        while True:
            started = time.perf_counter()
            for _ in range(calls):
                function()
            elapsed = time.perf_counter() - started
            if elapsed >= self.run_time / 4 or calls >= 1 << 20:
                return max(1, int(calls * self.run_time / max(elapsed, 1e-9)))
            calls *= 4


# --- states ---------------------------------------------------------------------------------


def net_state(schema: ir.Schema, queues: int, rng: random.Random) -> dict[str, Any]:
    """A plausible virtio-net 1.1 state: every section, RSS and private data, ``queues`` queues."""
    state = default_state(schema)
    sections = state["sections"]
    u64 = lambda: rng.getrandbits(64)  # noqa: E731
    sections["common"].update(status=["acknowledge", "driver", "driver_ok", "features_ok"],
                              device_features=[u64(), u64()], driver_features=[u64(), u64()],
                              config_generation=3, msix_config=0, isr=["queue_interrupt"], num_queues=queues)
    sections["queues"] = [{"size": 256, "enabled": True, "desc_addr": u64(), "driver_addr": u64(),
                           "device_addr": u64(), "last_avail_idx": rng.getrandbits(16),
                           "used_idx": rng.getrandbits(16), "msix_vector": i % 64, "notify_off": i,
                           "notify_data": 0, "avail_wrap_counter": False, "used_wrap_counter": False,
                           "reset": False} for i in range(queues)]
    sections["config"].update(mac=[0x52, 0x54, 0, 0x12, 0x34, 0x56], status=["link_up"],
                              max_virtqueue_pairs=max(1, queues // 2), mtu=1500, speed=25000, duplex="full",
                              rss_max_key_size=40, rss_max_indirection_table_length=128,
                              supported_hash_types=["ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6", "udpv6"])
    sections["ctrl"].update(curr_queue_pairs=max(1, queues // 2), rx_mode=["allmulti"], guest_offloads_disabled=4)
    sections["mac_filter"].update(unicast=[[2, 0, 0, 0, 0, i] for i in range(4)],
                                  multicast=[[1, 0, 0x5E, 0, 0, i] for i in range(8)])
    sections["vlan_filter"] = [rng.getrandbits(32) for _ in range(128)]
    sections["announce"] = {"rounds_remaining": 2, "next_round_delay": 50}
    rss = type_default(schema, schema.section("rss").type)
    rss.update(mode="rss", hash_types=["ipv4", "tcpv4"], unclassified_queue=0, max_tx_vq=max(1, queues // 2),
               hash_key=rng.randbytes(40), indirection_table=[i % max(1, queues // 2) for i in range(128)])
    sections["rss"] = rss
    state["vendor_sections"]["impl_private"] = rng.randbytes(512)
    return state


def hand_net(state: dict[str, Any]) -> hand.NetState:
    """The baseline's typed form of a virtio-net state dict."""
    s = state["sections"]
    c, g, t, f, a, r = s["common"], s["config"], s["ctrl"], s["mac_filter"], s["announce"], s["rss"]
    flags = lambda cls, names: cls(sum(cls[n.upper()] for n in names))  # noqa: E731
    return hand.NetState(
        hand.Common(flags(hand.DeviceStatus, c["status"]), c["device_feature_select"], c["device_features"],
                    c["driver_feature_select"], c["driver_features"], c["config_generation"], c["queue_select"],
                    c["msix_config"], flags(hand.IsrStatus, c["isr"]), c["num_queues"]),
        [hand.Queue(**q) for q in s["queues"]],
        hand.Config(g["mac"], flags(hand.NetStatus, g["status"]), g["max_virtqueue_pairs"], g["mtu"], g["speed"],
                    hand.Duplex[g["duplex"].upper()], g["rss_max_key_size"], g["rss_max_indirection_table_length"],
                    flags(hand.HashTypes, g["supported_hash_types"])),
        hand.Ctrl(t["curr_queue_pairs"], flags(hand.RxMode, t["rx_mode"]), t["guest_offloads_disabled"]),
        hand.MacFilter(f["unicast_overflow"], f["multicast_overflow"], f["unicast"], f["multicast"]),
        s["vlan_filter"], hand.Announce(a["rounds_remaining"], a["next_round_delay"]),
        hand.Rss(hand.RssMode[r["mode"].upper()], flags(hand.HashTypes, r["hash_types"]), r["unclassified_queue"],
                 r["max_tx_vq"], r["hash_key"], r["indirection_table"]),
        state["vendor_sections"]["impl_private"])


# --- construct, compiled ----------------------------------------------------------------------


def compiled_net() -> Any:
    """virtio-net 1.1 as a plain construct Struct with Checks, compiled (header to sections; CRC outside)."""
    common = cs.Struct("status" / cs.Int8ul, "dfs" / cs.Int32ul, "df" / cs.Array(2, cs.Int64ul),
                       "drfs" / cs.Int32ul, "drf" / cs.Array(2, cs.Int64ul), "generation" / cs.Int8ul,
                       "select" / cs.Int16ul, "msix" / cs.Int16ul, "isr" / cs.Int8ul, "num_queues" / cs.Int16ul,
                       cs.Check((this.status & 0x30) == 0), cs.Check((this.isr & 0xFC) == 0))
    queue = cs.Struct("size" / cs.Int16ul, "enabled" / cs.Int8ul, "desc" / cs.Int64ul, "driver" / cs.Int64ul,
                      "device" / cs.Int64ul, "avail" / cs.Int16ul, "used" / cs.Int16ul, "msix" / cs.Int16ul,
                      "notify_off" / cs.Int16ul, "notify_data" / cs.Int16ul, "avail_wrap" / cs.Int8ul,
                      "used_wrap" / cs.Int8ul, "reset" / cs.Int8ul,
                      cs.Check(this.size <= 32768), cs.Check(this.enabled <= 1), cs.Check(this.avail_wrap <= 1),
                      cs.Check(this.used_wrap <= 1), cs.Check(this.reset <= 1))
    queues = cs.Struct("count" / cs.Int32ul, "stride" / cs.Int32ul, cs.Check(this.count <= 1024),
                       cs.Check(this.stride == 40), "elements" / cs.Array(this.count, queue))
    config = cs.Struct("mac" / cs.Array(6, cs.Int8ul), "status" / cs.Int16ul, "pairs" / cs.Int16ul,
                       "mtu" / cs.Int16ul, "speed" / cs.Int32ul, "duplex" / cs.Int8ul, "key_size" / cs.Int8ul,
                       "table_length" / cs.Int16ul, "hash_types" / cs.Int32ul,
                       cs.Check((this.status & 0xFFFC) == 0), cs.Check(this.pairs <= 32768),
                       cs.Check((this.duplex <= 1) | (this.duplex == 255)), cs.Check(this.key_size <= 40),
                       cs.Check(this.table_length <= 128), cs.Check((this.hash_types & 0xFFFFFE00) == 0))
    ctrl = cs.Struct("pairs" / cs.Int16ul, "rx_mode" / cs.Int8ul, "offloads" / cs.Int64ul,
                     cs.Check(this.pairs >= 1), cs.Check(this.pairs <= 32768), cs.Check((this.rx_mode & 0xC0) == 0))
    macs = cs.Struct("count" / cs.Int32ul, cs.Check(this.count <= 64), "macs" / cs.Array(this.count, cs.Bytes(6)))
    mac_filter = cs.Struct("unicast_overflow" / cs.Int8ul, "multicast_overflow" / cs.Int8ul, "unicast" / macs,
                           "multicast" / macs, cs.Check(this.unicast_overflow <= 1),
                           cs.Check(this.multicast_overflow <= 1))
    rss = cs.Struct("mode" / cs.Int8ul, "hash_types" / cs.Int32ul, "unclassified" / cs.Int16ul,
                    "max_tx_vq" / cs.Int16ul, "key_length" / cs.Int32ul, cs.Check(this.key_length <= 40),
                    "key" / cs.Bytes(this.key_length), "table_length" / cs.Int32ul,
                    cs.Check(this.table_length <= 128), "table" / cs.Array(this.table_length, cs.Int16ul),
                    cs.Check(this.mode <= 2), cs.Check((this.hash_types & 0xFFFFFE00) == 0))
    vendor = cs.Struct("kind" / cs.Int16ul, "pci" / cs.Int16ul, "padding" / cs.Bytes(14),
                       "payload" / cs.GreedyBytes, cs.Check(this.kind == 1), cs.Check(this.pci == 0x1AF4))
    payload = cs.Switch(this.id + (this.flags & 2) * 500, {
        1: common, 2: queues, 3: config, 4: ctrl, 5: mac_filter, 6: cs.Array(128, cs.Int32ul),
        7: cs.Struct("rounds" / cs.Int8ul, "delay" / cs.Int32ul), 8: rss, 1001: vendor}, default=cs.GreedyBytes)
    section = cs.Struct("id" / cs.Int16ul, "flags" / cs.Int16ul, "length" / cs.Int32ul,
                        cs.Check((this.flags & 0xFFFC) == 0), "payload" / cs.FixedSized(this.length, payload))
    blob = cs.Struct("magic" / cs.Const(hand.MAGIC), "format" / cs.Int16ul, "header_flags" / cs.Int16ul,
                     "major" / cs.Int16ul, "minor" / cs.Int16ul, "total" / cs.Int64ul, "id_length" / cs.Int8ul,
                     "model" / cs.Bytes(this.id_length), cs.Check(this.format == 1), cs.Check(this.header_flags == 0),
                     cs.Check(this.model == hand.NET_MODEL), cs.Check(this.major == 1),
                     "sections" / cs.FixedSized(this.total - 29 - this.id_length, cs.GreedyRange(section)),
                     "crc" / cs.Int32ul)
    return blob.compile()


def compiled_region() -> Any:
    region = cs.Struct("base" / cs.Int64ul, "flags" / cs.Int32ul, "length" / cs.Int32ul,
                       cs.Check(this.length <= 256 * MIB), "data" / cs.Bytes(this.length))
    section = cs.Struct("id" / cs.Int16ul, "flags" / cs.Int16ul, "length" / cs.Int32ul, cs.Check(this.id == 1),
                        cs.Check(this.flags == 0), "payload" / cs.FixedSized(this.length, region))
    blob = cs.Struct("magic" / cs.Const(hand.MAGIC), "format" / cs.Int16ul, "header_flags" / cs.Int16ul,
                     "major" / cs.Int16ul, "minor" / cs.Int16ul, "total" / cs.Int64ul, "id_length" / cs.Int8ul,
                     "model" / cs.Bytes(this.id_length), cs.Check(this.model == hand.REGION_MODEL),
                     "section" / section, "crc" / cs.Int32ul)
    return blob.compile()


def compiled_codec(compiled: Any) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    """decode/encode with the CRC-32C checked and written outside construct."""

    def decode(blob: bytes) -> Any:
        view = memoryview(blob)
        if crc32c(view[:-4]) != int.from_bytes(view[-4:], "little") or len(blob) != int.from_bytes(blob[16:24],
                                                                                                      "little"):
            raise ValueError("bad checksum or length")
        return compiled.parse(blob)

    def encode(value: Any) -> bytes:
        raw = bytearray(compiled.build(value))
        raw[-4:] = crc32c(raw[:-4]).to_bytes(4, "little")
        return bytes(raw)

    return decode, encode


# --- generated C ------------------------------------------------------------------------------


class CDriver:
    """benchmarks/c/bench_driver.c built for one model; ``n/a`` with a reason when it cannot be."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.drivers: dict[str, Path | str] = {}
        spec = importlib.util.spec_from_file_location("bench_c_build", HERE / "c" / "build.py")
        self.build_module: ModuleType | None = None
        if spec is not None and spec.loader is not None:
            self.build_module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.build_module)

    def driver(self, schema: ir.Schema) -> Path | str:
        """The executable for ``schema`` (a standard one from codegen/c, else generated here), or why not."""
        if schema.ident in self.drivers:
            return self.drivers[schema.ident]
        try:
            if self.build_module is None:
                raise RuntimeError("benchmarks/c/build.py is missing")
            codegen = None
            if not schema_source(schema).startswith("schemas/"):
                codegen = self.work / "c-src"
                write_files(codegen, emit_files("c", [schema]))
            result: Path | str = self.build_module.build(schema.ident, self.work / "c-bin", codegen=codegen)
        except Exception as exc:  # any failure only makes the column n/a
            result = f"{type(exc).__name__}: {exc}".splitlines()[0]
        self.drivers[schema.ident] = result
        return result

    def codec(self, schema: ir.Schema, blob: bytes, repeats: int) -> tuple[float, float] | str:
        driver = self.driver(schema)
        if isinstance(driver, str):
            return driver
        path = self.work / f"{schema.model}-{len(blob)}.dsf"
        path.write_bytes(blob)
        iterations = max(1, int(2e8 // max(len(blob), 1)))
        report = self.run(driver, "codec", str(path), str(min(iterations, 20000)), str(repeats))
        if isinstance(report, str):
            return report
        return report["decode_ns"] * 1e-9, report["encode_ns"] * 1e-9

    def crc(self, schema: ir.Schema, size: int, repeats: int) -> dict[str, Any] | str:
        driver = self.driver(schema)
        if isinstance(driver, str):
            return driver
        return self.run(driver, "crc", str(size), str(max(1, (1 << 30) // size)), str(repeats))

    def run(self, driver: Path, *args: str) -> dict[str, Any] | str:
        done = subprocess.run([str(driver), *args], capture_output=True, text=True, check=False)
        try:
            report: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            return f"driver failed: {done.stderr.strip() or done.stdout.strip()}"[:120]
        return report if "error" not in report else f"driver error: {report}"


# --- generated Rust ---------------------------------------------------------------------------


class RustDriver:
    """The generated Rust crate of the benchmarked models, built with cargo (release, offline)."""

    def __init__(self, work: Path, schemas: list[ir.Schema]) -> None:
        self.work = work
        self.schemas = schemas
        self.binary: Path | str | None = None
        self.crc_ns: dict[int, float] = {}

    def build(self) -> Path | str:
        if self.binary is None:
            self.binary = self._build()
        return self.binary

    def _build(self) -> Path | str:
        cargo = shutil.which("cargo")
        if cargo is None:
            return "cargo is not installed"
        crate = self.work / "rust"
        write_files(crate, emit_files("rust", self.schemas))
        shutil.copy(ROOT / "codegen" / "rust" / "Cargo.toml", crate / "Cargo.toml")
        env = {**os.environ, "CARGO_TARGET_DIR": str(self.work / "rust-target"), "CARGO_NET_OFFLINE": "true"}
        done = subprocess.run([cargo, "build", "--release", "--offline", "--bin", "dsf1_driver"], cwd=crate, env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"cargo build failed: {done.stderr.strip().splitlines()[-1:]}"
        return self.work / "rust-target" / "release" / "dsf1_driver"

    def codec(self, schema: ir.Schema, blob: bytes, repeats: int) -> tuple[float, float] | str:
        binary = self.build()
        if isinstance(binary, str):
            return binary
        path = self.work / f"rust-{schema.model}-{len(blob)}.dsf"
        path.write_bytes(blob)
        iterations = min(max(1, int(2e8 // max(len(blob), 1))), 20000)
        done = subprocess.run([str(binary), schema.ident, "--bench", str(path), str(iterations), str(repeats)],
                              capture_output=True, text=True, check=False)
        try:
            report: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            return f"driver failed: {done.stderr.strip() or done.stdout.strip()}"[:120]
        if "error" in report:
            return f"driver error: {report['error']}"
        self.crc_ns[len(blob)] = report["crc32c_ns"]
        return report["decode_ns"] * 1e-9, report["encode_ns"] * 1e-9


# --- the run --------------------------------------------------------------------------------

Row = dict[str, float | str]


def generated_modules(work: Path, schemas: list[ir.Schema]) -> list[ModuleType]:
    write_files(work / "py", emit_files("python", schemas))
    sys.path.insert(0, str(work / "py"))
    from devstate.emit import module_stem

    return [importlib.import_module(f"devstate_codecs.{module_stem(s.model, s.version)}") for s in schemas]


def net_rows(net: ir.Schema, gen: ModuleType, timer: Timer, c: CDriver, rust: RustDriver, queues: tuple[int, ...],
             repeats: int) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    compiled = compiled_codec(compiled_net())
    rng = random.Random(1)
    for count in queues:
        state = net_state(net, count, rng)
        blob = interp.encode(net, state)
        label = f"virtio-net {count} queue{'s' if count > 1 else ''} ({len(blob):,} B)"
        rows[f"{label} decode"], rows[f"{label} encode"] = net_case(net, gen, compiled, state, blob, timer)
        result = c.codec(net, blob, repeats)
        rows[f"{label} decode"]["gen-c"], rows[f"{label} encode"]["gen-c"] = \
            (result, result) if isinstance(result, str) else result
        result = rust.codec(net, blob, repeats)
        rows[f"{label} decode"]["gen-rust"], rows[f"{label} encode"]["gen-rust"] = \
            (result, result) if isinstance(result, str) else result
    return rows


def net_case(net: ir.Schema, gen: ModuleType, compiled: tuple[Callable[[bytes], Any], Callable[[Any], bytes]],
             state: dict[str, Any], blob: bytes, timer: Timer) -> tuple[Row, Row]:
    """Decode and encode times of one virtio-net state (after checking every codec agrees)."""
    typed, handwritten, parsed = gen.from_state(state), hand_net(state), compiled[0](blob)
    assert gen.encode(typed) == blob and hand.encode_net(handwritten) == blob and compiled[1](parsed) == blob
    assert gen.to_state(gen.decode(blob)) == interp.decode(net, blob)
    assert hand.decode_net(blob) == handwritten
    decode = timer({"baseline": lambda: hand.decode_net(blob), "gen-py": lambda: gen.decode(blob),
                    "construct": lambda: interp.decode(net, blob), "construct-c": lambda: compiled[0](blob)})
    encode = timer({"baseline": lambda: hand.encode_net(handwritten), "gen-py": lambda: gen.encode(typed),
                    "construct": lambda: interp.encode(net, state), "construct-c": lambda: compiled[1](parsed)})
    return dict(decode), dict(encode)


def region_rows(schema: ir.Schema, gen: ModuleType, timer: Timer, c: CDriver, rust: RustDriver,
                sizes: tuple[int, ...], repeats: int) -> tuple[dict[str, Row], list[str]]:
    """Table rows for the region cases, and lines on where the decode time goes (CRC vs the rest)."""
    rows: dict[str, Row] = {}
    notes = []
    compiled = compiled_codec(compiled_region())
    for size in sizes:
        data = os.urandom(size)
        state = {"model": schema.model, "version": "1.0",
                 "sections": {"region": {"base": 1 << 32, "flags": 1, "data": data}}}
        blob = interp.encode(schema, state)
        decode, encode, parts = region_case(schema, gen, compiled, state, blob, timer)
        result = c.codec(schema, blob, repeats)
        decode["gen-c"], encode["gen-c"] = (result, result) if isinstance(result, str) else result
        result = rust.codec(schema, blob, repeats)
        decode["gen-rust"], encode["gen-rust"] = (result, result) if isinstance(result, str) else result
        label = f"region {size // MIB} MiB"
        rows[f"{label} decode"], rows[f"{label} encode"] = decode, encode
        notes.append(f"{label}: gen-py decode {parts['decode'] * 1e6:,.1f} µs = CRC-32C of the blob "
                     f"{parts['crc'] * 1e6:,.1f} µs + the rest; the section value alone (zero-copy view) "
                     f"{parts['value'] * 1e6:,.2f} µs; gen-py encode_into a preallocated buffer "
                     f"{parts['into'] * 1e6:,.1f} µs")
        if isinstance(decode["gen-rust"], float) and len(blob) in rust.crc_ns:
            crc = rust.crc_ns[len(blob)] * 1e-9
            notes.append(f"{label}: gen-rust decode {decode['gen-rust'] * 1e6:,.1f} µs = its CRC-32C of the blob "
                         f"{crc * 1e6:,.1f} µs + the rest {(decode['gen-rust'] - crc) * 1e6:,.2f} µs (zero-copy: "
                         "the region is borrowed)")
    return rows, notes


def region_case(schema: ir.Schema, gen: ModuleType, compiled: tuple[Callable[[bytes], Any], Callable[[Any], bytes]],
                state: dict[str, Any], blob: bytes, timer: Timer) -> tuple[Row, Row, dict[str, float]]:
    """Decode and encode times of one region state; the generated decode split into CRC and value."""
    data = state["sections"]["region"]["data"]
    typed, handwritten = gen.from_state(state), hand.Region(1 << 32, 1, data)
    parsed = compiled[0](blob)
    assert gen.encode(typed) == blob == hand.encode_region(handwritten) == compiled[1](parsed)
    decoded = gen.decode(blob)
    assert isinstance(decoded.region.data, memoryview) and decoded.region.data.obj is not None
    view = memoryview(blob)
    section = gen._SPEC.by_id[1]
    start = 25 + len(schema.model) + 8
    assert section.decode(view, start, len(blob) - 4, 15, 1 << 30) == decoded.region
    output = bytearray(len(blob))
    into = timer({"gen-py": lambda: gen.encode_into(typed, output, 0)})["gen-py"]
    decode: Row = dict(timer({"baseline": lambda: hand.decode_region(blob), "gen-py": lambda: gen.decode(blob),
                              "construct": lambda: interp.decode(schema, blob),
                              "construct-c": lambda: compiled[0](blob), "crc": lambda: crc32c(view[:-4]),
                              "value": lambda: section.decode(view, start, len(blob) - 4, 15, 1 << 30)}))
    encode: Row = dict(timer({"baseline": lambda: hand.encode_region(handwritten), "gen-py": lambda: gen.encode(typed),
                              "construct": lambda: interp.encode(schema, state),
                              "construct-c": lambda: compiled[1](parsed)}))
    parts = {"decode": decode["gen-py"], "crc": decode.pop("crc"), "value": decode.pop("value"), "into": into}
    return decode, encode, {k: v for k, v in parts.items() if isinstance(v, float)}


def checksum_rows(timer: Timer, c: CDriver, region: ir.Schema, size: int, repeats: int) -> list[str]:
    data = os.urandom(size)
    view = memoryview(data)
    target = memoryview(bytearray(size))

    def copy_into() -> None:
        target[:] = view

    times = timer({"crc": lambda: crc32c(view), "copy": lambda: bytes(view), "copy_into": copy_into})
    crc, copy, into = (size / times[name] / 1e9 for name in ("crc", "copy", "copy_into"))
    lines = [f"CRC-32C ({IMPLEMENTATION}) over {size // MIB} MiB: {crc:6.2f} GB/s; memcpy as bytes(memoryview) "
             f"(fresh pages): {copy:6.2f} GB/s, into a preallocated buffer: {into:6.2f} GB/s; "
             f"CRC/memcpy {crc / copy:.2f} and {crc / into:.2f}"]
    report = c.crc(region, size, repeats)
    if isinstance(report, dict):
        lines.append(f"C codec CRC-32C ({report.get('crc32c')}) over {size // MIB} MiB: "
                     f"{report['crc32c_gbps']:6.2f} GB/s; C memcpy: {report['memcpy_gbps']:6.2f} GB/s; "
                     f"ratio {report['ratio']:.2f}")
    else:
        lines.append(f"C codec CRC-32C: n/a ({report})")
    return lines


def cell(value: float | str | None, base: float | str | None) -> str:
    if not isinstance(value, float):
        return "n/a"
    text = f"{value * 1e6:,.1f} µs" if abs(value) < 0.1 else f"{value * 1e3:,.1f} ms"
    if isinstance(base, float):
        text += f" ({value / base:.2f}×)"
    return text


def table(rows: dict[str, Row]) -> list[str]:
    width = max(len(name) for name in rows)
    header = f"{'case':<{width}}  " + "  ".join(f"{col:>20}" for col in COLUMNS)
    lines = [header, "-" * len(header)]
    for name, row in rows.items():
        base = row.get("baseline")
        lines.append(f"{name:<{width}}  " + "  ".join(f"{cell(row.get(col), base):>20}" for col in COLUMNS))
    return lines


def targets(rows: dict[str, Row], region_mib: tuple[int, int]) -> list[str]:
    def ratio(row: str, top: str, bottom: str) -> float | None:
        a, b = rows[row].get(top), rows[row].get(bottom)
        return a / b if isinstance(a, float) and isinstance(b, float) else None

    lines = []
    for op in ("decode", "encode"):
        name = next(r for r in rows if r.startswith("virtio-net 256 ") and r.endswith(op))
        checks = [("gen-py ≤ 2.0× baseline", ratio(name, "gen-py", "baseline"), lambda v: v <= 2.0),
                  ("construct ≥ 10× gen-py", ratio(name, "construct", "gen-py"), lambda v: v >= 10),
                  ("gen-py ≥ 20× gen-c", ratio(name, "gen-py", "gen-c"), lambda v: v >= 20),
                  ("gen-rust ≤ 1.5× gen-c", ratio(name, "gen-rust", "gen-c"), lambda v: v <= 1.5),
                  ("gen-py ≥ 10× gen-rust", ratio(name, "gen-py", "gen-rust"), lambda v: v >= 10)]
        for what, value, ok in checks:
            verdict = "n/a" if value is None else f"{value:.2f}× {'met' if ok(value) else 'NOT met'}"
            lines.append(f"256 queues {op}: {what}: {verdict}")
    small, big = (f"region {mib} MiB decode" for mib in region_mib)
    for col in ("gen-py", "baseline", "gen-c", "gen-rust"):
        a, b = rows[small].get(col), rows[big].get(col)
        if isinstance(a, float) and isinstance(b, float):
            lines.append(f"region decode, {col}: {region_mib[0]} MiB {a * 1e6:,.1f} µs, {region_mib[1]} MiB "
                         f"{b * 1e6:,.1f} µs ({b / a:.1f}× for {region_mib[1] // region_mib[0]}× the bytes: the CRC)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a 16 MiB instead of 64 MiB region")
    args = parser.parse_args()
    repeats, run_time = (3, 0.01) if args.quick else (11, 0.05)
    region_mib = (1, 16) if args.quick else (1, 64)
    timer = Timer(repeats, run_time)
    net = load_schema(find_schema_file("org.virtio.net@1.1").path)
    region = load_schema(REGION_SCHEMA)
    with tempfile.TemporaryDirectory(prefix="devstate-bench-") as scratch:
        work = Path(scratch)
        gen_net, gen_region = generated_modules(work, [net, region])
        c = CDriver(work)
        rust = RustDriver(work, [net, region])
        rows = net_rows(net, gen_net, timer, c, rust, QUEUES, repeats)
        region_table, region_notes = region_rows(region, gen_region, timer, c, rust,
                                                 tuple(m * MIB for m in region_mib), repeats)
        rows |= region_table
        crc_lines = checksum_rows(timer, c, region, region_mib[1] * MIB, repeats)
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; medians of {repeats} runs; ratios to the baseline (lower is faster)")
    print("\n".join(table(rows)))
    print()
    print("\n".join(targets(rows, region_mib)))
    print("\n".join(region_notes))
    print("\n".join(crc_lines))


if __name__ == "__main__":
    main()
