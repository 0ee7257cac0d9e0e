"""Quote attribution scored on PolNeAR dev and on the hand-made gold set (``slant eval quotes``).

PolNeAR (Newell, Margolin & Ruths, 2018; :func:`slant.tasks.corpora.polnear`): every attribution
of 84 political news articles, scored with GenderGapTracker's rules
(:func:`slant.tasks.scoring.attribution_scores`): content spans matched one to one at 0.3
(lenient) and 0.8 (strict) of the longer span, speaker accuracy over matched pairs.

The hand-made set: quote attribution (gold: ``tests/fixtures/quotes/gold.tsv``, annotations.txt and build_gold.py beside it; it marks reported speech only). A predicted
quote *finds* a gold quote when their spans overlap by at least half of the shorter one; it
*attributes* it when, in addition, its speaker names the gold speaker. Each gold quote lists the
ways the text names its speaker ("Jim Taiclet|Taiclet"); a prediction names it when its actor's
name or one of its aliases (or, for a speaker that is no actor, the speaker phrase) equals one of
them, ignoring case, a leading "the" and a possessive, or ends in the same capitalised word (a
surname, "Program"). Pronouns never match: an unresolved "he said" attributes nothing.
Speaker-attribution precision is over predicted quotes that name a speaker; recall over gold
quotes. Each prediction attributes at most one gold quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SlantError
from .scoring import AttributionSpan, attribution_scores

QUOTE_GOLD = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "quotes" / "gold.tsv"
PRONOUNS = frozenset("he she it they him her them his hers its their we i you who which that this".split())
_STRIP = re.compile(r"^(?:the\s+)|(?:['\u2019]s?)$", re.I)


@dataclass
class GoldQuote:
    doc: str
    start: int
    end: int
    kind: str
    speakers: list[str]


def load_quote_gold(path: str | Path | None = None) -> list[GoldQuote]:
    path = Path(path) if path else QUOTE_GOLD
    if not path.is_file():
        raise SlantError(f"no quote gold set at {path} (it ships with the source checkout, tests/fixtures/quotes)")
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if n == 1 or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 5 or not parts[1].isdigit() or not parts[2].isdigit():
            raise SlantError(f"{path}:{n}: expected doc, start, end, kind, speaker(s), excerpt separated by tabs")
        out.append(GoldQuote(parts[0], int(parts[1]), int(parts[2]), parts[3], parts[4].split("|")))
    return out


def _norm(name: str) -> str:
    s = " ".join(name.split())
    s = _STRIP.sub("", s).strip()
    return s.casefold()


def speaker_matches(gold_names: list[str], candidates: list[str]) -> bool:
    golds = [g for g in gold_names if g.strip() and _norm(g) not in PRONOUNS]
    cands = [c for c in candidates if c and c.strip() and _norm(c) not in PRONOUNS]
    for g in golds:
        for c in cands:
            if _norm(g) == _norm(c):
                return True
            gw, cw = g.split(), c.split()
            if gw and cw and gw[-1][:1].isupper() and _norm(gw[-1]) == _norm(cw[-1]):
                return True
    return False


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    inter = min(a1, b1) - max(a0, b0)
    return inter > 0 and inter >= 0.5 * min(a1 - a0, b1 - b0)


def score_quotes(gold: list[GoldQuote], predicted: dict[str, list[tuple[int, int, list[str]]]]) -> dict:
    """``predicted``: doc -> [(start, end, speaker names)]; an empty name list names no speaker."""
    by_doc: dict[str, list[GoldQuote]] = {}
    for g in gold:
        by_doc.setdefault(g.doc, []).append(g)
    tp = found = 0
    n_pred_speaker = n_pred = 0
    per_kind = {k: [0, 0] for k in ("direct", "indirect")}  # attributed, total
    for doc, golds in by_doc.items():
        preds = predicted.get(doc, [])
        n_pred += len(preds)
        n_pred_speaker += sum(1 for p in preds if p[2])
        used_attr: set[int] = set()
        used_find: set[int] = set()
        for g in golds:
            per_kind.setdefault(g.kind, [0, 0])[1] += 1
            hit = next((i for i, p in enumerate(preds) if i not in used_attr and p[2]
                        and _overlaps(g.start, g.end, p[0], p[1]) and speaker_matches(g.speakers, p[2])), None)
            if hit is not None:
                used_attr.add(hit)
                tp += 1
                per_kind[g.kind][0] += 1
            f = next((i for i, p in enumerate(preds) if i not in used_find and _overlaps(g.start, g.end, p[0], p[1])), None)
            if f is not None:
                used_find.add(f)
                found += 1
    p = tp / n_pred_speaker if n_pred_speaker else 0.0
    r = tp / len(gold) if gold else 0.0
    fp = found / n_pred if n_pred else 0.0
    fr = found / len(gold) if gold else 0.0
    return {
        "gold": len(gold), "docs": len(by_doc), "predicted": n_pred, "predicted_with_speaker": n_pred_speaker,
        "attribution": (p, r, 2 * p * r / (p + r) if p + r else 0.0),
        "detection": (fp, fr, 2 * fp * fr / (fp + fr) if fp + fr else 0.0),
        "recall_by_kind": {k: (a / t if t else 0.0, t) for k, (a, t) in per_kind.items()},
    }


def semeval2025_texts(data_dir: Path, docs) -> dict[str, str]:
    base = Path(data_dir) / "semeval2025-task10" / "train" / "EN" / "raw-documents"
    out = {}
    for d in sorted(set(docs)):
        path = base / f"{d}.txt"
        if not path.is_file():
            raise SlantError(f"{path}: document of the quote gold set not found")
        out[d] = path.read_bytes().decode("utf-8")
    return out


def reported_speech(q) -> bool:
    """Whether a quote is reported speech, what the hand-made set annotates: a quotation, or a
    clause cued by a speech verb or "according to" (not a belief, nor the object of a verb learned
    from PolNeAR such as "endorse" or "accuse")."""
    from ..analysers.quotes import CUE_VERBS

    return q.kind == "direct" or q.cue_text == "according to" or (q.kind == "indirect" and q.cue_text in CUE_VERBS)


def slant_quotes(texts: dict[str, str], speech_only: bool = True, analyse=None) -> dict[str, list[tuple[int, int, list[str]]]]:
    """slant's quotes of each text (run through ``analyse``, default :func:`quote_pipeline`), as
    the scorer takes them; with ``speech_only``, only those the hand-made set's scope covers
    (:func:`reported_speech`)."""
    from ..article import Article

    analyse = analyse or quote_pipeline().pipe
    docs = list(texts)
    out = {}
    for d, art in zip(docs, analyse(Article(text=texts[d]) for d in docs), strict=True):
        rows = []
        for q in art.quotes:
            if speech_only and not reported_speech(q):
                continue
            if q.speaker >= 0:
                a = art.actors[q.speaker]
                names = [a.name, *a.aliases]
            elif q.speaker_span is not None:
                names = [art.span_text(q.speaker_span)]
            else:
                names = []
            rows.append((q.start, q.end, names))
        out[d] = rows
    return out


def quotes_report(scores: dict, name: str = "slant") -> str:
    a, d = scores["attribution"], scores["detection"]
    kinds = ", ".join(f"{k} {r:.3f} of {n}" for k, (r, n) in scores["recall_by_kind"].items())
    return "\n".join([
        f"Quote attribution, hand-made gold set: {scores['gold']} quotes in {scores['docs']} documents "
        f"({name}: {scores['predicted']} quotes, {scores['predicted_with_speaker']} with a speaker)",
        f"{'measure':<34}{'P':>7}{'R':>7}{'F1':>7}",
        f"{'speaker attribution':<34}{a[0]:7.3f}{a[1]:7.3f}{a[2]:7.3f}",
        f"{'quote detection (any speaker)':<34}{d[0]:7.3f}{d[1]:7.3f}{d[2]:7.3f}",
        f"attribution recall by kind: {kinds}",
    ])


def quote_pipeline(**options):
    """The analysers ``slant eval quotes`` runs: segmenter, entities, actors, quotes (``options``
    go to the quotes analyser: ``learned=False`` for the rules alone)."""
    from ..analysers.actors import Actors
    from ..analysers.entities import Entities
    from ..analysers.quotes import Quotes
    from ..analysers.segment import Segmenter
    from ..pipeline import Pipeline

    return Pipeline([Segmenter(), Entities(), Actors(), Quotes(**options)])


def predicted_attributions(art, join: bool = True) -> list[AttributionSpan]:
    """An analysed Article's quotes as the attribution scorer takes them: the content span, and as
    the speaker the speaker phrase and every mention of the speaker's actor.

    With ``join``, a quote with no cue of its own that continues the quote before it in the same
    paragraph ('“...,” he said. “...”') is one attribution with it, from the first quote's start
    to its own end: PolNeAR annotates one relation per cue, with the content in pieces around it."""
    out: list[AttributionSpan] = []
    prev = None
    for q in sorted(art.quotes, key=lambda q: (q.start, q.end)):
        spans = [(q.speaker_span.start, q.speaker_span.end)] if q.speaker_span is not None else []
        if q.speaker >= 0:
            spans += [(m.start, m.end) for m in art.entities if m.actor == q.speaker]
        if join and prev is not None and q.cue is None and q.kind == "direct" and prev.kind == "direct" \
                and "\n" not in art.text[prev.end : q.start] and (q.speaker, q.speaker_span) == (prev.speaker, prev.speaker_span):
            last = out[-1]
            out[-1] = AttributionSpan(last.start, q.end, last.speaker, last.kind)
        else:
            out.append(AttributionSpan(q.start, q.end, tuple(spans), q.kind))
        prev = q
    return out


def gold_attributions(items) -> dict[str, list[AttributionSpan]]:
    """PolNeAR articles (:func:`slant.tasks.corpora.polnear`) as the attribution scorer takes them."""
    return {it.id: [AttributionSpan(g.extent[0], g.extent[1], g.source, g.kind) for g in it.attributions]
            for it in items}


def polnear_predictions(items, analyse=None, keep: list | None = None) -> dict[str, list[AttributionSpan]]:
    """Each PolNeAR article's text run through ``analyse`` (Articles in, analysed Articles out;
    default :func:`quote_pipeline`), its quotes as the scorer takes them; ``keep``, a list, gets
    the analysed Articles."""
    from ..article import Article, Meta

    analyse = analyse or quote_pipeline().pipe
    fresh = [Article(text=it.article.text, meta=Meta(language="en", extra=dict(it.article.meta.extra))) for it in items]
    out = {}
    for it, art in zip(items, analyse(fresh), strict=True):
        out[it.id] = predicted_attributions(art)
        if keep is not None:
            keep.append(art)
    return out


def tagger_predictions(items, arts) -> dict[str, list[AttributionSpan]]:
    """The attribution tagger's own attributions of analysed Articles (encoded and segmented),
    before the quotes analyser merges them with the rules: the source span is the speaker."""
    from ..attributions import Tagger, attributions

    tagger = Tagger()
    return {it.id: [AttributionSpan(g.start, g.end, (g.source,) if g.source else (), "")
                    for g in attributions(art, tagger)] for it, art in zip(items, arts, strict=True)}


def attribution_report(rows: list[tuple[str, dict]], title: str) -> str:
    """One table, a row per system: lenient and strict P/R/F1, direct recall, speaker accuracy."""
    head = (f"{'system':<36}{'len P':>7}{'len R':>7}{'len F1':>7}{'str P':>7}{'str R':>7}{'str F1':>7}"
            f"{'dir R':>7}{'spk':>7}")
    lines = [title, head]
    for name, s in rows:
        le, st = s["lenient"], s["strict"]
        lines.append(f"{name:<36}{le.precision:7.3f}{le.recall:7.3f}{le.f1:7.3f}{st.precision:7.3f}{st.recall:7.3f}"
                     f"{st.f1:7.3f}{s['direct_recall'][0]:7.3f}{s['speaker'][0]:7.3f}")
    lines.append("len/str: content overlap >= 0.3/0.8 of the longer span, one to one; dir R: lenient recall of "
                 "direct quotes; spk: speaker accuracy over lenient pairs with a gold source")
    return "\n".join(lines)


def evaluate_polnear(data_dir: Path, split: str = "dev", limit: int | None = None) -> tuple[str, dict]:
    """slant's quotes on PolNeAR ``split``, scored with GenderGapTracker's rules: (table, scores of
    the default analyser). Rows: the rules alone, the attribution tagger alone, and both merged
    (what the quotes analyser gives by default)."""
    from .corpora import polnear

    items = polnear(data_dir, split=split, limit=limit)
    gold = gold_attributions(items)
    rules = attribution_scores(gold, polnear_predictions(items, quote_pipeline(learned=False).pipe))
    arts: list = []
    scores = attribution_scores(gold, polnear_predictions(items, keep=arts))
    tagger = attribution_scores(gold, tagger_predictions(items, arts))
    n = sum(len(v) for v in gold.values())
    title = (f"Attribution, PolNeAR {split}: {n} attributions ({scores['n_direct']} direct) in {len(items)} articles "
             f"(slant: {scores['lenient'].n_pred} quotes)")
    rows = [("rules (parse, learned cue lexicon)", rules), ("attribution tagger alone", tagger),
            ("slant quotes: rules + tagger", scores)]
    return attribution_report(rows, title), scores


def evaluate_quotes(data_dir: Path, gold: str | Path | None = None, split: str | None = None,
                    limit: int | None = None, **options) -> str:
    """PolNeAR (``split``, default dev) first, then the hand-made gold set; either is left out,
    with the reason, when its data is missing."""
    parts = []
    try:
        parts.append(evaluate_polnear(data_dir, split=split or "dev", limit=limit)[0])
    except SlantError as e:
        parts.append(f"PolNeAR not scored: {e}")
    try:
        g = load_quote_gold(gold)
        texts = semeval2025_texts(data_dir, [q.doc for q in g])
        parts.append(quotes_report(score_quotes(g, slant_quotes(texts, analyse=quote_pipeline(learned=False).pipe)),
                                   "rules alone"))
        parts.append(quotes_report(score_quotes(g, slant_quotes(texts)), "slant quotes: rules + tagger"))
    except SlantError as e:
        parts.append(f"hand-made gold set not scored: {e}")
    return "\n\n".join(parts)
