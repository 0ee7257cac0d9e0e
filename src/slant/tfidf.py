"""A TF-IDF linear model in numpy: word unigrams and bigrams, sublinear term frequency, smoothed
idf, l2-normalised rows, then one logistic output per label.

This is what scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)`` followed by
one ``LogisticRegression`` per label computes; ``slant train techniques --stages lexical`` fits it
with scikit-learn and exports the vocabulary, idf and weights to plain arrays
(``TfidfLinear.save``), so inference needs only numpy, and a test checks that both give the same
numbers. Extra dense features (``extra``) join the sparse ones unscaled, as at training time.

Used for paragraph-level technique scores beside the encoder's (``slant.analysers.techniques``):
word cues such as "so-called", "traitors" or "wake up" are cheap to learn from a few hundred
articles, where the fine-tuned encoder learned little but Loaded_Language and Name_Calling.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
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
        for r, text in enumerate(texts):
            counts = Counter(i for t in terms(text) if (i := self.index.get(t)) is not None)
            if counts:
                idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                vals = (1.0 + np.log(tf)) * self.idf[idx]
                vals /= np.linalg.norm(vals)
                out[r] += vals @ self.weight[idx]
        if self.n_extra:
            if extra is None or extra.shape != (len(texts), self.n_extra):
                raise ValueError(f"this model needs {self.n_extra} extra features per text")
            out += extra @ self.weight[len(self.index):]
        return out

    def probs(self, texts: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(texts, extra)))

    def save(self, path: Path, **meta: float) -> None:
        vocab = sorted(self.index, key=self.index.__getitem__)
        blob = np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8)
        np.savez_compressed(path, vocab=blob, idf=self.idf.astype(np.float32), weight=self.weight.astype(np.float16),
                            bias=self.bias.astype(np.float32),
                            labels=np.frombuffer("\n".join(self.labels).encode("utf-8"), dtype=np.uint8),
                            **{k: np.float64(v) for k, v in meta.items()})

    @classmethod
    def load(cls, path: Path) -> tuple[TfidfLinear, dict[str, float]]:
        z = np.load(path)
        vocab = bytes(z["vocab"]).decode("utf-8").split("\n")
        labels = bytes(z["labels"]).decode("utf-8").split("\n")
        meta = {k: float(z[k]) for k in z.files if k not in ("vocab", "idf", "weight", "bias", "labels")}
        return cls(vocab, z["idf"], z["weight"].astype(np.float32), z["bias"], labels), meta
