"""What a retelling kept, added and dropped: two articles' sentences aligned by their pooled states.

Each sentence of both articles is the mean of its tokens' hidden states from the shared encoder
pass (the same pass the techniques analyser and the story model read), centred on the mean of its
own article's sentences (what every sentence of one article shares, its language and its topic,
says nothing about which sentence retells which) and scaled to unit length. In one language the
score of two sentences is the mean of that cosine and the cosine of their idf-weighted token-id
bags (the story model's idf); across languages it is the cosine alone. A sentence of the retelling (B) whose best match in
the original (A) reaches ``KEEP`` is *kept* (with that match); one below it is *added*; a sentence
of A that no sentence of B reaches is *dropped*. The states are multilingual, so the two articles
may be in different languages.

Added sentences are listed first when they carry persuasion techniques (the techniques analyser's
spans: "Loaded_Language", "Name_Calling-Labeling", ...): what a retelling adds in its own voice is
where its slant shows.

Notes:
    The alignment is the greedy best-match of BERTScore (Zhang et al., ICLR 2020) at sentence level,
    with a threshold instead of an average. ``KEEP`` was set by reading the shared example
    (``belarus-putin-2020.txt``) against an English text in the manner of the Politico piece it
    retells (``tests/fixtures/stories``). It is a rough setting: the encoder's top layers were
    fine-tuned for techniques, and its sentence states match paraphrases only loosely; tune it on
    labelled alignments when there are some.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .article import Article

KEEP = 0.4  # sentence match score (see ``sentence_scores``) from which one sentence retells the other


@dataclass
class SentenceMatch:
    start: int
    end: int
    text: str
    match: int | None = None  # index of the best sentence in the other article
    similarity: float = 0.0
    techniques: list[str] = field(default_factory=list)  # technique labels of spans inside it


@dataclass
class Comparison:
    overall: float  # SemEval-2022 Task 8 scale, 1 = the same story .. 4 = unrelated
    similarity: float  # 0..1, 1 = the same story
    kept: list[SentenceMatch]  # sentences of B with their match in A
    added: list[SentenceMatch]  # sentences of B with no match in A, technique-carrying first
    dropped: list[SentenceMatch]  # sentences of A that B does not retell
    a_sentences: list[SentenceMatch]


def _sentence_states(art: Article) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray]:
    """(spans, unit centred mean states, token rows lo, hi) of the article's sentences."""
    from .encoder import pool_rows, span_rows
    from .stories import sentence_spans

    spans = sentence_spans(art)
    lo, hi = span_rows(art._encoded, spans)
    mean = pool_rows(art._encoded.hidden, lo, hi)[0]
    if len(mean):
        mean = mean - mean[hi > lo].mean(axis=0) if (hi > lo).any() else mean
    mean[hi <= lo] = 0.0
    norm = np.linalg.norm(mean, axis=1, keepdims=True)
    return spans, mean / np.maximum(norm, 1e-9), lo, hi


def _token_bags(art: Article, lo: np.ndarray, hi: np.ndarray, idf: np.ndarray, vocab: int):
    """(n_sentences, vocab) sparse rows as a dict-free dense product helper: unit idf-weighted counts."""
    from .stories import token_ids

    ids = token_ids(art._encoded)
    bags = []
    for a, b in zip(lo, hi):
        u, c = np.unique(ids[a:b], return_counts=True)
        w = (1.0 + np.log(c)) * idf[np.clip(u, 0, len(idf) - 1)] if len(u) else np.zeros(0)
        bags.append((u, w / max(float(np.linalg.norm(w)), 1e-9)))
    return bags


def sentence_scores(a: Article, b: Article, idf: np.ndarray, same_language: bool):
    """(spans of a, spans of b, (n_b, n_a) match scores)."""
    from .stories import VOCAB, _sparse_cos

    spans_a, xa, lo_a, hi_a = _sentence_states(a)
    spans_b, xb, lo_b, hi_b = _sentence_states(b)
    sim = xb @ xa.T if len(xa) and len(xb) else np.zeros((len(xb), len(xa)))
    if same_language and sim.size:
        ba, bb = _token_bags(a, lo_a, hi_a, idf, VOCAB), _token_bags(b, lo_b, hi_b, idf, VOCAB)
        lex = np.array([[_sparse_cos(p, q) for p in ba] for q in bb])
        sim = 0.5 * (sim + lex)
    return spans_a, spans_b, sim


def _techniques_in(art: Article, start: int, end: int) -> list[str]:
    return sorted({t.technique for t in art.techniques if t.start < end and t.end > start})


def compare(a: Article, b: Article, keep: float = KEEP, model=None, encoder=None) -> Comparison:
    """Align the sentences of ``b`` (the retelling) to those of ``a``. Both articles should have
    passed the segmenter and the techniques analyser (``slant.compare.analyse`` does both); the
    encoder runs only for an article that carries no states."""
    from .stories import load, story_of

    if model is None or encoder is None:
        model, encoder = load()
    sa, sb = story_of(a, model, encoder), story_of(b, model, encoder)
    overall = model.overall(sa, sb)
    same = not (a.meta.language and b.meta.language and a.meta.language != b.meta.language)
    spans_a, spans_b, sim = sentence_scores(a, b, model.idf, same)
    kept, added = [], []
    for i, (s, e) in enumerate(spans_b):
        j = int(sim[i].argmax()) if sim.shape[1] else None
        best = float(sim[i, j]) if j is not None else 0.0
        m = SentenceMatch(s, e, b.text[s:e], j, best, _techniques_in(b, s, e))
        (kept if best >= keep else added).append(m)
    a_matches = []
    for j, (s, e) in enumerate(spans_a):
        i = int(sim[:, j].argmax()) if sim.shape[0] else None
        a_matches.append(SentenceMatch(s, e, a.text[s:e], i, float(sim[i, j]) if i is not None else 0.0,
                                       _techniques_in(a, s, e)))
    dropped = [m for m in a_matches if m.similarity < keep]
    added.sort(key=lambda m: (-len(m.techniques), m.start))  # slanted additions first, then in order
    return Comparison(overall, (4.0 - overall) / 3.0, kept, added, dropped, a_matches)


def analyse(*articles: Article) -> list[Article]:
    """The segmenter and the techniques analyser over the articles (one encoder pass each)."""
    from .analysers.segment import Segmenter
    from .analysers.techniques import Techniques

    return list(Techniques().pipe(Segmenter().pipe(list(articles))))
