"""``slant train similarity``: the story-similarity model (:mod:`slant.stories`) on SemEval-2022 Task 8.

Steps:

1. **States**: every article of the pairs goes once through the shipped techniques encoder (the
   graph the analysers read) and its per-token hidden states, technique logits and token ids are
   kept as float16 under ``runs/stories/<sha of model.onnx>/states/<content id>.npz``: resumable
   (an article already there is not encoded again), shared by every corpus (the file is named by
   the text's hash), and never read for another encoder. The 3,449 articles of the pairs take about
   20 minutes on two cores.
2. **Fit**: the token idf and the centres of the dense views come from the training pairs'
   articles; every pair gets :meth:`slant.stories.StoryModel.pair_features`; two ridge heads
   (:class:`slant.stories.Head`) are fitted on the training pairs, one on every feature, one
   without the lexical ones for pairs across languages, their penalty chosen by 5-fold
   cross-validation on the training pairs. The validation pairs (:func:`slant.tasks.stories.split_pairs`)
   are scored once, at the end, and the scores go into the model card.

scikit-learn is not needed: the heads are closed-form ridge regressions in numpy.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from ..article import Article, content_id
from ..errors import SlantError

CACHE = Path(os.environ.get("SLANT_CACHE", "runs")) / "stories"
ALPHAS = (0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5


# --- step 1: encoder states, one file per article ---------------------------------------------------


def states_dir(key: str | None = None) -> Path:
    from .doclabels import encoder_key

    return CACHE / (key or encoder_key()) / "states"


def save_states(path: Path, enc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    extra = {"techniques": enc.outputs["techniques"].astype(np.float16)} if "techniques" in enc.outputs else {}
    if enc.ids is not None:
        extra["ids"] = np.asarray(enc.ids, dtype=np.int32)
    np.savez(tmp, hidden=enc.hidden.astype(np.float16), offsets=enc.offsets, model=np.asarray(enc.model), **extra)
    os.replace(tmp, path)  # atomic: an interrupted run leaves no half-written file


def load_states(path: Path):
    """The cached :class:`slant.encoder.Encoded` of one article (float32 again)."""
    from ..encoder import Encoded

    with np.load(path) as z:
        outputs = {"hidden": z["hidden"].astype(np.float32)}
        if "techniques" in z:
            outputs["techniques"] = z["techniques"].astype(np.float32)
        ids = z["ids"].astype(np.int32) if "ids" in z else None
        return Encoded(model=str(z["model"]), offsets=z["offsets"].astype(np.int32), outputs=outputs, ids=ids)


def encode_texts(texts: Sequence[str], log=print, what: str = "articles") -> dict[str, Path]:
    """Encode every text not cached yet (shortest first); content id -> states file."""
    from ..doclabels import ENCODER_DIR
    from ..encoder import OnnxEncoder

    folder = states_dir()
    paths = {content_id(t): folder / f"{content_id(t)}.npz" for t in texts}
    todo = sorted({content_id(t): t for t in texts if not paths[content_id(t)].is_file()}.items(),
                  key=lambda kv: len(kv[1]))
    if todo and log:
        log(f"  encoding {len(todo)} of {len(paths)} {what} (states in {folder})", flush=True)
    encoder, t0 = None, time.time()
    for k, (cid, text) in enumerate(todo):
        if encoder is None:
            encoder = OnnxEncoder(ENCODER_DIR)
            encoder.load()
        (enc,) = encoder.encode([Article(text=text)])
        save_states(paths[cid], enc)
        if log and ((k + 1) % 100 == 0 or k + 1 == len(todo)):
            log(f"  encoded {k + 1}/{len(todo)} ({time.time() - t0:.0f}s)", flush=True)
    return paths


def cached_article(text: str, language: str | None = None) -> Article:
    """An Article carrying its cached encoder states (``art._encoded``)."""
    art = Article(text=text)
    art.meta.language = language
    art._encoded = load_states(states_dir() / f"{art.meta.id}.npz")
    return art


# --- step 2: fit -------------------------------------------------------------------------------------


def token_idf(id_lists: Sequence[np.ndarray], vocab: int) -> np.ndarray:
    """Smoothed idf of every token id over the given articles, ln((1 + n) / (1 + df)) + 1
    (scikit-learn's formula); an id never seen gets the highest value."""
    df = np.zeros(vocab, dtype=np.int64)
    for ids in id_lists:
        df[np.unique(np.clip(ids, 0, vocab - 1))] += 1
    n = len(id_lists)
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def ridge(z: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Closed-form ridge regression (intercept not penalised): (weight, bias)."""
    zm, ym = z.mean(axis=0), y.mean()
    zc = z - zm
    w = np.linalg.solve(zc.T @ zc + alpha * np.eye(z.shape[1]), zc.T @ (y - ym))
    return w, float(ym - zm @ w)


def fit_head(x: np.ndarray, y: np.ndarray, columns: Sequence[int], seed: int = 0, log=None, name: str = ""):
    """A :class:`slant.stories.Head` on ``columns`` of ``x``, the ridge penalty chosen by k-fold
    cross-validated Pearson on these (training) pairs only."""
    from ..stories import Head, expand
    from ..tasks.stories import pearson

    cols = np.asarray(columns, dtype=np.int64)
    xs = x[:, cols]
    mu, sd = xs.mean(axis=0), xs.std(axis=0) + 1e-9
    z = expand(xs, mu, sd)
    folds = np.random.default_rng(seed).permutation(len(y)) % FOLDS
    best = None
    for alpha in ALPHAS:
        pred = np.zeros(len(y))
        for f in range(FOLDS):
            w, b = ridge(z[folds != f], y[folds != f], alpha)
            pred[folds == f] = z[folds == f] @ w + b
        r = pearson(pred, y)
        if log:
            log(f"    {name} alpha {alpha:g}: cross-validated r {r:.3f}")
        if best is None or r > best[0]:
            best = (r, alpha)
    w, b = ridge(z, y, best[1])
    return Head(cols, mu, sd, w, b), best


def corpus_stories(model, pairs, log=print) -> dict[str, object]:
    """text -> Story of every article in ``pairs``, from the states cache (encoding what is missing)."""
    texts = sorted({t for p in pairs for t in (p.text1, p.text2)})
    encode_texts(texts, log=log)
    langs = {}
    for p in pairs:
        langs.setdefault(p.text1, p.lang1)
        langs.setdefault(p.text2, p.lang2)
    return {t: model.story(cached_article(t, langs[t])) for t in texts}


class _Draft:
    """A StoryModel under construction (arrays in memory, no heads yet)."""

    def __init__(self, idf: np.ndarray, centres: dict[str, np.ndarray]):
        self.idf, self.centres, self.version = idf, centres, "draft"

    def story(self, art: Article, encoder=None):
        from ..stories import profile

        return profile(art, art._encoded, self.idf, encoder)

    def pair_features(self, a, b):
        from ..stories import StoryModel

        return StoryModel.pair_features(self, a, b)  # type: ignore[arg-type]


def train(data_dir: Path, out_dir: Path | None = None, log=print, **_options) -> None:
    from ..doclabels import ENCODER_DIR
    from ..stories import FEATURES, LEXICAL, STORIES_DIR, VOCAB, Story
    from ..tasks.stories import pearson, semeval2022_pairs, split_pairs, summary_counts
    from .doclabels import encoder_key

    out = Path(out_dir or STORIES_DIR)
    pairs = semeval2022_pairs(data_dir)
    held = split_pairs(pairs)
    fit_pairs = [p for p in pairs if p.pair_id not in held]
    val_pairs = [p for p in pairs if p.pair_id in held]
    log(f"SemEval-2022 Task 8: {len(pairs)} pairs ({summary_counts(pairs)}); fit on {len(fit_pairs)}, "
        f"validation {len(val_pairs)}")
    encode_texts(sorted({t for p in pairs for t in (p.text1, p.text2)}), log=log)

    # idf and centres from the training pairs' articles only
    fit_texts = sorted({t for p in fit_pairs for t in (p.text1, p.text2)})
    ids = [cached_article(t)._encoded.ids for t in fit_texts]
    idf = token_idf(ids, VOCAB).astype(np.float16).astype(np.float32)  # as shipped (float16), so fit = run time
    zero = {k: np.zeros(1, np.float32) for k in ("mean", "lead", "idf_mean")}
    draft = _Draft(idf, zero)
    stories: dict[str, Story] = {t: draft.story(cached_article(t)) for t in fit_texts}
    draft.centres = {k: np.mean([getattr(s, k) for s in stories.values()], axis=0).astype(np.float32)
                     for k in ("mean", "lead", "idf_mean")}
    langs = {}
    for p in pairs:
        langs.setdefault(p.text1, p.lang1)
        langs.setdefault(p.text2, p.lang2)
    every = sorted(langs)
    stories = {t: draft.story(cached_article(t, langs[t])) for t in every}
    x = np.stack([draft.pair_features(stories[p.text1], stories[p.text2]) for p in pairs])
    y = np.array([p.overall for p in pairs], dtype=np.float64)
    fit_mask = np.array([p.pair_id not in held for p in pairs])

    all_cols = list(range(len(FEATURES)))
    cross_cols = [i for i, f in enumerate(FEATURES) if f not in LEXICAL]
    log("  fitting the heads (penalty by 5-fold cross-validation on the training pairs)")
    same, same_cv = fit_head(x[fit_mask], y[fit_mask], all_cols, log=log, name="same-language")
    cross, cross_cv = fit_head(x[fit_mask], y[fit_mask], cross_cols, log=log, name="cross-language")

    arrays = {"idf": idf.astype(np.float16), **{f"centre_{k}": v for k, v in draft.centres.items()},
              **same.to_arrays("same"), **cross.to_arrays("cross")}
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "model.npz", **arrays)
    val = ~fit_mask
    scores = {"validation_pairs": int(val.sum()), "fit_pairs": int(fit_mask.sum()),
              # clipped to the scale, as StoryModel.overall gives them
              "same_head_r": round(pearson(np.clip(same.predict(x[val]), 1, 4), y[val]), 4),
              "cross_head_r": round(pearson(np.clip(cross.predict(x[val]), 1, 4), y[val]), 4),
              "same_head_cv_r": round(same_cv[0], 4), "cross_head_cv_r": round(cross_cv[0], 4),
              "same_alpha": same_cv[1], "cross_alpha": cross_cv[1]}
    config = {
        "name": "slant-stories", "version": date.today().strftime("%Y%m%d"), "encoder_sha": encoder_key(ENCODER_DIR),
        "features": list(FEATURES), "lexical": list(LEXICAL), "scale": "SemEval-2022 Task 8 Overall, 1 = very similar .. 4 = very dissimilar",
        "data": "semeval2022-task8/train.jsonl", "split": {"seed": 2022, "validation_share": 0.2, "by": "pair, pairs sharing an article kept together"},
        "validation": sorted(held), "scores": scores,
    }
    (out / "model.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", "utf-8")
    log(f"  validation r: same-language head {scores['same_head_r']:.3f}, cross-language head {scores['cross_head_r']:.3f}")
    log(f"  wrote {out}/model.npz, model.json")
    # the table and the card need the written model (it is what `slant eval similarity` scores)
    table = scored_table(Path(data_dir), model_dir=out, log=log)
    (out / "MODEL_CARD.md").write_text(model_card(config, table), "utf-8")
    log(table)


# --- the table --------------------------------------------------------------------------------------

_WORD = re.compile(r"(?u)\b\w\w+\b")


def word_tfidf_cosines(fit_texts: Sequence[str], pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """The baseline: cosine of word TF-IDF vectors (unigrams, lower-cased, sublinear counts, idf
    smoothed as scikit-learn does, fitted on ``fit_texts``)."""
    df: Counter = Counter()
    for t in fit_texts:
        df.update(set(_WORD.findall(t.lower())))
    n = len(fit_texts)

    def vec(text: str) -> dict[str, float]:
        c = Counter(_WORD.findall(text.lower()))
        v = {w: (1 + math.log(k)) * (math.log((1 + n) / (1 + df.get(w, 0))) + 1) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    cache: dict[str, dict[str, float]] = {}
    out = []
    for a, b in pairs:
        va = cache.setdefault(a, vec(a)) if a not in cache else cache[a]
        vb = cache.setdefault(b, vec(b)) if b not in cache else cache[b]
        out.append(sum(x * vb.get(w, 0.0) for w, x in va.items()))
    return np.asarray(out)


def _mean_cos(a: Article, b: Article) -> float:
    ha, hb = a._encoded.hidden.mean(axis=0), b._encoded.hidden.mean(axis=0)
    return float(ha @ hb / (np.linalg.norm(ha) * np.linalg.norm(hb) + 1e-9))


def evaluate_similarity(data_dir: Path, **options) -> str:
    """``slant eval similarity``: the validation table, Pearson with the Overall score per language
    for TF-IDF cosine, the plain mean-pooled cosine of the shared encoder and the story model; then
    the cross-lingual stand-in (SemEval-2025 narratives) for the same three. It lives with the
    trainer because it reads the trainer's cache of encoder states."""
    return scored_table(Path(data_dir), model_dir=options.get("model"))


def scored_table(data_dir: Path, model_dir: Path | None = None, log=print, narratives: bool = True) -> str:
    """The comparison table on the validation pairs (and the cross-lingual stand-in)."""
    from ..stories import STORIES_DIR, StoryModel
    from ..tasks.stories import pearson, semeval2022_pairs

    model = StoryModel(model_dir or STORIES_DIR)
    held = set(model.config["validation"])
    pairs = semeval2022_pairs(data_dir)
    val = [p for p in pairs if p.pair_id in held]
    fit_texts = sorted({t for p in pairs if p.pair_id not in held for t in (p.text1, p.text2)})
    encode_texts(sorted({t for p in val for t in (p.text1, p.text2)}), log=log)
    arts = {}
    for p in val:
        for t, lang in ((p.text1, p.lang1), (p.text2, p.lang2)):
            if t not in arts:
                arts[t] = cached_article(t, lang)
    gold = np.array([p.overall for p in val])
    # similarities turned into Overall-like scores (1 - cos): Pearson is unchanged by the scale
    tfidf = 1 - word_tfidf_cosines(fit_texts, [(p.text1, p.text2) for p in val])
    plain = np.array([1 - _mean_cos(arts[p.text1], arts[p.text2]) for p in val])
    ours = np.array([model.overall(model.story(arts[p.text1]), model.story(arts[p.text2]), cross=False) for p in val])
    ours_x = np.array([model.overall(model.story(arts[p.text1]), model.story(arts[p.text2]), cross=True) for p in val])
    langs = sorted({p.lang1 for p in val}, key=lambda c: -sum(p.lang1 == c for p in val))
    head = f"{'':<34}{'all':>7}" + "".join(f"{c:>7}" for c in langs)
    lines = [f"Story similarity, SemEval-2022 Task 8 validation pairs (Pearson r with the Overall score; "
             f"{len(val)} pairs held out of {len(pairs)}, seed 2022)", "", head,
             f"{'pairs':<34}{len(val):>7}" + "".join(f"{sum(p.lang1 == c for p in val):>7}" for c in langs)]
    for name, pred in (("TF-IDF cosine (words)", tfidf), ("encoder mean-pooled cosine", plain),
                       ("story model, same-language head", ours), ("story model, cross-language head", ours_x)):
        rs = [pearson(pred, gold)] + [pearson(pred[[p.lang1 == c for p in val]], gold[[p.lang1 == c for p in val]])
                                      for c in langs]
        lines.append(f"{name:<34}" + "".join(f"{r:>7.3f}" for r in rs))
    if narratives:
        lines += ["", *narrative_table(data_dir, model, log=log)]
    return "\n".join(lines)


def narrative_table(data_dir: Path, model, log=print) -> list[str]:
    """Pearson with the narrative grade (1 sub-narrative shared .. 4 other domain) on SemEval-2025
    Task 10 pairs in one language and across two (same grades, same counts)."""
    from ..tasks.stories import narrative_docs, narrative_pairs, pearson

    try:
        docs = narrative_docs(data_dir)
    except SlantError as exc:
        return [f"(cross-lingual stand-in not scored: {exc})"]
    if not docs:
        return ["(cross-lingual stand-in not scored: no SemEval-2025 Task 10 narratives found)"]
    sets = narrative_pairs(docs)
    texts = sorted({d.text for side in sets.values() for a, b, _ in side for d in (a, b)})
    encode_texts(texts, log=log, what="SemEval-2025 documents")
    arts = {d.text: cached_article(d.text, d.language.lower()) for side in sets.values() for a, b, _ in side for d in (a, b)}
    fit_texts = texts  # idf of the stand-in's own documents for its TF-IDF row
    lines = [f"Cross-lingual stand-in: SemEval-2025 Task 10 document pairs graded by shared narratives "
             f"(1 sub-narrative .. 4 other domain), {len(sets['same'])} pairs in one language and "
             f"{len(sets['cross'])} across two, same grades",
             "", f"{'':<34}{'one language':>14}{'across two':>12}{'gap':>8}"]
    rows = []
    for side in ("same", "cross"):
        pairs = sets[side]
        g = np.array([grade for _, _, grade in pairs], dtype=np.float64)
        ta = [(arts[a.text], arts[b.text]) for a, b, _ in pairs]
        tf = 1 - word_tfidf_cosines(fit_texts, [(a.text, b.text) for a, b, _ in pairs])
        pl = np.array([1 - _mean_cos(a, b) for a, b in ta])
        sm = np.array([model.overall(model.story(a), model.story(b), cross=False) for a, b in ta])
        cm = np.array([model.overall(model.story(a), model.story(b), cross=True) for a, b in ta])
        # the model as shipped reads each pair with the head its languages call for
        auto = cm if side == "cross" else sm
        rows.append([pearson(v, g) for v in (tf, pl, sm, cm, auto)])
    names = ("TF-IDF cosine (words)", "encoder mean-pooled cosine", "story model, same-language head",
             "story model, cross-language head", "story model, head by languages")
    for j, name in enumerate(names):
        a, b = rows[0][j], rows[1][j]
        lines.append(f"{name:<34}{a:>14.3f}{b:>12.3f}{b - a:>+8.3f}")
    return lines


def model_card(config: dict, table: str) -> str:
    s = config["scores"]
    return f"""# Story similarity (slant.stories)

Predicts SemEval-2022 Task 8's Overall score (1 = very similar stories .. 4 = very dissimilar) for
two articles, from the shared techniques encoder's pass (no second model per article), and gives
each article a story vector for a nearest-neighbour index.

- **Data**: `semeval2022-task8/train.jsonl` (1,779 rated pairs, es, tr, de, ar, en, fr; every pair in
  one language), from `../shared/data`.
- **Split**: {s['validation_pairs']} validation pairs (20%, seed 2022, by pair; pairs sharing an article
  kept on one side), fitted on the other {s['fit_pairs']}. The validation ids are in `model.json`.
- **Features**: per article, the mean, lead and idf-weighted mean hidden states (centred), sentence
  states, mean technique logits, an idf-weighted bag of the encoder's token ids and the numbers cited;
  per pair, {', '.join(config['features'])}.
- **Heads**: ridge regression on the standardised features with their squares and products, the
  penalty chosen by 5-fold cross-validation on the training pairs (same-language head: alpha
  {s['same_alpha']:g}, cross-validated r {s['same_head_cv_r']:.3f}; cross-language head, without
  {', '.join(config['lexical'])}: alpha {s['cross_alpha']:g}, r {s['cross_head_cv_r']:.3f}).
- **Encoder**: `models/techniques/model.onnx`, sha {config['encoder_sha']} (the model refuses another).
- **Date**: {config['version']}. **Command**: `slant train similarity` (then `slant eval similarity`).

## Limits

Pairs across languages are not served yet: the encoder's final states are dominated by the
language (a German summary of an English article rates 4.0, unrelated). The stand-in below
(SemEval-2025 narratives) is graded mostly by domain, which survives a change of language, so its
small gap is an upper bound. See docs/analysers/stories.md.

## Scores (validation, scored once)

```
{table}
```
"""
