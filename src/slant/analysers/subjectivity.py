"""Subjectivity: every sentence SUBJ or OBJ with a probability, and how opinionated each paragraph
and the whole article are.

The head is a logistic layer over the mean and max of a sentence's token states from the shared
encoder (the techniques model, ``slant/models/techniques``), trained together with it on the CLEF
CheckThat! 2025 Task 1 English sentences (``slant.train.techniques``); its decision threshold is
tuned for macro-F1 on validation sentences by ``slant train subjectivity``, which writes
``subjectivity.json`` and ``SUBJECTIVITY.md`` (the model card) beside the weights. Sentences are
encoded one by one, as in training: read off the article's own pass (option ``in_context = true``,
nearly free after ``techniques``) the head sees each sentence with its neighbours' context and
scores every sentence of an opinion piece as subjective.

Summaries go to ``Article.labels`` with task ``subjectivity``: one label for the article and one per
paragraph (``paragraph`` set), each scored with the share of subjective sentences and carrying the
most subjective sentences as evidence.
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
CONFIG_FILE = "subjectivity.json"
EVIDENCE = 3


class SubjectivityModel:
    """The shared encoder plus the sentence head and its threshold."""

    def __init__(self, folder: str | Path = MODEL_DIR, threads: int | None = None, model_file: str | None = None):
        self.folder = Path(folder)
        head = self.folder / HEAD_FILE
        if not head.is_file():
            raise SlantError(f"no subjectivity head in {self.folder}; rebuild it with `slant train techniques`")
        weights = np.load(head)
        self.w = weights["weight"].astype(np.float32).reshape(-1)
        self.b = float(np.asarray(weights["bias"]).reshape(-1)[0])
        cfg_path = self.folder / CONFIG_FILE
        self.config = json.loads(cfg_path.read_text("utf-8")) if cfg_path.is_file() else {}
        self.threshold = float(self.config.get("threshold", 0.5))
        self.encoder = OnnxEncoder(self.folder, threads=threads, model_file=model_file)

    def load(self) -> None:
        self.encoder.load()

    def span_probs(self, art: Article, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """P(SUBJ) of each character span of an article already encoded by ``self.encoder``."""
        if not spans:
            return np.zeros(0, dtype=np.float32)
        enc = art._encoded
        if not len(enc):
            return np.zeros(len(spans), dtype=np.float32)
        z = pool_spans(enc, spans) @ self.w + self.b
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def sentence_probs(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """P(SUBJ) of stand-alone sentences (the task's setting: each encoded on its own)."""
        out = np.zeros(len(texts), dtype=np.float32)
        for k in range(0, len(texts), batch):
            arts = [Article(text=t) for t in texts[k : k + batch]]
            self.encoder.encode(arts)
            for i, art in enumerate(arts):
                out[k + i] = self.span_probs(art, [(0, len(art.text))])[0]
        return out

    def label(self, p: float) -> str:
        return "SUBJ" if p >= self.threshold else "OBJ"


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
        in_context = bool(self.options.get("in_context", False))
        if in_context:
            model.encoder.encode(batch)  # reuses the techniques analyser's pass when it ran first
        for art in batch:
            spans = [(s.start, s.end) for s in art.sentences]
            # Each sentence is encoded on its own, as the head was trained (CheckThat! sentences come
            # without their articles): pooled from the article's pass, every sentence of an
            # opinionated article scores near 1, so the shared pass is used only when asked for.
            probs = model.span_probs(art, spans) if in_context else \
                model.sentence_probs([art.text[a:b] for a, b in spans])
            art.subjectivity = [
                SentenceScore(start=s.start, end=s.end, sentence=i, label=model.label(float(p)),
                              score=round(float(p), 4))
                for i, (s, p) in enumerate(zip(art.sentences, probs, strict=True))
            ]
            art.labels = [lab for lab in art.labels if lab.task != "subjectivity"] + summarise(art, art.subjectivity)
            art.record("subjectivity", self.name, self.version, model=version)
            art.record("labels", self.name, self.version, model=version)
            yield art
