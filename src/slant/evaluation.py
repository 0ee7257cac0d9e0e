"""``slant eval TASK``: score slant's models on held-out data with each shared task's official rules.

``EVALUATORS`` maps a task name to ``fn(data_dir: Path, **options) -> str``, which runs the model
on the task's validation split and returns the printed report (tables of scores beside the
published baselines).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import SlantError

EVALUATORS: dict[str, Callable[..., str]] = {}


def evaluate(task: str, data_dir: Path, **options) -> str:
    try:
        fn = EVALUATORS[task]
    except KeyError:
        known = ", ".join(sorted(EVALUATORS)) or "none yet"
        raise SlantError(f"unknown evaluation task {task!r}; known: {known}") from None
    return fn(data_dir, **options)
