"""Attributions learned from PolNeAR: a token tagger over the shared encoder pass, and the linking
of its source, cue and content spans into attributions.

The tagger (``models/attributions/tagger.onnx``, trained by :mod:`slant.train.attributions`) gives
every token of an article a score for each of :data:`TAGS`; :func:`decode` picks the best tag
sequence that is valid BIO (an ``I-x`` only after ``B-x`` or ``I-x``), and :func:`link` turns the
spans into attributions: content pieces join the cue nearest to them in their sentence (or, for a
quotation with no cue of its own, the cue of the sentence before or after in the same paragraph),
and a cue takes the source nearest to it in its sentence. The quotes analyser
(:mod:`slant.analysers.quotes`) merges these with the attributions its rules find.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import SlantError

MODEL_DIR = Path(__file__).resolve().parent / "models" / "attributions"
ROLES = ("source", "cue", "content")
TAGS = ("O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content")
MIN_WORDS = 2  # an attribution's content has at least this many words (PolNeAR train: 95% of them)
_TAG = {t: i for i, t in enumerate(TAGS)}
_OPEN = "\u201c\"\u00ab\u201e"
_CLOSE = "\u201d\"\u00bb\u201c"


def token_tags(offsets: np.ndarray, attributions) -> np.ndarray:
    """The gold tag of every token (rows of ``offsets``) from PolNeAR attributions
    (:class:`slant.tasks.corpora.GoldAttribution`): a token starting inside a piece of a source,
    cue or content takes that role, ``B-`` on the first token of the piece."""
    tags = np.zeros(len(offsets), dtype=np.int64)
    starts = offsets[:, 0]
    for g in attributions:
        for role, pieces in (("content", g.content), ("cue", g.cue), ("source", g.source)):
            for s, e in pieces:
                lo = int(np.searchsorted(starts, s, side="left"))
                hi = int(np.searchsorted(starts, e, side="left"))
                if hi <= lo:
                    continue
                tags[lo] = _TAG[f"B-{role}"]
                tags[lo + 1 : hi] = _TAG[f"I-{role}"]
    return tags


def quote_feature(text: str, offsets: np.ndarray) -> np.ndarray:
    """1.0 for a token inside double quotation marks (marks paired within a paragraph, an
    unclosed one running to the paragraph's end), else 0.0."""
    inside = np.zeros(len(text) + 1, dtype=np.float32)
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        i = pos
        while i < end:
            c = text[i]
            if c in _OPEN:
                j = i + 1
                while j < end and text[j] not in _CLOSE:
                    j += 1
                inside[i + 1 : j] = 1.0
                i = j + 1
            else:
                i += 1
        pos = end + 1
    if not len(offsets):
        return np.zeros(0, dtype=np.float32)
    return inside[np.clip(offsets[:, 0], 0, n)]


def _allowed() -> np.ndarray:
    """allowed[i, j]: tag j may follow tag i."""
    a = np.ones((len(TAGS), len(TAGS)), dtype=bool)
    for j, t in enumerate(TAGS):
        if t.startswith("I-"):
            role = t[2:]
            a[:, j] = False
            a[_TAG[f"B-{role}"], j] = a[_TAG[f"I-{role}"], j] = True
    return a


ALLOWED = _allowed()


def _within_word() -> np.ndarray:
    """allowed[i, j] for a token that continues the word before it: it keeps that token's part
    (O after O, I-x after B-x or I-x), so a tag never changes inside a word ("believe|s")."""
    a = np.zeros((len(TAGS), len(TAGS)), dtype=bool)
    a[_TAG["O"], _TAG["O"]] = True
    for role in ROLES:
        a[_TAG[f"B-{role}"], _TAG[f"I-{role}"]] = a[_TAG[f"I-{role}"], _TAG[f"I-{role}"]] = True
    return a


WITHIN_WORD = _within_word()


def word_pieces(text: str, offsets: np.ndarray) -> np.ndarray:
    """True for a token that continues the word of the token before it (a sub-word piece: no
    space between them, letters or digits on both sides)."""
    out = np.zeros(len(offsets), dtype=bool)
    for i in range(1, len(offsets)):
        s = int(offsets[i, 0])
        if s == int(offsets[i - 1, 1]) and 0 < s < len(text) and text[s].isalnum() and text[s - 1].isalnum():
            out[i] = True
    return out


def decode(scores: np.ndarray, pieces: np.ndarray | None = None) -> np.ndarray:
    """The highest-scoring valid BIO tag sequence (Viterbi over log-probabilities ``scores``,
    tokens x tags; an ``I-`` tag never starts a sequence). ``pieces`` (:func:`word_pieces`):
    tokens that must keep the part of the token before them."""
    n, k = scores.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    penalty = np.where(ALLOWED, 0.0, -1e9)
    inside = np.where(WITHIN_WORD, 0.0, -1e9)
    start = np.array([-1e9 if t.startswith("I-") else 0.0 for t in TAGS])
    best = scores[0] + start
    back = np.zeros((n, k), dtype=np.int64)
    for i in range(1, n):
        cand = best[:, None] + (inside if pieces is not None and pieces[i] else penalty)  # from x to
        back[i] = cand.argmax(axis=0)
        best = cand[back[i], np.arange(k)] + scores[i]
    out = np.zeros(n, dtype=np.int64)
    out[-1] = int(best.argmax())
    for i in range(n - 1, 0, -1):
        out[i - 1] = back[i, out[i]]
    return out


def spans(tags: np.ndarray, offsets: np.ndarray, probs: np.ndarray | None = None) -> list[tuple[str, int, int, float]]:
    """(role, start, end, mean probability of its tags) of each tagged span, in text order."""
    out = []
    i, n = 0, len(tags)
    while i < n:
        t = TAGS[int(tags[i])]
        if t == "O":
            i += 1
            continue
        role = t[2:]
        j = i + 1
        while j < n and TAGS[int(tags[j])] == f"I-{role}":
            j += 1
        p = float(probs[np.arange(i, j), tags[i:j]].mean()) if probs is not None else 1.0
        out.append((role, int(offsets[i, 0]), int(offsets[j - 1, 1]), p))
        i = j
    return out


@dataclass
class Linked:
    """One attribution read off the tagger's spans: content pieces (text order), its cue and
    source (``None`` when it has none) and a confidence (mean tag probability of its parts)."""

    content: list[tuple[int, int]]
    cue: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    confidence: float = 0.0
    probs: list[float] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.content[0][0]

    @property
    def end(self) -> int:
        return self.content[-1][1]


def _locator(bounds: list[tuple[int, int]]):
    """offset -> index of the range of ``bounds`` (sorted, disjoint) holding it, or -1."""
    starts = [s for s, _ in bounds]

    def find(offset: int) -> int:
        i = bisect_right(starts, offset) - 1
        return i if i >= 0 and offset < bounds[i][1] else -1

    return find


def link(found: list[tuple[str, int, int, float]], sentences: list[tuple[int, int]],
         paragraphs: list[tuple[int, int]], text: str | None = None, min_words: int = 0) -> list[Linked]:
    """Attributions from tagged spans (:func:`spans`): each content piece joins the nearest cue of
    its sentence (by characters between them); a piece whose sentence has no cue joins the cue of
    the sentence just before or after it in the same paragraph, if that one has a cue, else stands
    alone (no cue, no source). Each cue takes the nearest source of its sentence. With ``text``,
    an attribution whose content pieces hold fewer than ``min_words`` words in all is dropped
    (a stray "that" or "the" the tagger split off a content)."""
    sent, para = _locator(sentences), _locator(paragraphs)
    cues = [(s, e, p) for r, s, e, p in found if r == "cue"]
    sources = [(s, e, p) for r, s, e, p in found if r == "source"]
    cues_in: dict[int, list[int]] = {}
    for c, (s, _, _) in enumerate(cues):
        cues_in.setdefault(sent(s), []).append(c)
    sources_in: dict[int, list[tuple[int, int, float]]] = {}
    for x in sources:
        sources_in.setdefault(sent(x[0]), []).append(x)
    groups: dict[int, Linked] = {}
    alone: list[Linked] = []

    def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
        return max(0, max(a[0], b[0]) - min(a[1], b[1]))

    for r, s, e, p in found:
        if r != "content":
            continue
        si = sent(s)
        mine = cues_in.get(si, []) if si >= 0 else []
        if not mine and si >= 0:
            pi = para(s)
            for other in (si - 1, si + 1, sent(e - 1)):
                near = [c for c in cues_in.get(other, []) if other >= 0 and para(cues[c][0]) == pi]
                if near:
                    mine = near
                    break
        if not mine:
            alone.append(Linked(content=[(s, e)], probs=[p]))
            continue
        c = min(mine, key=lambda c: gap((s, e), cues[c][:2]))
        g = groups.setdefault(c, Linked(content=[], cue=cues[c][:2], probs=[cues[c][2]]))
        g.content.append((s, e))
        g.probs.append(p)
    out = list(groups.values()) + alone
    if text is not None and min_words:
        out = [g for g in out if sum(len(text[a:b].split()) for a, b in g.content) >= min_words]
    for g in out:
        g.content.sort()
        if g.cue is not None:
            mine = sources_in.get(sent(g.cue[0]), [])
            if mine:
                best = min(mine, key=lambda x: gap(x[:2], g.cue))
                g.source = best[:2]
                g.probs.append(best[2])
        g.confidence = round(float(np.mean(g.probs)), 4)
    out.sort(key=lambda g: g.start)
    return out


class Tagger:
    """The attribution tagger (``tagger.onnx`` + ``head.json`` in ``folder``)."""

    def __init__(self, folder: str | Path = MODEL_DIR):
        self.folder = Path(folder)
        cfg = self.folder / "head.json"
        if not cfg.is_file() or not (self.folder / "tagger.onnx").is_file():
            raise SlantError(f"no attribution tagger in {self.folder} (tagger.onnx, head.json); "
                             "rebuild it with `slant train attributions`")
        self.config = json.loads(cfg.read_text("utf-8"))
        self.version = str(self.config.get("version", "0"))
        self._session = None

    def check_encoder(self, encoder) -> None:
        """Refuse a tagger fitted on another encoder's states (see :func:`slant.doclabels.check_encoder`)."""
        from .doclabels import check_encoder

        check_encoder(self, encoder)  # reads .folder and .config

    def _open(self):
        if self._session is None:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            self._session = ort.InferenceSession(str(self.folder / "tagger.onnx"), opts,
                                                 providers=["CPUExecutionProvider"])
        return self._session

    def log_probs(self, x: np.ndarray) -> np.ndarray:
        """(tokens, tags) log-probabilities of one article's tagger input rows."""
        if not len(x):
            return np.zeros((0, len(TAGS)), dtype=np.float32)
        out = self._open().run(None, {"x": x[None].astype(np.float32)})[0][0]
        return out


def input_rows(offsets: np.ndarray, hidden: np.ndarray, techniques: np.ndarray | None, text: str) -> np.ndarray:
    """The tagger's input rows: each token's hidden states, technique logits (when the encoder has
    that head) and whether it is quoted (:func:`quote_feature`)."""
    parts = [hidden.astype(np.float32)]
    if techniques is not None:
        parts.append(techniques.astype(np.float32))
    parts.append(quote_feature(text, offsets)[:, None])
    return np.concatenate(parts, axis=1)


def tagger_input(enc, text: str) -> np.ndarray:
    """:func:`input_rows` of an article the shared encoder has read (its :class:`~slant.encoder.Encoded`)."""
    return input_rows(enc.offsets, enc.hidden, enc.outputs.get("techniques"), text)


def read(log_probs: np.ndarray, offsets: np.ndarray, text: str, sentences: list[tuple[int, int]],
         paragraphs: list[tuple[int, int]]) -> list[Linked]:
    """Attributions from the tagger's log-probabilities of one text: decoded (:func:`decode`,
    sub-word pieces kept in their word), cut into spans and linked (:func:`link`)."""
    tags = decode(log_probs, word_pieces(text, offsets))
    return link(spans(tags, offsets, np.exp(log_probs)), sentences, paragraphs, text, MIN_WORDS)


def attributions(art, tagger: Tagger) -> list[Linked]:
    """The tagger's attributions of an Article the encoder has read (``art._encoded``) and the
    segmenter has cut (sentences, paragraphs)."""
    enc = art._encoded
    if enc is None or not len(enc):
        return []
    return read(tagger.log_probs(tagger_input(enc, art.text)), enc.offsets, art.text,
                [(s.start, s.end) for s in art.sentences], [(p.start, p.end) for p in art.paragraphs])
