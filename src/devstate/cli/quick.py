"""The usual forms of the per-call verbs, answered without importing click.

Management software runs ``devstate check-migration --source A --dest B [--json]`` once per
VM move and scripts run ``devstate inspect FILE`` or ``devstate validate FILE...`` per file:
importing click costs more than the rest of such a call once its answer is kept
(``devstate.result_cache``). ``answer`` recognises exactly those forms, with no
``devstate.toml`` in effect, and runs the same function the click command runs
(``inspect_verb``, ``validate_verb``, ``migration_check``) with the values click would have
passed. Any other argument list (another verb or option, ``--help``, ``--opt=value``, a
repeated option, a value that looks like an option, shell completion, a config file) is
left to the click group, so every message and exit status stays click's own; an error
inside a verb is printed by ``output.fail`` as it is under click.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from devstate.cli import CONFIG_NAME

Verb = Callable[[], int | None]
"""A recognised call, ready to run: returns the exit status (None: 0)."""


def answer(argv: list[str]) -> int | None:
    """The exit status of ``devstate ARGV`` when answered here, or None: leave it to click."""
    call = _recognise(argv)
    if call is None or not _plain_environment():
        return None
    from devstate.cli.output import answering_json

    answering_json("--json" in argv)  # fail() prints errors as JSON too, as under click
    try:
        return _run(call)
    finally:
        answering_json(False)


def _plain_environment() -> bool:
    """No shell completion request and no devstate.toml (it would change option defaults)."""
    if any(name.endswith("_COMPLETE") and name.startswith("_") for name in os.environ):
        return False
    try:
        start = Path.cwd()
        return not any((directory / CONFIG_NAME).is_file() for directory in (start, *start.parents))
    except OSError:
        return False


def _recognise(argv: list[str]) -> Verb | None:
    if not argv:
        return None
    verb, rest = argv[0], argv[1:]
    flags = [a for a in rest if a == "--json"]
    others = [a for a in rest if a != "--json"]
    if len(flags) > 1:
        return None
    as_json = bool(flags)
    if verb == "inspect" and len(others) == 1 and _is_value(others[0]):
        return lambda: _inspect(Path(others[0]), as_json)
    if verb == "validate" and others and all(_is_value(a) for a in others):
        return lambda: _validate(tuple(map(Path, others)), as_json)
    if verb == "check-migration":
        options = _options(others, ("--source", "--dest"))
        if options is not None:
            return lambda: _check_migration(Path(options["--source"]), Path(options["--dest"]), as_json)
    return None


def _is_value(argument: str) -> bool:
    """What click reads as a value, never as an option: ``-`` or anything not starting with -."""
    return argument == "-" or not argument.startswith("-")


def _options(arguments: list[str], names: tuple[str, ...]) -> dict[str, str] | None:
    """Each of ``names`` exactly once, each followed by its value, and nothing else."""
    if len(arguments) != 2 * len(names):
        return None
    found = dict(zip(arguments[::2], arguments[1::2], strict=True))
    if set(found) != set(names) or len(found) != len(names) or not all(map(_is_value, found.values())):
        return None
    return found


def _inspect(file: Path, as_json: bool) -> None:
    from devstate.cli.inspect_verb import inspect_file
    from devstate.wire.limits import DEFAULT_LIMITS

    inspect_file(file, as_json, DEFAULT_LIMITS)


def _validate(paths: tuple[Path, ...], as_json: bool) -> int:
    from devstate.cli.validate_verb import validate_paths
    from devstate.wire.limits import DEFAULT_LIMITS

    return validate_paths(paths, as_json, "text", DEFAULT_LIMITS)


def _check_migration(source: Path, dest: Path, as_json: bool) -> int:
    from devstate.cli.migration_check import check_migration

    return check_migration(source, dest, None, as_json, None)


def _run(call: Verb) -> int:
    """Run ``call`` as click's standalone mode would: ``fail``'s exit, ^C, a closed pipe."""
    try:
        return call() or 0
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        return 1
    except OSError as exc:
        import errno

        if exc.errno != errno.EPIPE:
            raise
        from click.utils import _PacifyFlushWrapper

        sys.stdout = _PacifyFlushWrapper(sys.stdout)
        sys.stderr = _PacifyFlushWrapper(sys.stderr)
        return 1
    except Exception as exc:
        click = sys.modules.get("click")  # imported by output.fail, which raised this
        if click is not None and isinstance(exc, click.exceptions.Exit):
            return int(exc.exit_code)
        raise
