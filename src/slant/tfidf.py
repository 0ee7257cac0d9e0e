"""A TF-IDF linear model in numpy: word unigrams and bigrams, sublinear term frequency, smoothed
idf, l2-normalised rows, then one logistic output per label.

This is what scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)`` followed by
one ``LogisticRegression`` per label computes; ``slant train techniques --stages lexical`` fits it
with scikit-learn and exports the vocabulary, idf and weights to plain arrays
(``TfidfLinear.save``), so inference needs only numpy, and a test checks that both give the same
numbers. Extra dense features (``extra``) join the sparse ones unscaled, as at training time.

It sits beside the encoder in the techniques model (``slant.analysers.techniques``), with the word
tagger of :mod:`slant.word_tagger`: word cues such as "so-called", "traitors" or "wake up" are cheap
to learn from a few hundred articles, where the fine-tuned encoder learned little but
Loaded_Language. ``save_npz``/``load_npz`` are the one file layout both use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

# scikit-learn's default token pattern (words of two or more word characters), lower-cased
TOKEN = re.compile(r"(?u)\b\w\w+\b")
WORD = re.compile(r"[a-z']+")


def terms(text: str) -> list[str]:
    """Unigrams then bigrams (space-joined) of ``text``, in scikit-learn's analyzer order."""
    toks = TOKEN.findall(text.lower())
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def repetition(texts: Sequence[str]) -> np.ndarray:
    """Two repetition cues per paragraph of one article: the share of its word trigrams that occur
    in another paragraph, and the count of its most repeated trigram (Repetition is a technique
    across paragraphs, which no paragraph-alone feature sees)."""
    grams = []
    for t in texts:
        w = WORD.findall(t.lower())
        grams.append(Counter(zip(w, w[1:], w[2:])))
    seen: Counter = Counter()
    for g in grams:
        seen.update(g.keys())
    out = np.zeros((len(texts), 2), dtype=np.float64)
    for i, g in enumerate(grams):
        if g:
            out[i, 0] = sum(1 for k in g if seen[k] > 1) / len(g)
            out[i, 1] = max(g.values())
    return out


class TfidfLinear:
    """Vocabulary, idf and a linear map (terms + extra features -> labels)."""

    def __init__(self, vocab: Sequence[str], idf: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                 labels: Sequence[str]):
        self.index = {t: i for i, t in enumerate(vocab)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weight = np.asarray(weight, dtype=np.float32)  # (len(vocab) + n_extra, n_labels)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.labels = list(labels)
        self.n_extra = self.weight.shape[0] - len(self.index)

    def logits(self, texts: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        out = np.tile(self.bias, (len(texts), 1))
        # every text's known terms at once: (text, term) keys, counted, weighted, row-normalised
        per = [terms(t) for t in texts]
        flat = [x for ts in per for x in ts]
        idx = np.fromiter(map(self.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        row = np.repeat(np.arange(len(texts)), np.fromiter(map(len, per), dtype=np.int64, count=len(per)))
        keep = idx >= 0
        if keep.any():
            vocab = len(self.index)
            keys, tf = np.unique(row[keep] * vocab + idx[keep], return_counts=True)
            rows, cols = keys // vocab, keys % vocab
            vals = (1.0 + np.log(tf)) * self.idf[cols]
            vals /= np.sqrt(np.bincount(rows, vals * vals, minlength=len(texts)))[rows]
            first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # keys are sorted by row
            out[rows[first]] += np.add.reduceat(vals[:, None] * self.weight[cols], first, axis=0)
        if self.n_extra:
            if extra is None or extra.shape != (len(texts), self.n_extra):
                raise ValueError(f"this model needs {self.n_extra} extra features per text")
            out += extra @ self.weight[len(self.index):]
        return out

    def probs(self, texts: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(texts, extra)))

    def save(self, path: Path, **meta: float) -> None:
        save_npz(path, sorted(self.index, key=self.index.__getitem__), self.labels, meta,
              idf=self.idf.astype(np.float32), weight=self.weight.astype(np.float16), bias=self.bias.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> tuple[TfidfLinear, dict[str, float]]:
        vocab, labels, a, meta = load_npz(path, ("idf", "weight", "bias"))
        return cls(vocab, a["idf"], a["weight"].astype(np.float32), a["bias"], labels), meta


def save_npz(path: Path, vocab: Sequence[str], labels: Sequence[str], meta: dict[str, float], **arrays: np.ndarray) -> None:
    """One .npz: the vocabulary and the labels as newline-joined UTF-8 bytes, the arrays, and each
    number of ``meta`` as a scalar."""
    np.savez_compressed(path, vocab=pack_strings(vocab), labels=pack_strings(labels), **arrays,
                        **{k: np.float64(v) for k, v in meta.items()})


def load_npz(path: Path, keys: Sequence[str], optional: Sequence[str] = ()
          ) -> tuple[list[str], list[str], dict[str, np.ndarray], dict[str, float]]:
    """(vocabulary, labels, the arrays named by ``keys`` and those of ``optional`` present, the
    other scalars) of a ``save_npz`` file."""
    z = np.load(path)
    arrays = {k: z[k] for k in keys}
    arrays.update({k: z[k] for k in optional if k in z.files})
    meta = {k: float(z[k]) for k in z.files if k not in ("vocab", "labels", *keys, *optional)}
    return unpack_strings(z["vocab"]), unpack_strings(z["labels"]), arrays, meta


def pack_strings(items: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def unpack_strings(blob: np.ndarray) -> list[str]:
    return bytes(blob).decode("utf-8").split("\n")
