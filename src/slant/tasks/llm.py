"""``slant eval techniques --llm URL``: the LLM (use ``replace``) beside the shipped model, same split,
same scorer.

Both label copies of the same task articles (text and the task's paragraphs only), and
``slant.tasks.techniques.score_techniques`` scores both with the official rules of SemEval-2023 Task 3
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
    from . import corpora
    from ..analysers.techniques import MODEL_DIR

    from .techniques import split_ids

    if split not in ("dev", "test"):
        raise SlantError(f"unknown split {split!r}; use dev or test (the shipped model's split)")
    ids = split_ids(MODEL_DIR / "split.json", split)
    tasks = sorted((t for t in corpora.semeval2023_techniques(data_dir) if t.id in ids), key=lambda t: t.id)
    if not tasks:
        raise SlantError(f"none of the {split} articles of {MODEL_DIR / 'split.json'} found under {data_dir}")
    return tasks[:limit] if limit else tasks


def llm_predictions(tasks: list, **llm_options: Any) -> tuple[list, Any]:
    """Copies of the task articles labelled by the LLM (replace:techniques), and the reader."""
    from ..article import Article
    from ..llm.reader import LLMReader

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
    from .techniques import predict_task_articles, score_techniques

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


# --- explain: SemEval-2025 Task 10 subtask 3 ---------------------------------------------------------
_WORD = None


def _words(text: str) -> list[str]:
    import re

    global _WORD
    _WORD = _WORD or re.compile(r"\w+", re.UNICODE)
    return _WORD.findall(text.lower())


def token_f1(pred: str, gold: str) -> float:
    """Unigram-overlap F1 of two texts (the SQuAD answer F1, lower-cased words): a cheap, transparent
    stand-in for the task's BERTScore-F1, which needs a scoring model slant does not ship."""
    from collections import Counter

    p, g = Counter(_words(pred)), Counter(_words(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def evaluate_explain(data_dir: Path, *, limit: int | None = 20, **llm_options: Any) -> str:
    """Explanations of the dominant narrative against the organisers' (SemEval-2025 Task 10 subtask
    3, English training documents; there is no English dev set and slant trains nothing on them
    for this use). As in the task, the dominant narrative is given: it is the hint of the prompt."""
    from ..analysers.segment import Segmenter
    from ..article import DocLabel
    from ..readers.tasks import parse_task_file
    from ..llm.reader import LLMReader

    base = Path(data_dir) / "semeval2025-task10" / "train" / "EN"
    ann = base / "subtask-3-annotations.txt"
    if not ann.is_file():
        raise SlantError(f"no SemEval-2025 Task 10 subtask 3 annotations at {ann}")
    rows = sorted(line.split("\t") for line in ann.read_text("utf-8").splitlines() if line.count("\t") >= 3)
    rows = rows[:limit] if limit else rows
    seg = Segmenter()
    arts, gold = [], []
    for doc, narrative, sub, explanation, *_ in rows:
        path = base / "raw-documents" / doc
        art = seg(parse_task_file(path.read_bytes(), path, "semeval2025"))
        label = sub if sub and sub != "none" else narrative
        art.labels = [DocLabel(task="narratives", label=label, score=1.0)]
        arts.append(art)
        gold.append(explanation)
    options = dict(llm_options)
    options["uses"] = ["explain"]
    reader = LLMReader(**options)
    try:
        preds = list(reader.pipe(arts, batch_size=8))
    finally:
        reader.close()
    recs = [next((r for r in a.llm if r.use == "explain"), None) for a in preds]
    answered = [(r, g) for r, g in zip(recs, gold) if r is not None and not r.error]
    f1 = [token_f1(r.text, g) for r, g in answered]
    grounded = sum(1 for r, _ in answered if r.evidence)
    model = reader.client.model or llm_options.get("model") or "endpoint default"
    mean = sum(f1) / len(f1) if f1 else 0.0
    return "\n".join([
        f"Explanations of the dominant narrative, SemEval-2025 Task 10 subtask 3, English training documents: "
        f"{len(rows)}{f' (the first {limit} by id)' if limit else ''}; {model} at {reader.client.url}",
        "",
        f"{'answered (valid, after at most one retry)':<46}{len(answered):>5} / {len(rows)}",
        f"{'grounded (at least one quote located)':<46}{grounded:>5} / {len(rows)}",
        f"{'token F1 with the gold explanation (mean)':<46}{mean:>11.3f}   (the task scores BERTScore-F1)",
        "",
        reader.summary(),
    ])


# --- narratives: SemEval-2025 Task 10 subtask 2 --------------------------------------------------------
def compare_narratives(data_dir: Path, *, limit: int | None = None, **llm_options: Any) -> str:
    """Narrative samples-F1 (the official measure) of the shipped narratives head and of the LLM
    replacing it, on the head's English validation documents (``models/narratives/head.json``)."""
    from . import corpora
    from ..analysers.narratives import Narratives
    from ..analysers.segment import Segmenter
    from ..article import Article
    from ..doclabels import MODELS
    from .scoring import samples_f1
    from ..llm.reader import LLMReader

    head = MODELS / "narratives" / "head.json"
    val = json.loads(head.read_text("utf-8")).get("validation", [])
    ids = set(val.get("EN", []) if isinstance(val, dict) else val)  # by language since the multilingual heads
    docs = sorted((d for d in corpora.semeval2025_narratives(data_dir, "EN") if d.id in ids), key=lambda d: d.id)
    if not docs:
        raise SlantError(f"none of the validation documents of {head} found under {data_dir}")
    docs = docs[:limit] if limit else docs
    seg = Segmenter()

    def copies() -> list:
        return [seg(Article(text=d.article.text, meta=d.article.meta)) for d in docs]

    shipped = list(Narratives().pipe(copies()))
    options = dict(llm_options)
    options["uses"] = ["replace:narratives"]
    reader = LLMReader(**options)
    try:
        preds = list(reader.pipe(copies(), batch_size=8))
    finally:
        reader.close()

    def names(art) -> list[str]:  # noqa: ANN001
        return [lab.label for lab in art.labels if lab.task == "narratives"]

    gold = [d.labels for d in docs]
    s, s_sd = samples_f1(gold, [names(a) for a in shipped])
    m, m_sd = samples_f1(gold, [names(a) for a in preds])
    o, _ = samples_f1(gold, [["Other"]] * len(gold))
    model = reader.client.model or llm_options.get("model") or "endpoint default"
    failed = sum(1 for a in preds for r in a.llm if r.error)
    return "\n".join([
        f"Narratives, SemEval-2025 Task 10 subtask 2, English validation documents of the shipped head: "
        f"{len(docs)}{f' (the first {limit} by id)' if limit else ''}",
        f"shipped head beside the LLM replacing it: {model} at {reader.client.url}",
        "",
        f"{'measure':<40}{'shipped':>9}{'std':>7}{'LLM':>9}{'std':>7}{'always Other':>14}",
        f"{'samples-F1, narratives (official)':<40}{s:>9.3f}{s_sd:>7.3f}{m:>9.3f}{m_sd:>7.3f}{o:>14.3f}",
        "",
        reader.summary(),
        f"LLM questions without a usable answer: {failed}" + (f" ({reader.problems[0]})" if reader.problems else ""),
    ])
