#!/usr/bin/env python3
"""Prove the README's two commands work on a new Debian 12 machine with nothing installed by hand.

    tools/fresh-machine-check              ./run.sh, then .ci/run (CI=true ./test.sh + lint), in a clean root
    tools/fresh-machine-check --keep       leave the root in .cache/fresh-machine/root for a look afterwards
    tools/fresh-machine-check -- -k demo   ./run.sh, then CI=true ./test.sh with these pytest arguments

It builds a minimal Debian 12 root with debootstrap (only Python and gcc added: what a new
machine has), caches it as a tarball (``.cache/fresh-machine/``), unpacks a fresh copy,
clones this repository's HEAD into it (only what is committed), mounts /proc, /sys, /dev and
a new /tmp, and runs the commands there under chroot. At the end it lists every step that was
missing on the new machine (what ``tools/system-deps`` had to install), with the time of each
command. Run as root (debootstrap, chroot and mount need it); it needs the network to reach
Debian's mirror and PyPI, as a new machine would.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from tools.debian import MIRROR, cache_dir  # noqa: E402  (after the sys.path line)

SUITE = "bookworm"
NEW_MACHINE = ("python3", "gcc")
"""What the new machine has beyond debootstrap's minimal base: "only Python and gcc"."""
SOURCES = f"""Types: deb
URIs: {MIRROR}
Suites: {SUITE} {SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
"""The apt sources of a Debian 12 installation (debian.sources as the installer writes it)."""
CHECKOUT = "/root/devstate"


def log(message: str) -> None:
    print(f"fresh-machine-check: {message}", flush=True)


def base_tarball() -> Path:
    """The debootstrapped root as a tarball in the cache (built once)."""
    folder = cache_dir() / "fresh-machine"
    tarball = folder / f"debian-{SUITE}-{'-'.join(NEW_MACHINE)}.tar"
    if tarball.exists():
        log(f"base root from the cache: {tarball}")
        return tarball
    if shutil.which("debootstrap") is None:
        subprocess.run([str(ROOT / "tools" / "system-deps"), "--install", "fresh-machine"], check=True)
    staging = folder / "debootstrap"
    _remove_root(staging)
    log(f"debootstrap {SUITE} (minbase + {', '.join(NEW_MACHINE)}) into {staging}")
    started = time.monotonic()
    subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(NEW_MACHINE)}", SUITE, str(staging),
                    MIRROR], check=True, stdout=subprocess.DEVNULL)
    (staging / "etc/apt/sources.list").unlink(missing_ok=True)
    (staging / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES)
    partial = tarball.with_suffix(".partial")
    with tarfile.open(partial, "w") as tar:
        tar.add(staging, arcname=".")
    partial.rename(tarball)
    _remove_root(staging)
    log(f"base root built in {time.monotonic() - started:.0f} s and cached")
    return tarball


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve())
    points = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(point)
    return points


def _remove_root(path: Path) -> None:
    """Delete a root folder, but never while anything is mounted inside it."""
    if not path.exists():
        return
    mounted = _mounts_under(path)
    if mounted:
        raise SystemExit(f"fresh-machine-check: refusing to delete {path}: still mounted: {', '.join(mounted)}")
    shutil.rmtree(path)


def mount(root: Path) -> None:
    for source, target, options in (
        ("proc", "proc", ["-t", "proc"]),
        ("/sys", "sys", ["--rbind"]),
        ("/dev", "dev", ["--rbind"]),
        ("tmpfs", "tmp", ["-t", "tmpfs"]),
    ):
        (root / target).mkdir(exist_ok=True)
        subprocess.run(["mount", *options, source, str(root / target)], check=True)
    carry_network_settings(root)


NETWORK_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
                     "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS", "http_proxy", "https_proxy", "no_proxy")
"""The host's variables that say how to reach the network (a TLS-inspecting proxy's CA bundle, proxies)."""


def carry_network_settings(root: Path) -> None:
    """Give the new machine this host's way to the network: DNS and the CA certificates it must trust.

    They belong to the machine's network, not to devstate: any new machine on this network has
    them (here, the egress proxy's CA in /usr/local/share/ca-certificates and the system bundle).
    """
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    local = Path("/usr/local/share/ca-certificates")
    if local.is_dir():
        shutil.copytree(local, root / local.relative_to("/"), dirs_exist_ok=True)
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if bundle.exists():
        (root / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle, root / bundle.relative_to("/"))


def unmount(root: Path) -> None:
    for target in ("tmp", "dev", "sys", "proc"):
        point = root / target
        if _mounts_under(point):
            subprocess.run(["umount", "-R", "-l", str(point)], check=False)


def run_in_root(root: Path, command: str, transcript: list[str]) -> tuple[int, float]:
    """Run ``command`` with bash in the chroot from the checkout; its output is shown and kept."""
    log(f"$ {command}")
    started = time.monotonic()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
           "LANG": "C.UTF-8", "TERM": "dumb"}
    env.update({name: os.environ[name] for name in NETWORK_VARIABLES if name in os.environ})
    process = subprocess.Popen(["chroot", str(root), "/bin/bash", "-c", f"cd {CHECKOUT} && {command}"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        print(f"    {line}", end="", flush=True)
        transcript.append(line)
    return process.wait(), time.monotonic() - started


def missing_steps(transcript: Sequence[str]) -> list[str]:
    """What the new machine lacked: every install tools/system-deps made, in order."""
    return [line.strip() for line in transcript if re.match(r"system-deps: installing ", line)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/fresh-machine-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the root afterwards (unmounted)")
    parser.add_argument("--only-run", action="store_true", help="only ./run.sh (skip .ci/run)")
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        log("needs root (debootstrap, mount, chroot)")
        return 2
    started = time.monotonic()
    tarball = base_tarball()
    root = cache_dir() / "fresh-machine" / "root"
    _remove_root(root)
    root.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(root, filter="fully_trusted")
    log(f"clone of {ROOT} at {_head()} into {CHECKOUT}")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(root / CHECKOUT.lstrip("/"))],
                   check=True)
    commands = ["./run.sh"]
    if args.pytest_args:
        commands.append("CI=true ./test.sh " + " ".join(shlex.quote(a) for a in args.pytest_args))
    elif not args.only_run:
        commands.append("CI=true .ci/run")
    transcript: list[str] = []
    results = []
    mount(root)
    try:
        for command in commands:
            code, seconds = run_in_root(root, command, transcript)
            results.append((command, code, seconds))
            if code != 0:
                break
    finally:
        unmount(root)
    log("summary")
    for command, code, seconds in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'} {command}  ({seconds:.0f} s, exit {code})")
    steps = missing_steps(transcript)
    print(f"  missing on the new machine and installed by tools/system-deps: {len(steps)} step(s)")
    for step in steps:
        print(f"    - {step.removeprefix('system-deps: ')}")
    print(f"  total {time.monotonic() - started:.0f} s")
    if not args.keep:
        _remove_root(root)
    ok = len(results) == len(commands) and all(code == 0 for _, code, _ in results)
    return 0 if ok else 1


def _head() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
