"""The Python backend: IR → a typed, stdlib-only codec module per model version.

``emit_python(schema)`` gives ``{"devstate_codecs/<model>_v<major>_<minor>.py": source}``;
``emit_python_package()`` gives the files every generated package shares: the runtime
(``_runtime.py``, a verbatim copy of ``devstate/dsf1.py``, which the toolkit's wire layer
uses too), ``__init__.py``, ``py.typed``, ``pyproject.toml`` and a README. Together they form ``codegen/python/``,
an installable package (``devstate-codecs``) that needs nothing but the standard library
(and uses the ``crc32c`` package for speed when it is installed).

Stages: ``facts`` (what the IR means for Python: flat runs, sizes, names), then one
emitter per concern — ``classes`` (enums, flags, dataclasses), ``decode``, ``encode``
(with the exact checkers), ``convert`` (to_state/from_state) — assembled by ``module``.
"""

from __future__ import annotations

from pathlib import Path

from devstate import ir
from devstate.emit import GENERATED_MARKER, GENERATOR, module_stem
from devstate.emit.python.module import emit_module
from devstate.errors import EmitError

PACKAGE = "devstate_codecs"
RUNTIME_SOURCE = Path(__file__).resolve().parents[2] / "dsf1.py"
"""The one Python runtime (``devstate.dsf1``), copied verbatim as ``devstate_codecs/_runtime.py``."""


def emit_python(schema: ir.Schema) -> dict[str, str]:
    """The generated module of ``schema``: relative file name → text."""
    if schema.is_library:
        raise EmitError(f"{schema.ident} is a types-only library schema; it has no codec")
    return {f"{PACKAGE}/{module_stem(schema.model, schema.version)}.py": emit_module(schema)}


def emit_python_package() -> dict[str, str]:
    """The files shared by every generated module (runtime, package marker, packaging)."""
    banner = f"# {GENERATED_MARKER} ({GENERATOR}) — do not edit.\n"
    runtime = RUNTIME_SOURCE.read_text(encoding="utf-8")
    return {
        f"{PACKAGE}/__init__.py": banner + PACKAGE_INIT,
        f"{PACKAGE}/_runtime.py": f"# {GENERATED_MARKER} ({GENERATOR}): a copy of devstate/dsf1.py "
                                  "— do not edit.\n" + runtime,
        f"{PACKAGE}/py.typed": "",
        "pyproject.toml": banner + PYPROJECT,
        "README.md": f"<!-- {GENERATED_MARKER} ({GENERATOR}) — do not edit. -->\n" + README,
    }


PACKAGE_INIT = '''"""Generated DSF codecs for the standard devstate schemas (Python standard library only).

One module per model version, named ``<model>_v<major>_<minor>`` (``org.virtio.net`` 1.1 is
``devstate_codecs.org_virtio_net_v1_1``), each with ``decode``, ``encode``, ``encode_into``,
``to_state``, ``from_state`` and typed classes. ``load(model, version)`` imports one by name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from . import _runtime
from ._runtime import (
    CRC32C_IMPLEMENTATION,
    DEFAULT_LIMITS,
    Buffer,
    DecodeError,
    EncodeError,
    ErrorCode,
    Limits,
    UnknownSection,
    WireError,
)

__all__ = [
    "CRC32C_IMPLEMENTATION",
    "DEFAULT_LIMITS",
    "Buffer",
    "DecodeError",
    "EncodeError",
    "ErrorCode",
    "Limits",
    "UnknownSection",
    "WireError",
    "load",
    "module_name",
]


def module_name(model: str, version: str) -> str:
    """``("org.virtio.net", "1.1")`` → ``"org_virtio_net_v1_1"``."""
    major, _, minor = version.partition(".")
    return _runtime.module_name(model, int(major), int(minor))


def load(model: str, version: str) -> ModuleType:
    """The generated module of ``model`` at ``version`` (ImportError if none was generated)."""
    return importlib.import_module(f"{__name__}.{module_name(model, version)}")
'''

PYPROJECT = '''[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "devstate-codecs"
version = "0.1.0"
description = "Generated DSF device-state codecs for the standard devstate schemas (stdlib only)"
readme = "README.md"
requires-python = ">=3.11"
license = "Apache-2.0"
dependencies = []

[project.optional-dependencies]
fast = ["crc32c>=2.4"]

[tool.hatch.build.targets.wheel]
packages = ["devstate_codecs"]

[tool.ruff]
line-length = 120
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]
ignore = ["RUF001", "RUF002", "RUF003"]

[tool.mypy]
python_version = "3.11"
strict = true
'''

README = '''# devstate-codecs

Generated [DSF](../../spec/wire-format.md) codecs for the standard devstate schemas: one
typed module per model version, depending only on the Python standard library. Install
the optional `crc32c` package (`pip install devstate-codecs[fast]`) for a
hardware-accelerated checksum; without it a pure-Python CRC-32C is used (correct, but
about 1000x slower on large blobs).

```python
from devstate_codecs import org_virtio_net_v1_1 as net

state = net.decode(blob)                 # bytes, bytearray, memoryview or mmap
state.queues[0].size = 256
blob = net.encode(state)                 # or net.encode_into(state, buffer, offset)
plain = net.to_state(state)              # devstate's plain state dict
```

A device implementation can also copy one module and `_runtime.py` into a package of its
own. Regenerate with `devstate gen --lang python SCHEMA... -o DIR`; `devstate gen --check`
verifies that this directory matches the generator.
'''
