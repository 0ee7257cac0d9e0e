"""``slant eval TASK``: score slant's models on held-out data with each shared task's official rules.

``EVALUATORS`` maps a task name to ``fn(data_dir: Path, **options) -> str``, which runs the model
on the task's validation split and returns the printed report (tables of scores beside the
published baselines).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .errors import SlantError

EVALUATORS: dict[str, Callable[..., str]] = {}


def evaluator(task: str) -> Callable[..., str]:
    """The scoring function of ``task``; an unknown name is an error listing the known ones."""
    try:
        return EVALUATORS[task]
    except KeyError:
        known = ", ".join(sorted(EVALUATORS)) or "none yet"
        raise SlantError(f"unknown evaluation task {task!r}; known: {known}") from None


def evaluate(task: str, data_dir: Path, **options) -> str:
    return evaluator(task)(data_dir, **options)


# --- persuasion techniques (SemEval-2023 Task 3 subtask 3, SemEval-2020 Task 11) ---------------

# Published English reference point, for the report: the organisers' baseline of SemEval-2023 Task 3
# subtask 3 on the English test set (Piskorski et al., 2023), about 0.16 micro-F1.
TECHNIQUE_BASELINES = {"paragraph micro-F1": 0.16}


def predict_task_articles(tasks, model=None) -> list:
    """Copies of the task articles (text and the task's paragraphs only) annotated by ``model``."""
    from .analysers.techniques import TechniqueModel
    from .article import Article

    model = model or TechniqueModel()
    model.load()
    preds = []
    for ta in tasks:
        art = Article(text=ta.article.text, meta=ta.article.meta, paragraphs=list(ta.article.paragraphs))
        preds.append(art)
    model.predict(preds)
    return preds


def score_techniques(tasks, preds) -> dict:
    """All technique scores of predicted Articles against the gold TaskArticles they copy."""
    from . import scoring, taxonomy

    names = taxonomy.names()
    gold_par = {}
    pred_par = {}
    gold_si, pred_si, gold_flc, pred_flc = {}, {}, {}, {}
    for ta, art in zip(tasks, preds, strict=True):
        for pt in ta.article.paragraph_techniques:
            gold_par[(ta.id, ta.line_numbers[pt.paragraph])] = list(pt.techniques)
        for pt in art.paragraph_techniques:
            pred_par[(ta.id, ta.line_numbers[pt.paragraph])] = list(pt.techniques)
        gold_flc[ta.id] = [(t.start, t.end, t.technique) for t in ta.article.techniques]
        pred_flc[ta.id] = [(t.start, t.end, t.technique) for t in art.techniques]
        gold_si[ta.id] = [(s, e) for s, e, _ in gold_flc[ta.id]]
        pred_si[ta.id] = [(s, e) for s, e, _ in pred_flc[ta.id]]
    micro, macro, per_par = scoring.paragraph_labels(gold_par, pred_par, names)
    si = scoring.span_identification(gold_si, pred_si)
    flc, per_flc = scoring.span_labelling(gold_flc, pred_flc, labels=names)
    return {"articles": len(tasks), "paragraphs": len(gold_par), "paragraph_micro": micro,
            "paragraph_macro": macro, "paragraph_per": per_par, "si": si, "flc": flc, "flc_per": per_flc}


def score_ptc(ptc_tasks, preds) -> dict:
    """SI and span+label F1 in the 14 labels of SemEval-2020 Task 11 against the PTC gold."""
    from . import scoring, taxonomy

    tax = taxonomy.load()
    gold_si, pred_si, gold_flc, pred_flc = {}, {}, {}, {}
    for ta, art in zip(ptc_tasks, preds, strict=True):
        gold_flc[ta.id] = [(t.start, t.end, t.technique) for t in ta.article.techniques]
        pred_flc[ta.id] = [(t.start, t.end, tax.to_semeval2020(t.technique)) for t in art.techniques
                           if tax.to_semeval2020(t.technique)]
        gold_si[ta.id] = [(s, e) for s, e, _ in gold_flc[ta.id]]
        pred_si[ta.id] = [(t.start, t.end) for t in art.techniques]
    si = scoring.span_identification(gold_si, pred_si)
    flc, per = scoring.span_labelling(gold_flc, pred_flc, labels=tax.semeval2020_labels)
    return {"articles": len(ptc_tasks), "si": si, "flc": flc, "flc_per": per}


def techniques_scores(data_dir: Path, split: str = "test", model=None, ptc: bool = True) -> dict:
    """Scores of the technique model on one part of the shipped split (``test`` is held out)."""
    from . import corpora
    from .analysers.techniques import MODEL_DIR, TechniqueModel

    model = model or TechniqueModel()
    split_file = model.folder / "split.json" if model.folder.joinpath("split.json").is_file() else MODEL_DIR / "split.json"
    ids = set(json.loads(split_file.read_text("utf-8"))[split])
    tasks = [t for t in corpora.semeval2023_techniques(data_dir) if t.id in ids]
    if not tasks:
        raise SlantError(f"none of the {split} articles of {split_file} found under {data_dir}")
    out = score_techniques(tasks, predict_task_articles(tasks, model))
    out["split"] = split
    if ptc and (Path(data_dir) / "ptc-semeval2020").is_dir():
        ptc_tasks = [t for t in corpora.ptc_techniques(data_dir) if t.id in ids]
        if ptc_tasks:
            out["ptc"] = score_ptc(ptc_tasks, predict_task_articles(ptc_tasks, model))
    return out


def techniques_report(scores: dict) -> str:
    """The printed report of :func:`techniques_scores`: headline scores and a per-technique table."""
    from . import taxonomy

    tax = taxonomy.load()
    m, si, flc = scores["paragraph_micro"], scores["si"], scores["flc"]
    lines = [
        f"Persuasion techniques, English, {scores['split']} split: {scores['articles']} articles, "
        f"{scores['paragraphs']} paragraphs",
        "",
        f"{'measure':<44}{'P':>7}{'R':>7}{'F1':>7}   published baseline",
        f"{'paragraph micro-F1 (SemEval-2023 ST3)':<44}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}"
        f"   ~{TECHNIQUE_BASELINES['paragraph micro-F1']:.2f} (organisers, en test)",
        f"{'paragraph macro-F1 (SemEval-2023 ST3)':<44}{'':>14}{scores['paragraph_macro']:7.3f}",
        f"{'span identification F1 (SemEval-2020 SI)':<44}{si.precision:7.3f}{si.recall:7.3f}{si.f1:7.3f}",
        f"{'span+label partial-overlap F1 (23 labels)':<44}{flc.precision:7.3f}{flc.recall:7.3f}{flc.f1:7.3f}",
    ]
    if "ptc" in scores:
        p = scores["ptc"]
        lines += [
            f"{'PTC gold: span identification F1':<44}{p['si'].precision:7.3f}{p['si'].recall:7.3f}{p['si'].f1:7.3f}"
            f"   ({p['articles']} articles)",
            f"{'PTC gold: span+label F1 (14 labels)':<44}{p['flc'].precision:7.3f}{p['flc'].recall:7.3f}"
            f"{p['flc'].f1:7.3f}",
        ]
    lines += ["", f"{'technique':<34}{'category':<22}{'para F1':>8}{'gold':>6}{'span F1':>9}{'gold':>6}"]
    for name in tax.names:
        pp, sp = scores["paragraph_per"][name], scores["flc_per"][name]
        lines.append(f"{name:<34}{tax.category(name):<22}{pp.f1:8.3f}{pp.n_gold:6d}{sp.f1:9.3f}{sp.n_gold:6d}")
    return "\n".join(lines)


def _techniques(data_dir: Path, split: str = "test", **options) -> str:
    if options.get("llm"):  # the LLM (slant.llm, use replace) beside the shipped model, same articles
        from .llm.evaluate import compare_techniques

        return compare_techniques(Path(data_dir), split=split, limit=options.get("limit"), **options["llm"])
    return techniques_report(techniques_scores(Path(data_dir), split=split))


EVALUATORS["techniques"] = _techniques


def _explain(data_dir: Path, **options) -> str:
    """The LLM's explanations (slant.llm, use explain) against SemEval-2025 Task 10 subtask 3's."""
    if not options.get("llm"):
        raise SlantError("eval explain scores an LLM: give its endpoint with --llm URL")
    from .llm.evaluate import evaluate_explain

    return evaluate_explain(Path(data_dir), limit=options.get("limit") or 20, **options["llm"])


EVALUATORS["explain"] = _explain


# --- subjectivity (CLEF CheckThat! 2025 Task 1) -------------------------------------------------


def _subjectivity(data_dir: Path, split: str = "test", **options) -> str:
    """Macro-F1 over SUBJ/OBJ and SUBJ-F1 of the shipped head on a part of its split."""
    from .analysers.subjectivity import MODEL_DIR, SubjectivityModel
    from .scoring import subjectivity_scores
    from .train.subjectivity import split_sentences

    folder = Path(options.get("model") or MODEL_DIR)
    model = SubjectivityModel(folder)
    model.load()
    parts = split_sentences(Path(data_dir), folder)
    if split not in parts:
        raise SlantError(f"unknown split {split!r}; use train, dev or test")
    sents = parts[split]
    gold = [s.label for s in sents]
    feats = model.sentence_features([s.text for s in sents])
    lines = [
        f"Subjectivity, CheckThat! 2025 English, {split} part of slant's split: {len(sents)} sentences "
        f"({sum(g == 'SUBJ' for g in gold)} SUBJ), each encoded on its own (the task's setting)",
    ]
    for head in model.heads:
        sc = subjectivity_scores(gold, [model.label(float(p), head) for p in model.head_probs(feats, head)])
        lines += [
            "",
            f"{head} head, threshold {model.thresholds[head]:.2f}"
            + ("  (the analyser's default: reads the article's shared pass)" if head == "context" else ""),
            f"{'measure':<28}{'P':>7}{'R':>7}{'F1':>7}",
            f"{'SUBJ':<28}{sc['subj_p']:>7.3f}{sc['subj_r']:>7.3f}{sc['subj_f1']:>7.3f}",
            f"{'OBJ':<28}{sc['obj_p']:>7.3f}{sc['obj_r']:>7.3f}{sc['obj_f1']:>7.3f}",
            f"{'macro-F1 (official)':<28}{'':>14}{sc['macro_f1']:>7.3f}   baseline ~0.66 (LR on sentence embeddings)",
            f"{'accuracy':<28}{'':>14}{sc['accuracy']:>7.3f}",
        ]
    if "context" in model.heads and (Path(data_dir) / "semeval2023-task3").is_dir() \
            and (folder / "split.json").is_file():
        from .train.subjectivity import context_scores

        cs = context_scores(Path(data_dir), folder, model, split)
        lines += [
            "",
            f"Inside articles: {cs['sentences']} sentences of the {cs['articles']} SemEval-2023 {split} articles,",
            "each read off its article's pass, against the sentence head's label for it encoded alone",
            f"{'head on the article pass':<28}{'macro-F1':>9}{'SUBJ share':>12}",
            f"{'context head':<28}{cs['agreement']['macro_f1']:>9.3f}{cs['share']['context']:>12.1%}",
            f"{'sentence head':<28}{cs['naive_agreement']['macro_f1']:>9.3f}{cs['share']['naive']:>12.1%}",
            f"{'(sentence head, alone)':<28}{'':>9}{cs['share']['alone']:>12.1%}",
        ]
    return "\n".join(lines)


EVALUATORS["subjectivity"] = _subjectivity


# --- actors layer: entity roles (SemEval-2025 Task 10 subtask 1), quote attribution -------------


def _roles(data_dir: Path, **options) -> str:
    from .actors_eval import evaluate_roles

    return evaluate_roles(data_dir, **options)


def _quotes(data_dir: Path, **options) -> str:
    from .actors_eval import evaluate_quotes

    return evaluate_quotes(data_dir, **options)


EVALUATORS["roles"] = _roles
EVALUATORS["quotes"] = _quotes


# --- document labels: genre, frames (SemEval-2023 Task 3), narratives (SemEval-2025 Task 10) ----

from .doclabels_tasks import eval_frames, eval_genre, eval_narratives  # noqa: E402

EVALUATORS["genre"] = eval_genre
EVALUATORS["frames"] = eval_frames
EVALUATORS["narratives"] = eval_narratives


def _narratives_with_llm(data_dir: Path, **options) -> str:
    """With --llm: the LLM (slant.llm, replace:narratives) beside the shipped narratives head."""
    if options.get("llm"):
        from .llm.evaluate import compare_narratives

        return compare_narratives(Path(data_dir), limit=options.get("limit"), **options["llm"])
    return eval_narratives(data_dir, **options)


EVALUATORS["narratives"] = _narratives_with_llm
