"""``slant train narratives``: the narrative head (SemEval-2025 Task 10 subtask 2: en, bg, hi, pt, ru).

Features are the shared encoder's pooled states of each document (``slant.train.doclabels``,
cached). All languages are fitted together. slant makes its own split of the English training
documents by document (80 / 20, seed 2025; the task's English dev set is not in ../shared/data);
the other languages are scored on the organisers' dev documents. One binary logistic regression per
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
from ..errors import SlantError
from .doclabels import (SEMEVAL2025_LANGS, LangSet, cache_name, corpus_features, encoder_key, fit_ovr, kfold,
                        require_sklearn, save_head, stacked, validation_ids, validation_splits)

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


def language_sets(data_dir: Path, langs=SEMEVAL2025_LANGS, log=print) -> list[LangSet]:
    """Every language's documents with features. English (no dev set in ../shared/data) is split
    80/20 by document (:func:`split`); the others are fitted on their training documents and
    scored on the organisers' dev documents."""
    out = []
    for lang in langs:
        try:
            train = corpora.semeval2025_narratives(data_dir, lang)
            dev = [] if lang == "EN" else corpora.semeval2025_narratives(data_dir, lang, "dev")
        except SlantError as exc:
            if log:
                log(f"  {lang}: not used ({exc})")
            continue
        x = corpus_features(cache_name("semeval2025", lang), [(d.id, d.article) for d in train], log=log)
        if lang == "EN":
            val = set(split([d.id for d in train], {d.id: d.article.text for d in train})["validation"])
            out.append(LangSet(lang, train, x, np.array([d.id in val for d in train]), "20% of the training documents"))
        else:
            xd = corpus_features(cache_name("semeval2025", lang, "dev"), [(d.id, d.article) for d in dev], log=log)
            out.append(LangSet(lang, train + dev, np.vstack([x, xd]),
                               np.array([False] * len(train) + [True] * len(dev)), "organisers' dev", "dev"))
    if not out:
        raise SlantError(f"no SemEval-2025 subtask 2 documents under {data_dir}")
    return out


def train(data_dir: Path, out_dir: Path | None = None, log=print, langs=SEMEVAL2025_LANGS, **options) -> dict:
    require_sklearn()
    sets = language_sets(Path(data_dir), langs, log)
    narrs, subs, parents = label_space()
    labels = narrs + subs
    col = {lab: j for j, lab in enumerate(labels)}

    def targets(docs) -> np.ndarray:
        y = np.zeros((len(docs), len(labels)), int)
        for i, d in enumerate(docs):
            for lab in d.labels + (d.sublabels or []):
                if lab in col:
                    y[i, col[lab]] = 1
        return y

    xt, fit_docs = stacked(sets, "fit")
    yt = targets(fit_docs)
    gn_t = [d.labels for d in fit_docs]
    gs_t = [d.sublabels or [] for d in fit_docs]
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
    scores: dict[str, dict] = {}
    for ls in sets:
        if not ls.held.any():
            continue  # fitted on, nothing held out to score (a language of a small test corpus)
        docs = [d for d, h in zip(ls.docs, ls.held) if h]
        pn, ps = decode_all(sigmoid(ls.x[ls.held] @ w + b), narrs, subs, parents, t_n, t_s)
        gn, gs = [d.labels for d in docs], [d.sublabels or [] for d in docs]
        f_n, sd_n = samples_f1(gn, pn)
        f_s, sd_s = samples_f1(gs, ps)
        scores[ls.lang] = {
            "documents": len(docs), "held_from": ls.held_from,
            "narratives_f1": round(f_n, 4), "narratives_std": round(sd_n, 4),
            "subnarratives_f1": round(f_s, 4), "subnarratives_std": round(sd_s, 4),
            "baseline_other_narratives_f1": round(samples_f1(gn, [[OTHER]] * len(gn))[0], 4),
            "baseline_other_subnarratives_f1": round(samples_f1(gs, [[OTHER]] * len(gs))[0], 4)}
    folder = Path(out_dir) if out_dir else MODELS / "narratives"
    today = datetime.date.today().isoformat()
    config = {"name": "narratives", "version": today.replace("-", ""), "labels": labels, "kind": "hierarchical",
              "narratives": narrs, "subnarratives": subs, "parents": parents,
              "threshold_narrative": t_n, "threshold_subnarrative": t_s, "C": c, "encoder_sha": encoder_key(),
              "seed": SEED, "languages": [ls.lang for ls in sets], "validation": validation_ids(sets),
              "validation_split": validation_splits(sets), "scores": scores,
              "cv": {"narratives_f1": round(best[3], 4), "subnarratives_f1": round(best[4], 4)}}
    n_pos = yt.sum(axis=0)
    rows = "".join(
        f"| {lang} | {r['held_from']} ({r['documents']}) | **{r['narratives_f1']:.3f}** ({r['narratives_std']:.3f}) | "
        f"**{r['subnarratives_f1']:.3f}** ({r['subnarratives_std']:.3f}) | {r['baseline_other_narratives_f1']:.3f} / "
        f"{r['baseline_other_subnarratives_f1']:.3f} |\n" for lang, r in scores.items())
    card = f"""# narratives head

Narratives and sub-narratives of the SemEval-2025 Task 10 taxonomy (Ukraine-Russia war, climate
change; `data/narratives-semeval2025.yaml`), subtask 2, in {', '.join(config['languages'])}.

- **Input**: mean and max of the token states and technique logits of the shipped techniques
  encoder (model.onnx sha {config['encoder_sha']}) over the whole document.
- **Head**: one logistic regression per narrative ({len(narrs)}) and sub-narrative ({len(subs)}),
  C={c}; {int((n_pos < MIN_POS).sum())} labels with fewer than {MIN_POS} training documents never fire. Decoding: narratives
  with p >= {t_n}, under each the sub-narratives with p >= {t_s} (else "narrative: Other"), and
  "Other" when no narrative is kept. Thresholds and C by 5-fold CV on the fitting documents (narratives
  {best[3]:.3f}, sub-narratives {best[4]:.3f} samples-F1).
- **Data**: {len(fit_docs)} documents of every language fitted together. Held out: English, 20% of
  its training documents (by document, seed {SEED}; its dev set is not in the data); the other
  languages, the organisers' dev documents.
- **Scores** on the held-out documents (official measure: samples-F1 with its standard deviation,
  SemEval-2025 Task 10 subtask 2; baseline "always Other" for narratives / sub-narratives):

| language | held out (documents) | narratives | sub-narratives | always Other |
|---|---|---|---|---|
{rows}
- **Date**: {today}. Rebuild: `slant train narratives`; score: `slant eval narratives --lang xx`.
"""
    save_head(folder, w, b, config, card)
    log("narratives: held-out samples-F1 (narratives / sub-narratives) "
        + ", ".join(f"{k} {v['narratives_f1']:.3f}/{v['subnarratives_f1']:.3f}" for k, v in scores.items()) + f"; wrote {folder}")
    return scores
