"""An Article laid out for the article page: paragraphs, sentences and highlighted pieces.

The text is cut at every boundary any layer has (paragraphs, sentences, technique spans, mentions,
quotes), so each piece is covered by one fixed set of spans. The template wraps a covered piece in
one nested ``<mark>`` per coarse category, each drawing its underline in its own lane, so overlapping
techniques stay visible; the piece's ``data-s`` lists its technique spans for the tooltip. Pieces are
plain strings handed to Jinja, which escapes them: no markup is ever built from article text here.

Layers the page has no panel for are shown as generic tables (``other_layers``), so a new layer
appears without a change to the page. Analysers not run for the article's language are named in one
note under the title, with the reason (``not_run_view``), where their panels would have been empty.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import lru_cache

import msgspec
from markupsafe import Markup, escape

from .. import lang, taxonomy
from ..analysers.claims import POSITIVE as CLAIM
from ..article import Article
from ..display import ACTORS_SHOWN, human_label, shorten

# Layers with their own panel on the page; every other list layer is shown as a table.
SHOWN = {"paragraphs", "sentences", "techniques", "paragraph_techniques", "entities", "actors", "quotes",
         "relations", "labels", "provenance", "subjectivity", "claims"}
# Category colours for the page (the taxonomy's colours are terminal styles): colour-blind-safe.
PALETTE = ["#d62728", "#ff7f0e", "#9467bd", "#17becf", "#2ca02c", "#bcbd22", "#8c564b", "#e377c2"]


@dataclass
class Piece:
    text: str
    start: int
    end: int
    spans: list[int] = field(default_factory=list)  # technique span indices
    cats: list[int] = field(default_factory=list)  # category indices, ascending
    lanes: list[int] = field(default_factory=list)  # the underline lane of each category here
    actors: list[int] = field(default_factory=list)
    quote: bool = False
    ok: list[int] = field(default_factory=list)  # categories with a span here an analyst confirmed

    @property
    def plain(self) -> bool:
        return not (self.spans or self.actors or self.quote)

    def html(self) -> str:
        """The piece as markup. The text goes through ``escape``; the rest are numbers and fixed
        class names. Built here rather than by a template macro: a long article has thousands of
        pieces, and this is ten times faster than a macro call per piece."""
        text = escape(self.text)
        if self.plain:
            return text
        cls = "pc" + (" men" if self.actors else "") + (" quo" if self.quote else "")
        attrs = f' data-s="{" ".join(map(str, self.spans))}" tabindex="0"' if self.spans else ""
        if self.actors:
            attrs += f' data-a="{" ".join(map(str, self.actors))}"'
        lanes = self.lanes or [0] * len(self.cats)
        opened = "".join(f'<mark class="hl c{int(c)} l{min(int(k), MAX_LANE)}{" ok" if c in self.ok else ""}">'
                         for c, k in zip(self.cats, lanes))
        return f'<span class="{cls}"{attrs}>{opened}{text}{"</mark>" * len(self.cats)}</span>'


@dataclass
class SentenceView:
    index: int  # into Article.sentences, -1 for text between sentences
    pieces: list[Piece]
    scores: list[dict] = field(default_factory=list)  # subjectivity / claims labels of the sentence


@dataclass
class ParagraphView:
    index: int
    sentences: list[SentenceView]
    badges: list[dict] = field(default_factory=list)  # paragraph techniques / labels
    start: int = 0  # character offset of the paragraph's first piece: the page maps a selection to offsets

    def html(self) -> Markup:
        """The paragraph's text: sentences (``id="s-N"``, the targets of evidence links) made of pieces,
        each sentence followed by its sentence-level scores."""
        out = []
        for s in self.sentences:
            body = "".join(pc.html() for pc in s.pieces)
            if s.index < 0:
                out.append(body)
                continue
            # A check-worthy claim gets a mark in the left margin (on the line where it starts) and a
            # faint tint: neither covers the technique underlines, which are bottom borders.
            claim = next((sc for sc in s.scores if sc["layer"] == "claims" and sc["label"] == CLAIM), None)
            if claim is not None:
                score = float(claim["score"])
                out.append(f'<span class="claim-mark" aria-hidden="true" title="check-worthy claim {score:.2f}"></span>'
                           f'<span class="sent claim" id="s-{int(s.index)}" data-claim="{score:.2f}">{body}</span>')
            else:
                out.append(f'<span class="sent" id="s-{int(s.index)}">{body}</span>')
            for sc in s.scores:
                if sc["layer"] == "claims":  # only the check-worthy ones, as a badge "claim 0.87"
                    if sc is claim:
                        out.append(f'<span class="sscore claim-score" title="check-worthy claim (CheckThat! 2024 head)">'
                                   f'claim {float(sc["score"]):.2f}</span>')
                    continue
                out.append(f'<span class="sscore" title="{escape(sc["layer"])} {float(sc["score"]):.2f}">'
                           f'{escape(sc["label"])}</span>')
        return Markup("".join(out))


@lru_cache(maxsize=1)
def categories() -> list[dict]:
    tax = taxonomy.load()
    return [{"index": i, "name": c, "colour": PALETTE[i % len(PALETTE)]} for i, c in enumerate(tax.categories)]


@lru_cache(maxsize=1)
def technique_info() -> dict[str, dict]:
    tax = taxonomy.load()
    cats = {c: i for i, c in enumerate(tax.categories)}
    return {t.name: {"label": t.label, "category": t.category, "cat": cats[t.category], "definition": t.definition}
            for t in tax.techniques}


MAX_LANE = 3  # deeper overlaps share the last lane


def underline_lanes(spans: list[tuple[int, int, int]]) -> dict[int, list[tuple[int, int, int]]]:
    """category -> its runs (start, end, lane): the category's (start, end) spans in ``spans``
    (start, end, category) fused where they touch, each run given the lowest lane that no run
    overlapping it holds, so underlines stack only where spans of different categories overlap."""
    runs: list[list[int]] = []
    for cat in sorted({c for _, _, c in spans}):
        for s, e in sorted((s, e) for s, e, c in spans if c == cat and e > s):
            if runs and runs[-1][2] == cat and s <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], e)
            else:
                runs.append([s, e, cat])
    out: dict[int, list[tuple[int, int, int]]] = {}
    active: list[tuple[int, int]] = []  # (end, lane) of the placed runs still open
    for s, e, cat in sorted(runs, key=lambda r: (r[0], -r[1])):
        active = [(b, lane) for b, lane in active if b > s]
        taken = {lane for _, lane in active}
        lane = next(k for k in range(len(taken) + 1) if k not in taken)
        active.append((e, lane))
        out.setdefault(cat, []).append((s, e, lane))
    return out


def _lane_at(runs: dict[int, list[tuple[int, int, int]]], cat: int, offset: int) -> int:
    """The lane of ``cat``'s run holding ``offset`` (a category's runs are disjoint and sorted)."""
    mine = runs.get(cat, [])
    k = bisect.bisect_right(mine, (offset, float("inf"), 0)) - 1
    return mine[k][2] if k >= 0 and mine[k][0] <= offset < mine[k][1] else 0


def _cat_of(name: str, info: dict[str, dict]) -> int:
    entry = info.get(name)
    return entry["cat"] if entry else len(PALETTE) - 1


def layout(art: Article, confirmed: set[int] | None = None) -> list[ParagraphView]:
    """The article's paragraphs cut into pieces; ``confirmed``: indices of technique spans an analyst
    accepted, added or relabelled (their underlines are drawn double)."""
    text = art.text
    confirmed = confirmed or set()
    n = len(text)
    info = technique_info()
    paras = [(p.start, p.end) for p in art.paragraphs] or [(0, n)]
    sents = [(s.start, s.end) for s in art.sentences]
    tech = [(max(0, t.start), min(n, t.end)) for t in art.techniques]
    ments = [(m.start, m.end) for m in art.entities if m.actor >= 0]
    quotes = [(q.start, q.end) for q in art.quotes]
    cuts = {0, n}
    for group in (paras, sents, tech, ments, quotes):
        for s, e in group:
            if 0 <= s <= n:
                cuts.add(s)
            if 0 <= e <= n:
                cuts.add(e)
    cuts_sorted = sorted(cuts)

    # Sweep events: which spans cover [cuts[k], cuts[k+1])
    def cover(spans: list[tuple[int, int]]) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(len(cuts_sorted))]
        for idx, (s, e) in enumerate(spans):
            if e <= s:
                continue
            k = bisect.bisect_left(cuts_sorted, s)
            while k < len(cuts_sorted) - 1 and cuts_sorted[k] < e:
                out[k].append(idx)
                k += 1
        return out

    tech_cov = cover(tech)
    ment_cov = cover(ments)
    quote_cov = cover(quotes)
    ment_actor = [m.actor for m in art.entities if m.actor >= 0]
    tech_cat = [_cat_of(t.technique, info) for t in art.techniques]
    lanes = underline_lanes([(s, e, c) for (s, e), c in zip(tech, tech_cat)])

    scores: dict[int, list[dict]] = {}
    for layer in ("subjectivity", "claims"):
        for s in getattr(art, layer, []):
            scores.setdefault(s.sentence, []).append({"layer": layer, "label": s.label, "score": s.score})
    badges: dict[int, list[dict]] = {}
    for pt in art.paragraph_techniques:
        for name, score in sorted(pt.techniques.items(), key=lambda kv: -kv[1]):
            badges.setdefault(pt.paragraph, []).append(
                {"kind": "technique", "name": name, "label": info.get(name, {}).get("label", name),
                 "cat": _cat_of(name, info), "score": score})
    for lab in art.labels:
        if lab.paragraph < 0:
            continue
        if lab.task == "subjectivity":  # the paragraph's share of subjective sentences, not a SUBJ score
            badge = {"kind": "label", "name": "share of subjective sentences", "label": "subjective",
                     "cat": -1, "score": lab.score, "shown": f"{lab.score:.0%}"}
        else:
            badge = {"kind": "label", "name": lab.label, "label": f"{lab.task}: {human_label(lab.label)}",
                     "cat": -1, "score": lab.score}
        badges.setdefault(lab.paragraph, []).append(badge)

    def pieces(s: int, e: int) -> list[Piece]:
        out = []
        k = bisect.bisect_left(cuts_sorted, s)
        while k < len(cuts_sorted) - 1 and cuts_sorted[k] < e:
            a, b = cuts_sorted[k], min(cuts_sorted[k + 1], e)
            sp = tech_cov[k]
            cats = sorted({tech_cat[i] for i in sp})
            out.append(Piece(text[a:b], a, b, sp, cats, [_lane_at(lanes, c, a) for c in cats],
                             sorted({ment_actor[i] for i in ment_cov[k]}), bool(quote_cov[k]),
                             sorted({tech_cat[i] for i in sp if i in confirmed})))
            k += 1
        return out

    views = []
    for pi, (ps, pe) in enumerate(paras):
        svs = []
        pos = ps
        for si, (ss, se) in enumerate(sents):
            if se <= ps or ss >= pe:
                continue
            ss, se = max(ss, ps), min(se, pe)
            if ss > pos:
                svs.append(SentenceView(-1, pieces(pos, ss)))
            if ss < pos:
                ss = pos
            if se > ss:
                svs.append(SentenceView(si, pieces(ss, se), scores.get(si, [])))
            pos = max(pos, se)
        if pos < pe:
            svs.append(SentenceView(-1, pieces(pos, pe)))
        views.append(ParagraphView(pi, svs, badges.get(pi, []), ps))
    return views


def sentence_of(art: Article, offset: int) -> int:
    for i, s in enumerate(art.sentences):
        if s.start <= offset < s.end:
            return i
    return -1


def labels_by_task(art: Article) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for lab in sorted(art.labels, key=lambda x: -x.score):
        if lab.paragraph >= 0:
            continue
        ev = [{"sentence": sentence_of(art, e.start), "start": e.start, "text": shorten(art.span_text(e), 160)}
              for e in lab.evidence]
        # "label" is what the page shows ("Crime and punishment"); "name" the label as the task spells it
        item = {"label": human_label(lab.label), "name": lab.label, "score": lab.score, "evidence": ev,
                "extra": lab.extra}
        if lab.task == "subjectivity":  # the article's share of subjective sentences
            item.update(label="subjective sentences", shown=f"{lab.score:.0%}")
        out.setdefault(lab.task, []).append(item)
    # The usual tasks first, in the order analysts read them.
    order = {"genre": 0, "frames": 1, "narratives": 2, "subnarratives": 3}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], 9), kv[0])))


def actor_order(art: Article) -> list[int]:
    """Actor indices, those that matter first: a role, then more mentions, then first appearance."""
    mentions: dict[int, int] = {}
    for m in art.entities:
        mentions[m.actor] = mentions.get(m.actor, 0) + 1
    return sorted(range(len(art.actors)), key=lambda i: (not art.actors[i].role, -mentions.get(i, 0), i))


def actors_view(art: Article) -> list[dict]:
    mentions: dict[int, int] = {}
    for m in art.entities:
        mentions[m.actor] = mentions.get(m.actor, 0) + 1
    out = []
    for i in actor_order(art):
        a = art.actors[i]
        out.append({"index": i, "name": a.name, "type": a.type, "aliases": a.aliases, "role": a.role,
                    "fine_roles": a.fine_roles, "scores": a.scores, "mentions": mentions.get(i, 0),
                    "evidence": [{"sentence": sentence_of(art, e.start), "text": shorten(art.span_text(e), 200)}
                                 for e in a.evidence],
                    # a second way the text casts the actor, with its own sentences
                    "also": [{"role": c.role, "score": c.scores.get(c.role), "fine_roles": c.fine_roles,
                              "evidence": [{"sentence": sentence_of(art, e.start), "text": shorten(art.span_text(e), 200)}
                                           for e in c.evidence]} for c in a.castings[1:]]})
    return out


def quotes_view(art: Article) -> list[dict]:
    names = {i: a.name for i, a in enumerate(art.actors)}
    out = []
    for q in art.quotes:
        speaker = names.get(q.speaker) if q.speaker >= 0 else None
        if speaker is None and q.speaker_span is not None:
            speaker = art.span_text(q.speaker_span)
        cue = q.cue_text or (art.span_text(q.cue) if q.cue is not None else None)
        out.append({"kind": q.kind, "speaker": speaker, "speaker_actor": q.speaker, "cue": cue,
                    "text": art.span_text(q), "sentence": sentence_of(art, q.start), "start": q.start, "end": q.end})
    return out


def graph_data(art: Article) -> dict:
    """Nodes (actors in a relation, or all actors when there are few) and edges for the actor graph."""
    used = {r.subject for r in art.relations} | {r.object for r in art.relations}
    mentions: dict[int, int] = {}
    for m in art.entities:
        mentions[m.actor] = mentions.get(m.actor, 0) + 1
    nodes = [{"id": i, "name": a.name, "role": a.role, "type": a.type, "mentions": mentions.get(i, 0)}
             for i, a in enumerate(art.actors) if i in used or len(art.actors) <= 12]
    edges = [{"source": r.subject, "target": r.object, "predicate": ("not " if r.negated else "") + r.predicate,
              "sentence": r.sentence} for r in art.relations
             if 0 <= r.subject < len(art.actors) and 0 <= r.object < len(art.actors)]
    return {"nodes": nodes, "edges": edges}


def other_layers(art: Article) -> list[dict]:
    """Layers with no panel of their own, as tables: new layers show up without a page change."""
    out = []
    for name in art.__struct_fields__:
        if name in SHOWN or name in ("text", "meta", "schema_version"):
            continue
        value = getattr(art, name)
        if not isinstance(value, list) or not value:
            continue
        rows = [msgspec.to_builtins(v) for v in value[:500]]
        cols: list[str] = []
        for r in rows:
            if isinstance(r, dict):
                cols += [k for k in r if k not in cols]
        out.append({"name": name, "columns": cols or ["value"],
                    "rows": [[r.get(c) for c in cols] if isinstance(r, dict) else [r] for r in rows]})
    return out


def not_run_view(art: Article) -> dict | None:
    """The analysers the pipeline did not run for this article's language, grouped by reason, or
    None when every analyser ran."""
    groups = art.not_run()
    if not groups:
        return None
    return {"language": art.meta.language or "", "language_name": lang.name(art.meta.language),
            "groups": [{"reason": reason, "analysers": names} for reason, names in groups]}


def page_data(art: Article) -> dict:
    """What the page's script reads: technique spans, actors' mentions and the graph."""
    n = len(art.text)
    return {
        "techniques": [{"technique": t.technique, "confidence": round(t.confidence, 3), "start": t.start,
                        "end": min(t.end, n)} for t in art.techniques],
        "info": technique_info(),
        "mentions": [{"actor": m.actor, "start": m.start, "end": m.end} for m in art.entities if m.actor >= 0],
        "graph": graph_data(art),
    }
