"""``slant train narratives``: the narrative head (SemEval-2025 Task 10 subtask 2, English).

Features are the shared encoder's pooled states of each document (``slant.train.doclabels``,
cached). slant makes its own split of the English training documents by document (80 / 20, seed
2025; the task's English dev set is not in ../shared/data). One binary logistic regression per
narrative and per sub-narrative of the taxonomy (``data/narratives-semeval2025.yaml``); the
regularisation and the two decision thresholds (narratives, sub-narratives) are chosen by 5-fold
cross-validation on the training part, maximising the mean of the two official samples-F1 scores
after the hierarchical decoding the analyser uses (``slant.analysers.narratives.decode``).
Writes ``models/narratives``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np

from ..tasks import corpora
from ..analysers.narratives import OTHER, decode, load_semeval_taxonomy
from ..doclabels import MODELS, sigmoid
from ..tasks.scoring import samples_f1
from .doclabels import corpus_features, encoder_key, fit_ovr, kfold, require_sklearn, save_head

C_GRID = (0.003, 0.03)
T_GRID = np.round(np.arange(0.1, 0.75, 0.05), 2)
SEED = 2025
MIN_POS = 3  # labels with fewer training documents get no head (they never fire)


def label_space() -> tuple[list[str], list[str], dict[str, str]]:
    tax = load_semeval_taxonomy()
    narrs = list(tax)
    subs = [s for n in narrs for s in tax[n]]
    parents = {s: n for n in narrs for s in tax[n]}
    return narrs, subs, parents


def decode_all(p: np.ndarray, narrs, subs, parents, t_n: float, t_s: float):
    out_n, out_s = [], []
    k = len(narrs)
    for row in p:
        n, s = decode(dict(zip(narrs, row[:k].tolist())), dict(zip(subs, row[k:].tolist())), parents, t_n, t_s)
        out_n.append(n)
        out_s.append(s)
    return out_n, out_s


def split(ids: list[str], texts: dict[str, str]) -> dict[str, list[str]]:
    parts = corpora.split_ids(ids, seed=SEED, fractions=(0.8, 0.0, 0.2), texts=texts)
    return {"train": parts["train"], "validation": parts["test"]}


def train(data_dir: Path, out_dir: Path | None = None, log=print, **options) -> dict:
    require_sklearn()
    docs = corpora.semeval2025_narratives(data_dir, "EN")
    narrs, subs, parents = label_space()
    labels = narrs + subs
    col = {lab: j for j, lab in enumerate(labels)}
    x = corpus_features("semeval2025-en", [(d.id, d.article) for d in docs], log=log)
    y = np.zeros((len(docs), len(labels)), int)
    for i, d in enumerate(docs):
        for lab in d.labels + (d.sublabels or []):
            if lab in col:
                y[i, col[lab]] = 1
    ids = [d.id for d in docs]
    parts = split(ids, {d.id: d.article.text for d in docs})
    val = set(parts["validation"])
    tr = np.array([i not in val for i in ids])
    xt, yt = x[tr], y[tr]
    gold_n = [d.labels for d in docs]
    gold_s = [d.sublabels or [] for d in docs]
    gn_t = [g for g, m in zip(gold_n, tr) if m]
    gs_t = [g for g, m in zip(gold_s, tr) if m]
    best = None
    for c in C_GRID:
        oof = np.zeros(yt.shape, np.float32)
        for fold in kfold(len(yt), 5, SEED):
            mask = np.ones(len(yt), bool)
            mask[fold] = False
            w, b = fit_ovr(xt[mask], yt[mask], c=c, balanced=False, min_positives=MIN_POS)
            oof[fold] = sigmoid(xt[fold] @ w + b)
        for t_n in T_GRID:
            for t_s in T_GRID:
                pn, ps = decode_all(oof, narrs, subs, parents, float(t_n), float(t_s))
                f_n, f_s = samples_f1(gn_t, pn)[0], samples_f1(gs_t, ps)[0]
                if best is None or (f_n + f_s) / 2 > best[2]:
                    best = (c, (float(t_n), float(t_s)), (f_n + f_s) / 2, f_n, f_s)
        log(f"  C={c}: best CV so far narratives {best[3]:.3f}, sub-narratives {best[4]:.3f} "
            f"(C={best[0]}, thresholds {best[1]})")
    c, (t_n, t_s) = best[0], best[1]
    w, b = fit_ovr(xt, yt, c=c, balanced=False, min_positives=MIN_POS)
    pn, ps = decode_all(sigmoid(x[~tr] @ w + b), narrs, subs, parents, t_n, t_s)
    gn_v = [g for g, m in zip(gold_n, tr) if not m]
    gs_v = [g for g, m in zip(gold_s, tr) if not m]
    f_n, sd_n = samples_f1(gn_v, pn)
    f_s, sd_s = samples_f1(gs_v, ps)
    base_n = samples_f1(gn_v, [[OTHER]] * len(gn_v))[0]
    base_s = samples_f1(gs_v, [[OTHER]] * len(gs_v))[0]
    scores = {"narratives_f1": round(f_n, 4), "narratives_std": round(sd_n, 4),
              "subnarratives_f1": round(f_s, 4), "subnarratives_std": round(sd_s, 4),
              "baseline_other_narratives_f1": round(base_n, 4), "baseline_other_subnarratives_f1": round(base_s, 4)}
    folder = Path(out_dir) if out_dir else MODELS / "narratives"
    today = datetime.date.today().isoformat()
    config = {"name": "narratives", "version": today.replace("-", ""), "labels": labels, "kind": "hierarchical",
              "narratives": narrs, "subnarratives": subs, "parents": parents,
              "threshold_narrative": t_n, "threshold_subnarrative": t_s, "C": c, "encoder_sha": encoder_key(),
              "seed": SEED, "validation": sorted(val), "scores": scores,
              "cv": {"narratives_f1": round(best[3], 4), "subnarratives_f1": round(best[4], 4)}}
    n_pos = yt.sum(axis=0)
    card = f"""# narratives head

Narratives and sub-narratives of the SemEval-2025 Task 10 taxonomy (Ukraine-Russia war, climate
change; `data/narratives-semeval2025.yaml`), subtask 2, English.

- **Input**: mean and max of the token states and technique logits of the shipped techniques
  encoder (model.onnx sha {config['encoder_sha']}) over the whole document.
- **Head**: one logistic regression per narrative ({len(narrs)}) and sub-narrative ({len(subs)}),
  C={c}; {int((n_pos < MIN_POS).sum())} labels with fewer than {MIN_POS} training documents never fire. Decoding: narratives
  with p >= {t_n}, under each the sub-narratives with p >= {t_s} (else "narrative: Other"), and
  "Other" when no narrative is kept. Thresholds and C by 5-fold CV on the training part (narratives
  {best[3]:.3f}, sub-narratives {best[4]:.3f} samples-F1).
- **Data**: {len(docs)} English training documents, split by document 80/20 with seed {SEED}:
  {int(tr.sum())} to fit, {len(val)} to validate.
- **Scores** on validation (official measure: samples-F1, SemEval-2025 Task 10 subtask 2):
  narratives **{f_n:.3f}** (std {sd_n:.3f}), sub-narratives **{f_s:.3f}** (std {sd_s:.3f});
  baseline "always Other": {base_n:.3f} / {base_s:.3f}.
- **Date**: {today}. Rebuild: `slant train narratives`; score: `slant eval narratives`.
"""
    save_head(folder, w, b, config, card)
    log(f"narratives: validation samples-F1 {f_n:.3f} (narratives), {f_s:.3f} (sub-narratives); wrote {folder}")
    return scores
