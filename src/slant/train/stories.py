"""``slant train similarity``: the story-similarity model (:mod:`slant.stories`) on SemEval-2022 Task 8.

Steps:

1. **States**: every article of the pairs, and the unlabelled articles the language centres are
   estimated from (:func:`centre_articles`), goes once through the shipped techniques encoder (the
   graph the analysers read) and its per-token hidden states, technique logits and token ids are
   kept as float16 under ``runs/stories/<sha of model.onnx>/states/<content id>.npz``: resumable
   (an article already there is not encoded again), shared by every corpus (the file is named by
   the text's hash), and never read for another encoder. The 3,449 articles of the pairs take about
   20 minutes on two cores, the 1,900 SemEval-2023 articles the centres add about 15 more.
2. **Language-neutral views** (:func:`fit_neutral`): per language, the mean of each dense view over
   at most :data:`CENTRE_CAP` articles (drawn in turn from every corpus that has the language, so no
   one corpus's topics make the centre); the :data:`LANGUAGE_DIRECTIONS` principal directions of
   the languages' centres, removed; then the :data:`SHRUNK_DIRECTIONS` strongest directions left in
   the centred articles (every language weighted alike), scaled down to the next one's spread.
3. **Fit**: the token idf comes from the training pairs' articles; every pair gets
   :meth:`slant.stories.StoryModel.pair_features`; two ridge heads (:class:`slant.stories.Head`)
   are fitted on the training pairs, one on every feature, one without the lexical ones for pairs
   across languages, their penalty chosen by 5-fold cross-validation on the training pairs. The
   story-vector cosines an index reads as "the same story" and "the same event" are chosen for the
   best F1 on the training pairs (:func:`best_threshold`). The validation pairs
   (:func:`slant.tasks.stories.split_pairs`) are scored once, at the end, and the scores go into
   the model card.

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
ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5
CENTRE_CAP = 300  # articles per language for its centre (German: 25 gave the same cosines as 100)
MIN_CENTRE = 25  # a language with fewer articles keeps the mean of the languages' centres
LANGUAGE_DIRECTIONS = 4  # principal directions of the languages' centres, removed
SHRUNK_DIRECTIONS = 8  # strongest directions left, scaled down to the next one's spread
CENTRE_SEED = 2022
# the index's classes, by SemEval-2022 Task 8's Overall score (1 = very similar .. 4 = very dissimilar)
INDEX_CLASSES = {"retelling": 1.5, "same_event": 2.5}
STANDIN_PER_GRADE = 1000  # SemEval-2025 pairs of each grade on each side of the stand-in (150 left r noisy by 0.04)


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


def cached_ids(text: str) -> np.ndarray:
    """The token ids of a cached article (only they are read from its states file)."""
    with np.load(states_dir() / f"{content_id(text)}.npz") as z:
        if "ids" in z:
            return z["ids"].astype(np.int32)
    return cached_article(text)._encoded.ids


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


def pair_languages(pairs) -> dict[str, str]:
    """text -> language code of every article in ``pairs``."""
    langs: dict[str, str] = {}
    for p in pairs:
        langs.setdefault(p.text1, p.lang1)
        langs.setdefault(p.text2, p.lang2)
    return langs


# --- step 2: language-neutral views ------------------------------------------------------------------


def centre_articles(data_dir: Path, fit_pairs, cap: int = CENTRE_CAP, seed: int = CENTRE_SEED,
                    log=print) -> dict[str, list[str]]:
    """language -> the texts its centre is estimated from: the training pairs' articles
    (SemEval-2022 Task 8), SemEval-2023 Task 3's articles (every language folder and split) and
    SemEval-2025 Task 10's documents, at most ``cap`` per language, taken in turn from each corpus
    that has the language (each corpus shuffled with a fixed seed), so that a language found in
    several corpora is centred on a mix of their topics. No label is read."""
    from ..tasks.corpora import semeval2023_techniques
    from ..tasks.stories import narrative_docs
    from ..stories import language_code

    by: dict[str, dict[str, list[str]]] = {}

    def add(corpus: str, text: str, language: str | None) -> None:
        code = language_code(language)
        if code and text.strip():
            by.setdefault(code, {}).setdefault(corpus, []).append(text)

    for text, lang in sorted(pair_languages(fit_pairs).items()):
        add("semeval2022", text, lang)
    base = Path(data_dir) / "semeval2023-task3"
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for split in ("train", "dev", "test"):
            try:
                docs = semeval2023_techniques(data_dir, folder.name, split, with_labels=False)
            except SlantError:
                continue
            for d in docs:
                add("semeval2023", d.article.text, d.article.meta.language)
    try:
        for d in narrative_docs(data_dir):
            add("semeval2025", d.text, d.language)
    except SlantError as exc:
        log(f"  (no SemEval-2025 Task 10 documents for the centres: {exc})")
    rng = np.random.default_rng(seed)
    out: dict[str, list[str]] = {}
    for code, corpora in sorted(by.items()):
        queues = []
        for name in sorted(corpora):
            texts = sorted(set(corpora[name]))
            queues.append([texts[i] for i in rng.permutation(len(texts))])
        chosen: list[str] = []
        seen: set[str] = set()
        while len(chosen) < cap and any(queues):
            for q in queues:
                while q and q[-1] in seen:
                    q.pop()
                if q and len(chosen) < cap:
                    seen.add(q[-1])
                    chosen.append(q.pop())
        out[code] = chosen
    return out


def dense_rows(stories, view: str) -> np.ndarray:
    """(n, d) one view of the stories; for ``sentences``, each story's mean sentence state."""
    if view == "sentences":
        return np.stack([s.sentences.mean(axis=0) for s in stories if len(s.sentences)])
    return np.stack([getattr(s, view) for s in stories])


def fit_neutral(by_language: dict[str, list], min_articles: int = MIN_CENTRE, k_languages: int = LANGUAGE_DIRECTIONS,
                k_shrunk: int = SHRUNK_DIRECTIONS, per_language: bool = True
                ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The arrays that make each dense view language-neutral (:class:`slant.stories.Neutraliser`),
    from the Stories of each language's unlabelled articles; and how many articles each
    language's centre has. Languages with fewer than ``min_articles`` get no centre of their own.

    Per view: the language's mean (its centre); the mean of the centres (for any other language);
    the ``k_languages`` principal directions of the centres around it (what tells languages apart
    once each is centred: removed, so an unknown language keeps less of its offset too); then the
    ``k_shrunk`` principal directions of the centred articles, every language weighted alike, each
    scaled to the spread of the next one (the first is the techniques fine-tuning's direction).
    ``per_language=False``: one centre, the mean of every article, for all languages (what the
    model did before; kept to measure the difference).
    """
    from ..stories import DENSE

    if per_language:
        groups = {code: stories for code, stories in by_language.items() if len(stories) >= min_articles}
        if len(groups) < 2:
            raise SlantError(f"language centres need at least two languages with {min_articles} articles "
                             f"(have: {', '.join(f'{k} {len(v)}' for k, v in sorted(by_language.items())) or 'none'})")
    else:
        groups = {"*": [s for stories in by_language.values() for s in stories]}
    langs = sorted(groups)
    arrays: dict[str, np.ndarray] = {"languages": np.asarray(langs if per_language else [], dtype=str)}
    for view in DENSE:
        rows = {code: dense_rows(groups[code], view).astype(np.float64) for code in langs}
        centres = np.stack([rows[code].mean(axis=0) for code in langs])
        centre = centres.mean(axis=0)
        k1 = min(k_languages, len(langs) - 1)
        lang_dirs = np.linalg.svd(centres - centre, full_matrices=False)[2][:k1].T
        spread = np.concatenate([(rows[code] - centres[i]) / np.sqrt(len(rows[code])) for i, code in enumerate(langs)])
        spread -= (spread @ lang_dirs) @ lang_dirs.T
        _, sv, vt = np.linalg.svd(spread, full_matrices=False)
        k2 = min(k_shrunk, len(sv) - 1)
        basis = np.concatenate([lang_dirs, vt[:k2].T], axis=1)
        scale = np.concatenate([np.zeros(k1), sv[k2] / sv[:k2]])
        arrays.update({f"centre_{view}": centre.astype(np.float32),
                       f"lang_centre_{view}": centres[:len(arrays["languages"])].astype(np.float32),
                       f"basis_{view}": basis.astype(np.float32), f"basis_scale_{view}": scale.astype(np.float32)})
    return arrays, {str(code): len(groups[code]) for code in arrays["languages"]}


def best_threshold(cos: np.ndarray, positive: np.ndarray) -> float:
    """The cosine at or above which a pair is called positive that gives the best F1 on these pairs
    (rounded to 0.001: the index keeps float16 vectors)."""
    order = np.argsort(-cos)
    c, pos = cos[order], positive[order].astype(np.float64)
    tp = np.cumsum(pos)
    k = np.arange(1, len(c) + 1)
    f1 = 2 * tp / (k + pos.sum())
    last = np.r_[c[1:] != c[:-1], True]  # a threshold sits at the last of equal cosines
    i = int(np.argmax(np.where(last, f1, -1)))
    return round(float(c[i]), 3)


def threshold_scores(cos: np.ndarray, positive: np.ndarray, t: float) -> dict[str, float]:
    """Precision, recall and F1 of "cosine >= t" for the positive class, with its count."""
    called = cos >= t
    tp = float((called & positive).sum())
    p = tp / max(float(called.sum()), 1.0)
    r = tp / max(float(positive.sum()), 1.0)
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(p + r, 1e-9), 3),
            "pairs": int(positive.sum())}


def _model_version(arrays: dict[str, np.ndarray]) -> str:
    """Today's date and a hash of the arrays: two fits on one day are two models (an index keys
    its vectors by ``stories@<version>``)."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(arrays):
        h.update(k.encode())
        h.update(np.ascontiguousarray(arrays[k]).tobytes())
    return f"{date.today():%Y%m%d}.{h.hexdigest()[:6]}"


def train(data_dir: Path, out_dir: Path | None = None, log=print, language_directions: int = LANGUAGE_DIRECTIONS,
          shrunk_directions: int = SHRUNK_DIRECTIONS, per_language: bool = True, **_options) -> None:
    """Fit and write the model (see the module docstring). The keywords change how the dense views
    are made language-neutral (:func:`fit_neutral`), to measure the alternatives with
    ``slant eval similarity --model DIR``; the defaults are what ships."""
    from ..doclabels import ENCODER_DIR
    from ..stories import FEATURES, LEXICAL, STORIES_DIR, VOCAB, StoryModel, profile
    from ..tasks.stories import pearson, semeval2022_pairs, split_pairs, summary_counts
    from .doclabels import encoder_key

    out = Path(out_dir or STORIES_DIR)
    pairs = semeval2022_pairs(data_dir)
    held = split_pairs(pairs)
    fit_pairs = [p for p in pairs if p.pair_id not in held]
    val_pairs = [p for p in pairs if p.pair_id in held]
    log(f"SemEval-2022 Task 8: {len(pairs)} pairs ({summary_counts(pairs)}); fit on {len(fit_pairs)}, "
        f"validation {len(val_pairs)}")
    by_language = centre_articles(Path(data_dir), fit_pairs, log=log)
    log("  language centres from unlabelled articles: "
        + ", ".join(f"{k} {len(v)}" for k, v in sorted(by_language.items())))
    langs = pair_languages(pairs)
    for code, texts in by_language.items():
        for t in texts:
            langs.setdefault(t, code)
    encode_texts(sorted(langs), log=log)

    # idf from the training pairs' articles only
    fit_texts = sorted({t for p in fit_pairs for t in (p.text1, p.text2)})
    ids = [cached_ids(t) for t in fit_texts]
    idf = token_idf(ids, VOCAB).astype(np.float16).astype(np.float32)  # as shipped (float16), so fit = run time
    stories = {}
    for t in sorted(langs):
        art = cached_article(t, langs[t])
        stories[t] = profile(art, art._encoded, idf)
    neutral, counts = fit_neutral({code: [stories[t] for t in texts] for code, texts in by_language.items()},
                                  k_languages=language_directions, k_shrunk=shrunk_directions, per_language=per_language)
    short = sorted(set(by_language) - set(counts)) if per_language else []
    log(f"  {len(counts)} language centres" + (f"; too few articles for {', '.join(short)} (global centre)" if short else ""))
    base = {"idf": idf.astype(np.float16), **neutral}
    draft = StoryModel.from_arrays(base, {}, folder=out)
    x = np.stack([draft.pair_features(stories[p.text1], stories[p.text2]) for p in pairs])
    y = np.array([p.overall for p in pairs], dtype=np.float64)
    fit_mask = np.array([p.pair_id not in held for p in pairs])
    val = ~fit_mask

    all_cols = list(range(len(FEATURES)))
    cross_cols = [i for i, f in enumerate(FEATURES) if f not in LEXICAL]
    log("  fitting the heads (penalty by 5-fold cross-validation on the training pairs)")
    same, same_cv = fit_head(x[fit_mask], y[fit_mask], all_cols, log=log, name="same-language")
    cross, cross_cv = fit_head(x[fit_mask], y[fit_mask], cross_cols, log=log, name="cross-language")

    # the story vectors' cosine (what the index ranks by) and its two thresholds, set on training pairs
    vec = {t: draft.vector(stories[t]) for t in {t for p in pairs for t in (p.text1, p.text2)}}
    cos = np.array([float(vec[p.text1] @ vec[p.text2]) for p in pairs])
    index = {name: best_threshold(cos[fit_mask], y[fit_mask] <= top) for name, top in INDEX_CLASSES.items()}

    arrays = {**base, **same.to_arrays("same"), **cross.to_arrays("cross")}
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "model.npz", **arrays)
    scores = {"validation_pairs": int(val.sum()), "fit_pairs": int(fit_mask.sum()),
              # clipped to the scale, as StoryModel.overall gives them
              "same_head_r": round(pearson(np.clip(same.predict(x[val]), 1, 4), y[val]), 4),
              "cross_head_r": round(pearson(np.clip(cross.predict(x[val]), 1, 4), y[val]), 4),
              "same_head_cv_r": round(same_cv[0], 4), "cross_head_cv_r": round(cross_cv[0], 4),
              "same_alpha": same_cv[1], "cross_alpha": cross_cv[1],
              # cosine against a score where 1 is the most similar: r of 1 - cos, positive when it ranks well
              "vector_r": round(pearson(1 - cos[val], y[val]), 4), "vector_fit_r": round(pearson(1 - cos[fit_mask], y[fit_mask]), 4),
              "index": {name: {"training": threshold_scores(cos[fit_mask], y[fit_mask] <= top, index[name]),
                               "validation": threshold_scores(cos[val], y[val] <= top, index[name])}
                        for name, top in INDEX_CLASSES.items()}}
    config = {
        "name": "slant-stories", "version": _model_version(arrays), "encoder_sha": encoder_key(ENCODER_DIR),
        "features": list(FEATURES), "lexical": list(LEXICAL), "scale": "SemEval-2022 Task 8 Overall, 1 = very similar .. 4 = very dissimilar",
        "data": "semeval2022-task8/train.jsonl", "split": {"seed": 2022, "validation_share": 0.2, "by": "pair, pairs sharing an article kept together"},
        "index": index,
        "index_classes": {name: f"Overall <= {top}" for name, top in INDEX_CLASSES.items()},
        "neutral": {"centres": counts, "per_language": per_language, "centre_cap": CENTRE_CAP, "min_articles": MIN_CENTRE,
                    "language_directions": language_directions if per_language else 0,
                    "shrunk_directions": shrunk_directions,
                    "from": "semeval2022-task8 training pairs, semeval2023-task3 (all splits), semeval2025-task10 (train, dev); no labels"},
        "validation": sorted(held), "scores": scores,
    }
    (out / "model.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", "utf-8")
    log(f"  validation r: same-language head {scores['same_head_r']:.3f}, cross-language head {scores['cross_head_r']:.3f}, "
        f"story-vector cosine {scores['vector_r']:.3f}")
    log("  index thresholds (story-vector cosine, best F1 on the training pairs): "
        + ", ".join(f"{k} {v:.3f}" for k, v in index.items()))
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
    cos = np.array([float(model.vector(model.story(arts[p.text1])) @ model.vector(model.story(arts[p.text2]))) for p in val])
    langs = sorted({p.lang1 for p in val}, key=lambda c: -sum(p.lang1 == c for p in val))
    head = f"{'':<34}{'all':>7}" + "".join(f"{c:>7}" for c in langs)
    lines = [f"Story similarity, SemEval-2022 Task 8 validation pairs (Pearson r with the Overall score; "
             f"{len(val)} pairs held out of {len(pairs)}, seed 2022)", "", head,
             f"{'pairs':<34}{len(val):>7}" + "".join(f"{sum(p.lang1 == c for p in val):>7}" for c in langs)]
    for name, pred in (("TF-IDF cosine (words)", tfidf), ("encoder mean-pooled cosine", plain),
                       ("story vector cosine", 1 - cos),
                       ("story model, same-language head", ours), ("story model, cross-language head", ours_x)):
        rs = [pearson(pred, gold)] + [pearson(pred[[p.lang1 == c for p in val]], gold[[p.lang1 == c for p in val]])
                                      for c in langs]
        lines.append(f"{name:<34}" + "".join(f"{r:>7.3f}" for r in rs))
    if model.thresholds:
        lines += ["", "Index thresholds on the story-vector cosine (set for the best F1 on the training pairs), "
                      "validation pairs:", "",
                  f"{'':<34}{'cosine':>8}{'pairs':>7}{'precision':>11}{'recall':>8}{'F1':>7}"]
        for name, top in INDEX_CLASSES.items():
            if name in model.thresholds:
                t = model.thresholds[name]
                sc = threshold_scores(cos, gold <= top, t)
                lines.append(f"{name + f' (Overall <= {top})':<34}{t:>8.3f}{sc['pairs']:>7}{sc['precision']:>11.3f}"
                             f"{sc['recall']:>8.3f}{sc['f1']:>7.3f}")
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
    sets = narrative_pairs(docs, per_grade=STANDIN_PER_GRADE)
    texts = sorted({d.text for side in sets.values() for a, b, _ in side for d in (a, b)})
    encode_texts(texts, log=log, what="SemEval-2025 documents")
    langs = {d.text: d.language.lower() for side in sets.values() for a, b, _ in side for d in (a, b)}
    arts = {t: cached_article(t, lang) for t, lang in langs.items()}  # each document's states read once
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
        vc = np.array([1 - float(model.vector(model.story(a)) @ model.vector(model.story(b))) for a, b in ta])
        # the model as shipped reads each pair with the head its languages call for
        auto = cm if side == "cross" else sm
        rows.append([pearson(v, g) for v in (tf, pl, vc, sm, cm, auto)])
    names = ("TF-IDF cosine (words)", "encoder mean-pooled cosine", "story vector cosine", "story model, same-language head",
             "story model, cross-language head", "story model, head by languages")
    for j, name in enumerate(names):
        a, b = rows[0][j], rows[1][j]
        lines.append(f"{name:<34}{a:>14.3f}{b:>12.3f}{b - a:>+8.3f}")
    return lines


def model_card(config: dict, table: str) -> str:
    s, n = config["scores"], config["neutral"]
    centres = ", ".join(f"{k} {v}" for k, v in n["centres"].items())
    idx = s["index"]
    return f"""# Story similarity (slant.stories)

Predicts SemEval-2022 Task 8's Overall score (1 = very similar stories .. 4 = very dissimilar) for
two articles, in one language or across two, from the shared techniques encoder's pass (no second
model per article), and gives each article a language-neutral story vector for a nearest-neighbour
index, with the cosines that index reads as the same story and the same event.

- **Data**: `semeval2022-task8/train.jsonl` (1,779 rated pairs, es, tr, de, ar, en, fr; every pair in
  one language), from `../shared/data`.
- **Split**: {s['validation_pairs']} validation pairs (20%, seed 2022, by pair; pairs sharing an article
  kept on one side), fitted on the other {s['fit_pairs']}. The validation ids are in `model.json`.
- **Language-neutral views**: each dense view is centred on its language's mean, estimated from
  unlabelled articles ({n['from']}; at most {n['centre_cap']} per language, taken in turn from each
  corpus): {centres}. Other languages (and articles of no known language) are centred on the mean
  of these centres. Then the {n['language_directions']} principal directions of the centres are removed
  and the {n['shrunk_directions']} strongest directions left are scaled down to the next one's spread.
- **Features**: per article, the mean, lead and idf-weighted mean hidden states, sentence states
  (all four language-neutral), mean technique logits, an idf-weighted bag of the encoder's token
  ids and the numbers cited; per pair, {', '.join(config['features'])}.
- **Heads**: ridge regression on the standardised features with their squares and products, the
  penalty chosen by 5-fold cross-validation on the training pairs (same-language head: alpha
  {s['same_alpha']:g}, cross-validated r {s['same_head_cv_r']:.3f}; cross-language head, without
  {', '.join(config['lexical'])}: alpha {s['cross_alpha']:g}, r {s['cross_head_cv_r']:.3f}).
- **Story vector** (`StoryModel.vector`): the language-neutral idf-weighted mean state, unit length.
  Thresholds on the cosine of two (`model.json` "index", `StoryModel.thresholds`), each set for the
  best F1 of its class on the training pairs: retelling (Overall <= 1.5) {config['index']['retelling']:.3f}
  (validation precision {idx['retelling']['validation']['precision']:.2f}, recall {idx['retelling']['validation']['recall']:.2f}),
  same event (Overall <= 2.5) {config['index']['same_event']:.3f} (precision
  {idx['same_event']['validation']['precision']:.2f}, recall {idx['same_event']['validation']['recall']:.2f}).
- **Encoder**: `models/techniques/model.onnx`, sha {config['encoder_sha']} (the model refuses another).
- **Version**: {config['version']} (date and a hash of the arrays). **Command**: `slant train similarity`
  (then `slant eval similarity`).

## Limits

No labelled pair across languages is in the shared data: the cross-lingual figures below come from
a stand-in (SemEval-2025 Task 10 documents graded by shared narratives, far coarser than the
Overall score) and from one German summary of an English article in the tests. Languages without a
centre of their own are read with the mean centre and fare worse. See docs/analysers/stories.md.

## Scores (validation, scored once)

```
{table}
```
"""
