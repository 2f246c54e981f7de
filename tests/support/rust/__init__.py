"""Helpers that build and run Rust crates for the tests (cargo, offline)."""
