"""Persuasion techniques: character spans and per-paragraph technique sets, from one encoder pass.

The model (``slant/models/techniques``, see its MODEL_CARD.md) is multilingual-e5-small fine-tuned
on the SemEval-2023 Task 3 articles of six languages (en, fr, ge, it, po, ru) with two heads over the
same token states: a token head that
gives, for every token, an independent probability for each of the 23 techniques (spans of
different techniques overlap, so this is multi-label, not BIO tagging), and a paragraph head that
reads the mean and max of a paragraph's token states. The encoder runs once per window
(``slant.encoder``); its output stays on the article as ``art._encoded`` for later heads.

A token's probabilities are the token head's, averaged, when the model has a ``words.npz`` (the
English MiniLM model of ``slant train techniques-en`` does; the multilingual model does not), with a
word tagger's for the word the token is in (``slant.word_tagger.WordTagger``: logistic regressions over
the word, its neighbours and bigrams, which learned the vocabulary of Name_Calling or Flag_Waving
that the encoder did not). Spans are read off the token probabilities: for each technique, maximal runs of tokens at or above
that technique's threshold (runs separated by a single weaker token are joined), cut at line
breaks, widened to whole words. A paragraph's set is the techniques whose paragraph-head probability reaches the paragraph
threshold; with ``paragraph_source = "head+spans"`` in the model's thresholds the strongest token
of the technique inside the paragraph counts too, and with ``"head+spans+lexical"`` that score is
averaged (weight ``lexical_weight`` in ``lexical.npz``) with a TF-IDF model of the paragraph's words
and bigrams plus two repetition cues (``slant.tfidf``), which learned the word cues of the rarer
techniques that the encoder did not. Thresholds are per technique, tuned on the
validation articles and stored beside the weights (``thresholds.json``).

Techniques that the annotators mark on whole clauses or sentences (Doubt, Appeal_to_Fear-Prejudice,
Conversation_Killer, ...) are rarely found token by token: no single word carries them. A sentence
head (``sentences.npz``: one logistic regression per technique over the mean and max of the
sentence's token states and technique logits, and its strongest token of each technique) scores
every sentence, and for the techniques where validation said so (``span_source`` in the
thresholds: "tokens", "sentences" or "both") a sentence at or above its threshold becomes a span.
Spans of one technique that overlap are then merged.

Languages: any (``languages`` is None). The multilingual encoder was trained on six languages and
reads the hundred or so of its XLM-R vocabulary; the card gives the scores of the six, and
``docs/languages.md`` what is measured where.

Only onnxruntime and numpy are used here; training is in ``slant.train.techniques``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import taxonomy
from ..article import Article, ParagraphTechniques, TechniqueSpan
from ..encoder import (Encoded, OnnxEncoder, blas_on_one_thread, pool_rows, pool_spans, reduce_rows, span_rows,
                       tokenize)
from ..errors import SlantError
from ..tfidf import TfidfLinear, repetition
from ..word_tagger import WORD_TOKEN, WordTagger
from .base import Analyser, batched
from .segment import split_sentences

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "techniques"
LEXICAL_FILE = "lexical.npz"
WORDS_FILE = "words.npz"
SENTENCES_FILE = "sentences.npz"
SPAN_SOURCES = ("tokens", "sentences", "both")


@dataclass
class Thresholds:
    span: dict[str, float]
    paragraph: dict[str, float]
    paragraph_source: str = "head"  # "head", "head+spans" or "head+spans+lexical"
    gap: int = 1  # weaker tokens allowed inside a span
    sentence: dict[str, float] = field(default_factory=dict)  # sentence-head thresholds
    span_source: dict[str, str] = field(default_factory=dict)  # technique -> one of SPAN_SOURCES

    def source(self, name: str) -> str:
        return self.span_source.get(name, "tokens")

    @classmethod
    def load(cls, path: Path, names: Sequence[str]) -> Thresholds:
        if not path.is_file():
            return cls(span={n: 0.5 for n in names}, paragraph={n: 0.5 for n in names})
        raw = json.loads(path.read_text("utf-8"))
        return cls(
            span={n: float(raw["span"].get(n, raw.get("span_default", 0.5))) for n in names},
            paragraph={n: float(raw["paragraph"].get(n, raw.get("paragraph_default", 0.5))) for n in names},
            paragraph_source=raw.get("paragraph_source", "head"),
            gap=int(raw.get("gap", 1)),
            sentence={n: float(v) for n, v in raw.get("sentence", {}).items() if n in names},
            span_source=_span_sources(path, raw.get("span_source", {}), names),
        )

    def to_json(self) -> dict:
        return {"span": self.span, "paragraph": self.paragraph, "paragraph_source": self.paragraph_source,
                "gap": self.gap, "sentence": self.sentence, "span_source": self.span_source}


def _span_sources(path: Path, raw: dict, names: Sequence[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise SlantError(f"{path}: span_source maps techniques to one of {', '.join(SPAN_SOURCES)}")
    bad = {n: v for n, v in raw.items() if v not in SPAN_SOURCES}
    if bad:
        raise SlantError(f"{path}: span_source must be one of {', '.join(SPAN_SOURCES)}; got {bad}")
    return {n: v for n, v in raw.items() if n in names}


_NEWLINE = re.compile("\n")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def token_runs(mask: np.ndarray, gap: int = 1) -> list[tuple[int, int]]:
    """Maximal [first, last] index runs of True in ``mask``, joining runs split by <= ``gap`` Falses."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    runs = []
    first = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev - 1 > gap:
            runs.append((first, prev))
            first = i
        prev = i
    runs.append((first, prev))
    return runs


def widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend [start, end) so that it neither begins nor ends inside a word (a subword token run
    that starts mid-word is moved back to the word's first character)."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


# Words that cannot carry a technique on their own: a run of them alone ("who", "a", "of the") is
# a stray activation, not a span (dropping them raised dev span+label F1 by 0.0025).
FUNCTION_WORDS = frozenset("""a an the this that these those who whom whose which what where when how
and or but nor of in on at to for with by from as into onto about than upon over under after before
between through during it its itself he him his she her hers they them their theirs we us our ours
you your yours i me my mine is are was were be been being am has have had do does did will would can
could should may might must shall not if then there here also just only both either neither each one""".split())


# Words a span does not end on: of 5,948 spans in the English SemEval-2023 training articles, 38
# end with one of these (articles, conjunctions, prepositions, auxiliaries, relative pronouns),
# while a token run ends on one whenever the next word is weakly above the threshold.
TRAILING_WORDS = frozenset("""a an the and or but nor of in at to for with by from as into than which
who whom whose is are was were be been has have had""".split())


def trim_trailing_words(text: str, start: int, end: int) -> int:
    """The end of [start, end) with trailing ``TRAILING_WORDS`` cut off (the span keeps at least
    its first word)."""
    words = list(WORD_TOKEN.finditer(text, start, end))
    while len(words) > 1 and words[-1].group().lower() in TRAILING_WORDS:
        words.pop()
        end = words[-1].end()
    return end


def only_function_words(text: str) -> bool:
    """True when every word of ``text`` is a function word (or it has none)."""
    return all(w.lower() in FUNCTION_WORDS for w in WORD_TOKEN.findall(text))


def decode_spans(
    text: str, offsets: np.ndarray, probs: np.ndarray, names: Sequence[str], thresholds: dict[str, float],
    gap: int = 1,
) -> list[tuple[int, int, str, float]]:
    """(start, end, technique, confidence) spans from token probabilities (n_tokens x n_techniques);
    the confidence is the mean probability of the span's tokens. A span of function words alone
    is dropped."""
    # Line breaks between two tokens end a span: the organisers' spans almost never cross one
    # (16 of 5,948 in the English SemEval-2023 training set) and paragraphs are lines there.
    newlines = np.array([m.start() for m in _NEWLINE.finditer(text)], dtype=np.int64)
    breaks = np.zeros(len(offsets), dtype=bool)
    if len(offsets) > 1 and len(newlines):
        # a newline lies between token i-1 and token i when more newlines precede i's start
        breaks[1:] = np.searchsorted(newlines, offsets[1:, 0]) > np.searchsorted(newlines, offsets[:-1, 1])
    out: list[tuple[int, int, str, float]] = []
    if not len(probs):
        return out
    thr = np.array([thresholds[n] for n in names], dtype=probs.dtype)
    above = probs >= thr
    # running sums give each span's mean probability without a numpy call per span
    csum = np.vstack([np.zeros((1, probs.shape[1]), dtype=np.float64), np.cumsum(probs, axis=0, dtype=np.float64)])
    for j in np.flatnonzero(above.any(axis=0)):  # only techniques with a token over threshold
        name = names[j]
        col = probs[:, j]
        for a0, b0 in token_runs(above[:, j], gap):
            cuts = [a0] + [i for i in range(a0 + 1, b0 + 1) if breaks[i]] + [b0 + 1]
            for a, b in zip(cuts, cuts[1:]):
                b -= 1
                while b > a and col[b] < thresholds[name]:  # a piece does not end on a gap token
                    b -= 1
                while a < b and col[a] < thresholds[name]:
                    a += 1
                if col[a] < thresholds[name]:
                    continue
                s, e = widen_to_words(text, int(offsets[a, 0]), int(offsets[b, 1]))
                e = trim_trailing_words(text, s, e)
                if only_function_words(text[s:e]):
                    continue
                out.append((s, e, name, float((csum[b + 1, j] - csum[a, j]) / (b + 1 - a))))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return out


def merge_same_technique(spans: Iterable[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Overlapping spans of one technique fused into one (keeping the higher confidence); spans
    of different techniques may overlap. The official span scorers fuse them the same way."""
    out: list[list] = []
    last: dict[str, list] = {}
    for s, e, name, conf in sorted(spans, key=lambda x: (x[2], x[0], x[1])):
        cur = last.get(name)
        if cur is not None and s < cur[1]:
            cur[1] = max(cur[1], e)
            cur[3] = max(cur[3], conf)
        else:
            cur = last[name] = [s, e, name, conf]
            out.append(cur)
    return sorted((tuple(x) for x in out), key=lambda x: (x[0], x[1], x[2]))


def sentence_spans_of(text: str, paragraphs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of the paragraphs, as the sentence head saw them in training."""
    return [(x.start, x.end) for a, b in paragraphs for x in split_sentences(text, a, b)]


def _sentence_layout(mean: np.ndarray, top: np.ndarray, k: int, t: int) -> np.ndarray:
    """The sentence head's input from the mean and max pools of [hidden (k), logits (t), token
    probabilities (t)]: mean and max of the states, mean and max of the logits, max of the probs."""
    return np.hstack([mean[:, :k], top[:, :k], mean[:, k : k + t], top[:, k : k + t], top[:, k + t :]])


def _stacked_starts(encs: Sequence[Encoded], texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The texts laid end to end, one character apart: each text's first character in the stack,
    and the stacked start of every token of all the encodings (in order, so one ``searchsorted``
    places a character range of any text)."""
    base = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]).astype(np.int64)
    if not sum(len(e) for e in encs):
        return base, np.zeros(0, dtype=np.int64)
    starts = np.concatenate([e.offsets[:, 0] for e in encs]).astype(np.int64)
    return base, starts + np.repeat(base, [len(e) for e in encs])


def combine_paragraph(head: np.ndarray, smax: np.ndarray | None, lex: np.ndarray | None,
                      lexical_weight: float) -> np.ndarray:
    """Paragraph scores from the paragraph head, the strongest token of each technique in the
    paragraph (``smax``, for sources "head+spans..."), and the TF-IDF model (``lex``, averaged in
    with ``1 - lexical_weight``); a part that is None is left out."""
    scores = head if smax is None else np.maximum(head, smax)
    if lex is not None:
        scores = lexical_weight * scores + (1 - lexical_weight) * lex
    return scores


class TechniqueModel:
    """The exported technique model: encoder graph with token head, paragraph head, thresholds."""

    def __init__(self, folder: str | Path = MODEL_DIR, model_file: str | None = None, threads: int | None = None):
        self.folder = Path(folder)
        self.encoder = OnnxEncoder(self.folder, threads=threads, model_file=model_file)
        self.names: list[str] = list(self.encoder.config.get("labels") or taxonomy.names())
        unknown = [n for n in self.names if n not in taxonomy.load()]
        if unknown:
            raise SlantError(f"model in {self.folder} uses techniques unknown to the taxonomy: {unknown}")
        head = np.load(self.folder / "paragraph_head.npz")
        self.para_w = head["weight"].astype(np.float32)
        self.para_b = head["bias"].astype(np.float32)
        self.thresholds = Thresholds.load(self.folder / "thresholds.json", self.names)
        self.version = str(self.encoder.config.get("version", "0"))
        self.lexical, meta = self._word_model(TfidfLinear, LEXICAL_FILE)
        self.lexical_weight = float(meta.get("lexical_weight", 0.5)) if self.lexical else 0.0
        if self.lexical is None and self.thresholds.paragraph_source == "head+spans+lexical":
            raise SlantError(f"{self.folder}: thresholds.json reads paragraph scores with the TF-IDF model, "
                             f"but {LEXICAL_FILE} is missing; rebuild with `slant train techniques-en`")
        self.words, meta = self._word_model(WordTagger, WORDS_FILE)
        self.words_weight = float(meta.get("encoder_weight", 0.5)) if self.words else 1.0
        self.sent_w = self.sent_b = None
        if (self.folder / SENTENCES_FILE).is_file():
            head = np.load(self.folder / SENTENCES_FILE)
            self.sent_w, self.sent_b = head["weight"].astype(np.float32), head["bias"].astype(np.float32)
        if self.sent_w is None and self.thresholds.sentence:
            raise SlantError(f"{self.folder}: thresholds.json reads the sentence head, but {SENTENCES_FILE} "
                             f"is missing; rebuild with `slant train techniques-en`")

    def _word_model(self, kind, file: str):
        """(model, its numbers) of an optional word model beside the encoder, or (None, {})."""
        path = self.folder / file
        if not path.is_file():
            return None, {}
        model, meta = kind.load(path)
        if model.labels != self.names:
            raise SlantError(f"{path} labels other techniques than the encoder")
        return model, meta

    def load(self) -> None:
        self.encoder.load()

    # --- raw scores ----------------------------------------------------------------------------
    def token_probs(self, enc: Encoded, text: str | None = None) -> np.ndarray:
        """Each token's probability of each technique: the token head's, averaged (weight
        ``encoder_weight`` in ``words.npz``) with the word tagger's for the word the token is in,
        when the model has one and the text is given."""
        logits = enc.outputs.get("techniques")
        if logits is None or not len(enc):
            return np.zeros((len(enc), len(self.names)), dtype=np.float32)
        probs = _sigmoid(logits)
        if self.words is not None and text is not None:
            a = self.words_weight
            probs = a * probs + (1 - a) * self._word_rows([enc], [text])
        return probs

    def _word_rows(self, encs: Sequence[Encoded], texts: Sequence[str],
                   stacked: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The word tagger's probabilities for the tokens of all the texts, stacked: each token
        gets the row of the word it begins inside (zeros outside words). The tagger runs once
        over all the texts, laid end to end one character apart, and one lookup places every
        token of the batch. ``stacked``: ``_stacked_starts(encs, texts)``, when the caller has it."""
        assert self.words is not None
        out = np.zeros((sum(len(e) for e in encs), len(self.names)), dtype=np.float32)
        if not len(out):
            return out
        pieces = None
        if self.words.piece_tables is not None:
            pieces = [(enc.ids, enc.offsets) if enc.ids is not None else tokenize(self.encoder.tokenizer, [text])[0]
                      for enc, text in zip(encs, texts, strict=True)]
        tagged = self.words.probs_many(texts, pieces)
        base, tok = stacked or _stacked_starts(encs, texts)
        n_words = sum(len(ws) for ws, _ in tagged)
        if not n_words:
            return out
        bounds = np.fromiter((x + b for (ws, _), b in zip(tagged, base.tolist()) for w in ws for x in w[:2]),
                             dtype=np.int64, count=2 * n_words).reshape(-1, 2)
        wp = np.vstack([p for _, p in tagged])
        idx = np.searchsorted(bounds[:, 0], tok, side="right") - 1
        inside = (idx >= 0) & (tok < bounds[np.clip(idx, 0, None), 1])
        out[inside] = wp[idx[inside]]
        return out

    def paragraph_probs(self, enc: Encoded, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        if not spans:
            return np.zeros((0, len(self.names)), dtype=np.float32)
        if not len(enc):
            return np.zeros((len(spans), len(self.names)), dtype=np.float32)
        return _sigmoid(pool_spans(enc, spans) @ self.para_w + self.para_b)

    def span_max(self, enc: Encoded, probs: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Highest token probability of each technique inside each character span."""
        if not len(spans) or not len(probs):
            return np.zeros((len(spans), len(self.names)), dtype=np.float32)
        return reduce_rows(probs.astype(np.float32, copy=False), *span_rows(enc, spans), np.maximum)

    def lexical_probs(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The TF-IDF model's paragraph probabilities (``spans`` are all the article's paragraphs:
        the repetition cues compare each with the others)."""
        if self.lexical is None:
            raise SlantError(f"no {LEXICAL_FILE} in {self.folder}")
        return self.lexical_probs_many([(text, spans)])[0]

    def lexical_probs_many(self, items: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> list[np.ndarray]:
        """``lexical_probs`` of several (text, paragraph spans) items, the model run once."""
        if self.lexical is None:
            raise SlantError(f"no {LEXICAL_FILE} in {self.folder}")
        per = [[text[a:b] for a, b in spans] for text, spans in items]
        texts = [t for ts in per for t in ts]
        if not texts:
            return [np.zeros((0, len(self.names)), dtype=np.float32) for _ in items]
        extra = np.vstack([repetition(ts) for ts in per if ts])
        probs = self.lexical.probs(texts, extra).astype(np.float32)
        cuts = np.cumsum([len(ts) for ts in per])[:-1]
        return np.split(probs, cuts)

    def paragraph_scores(self, enc: Encoded, probs: np.ndarray, spans: Sequence[tuple[int, int]],
                         source: str | None = None, text: str | None = None) -> np.ndarray:
        """Each paragraph's technique scores, as ``annotate`` thresholds them (``source`` as in
        ``Thresholds.paragraph_source``; the TF-IDF part needs ``text``)."""
        source = source or self.thresholds.paragraph_source
        if not len(spans):
            return self.paragraph_probs(enc, spans)
        smax = self.span_max(enc, probs, spans) if source.startswith("head+spans") else None
        lex = None
        if source == "head+spans+lexical" and self.lexical is not None and text is not None:
            lex = self.lexical_probs(text, spans)
        return combine_paragraph(self.paragraph_probs(enc, spans), smax, lex, self.lexical_weight)

    def sentence_features(self, enc: Encoded, probs: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """What the sentence head reads: mean and max of the token states and of the technique
        logits over each span, and the strongest token probability of each technique in it."""
        hidden, logits = enc.outputs["hidden"], enc.outputs["techniques"]
        # one pass of sums and one of maxima over the three side by side
        mean, top = pool_rows(np.hstack([hidden, logits, probs.astype(np.float32, copy=False)]),
                              *span_rows(enc, spans))
        return _sentence_layout(mean, top, hidden.shape[1], logits.shape[1])

    def sentence_probs(self, enc: Encoded, probs: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        if self.sent_w is None or not spans or not len(enc):
            return np.zeros((len(spans), len(self.names)), dtype=np.float32)
        return _sigmoid(self.sentence_features(enc, probs, spans) @ self.sent_w + self.sent_b)

    def spans(self, text: str, enc: Encoded, probs: np.ndarray, sentences: Sequence[tuple[int, int]],
              th: Thresholds | None = None, sentence_probs: np.ndarray | None = None
              ) -> list[tuple[int, int, str, float]]:
        """(start, end, technique, confidence) spans: token runs for the techniques read from tokens,
        sentences at or above their threshold for those read from sentences, merged per technique.
        ``sentence_probs``: the sentence head's rows for ``sentences``, when the caller has them."""
        th = th or self.thresholds
        out = [x for x in decode_spans(text, enc.offsets, probs, self.names, th.span, th.gap)
               if th.source(x[2]) != "sentences"]
        if th.sentence and sentences:
            sp = self.sentence_probs(enc, probs, sentences) if sentence_probs is None else sentence_probs
            for j, name in enumerate(self.names):
                if name in th.sentence and th.source(name) != "tokens":
                    out.extend((*sentences[k], name, float(sp[k, j]))
                               for k in np.flatnonzero(sp[:, j] >= th.sentence[name]))
        # two runs of one technique inside a word (pieces either side of a weaker one) widen to the
        # same word: overlapping spans of a technique are always fused
        return merge_same_technique(out)

    # --- decisions -----------------------------------------------------------------------------
    def annotate(self, art: Article) -> None:
        """Fill ``art.techniques`` and ``art.paragraph_techniques`` (needs ``art._encoded``)."""
        self.annotate_many([art])

    def sentences_of(self, art: Article) -> list[tuple[int, int]]:
        """The sentences the sentence head reads: the article's own, else those of its paragraphs
        as the head saw them in training (none when no threshold reads them)."""
        if not self.thresholds.sentence:
            return []
        if art.sentences:
            return [(x.start, x.end) for x in art.sentences]
        return sentence_spans_of(art.text, [(p.start, p.end) for p in art.paragraphs])

    def _fill(self, art: Article, spans: Sequence[tuple[int, int, str, float]], scores: np.ndarray) -> None:
        art.techniques = [
            TechniqueSpan(start=s, end=e, technique=t, confidence=round(c, 4), paragraph=art.paragraph_of(s))
            for s, e, t, c in spans
        ]
        names = self.names
        # compared in the scores' own precision, as a threshold read one technique at a time is
        thr = np.array([self.thresholds.paragraph[n] for n in names], dtype=scores.dtype)
        art.paragraph_techniques = [
            ParagraphTechniques(paragraph=i, techniques={names[j]: round(float(row[j]), 4)
                                                         for j in np.flatnonzero(row >= thr)})
            for i, row in enumerate(scores)
        ]

    def annotate_many(self, articles: Sequence[Article]) -> None:
        """``annotate`` of several encoded articles at once: the models run once per batch
        (``scores_many``), and only span decoding runs per article."""
        if not articles:
            return
        th = self.thresholds
        sents = [self.sentences_of(a) for a in articles]
        for art, sent, (probs, sp, scores) in zip(articles, sents, self.scores_many(articles, sents), strict=True):
            self._fill(art, self.spans(art.text, art._encoded, probs, sent, th, sentence_probs=sp), scores)

    def scores_many(self, articles: Sequence[Article], sentences: Sequence[Sequence[tuple[int, int]]]
                    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each encoded article: its token probabilities, the sentence head's rows for its
        ``sentences`` and its paragraphs' scores. The articles' token rows are stacked so that the
        word tagger, the TF-IDF model, the pooling of sentences and paragraphs and the three heads
        each run once per batch (on one-paragraph texts this cut decoding by a tenth). The numbers
        are those of ``token_probs``, ``sentence_probs`` and ``paragraph_scores`` applied to each
        article alone, which training tunes the thresholds on (tested)."""
        encs: list[Encoded] = [a._encoded for a in articles]
        texts = [a.text for a in articles]
        paras = [[(p.start, p.end) for p in a.paragraphs] for a in articles]
        t = len(self.names)
        n_tok = np.array([len(e) for e in encs], dtype=np.int64)
        live = [e for e in encs if len(e)]
        if any("techniques" not in e.outputs for e in live):
            raise SlantError(f"the encoder states of {self.folder} carry no technique logits")
        logits = np.vstack([e.outputs["techniques"] for e in live]) if live else np.zeros((0, t), np.float32)
        hidden = np.vstack([e.outputs["hidden"] for e in live]) if live else \
            np.zeros((0, self.para_w.shape[0] // 2), np.float32)
        text_base, tok_key = _stacked_starts(encs, texts)
        probs = _sigmoid(logits)
        if self.words is not None:
            a = self.words_weight
            probs = a * probs + (1 - a) * self._word_rows(encs, texts, (text_base, tok_key))
        # every sentence, then every paragraph, of each article as a range of the stacked rows
        bounds = np.asarray([(a + tb, b + tb) for tb, ss, ps in zip(text_base.tolist(), sentences, paras)
                             for a, b in (*ss, *ps)], dtype=np.int64).reshape(-1, 2)
        lo, hi = np.searchsorted(tok_key, bounds[:, 0]), np.searchsorted(tok_key, bounds[:, 1])
        k = hidden.shape[1]
        mean, top = pool_rows(np.hstack([hidden, logits, probs.astype(np.float32, copy=False)]), lo, hi)
        n_s = np.array([len(ss) for ss in sentences], dtype=np.int64)
        n_p = np.array([len(ps) for ps in paras], dtype=np.int64)
        is_sent = np.repeat(np.tile([True, False], len(articles)), np.stack([n_s, n_p], axis=1).ravel())
        empty = np.repeat(n_tok == 0, n_s + n_p)[:, None]  # an article with no token: its heads give zeros
        sp = np.zeros((int(is_sent.sum()), t), dtype=np.float32)
        if self.sent_w is not None and len(sp):
            m, x = mean[is_sent], top[is_sent]
            sp = np.where(empty[is_sent], 0.0, _sigmoid(_sentence_layout(m, x, k, t) @ self.sent_w + self.sent_b)
                          ).astype(np.float32)
        m, x = mean[~is_sent], top[~is_sent]
        head = np.where(empty[~is_sent], 0.0,
                        _sigmoid(np.hstack([m[:, :k], x[:, :k]]) @ self.para_w + self.para_b)).astype(np.float32)
        source = self.thresholds.paragraph_source
        smax = x[:, k + t :] if source.startswith("head+spans") else None
        lex = None
        if source == "head+spans+lexical" and self.lexical is not None:
            lex = np.vstack(self.lexical_probs_many(list(zip(texts, paras, strict=True))))
        scores = combine_paragraph(head, smax, lex, self.lexical_weight)
        return list(zip(*(np.split(arr, np.cumsum(n)[:-1]) for arr, n in ((probs, n_tok), (sp, n_s), (scores, n_p))),
                        strict=True))

    def predict(self, articles: Sequence[Article], batch_windows: int = 1) -> None:
        self.encoder.encode(articles, batch_windows=batch_windows)
        self.annotate_many(articles)


class Techniques(Analyser):
    """Persuasion-technique spans and per-paragraph technique sets (SemEval-2023 Task 3 taxonomy)."""

    name = "techniques"
    needs = ("paragraphs",)
    adds = ("techniques", "paragraph_techniques")
    version = "1"
    languages = None  # the multilingual encoder reads any language (trained and measured on those in its card)

    def __init__(self, **options):
        super().__init__(**options)
        self.model: TechniqueModel | None = None

    def load(self) -> None:
        if self.model is None:
            folder = Path(self.options.get("model", MODEL_DIR))
            self.model = TechniqueModel(folder, model_file=self.options.get("model_file"),
                                        threads=self.options.get("threads"))
            self.model.load()

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        assert self.model is not None
        # Until the last batch is out, numpy's BLAS keeps to one thread (also in the caller's code
        # between two articles), so that it does not fight the encoder's streams for the cores.
        with blas_on_one_thread():
            if self.model.encoder.streams == 1 or not self.options.get("prefetch", True):
                for batch in batched(articles, batch_size):
                    yield from self._run(batch)
                return
            # This thread joins the encoder's worker streams on one batch, then decodes it while
            # the workers go on with the next (onnxruntime releases the GIL). The next batch is
            # queued before the join, so a worker moves on to it the moment it runs out of windows:
            # the cores stay busy, with no more threads than cores. Outputs are the same either way.
            encoder = self.model.encoder
            previous = None
            for batch in batched(articles, batch_size):
                pending = encoder.start(batch)
                if previous is not None:
                    previous[1].result()
                    yield from self._run(previous[0])
                previous = (batch, pending)
            if previous is not None:
                previous[1].result()
                yield from self._run(previous[0])

    def _run(self, batch: list[Article]) -> Iterator[Article]:
        assert self.model is not None
        self.model.predict(batch, batch_windows=int(self.options.get("batch_windows", 1)))
        model_id = f"{self.model.encoder.config.get('name', 'techniques')}@{self.model.version}"
        for art in batch:
            art.record("techniques", self.name, self.version, model=model_id)
            art.record("paragraph_techniques", self.name, self.version, model=model_id)
            yield art
