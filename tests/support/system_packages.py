"""System packages a test needs (the groups of ``tools/system-deps``): skip without them, fail under CI.

Use ``@pytest.mark.needs("group")`` on a test or module, or ``require("group")`` in a fixture.
"""

from __future__ import annotations

import functools
import os

import pytest

from tools import system_deps


@functools.cache
def missing_system_deps(name: str) -> tuple[str, ...]:
    """What the system-deps group ``name`` lacks here (empty: present)."""
    return tuple(system_deps.group(name).missing())


def unavailable(reason: str) -> None:
    """Skip the current test for ``reason``, or fail it when ``CI`` is set."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this must run, but: {reason}")
    pytest.skip(reason)


def require(name: str) -> None:
    """Skip (fail under CI) unless the system-deps group ``name`` is installed."""
    missing = missing_system_deps(name)
    if missing:
        unavailable(f"needs system packages '{name}' (no {', '.join(missing)}): tools/system-deps --install {name}")
