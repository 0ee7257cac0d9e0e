"""The outlets an article says it retells: "says Politico", "according to Reuters", "as reported by
RIA Novosti".

The quotes layer already finds these attributions; an attribution whose speaker is a news outlet
(an entry of the gazetteer marked ``outlet``, or a speaker that names one: "Politico experts",
"the Reuters news agency") is the article telling the reader where its story comes from.
``retold(article)`` lists them for one Article; ``retold_in_store`` reads them off a corpus's
``quotes`` table, and ``sources`` counts them over a corpus (``slant sources``), with the story
groups (:mod:`slant.story_index`) whose articles cite each one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .article import Article
from .gazetteer import Gazetteer, load as load_gazetteer, normalise


@lru_cache(maxsize=4)
def _pattern(gaz: Gazetteer) -> tuple[re.Pattern | None, dict[str, str]]:
    names = {surface: e.name for surface, e in gaz.entries.items() if e.name in gaz.outlets}
    if not names:
        return None, {}
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)"), names


def outlet_of(speaker: str | None, gaz: Gazetteer | None = None) -> str | None:
    """The news outlet a speaker is or names, by its canonical name; None for anyone else."""
    if not speaker:
        return None
    gaz = gaz or load_gazetteer()
    entry = gaz.lookup(speaker)
    if entry is not None:
        return entry.name if entry.name in gaz.outlets else None
    pattern, names = _pattern(gaz)
    if pattern is None:
        return None
    m = pattern.search(normalise(speaker))
    return names[m.group(0)] if m else None


def retold(art: Article, gaz: Gazetteer | None = None) -> list[str]:
    """The outlets ``art`` attributes what it says to, in order of first attribution."""
    out: list[str] = []
    for q in art.quotes:
        if 0 <= q.speaker < len(art.actors):
            speaker = art.actors[q.speaker].name
        elif q.speaker_span is not None:
            speaker = art.span_text(q.speaker_span)
        else:
            continue
        outlet = outlet_of(speaker, gaz)
        if outlet and outlet not in out:
            out.append(outlet)
    return out


def retold_in_store(store, ids: Iterable[str] | None = None) -> dict[str, list[str]]:  # noqa: ANN001
    """Article id -> the outlets it says it retells, from the store's ``quotes`` table."""
    from sqlalchemy import select

    from .store import schema

    q = schema.quotes
    query = select(q.c.article_id, q.c.speaker).where(q.c.speaker.is_not(None)).order_by(q.c.article_id, q.c.start)
    if ids is None:
        queries = [query]
    else:  # a few hundred ids a query: the bound parameters of one statement are limited
        ids = list(ids)
        queries = [query.where(q.c.article_id.in_(ids[i:i + 500])) for i in range(0, len(ids), 500)]
    gaz = load_gazetteer()
    out: dict[str, list[str]] = {}
    with store.connect() as conn:
        for query in queries:
            for aid, speaker in conn.execute(query):
                outlet = outlet_of(speaker, gaz)
                if outlet:
                    have = out.setdefault(aid, [])
                    if outlet not in have:
                        have.append(outlet)
    return out


@dataclass
class Source:
    outlet: str
    articles: int  # articles that attribute something to it
    first: str | None  # earliest and latest date of those articles
    last: str | None
    stories: int  # story groups with at least one such article
    examples: list[str] = field(default_factory=list)  # a few of the articles' ids, earliest first


def sources(store, limit: int | None = None) -> list[Source]:  # noqa: ANN001
    """The outlets a corpus's articles say they retell, most cited first."""
    from sqlalchemy import select

    from .store import schema

    retells = retold_in_store(store)
    if not retells:
        return []
    a, t = schema.articles, schema.story_vectors
    info: dict[str, tuple] = {}
    ids = list(retells)
    with store.connect() as conn:
        for i in range(0, len(ids), 500):
            q = (select(a.c.id, a.c.date, a.c.num, t.c.story_group).outerjoin(t, t.c.article_id == a.c.id)
                 .where(a.c.id.in_(ids[i:i + 500])))
            for r in conn.execute(q):
                info[r.id] = (r.date, r.num, r.story_group)
    by_outlet: dict[str, list[str]] = {}
    for aid, outlets in retells.items():
        for o in outlets:
            by_outlet.setdefault(o, []).append(aid)
    out = []
    for outlet, aids in by_outlet.items():
        aids.sort(key=lambda x: (info.get(x, (None,))[0] or "9999", info.get(x, (None, 0))[1]))
        dates = sorted(d for d in (info.get(x, (None,))[0] for x in aids) if d)
        groups = {info[x][2] for x in aids if x in info and info[x][2]}
        out.append(Source(outlet, len(aids), dates[0] if dates else None, dates[-1] if dates else None,
                          len(groups), aids[:3]))
    out.sort(key=lambda s: (-s.articles, s.outlet))
    return out[:limit] if limit else out
