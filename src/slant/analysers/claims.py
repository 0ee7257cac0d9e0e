"""Check-worthy claims: every sentence labelled check-worthy or not, with a probability.

A sentence is check-worthy when it makes a factual claim worth a fact-checker's time (CLEF
CheckThat! 2024 Task 1, "check-worthiness estimation"). The model adds two logits: a logistic layer
over the mean and max of the sentence's token states (hidden states and technique logits) read off
the article's pass through the shared encoder, the pass the techniques analyser already made
(``slant.doclabels.features``, pooled once for this head and the genre, frames and narratives heads
together), and a TF-IDF logistic layer over the sentence's words (``lexical.npz``,
``slant.tfidf.TfidfLinear``): two matrix products per article, no second model. Segmentation
fragments (:func:`fragment`: fewer than four words, a dash attribution "– said ...") score 0.

``slant train claims`` fits both on the CheckThat! 2024 English train sentences, each pooled from a
pass over the debate around it (consecutive sentence ids joined into passages, as an article is
read here), chooses how the two are added on debates held out, tunes the threshold for F1 of the
check-worthy class on half of the organisers' dev split and scores the other half once, beside a
block of whole debates kept apart from the start (``models/claims/MODEL_CARD.md``).
``slant eval claims`` repeats the scores.

Languages: any (``languages`` is None), since the encoder is multilingual-e5-small; but the head was
trained on English political speech only (US debates and speeches), and on news prose it marks
mostly sentences with numbers, records and statements about what someone did (see
``docs/analysers/claims.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..article import Article, SentenceScore
from ..doclabels import ENCODER_DIR, MODELS, Head, article_and_sentence_features, check_encoder, encode_missing, sigmoid
from ..encoder import OnnxEncoder
from ..errors import SlantError
from .base import Analyser, batched

MODEL_DIR = MODELS / "claims"
LEXICAL_FILE = "lexical.npz"
POSITIVE = "check-worthy"
NEGATIVE = "not check-worthy"

# Fragments: what the segmenter leaves as a "sentence" but is not one a claim can be read from.
MIN_WORDS = 4  # CheckThat's sentences have 4 words or more (7 of 23,533 have fewer, none Yes)
_WORD = re.compile(r"\w+")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def fragment(text: str) -> str | None:
    """Why a segmented sentence is no claim of its own (``"short"``, ``"attribution"``), or None.

    - ``short``: fewer than ``MIN_WORDS`` words (runs of letters and digits): a heading, a byline,
      a credit, a list number, a lead-in ("WaPo reports:"), a verbless scrap ("Dalton Trumbo.").
      The head never learned from such lines: the task's sentences have four words or more.
    - ``attribution``: opens with a dash followed by a lower-case word, the dialogue-dash speech
      tag of the quotation before it ("– said union leader Marek Dobrin at a rally."), which the
      segmenter leaves as a sentence of its own when it makes a paragraph of its own. Whatever
      claim there is is the quotation's, scored on its own.
    """
    if len(_WORD.findall(text)) < MIN_WORDS:
        return "short"
    head = text.lstrip()
    if head[:1] in _DASHES:
        rest = head.lstrip(_DASHES + " \t\u00a0")
        if rest[:1].islower():
            return "attribution"
    return None


class ClaimsModel:
    """The claims head (``head.npz``: one column over the encoder features; ``lexical.npz``, when
    there, a TF-IDF logistic layer over the sentence's words; ``head.json``: how the two logits are
    added, the threshold, the encoder's sha) and the shared encoder it reads."""

    def __init__(self, folder: str | Path = MODEL_DIR, encoder: str | Path = ENCODER_DIR,
                 threads: int | None = None, threshold: float | None = None):
        self.head = Head(folder)
        if self.head.weight.shape[1] != 1:
            raise SlantError(f"{self.head.folder}: a claims head has one output, found {self.head.weight.shape[1]}")
        self.threshold = float(self.head.config.get("threshold", 0.5) if threshold is None else threshold)
        self.lexical = None
        fusion = self.head.config.get("fusion") or {}
        self.mix = (float(fusion.get("head", 1.0)), float(fusion.get("lexical", 0.0)))
        if fusion.get("lexical"):
            path = self.head.folder / LEXICAL_FILE
            if not path.is_file():
                raise SlantError(f"{self.head.folder}: head.json adds a lexical layer but {LEXICAL_FILE} is missing; "
                                 f"rebuild it with `slant train claims`")
            from ..tfidf import TfidfLinear

            self.lexical, _ = TfidfLinear.load(path)
        self.encoder = OnnxEncoder(Path(encoder), threads=threads)
        check_encoder(self.head, self.encoder)

    def logits(self, features: np.ndarray, texts: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The encoder head's logit and the lexical layer's (None without one) of each sentence."""
        enc = self.head.logits(features)[:, 0].astype(np.float64)
        if self.lexical is None:
            return enc, None
        if texts is None or len(texts) != len(features):
            raise SlantError("this claims model reads the sentences' words too: pass their texts")
        return enc, self.lexical.logits(list(texts))[:, 0]

    def probs(self, features: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """P(check-worthy) of each row of pooled sentence features (``slant.doclabels.features``),
        with the sentences' texts when the model has a lexical layer."""
        if not len(features):
            return np.zeros(0, dtype=np.float32)
        enc, lex = self.logits(features, texts)
        z = self.mix[0] * enc + (self.mix[1] * lex if lex is not None else 0.0)
        return sigmoid(z).astype(np.float32)

    def label(self, p: float) -> str:
        return POSITIVE if p >= self.threshold else NEGATIVE

    def score(self, art: Article) -> list[SentenceScore]:
        """A SentenceScore for every sentence of an article the encoder has read (``art._encoded``).
        A fragment (:func:`fragment`) scores 0: not check-worthy, whatever the head makes of it."""
        x = article_and_sentence_features(art) if art.sentences else None
        if x is None:
            return []
        texts = [art.text[s.start:s.end] for s in art.sentences]
        out = []
        for i, (s, t, p) in enumerate(zip(art.sentences, texts, self.probs(x[1:], texts), strict=True)):
            p = round(float(p), 4)  # labelled as rounded: stored label and score agree
            label = self.label(p)
            if fragment(t):
                p, label = 0.0, NEGATIVE
            out.append(SentenceScore(start=s.start, end=s.end, sentence=i, label=label, score=p))
        return out


class Claims(Analyser):
    """Check-worthy or not for every sentence (CheckThat! 2024 Task 1), with its probability."""

    name = "claims"
    needs = ("sentences",)
    adds = ("claims",)
    version = "2"  # 2: a lexical layer beside the encoder head; fragments are never claims
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
