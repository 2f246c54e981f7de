"""GitHub Actions annotations (workflow commands): ``::error file=F,line=L,col=C,title=T::message``.

Printed by ``--format github`` so that a CI run shows each finding on the line it is about.
"""

from __future__ import annotations


def annotation(level: str, file: str, line: int, col: int, title: str, message: str) -> str:
    """One workflow command line; ``level`` is ``error``, ``warning`` or ``notice``."""
    props = f"file={_prop(file)},line={line},col={col},title={_prop(title)}"
    return f"::{level} {props}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
