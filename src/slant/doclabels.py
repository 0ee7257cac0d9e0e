"""Document labels (genre, frames, narratives) as light linear heads over the shared encoder.

Every head reads the token states the techniques model leaves on the article (``art._encoded``, see
``slant.encoder``): an article, or a sentence, is represented by the mean and max of its tokens'
hidden states and of the technique logits (``features``). A head is one affine map
``x @ weight + bias`` (standardisation folded in at training time) stored as ``head.npz`` beside a
``head.json`` that names the labels, how they are decoded (one of several, or any number) and the
thresholds; ``MODEL_CARD.md`` in the same folder says how it was trained and scored. Nothing here
needs more than numpy, and the encoder runs only for articles the techniques analyser has not seen.

Evidence: the same affine map applied to each sentence's pooled states scores how much that
sentence, on its own, speaks for a label; the two or three highest-scoring sentences are the
label's evidence. This is the usual "apply the document classifier to its parts" reading of a
linear model, cheap because the sentence states are already pooled from the same pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .article import Article, DocLabel, Span
from .encoder import Encoded, OnnxEncoder, pool_spans
from .analysers.base import batched
from .errors import SlantError

MODELS = Path(__file__).resolve().parent / "models"
ENCODER_DIR = MODELS / "techniques"
EVIDENCE = 3


def features(enc: Encoded, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """(n, 2h + 2t) features of character spans: mean and max of the hidden states, then mean and
    max of the technique logits when the encoder has that head (what a technique-dense text is)."""
    parts = [pool_spans(enc, spans, "hidden")]
    if "techniques" in enc.outputs:
        parts.append(pool_spans(enc, spans, "techniques"))
    return np.concatenate(parts, axis=1) if len(spans) else np.zeros((0, 0), dtype=np.float32)


def article_features(enc: Encoded, text: str) -> np.ndarray:
    return features(enc, [(0, len(text))])[0]


def article_and_sentence_features(art: Article) -> np.ndarray | None:
    """Features of the whole article (row 0) and of each sentence, from ``art._encoded``; kept on
    the article (``art._doclabel_features``, never serialised) so the genre, frames and narratives
    heads pool the states once between them. None when the article has no tokens."""
    enc = art._encoded
    spans = [(0, len(art.text))] + [(s.start, s.end) for s in art.sentences]
    key = (id(enc), enc.model, tuple(spans))
    cached = getattr(art, "_doclabel_features", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    x = features(enc, spans) if len(enc) else None
    art._doclabel_features = (key, x)
    return x


def file_hash(path: Path) -> str:
    """First 16 hex digits of the SHA-256 of a file (keys feature caches to the encoder weights)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


_HASHES: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> file_hash, once per process


def check_encoder(head: Head, encoder: OnnxEncoder) -> None:
    """Refuse a head fitted on another encoder's states. A new encoder of the same width (the
    multilingual one after MiniLM: 384 states and 23 logits both) would otherwise feed the head
    features of the right shape and the wrong meaning, and every label would be noise."""
    want = head.config.get("encoder_sha")
    path = encoder.folder / encoder.model_file
    if not want or not path.is_file():
        return
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_hash(path)
    if _HASHES[key] != want:
        raise SlantError(f"{head.folder}: this head was fitted on another encoder than {path} "
                         f"(weights {want}, now {_HASHES[key]}): refit it with `slant train {head.folder.name}`")


def encode_missing(encoder: OnnxEncoder, articles: Sequence[Article]) -> None:
    """Run the encoder only on articles that carry no states from it (the techniques analyser,
    when it ran first, has already left them), so a head costs a matrix product per article."""
    todo = [a for a in articles if getattr(getattr(a, "_encoded", None), "model", None) != encoder.id]
    if todo:
        encoder.encode(todo)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


class Head:
    """A linear head loaded from ``head.npz`` + ``head.json`` in ``folder``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        npz, cfg = self.folder / "head.npz", self.folder / "head.json"
        if not npz.is_file() or not cfg.is_file():
            raise SlantError(f"no trained head in {self.folder} (head.npz, head.json); "
                             f"rebuild it with `slant train {self.folder.name}`")
        self.config = json.loads(cfg.read_text("utf-8"))
        w = np.load(npz)
        self.weight = w["weight"].astype(np.float32)
        self.bias = w["bias"].astype(np.float32)
        self.labels: list[str] = list(self.config["labels"])
        if self.weight.shape[1] != len(self.labels):
            raise SlantError(f"{npz}: {self.weight.shape[1]} outputs for {len(self.labels)} labels")
        self.version = str(self.config.get("version", "0"))

    def logits(self, x: np.ndarray) -> np.ndarray:
        if x.shape[-1] != self.weight.shape[0]:
            raise SlantError(f"head in {self.folder} expects {self.weight.shape[0]} features, the encoder gives "
                             f"{x.shape[-1]}: retrain it with `slant train {self.folder.name}`")
        return x @ self.weight + self.bias


def top_sentences(art: Article, scores: np.ndarray, k: int = EVIDENCE) -> list[Span]:
    """The ``k`` sentences with the highest scores, in text order."""
    if not len(scores) or not art.sentences:
        return []
    best = sorted(np.argsort(-scores, kind="stable")[:k].tolist())
    return [Span(start=art.sentences[i].start, end=art.sentences[i].end) for i in best]


class DocHeadAnalyser:
    """Shared plumbing of the genre, frames and narratives analysers (mixed into ``Analyser``).

    Subclasses set ``folder_name`` and implement ``decide(art, doc_logits, sent_logits)`` returning
    the article's DocLabels.
    """

    folder_name = ""
    encoder: OnnxEncoder | None = None
    head: Head | None = None

    def load(self) -> None:
        if self.head is None:
            folder = Path(self.options.get("model", MODELS / self.folder_name))
            self.head = Head(folder)
            self.encoder = OnnxEncoder(Path(self.options.get("encoder", ENCODER_DIR)),
                                       threads=self.options.get("threads"))
            check_encoder(self.head, self.encoder)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        for batch in batched(articles, batch_size):
            yield from self._run(batch)

    def _run(self, batch: list[Article]) -> Iterator[Article]:
        assert self.head is not None and self.encoder is not None
        encode_missing(self.encoder, batch)
        for art in batch:
            x = article_and_sentence_features(art)
            if x is None:
                labels: list[DocLabel] = []
            else:
                lg = self.head.logits(x)
                labels = self.decide(art, lg[0], lg[1:])
            tasks = set(self.adds_tasks)
            art.labels = [lab for lab in art.labels if lab.task not in tasks] + labels
            art.record("labels", self.name, self.version, model=f"{self.folder_name}@{self.head.version}")
            yield art

    adds_tasks: tuple[str, ...] = ()

    def decide(self, art: Article, doc: np.ndarray, sents: np.ndarray) -> list[DocLabel]:
        raise NotImplementedError
