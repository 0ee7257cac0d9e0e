"""The corpus as the server sees it: search, statistics and duplicate groups over the store.

A thin layer over ``slant.search``, ``slant.stats`` and ``slant.dupes``: it adds only what a web
client needs around them (an offset, a total, plain dicts), so "the articles of this query" means
the same here as in ``slant search`` and ``slant stats``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict

from sqlalchemy import func, select

from .. import dupes as dupes_mod
from ..article import Article
from ..display import human_label
from ..errors import SlantError
from ..search import Filters, search, selection
from ..stats import BY, stats
from ..store import Store, StoreError, schema


class Corpus:
    def __init__(self, store: Store):
        self.store = store
        self._index = None  # the story index, opened on the first nearest-story query
        self._thresholds: dict = {}
        self._lock = threading.Lock()

    def search(self, q: str | None, filters: Filters, limit: int, offset: int) -> dict:
        hits = search(self.store, q, filters, limit=offset + limit)[offset:]
        return {"total": self.count(q, filters), "offset": offset, "limit": limit,
                "items": [asdict(h) for h in hits]}

    def count(self, q: str | None, filters: Filters) -> int:
        sub = selection(self.store, q, filters, schema.articles.c.id).order_by(None).subquery()
        with self.store.connect() as conn, self.store._errors():
            return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())

    def article(self, article_id: str) -> Article | None:
        a = schema.articles
        with self.store.connect() as conn, self.store._errors():
            row = conn.execute(select(a.c.article_json).where(a.c.id == article_id)).first()
        return Article.from_json(row[0]) if row else None

    def stats(self, by: str, q: str | None, filters: Filters, limit: int | None = None) -> dict:
        t = stats(self.store, by, q, filters, limit=limit)
        # "labels": what a chart shows for each row's key (the key itself filters): human names of
        # techniques, frames and narratives, as on the article page.
        named = by in ("technique", "frame", "narrative")
        return {"by": t.by, "columns": t.columns, "rows": [list(r) for r in t.rows],
                "labels": [human_label(str(r[0])) if named else str(r[0]) for r in t.rows]}

    def all_stats(self, q: str | None, filters: Filters, limit: int | None = 30) -> dict[str, dict]:
        return {by: self.stats(by, q, filters, limit=None if by == "month" else limit) for by in BY}

    def dupes(self, limit: int, offset: int) -> dict:
        groups = dupes_mod.groups(self.store)
        return {"total": len(groups), "offset": offset, "limit": limit,
                "items": [asdict(g) for g in groups[offset:offset + limit]]}

    def stories(self, limit: int, offset: int) -> dict:
        from ..story_index import stories

        groups = stories(self.store)
        return {"total": len(groups), "offset": offset, "limit": limit,
                "items": [asdict(g) for g in groups[offset:offset + limit]]}

    def nearest(self, article_id: str, k: int) -> list[dict] | None:
        """The stories nearest an article's (None: it has no story vector). The index is opened
        once and kept; it catches up with the table when the table has grown since."""
        from ..story_index import StoryIndex, nearest, newest_model, thresholds

        model = newest_model(self.store)
        if model is None:
            return None
        with self._lock:  # requests run on a thread pool; one of them opens or grows the index
            if self._index is None or self._index.model != model:
                self._index = StoryIndex.open(self.store, model)
                self._thresholds = thresholds()
            else:
                self._index.catch_up(self.store)
            index = self._index
        try:
            return [asdict(n) for n in nearest(self.store, article_id, k, index, self._thresholds)]
        except SlantError:
            return None

    def size(self) -> int:
        return self.store.count()


__all__ = ["BY", "Corpus", "Filters", "StoreError"]
