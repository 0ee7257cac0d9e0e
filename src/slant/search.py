"""Search a store: full text (FTS5 on SQLite, tsvector on PostgreSQL) with filters on the layers.

``Filters`` narrows the articles (source, date range, technique, frame, narrative, actor, speaker);
``selection`` turns a query and filters into a SELECT over ``articles`` that search, statistics
and export share, so "the articles of this query" means the same thing everywhere.

Label filters (technique, frame, narrative, actor) match case-insensitively on a part of the name,
so ``--narrative "blaming the war"`` finds "URW: Blaming the war on others".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from sqlalchemy import Select, and_, column, exists, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError

from .dates import check_iso_date
from .display import shorten
from .errors import SlantError
from .analysers.claims import POSITIVE as CLAIM
from .store import Store, StoreError, schema


@dataclass
class Filters:
    source: str | None = None
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive (the whole day)
    technique: str | None = None
    frame: str | None = None
    narrative: str | None = None
    actor: str | None = None
    claims: bool = False  # only articles with a sentence the claims head marked check-worthy
    speaker: str | None = None  # only articles quoting this speaker (part of the name)

    def __post_init__(self) -> None:
        check_dates(self.date_from, self.date_to)

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def check_dates(date_from: str | None, date_to: str | None, names: tuple[str, str] = ("date_from", "date_to")) -> None:
    """A ``SlantError`` naming the option (``names``) when a date is not a calendar date or the
    range is empty. Dates are compared as strings, so "2019-13-45" would match nothing, quietly."""
    check_iso_date(date_from, names[0])
    check_iso_date(date_to, names[1])
    if date_from and date_to and date_from > date_to:
        raise SlantError(f"{names[0]} {date_from} is after {names[1]} {date_to}: no article can match")


@dataclass
class Hit:
    id: str
    title: str | None
    source: str | None
    date: str | None
    snippet: str
    score: float


def _like(col, value: str):  # noqa: ANN001, ANN202
    return func.lower(col).like(f"%{value.lower()}%")


def _where(f: Filters) -> list:
    a, sp, lb, ac = schema.articles, schema.spans, schema.labels, schema.actors
    conds = []
    if f.source:
        conds.append(func.lower(a.c.source) == f.source.lower())
    if f.date_from:
        conds.append(a.c.date >= f.date_from)
    if f.date_to:
        conds.append(a.c.date <= f.date_to + "\uffff")  # every time of the last day
    if f.technique:
        conds.append(exists().where(sp.c.article_id == a.c.id,
                                    sp.c.layer.in_(("techniques", "paragraph_techniques")),
                                    _like(sp.c.label, f.technique)))
    if f.frame:
        conds.append(exists().where(lb.c.article_id == a.c.id, lb.c.task == "frames", _like(lb.c.label, f.frame)))
    if f.narrative:
        conds.append(exists().where(lb.c.article_id == a.c.id, lb.c.task.in_(("narratives", "subnarratives")),
                                    _like(lb.c.label, f.narrative)))
    if f.actor:
        conds.append(exists().where(ac.c.article_id == a.c.id, _like(ac.c.name, f.actor)))
    if f.claims:
        conds.append(exists().where(sp.c.article_id == a.c.id, sp.c.layer == "claims", sp.c.label == CLAIM))
    if f.speaker:
        qt = schema.quotes
        conds.append(exists().where(qt.c.article_id == a.c.id, _like(qt.c.speaker, f.speaker)))
    return conds


def fts_query(query: str) -> str:
    """A user's words as an FTS5 query: every word must occur; "quoted phrases" stay phrases."""
    parts = re.findall(r'"([^"]+)"|(\S+)', query)
    out = []
    for phrase, word in parts:
        term = (phrase or word).replace('"', " ").strip()
        if term and term.upper() not in ("AND", "OR", "NOT"):
            out.append('"' + term + '"')
    return " ".join(out)


def selection(store: Store, query: str | None = None, filters: Filters | None = None, *cols) -> Select:
    """SELECT ``cols`` (default: the article JSON) of the articles matching ``query`` and ``filters``,
    best match first when there is a query, else in date order."""
    a = schema.articles
    filters = filters or Filters()
    cols = cols or (a.c.article_json,)
    stmt = select(*cols).where(and_(True, *_where(filters)))
    if query and query.strip():
        if store.dialect == "sqlite":
            fts = table("articles_fts", column("rowid"), column("rank"))
            stmt = (stmt.join_from(a, fts, fts.c.rowid == a.c.num)
                    .where(text("articles_fts MATCH :q").bindparams(q=fts_query(query)))
                    .order_by(fts.c.rank))
        else:
            tsq = func.websearch_to_tsquery("english", query)
            stmt = stmt.where(literal_column("articles.tsv").op("@@")(tsq)).order_by(
                func.ts_rank(literal_column("articles.tsv"), tsq).desc())
    else:
        stmt = stmt.order_by(a.c.date.is_(None), a.c.date, a.c.num)
    return stmt


def search(store: Store, query: str | None = None, filters: Filters | None = None, limit: int = 20) -> list[Hit]:
    """The best ``limit`` articles for ``query`` (may be empty: filters only), with a snippet each."""
    a = schema.articles
    if query and query.strip():
        if store.dialect == "sqlite":
            snip = literal_column("snippet(articles_fts, 1, '[', ']', '…', 16)")
            score = literal_column("-bm25(articles_fts)")
        else:
            tsq = func.websearch_to_tsquery("english", query)
            snip = func.ts_headline("english", a.c.text, tsq,
                                    "StartSel=[, StopSel=], MaxWords=20, MinWords=8, MaxFragments=1")
            score = func.ts_rank(literal_column("articles.tsv"), tsq)
    else:  # the opening words, cut below at a word boundary
        snip, score = func.substr(a.c.text, 1, 2 * _SNIPPET), literal_column("0.0")  # room for collapsed spaces
    stmt = selection(store, query, filters, a.c.id, a.c.title, a.c.source, a.c.date,
                     snip.label("snippet"), score.label("score")).limit(limit)
    with store.connect() as conn:
        try:
            rows = conn.execute(stmt).all()
        except OperationalError as exc:
            if "fts5" in str(exc).lower():
                raise StoreError(f"search query {query!r}: {exc.orig}") from None
            raise StoreError(f"{store.display}: {exc.orig}") from None
    return [Hit(r.id, r.title, r.source, r.date, _snippet(r.snippet or "", bool(query and query.strip())),
                float(r.score or 0)) for r in rows]


_SNIPPET = 120


def _snippet(s: str, matched: bool) -> str:
    """One line; a piece cut from the text ends (and, inside it, starts) with an ellipsis.
    PostgreSQL's ts_headline marks no cut: it is marked here, as SQLite's snippet() does."""
    s = " ".join(s.split())
    if not matched:
        return shorten(s, _SNIPPET)
    if s and not s.endswith(("…", ".", "!", "?", "”", '"')):
        s += "…"
    return s


__all__ = ["Filters", "Hit", "fts_query", "search", "selection"]
