"""``slant train frames``: the frames head (SemEval-2023 Task 3 subtask 2, six languages, 14 frames).

Same features and validation articles as the genre head (``slant.train.genre``). One binary
logistic regression per frame; the regularisation and one shared decision threshold are chosen
by 5-fold cross-validated micro-F1 (the task's measure) on the training part, then the heads are
fitted on the whole training part. Writes ``models/frames``.
"""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import numpy as np

from ..doclabels import MODELS, sigmoid
from ..tasks.scoring import multilabel_micro
from .doclabels import (SEMEVAL2023_LANGS, baseline_labels, encoder_key, fit_ovr, kfold, require_sklearn, save_head,
                        semeval2023_sets, stacked, validation_ids, validation_splits)

LABELS = [
    "Economic", "Capacity_and_resources", "Morality", "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence", "Policy_prescription_and_evaluation",
    "Crime_and_punishment", "Security_and_defense", "Health_and_safety", "Quality_of_life",
    "Cultural_identity", "Public_opinion", "Political", "External_regulation_and_reputation",
]
C_GRID = (0.003, 0.03)
T_GRID = np.round(np.arange(0.15, 0.8, 0.025), 3)
SEED = 2023
MIN_POS = 1


def decide(p: np.ndarray, t: float) -> list[list[str]]:
    """Frames at or above ``t``; at least the likeliest one (every article has a frame)."""
    out = []
    for row in p:
        keep = [LABELS[j] for j in np.flatnonzero(row >= t)]
        out.append(keep or [LABELS[int(np.argmax(row))]])
    return out


def train(data_dir: Path, out_dir: Path | None = None, log=print, langs=SEMEVAL2023_LANGS, **options) -> dict:
    require_sklearn()
    sets = semeval2023_sets(Path(data_dir), 2, langs, log=log)
    unknown = sorted({f for ls in sets for d in ls.docs for f in d.labels} - set(LABELS))
    if unknown:
        raise ValueError(f"unknown frames in the data: {unknown}")
    xt, fit_docs = stacked(sets, "fit")
    yt = np.array([[f in d.labels for f in LABELS] for d in fit_docs], dtype=int)
    gold_t = [[LABELS[j] for j in np.flatnonzero(r)] for r in yt]
    best = None
    for c in C_GRID:
        oof = np.zeros(yt.shape, np.float32)
        for fold in kfold(len(yt), 5, SEED):
            mask = np.ones(len(yt), bool)
            mask[fold] = False
            w, b = fit_ovr(xt[mask], yt[mask], c=c, balanced=False, min_positives=MIN_POS)
            oof[fold] = sigmoid(xt[fold] @ w + b)
        for t in T_GRID:
            f1 = multilabel_micro(gold_t, decide(oof, float(t))).f1
            if best is None or f1 > best[2]:
                best = (c, float(t), f1)
        log(f"  C={c}: best cross-validated micro-F1 so far {best[2]:.3f} (C={best[0]}, t={best[1]})")
    c, t, cv = best
    w, b = fit_ovr(xt, yt, c=c, balanced=False, min_positives=MIN_POS)
    # a simple reference: every article gets the k most frequent training frames, k = mean count
    k = max(1, round(yt.sum(axis=1).mean()))
    common = [LABELS[j] for j in np.argsort(-yt.sum(axis=0))[:k]]
    scores: dict[str, dict] = {}
    for ls in sets:
        if not ls.held.any():
            continue  # fitted on, nothing held out to score (a language of a small test corpus)
        gold = [d.labels for d, h in zip(ls.docs, ls.held) if h]
        sc = multilabel_micro(gold, decide(sigmoid(ls.x[ls.held] @ w + b), t))
        row = {"articles": len(gold), "held_from": ls.held_from, "micro_f1": round(sc.f1, 4),
               "precision": round(sc.precision, 4), "recall": round(sc.recall, 4),
               "common_micro_f1": round(multilabel_micro(gold, [common] * len(gold)).f1, 4)}
        base = baseline_labels(Path(data_dir), 2, ls.lang)
        if base is not None:
            held_ids = [d.id for d, h in zip(ls.docs, ls.held) if h]
            row["baseline_micro_f1"] = round(multilabel_micro(gold, [base.get(i, []) for i in held_ids]).f1, 4)
        scores[ls.lang] = row
    folder = Path(out_dir) if out_dir else MODELS / "frames"
    today = datetime.date.today().isoformat()
    config = {"name": "frames", "version": today.replace("-", ""), "labels": LABELS, "kind": "multilabel",
              "threshold": t, "C": c, "encoder_sha": encoder_key(), "seed": SEED, "languages": [ls.lang for ls in sets],
              "validation": validation_ids(sets), "validation_split": validation_splits(sets), "scores": scores, "cv_micro_f1": round(cv, 4), "common": common}
    freq = Counter(f for d in fit_docs for f in d.labels)
    rows = "".join(
        f"| {lang} | {r['held_from']} ({r['articles']}) | {r['precision']:.3f} | {r['recall']:.3f} | **{r['micro_f1']:.3f}** | "
        + (f"{r['baseline_micro_f1']:.3f}" if "baseline_micro_f1" in r else "") + f" | {r['common_micro_f1']:.3f} |\n"
        for lang, r in scores.items())
    card = f"""# frames head

The 14 Media Frames (Card et al., 2015) of a news article, multi-label, SemEval-2023 Task 3
subtask 2, in {', '.join(config['languages'])}.

- **Input**: mean and max of the token states and technique logits of the shipped techniques
  encoder (model.onnx sha {config['encoder_sha']}) over the whole article.
- **Head**: one logistic regression per frame, C={c}, one decision threshold {t} (5-fold CV
  micro-F1 on the fitting articles: {cv:.3f}); an article always gets at least its likeliest frame.
- **Data**: {len(fit_docs)} articles of every language fitted together; frame counts {dict(freq.most_common())}.
  Held out: English, the articles the encoder never trained on (its split, seed 2023); every other
  language, the organisers' dev split.
- **Scores** on the held-out articles (official measure: micro-F1 over article-frame pairs; the
  organisers' baseline output where released; "common" gives every article the {k} most frequent frames):

| language | held out (articles) | P | R | micro-F1 | organisers' baseline | common |
|---|---|---|---|---|---|---|
{rows}
- **Date**: {today}. Rebuild: `slant train frames`; score: `slant eval frames --lang xx`.
"""
    save_head(folder, w, b, config, card)
    log("frames: held-out micro-F1 " + ", ".join(f"{k} {v['micro_f1']:.3f}" for k, v in scores.items()) + f"; wrote {folder}")
    return scores
