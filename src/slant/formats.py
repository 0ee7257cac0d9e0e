"""Shared-task formats: the one module behind ``slant predict`` (submission files) and the gold
readers ``slant eval`` scores against.

``PREDICTORS`` maps a format name (as typed after ``slant predict``) to a function
``fn(inputs: list[Path], out: TextIO, **options) -> int`` that analyses the inputs and writes the
task's submission format to ``out``, returning the number of lines written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .errors import SlantError

PREDICTORS: dict[str, Callable[..., int]] = {}


def predict(name: str, inputs: list[Path], out: TextIO, **options) -> int:
    try:
        fn = PREDICTORS[name]
    except KeyError:
        known = ", ".join(sorted(PREDICTORS)) or "none yet"
        raise SlantError(f"unknown prediction format {name!r}; known: {known}") from None
    return fn(inputs, out, **options)
