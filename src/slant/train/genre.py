"""``slant train genre``: the genre head (SemEval-2023 Task 3 subtask 1, English).

Features are the shared encoder's pooled states of each article (``slant.train.doclabels``,
cached). Validation articles are those the encoder never trained on (its split's dev and test
parts, seed 2023); the head is fitted on the rest: multinomial logistic regression with balanced
class weights, its regularisation chosen by 5-fold cross-validated macro-F1 on the training part.
Balanced weights make the head's implicit training prior uniform, which is what the runtime prior
correction divides out (``slant.analysers.genre``). Writes ``models/genre/{head.npz, head.json,
MODEL_CARD.md}``; a minute or two, most of it encoding on the first run.
"""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import numpy as np

from ..tasks import corpora
from ..doclabels import MODELS, softmax
from ..tasks.scoring import genre_macro_f1
from .doclabels import corpus_features, encoder_key, fit_logistic, heldout_ids, kfold, require_sklearn, save_head

LABELS = ["reporting", "opinion", "satire"]
# The deployment prior for news feeds: most items are reports. An assumption, stated in the card;
# users set their own with the analyser's ``prior`` option.
FEED_PRIOR = {"reporting": 0.7, "opinion": 0.25, "satire": 0.05}
C_GRID = (0.1, 1.0)
SEED = 2023


def predict(w, b, x, shift) -> list[str]:
    return [LABELS[j] for j in np.argmax(softmax(x @ w + b + shift), axis=1)]


def shift_for(prior: dict[str, float], train_prior: dict[str, float]) -> np.ndarray:
    return np.log([prior[c] for c in LABELS]) - np.log([train_prior[c] for c in LABELS])


def train(data_dir: Path, out_dir: Path | None = None, log=print, **options) -> dict:
    require_sklearn()
    docs = corpora.semeval2023_doc_labels(data_dir, 1)
    x = corpus_features("semeval2023-en", [(d.id, d.article) for d in docs], log=log)
    y = np.array([LABELS.index(d.labels[0]) for d in docs])
    ids = [d.id for d in docs]
    val = set(heldout_ids(ids, {d.id: d.article.text for d in docs}))
    tr = np.array([i not in val for i in ids])
    xt, yt = x[tr], y[tr]
    uniform = {c: 1 / len(LABELS) for c in LABELS}
    counts = Counter(LABELS[k] for k in yt)
    corpus_prior = {c: counts[c] / len(yt) for c in LABELS}
    best = None
    for c in C_GRID:
        pred = np.empty(len(yt), dtype=object)
        for fold in kfold(len(yt), 5, SEED):
            mask = np.ones(len(yt), bool)
            mask[fold] = False
            w, b = fit_logistic(xt[mask], yt[mask], c=c, multinomial=True)
            pred[fold] = predict(w, b, xt[fold], np.zeros(len(LABELS)))  # as trained (balanced)
        f1, _ = genre_macro_f1([LABELS[k] for k in yt], list(pred), LABELS)
        log(f"  C={c}: cross-validated macro-F1 {f1:.3f}")
        if best is None or f1 > best[1]:
            best = (c, f1)
    c = best[0]
    w, b = fit_logistic(xt, yt, c=c, multinomial=True)
    gold_val = [LABELS[k] for k in y[~tr]]
    scores = {}
    for name, prior in (("corpus", corpus_prior), ("feed", FEED_PRIOR), ("none", uniform)):
        f1, per = genre_macro_f1(gold_val, predict(w, b, x[~tr], shift_for(prior, uniform)), LABELS)
        scores[name] = {"macro_f1": round(f1, 4), **{k: round(v, 4) for k, v in per.items()}}
    folder = Path(out_dir) if out_dir else MODELS / "genre"
    today = datetime.date.today().isoformat()
    config = {
        "name": "genre", "version": today.replace("-", ""), "labels": LABELS, "kind": "multiclass",
        "train_prior": uniform, "priors": {"feed": FEED_PRIOR, "corpus": corpus_prior, "none": uniform},
        "prior": "feed", "C": c, "encoder_sha": encoder_key(), "seed": SEED,
        "validation": sorted(val), "scores": scores, "cv_macro_f1": round(best[1], 4),
    }
    vc = Counter(gold_val)
    card = f"""# genre head

Genre of a news article (reporting / opinion / satire), SemEval-2023 Task 3 subtask 1, English.

- **Input**: mean and max of the token states and technique logits of the shipped techniques
  encoder (`models/techniques`, model.onnx sha {config['encoder_sha']}) over the whole article.
- **Head**: multinomial logistic regression, balanced class weights, C={c} (5-fold CV on the
  training part, macro-F1 {best[1]:.3f}); standardisation folded into `head.npz`.
- **Data**: {len(docs)} English training articles ({dict(Counter(d.labels[0] for d in docs))}).
  Validation: the {len(val)} articles the encoder never trained on (dev + test of its split,
  seed 2023): {dict(vc)}. Fitted on the other {int(tr.sum())}.
- **Calibration**: probabilities are moved to a deployment prior (Saerens et al., 2002). Default
  `feed` = {FEED_PRIOR} (news feeds are mostly reports; an assumption), `corpus` = the training
  mix, `none` = as trained (uniform). Choose with `[analysers.genre] prior = "corpus"`.
- **Scores** on validation (official measure: macro-F1 over the three genres):

| prior | macro-F1 | reporting F1 | opinion F1 | satire F1 |
|---|---|---|---|---|
""" + "".join(f"| {k} | {v['macro_f1']:.3f} | {v['reporting']:.3f} | {v['opinion']:.3f} | {v['satire']:.3f} |\n"
               for k, v in scores.items()) + f"""
  With {vc.get('satire', 0)} satire and {vc.get('reporting', 0)} reporting articles in validation,
  these numbers move by several points with one article.
- **Date**: {today}. Rebuild: `slant train genre`; score: `slant eval genre`.
"""
    save_head(folder, w, b, config, card)
    log(f"genre: validation macro-F1 {scores['corpus']['macro_f1']:.3f} (corpus prior), "
        f"{scores['feed']['macro_f1']:.3f} (feed prior); wrote {folder}")
    return scores
