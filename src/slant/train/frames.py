"""``slant train frames``: the frames head (SemEval-2023 Task 3 subtask 2, English, 14 frames).

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

from ..tasks import corpora
from ..doclabels import MODELS, sigmoid
from ..tasks.scoring import multilabel_micro
from .doclabels import corpus_features, encoder_key, fit_ovr, heldout_ids, kfold, require_sklearn, save_head

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


def train(data_dir: Path, out_dir: Path | None = None, log=print, **options) -> dict:
    require_sklearn()
    docs = corpora.semeval2023_doc_labels(data_dir, 2)
    unknown = sorted({f for d in docs for f in d.labels} - set(LABELS))
    if unknown:
        raise ValueError(f"unknown frames in the data: {unknown}")
    x = corpus_features("semeval2023-en", [(d.id, d.article) for d in docs], log=log)
    y = np.array([[f in d.labels for f in LABELS] for d in docs], dtype=int)
    ids = [d.id for d in docs]
    val = set(heldout_ids(ids, {d.id: d.article.text for d in docs}))
    tr = np.array([i not in val for i in ids])
    xt, yt = x[tr], y[tr]
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
    gold_v = [[LABELS[j] for j in np.flatnonzero(r)] for r in y[~tr]]
    sc = multilabel_micro(gold_v, decide(sigmoid(x[~tr] @ w + b), t))
    # the organisers' style of baseline for reference: every article gets the frames that more than
    # half of the training articles have... none do, so: the k most frequent frames, k = mean count
    k = max(1, round(yt.sum(axis=1).mean()))
    common = [LABELS[j] for j in np.argsort(-yt.sum(axis=0))[:k]]
    base = multilabel_micro(gold_v, [common] * len(gold_v))
    folder = Path(out_dir) if out_dir else MODELS / "frames"
    today = datetime.date.today().isoformat()
    scores = {"micro_f1": round(sc.f1, 4), "precision": round(sc.precision, 4), "recall": round(sc.recall, 4),
              "baseline_micro_f1": round(base.f1, 4)}
    config = {"name": "frames", "version": today.replace("-", ""), "labels": LABELS, "kind": "multilabel",
              "threshold": t, "C": c, "encoder_sha": encoder_key(), "seed": SEED, "validation": sorted(val),
              "scores": scores, "cv_micro_f1": round(cv, 4)}
    freq = Counter(f for d in docs for f in d.labels)
    card = f"""# frames head

The 14 Media Frames (Card et al., 2015) of a news article, multi-label, SemEval-2023 Task 3
subtask 2, English.

- **Input**: mean and max of the token states and technique logits of the shipped techniques
  encoder (model.onnx sha {config['encoder_sha']}) over the whole article.
- **Head**: one logistic regression per frame, C={c}, one decision threshold {t} (5-fold CV
  micro-F1 on the training part: {cv:.3f}); an article always gets at least its likeliest frame.
- **Data**: {len(docs)} English articles; frame counts {dict(freq.most_common())}.
  Validation: the {len(val)} articles the encoder never trained on (its split's dev + test,
  seed 2023); fitted on the other {int(tr.sum())}.
- **Scores** on validation (official measure: micro-F1): P {sc.precision:.3f}, R {sc.recall:.3f},
  **micro-F1 {sc.f1:.3f}**; baseline "the {k} most frequent frames" {base.f1:.3f}.
- **Date**: {today}. Rebuild: `slant train frames`; score: `slant eval frames`.
"""
    save_head(folder, w, b, config, card)
    log(f"frames: validation micro-F1 {sc.f1:.3f} (baseline {base.f1:.3f}); wrote {folder}")
    return scores
