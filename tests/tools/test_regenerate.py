"""tools/regenerate: one command for every generated artifact, and its --check mode that CI runs."""

from __future__ import annotations

import sys

from tools import regenerate


def test_regenerate_runs_every_generator_in_dependency_order() -> None:
    names = [name for name, _ in regenerate.steps(check=False)]
    assert names == ["python codecs", "c codecs", "rust codecs", "DSF conformance vectors",
                     "bridge conformance vectors", "inspect's standard section names",
                     "the standard schemas' facts (validate, check-migration)", "golden files"]
    commands = dict(regenerate.steps(check=False))
    assert commands["rust codecs"] == [sys.executable, "-m", "devstate", "gen", "--all", "--lang", "rust", "-o",
                                       "codegen/rust"]
    assert commands["golden files"][-1] == "--update-goldens"


def test_check_mode_writes_nothing() -> None:
    commands = dict(regenerate.steps(check=True))
    assert list(commands) == ["codecs (python, c, rust)", "DSF conformance vectors", "bridge conformance vectors",
                              "inspect's standard section names",
                              "the standard schemas' facts (validate, check-migration)", "golden files"]
    assert commands["codecs (python, c, rust)"][-2:] == ["gen", "--check"]
    assert all(command[-1] == "--check" for name, command in commands.items()
               if "vectors" in name or "names" in name or "facts" in name)
    assert "--update-goldens" not in commands["golden files"]
    assert all(command[0] == sys.executable for command in commands.values())


def test_a_failing_step_stops_the_run_and_says_which(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(regenerate, "steps", lambda check: [
        ("first", [sys.executable, "-c", "print('one')"]),
        ("broken", [sys.executable, "-c", "import sys; print('drift in x'); sys.exit(3)"]),
        ("never", [sys.executable, "-c", "raise SystemExit('must not run')"]),
    ])
    assert regenerate.main(["--check"]) == 1
    out, err = capsys.readouterr()
    assert out == "regenerate: first: up to date (" + out.split("(", 1)[1]
    assert err.startswith("regenerate: broken: FAILED (") and "drift in x" in err and "never" not in out + err
