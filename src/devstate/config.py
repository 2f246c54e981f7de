"""The project configuration file, ``devstate.toml``: option defaults found upward from the cwd.

A vendor repository keeps its schemas and its limits in one place instead of repeating
``--schemas-dir`` on every command::

    # devstate.toml (in the working directory or any parent)
    schemas-dir = "schemas"           # --schemas-dir of every verb, and where MODEL@VERSION is looked up
    max-total-size = 67108864         # --max-total-size of every verb that reads blobs
    max-region-size = 16777216

    [encode]                          # defaults of one verb's options, by their long name
    strict = true
    [schema.json-schema]              # a sub-verb
    strict = true

    [compat]
    format = "github"                 # --format github
    [fleet]                           # a group: every fleet subcommand that has the option
    strict = true

Top-level keys apply to every verb (and subcommand) that has the option; tables apply to
the verb they name, by the options' long names. Relative paths are relative to the file. An
option given on the command line always wins; ``DEVSTATE_SCHEMAS`` wins over ``schemas-dir``.
A key that is no option of its verb, a table that names no verb or a value the option does
not take is ``CONFIG_INVALID``: ``devstate.cli.config_defaults`` checks a verb's table
against its click command when the verb runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstate.errors import UsageError
from devstate.fileio import io_error


class ConfigError(UsageError):
    """The configuration file is not valid TOML or has a key no verb takes."""

    code = "CONFIG_INVALID"


CONFIG_NAME = "devstate.toml"
GLOBAL_KEYS = ("schemas-dir", "max-total-size", "max-region-size", "max-depth", "max-sections", "max-unknown-sections")
"""Options every verb that has them takes from the top level (the reader limits: every one of them)."""
_PATH_KEYS = {"schemas-dir", "codegen-dir"}


@dataclass(frozen=True)
class Config:
    """A loaded ``devstate.toml``: the global option values and the per-verb tables."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    verbs: dict[str, Any] = field(default_factory=dict)

    @property
    def schemas_dir(self) -> Path | None:
        value = self.options.get("schemas-dir")
        return Path(value) if value is not None else None


def find_config(start: Path) -> Path | None:
    """The nearest ``devstate.toml`` in ``start`` or one of its parents."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path) -> Config:
    """Read and check ``path``; ``ConfigError`` (``IoError`` if unreadable) naming the file (and
    line, for TOML syntax) otherwise."""
    import tomllib  # only when there is a file: every command looks for one

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise io_error(path, exc) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    options = {key: value for key, value in document.items() if not isinstance(value, dict)}
    unknown = sorted(set(options) - set(GLOBAL_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (top-level keys: {', '.join(GLOBAL_KEYS)}; "
                         "per-verb options go in a [verb] table)")
    verbs = {key: value for key, value in document.items() if isinstance(value, dict)}
    return Config(path, _resolved(options, path.parent), {k: _resolved(v, path.parent) for k, v in verbs.items()})


def _resolved(table: dict[str, Any], base: Path) -> dict[str, Any]:
    return {key: (_resolved(value, base) if isinstance(value, dict)
                  else str(base / value) if key in _PATH_KEYS and isinstance(value, str) else value)
            for key, value in table.items()}
