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


def _features(name: str, docs, log=None) -> np.ndarray:
    from ..train.doclabels import corpus_features

    return corpus_features(name, [(d.id, d.article) for d in docs], log=log)


def _validation(head: Head, docs, data_dir: Path):
    ids = set(head.config.get("validation", []))
    chosen = [d for d in docs if d.id in ids]
    if not chosen:
        raise SlantError(f"none of the validation documents of {head.folder}/head.json found under {data_dir}")
    return chosen


# --- evaluation ------------------------------------------------------------------------------


def eval_genre(data_dir: Path, **options) -> str:
    from . import corpora
    from ..analysers.genre import prior_shift
    from .scoring import genre_macro_f1

    head = _head("genre", options)
    docs = _validation(head, corpora.semeval2023_doc_labels(data_dir, 1), data_dir)
    logits = head.logits(_features("semeval2023-en", docs))
    gold = [d.labels[0] for d in docs]
    lines = [f"Genre, SemEval-2023 Task 3 subtask 1, English validation articles: {len(docs)} "
             f"({', '.join(f'{k} {v}' for k, v in Counter(gold).most_common())})", "",
             f"{'prior':<10}{'macro-F1':>9}" + "".join(f"{c + ' F1':>14}" for c in head.labels)]
    for prior in head.config.get("priors", {}):
        p = softmax(logits + prior_shift(head.config, prior))
        pred = [head.labels[j] for j in p.argmax(axis=1)]
        f1, per = genre_macro_f1(gold, pred, head.labels)
        default = "  (default)" if prior == head.config.get("prior") else ""
        lines.append(f"{prior:<10}{f1:>9.3f}" + "".join(f"{per[c]:>14.3f}" for c in head.labels) + default)
    majority = Counter(gold).most_common(1)[0][0]
    f1, _ = genre_macro_f1(gold, [majority] * len(gold), head.labels)
    lines.append(f"{'baseline':<10}{f1:>9.3f}   (always {majority})")
    return "\n".join(lines)


def eval_frames(data_dir: Path, **options) -> str:
    from . import corpora
    from .scoring import multilabel_micro
    from ..train.frames import decide

    head = _head("frames", options)
    docs = _validation(head, corpora.semeval2023_doc_labels(data_dir, 2), data_dir)
    p = sigmoid(head.logits(_features("semeval2023-en", docs)))
    gold = [d.labels for d in docs]
    pred = decide(p, float(head.config["threshold"]))
    sc = multilabel_micro(gold, pred)
    lines = [f"Frames, SemEval-2023 Task 3 subtask 2, English validation articles: {len(docs)}, "
             f"{sum(map(len, gold))} gold frames, threshold {head.config['threshold']}", "",
             f"{'measure':<28}{'P':>7}{'R':>7}{'F1':>7}",
             f"{'micro-F1 (official)':<28}{sc.precision:7.3f}{sc.recall:7.3f}{sc.f1:7.3f}"
             f"   organisers' simple baseline ~0.6"]
    lines += ["", f"{'frame':<46}{'F1':>7}{'gold':>6}"]
    for lab in head.labels:
        s = multilabel_micro([[x for x in g if x == lab] for g in gold], [[x for x in q if x == lab] for q in pred])
        lines.append(f"{lab:<46}{s.f1:7.3f}{s.n_gold:6d}")
    return "\n".join(lines)


def eval_narratives(data_dir: Path, **options) -> str:
    from . import corpora
    from ..analysers.narratives import OTHER
    from .scoring import samples_f1
    from ..train.narratives import decode_all

    head = _head("narratives", options)
    cfg = head.config
    docs = _validation(head, corpora.semeval2025_narratives(data_dir, "EN"), data_dir)
    p = sigmoid(head.logits(_features("semeval2025-en", docs)))
    pn, ps = decode_all(p, cfg["narratives"], cfg["subnarratives"], cfg["parents"],
                        float(cfg["threshold_narrative"]), float(cfg["threshold_subnarrative"]))
    gn, gs = [d.labels for d in docs], [d.sublabels or [] for d in docs]
    fn, sn = samples_f1(gn, pn)
    fs, ss = samples_f1(gs, ps)
    bn, bs = samples_f1(gn, [[OTHER]] * len(gn))[0], samples_f1(gs, [[OTHER]] * len(gs))[0]
    return "\n".join([
        f"Narratives, SemEval-2025 Task 10 subtask 2, English validation documents: {len(docs)} "
        f"({sum(g == [OTHER] for g in gn)} Other)", "",
        f"{'measure':<36}{'slant':>8}{'std':>8}{'always Other':>14}",
        f"{'samples-F1, narratives (official)':<36}{fn:8.3f}{sn:8.3f}{bn:14.3f}",
        f"{'samples-F1, sub-narratives (official)':<36}{fs:8.3f}{ss:8.3f}{bs:14.3f}",
    ])


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
