"""The annotated corpora slant trains and evaluates on (../shared/data by default).

Users point slant at their own copy with ``--data DIR`` or the ``SLANT_DATA`` environment variable.
Texts of the shared-task layouts are used exactly as the files hold them (decoded UTF-8, nothing
normalised), so the organisers' character offsets apply unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SlantError

ENV = "SLANT_DATA"


def data_dir(explicit: str | Path | None = None, required: bool = True) -> Path | None:
    """The corpora folder: ``explicit``, else $SLANT_DATA, else ./shared/data or ../shared/data."""
    candidates = [Path(explicit)] if explicit else []
    if not candidates and os.environ.get(ENV):
        candidates = [Path(os.environ[ENV])]
    if not candidates:
        candidates = [Path("shared/data"), Path("../shared/data")]
    for c in candidates:
        if c.is_dir():
            return c
    if required:
        where = ", ".join(str(c) for c in candidates)
        raise SlantError(f"annotated corpora not found (looked in {where}); pass --data DIR or set {ENV}")
    return None
