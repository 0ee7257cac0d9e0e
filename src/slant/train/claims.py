"""``slant train claims``: the check-worthy claims head (CLEF CheckThat! 2024 Task 1, English).

Features: every labelled sentence, train and dev, goes through the shipped techniques encoder
(the int8 graph the analysers read) inside its passage of consecutive sentence ids
(``slant.tasks.claims``), and is pooled as the analyser pools an article's sentences (mean and max
of the hidden states and technique logits). They are cached under
``runs/claims/<sha of model.onnx>/`` so that refitting takes seconds and a new encoder is never read
with stale features.

Head: scikit-learn logistic regression (balanced class weights) on the standardised features, the
standardisation folded into the exported weights (``head.npz``, one column; numpy at run time); its
regularisation is chosen for F1 of the check-worthy class on the ``tune`` half of the organisers'
dev split.

Lexical layer: a TF-IDF logistic regression over the sentence's word 1-2-grams (``slant.tfidf``:
terms seen in two train sentences or more, balanced class weights), exported as vocabulary, idf and
weights (``lexical.npz``, numpy at run time). The two logits are added with weights ``a`` and
``1 - a``; ``a`` and the lexical regularisation are chosen on debates held out (five folds of
consecutive ids over train, a debate never on both sides: out-of-fold scores of both layers, best F1
over thresholds), not on the tune half, whose sentences come from the train debates and flatter
what learns their words. The decision threshold is then chosen on ``tune``; the other half
(``test``) is scored once, and so is the ``apart`` block (the last 600 sentence ids: whole debates
that neither fitting nor tuning saw). The card also gives the folds' scores at that threshold,
for the model, each layer alone and the TF-IDF baseline, and a cross-check that does not flatter:
fitted on train and the tune half, scored on the apart block.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..analysers.claims import LEXICAL_FILE, MODEL_DIR, POSITIVE
from ..doclabels import ENCODER_DIR
from ..encoder import OnnxEncoder
from ..tasks import claims as task
from ..tasks.scoring import checkworthy_scores
from .doclabels import Basis, encoder_key, fit_logistic, require_sklearn, save_head

C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
LEX_C_GRID = (1.0, 3.0, 10.0)
MIX_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)  # weight of the encoder head's logit (1.0: no lexical layer)
FOLDS = 5


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _probs(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _sigmoid(x @ w[:, 0] + b[0])


def _logit(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return x @ w[:, 0].astype(np.float64) + b[0]


def _labels(p: np.ndarray, threshold: float) -> list[str]:
    return ["Yes" if q >= threshold else "No" for q in p]


def fit_lexical(texts: Sequence[str], y: np.ndarray, c: float):
    """A TF-IDF logistic layer (``slant.tfidf.TfidfLinear``, one output) fitted on ``texts``: word
    1-2-grams as ``slant.tfidf.terms`` cuts them, seen in at least two texts, sublinear tf,
    balanced class weights. Its weights go through float16 as they are stored."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from ..tfidf import TfidfLinear, terms

    vec = TfidfVectorizer(analyzer=terms, min_df=2, sublinear_tf=True)
    lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(vec.fit_transform(list(texts)), y)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    weight = lr.coef_.T.astype(np.float16).astype(np.float32)
    return TfidfLinear(vocab, vec.idf_.astype(np.float32), weight, lr.intercept_.astype(np.float32).astype(np.float64), [POSITIVE])


def _best_f1(gold: Sequence[str], p: np.ndarray) -> float:
    return task.best_threshold(gold, p)[1]


def id_folds(ids: Sequence[str], k: int = FOLDS) -> list[list[str]]:
    """``ids`` in id order cut into ``k`` runs of consecutive ids (whole debates on one side)."""
    order = sorted(ids, key=lambda i: (int(i), i) if i.isdigit() else (1 << 62, i))
    n = len(order)
    return [order[j * n // k : (j + 1) * n // k] for j in range(k)]


def train(data_dir: Path, out_dir: Path | None = None, **options) -> None:
    require_sklearn()
    folder = Path(out_dir) if out_dir else MODEL_DIR
    encoder = OnnxEncoder(ENCODER_DIR)
    by_id, split = task.load_parts(Path(data_dir))
    print(f"claims: {', '.join(f'{k} {len(v)}' for k, v in split.items())} sentences", flush=True)
    feats = task.cached_features(list(by_id.values()), encoder)
    x = lambda ids: np.stack([feats[i] for i in ids])  # noqa: E731
    gold = lambda ids: [by_id[i].label for i in ids]  # noqa: E731
    y = lambda ids: np.asarray([by_id[i].label == "Yes" for i in ids], dtype=int)  # noqa: E731
    texts = lambda ids: [by_id[i].text for i in ids]  # noqa: E731
    x_train, y_train = x(split["train"]), y(split["train"])
    basis = Basis(x_train, dims=x_train.shape[1])  # standardisation (and a rotation, which L2 does not see)
    t0 = time.time()

    # 1. The encoder head: its regularisation chosen on the tune half.
    best = None
    for c in C_GRID:
        w, b = fit_logistic(x_train, y_train, c=c, balanced=True, basis=basis)
        th, f1 = task.best_threshold(gold(split["tune"]), _probs(w, b, x(split["tune"])))
        print(f"  head C={c}: tune F1 {f1:.3f} at threshold {th:.2f}", flush=True)
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, c, th, w, b)
    _, c, _, w, b = best

    # 2. Debates held out (folds of consecutive ids over train): out-of-fold logits of the head and
    # of the lexical layer at each regularisation, and of the TF-IDF baseline.
    train_ids = split["train"]
    at = {i: k for k, i in enumerate(train_ids)}
    folds = id_folds(train_ids)
    oof_head = np.zeros(len(train_ids))
    oof_lex = {lc: np.zeros(len(train_ids)) for lc in LEX_C_GRID}
    oof_base = np.zeros(len(train_ids))
    for k, held in enumerate(folds):
        held_set = set(held)
        fit_ids = [i for i in train_ids if i not in held_set]
        rows = [at[i] for i in held]
        wf, bf = fit_logistic(x(fit_ids), y(fit_ids), c=c, balanced=True, basis=Basis(x(fit_ids), dims=x_train.shape[1]))
        oof_head[rows] = _logit(wf, bf, x(held))
        for lc in LEX_C_GRID:
            oof_lex[lc][rows] = fit_lexical(texts(fit_ids), y(fit_ids), lc).logits(texts(held))[:, 0]
        oof_base[rows] = task.tfidf_baseline([by_id[i] for i in fit_ids])(texts(held))
        print(f"  fold {k + 1}/{FOLDS} ({time.time() - t0:.0f}s)", flush=True)

    # 3. The mix (and the lexical regularisation), chosen on those held-out debates.
    g_train = gold(train_ids)
    choice = None
    for lc in LEX_C_GRID:
        for a in MIX_GRID:
            f1 = _best_f1(g_train, _sigmoid(a * oof_head + (1 - a) * oof_lex[lc]))
            print(f"  lexical C={lc}, head weight {a}: held-out debates F1 {f1:.3f} (best threshold)", flush=True)
            if choice is None or f1 > choice[0] + 1e-9:
                choice = (f1, lc, a)
    _, lex_c, mix = choice
    lexical = fit_lexical(texts(train_ids), y_train, lex_c) if mix < 1.0 else None

    def model_probs(ids, wh=w, bh=b, lex=lexical):
        z = mix * _logit(wh, bh, x(ids))
        return _sigmoid(z + (1 - mix) * lex.logits(texts(ids))[:, 0] if lex is not None else z)

    # 4. The threshold, on the tune half; test and apart scored once.
    threshold, tune_f1 = task.best_threshold(gold(split["tune"]), model_probs(split["tune"]))
    parts = ("tune", "test", "apart")
    scores = {p: checkworthy_scores(gold(split[p]), _labels(model_probs(split[p]), threshold)) for p in parts}
    # each layer alone, its own threshold tuned the same way (for the card)
    head_th, _ = task.best_threshold(gold(split["tune"]), _probs(w, b, x(split["tune"])))
    alone = {"head": {"threshold": head_th, **{p: checkworthy_scores(gold(split[p]), _labels(_probs(w, b, x(split[p])), head_th))["f1"]
                                                for p in parts}}}
    if lexical is not None:
        lex_th, _ = task.best_threshold(gold(split["tune"]), lexical.probs(texts(split["tune"]))[:, 0])
        alone["lexical"] = {"threshold": lex_th, **{p: checkworthy_scores(gold(split[p]), _labels(
            lexical.probs(texts(split[p]))[:, 0], lex_th))["f1"] for p in parts}}

    # The TF-IDF baseline, fitted on the same sentences, its threshold tuned the same way.
    base = task.tfidf_baseline([by_id[i] for i in train_ids])
    base_th, _ = task.best_threshold(gold(split["tune"]), base(texts(split["tune"])))
    baseline = {p: checkworthy_scores(gold(split[p]), _labels(base(texts(split[p])), base_th)) for p in parts}
    at_half = {p: checkworthy_scores(gold(split[p]), _labels(base(texts(split[p])), 0.5))["f1"] for p in ("test", "apart")}

    # The folds at the shipped thresholds: the model, each layer alone, the baseline.
    oof_model = _sigmoid(mix * oof_head + (1 - mix) * oof_lex[lex_c]) if lexical is not None else _sigmoid(oof_head)
    fold_rows = []
    for held in folds:
        rows = [at[i] for i in held]
        g = gold(held)
        fold_rows.append({"sentences": len(held), "first_id": held[0], "last_id": held[-1],
                          "model": checkworthy_scores(g, _labels(oof_model[rows], threshold))["f1"],
                          "head": checkworthy_scores(g, _labels(_sigmoid(oof_head[rows]), head_th))["f1"],
                          "tfidf": checkworthy_scores(g, _labels(oof_base[rows], base_th))["f1"]})
    cv = {k: float(np.mean([f[k] for f in fold_rows])) for k in ("model", "head", "tfidf")}

    # A cross-check that does not flatter: fitted on train and the tune half, at the same
    # settings and threshold, scored on the apart block (whole debates neither saw).
    more = train_ids + split["tune"]
    w2, b2 = fit_logistic(x(more), y(more), c=c, balanced=True, basis=Basis(x(more), dims=x_train.shape[1]))
    lex2 = fit_lexical(texts(more), y(more), lex_c) if lexical is not None else None
    plus_tune = checkworthy_scores(gold(split["apart"]), _labels(model_probs(split["apart"], w2, b2, lex2), threshold))

    print(f"claims: head C={c}, lexical C={lex_c}, head weight {mix}, threshold {threshold:.2f}; F1 test "
          f"{scores['test']['f1']:.3f}, apart {scores['apart']['f1']:.3f}, debates held out (5 folds) "
          f"{cv['model']:.3f}, fitted with tune then apart {plus_tune['f1']:.3f}; head alone test "
          f"{alone['head']['test']:.3f}, apart {alone['head']['apart']:.3f}, folds {cv['head']:.3f}; TF-IDF test "
          f"{baseline['test']['f1']:.3f}, apart {baseline['apart']['f1']:.3f}, folds {cv['tfidf']:.3f} "
          f"({time.time() - t0:.0f}s)", flush=True)

    cfg = {
        "labels": [POSITIVE],
        "version": "2",
        "threshold": threshold,
        "C": c,
        "fusion": {"head": mix, "lexical": round(1 - mix, 6) if lexical is not None else 0.0},
        "lexical_C": lex_c if lexical is not None else None,
        "lexical_terms": len(lexical.index) if lexical is not None else 0,
        "built": time.strftime("%Y-%m-%d"),
        "encoder": encoder.id,
        "encoder_sha": encoder_key(encoder.folder),
        "features": "mean and max of the hidden states and technique logits over each sentence's tokens, read off "
                    "the encoder pass over its passage of consecutive sentence ids (gaps <= 3, <= 40 sentences)",
        "lexical": "TF-IDF of the sentence's word 1-2-grams (slant.tfidf.terms, in >= 2 train sentences, sublinear tf) "
                   "into a logistic regression (balanced class weights), its logit added to the head's",
        "data": "CLEF CheckThat! 2024 Task 1 English (checkthat2024-checkworthiness), train and dev",
        "split": {"train": "the organisers' train less the apart block", "tune": "half of their dev (seed 2024)",
                  "test": "the other half of their dev", "apart": "the last 600 sentence ids of train+dev"},
        "sizes": {k: len(v) for k, v in split.items()},
        "positives": {k: int(sum(by_id[i].label == "Yes" for i in v)) for k, v in split.items()},
        "scores": scores,
        "alone": alone,
        "baseline": {"name": "TF-IDF word 1-2-grams + logistic regression", "threshold": base_th,
                     "scores": baseline, "f1_at_0.5": at_half},
        "debate_folds": {"folds": fold_rows, "mean": cv, "mix_f1": choice[0]},
        "with_tune_on_apart": plus_tune,
    }
    folder.mkdir(parents=True, exist_ok=True)
    if lexical is not None:
        lexical.save(folder / LEXICAL_FILE)
    elif (folder / LEXICAL_FILE).is_file():
        (folder / LEXICAL_FILE).unlink()
    save_head(folder, w, b, cfg, card(cfg))
    print(f"wrote {folder}/head.npz, head.json{', ' + LEXICAL_FILE if lexical is not None else ''}, MODEL_CARD.md", flush=True)


def card(cfg: dict) -> str:
    s, base, cv = cfg["scores"], cfg["baseline"]["scores"], cfg["debate_folds"]
    alone, mix = cfg["alone"], cfg["fusion"]
    lex = "lexical" in alone
    rows = [("test (half of dev, scored once)", "test"), ("apart (last 600 ids, whole debates)", "apart"),
            ("tune (half of dev, threshold chosen here)", "tune")]
    table = "\n".join(f"| {name} | {cfg['sizes'][k]} ({cfg['positives'][k]} Yes) | {s[k]['p']:.3f} | {s[k]['r']:.3f} "
                      f"| **{s[k]['f1']:.3f}** | {alone['head'][k]:.3f} | "
                      + (f"{alone['lexical'][k]:.3f} | " if lex else "") + f"{base[k]['f1']:.3f} |" for name, k in rows)
    folds = "\n".join(f"| {f['first_id']}–{f['last_id']} | {f['sentences']} | {f['model']:.3f} | {f['head']:.3f} | {f['tfidf']:.3f} |"
                      for f in cv["folds"])
    what = (f"The encoder head's logit (weight {mix['head']:g}) plus a TF-IDF lexical layer's (weight {mix['lexical']:g}; "
            f"{cfg['lexical_terms']} terms, C = {cfg['lexical_C']}): {cfg['lexical']}." if lex else
            "The encoder head alone.")
    wt = cfg["with_tune_on_apart"]
    return f"""# Check-worthy claims model

A logistic layer over the shared encoder's pass (`{cfg['encoder']}`, weights sha `{cfg['encoder_sha']}`):
{cfg['features']}; C = {cfg['C']}. {what} Threshold {cfg['threshold']:.2f}; built {cfg['built']} by
`slant train claims`. Files: `head.npz` (the encoder head), `lexical.npz` (vocabulary, idf, weights),
`head.json`; numpy at run time.

**Data**: {cfg['data']}: transcribed US political debates and speeches, labelled Yes when a sentence makes
a factual claim worth a fact-checker's time. English speech only: the encoder head reads any language
the encoder reads, the lexical layer English words, and both have only learned what check-worthy means
in English debates.

**Split** (by sentence id, `slant.tasks.corpora.checkworthy_split`): train = the organisers' train less
the apart block ({cfg['sizes']['train']} sentences); the organisers' dev ({cfg['sizes']['tune'] + cfg['sizes']['test']} left)
halved at random into tune (the head's regularisation and the threshold chosen for F1) and test (scored
once); apart = the last 600 sentence ids of train and dev together, consecutive sentences of the last
debates. The weight of the two layers and the lexical regularisation were chosen on debates held out
(five folds of consecutive ids over train, out-of-fold scores, best F1 over thresholds: {cv['mix_f1']:.3f}),
not on tune.

## Scores: F1 of the check-worthy class (official measure)

| part | sentences | P | R | F1 | encoder head alone | {"lexical alone | " if lex else ""}TF-IDF + LR baseline |
|---|---|---|---|---|---|{"---|" if lex else ""}---|
{table}

Each layer alone and the baseline have their own threshold tuned on the same tune half (head
{alone['head']['threshold']:.2f}{f", lexical {alone['lexical']['threshold']:.2f}" if lex else ""}, baseline {cfg['baseline']['threshold']:.2f}).
TF-IDF + LR: word 1-2-grams, sublinear tf, logistic regression fitted on the same train sentences
(at 0.5: test {cfg['baseline']['f1_at_0.5']['test']:.3f}, apart {cfg['baseline']['f1_at_0.5']['apart']:.3f}).

The organisers' dev sentences come from the same debates as train (their ids interleave), which
flatters every system scored on dev, most of all those that learn a debate's words. Two cross-checks
that do not flatter:

- fitted on train and the tune half (same settings and threshold), scored on the apart block:
  P {wt['p']:.3f}, R {wt['r']:.3f}, **F1 {wt['f1']:.3f}**;
- debates held out, five folds of consecutive ids over train (fitted on four, scored on the fifth,
  each system at its shipped threshold):

| ids | sentences | model F1 | encoder head alone | TF-IDF F1 |
|---|---|---|---|---|
{folds}
| mean | | **{cv['mean']['model']:.3f}** | {cv['mean']['head']:.3f} | {cv['mean']['tfidf']:.3f} |

The best published English systems reached about 0.80 F1 on the task's test set (fine-tuned
large encoders).

On news, `slant analyze` labels fragments not check-worthy (score 0) whatever the model makes of them:
lines of fewer than four words and dash attributions ("– said ..."), see `docs/analysers/claims.md`.

Reproduce: `slant train claims` then `slant eval claims` (needs `../shared/data`).
"""
