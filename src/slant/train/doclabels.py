"""Shared training steps of the document-label heads (genre, frames, narratives).

Features: every corpus article goes once through the shipped techniques encoder (int8 ONNX, the
same graph the analysers read) and is reduced to ``slant.doclabels.features`` of its whole text.
They are cached under ``runs/doclabels/<sha of model.onnx>/<corpus>.npz`` so that retraining a head
takes seconds, and a new encoder (other weights, other hash) is never read with stale features.

Heads: scikit-learn logistic regression on the standardised features projected on their top 128
principal directions (``Basis``); standardisation and projection are folded into the exported
affine map, so the runtime is one matrix product. scikit-learn is needed here only, never at
inference.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..article import Article
from ..doclabels import ENCODER_DIR, article_features, file_hash
from ..encoder import OnnxEncoder
from ..errors import SlantError

CACHE = Path(os.environ.get("SLANT_CACHE", "runs")) / "doclabels"


def encoder_key(folder: Path = ENCODER_DIR) -> str:
    enc = OnnxEncoder(folder)
    return file_hash(folder / enc.model_file)


def corpus_features(name: str, docs: Sequence[tuple[str, Article]], folder: Path = ENCODER_DIR,
                    log=print, cached_only: bool = False) -> np.ndarray | None:
    """(n, d) article features of ``docs`` (id, Article), from the cache when the ids match.
    ``cached_only``: None instead of encoding when some are not cached."""
    key = encoder_key(folder)
    path = CACHE / key / f"{name}.npz"
    ids = [i for i, _ in docs]
    done: dict[str, np.ndarray] = {}
    if path.is_file():
        cached = np.load(path)
        done = {str(i): row for i, row in zip(cached["ids"], cached["x"])}
    todo = [(i, art) for i, art in docs if i not in done]
    if todo and cached_only:
        return None
    if todo:
        encoder = OnnxEncoder(folder)
        encoder.load()
        t0 = time.time()
        for k, (i, art) in enumerate(todo):
            fresh = Article(text=art.text)
            (enc,) = encoder.encode([fresh])
            if len(enc):
                done[i] = article_features(enc, fresh.text)
            if (k + 1) % 50 == 0 or k + 1 == len(todo):
                _save(path, done)  # progress survives an interrupted run
                if log:
                    log(f"  {name}: encoded {k + 1}/{len(todo)} articles ({time.time() - t0:.0f}s)")
    width = next(iter(done.values())).shape[0] if done else 0
    return np.stack([done.get(i, np.zeros(width, np.float32)) for i in ids]).astype(np.float32)


def _save(path: Path, rows: dict[str, np.ndarray]) -> None:
    """Write the cache atomically (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, ids=np.asarray(list(rows)), x=np.stack(list(rows.values())))
    os.replace(tmp, path)


DIMS = 128  # principal directions the heads are fitted in (a few hundred training articles)


class Basis:
    """Standardisation then projection on the top principal directions of the training features:
    fitting in 128 dimensions instead of ~800 is faster and regularises heads trained on a few
    hundred articles. ``fold`` maps weights learned in the basis back to raw features."""

    def __init__(self, x: np.ndarray, dims: int = DIMS):
        self.mu = x.mean(axis=0).astype(np.float64)
        self.sd = x.std(axis=0).astype(np.float64) + 1e-6
        z = (x - self.mu) / self.sd
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        self.p = vt[: min(dims, len(vt))].T  # (d, k)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mu) / self.sd) @ self.p

    def fold(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        full = self.p @ w  # weights on standardised features, (d, k)
        return (full / self.sd[:, None]).astype(np.float32), (b - (self.mu / self.sd) @ full).astype(np.float32)


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float = 1.0, balanced: bool = True, multinomial: bool = False,
                 basis: Basis | None = None):
    """(weight (d, k), bias (k,)) of logistic regression fitted in ``basis`` (made from ``x`` when
    not given), folded back onto raw features. ``y``: class indices, or a 0/1 column (k = 1)."""
    from sklearn.linear_model import LogisticRegression

    basis = basis or Basis(x)
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
    lr.fit(basis(x), y)
    return basis.fold(lr.coef_.T.astype(np.float64), lr.intercept_.astype(np.float64))


def fit_ovr(x: np.ndarray, y: np.ndarray, c: float = 1.0, balanced: bool = True,
            min_positives: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """One binary logistic head per column of the 0/1 matrix ``y``: (weight (d, k), bias (k,)).
    A column with fewer than ``min_positives`` positives (or no negative) gets a constant,
    never-firing head."""
    d, k = x.shape[1], y.shape[1]
    w = np.zeros((d, k), np.float32)
    b = np.full(k, -10.0, np.float32)
    basis = Basis(x)
    z = basis(x)
    from sklearn.linear_model import LogisticRegression

    for j in range(k):
        col = y[:, j]
        if max(1, min_positives) <= col.sum() < len(col):
            lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
            lr.fit(z, col)
            wj, bj = basis.fold(lr.coef_.T.astype(np.float64), lr.intercept_.astype(np.float64))
            w[:, j], b[j] = wj[:, 0], bj[0]
    return w, b


def kfold(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def save_head(folder: Path, weight: np.ndarray, bias: np.ndarray, config: dict, card: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / "head.npz", weight=weight.astype(np.float32), bias=bias.astype(np.float32))
    (folder / "head.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", "utf-8")
    (folder / "MODEL_CARD.md").write_text(card, "utf-8")


def require_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SlantError("training the document heads needs scikit-learn (pip install scikit-learn)") from None


def heldout_ids(ids: Sequence[str], texts: dict[str, str], folder: Path = ENCODER_DIR, seed: int = 2023) -> list[str]:
    """Validation articles of SemEval-2023 Task 3 (English): those the shared encoder did not train
    on, i.e. the held-out parts of its ``split.json`` (made by article with seed 2023: ``dev`` and
    ``test`` of the English model, ``val`` and ``eval`` of English in the multilingual one's), so
    the heads are scored on text the encoder never fitted. Without that file, the same split is
    recomputed with :func:`slant.tasks.corpora.split_ids`."""
    from ..tasks import corpora

    split_file = folder / "split.json"
    if split_file.is_file():
        parts = json.loads(split_file.read_text("utf-8"))
        parts = parts["langs"].get("en", {}) if "langs" in parts else parts
    else:
        parts = corpora.split_ids(list(ids), seed=seed, texts=texts)
    held = {i for key in ("dev", "test", "val", "eval") for i in parts.get(key, [])}
    return sorted(i for i in ids if i in held)


def cache_name(corpus: str, lang: str, split: str = "train") -> str:
    """The feature cache's name for one language and split of a corpus ("semeval2023-fr-dev"):
    the trainers write it and ``slant eval`` reads it."""
    name = f"{corpus}-{lang.lower()}"
    return name if split == "train" else f"{name}-{split}"


SEMEVAL2023_LANGS = ("en", "fr", "ge", "it", "po", "ru")
SEMEVAL2025_LANGS = ("EN", "BG", "HI", "PT", "RU")


@dataclass
class LangSet:
    """One language's labelled documents with their features; ``held`` marks the ones the head is
    scored on and never fitted on (``held_from`` says which)."""

    lang: str
    docs: list
    x: np.ndarray
    held: np.ndarray
    held_from: str
    held_split: str = "train"  # the corpus split the held-out documents come from

    @property
    def fit(self) -> np.ndarray:
        return ~self.held


def semeval2023_sets(data_dir: Path, subtask: int, langs: Sequence[str] = SEMEVAL2023_LANGS,
                     folder: Path = ENCODER_DIR, log=print) -> list[LangSet]:
    """The genre (subtask 1) or frames (2) articles of every language with features. English has no
    released dev labels: its held-out articles are those the encoder never trained on
    (:func:`heldout_ids`); every other language is scored on the organisers' dev split and fitted
    on all its training articles. A language missing from the data is left out with a note."""
    from ..tasks import corpora

    out = []
    for lang in langs:
        try:
            train = corpora.semeval2023_doc_labels(data_dir, subtask, lang)
            dev = [] if lang == "en" else corpora.semeval2023_doc_labels(data_dir, subtask, lang, split="dev")
        except SlantError as exc:
            if log:
                log(f"  {lang}: not used ({exc})")
            continue
        x = corpus_features(cache_name("semeval2023", lang), [(d.id, d.article) for d in train], folder, log=log)
        if lang == "en":
            val = set(heldout_ids([d.id for d in train], {d.id: d.article.text for d in train}, folder))
            held = np.array([d.id in val for d in train])
            out.append(LangSet(lang, train, x, held, "articles the encoder never trained on"))
        else:
            xd = corpus_features(cache_name("semeval2023", lang, "dev"), [(d.id, d.article) for d in dev], folder, log=log)
            held = np.array([False] * len(train) + [True] * len(dev))
            out.append(LangSet(lang, train + dev, np.vstack([x, xd]), held, "organisers' dev", "dev"))
    if not out:
        raise SlantError(f"no SemEval-2023 subtask {subtask} articles under {data_dir}")
    return out


def stacked(sets: Sequence[LangSet], part: str = "fit") -> tuple[np.ndarray, list]:
    """Features and documents of every language's ``fit`` or ``held`` part, one after the other."""
    masks = [getattr(s, part) for s in sets]
    x = np.vstack([s.x[m] for s, m in zip(sets, masks)])
    docs = [d for s, m in zip(sets, masks) for d, keep in zip(s.docs, m) if keep]
    return x, docs


def validation_ids(sets: Sequence[LangSet]) -> dict[str, list[str]]:
    """``head.json``'s ``validation``: the held-out document ids by language."""
    return {s.lang: sorted(d.id for d, h in zip(s.docs, s.held) if h) for s in sets if s.held.any()}


def validation_splits(sets: Sequence[LangSet]) -> dict[str, str]:
    """``head.json``'s ``validation_split``: the corpus split each language's held-out ids are in."""
    return {s.lang: s.held_split for s in sets if s.held.any()}


def baseline_labels(data_dir: Path, subtask: int, lang: str) -> dict[str, list[str]] | None:
    """The organisers' baseline output for ``lang``'s dev split (subtask 1 or 2), or None."""
    from ..tasks import corpora

    path = Path(data_dir) / "semeval2023-task3" / "baselines" / f"baseline-output-subtask{subtask}-dev-{lang}.txt"
    return corpora.read_doc_labels(path, multi=subtask == 2) if path.is_file() else None
