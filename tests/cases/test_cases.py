"""Every feature case of tests/cases/ through every codec: interpreter, generated Python, C and Rust.

For each valid case: decoding the blob gives exactly the state, and the codec's re-encoding
of what it decoded is exactly the canonical blob; each codec also encodes the JSON state to
exactly those bytes (C and Rust from the state's lines, tests/support/state_lines.py). For each
error case: exactly the code, number, offset and path, and for the interpreter and generated
Python exactly the case's message (the reference's words; the C and Rust drivers report none).
For each state the encoders must refuse: the code, number and path, and the message likewise; a
case's ``not_for`` says which of C and Rust cannot hold its state (checked), and it does not run
through those. The golden snippets of each feature's generated code are compared here
(``python -m tools.regenerate`` rewrites them). tests/cases/README.md describes the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import case_files as cases
import pytest
from case_codecs import CODECS, Codec, close_drivers
from case_files import GOLDEN_FILES, Feature, Invalid, Unencodable, Valid
from case_snippets import snippet
from state_lines import Inexpressible, state_lines


def _with_needs(codec: Codec) -> object:
    marks = [pytest.mark.needs(codec.needs)] if codec.needs else []
    return pytest.param(codec, id=codec.name, marks=marks)


ALL_CODECS = [_with_needs(codec) for codec in CODECS]
MESSAGES = {"interp", "python"}
"""The codecs whose errors carry a message: the reference's words, exactly."""


@pytest.fixture(scope="module", autouse=True)
def drivers() -> Iterator[None]:
    yield
    close_drivers()


def _schema(feature_name: str) -> Feature:
    return next(feature for feature in cases.load_cases() if feature.name == feature_name)


@pytest.mark.parametrize("codec", ALL_CODECS)
@pytest.mark.parametrize("case", cases.all_valid(), ids=lambda case: case.id)
def test_valid_case_decodes_to_the_state(case: Valid, codec: Codec) -> None:
    got = codec.decode(_schema(case.feature).schema, case.blob, {})
    assert got[:2] == ("ok", case.state), got
    assert got[2].hex() == case.canonical.hex(), "re-encoding the decoded state is not the canonical blob"


@pytest.mark.parametrize("codec", ALL_CODECS)
@pytest.mark.parametrize("case", cases.all_valid(), ids=lambda case: case.id)
def test_valid_case_state_encodes_to_the_canonical_blob(case: Valid, codec: Codec) -> None:
    assert codec.encode(_schema(case.feature).schema, case.state).hex() == case.canonical.hex()


@pytest.mark.parametrize("codec", ALL_CODECS)
@pytest.mark.parametrize("case", cases.all_invalid(), ids=lambda case: case.id)
def test_error_case_gives_the_error(case: Invalid, codec: Codec) -> None:
    """The interpreter and generated Python word the error exactly as the case does; C and Rust report no message."""
    got = codec.decode(_schema(case.feature).schema, case.blob, case.limits)
    message = case.message if codec.name in MESSAGES else None
    assert got == ("error", case.code, case.number, case.offset, case.path, message)


def _applicable(kept: bool) -> list[object]:
    """(case, codec) of every encode-error case and codec: those it applies to (``kept``), or those
    whose ``not_for`` says the codec's types cannot hold the state."""
    pairs = []
    for case in cases.all_unencodable():
        for codec in CODECS:
            if (codec.name not in case.not_for) == kept:
                marks = [pytest.mark.needs(codec.needs)] if codec.needs and kept else []
                pairs.append(pytest.param(case, codec, id=f"{case.id}-{codec.name}", marks=marks))
    return pairs


@pytest.mark.parametrize(("case", "codec"), _applicable(kept=True))
def test_unencodable_state_gives_the_error(case: Unencodable, codec: Codec) -> None:
    try:
        got = codec.refusal(_schema(case.feature).schema, case.state)
    except Inexpressible as exc:
        pytest.fail(f"{codec.name} cannot hold this state ({exc}): say why in the case's not_for")
    assert got is not None, "the state encoded"
    message = case.message if codec.name in MESSAGES else None
    assert got == (case.code, case.number, case.path, message)


@pytest.mark.parametrize(("case", "codec"), _applicable(kept=False))
def test_unencodable_state_not_for_a_codec_is_one_its_types_cannot_hold(case: Unencodable, codec: Codec) -> None:
    """A case marked not applicable to C or Rust (``not_for``) is so: its state has a value their
    state structs cannot hold, which the state lines refuse to write."""
    with pytest.raises(Inexpressible):
        state_lines(_schema(case.feature).schema, case.state, codec.name)


@pytest.mark.parametrize("lang", sorted(GOLDEN_FILES))
@pytest.mark.parametrize("feature", cases.load_cases(), ids=lambda feature: feature.name)
def test_golden_snippet(feature: Feature, lang: str, golden: Callable[[Path, str], None]) -> None:
    golden(feature.golden(lang), snippet(lang, feature.schema))


def test_every_feature_has_valid_and_error_cases() -> None:
    """A feature folder with only one kind of case is unfinished (the loader refuses empty ones)."""
    lacking = [f.name for f in cases.load_cases() if not f.valid or not f.invalid]
    assert lacking == []
