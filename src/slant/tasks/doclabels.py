"""``slant eval`` and ``slant predict`` for the document labels: genre and frames (SemEval-2023
Task 3 subtasks 1-2) and narratives (SemEval-2025 Task 10 subtask 2).

Evaluation scores the shipped head on the validation documents named in its ``head.json`` (the
ones it was not fitted on) with the official measure of each task: macro-F1 over genres, micro-F1
over (article, frame) pairs, samples-F1 of narratives and of sub-narratives. Features come from the
same cache the trainer fills (``runs/doclabels/<encoder sha>``), or are computed when absent; they
are the analyser's features exactly (one encoder pass over the whole text).

Prediction runs the analysers over task-layout article files and writes the submission formats:
``id<TAB>genre``, ``id<TAB>frame,frame,...`` and ``file<TAB>narrative;...<TAB>sub-narrative;...``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TextIO

import numpy as np

from ..doclabels import MODELS, Head, sigmoid, softmax
from ..errors import SlantError


def _head(task: str, options: dict) -> Head:
    return Head(Path(options.get("model") or MODELS / task))


def _features(corpus: str, lang: str, split: str, docs, log=None) -> np.ndarray:
    from ..train.doclabels import cache_name, corpus_features

    return corpus_features(cache_name(corpus, lang, split), [(d.id, d.article) for d in docs], log=log)


def _held_out(head: Head, data_dir: Path, lang: str | None, loader) -> list[tuple[str, list, str]]:
    """(language, held-out documents, corpus split) for every language of the head's ``validation``
    (or only ``lang``), the split named in its ``validation_split``. ``loader(lang, split)`` reads a
    language's documents; a head trained before languages were added lists English ids only."""
    val = head.config.get("validation", [])
    val = val if isinstance(val, dict) else {"en": val}
    if lang is not None:
        key = next((k for k in val if k.lower() == lang.lower()), None)
        if key is None:
            raise SlantError(f"--lang {lang}: {head.folder.name} was scored on {', '.join(val) or 'no language'}")
        val = {key: val[key]}
    splits = head.config.get("validation_split", {})
    out = []
    for code, ids in val.items():
        split = splits.get(code, "train")
        wanted = set(ids)
        docs = [d for d in loader(code, split) if d.id in wanted]
        if not docs:
            raise SlantError(f"none of the {code} validation documents of {head.folder}/head.json found under {data_dir}")
        out.append((code, docs, split))
    return out


def _lang_title(code: str, docs, split: str) -> str:
    return f"{code}: {len(docs)} {'organisers dev' if split == 'dev' else 'held-out training'} documents"


# --- evaluation ------------------------------------------------------------------------------


def eval_genre(data_dir: Path, **options) -> str:
    from . import corpora
    from ..analysers.genre import prior_shift
    from .scoring import genre_macro_f1
    from ..train.doclabels import baseline_labels

    head = _head("genre", options)
    sets = _held_out(head, data_dir, options.get("lang"),
                     lambda lang, split: corpora.semeval2023_doc_labels(data_dir, 1, lang, split))
    lines = ["Genre, SemEval-2023 Task 3 subtask 1 (official measure: macro-F1 over the three genres)"]
    for lang, docs, split in sets:
        logits = head.logits(_features("semeval2023", lang, split, docs))
        gold = [d.labels[0] for d in docs]
        lines += ["", f"{_lang_title(lang, docs, split)} ({', '.join(f'{k} {v}' for k, v in Counter(gold).most_common())})",
                  f"{'prior':<10}{'macro-F1':>9}" + "".join(f"{c + ' F1':>14}" for c in head.labels)]
        for prior in head.config.get("priors", {}):
            p = softmax(logits + prior_shift(head.config, prior))
            pred = [head.labels[j] for j in p.argmax(axis=1)]
            f1, per = genre_macro_f1(gold, pred, head.labels)
            default = "  (default)" if prior == head.config.get("prior") else ""
            lines.append(f"{prior:<10}{f1:>9.3f}" + "".join(f"{per[c]:>14.3f}" for c in head.labels) + default)
        base = baseline_labels(data_dir, 1, lang) if split == "dev" else None
        if base is not None:
            f1, _ = genre_macro_f1(gold, [(base.get(d.id) or ["?"])[0] for d in docs], head.labels)
            lines.append(f"{'baseline':<10}{f1:>9.3f}   (the organisers' baseline output)")
        majority = Counter(gold).most_common(1)[0][0]
        f1, _ = genre_macro_f1(gold, [majority] * len(gold), head.labels)
        lines.append(f"{'majority':<10}{f1:>9.3f}   (always {majority})")
    return "\n".join(lines)


def eval_frames(data_dir: Path, **options) -> str:
    from . import corpora
    from .scoring import multilabel_micro
    from ..train.doclabels import baseline_labels
    from ..train.frames import decide

    head = _head("frames", options)
    sets = _held_out(head, data_dir, options.get("lang"),
                     lambda lang, split: corpora.semeval2023_doc_labels(data_dir, 2, lang, split))
    t = float(head.config["threshold"])
    lines = [f"Frames, SemEval-2023 Task 3 subtask 2 (official measure: micro-F1 over article-frame pairs), threshold {t}"]
    for lang, docs, split in sets:
        p = sigmoid(head.logits(_features("semeval2023", lang, split, docs)))
        gold = [d.labels for d in docs]
        pred = decide(p, t)
        sc = multilabel_micro(gold, pred)
        lines += ["", f"{_lang_title(lang, docs, split)}, {sum(map(len, gold))} gold frames",
                  f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}",
                  f"{'slant':<28}{sc.precision:7.3f}{sc.recall:7.3f}{sc.f1:7.3f}"]
        base = baseline_labels(data_dir, 2, lang) if split == "dev" else None
        if base is not None:
            b = multilabel_micro(gold, [base.get(d.id, []) for d in docs])
            lines.append(f"{'organisers baseline':<28}{b.precision:7.3f}{b.recall:7.3f}{b.f1:7.3f}")
        common = head.config.get("common")
        if common:
            b = multilabel_micro(gold, [common] * len(gold))
            lines.append(f"{'the ' + str(len(common)) + ' commonest frames':<28}{b.precision:7.3f}{b.recall:7.3f}{b.f1:7.3f}")
        if options.get("lang"):
            lines += ["", f"{'frame':<46}{'F1':>7}{'gold':>6}"]
            for lab in head.labels:
                s1 = multilabel_micro([[x for x in g if x == lab] for g in gold], [[x for x in q if x == lab] for q in pred])
                lines.append(f"{lab:<46}{s1.f1:7.3f}{s1.n_gold:6d}")
    return "\n".join(lines)


def eval_narratives(data_dir: Path, **options) -> str:
    from . import corpora
    from ..analysers.narratives import OTHER
    from .scoring import samples_f1
    from ..train.narratives import decode_all

    head = _head("narratives", options)
    cfg = head.config
    sets = _held_out(head, data_dir, options.get("lang"),
                     lambda lang, split: corpora.semeval2025_narratives(data_dir, lang.upper(), split))
    lines = ["Narratives, SemEval-2025 Task 10 subtask 2 (official measure: samples-F1, its standard deviation after /)", "",
             f"{'documents':<40}{'narratives':>14}{'sub-narratives':>16}{'always Other':>16}"]
    for lang, docs, split in sets:
        p = sigmoid(head.logits(_features("semeval2025", lang, split, docs)))
        pn, ps = decode_all(p, cfg["narratives"], cfg["subnarratives"], cfg["parents"],
                            float(cfg["threshold_narrative"]), float(cfg["threshold_subnarrative"]))
        gn, gs = [d.labels for d in docs], [d.sublabels or [] for d in docs]
        fn, sn = samples_f1(gn, pn)
        fs, ss = samples_f1(gs, ps)
        bn, bs = samples_f1(gn, [[OTHER]] * len(gn))[0], samples_f1(gs, [[OTHER]] * len(gs))[0]
        lines.append(f"{_lang_title(lang, docs, split):<40}{fn:>8.3f}/{sn:.3f}{fs:>10.3f}/{ss:.3f}{bn:>9.3f}/{bs:.3f}")
    return "\n".join(lines)


# --- prediction ------------------------------------------------------------------------------


def _analysed(inputs: list[Path], layout: str, analyser: str, options: dict):
    from .. import registry
    from ..analysers.segment import Segmenter
    from ..readers.tasks import parse_task_file

    files: list[Path] = []
    for p in map(Path, inputs):
        if p.is_dir():
            found = sorted(p.glob("*.txt"))
            if not found:
                raise SlantError(f"{p}: no article files (.txt) in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise SlantError(f"{p}: no such file or folder")
    opts = {"model": options["model"]} if options.get("model") else {}
    head = registry.get(analyser)(**opts)
    seg = Segmenter()
    arts = [seg(parse_task_file(f.read_bytes(), f, layout)) for f in files]
    return list(head.pipe(arts, batch_size=16))


def _doc_id(art) -> str:
    return art.meta.extra.get("doc_id", "")


def predict_st1(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2023-st1 DIR``: ``id<TAB>genre`` per article."""
    arts = _analysed(inputs, "semeval2023", "genre", options)
    for art in arts:
        label = next((lab.label for lab in art.labels if lab.task == "genre"), "reporting")
        out.write(f"{_doc_id(art)}\t{label}\n")
    return len(arts)


def predict_st2(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2023-st2 DIR``: ``id<TAB>frame,frame,...`` per article."""
    arts = _analysed(inputs, "semeval2023", "frames", options)
    for art in arts:
        out.write(f"{_doc_id(art)}\t{','.join(lab.label for lab in art.labels if lab.task == 'frames')}\n")
    return len(arts)


def predict_narratives(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2025-st2 DIR``: ``file<TAB>narratives;...<TAB>sub-narratives;...``."""
    arts = _analysed(inputs, "semeval2025", "narratives", options)
    for art in arts:
        n = ";".join(lab.label for lab in art.labels if lab.task == "narratives")
        s = ";".join(lab.label for lab in art.labels if lab.task == "subnarratives")
        out.write(f"{_doc_id(art)}\t{n}\t{s}\n")
    return len(arts)
