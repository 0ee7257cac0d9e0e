"""``slant eval techniques --llm URL``: the LLM (use ``replace``) beside the shipped model, same split,
same scorer.

Both label copies of the same task articles (text and the task's paragraphs only), and
``slant.evaluation.score_techniques`` scores both with the official rules of SemEval-2023 Task 3
subtask 3 (paragraph micro-/macro-F1) and SemEval-2020 Task 11 (span identification, span+label
F1). The default part is ``dev``, the validation articles of the shipped model's split
(``models/techniques/split.json``); ``--limit N`` takes the first N of them (by article id), for a
small or slow endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SlantError


def _task_articles(data_dir: Path, split: str, limit: int | None) -> list:
    from .. import corpora
    from ..analysers.techniques import MODEL_DIR

    parts = json.loads((MODEL_DIR / "split.json").read_text("utf-8"))
    if split not in parts or not isinstance(parts[split], list):
        raise SlantError(f"unknown split {split!r}; use dev or test (the shipped model's split)")
    ids = set(parts[split])
    tasks = sorted((t for t in corpora.semeval2023_techniques(data_dir) if t.id in ids), key=lambda t: t.id)
    if not tasks:
        raise SlantError(f"none of the {split} articles of {MODEL_DIR / 'split.json'} found under {data_dir}")
    return tasks[:limit] if limit else tasks


def llm_predictions(tasks: list, **llm_options: Any) -> tuple[list, Any]:
    """Copies of the task articles labelled by the LLM (replace:techniques), and the reader."""
    from ..article import Article
    from .reader import LLMReader

    options = dict(llm_options)
    options["uses"] = ["replace:techniques"]
    reader = LLMReader(**options)
    arts = [Article(text=t.article.text, meta=t.article.meta, paragraphs=list(t.article.paragraphs)) for t in tasks]
    try:
        preds = list(reader.pipe(arts, batch_size=8))
    finally:
        reader.close()
    return preds, reader


def compare_techniques(data_dir: Path, *, split: str = "dev", limit: int | None = None, **llm_options: Any) -> str:
    from ..evaluation import predict_task_articles, score_techniques

    tasks = _task_articles(Path(data_dir), split, limit)
    shipped = score_techniques(tasks, predict_task_articles(tasks))
    preds, reader = llm_predictions(tasks, **llm_options)
    llm = score_techniques(tasks, preds)
    model = reader.client.model or llm_options.get("model") or "endpoint default"
    failed = sum(1 for a in preds for r in a.llm if r.error)
    rows = [
        ("paragraph micro-F1 (SemEval-2023 ST3)", "paragraph_micro"),
        ("span identification F1 (SemEval-2020 SI)", "si"),
        ("span+label partial-overlap F1 (23 labels)", "flc"),
    ]
    lines = [
        f"Persuasion techniques, English, {split} part of the shipped split: {len(tasks)} articles, "
        f"{shipped['paragraphs']} paragraphs{f' (the first {limit} by id)' if limit else ''}",
        f"shipped model beside the LLM replacing it: {model} at {reader.client.url}",
        "",
        f"{'measure':<44}{'shipped P':>10}{'R':>7}{'F1':>7}{'LLM P':>10}{'R':>7}{'F1':>7}",
    ]
    for title, key in rows:
        s, m = shipped[key], llm[key]
        lines.append(f"{title:<44}{s.precision:>10.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
                     f"{m.precision:>10.3f}{m.recall:>7.3f}{m.f1:>7.3f}")
    lines.append(f"{'paragraph macro-F1 (SemEval-2023 ST3)':<44}{'':>17}{shipped['paragraph_macro']:>7.3f}"
                 f"{'':>17}{llm['paragraph_macro']:>7.3f}")
    lines += ["", reader.summary(),
              f"LLM questions without a usable answer: {failed}" + (f" ({reader.problems[0]})" if reader.problems else "")]
    return "\n".join(lines)
