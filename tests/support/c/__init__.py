"""Helpers for the generated-C tests: driver generation and the build/run harness."""
