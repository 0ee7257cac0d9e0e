"""Persuasion techniques in the shared tasks: SemEval-2023 Task 3 subtask 3 (paragraph techniques)
and SemEval-2020 Task 11 (spans: SI, FLC in the 14 labels, TC for given spans).

``slant eval techniques`` runs the shipped model on a part of its split (``test`` is held out) and
scores it with the official rules (:mod:`slant.tasks.scoring`); ``slant predict semeval2023-st3``,
``semeval2020-flc`` and ``semeval2020-tc`` write the tasks' submission files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TextIO

from ..errors import SlantError

# Published English reference point, for the report: the organisers' baseline of SemEval-2023 Task 3
# subtask 3 on the English test set (Piskorski et al., 2023), about 0.16 micro-F1.
TECHNIQUE_BASELINES = {"paragraph micro-F1": 0.16}


def predict_task_articles(tasks, model=None) -> list:
    """Copies of the task articles (text and the task's paragraphs only) annotated by ``model``."""
    from ..analysers.techniques import TechniqueModel
    from ..article import Article

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
    from .. import taxonomy
    from . import scoring

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
    from .. import taxonomy
    from . import scoring

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


# The five languages whose dev split has labels and an organisers' baseline output
# (``semeval2023-task3/baselines/baseline-output-subtask3-dev-LANG.txt``).
DEV_LANGS = ("fr", "ge", "it", "po", "ru")
LANG_NAMES = {"en": "English", "fr": "French", "ge": "German", "it": "Italian", "po": "Polish", "ru": "Russian"}


def split_ids(split_file: Path, split: str, lang: str = "en") -> set[str]:
    """The article ids of one part of a model's ``split.json``: the English model's
    ``{"train", "dev", "test"}``, or the multilingual model's ``{"langs": {lang: {"train", "val",
    "eval"}}}``, whose English "val" and "eval" are the dev and test parts."""
    raw = json.loads(split_file.read_text("utf-8"))
    if "langs" in raw:
        parts = raw["langs"].get(lang, {})
        part = {"dev": "val", "test": "eval"}.get(split, split) if lang == "en" else split
    else:
        parts = raw if lang == "en" else {}
        part = split
    if part not in parts:
        known = ", ".join(sorted(parts)) or "none"
        raise SlantError(f"{split_file}: no {split!r} part for {LANG_NAMES.get(lang, lang)} (it has: {known})")
    return set(parts[part])


def read_st3(path: Path) -> dict[tuple[str, int], list[str]]:
    """A SemEval-2023 subtask-3 file (``id<TAB>line<TAB>technique,technique``) as (id, line) -> names."""
    from .. import taxonomy

    tax = taxonomy.load()
    out: dict[tuple[str, int], list[str]] = {}
    for n, row in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        parts = row.split("\t")
        if not row.strip():
            continue
        if len(parts) < 2 or not parts[1].strip().isdigit():
            raise SlantError(f"{path}:{n}: expected id, line number, techniques separated by tabs")
        names = parts[2].split(",") if len(parts) > 2 else []
        out[(parts[0], int(parts[1]))] = [tax.normalise(x) for x in names if x.strip()]
    return out


def baseline_scores(data_dir: Path, tasks, lang: str) -> dict | None:
    """The organisers' baseline output for ``lang``'s dev split, scored with the same rules against
    the same gold paragraphs, or None when the file is absent."""
    from .. import taxonomy
    from . import scoring

    path = Path(data_dir) / "semeval2023-task3" / "baselines" / f"baseline-output-subtask3-dev-{lang}.txt"
    if not path.is_file():
        return None
    gold = {(ta.id, ta.line_numbers[pt.paragraph]): list(pt.techniques)
            for ta in tasks for pt in ta.article.paragraph_techniques}
    micro, macro, _ = scoring.paragraph_labels(gold, read_st3(path), taxonomy.names())
    return {"paragraph_micro": micro, "paragraph_macro": macro, "file": path.name}


def _model(model):
    from ..analysers.techniques import TechniqueModel

    if model is None or isinstance(model, (str, Path)):
        return TechniqueModel(Path(model)) if model else TechniqueModel()
    return model


def techniques_scores(data_dir: Path, split: str = "test", model=None, ptc: bool = True, lang: str = "en") -> dict:
    """Scores of the technique model on held-out articles of ``lang``. English: a part of the
    model's own split (``test`` is held out, ``dev`` chose the thresholds). Other languages: the
    organisers' dev split (``split="dev"``, held out from training), beside the organisers'
    baseline output scored the same way; ``split="val"`` is the part of the training articles a
    multilingual model held out to tune on."""
    from . import corpora
    from ..analysers.techniques import MODEL_DIR

    model = _model(model)
    split_file = model.folder / "split.json" if model.folder.joinpath("split.json").is_file() else MODEL_DIR / "split.json"
    if lang == "en":
        ids = split_ids(split_file, split, lang)
        tasks = [t for t in corpora.semeval2023_techniques(data_dir) if t.id in ids]
    elif split == "dev":
        tasks = corpora.semeval2023_techniques(data_dir, lang, "dev")
    else:
        ids = split_ids(split_file, split, lang)
        tasks = [t for t in corpora.semeval2023_techniques(data_dir, lang, "train") if t.id in ids]
    if not tasks:
        raise SlantError(f"none of the {split} articles of {LANG_NAMES.get(lang, lang)} found under {data_dir}")
    out = score_techniques(tasks, predict_task_articles(tasks, model))
    out["split"] = split if lang == "en" or split != "dev" else "dev (organisers')"
    out["lang"] = lang
    if lang != "en" and split == "dev":
        out["baseline"] = baseline_scores(data_dir, tasks, lang)
    if lang == "en" and ptc and (Path(data_dir) / "ptc-semeval2020").is_dir():
        ptc_tasks = [t for t in corpora.ptc_techniques(data_dir) if t.id in ids]
        if ptc_tasks:
            out["ptc"] = score_ptc(ptc_tasks, predict_task_articles(ptc_tasks, model))
    return out


def techniques_report(scores: dict) -> str:
    """The printed report of :func:`techniques_scores`: headline scores and a per-technique table."""
    from .. import taxonomy

    tax = taxonomy.load()
    m, si, flc = scores["paragraph_micro"], scores["si"], scores["flc"]
    lang = scores.get("lang", "en")
    base = scores.get("baseline")
    if lang == "en":
        baseline = f"   ~{TECHNIQUE_BASELINES['paragraph micro-F1']:.2f} (organisers, en test)"
    elif base:
        baseline = f"   {base['paragraph_micro'].f1:.3f} (organisers' baseline output, same articles)"
    else:
        baseline = ""
    lines = [
        f"Persuasion techniques, {LANG_NAMES.get(lang, lang)}, {scores['split']} split: {scores['articles']} "
        f"articles, {scores['paragraphs']} paragraphs",
        "",
        f"{'measure':<44}{'P':>7}{'R':>7}{'F1':>7}   published baseline",
        f"{'paragraph micro-F1 (SemEval-2023 ST3)':<44}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}" + baseline,
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


def evaluate_techniques(data_dir: Path, split: str | None = None, lang: str = "en", model=None, **options) -> str:
    """``slant eval techniques [--lang xx] [--model DIR]``: the report of :func:`techniques_scores`
    (default part: ``test`` in English, the organisers' ``dev`` elsewhere)."""
    if lang not in LANG_NAMES:
        raise SlantError(f"--lang {lang}: SemEval-2023 Task 3 has labelled articles in "
                         f"{', '.join(LANG_NAMES)} (es, gr and ka have no labels)")
    split = split or ("test" if lang == "en" else "dev")
    return techniques_report(techniques_scores(Path(data_dir), split=split, model=model, lang=lang))


# --- submission files ---------------------------------------------------------------------------
#
# Article files are read exactly as the shared-task readers read them (UTF-8, nothing normalised),
# so the character offsets written here are the organisers' offsets. An article's id is the number
# in its file name (articleNNN.txt -> NNN), as in the tasks' label files.

_ARTICLE_FILE = re.compile(r"^article(\w+)\.txt$")


def _article_files(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in inputs:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.glob("article*.txt")) or sorted(p.glob("*.txt"))
            if not found:
                raise SlantError(f"{p}: no article files (articleID.txt) in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise SlantError(f"{p}: no such file or folder")
    return sorted(files, key=_id_sort_key)


def _id_sort_key(path: Path):
    doc = _doc_id(path)
    return (0, int(doc), "") if doc.isdigit() else (1, 0, doc)


def _doc_id(path: Path) -> str:
    m = _ARTICLE_FILE.match(path.name)
    return m.group(1) if m else path.stem


def _task_articles(inputs: list[Path], layout: str):
    """(id, Article with one paragraph per non-empty line, line numbers) of each article file."""
    from .corpora import task_lines
    from ..readers.tasks import parse_task_file

    out = []
    for path in _article_files(inputs):
        art = parse_task_file(path.read_bytes(), path, layout)
        art.paragraphs, numbers = task_lines(art.text)
        out.append((_doc_id(path), art, numbers))
    return out


def _technique_model(options: dict):
    from ..analysers.techniques import MODEL_DIR, TechniqueModel

    model = options.get("model")
    if model is None or isinstance(model, (str, Path)):
        model = TechniqueModel(Path(model) if model else MODEL_DIR)
    model.load()
    return model


def write_st3(rows: list[tuple[str, int, list[str]]], out: TextIO) -> int:
    """SemEval-2023 Task 3 subtask 3 lines: ``id<TAB>line<TAB>comma-separated techniques``."""
    for doc, line, names in rows:
        out.write(f"{doc}\t{line}\t{','.join(names)}\n")
    return len(rows)


def write_flc(rows: list[tuple[str, str, int, int]], out: TextIO) -> int:
    """SemEval-2020 Task 11 span lines: ``id<TAB>technique<TAB>start<TAB>end``."""
    for doc, label, start, end in rows:
        out.write(f"{doc}\t{label}\t{start}\t{end}\n")
    return len(rows)


def st3_rows(doc: str, art, numbers: list[int]) -> list[tuple[str, int, list[str]]]:
    """One row per task paragraph (non-empty line), techniques in taxonomy order."""
    from .. import taxonomy

    order = {n: i for i, n in enumerate(taxonomy.names())}
    sets = {pt.paragraph: pt.techniques for pt in art.paragraph_techniques}
    return [(doc, n, sorted(sets.get(i, {}), key=order.__getitem__)) for i, n in enumerate(numbers)]


def flc_rows(doc: str, art) -> list[tuple[str, str, int, int]]:
    """Spans in the 14 labels of SemEval-2020 Task 11: techniques without a 2020 counterpart are
    left out, and two 2023 techniques that map to one 2020 label on the same span give one row."""
    from .. import taxonomy

    tax = taxonomy.load()
    rows = []
    seen = set()
    for t in sorted(art.techniques, key=lambda t: (t.start, t.end, t.technique)):
        label = tax.to_semeval2020(t.technique)
        if label and (label, t.start, t.end) not in seen:
            seen.add((label, t.start, t.end))
            rows.append((doc, label, t.start, t.end))
    return rows


def predict_st3(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2023-st3 DIR``: paragraph techniques of every article file."""
    arts = _task_articles(inputs, "semeval2023")
    _technique_model(options).predict([a for _, a, _ in arts])
    return sum(write_st3(st3_rows(doc, art, numbers), out) for doc, art, numbers in arts)


def predict_flc(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2020-flc DIR``: technique spans, in the 2020 taxonomy."""
    arts = _task_articles(inputs, "ptc")
    _technique_model(options).predict([a for _, a, _ in arts])
    return sum(write_flc(flc_rows(doc, art), out) for doc, art, _ in arts)


def read_tc_template(path: Path) -> list[tuple[str, int, int]]:
    """(id, start, end) of each line of a SemEval-2020 TC template (``id<TAB>label-or-?<TAB>start<TAB>end``)."""
    rows = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not parts[2].strip().isdigit() or not parts[3].strip().isdigit():
            raise SlantError(f"{path}:{n}: expected id, label (or ?), start, end separated by tabs")
        rows.append((parts[0].strip(), int(parts[2]), int(parts[3])))
    return rows


def label_spans(model, art, spans: list[tuple[int, int]]) -> list[str]:
    """The 2020 label of each given span: the label whose 2023 techniques have the highest mean
    token probability over the span's tokens (every span gets a label, as TC requires)."""
    from .. import taxonomy

    import numpy as np

    tax = taxonomy.load()
    labels = tax.semeval2020_labels
    cols = {lab: [model.names.index(n) for n in tax.from_semeval2020(lab) if n in model.names] for lab in labels}
    enc = art._encoded
    probs = model.token_probs(enc, art.text)
    out = []
    for s, e in spans:
        idx = enc.tokens_in(s, e)
        if not len(idx) and len(enc):  # a span inside one token: take the token holding its start
            holder = int(np.searchsorted(enc.offsets[:, 1], s, side="right"))
            idx = np.array([holder]) if holder < len(enc) else idx
        mean = probs[idx].mean(axis=0) if len(idx) else np.zeros(len(model.names))
        out.append(max(labels, key=lambda lab: max((mean[c] for c in cols[lab]), default=-1.0)))
    return out


def predict_tc(inputs: list[Path], out: TextIO, template: Path | None = None, **options) -> int:
    """``slant predict semeval2020-tc DIR --template FILE``: a 2020 label for each given span."""
    if template is None:
        raise SlantError("semeval2020-tc labels given spans: pass them with --template FILE")
    wanted = read_tc_template(template)
    arts = {doc: art for doc, art, _ in _task_articles(inputs, "ptc")}
    missing = sorted({doc for doc, _, _ in wanted} - set(arts))
    if missing:
        raise SlantError(f"{template}: no article file for id(s) {', '.join(missing[:5])} in the inputs")
    model = _technique_model(options)
    used = [arts[d] for d in dict.fromkeys(doc for doc, _, _ in wanted)]
    model.encoder.encode(used)
    by_doc: dict[str, list[int]] = {}
    for i, (doc, _, _) in enumerate(wanted):
        by_doc.setdefault(doc, []).append(i)
    labels: list[str] = [""] * len(wanted)
    for doc, rows in by_doc.items():
        for i, lab in zip(rows, label_spans(model, arts[doc], [wanted[i][1:] for i in rows]), strict=True):
            labels[i] = lab
    return write_flc([(doc, lab, s, e) for (doc, s, e), lab in zip(wanted, labels, strict=True)], out)
