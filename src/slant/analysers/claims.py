"""Check-worthy claims: every sentence labelled check-worthy or not, with a probability.

A sentence is check-worthy when it makes a factual claim worth a fact-checker's time (CLEF
CheckThat! 2024 Task 1, "check-worthiness estimation"). The head is one logistic layer over the
mean and max of the sentence's token states (hidden states and technique logits) read off the
article's pass through the shared encoder, the pass the techniques analyser already made
(``slant.doclabels.features``, pooled once for this head and the genre, frames and narratives
heads together): a matrix product per article, no second model.

``slant train claims`` fits it on the CheckThat! 2024 English train sentences, each pooled from a
pass over the debate around it (consecutive sentence ids joined into passages, as an article is
read here), tunes the threshold for F1 of the check-worthy class on half of the organisers' dev
split and scores the other half once, beside a block of whole debates kept apart from the start
(``models/claims/MODEL_CARD.md``). ``slant eval claims`` repeats the scores.

Languages: any (``languages`` is None), since the encoder is multilingual-e5-small; but the head was
trained on English political speech only (US debates and speeches), and on news prose it marks
mostly sentences with numbers, records and statements about what someone did (see
``docs/analysers/claims.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..article import Article, SentenceScore
from ..doclabels import ENCODER_DIR, MODELS, Head, article_and_sentence_features, check_encoder, encode_missing, sigmoid
from ..encoder import OnnxEncoder
from ..errors import SlantError
from .base import Analyser, batched

MODEL_DIR = MODELS / "claims"
POSITIVE = "check-worthy"
NEGATIVE = "not check-worthy"


class ClaimsModel:
    """The claims head (``head.npz``: one column, ``head.json``: threshold, the encoder's sha) and
    the shared encoder it reads."""

    def __init__(self, folder: str | Path = MODEL_DIR, encoder: str | Path = ENCODER_DIR,
                 threads: int | None = None, threshold: float | None = None):
        self.head = Head(folder)
        if self.head.weight.shape[1] != 1:
            raise SlantError(f"{self.head.folder}: a claims head has one output, found {self.head.weight.shape[1]}")
        self.threshold = float(self.head.config.get("threshold", 0.5) if threshold is None else threshold)
        self.encoder = OnnxEncoder(Path(encoder), threads=threads)
        check_encoder(self.head, self.encoder)

    def probs(self, features: np.ndarray) -> np.ndarray:
        """P(check-worthy) of each row of pooled sentence features (``slant.doclabels.features``)."""
        if not len(features):
            return np.zeros(0, dtype=np.float32)
        return sigmoid(self.head.logits(features)[:, 0]).astype(np.float32)

    def label(self, p: float) -> str:
        return POSITIVE if p >= self.threshold else NEGATIVE

    def score(self, art: Article) -> list[SentenceScore]:
        """A SentenceScore for every sentence of an article the encoder has read (``art._encoded``)."""
        x = article_and_sentence_features(art) if art.sentences else None
        if x is None:
            return []
        scores = [round(float(p), 4) for p in self.probs(x[1:])]  # labelled as rounded: stored label and score agree
        return [SentenceScore(start=s.start, end=s.end, sentence=i, label=self.label(p), score=p)
                for i, (s, p) in enumerate(zip(art.sentences, scores, strict=True))]


class Claims(Analyser):
    """Check-worthy or not for every sentence (CheckThat! 2024 Task 1), with its probability."""

    name = "claims"
    needs = ("sentences",)
    adds = ("claims",)
    version = "1"
    languages = None  # the multilingual encoder reads any language; the head learned from English speech only

    def __init__(self, **options):
        super().__init__(**options)
        self.model: ClaimsModel | None = None

    def load(self) -> None:
        if self.model is None:
            self.model = ClaimsModel(Path(self.options.get("model", MODEL_DIR)),
                                     Path(self.options.get("encoder", ENCODER_DIR)),
                                     threads=self.options.get("threads"), threshold=self.options.get("threshold"))

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        model = self.model
        assert model is not None
        model_id = f"claims@{model.head.version}"
        for batch in batched(articles, batch_size):
            encode_missing(model.encoder, batch)  # nothing to do after the techniques analyser
            for art in batch:
                art.claims = model.score(art)
                art.record("claims", self.name, self.version, model=model_id)
                yield art
