"""Subjectivity: every sentence SUBJ or OBJ with a probability, and how opinionated each paragraph
and the whole article are.

The head is a logistic layer over the mean and max of a sentence's token states from the shared
encoder (the techniques model, ``slant/models/techniques``), trained together with it on the CLEF
CheckThat! 2025 Task 1 English sentences (``slant.train.techniques``); its decision threshold is
tuned for macro-F1 on validation sentences by ``slant train subjectivity``, which writes
``subjectivity.json`` and ``SUBJECTIVITY.md`` (the model card) beside the weights.

That head saw each sentence alone. Read off a whole article's pass, where every token also carries
its neighbours, it scores nearly every sentence of an opinion piece SUBJ; encoding each sentence
again on its own costs half the techniques analyser's time. So ``slant train subjectivity`` also
fits a second, ``context`` head on sentences pooled from whole-article passes, taught by the
sentence head's judgement of the same sentences alone (and by the CheckThat! gold labels). With it
the analyser reads the pass the techniques analyser already made: one matrix product per article.
Option ``in_context = false`` encodes sentences one by one with the sentence head instead.

Summaries go to ``Article.labels`` with task ``subjectivity``: one label for the article and one per
paragraph (``paragraph`` set), each scored with the share of subjective sentences and carrying the
most subjective sentences as evidence.

Languages: any (``languages`` is None): the heads read the multilingual encoder's pass and were
fitted on CheckThat! 2025 en, de, it, ar, bg together; the model card scores each of those languages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..article import Article, DocLabel, SentenceScore, Span
from ..encoder import OnnxEncoder, pool_spans
from ..errors import SlantError
from .base import Analyser, batched

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "techniques"
HEAD_FILE = "subjectivity_head.npz"
CONTEXT_HEAD_FILE = "subjectivity_context_head.npz"
CONFIG_FILE = "subjectivity.json"
EVIDENCE = 3


class SubjectivityModel:
    """The shared encoder plus the sentence heads and their thresholds.

    Two heads read the same pooled token states (mean and max over the sentence's tokens):
    ``sentence``, trained with the encoder on CheckThat! sentences each encoded alone, and
    ``context`` (when ``subjectivity_context_head.npz`` exists), fitted by ``slant train
    subjectivity`` on sentences pooled from whole-article passes, so that it can read the pass the
    techniques analyser already made.
    """

    def __init__(self, folder: str | Path = MODEL_DIR, threads: int | None = None, model_file: str | None = None):
        self.folder = Path(folder)
        head = self.folder / HEAD_FILE
        if not head.is_file():
            raise SlantError(f"no subjectivity head in {self.folder}; rebuild it with `slant train techniques`")
        cfg_path = self.folder / CONFIG_FILE
        self.config = json.loads(cfg_path.read_text("utf-8")) if cfg_path.is_file() else {}
        self.heads: dict[str, tuple[np.ndarray, float]] = {"sentence": _read_head(head)}
        self.thresholds = {"sentence": float(self.config.get("threshold", 0.5))}
        ctx = self.folder / CONTEXT_HEAD_FILE
        if ctx.is_file():
            self.heads["context"] = _read_head(ctx)
            self.thresholds["context"] = float(self.config.get("context", {}).get("threshold", 0.5))
        self.threshold = self.thresholds["sentence"]
        self.encoder = OnnxEncoder(self.folder, threads=threads, model_file=model_file)

    def load(self) -> None:
        self.encoder.load()

    def span_probs(self, art: Article, spans: Sequence[tuple[int, int]], head: str = "sentence") -> np.ndarray:
        """P(SUBJ) of each character span of an article already encoded by ``self.encoder``."""
        if not spans:
            return np.zeros(0, dtype=np.float32)
        if not len(art._encoded):
            return np.zeros(len(spans), dtype=np.float32)
        return self.head_probs(self.pooled(art, spans), head)

    def head_probs(self, features: np.ndarray, head: str = "sentence") -> np.ndarray:
        """P(SUBJ) from pooled features (n x 2d) through one head."""
        w, b = self.heads[head]
        z = features @ w + b
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def sentence_features(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """Pooled token states of stand-alone sentences (each encoded on its own)."""
        out: list[np.ndarray] = []
        for k in range(0, len(texts), batch):
            arts = [Article(text=t) for t in texts[k : k + batch]]
            self.encoder.encode(arts)
            out.extend(self.pooled(a, [(0, len(a.text))]) for a in arts)
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    @property
    def dim(self) -> int:
        return len(self.heads["sentence"][0])

    def pooled(self, art: Article, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Pooled features of ``spans`` from the article's pass (zeros for a text with no token)."""
        feats = pool_spans(art._encoded, spans)
        return feats if feats.shape[1] == self.dim else np.zeros((len(spans), self.dim), dtype=np.float32)

    def sentence_probs(self, texts: Sequence[str], batch: int = 64, head: str = "sentence") -> np.ndarray:
        """P(SUBJ) of stand-alone sentences (the task's setting: each encoded on its own)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.head_probs(self.sentence_features(texts, batch), head)

    def label(self, p: float, head: str = "sentence") -> str:
        return "SUBJ" if p >= self.thresholds[head] else "OBJ"


def _read_head(path: Path) -> tuple[np.ndarray, float]:
    weights = np.load(path)
    return (weights["weight"].astype(np.float32).reshape(-1),
            float(np.asarray(weights["bias"]).reshape(-1)[0]))


def summarise(art: Article, scores: list[SentenceScore], k: int = EVIDENCE) -> list[DocLabel]:
    """The article's and each paragraph's share of subjective sentences, with the most subjective
    sentences (those labelled SUBJ, strongest first) as evidence."""

    def label(items: list[SentenceScore], paragraph: int) -> DocLabel:
        subj = sorted((s for s in items if s.label == "SUBJ"), key=lambda s: -s.score)
        share = len(subj) / len(items) if items else 0.0
        return DocLabel(task="subjectivity", label="SUBJ", score=round(share, 4), paragraph=paragraph,
                        evidence=[Span(start=s.start, end=s.end) for s in subj[:k]])

    out = [label(scores, -1)]
    by_para: dict[int, list[SentenceScore]] = {}
    for s in scores:
        p = art.sentences[s.sentence].paragraph if 0 <= s.sentence < len(art.sentences) else -1
        if p >= 0:
            by_para.setdefault(p, []).append(s)
    out.extend(label(by_para[p], p) for p in sorted(by_para))
    return out


class Subjectivity(Analyser):
    """SUBJ / OBJ for every sentence (CheckThat! 2025), with paragraph and article shares."""

    name = "subjectivity"
    needs = ("sentences",)
    adds = ("subjectivity", "labels")
    version = "1"
    languages = None  # the multilingual encoder reads any language (trained and measured on those in its card)

    def __init__(self, **options):
        super().__init__(**options)
        self.model: SubjectivityModel | None = None

    def load(self) -> None:
        if self.model is None:
            self.model = SubjectivityModel(Path(self.options.get("model", MODEL_DIR)),
                                           threads=self.options.get("threads"),
                                           model_file=self.options.get("model_file"))
            self.model.load()

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        for batch in batched(articles, batch_size):
            yield from self._run(batch)

    def _run(self, batch: list[Article]) -> Iterator[Article]:
        model = self.model
        assert model is not None
        version = f"{model.encoder.config.get('name', 'techniques')}@{model.encoder.config.get('version', '0')}"
        # The article's own pass (shared with techniques, nearly free) when the context head
        # exists; else each sentence is encoded on its own, as the sentence head was trained:
        # that head, read off a whole-article pass, scores every sentence of an opinion piece SUBJ.
        in_context = bool(self.options.get("in_context", True)) and "context" in model.heads
        head = "context" if in_context else "sentence"
        if in_context:
            model.encoder.encode(batch)  # reuses the techniques analyser's pass when it ran first
        model_id = f"{version}:{head}-head"
        for art in batch:
            spans = [(s.start, s.end) for s in art.sentences]
            probs = model.span_probs(art, spans, head) if in_context else \
                model.sentence_probs([art.text[a:b] for a, b in spans])
            art.subjectivity = [
                SentenceScore(start=s.start, end=s.end, sentence=i, label=model.label(float(p), head),
                              score=round(float(p), 4))
                for i, (s, p) in enumerate(zip(art.sentences, probs, strict=True))
            ]
            art.labels = [lab for lab in art.labels if lab.task != "subjectivity"] + summarise(art, art.subjectivity)
            art.record("subjectivity", self.name, self.version, model=model_id)
            art.record("labels", self.name, self.version, model=model_id)
            yield art
