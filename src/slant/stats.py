"""Statistics of a store: how many articles (and spans, actors) per source, month, technique, frame,
narrative or actor role, over the whole store or the articles of a search.

Counts come from the flat tables with one GROUP BY each; ``plot`` draws a table as a horizontal bar
chart with matplotlib (Agg backend: no display needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import distinct, func, literal_column, select

from .display import shorten_middle
from .errors import SlantError
from .search import Filters, selection
from .store import Store, schema

BY = ("source", "month", "technique", "frame", "narrative", "actor-role")


@dataclass
class Table:
    by: str
    columns: list[str]  # first: the key; then the counts
    rows: list[tuple]


def stats(store: Store, by: str, query: str | None = None, filters: Filters | None = None,
          limit: int | None = None) -> Table:
    """Counts per ``by`` over the articles of ``query``/``filters`` (all when both are empty)."""
    a, sp, lb, ac = schema.articles, schema.spans, schema.labels, schema.actors
    ids = selection(store, query, filters, a.c.id).order_by(None).scalar_subquery() if (
        (query and query.strip()) or (filters and filters.any())) else None

    def scoped(stmt, col):  # noqa: ANN001, ANN202
        return stmt.where(col.in_(ids)) if ids is not None else stmt

    if by == "source":
        key = func.coalesce(a.c.source, "(unknown)")
        stmt = scoped(select(key.label("key"), func.count().label("articles")), a.c.id).group_by(key)
        columns = ["source", "articles"]
    elif by == "month":
        key = func.coalesce(func.substr(a.c.date, 1, 7), "(undated)")
        stmt = scoped(select(key.label("key"), func.count().label("articles")), a.c.id).group_by(key)
        columns = ["month", "articles"]
    elif by == "technique":
        stmt = scoped(select(sp.c.label.label("key"), func.count(distinct(sp.c.article_id)).label("articles"),
                             func.count().label("spans"))
                      .where(sp.c.layer.in_(("techniques", "paragraph_techniques"))), sp.c.article_id
                      ).group_by(sp.c.label)
        columns = ["technique", "articles", "spans"]
    elif by in ("frame", "narrative"):
        tasks = ("frames",) if by == "frame" else ("narratives", "subnarratives")
        stmt = scoped(select(lb.c.label.label("key"), func.count(distinct(lb.c.article_id)).label("articles"))
                      .where(lb.c.task.in_(tasks)), lb.c.article_id).group_by(lb.c.label)
        columns = [by, "articles"]
    elif by == "actor-role" and filters is not None and filters.actor:
        return _actor_roles_by_month(store, filters.actor, ids, limit)
    elif by == "actor-role":
        key = func.coalesce(ac.c.role, "(none)")
        stmt = scoped(select(key.label("key"), func.count(distinct(ac.c.article_id)).label("articles"),
                             func.count().label("actors")), ac.c.article_id).group_by(key)
        columns = ["role", "articles", "actors"]
    else:
        raise SlantError(f"stats --by {by!r}: unknown; choose one of {', '.join(BY)}")
    if by == "month":
        stmt = stmt.order_by(key)
    else:
        stmt = stmt.order_by(literal_column(columns[1]).desc(), "key")
    if limit:
        stmt = stmt.limit(limit)
    with store.connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    return Table(by, columns, rows)


ROLES = ("Protagonist", "Antagonist", "Innocent")


def _actor_roles_by_month(store: Store, actor: str, ids, limit: int | None) -> Table:
    """How the actors named like ``actor`` are cast, month by month: per month, the articles in
    which the actor has each main role (an article casting it two ways counts under its first
    casting), the articles where it is uncast, and the share cast as Antagonist."""
    from .search import _like

    a, ac = schema.articles, schema.actors
    month = func.coalesce(func.substr(a.c.date, 1, 7), "(undated)")
    stmt = (select(month.label("month"), func.coalesce(ac.c.role, "(none)").label("role"),
                   func.count(distinct(ac.c.article_id)).label("articles"))
            .select_from(ac.join(a, a.c.id == ac.c.article_id))
            .where(_like(ac.c.name, actor)).group_by("month", "role").order_by("month"))
    if ids is not None:
        stmt = stmt.where(ac.c.article_id.in_(ids))
    counts: dict[str, dict[str, int]] = {}
    with store.connect() as conn:
        for m, role, n in conn.execute(stmt):
            counts.setdefault(m, {})[role] = int(n)
    rows = []
    for m in sorted(counts):
        c = counts[m]
        cast = sum(c.get(r, 0) for r in ROLES)
        share = f"{c.get('Antagonist', 0) / cast:.0%}" if cast else "-"
        rows.append((m, *(c.get(r, 0) for r in ROLES), c.get("(none)", 0), share))
    if limit:
        rows = rows[-limit:]  # the latest months
    return Table(f"actor-role of {actor!r} by month", ["month", *ROLES, "uncast", "Antagonist share"], rows)


def plot(table: Table, path: str | Path, title: str | None = None) -> Path:
    """Draw ``table``'s first count as horizontal bars into ``path`` (PNG, SVG or PDF by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    path = Path(path)
    rows = table.rows if table.by == "month" else list(reversed(table.rows[:40]))
    labels = [_short(str(r[0])) for r in rows]
    values = [r[1] for r in rows]
    height = max(2.5, 0.28 * len(rows) + 1.2)
    fig, ax = plt.subplots(figsize=(9, height))
    try:
        ax.barh(range(len(rows)), values, color="#4c72b0")
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.set_xlabel(table.columns[1])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.25 of an article
        ax.set_title(title or f"{table.columns[1]} by {table.by}")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v}", va="center", fontsize=7)
        fig.tight_layout()
        try:
            fig.savefig(path, dpi=120)
        except OSError as exc:
            raise SlantError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return path


def _short(label: str, width: int = 48) -> str:
    """``label`` cut to ``width`` keeping both ends at word boundaries: a narrative and its
    sub-narratives share their beginning."""
    return shorten_middle(label, width)
