"""``slant eval TASK``: score slant's models on held-out data with each shared task's official rules.

``EVALUATORS`` maps a task name to ``fn(data_dir: Path, **options) -> str``, which runs the model
on the task's validation split and returns the printed report (tables of scores beside the
published baselines). The functions live with their task family; this module only names them, and
sends ``--llm`` runs to :mod:`.llm` (which scores an LLM beside the shipped model with the same code).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import SlantError
from . import claims, doclabels, llm, quotes, roles, subjectivity, techniques


def _techniques(data_dir: Path, split: str | None = None, **options) -> str:
    if options.get("llm"):  # the LLM (slant.llm, use replace) beside the shipped model, same articles
        return llm.compare_techniques(Path(data_dir), split=split or "dev", limit=options.get("limit"), **options["llm"])
    return techniques.evaluate_techniques(data_dir, split=split, **options)


def _explain(data_dir: Path, **options) -> str:
    """The LLM's explanations (slant.llm, use explain) against SemEval-2025 Task 10 subtask 3's."""
    if not options.get("llm"):
        raise SlantError("eval explain scores an LLM: give its endpoint with --llm URL")
    return llm.evaluate_explain(Path(data_dir), limit=options.get("limit") or 20, **options["llm"])


def _narratives(data_dir: Path, **options) -> str:
    """With --llm: the LLM (slant.llm, replace:narratives) beside the shipped narratives head."""
    if options.get("llm"):
        return llm.compare_narratives(Path(data_dir), limit=options.get("limit"), **options["llm"])
    return doclabels.eval_narratives(data_dir, **options)


def _similarity(data_dir, **options) -> str:
    """Story similarity's table (:func:`slant.train.stories.evaluate_similarity`: it reads the
    trainer's cache of encoder states)."""
    from ..train.stories import evaluate_similarity

    return evaluate_similarity(data_dir, **options)


EVALUATORS: dict[str, Callable[..., str]] = {
    # persuasion techniques (SemEval-2023 Task 3 subtask 3, SemEval-2020 Task 11)
    "techniques": _techniques,
    # an LLM's explanations of narratives (SemEval-2025 Task 10 subtask 3)
    "explain": _explain,
    # subjectivity (CLEF CheckThat! 2025 Task 1)
    "subjectivity": subjectivity.evaluate_subjectivity,
    # check-worthy claims (CLEF CheckThat! 2024 Task 1, English)
    "claims": claims.evaluate_claims,
    # the actors layer: entity roles (SemEval-2025 Task 10 subtask 1), quote attribution
    "roles": roles.evaluate_roles,
    "quotes": quotes.evaluate_quotes,
    # document labels: genre, frames (SemEval-2023 Task 3), narratives (SemEval-2025 Task 10)
    "genre": doclabels.eval_genre,
    "frames": doclabels.eval_frames,
    "narratives": _narratives,
    # story similarity (SemEval-2022 Task 8; cross-lingual stand-in from SemEval-2025 Task 10)
    "similarity": _similarity,
    "stories": _similarity,
}


def evaluator(task: str) -> Callable[..., str]:
    """The scoring function of ``task``; an unknown name is an error listing the known ones."""
    try:
        return EVALUATORS[task]
    except KeyError:
        known = ", ".join(sorted(EVALUATORS)) or "none yet"
        raise SlantError(f"unknown evaluation task {task!r}; known: {known}") from None


def evaluate(task: str, data_dir: Path, **options) -> str:
    return evaluator(task)(data_dir, **options)
