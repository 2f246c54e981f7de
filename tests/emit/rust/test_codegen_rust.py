"""The Rust codec crate (codegen/rust): it builds and tests offline, clippy- and rustfmt-clean.

The crate is built from a staged copy (tests/support/rust/harness.py) with whatever cargo is on
PATH: Debian 12's cargo and rustc 1.63 in CI (the crate declares rust-version 1.63), or a
newer rustup toolchain on a workstation.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from rust import harness

from devstate.wire.errors import DESCRIPTIONS, ErrorCode

pytestmark = pytest.mark.needs("rust")
CRATE = harness.CODEGEN


@pytest.fixture(scope="module")
def crate() -> Iterator[Path]:
    yield harness.stage("codegen-rust", harness.tree(CRATE))


def test_the_crate_tests_pass_offline(crate: Path) -> None:
    output = harness.cargo_ok(crate, "test", "--offline")
    passed = sum(int(n) for n in re.findall(r"test result: ok\. (\d+) passed", output))
    assert passed >= 10, output
    assert "FAILED" not in output


def test_it_builds_without_std(crate: Path) -> None:
    """no_std with alloc: the crate compiles with the std feature off (so it uses core and alloc only)."""
    harness.cargo_ok(crate, "build", "--offline", "--no-default-features")


def test_clippy_finds_nothing(crate: Path) -> None:
    if not harness.has_subcommand("clippy"):
        pytest.skip("cargo clippy is not installed here (Debian: rust-clippy)")
    harness.cargo_ok(crate, "clippy", "--offline", "--all-targets", "--", "-D", "warnings")


def test_rustfmt_changes_nothing(crate: Path) -> None:
    if not harness.has_subcommand("fmt"):
        pytest.skip("cargo fmt is not installed here (Debian: rustfmt)")
    harness.cargo_ok(crate, "fmt", "--check")


def test_the_manifest_has_no_dependencies_and_declares_rust_1_63() -> None:
    manifest = tomllib.loads((CRATE / "Cargo.toml").read_text(encoding="utf-8"))
    assert manifest["package"]["rust-version"] == "1.63"
    assert manifest["features"] == {"default": ["std"], "std": []}
    assert not manifest.get("dependencies")
    lib = (CRATE / "src" / "lib.rs").read_text(encoding="utf-8")
    assert "#![forbid(unsafe_code)]" in lib
    assert '#![cfg_attr(not(feature = "std"), no_std)]' in lib
    unsafe = re.compile(r"\bunsafe\s*(\{|fn\b|impl\b|trait\b|extern\b)")
    assert not [path.name for path in (CRATE / "src").glob("*.rs")
                if unsafe.search(re.sub(r"//.*", "", path.read_text(encoding="utf-8")))]


def test_the_error_codes_are_the_one_list() -> None:
    text = (CRATE / "src" / "dsf1_errors.rs").read_text(encoding="utf-8")
    variants = re.findall(r"^    /// (.+)\n    (\w+) = (\d+),$", text, re.MULTILINE)
    names = dict(re.findall(r'ErrorCode::(\w+) => "([A-Z0-9_]+)",', text))
    assert [(names[v], int(n), doc) for doc, v, n in variants] == \
        [(code.name, int(code), DESCRIPTIONS[code]) for code in ErrorCode]


VENDOR_C = harness.ROOT / "examples" / "vendor_c"


@pytest.fixture(scope="module")
def vendor_c() -> Iterator[Path]:
    """examples/vendor_c staged beside a copy of codegen/rust (its path dependency)."""
    harness.stage("codegen", harness.tree(CRATE))
    yield harness.stage("vendor_c", harness.tree(VENDOR_C))


def test_vendor_c_builds_and_is_clippy_and_rustfmt_clean(vendor_c: Path) -> None:
    manifest = (vendor_c / "Cargo.toml").read_text(encoding="utf-8")
    assert 'devstate-codecs = { path = "../../codegen/rust" }' in manifest
    staged = tomllib.loads(manifest.replace("../../codegen/rust", "../codegen"))
    assert set(staged["dependencies"]) == {"devstate-codecs"}
    (vendor_c / "Cargo.toml").write_text(manifest.replace("../../codegen/rust", "../codegen"), encoding="utf-8")
    if harness.has_subcommand("clippy"):
        harness.cargo_ok(vendor_c, "clippy", "--offline", "--", "-D", "warnings")
    else:
        harness.cargo_ok(vendor_c, "build", "--offline")
    if harness.has_subcommand("fmt"):
        harness.cargo_ok(vendor_c, "fmt", "--check")
