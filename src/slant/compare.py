"""What a retelling kept, added and dropped: two articles' sentences and paragraphs aligned, and the
technique spans, loaded words and quotes that only the retelling has.

Sentences are compared token by token, BERTScore-style, on the states of the shared encoder pass
(the one the techniques analyser and the story model read): every token's state is centred on the
mean of its own article's tokens and scaled to unit length; each token of a sentence of B (the
retelling) takes its best cosine among the tokens of a sentence of A (the original), and the other
way round; the two idf-weighted means (the story model's idf) give recall and precision, and their
harmonic mean the score. Centring matters: the encoder's states are dominated by the language (and
the topic) of the whole article, which says nothing about which sentence retells which; matching
tokens instead of mean states lets names, numbers and the words a translation keeps meet.

The scores are then read relative to the pair itself, never against a fixed number, because their
level depends on the pair's languages: hubs (a sentence close to everything) are discounted with
CSLS, and every score becomes a robust z-score against all the pair's scores (most sentence pairs
are unrelated, so the bulk of the matrix is the null). A sentence's best match is a *link* when the
two are each other's best match with ``z >= MUTUAL``, or when ``z >= KEEP`` alone; links are looked
for from both sides, so one sentence may retell two. A sentence of B with a link is *kept*, one
without is *added*; a sentence of A with none is *dropped*. A paragraph of B retells the paragraphs
of A its sentences link to (``ParagraphMatch``); ``rows`` lays the two articles side by side on the
longest run of paragraph matches in order, so a retelling that moves a paragraph is still read.

What the retelling adds in its own voice is where its slant shows, so the comparison lists first
(``additions``) the spans only B has: its technique spans, its loaded words (the Loaded_Language and
Name_Calling-Labeling spans, and in English the epithets and loaded words of slant's word list,
``data/word-lexicon.tsv``, which the multilingual techniques model misses: "the usurper", "the
dictator-same") and its quotes. A span counts as only B's when its sentence is added, or when the
sentences of A its sentence retells carry no span of the same technique (no quote, for a quote);
when the two articles share a language, also when its words do not occur in A at all.

Notes:
    The sentence score is BERTScore (Zhang et al., "BERTScore: Evaluating Text Generation with
    BERT", ICLR 2020) with idf weights, at sentence level; CSLS is from Conneau et al., "Word
    Translation Without Parallel Data" (ICLR 2018); keeping mutual best matches follows the
    sentence-alignment practice of Bleualign and Vecalign (Thompson and Koehn, EMNLP 2019). ``KEEP``,
    ``MUTUAL`` and ``FLOOR`` were set by hand-aligning the shared example
    (``belarus-putin-2020.txt``, a machine-translated retelling of a Politico piece) and a German
    summary (``tests/fixtures/stories/belarus-kurz-de.txt``) against an English text in the manner
    of that piece: 14 of the example's 19 sentences and 7 of the summary's 8 get the hand-made
    match (a sentence counted right when it is kept with a right match, or added when nothing
    retells it). Tune them on labelled alignments when there are some.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .article import Article

KEEP = 1.5  # robust z-score (see ``relative_scores``) at which a best match is a link on its own
MUTUAL = 1.0  # ... at which two sentences that are each other's best match are linked
FLOOR = 0.08  # the smallest raw score above the pair's median a link needs (unrelated articles)
ALONE = 0.5  # the raw score two sentences need when there are too few pairs to read it against
LOADED = ("Name_Calling-Labeling", "Loaded_Language")  # the techniques whose spans are loaded words
LEXICON_TECHNIQUE = {"epithet": "Name_Calling-Labeling", "loaded": "Loaded_Language"}  # word-list kinds
LEXICON_LANGUAGES = ("en",)  # the word list's language


@dataclass
class SentenceMatch:
    start: int
    end: int
    text: str
    match: int | None = None  # index of the linked sentence in the other article (its strongest link)
    similarity: float = 0.0  # the sentence score (0..1) with that sentence, or with the best candidate
    techniques: list[str] = field(default_factory=list)  # technique labels of spans inside it
    paragraph: int = -1  # index into its article's paragraphs
    status: str = ""  # "kept" or "added" (a sentence of B), "kept" or "dropped" (a sentence of A)
    relative: float = 0.0  # ... and its robust z-score (how far it stands out among this pair's scores)
    links: list[int] = field(default_factory=list)  # every sentence of the other article it is linked to


@dataclass
class Addition:
    """A span only the retelling has: a loaded word, another technique span, or a quote."""

    kind: str  # "loaded" (a span with a loaded-word label), "technique" or "quote"
    labels: list[str]  # the techniques on the span, name-calling first; a quote's kind ("direct", "indirect")
    start: int
    end: int
    text: str
    sentence: int  # index into the retelling's sentences, -1 when between sentences
    source: str  # "techniques", "word list" or "quotes"
    speaker: str | None = None  # a quote's speaker, when known


@dataclass
class ParagraphMatch:
    """A paragraph of B and the paragraphs of A it retells, the strongest first."""

    index: int
    start: int
    end: int
    matches: list[int]  # paragraphs of A, by the weight of the links between them
    kept: int  # its sentences kept ...
    added: int  # ... and added


@dataclass
class Row:
    """One row of the side-by-side view: paragraphs of A beside the paragraphs of B that retell
    them (``aligned``), or a stretch of either that has no partner in order."""

    a: list[int]
    b: list[int]
    aligned: bool


@dataclass
class Comparison:
    overall: float  # SemEval-2022 Task 8 scale, 1 = the same story .. 4 = unrelated
    similarity: float  # 0..1, 1 = the same story
    kept: list[SentenceMatch]  # sentences of B with their match in A
    added: list[SentenceMatch]  # sentences of B with no match in A, those carrying additions first
    dropped: list[SentenceMatch]  # sentences of A that B does not retell
    a_sentences: list[SentenceMatch]
    b_sentences: list[SentenceMatch] = field(default_factory=list)  # every sentence of B, in order
    additions: list[Addition] = field(default_factory=list)  # loaded words, technique spans, quotes
    paragraphs: list[ParagraphMatch] = field(default_factory=list)  # B's paragraphs and what they retell
    rows: list[Row] = field(default_factory=list)
    languages: tuple[str, str] = ("", "")


# --- sentence scores -----------------------------------------------------------------------------
def _token_states(art: Article, spans: list[tuple[int, int]], idf: np.ndarray):
    """(unit, article-centred token states, idf weight of each token, sentence token rows lo, hi)."""
    from .encoder import span_rows
    from .stories import token_ids

    enc = art._encoded
    h = np.asarray(enc.hidden, dtype=np.float32)
    if len(h):
        h = h - h.mean(axis=0)
    h = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-9)
    ids = token_ids(enc)
    w = idf[np.clip(ids, 0, len(idf) - 1)].astype(np.float32) if len(ids) else np.zeros(0, np.float32)
    lo, hi = span_rows(enc, spans)
    return h, w, lo, hi


def _weighted_means(values: np.ndarray, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For each range [lo, hi) of rows, the ``weights``-weighted mean of ``values``' rows."""
    from .encoder import reduce_rows

    total = reduce_rows(values * weights[:, None], lo, hi, np.add)
    mass = reduce_rows(weights[:, None], lo, hi, np.add)
    return total / np.maximum(mass, 1e-9)


def sentence_scores(a: Article, b: Article, idf: np.ndarray, chunk: int = 4_000_000):
    """(spans of a, spans of b, (n_b, n_a) BERTScore F1 of every pair of sentences). Both articles
    must carry the encoder pass (``art._encoded``)."""
    from .encoder import reduce_rows
    from .stories import sentence_spans

    spans_a, spans_b = sentence_spans(a), sentence_spans(b)
    scores = np.zeros((len(spans_b), len(spans_a)), dtype=np.float32)
    if not spans_a or not spans_b:
        return spans_a, spans_b, scores
    ha, wa, lo_a, hi_a = _token_states(a, spans_a, idf)
    hb, wb, lo_b, hi_b = _token_states(b, spans_b, idf)
    if not len(ha) or not len(hb):
        return spans_a, spans_b, scores
    # B's sentences in groups, so the token-by-token matrix stays small for long articles.
    per = max(1, chunk // max(len(ha), 1))
    i = 0
    while i < len(spans_b):
        k = i + 1
        while k < len(spans_b) and hi_b[k] - lo_b[i] <= per:
            k += 1
        t0, t1 = int(lo_b[i]), int(max(hi_b[i:k].max(), lo_b[i]))
        sims = hb[t0:t1] @ ha.T  # (tokens of these B sentences, tokens of A)
        lo, hi = lo_b[i:k] - t0, hi_b[i:k] - t0
        if len(sims):
            # recall: each B token's best A token inside each A sentence, averaged over B's sentence
            best_in_a = reduce_rows(sims.T, lo_a, hi_a, np.maximum).T  # (B tokens, A sentences)
            recall = _weighted_means(best_in_a, wb[t0:t1], lo, hi)  # (B sentences, A sentences)
            # precision: each A token's best B token inside each B sentence, averaged over A's sentence
            best_in_b = reduce_rows(sims, lo, hi, np.maximum)  # (B sentences, A tokens)
            precision = _weighted_means(best_in_b.T, wa, lo_a, hi_a).T
            f1 = 2 * recall * precision / np.maximum(recall + precision, 1e-9)
            empty = (hi <= lo)[:, None] | (hi_a <= lo_a)[None, :]
            scores[i:k] = np.where(empty, 0.0, np.clip(f1, 0.0, 1.0))
        i = k
    return spans_a, spans_b, scores


def relative_scores(scores: np.ndarray, k: int = 3) -> np.ndarray:
    """The scores as this pair reads them: CSLS (twice the score, less the mean of each side's
    ``k`` best scores, which discounts a sentence close to everything), then a robust z-score
    against the whole matrix (median and MAD)."""
    if not scores.size:
        return scores.astype(np.float64)
    s = scores.astype(np.float64)
    kb, ka = min(k, s.shape[1]), min(k, s.shape[0])
    hub_b = np.sort(s, axis=1)[:, -kb:].mean(axis=1, keepdims=True)
    hub_a = np.sort(s, axis=0)[-ka:, :].mean(axis=0, keepdims=True)
    c = 2 * s - hub_b - hub_a
    med = float(np.median(c))
    mad = 1.4826 * float(np.median(np.abs(c - med)))
    spread = mad if mad > 1e-6 else float(c.std())
    return (c - med) / spread if spread > 1e-6 else np.zeros_like(c)


def links(scores: np.ndarray, keep: float = KEEP, mutual: float = MUTUAL,
          floor: float = FLOOR) -> list[tuple[int, int]]:
    """The (sentence of B, sentence of A) pairs that retell each other: from each side, a
    sentence's best match when the two are each other's best with ``z >= mutual``, or when
    ``z >= keep``; and the raw score at least ``floor`` above the pair's median. (Under three
    pairs, a sentence's best match with a raw score of ``ALONE``.)"""
    if not scores.size:
        return []
    if scores.size < 3:  # one sentence against one or two: nothing to be relative to
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(scores >= ALONE)) if scores[i].argmax() == j]
    z = relative_scores(scores)
    base = float(np.median(scores))
    best_a = z.argmax(axis=1)  # for each B sentence, its best A sentence
    best_b = z.argmax(axis=0)  # for each A sentence, its best B sentence
    found = set()
    for i, j in list(enumerate(best_a)) + [(int(i), int(j)) for j, i in enumerate(best_b)]:
        i, j = int(i), int(j)
        both = best_a[i] == j and best_b[j] == i
        if (z[i, j] >= keep or (both and z[i, j] >= mutual)) and scores[i, j] >= base + floor:
            found.add((i, j))
    return sorted(found)


# --- paragraphs ----------------------------------------------------------------------------------
def paragraph_spans(art: Article) -> list[tuple[int, int]]:
    """The article's paragraphs, or its whole text as one when it has none."""
    return [(p.start, p.end) for p in art.paragraphs] or ([(0, len(art.text))] if art.text else [])


def paragraph_of(paragraphs: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    """The index in ``paragraphs`` of each span (by its start), -1 outside every paragraph."""
    return [_index_at(paragraphs, s) for s, _ in spans]


def paragraph_matches(weights: np.ndarray) -> list[list[int]]:
    """For each paragraph of B (a row of ``weights``, B x A link weights), the paragraphs of A it
    retells, the heaviest first."""
    return [[int(q) for q in np.argsort(-row, kind="stable") if row[q] > 0] for row in weights]


def layout_rows(primary: list[int | None], n_a: int, matches: list[list[int]] | None = None) -> list[Row]:
    """Rows for the side-by-side view: the longest run of B paragraphs whose main A paragraph
    (``primary``; None for a paragraph that retells nothing) never goes back anchors the rows, each
    A paragraph beside the B paragraphs that retell it; what lies between two anchors, on either
    side, shares an unaligned row. An A paragraph left alone in such a row joins the row next to it
    when a B paragraph there retells it too (``matches``: every A paragraph each B paragraph retells)."""
    anchored = [(b, a) for b, a in enumerate(primary) if a is not None]
    # longest non-decreasing subsequence of the A paragraphs, in B's order (O(n^2): few paragraphs)
    best: list[int] = []
    length, prev = [1] * len(anchored), [-1] * len(anchored)
    for k in range(len(anchored)):
        for m in range(k):
            if anchored[m][1] <= anchored[k][1] and length[m] + 1 > length[k]:
                length[k], prev[k] = length[m] + 1, m
    if anchored:
        k = max(range(len(anchored)), key=lambda x: (length[x], -x))
        while k >= 0:
            best.append(k)
            k = prev[k]
    chain = [anchored[k] for k in reversed(best)]
    rows: list[Row] = []
    pb, pa = -1, -1
    for cb, ca in chain:
        gap_b, gap_a = list(range(pb + 1, cb)), list(range(pa + 1, ca))
        if ca == pa and rows and rows[-1].aligned:
            # B goes back to the A paragraph of the last row: what B put in between joins that row
            rows[-1].b.extend(gap_b + [cb])
        else:
            if gap_b or gap_a:
                rows.append(Row(gap_a, gap_b, False))
            rows.append(Row([ca], [cb], True))
        pb, pa = cb, ca
    n_b = len(primary)
    if pb + 1 < n_b or pa + 1 < n_a:
        rows.append(Row(list(range(pa + 1, n_a)), list(range(pb + 1, n_b)), False))
    if matches:
        for k, row in enumerate(rows):
            if row.aligned or row.b:
                continue
            for q in list(row.a):
                before = rows[k - 1] if k > 0 and rows[k - 1].aligned else None
                if before is not None and any(q in matches[p] for p in before.b) and q == row.a[0]:
                    before.a.append(q)  # the paragraphs move in order: the first to the row before ...
                    row.a.remove(q)
            for q in reversed(list(row.a)):
                after = rows[k + 1] if k + 1 < len(rows) and rows[k + 1].aligned else None
                if after is not None and any(q in matches[p] for p in after.b) and q == row.a[-1]:
                    after.a.insert(0, q)  # ... the last to the row after
                    row.a.remove(q)
        rows = [r for r in rows if r.a or r.b]
    return rows


# --- what only the retelling has -----------------------------------------------------------------
@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    from .word_tagger import read_lexicon

    return read_lexicon()


def word_list_spans(art: Article) -> list[tuple[int, int, str]]:
    """(start, end, technique) of the words of ``art`` that slant's word list holds as epithets or
    loaded words (English articles only: the list is English)."""
    from .word_tagger import WORD_TOKEN, lexicon_kind

    if (art.meta.language or "en") not in LEXICON_LANGUAGES:
        return []
    out = []
    for m in WORD_TOKEN.finditer(art.text):
        kind = lexicon_kind(m.group().lower(), _lexicon())
        if kind in LEXICON_TECHNIQUE:
            out.append((m.start(), m.end(), LEXICON_TECHNIQUE[kind]))
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w'’-]*", text.lower())


def _occurs_in(words: list[str], text_words: set[str]) -> bool:
    return bool(words) and all(w in text_words for w in words)


def _index_at(spans: list[tuple[int, int]], offset: int) -> int:
    """The index of the span (sorted, disjoint) holding ``offset``, -1 for none."""
    starts = [s for s, _ in spans]
    k = int(np.searchsorted(starts, offset, side="right")) - 1
    return k if k >= 0 and offset < spans[k][1] else -1


def _overlapping(spans: list[tuple[int, int]], start: int, end: int) -> list[int]:
    return [k for k, (s, e) in enumerate(spans) if s < end and e > start]


def additions(a: Article, b: Article, spans_a: list[tuple[int, int]], spans_b: list[tuple[int, int]],
              b_links: list[list[int]], same_language: bool) -> list[Addition]:
    """The technique spans, loaded words and quotes of ``b`` that ``a`` does not have, one entry per
    stretch of text (the techniques on one span together): loaded words first (name-calling before
    loaded language), then the other techniques, then quotes (direct before indirect); each group in
    the order of the text."""
    a_words = set(_words(a.text)) if same_language else set()
    a_techniques = [{t.technique for t in a.techniques if t.start < e and t.end > s} for s, e in spans_a]
    a_quoted = [any(q.start < e and q.end > s for q in a.quotes if q.kind != "belief") for s, e in spans_a]

    def only_b(start: int, end: int, test) -> bool:  # noqa: ANN001
        """Whether [start, end) of b is its own: its words are not in a (one language), and no
        sentence of b under it is linked to a sentence of a that passes ``test``."""
        if same_language and _occurs_in(_words(b.text[start:end]), a_words):
            return False
        return not any(test(j) for i in _overlapping(spans_b, start, end) for j in b_links[i])

    spans: dict[tuple[int, int], list[str]] = {}
    sources: dict[tuple[int, int], str] = {}
    for t in sorted(b.techniques, key=lambda t: (t.start, t.end)):
        if only_b(t.start, t.end, lambda j, name=t.technique: name in a_techniques[j]):
            spans.setdefault((t.start, t.end), []).append(t.technique)
            sources[(t.start, t.end)] = "techniques"
    loaded_in_b = [(t.start, t.end) for t in b.techniques if t.technique in LOADED]
    for s, e, name in word_list_spans(b):
        if any(ts < e and te > s for ts, te in loaded_in_b):
            continue  # the techniques layer has it (and kept it above if a has not)
        if only_b(s, e, lambda j, name=name: name in a_techniques[j]):
            spans.setdefault((s, e), []).append(name)
            sources[(s, e)] = "word list"
    found = []
    for (s, e), labels in spans.items():
        labels = sorted(set(labels), key=lambda x: (x not in LOADED, LOADED.index(x) if x in LOADED else 0, x))
        kind = "loaded" if labels[0] in LOADED else "technique"
        found.append(Addition(kind, labels, s, e, b.text[s:e], _index_at(spans_b, s), sources[(s, e)]))
    names = {i: x.name for i, x in enumerate(b.actors)}
    for q in b.quotes:
        if q.kind == "belief" or any(a_quoted[j] for i in _overlapping(spans_b, q.start, q.end) for j in b_links[i]):
            continue
        speaker = names.get(q.speaker) if q.speaker >= 0 else None
        if speaker is None and q.speaker_span is not None:
            speaker = b.text[q.speaker_span.start:q.speaker_span.end]
        found.append(Addition("quote", [q.kind], q.start, q.end, b.text[q.start:q.end],
                              _index_at(spans_b, q.start), "quotes", speaker))
    group = {"loaded": 0, "technique": 1, "quote": 2}
    order = {"Name_Calling-Labeling": 0, "direct": 0}
    return sorted(found, key=lambda x: (group[x.kind], order.get(x.labels[0], 1), x.start))


# --- the comparison ------------------------------------------------------------------------------
def _techniques_in(art: Article, start: int, end: int) -> list[str]:
    return sorted({t.technique for t in art.techniques if t.start < end and t.end > start})


def compare(a: Article, b: Article, keep: float = KEEP, model=None, encoder=None, mutual: float = MUTUAL) -> Comparison:
    """Align the sentences and paragraphs of ``b`` (the retelling) to those of ``a``, and find what
    only ``b`` has. Both articles should have passed the segmenter and the techniques analyser (and
    the quotes analyser, for quotes: ``slant.compare.analyse`` runs them); the encoder runs only for
    an article that carries no states."""
    from .stories import load, story_of

    if model is None or encoder is None:
        model, encoder = load()
    sa, sb = story_of(a, model, encoder), story_of(b, model, encoder)
    overall = float(model.overall(sa, sb))
    la, lb = a.meta.language or "", b.meta.language or ""
    same = not (la and lb and la != lb)
    spans_a, spans_b, scores = sentence_scores(a, b, model.idf)
    z = relative_scores(scores)
    pairs = links(scores, keep=keep, mutual=mutual)
    b_links: list[list[int]] = [[] for _ in spans_b]
    a_links: list[list[int]] = [[] for _ in spans_a]
    for i, j in pairs:
        b_links[i].append(j)
        a_links[j].append(i)
    paras_a, paras_b = paragraph_spans(a), paragraph_spans(b)
    para_a, para_b = paragraph_of(paras_a, spans_a), paragraph_of(paras_b, spans_b)

    def sentence(art: Article, s: int, e: int, linked: list[int], raw: np.ndarray, rel: np.ndarray, para: int,
                 unlinked: str) -> SentenceMatch:
        # a linked sentence reports its strongest link; another its best candidate's scores, no match
        best = max(linked, key=lambda j: rel[j]) if linked else (int(rel.argmax()) if len(rel) else None)
        return SentenceMatch(s, e, art.text[s:e], best if linked else None,
                             float(raw[best]) if best is not None else 0.0, _techniques_in(art, s, e), para,
                             "kept" if linked else unlinked, float(rel[best]) if best is not None else 0.0,
                             sorted(linked))

    b_all = [sentence(b, s, e, b_links[i], scores[i], z[i], para_b[i], "added") for i, (s, e) in enumerate(spans_b)]
    a_all = [sentence(a, s, e, a_links[j], scores[:, j], z[:, j], para_a[j], "dropped")
             for j, (s, e) in enumerate(spans_a)]
    found = additions(a, b, spans_a, spans_b, b_links, same)
    carrying = {x.sentence for x in found}
    kept = [m for m in b_all if m.status == "kept"]
    # the retelling's own slanted lines first: technique spans, then other additions, then the rest
    added = [m for _, m in sorted(((i, m) for i, m in enumerate(b_all) if m.status == "added"),
                                  key=lambda im: (not im[1].techniques, im[0] not in carrying, im[0]))]
    dropped = [m for m in a_all if m.status == "dropped"]

    weights = np.zeros((len(paras_b), len(paras_a)))
    for i, j in pairs:
        if para_b[i] >= 0 and para_a[j] >= 0:
            weights[para_b[i], para_a[j]] += max(float(z[i, j]), 0.0) + 1.0
    matches = paragraph_matches(weights)
    paragraphs = [ParagraphMatch(k, s, e, matches[k],
                                 sum(1 for m in b_all if m.paragraph == k and m.status == "kept"),
                                 sum(1 for m in b_all if m.paragraph == k and m.status == "added"))
                  for k, (s, e) in enumerate(paras_b)]
    rows = layout_rows([m[0] if m else None for m in matches], len(paras_a), matches)
    return Comparison(overall, (4.0 - overall) / 3.0, kept, added, dropped, a_all, b_all, found, paragraphs, rows,
                      (la, lb))


ANALYSERS = ("segment", "techniques", "entities", "actors", "quotes")


def analyse(*articles: Article, analysers: tuple[str, ...] = ANALYSERS) -> list[Article]:
    """The analysers ``compare`` reads (sentences, technique spans, quotes and the speakers' actors),
    over the articles, with one encoder pass each; an analyser that does not serve an article's
    language is skipped for it, as in any pipeline."""
    from .pipeline import Pipeline

    nlp = Pipeline.from_config({}, analysers=list(analysers))
    nlp.load()
    return list(nlp.pipe(list(articles)))
