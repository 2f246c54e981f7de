"""Every feature case of tests/cases/ through every codec: interpreter, generated Python, C and Rust.

For each valid case: decoding the blob gives exactly the state, and the codec's re-encoding
of what it decoded is exactly the canonical blob; the interpreter and generated Python also
encode the JSON state to exactly those bytes. For each error case: exactly the code, number,
offset and path, and for the interpreter and generated Python exactly the case's message (the
reference's words; the C and Rust drivers report none). For each state the encoders must refuse:
the code, number and path, and the message likewise. The golden snippets of each feature's generated code are
compared here (``python -m tools.regenerate`` rewrites them). tests/cases/README.md describes the
files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import case_files as cases
import pytest
from case_codecs import CODECS, Codec, close_drivers
from case_files import GOLDEN_FILES, Feature, Invalid, Unencodable, Valid
from case_snippets import snippet


def _with_needs(codec: Codec) -> object:
    marks = [pytest.mark.needs(codec.needs)] if codec.needs else []
    return pytest.param(codec, id=codec.name, marks=marks)


ALL_CODECS = [_with_needs(codec) for codec in CODECS]
ENCODERS = [_with_needs(codec) for codec in CODECS if codec.encode is not None]
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


@pytest.mark.parametrize("codec", ENCODERS)
@pytest.mark.parametrize("case", cases.all_valid(), ids=lambda case: case.id)
def test_valid_case_state_encodes_to_the_canonical_blob(case: Valid, codec: Codec) -> None:
    assert codec.encode is not None
    assert codec.encode(_schema(case.feature).schema, case.state).hex() == case.canonical.hex()


@pytest.mark.parametrize("codec", ALL_CODECS)
@pytest.mark.parametrize("case", cases.all_invalid(), ids=lambda case: case.id)
def test_error_case_gives_the_error(case: Invalid, codec: Codec) -> None:
    """The interpreter and generated Python word the error exactly as the case does; C and Rust report no message."""
    got = codec.decode(_schema(case.feature).schema, case.blob, case.limits)
    message = case.message if codec.name in MESSAGES else None
    assert got == ("error", case.code, case.number, case.offset, case.path, message)


@pytest.mark.parametrize("codec", ENCODERS)
@pytest.mark.parametrize("case", cases.all_unencodable(), ids=lambda case: case.id)
def test_unencodable_state_gives_the_error(case: Unencodable, codec: Codec) -> None:
    got = codec.refusal(_schema(case.feature).schema, case.state)
    assert got is not None, "the state encoded"
    message = case.message if codec.name in MESSAGES else None
    assert got == (case.code, case.number, case.path, message)


@pytest.mark.parametrize("lang", sorted(GOLDEN_FILES))
@pytest.mark.parametrize("feature", cases.load_cases(), ids=lambda feature: feature.name)
def test_golden_snippet(feature: Feature, lang: str, golden: Callable[[Path, str], None]) -> None:
    golden(feature.golden(lang), snippet(lang, feature.schema))


def test_every_feature_has_valid_and_error_cases() -> None:
    """A feature folder with only one kind of case is unfinished (the loader refuses empty ones)."""
    lacking = [f.name for f in cases.load_cases() if not f.valid or not f.invalid]
    assert lacking == []
