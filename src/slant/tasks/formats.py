"""``slant predict FORMAT``: shared-task submission files.

``PREDICTORS`` maps a format name (as typed after ``slant predict``) to a function
``fn(inputs: list[Path], out: TextIO, **options) -> int`` that analyses the inputs and writes the
task's submission format to ``out``, returning the number of lines written. The functions live
with their task family (:mod:`.techniques`, :mod:`.subjectivity`, :mod:`.roles`, :mod:`.doclabels`);
this module only names them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import SlantError
from . import claims, doclabels, roles, stories, subjectivity, techniques

PREDICTORS: dict[str, Callable[..., int]] = {
    # persuasion techniques: SemEval-2023 Task 3 subtask 3, SemEval-2020 Task 11
    "semeval2023-st3": techniques.predict_st3,
    "semeval2020-flc": techniques.predict_flc,
    "semeval2020-tc": techniques.predict_tc,
    # subjectivity: CLEF CheckThat! 2025 Task 1
    "checkthat-subjectivity": subjectivity.predict_checkthat_subjectivity,
    # check-worthy claims: CLEF CheckThat! 2024 Task 1
    "checkthat-checkworthiness": claims.predict_checkthat_checkworthiness,
    # entity roles: SemEval-2025 Task 10 subtask 1
    "semeval2025-st1": roles.predict_roles,
    # document labels: genre and frames (SemEval-2023 Task 3), narratives (SemEval-2025 Task 10)
    "semeval2023-st1": doclabels.predict_st1,
    "semeval2023-st2": doclabels.predict_st2,
    "semeval2025-st2": doclabels.predict_narratives,
    # story similarity: SemEval-2022 Task 8 (pairs in, pair_id<TAB>Overall out)
    "semeval2022-task8": stories.predict_semeval2022,
}


def predict(name: str, inputs: list[Path], out: TextIO, **options) -> int:
    try:
        fn = PREDICTORS[name]
    except KeyError:
        known = ", ".join(sorted(PREDICTORS)) or "none yet"
        raise SlantError(f"unknown prediction format {name!r}; known: {known}") from None
    return fn(inputs, out, **options)
