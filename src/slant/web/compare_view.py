"""A comparison laid out for the compare page: the two articles side by side, row by row.

``slant.compare`` aligns the articles; this module only turns its result into what the template
shows. Each row of ``Comparison.rows`` becomes a table row, the original's paragraphs on the left and
the retelling's on the right; every sentence is wrapped by its status (kept plain, an added one as
``<ins>``, a dropped one as ``<del>``) and cut at the technique spans, which carry the same
underline marks as on the article page, and at the spans only the retelling has (``<mark
class="only">``). As in ``view.py``, text reaches the markup only through ``escape``.

Comparing runs the encoder over articles that carry no states (stored ones): one comparison at a
time, since the story model's encoder sessions are shared.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

from fastapi import HTTPException
from markupsafe import Markup, escape

from ..article import Article
from ..compare import Comparison, compare, paragraph_spans
from ..display import human_label, shorten
from ..errors import SlantError
from . import view

_lock = threading.Lock()


def run_compare(a: Article, b: Article) -> Comparison:
    """``compare(a, b)`` with the story model loaded once; a model that cannot load is the server's
    fault (503), not the request's."""
    from ..stories import load

    try:
        model, encoder = load()
    except SlantError as exc:
        raise HTTPException(503, f"cannot compare: {exc}") from None
    with _lock:
        return compare(a, b, model=model, encoder=encoder)


def stored_pair(corpus, a_id: str, b_id: str) -> tuple[Article, Article]:  # noqa: ANN001
    """The two stored articles, or 404 naming the one the corpus lacks."""
    if corpus is None:
        raise HTTPException(404, "no corpus: start the server with --db to compare stored articles")
    found = []
    for ref in (a_id, b_id):
        art = corpus.article(ref[:64])
        if art is None:
            raise HTTPException(404, f"no article {ref!r} in the corpus")
        found.append(art)
    return found[0], found[1]


@dataclass
class Side:
    """One article's paragraphs as markup, for its column."""

    paragraphs: list[Markup] = field(default_factory=list)


def _sentence_tag(side: str, k: int, status: str, links: list[int], other: str, note: str) -> tuple[str, str]:
    """The opening and closing tag of a sentence: ``<ins>`` added, ``<del>`` dropped, a span kept
    (``data-links`` names the sentences of the other column it is linked to)."""
    attrs = f'class="cs {status}" id="{side}-s-{int(k)}"'
    if links:
        attrs += f' data-links="{" ".join(f"{other}-s-{int(j)}" for j in links)}"'
    if note:
        attrs += f' title="{escape(note)}"'
    tag = {"added": "ins", "dropped": "del"}.get(status, "span")
    return f"<{tag} {attrs}>", f"</{tag}>"


def _pieces(art: Article, start: int, end: int, tech: list[tuple[int, int, int, str]], lanes,  # noqa: ANN001
            only: list[tuple[int, int]]) -> str:
    """The text of [start, end) cut at technique spans (``tech``: start, end, category, name) and at
    spans only the retelling has, each piece escaped and wrapped in its marks."""
    info = view.technique_info()
    cuts = {start, end}
    for s, e, *_ in tech:
        cuts.update(x for x in (s, e) if start < x < end)
    for s, e in only:
        cuts.update(x for x in (s, e) if start < x < end)
    cuts_sorted = sorted(cuts)
    out = []
    for a, b in zip(cuts_sorted, cuts_sorted[1:]):
        text = escape(art.text[a:b])
        on = [(c, n) for s, e, c, n in tech if s <= a and e >= b]
        if on:
            cats = sorted({c for c, _ in on})
            names = sorted({n for _, n in on})
            label = " · ".join(info.get(n, {}).get("label", human_label(n)) for n in names)
            opened = "".join(f'<mark class="hl c{int(c)} l{min(view._lane_at(lanes, c, a), view.MAX_LANE)}">'
                             for c in cats)
            text = Markup(f'<span class="pc" title="{escape(label)}">{opened}{text}{"</mark>" * len(cats)}</span>')
        if any(s <= a and e >= b for s, e in only):
            text = Markup(f'<mark class="only">{text}</mark>')
        out.append(str(text))
    return "".join(out)


def _side(art: Article, side: str, other: str, sentences, others, paragraphs_of_other: list[int],
          only: list[tuple[int, int]]) -> list[Markup]:
    """Every paragraph of one article as markup: its sentences by status, its spans marked."""
    info = view.technique_info()
    n = len(art.text)
    tech = [(max(0, t.start), min(n, t.end), view._cat_of(t.technique, info), t.technique) for t in art.techniques]
    lanes = view.underline_lanes([(s, e, c) for s, e, c, _ in tech])
    starts = [m.start for m in sentences]
    out = []
    for k, (ps, pe) in enumerate(paragraph_spans(art)):
        html, pos = [], ps
        lo = bisect.bisect_left(starts, ps)
        for i in range(lo, len(sentences)):
            m = sentences[i]
            if m.start >= pe:
                break
            s, e = max(m.start, pos), min(m.end, pe)
            if s > pos:
                html.append(_pieces(art, pos, s, tech, lanes, only))
            if e <= s:
                continue
            note = ""
            if m.links:
                j = m.match if m.match is not None else m.links[0]
                note = (f"{'retells' if side == 'b' else 'retold by'} ¶{paragraphs_of_other[j] + 1}: "
                        f"{shorten(others[j].text, 140)} ({m.similarity:.2f})")
            opened, closed = _sentence_tag(side, i, m.status, m.links, other, note)
            html.append(opened + _pieces(art, s, e, tech, lanes, only) + closed)
            pos = e
        if pos < pe:
            html.append(_pieces(art, pos, pe, tech, lanes, only))
        out.append(Markup("".join(html)))
    return out


def page(a: Article, b: Article, result: Comparison) -> dict:
    """What compare.html reads: the rows with each side's paragraphs, the summary and the additions."""
    only = [(x.start, x.end) for x in result.additions if x.kind != "quote"]
    para_a = [m.paragraph for m in result.a_sentences]
    para_b = [m.paragraph for m in result.b_sentences]
    a_html = _side(a, "a", "b", result.a_sentences, result.b_sentences, para_b, [])
    b_html = _side(b, "b", "a", result.b_sentences, result.a_sentences, para_a, only)
    matches = {p.index: p.matches for p in result.paragraphs}
    rows = [{"aligned": r.aligned, "a": [{"index": k, "html": a_html[k]} for k in r.a],
             "b": [{"index": k, "html": b_html[k], "retells": matches.get(k, [])} for k in r.b]}
            for r in result.rows]
    info = view.technique_info()

    def item(x) -> dict:  # noqa: ANN001
        return {"text": x.text, "sentence": x.sentence, "source": x.source, "speaker": x.speaker, "kind": x.kind,
                "labels": [info.get(n, {}).get("label", n) if x.kind != "quote" else n for n in x.labels],
                "cat": view._cat_of(x.labels[0], info) if x.kind != "quote" else -1,
                "paragraph": para_b[x.sentence] if 0 <= x.sentence < len(para_b) else -1}

    return {
        "rows": rows,
        "summary": {"kept": len(result.kept), "added": len(result.added), "dropped": len(result.dropped),
                    "similarity": result.similarity, "overall": result.overall, "languages": result.languages,
                    "sentences_a": len(result.a_sentences), "sentences_b": len(result.b_sentences)},
        "loaded": [item(x) for x in result.additions if x.kind == "loaded"],
        "techniques": [item(x) for x in result.additions if x.kind == "technique"],
        "quotes": [item(x) for x in result.additions if x.kind == "quote"],
    }
