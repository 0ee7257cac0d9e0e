"""The store's tables: the one place that knows them (SQLAlchemy 2 Core).

``articles`` holds each Article whole (its JSON, the source of truth) plus the metadata that
filters and groups need; the flat tables (``spans``, ``labels``, ``actors``, ``quotes``,
``relations``) are read off the Article's layers so that aggregation is a ``GROUP BY`` and not a
JSON walk. ``runs`` and ``run_errors`` record every ingest. ``flat_rows`` is the mapping from an
Article to the flat tables; full-text search is dialect-specific DDL (``search_ddl``): an FTS5
table over ``articles`` on SQLite, a generated ``tsvector`` column with a GIN index on PostgreSQL.

Migrations (``slant/store/migrations``) build and change these tables; a change here goes with a
new revision there.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from ..article import Article

metadata = MetaData()

# The newest migration revision, i.e. the revision these tables are at. Opening a store at this
# revision needs no Alembic at all (a test checks it against the migrations' head).
REVISION = "0005_corrections"

articles = Table(
    "articles",
    metadata,
    # An integer key for the full-text index (FTS5 external content needs an integer rowid).
    Column("num", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),  # content hash (Article.meta.id)
    Column("title", Text),
    Column("byline", Text),
    Column("date", String(40)),  # ISO 8601 as found; string order is date order
    Column("source", Text),
    Column("url", Text),
    Column("language", String(16)),
    Column("path", Text),
    Column("input_format", String(32)),
    Column("n_chars", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("article_json", Text, nullable=False),
    Column("pipeline", Text, nullable=False),  # signature: analysers and their versions, in order
    Column("run_id", Integer),
    Column("minhash", LargeBinary),  # MinHash signature (slant.dupes), little-endian uint32s
    Column("dupe_group", String(32)),  # id of the first-stored article of its near-duplicate group
    Column("dupe_similarity", Float),  # estimated Jaccard similarity to that article
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Index("ix_articles_source", "source"),
    Index("ix_articles_date", "date"),
    Index("ix_articles_dupe_group", "dupe_group"),
)


def _article_fk() -> Column:
    return Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False)


# Span-level judgements: techniques, paragraph techniques, claims, subjectivity.
spans = Table(
    "spans",
    metadata,
    _article_fk(),
    Column("layer", String(32), nullable=False),
    Column("label", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("score", Float),
    Column("paragraph", Integer),
    Index("ix_spans_article", "article_id"),
    Index("ix_spans_label", "layer", "label"),
)

# Document-level labels: genre, frames, narratives, subnarratives, user taxonomies.
labels = Table(
    "labels",
    metadata,
    _article_fk(),
    Column("task", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("score", Float),
    Index("ix_labels_article", "article_id"),
    Index("ix_labels_task", "task", "label"),
)

actors = Table(
    "actors",
    metadata,
    _article_fk(),
    Column("actor", Integer, nullable=False),  # index into Article.actors
    Column("name", Text, nullable=False),
    Column("type", String(32)),
    Column("role", String(32)),
    Column("fine_roles", Text),  # "; "-joined
    Column("mentions", Integer, nullable=False),
    Index("ix_actors_article", "article_id"),
    Index("ix_actors_role", "role"),
)

quotes = Table(
    "quotes",
    metadata,
    _article_fk(),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("speaker", Text),  # actor name, or the raw speaker span's text
    Column("cue", Text),
    Index("ix_quotes_article", "article_id"),
)

relations = Table(
    "relations",
    metadata,
    _article_fk(),
    Column("subject", Text, nullable=False),
    Column("predicate", Text, nullable=False),
    Column("object", Text, nullable=False),
    Column("negated", Boolean, nullable=False),
    Column("sentence", Integer, nullable=False),
    Index("ix_relations_article", "article_id"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running | done | failed | interrupted
    # Who runs it, and its last sign of life (revision 0003): a run left "running" by a process that
    # died is found by the next run and marked interrupted (slant.store.Store.mark_dead_runs).
    Column("host", Text),
    Column("pid", Integer),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("slant_version", String(32), nullable=False),
    Column("pipeline", Text, nullable=False),
    Column("config", Text, nullable=False),  # the merged TOML config, as JSON
    Column("engine", String(16), nullable=False),
    Column("workers", Integer, nullable=False),
    Column("inputs", Text, nullable=False),  # JSON list of the paths given
    Column("read", Integer, nullable=False, default=0),  # articles read
    Column("stored", Integer, nullable=False, default=0),  # new articles stored
    Column("updated", Integer, nullable=False, default=0),  # re-analysed (--reanalyse)
    Column("skipped", Integer, nullable=False, default=0),  # already stored
    Column("duplicates", Integer, nullable=False, default=0),  # stored, in a near-duplicate group
    Column("errors", Integer, nullable=False, default=0),  # unreadable inputs and bad records
)

run_errors = Table(
    "run_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

# Answers of the optional LLM reader (slant.llm.cache), by (prompt name@version, model, input hash);
# added by revision 0002_llm_cache.
llm_cache = Table(
    "llm_cache",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256 of prompt@version, model, input hash
    Column("prompt", String(96), nullable=False),  # name@version
    Column("model", Text, nullable=False),
    Column("input_hash", String(64), nullable=False),
    Column("answer", Text, nullable=False),  # the validated answer, as the model wrote it
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Story vectors (slant.stories) and the story each article belongs to; added by revision
# 0004_story_vectors. ``seq`` is the key of the nearest-neighbour index beside the store
# (slant.story_index): assigned by the database, never reused (a re-analysed article gets a new row
# and a new key), so an index file that lags the table catches up by the keys above its last one.
story_vectors = Table(
    "story_vectors",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("model", String(64), nullable=False),  # stories@version: vectors of two models do not compare
    Column("language", String(16)),
    Column("vector", LargeBinary, nullable=False),  # unit length, little-endian float16
    Column("story_group", String(32)),  # id of the group's first-stored article; None: alone so far
    Column("nearest", String(32)),  # the most similar article stored before it (cosine >= "same event")
    Column("similarity", Float),  # cosine of the two story vectors
    Column("relation", String(16)),  # to ``nearest``: copy | retelling | same event
    Index("ix_story_vectors_group", "story_group"),
    sqlite_autoincrement=True,
)

# Analysts' corrections of stored Articles (slant.corrections), kept beside the model's output and never
# over it; added by revision 0005_corrections. ``seq`` numbers an article's corrections 1, 2, ...: the
# article's version once the correction is made. The unique index on (article_id, seq) is what keeps two
# analysts who saw the same version from both writing the next one: the second insert fails, on
# SQLite and PostgreSQL alike, and is answered with the current version (HTTP 409).
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _article_fk(),
    Column("seq", Integer, nullable=False),
    Column("base_version", Integer, nullable=False),  # the version the author saw
    Column("layer", String(32), nullable=False),
    Column("op", String(32), nullable=False),
    Column("target", Text, nullable=False),  # JSON
    Column("before", Text),  # JSON: the target as the author saw it
    Column("after", Text),  # JSON
    Column("note", Text),
    Column("author", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("model", Text),  # analyser@version (model) of the layer corrected
    Index("ux_corrections_article_seq", "article_id", "seq", unique=True),
    Index("ix_corrections_author", "author"),
    Index("ix_corrections_created", "created_at"),
    sqlite_autoincrement=True,
)

FLAT_TABLES = (spans, labels, actors, quotes, relations)


def flat_rows(art: Article) -> dict[str, list[dict]]:
    """The rows of each flat table for one Article, from whatever layers it has."""
    aid = art.meta.id
    out: dict[str, list[dict]] = {t.name: [] for t in FLAT_TABLES}
    sp = out["spans"]
    for t in art.techniques:
        sp.append({"article_id": aid, "layer": "techniques", "label": t.technique, "start": t.start,
                   "end": t.end, "score": t.confidence, "paragraph": t.paragraph})
    for pt in art.paragraph_techniques:
        para = art.paragraphs[pt.paragraph] if 0 <= pt.paragraph < len(art.paragraphs) else None
        for label, score in pt.techniques.items():
            sp.append({"article_id": aid, "layer": "paragraph_techniques", "label": label,
                       "start": para.start if para else -1, "end": para.end if para else -1,
                       "score": score, "paragraph": pt.paragraph})
    for layer in ("claims", "subjectivity"):
        for s in getattr(art, layer):
            para = art.sentences[s.sentence].paragraph if 0 <= s.sentence < len(art.sentences) else -1
            sp.append({"article_id": aid, "layer": layer, "label": s.label, "start": s.start, "end": s.end,
                       "score": s.score, "paragraph": para})
    for lab in art.labels:
        out["labels"].append({"article_id": aid, "task": lab.task, "label": lab.label, "score": lab.score})
    mentions: dict[int, int] = {}
    for m in art.entities:
        mentions[m.actor] = mentions.get(m.actor, 0) + 1
    names = {}
    for i, a in enumerate(art.actors):
        names[i] = a.name
        out["actors"].append({"article_id": aid, "actor": i, "name": a.name, "type": a.type, "role": a.role,
                              "fine_roles": "; ".join(a.fine_roles) or None, "mentions": mentions.get(i, 0)})
    for q in art.quotes:
        speaker = names.get(q.speaker) if q.speaker >= 0 else (
            art.span_text(q.speaker_span) if q.speaker_span is not None else None)
        cue = q.cue_text or (art.span_text(q.cue) if q.cue is not None else None)
        out["quotes"].append({"article_id": aid, "start": q.start, "end": q.end, "kind": q.kind,
                              "speaker": speaker, "cue": cue})
    for r in art.relations:
        out["relations"].append({"article_id": aid, "subject": names.get(r.subject, str(r.subject)),
                                 "predicate": r.predicate, "object": names.get(r.object, str(r.object)),
                                 "negated": r.negated, "sentence": r.sentence})
    return out


# --- full-text search: dialect-specific DDL ---------------------------------------------------------
# SQLite: an FTS5 index whose content is the articles table itself (external content), so the text
# is stored once; rows are added by the store in the same transaction as the article.
# PostgreSQL: a generated tsvector column, kept up to date by the server, with a GIN index.
SEARCH_DDL = {
    "sqlite": [
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='num',"
        " tokenize='porter unicode61 remove_diacritics 2')",
    ],
    "postgresql": [
        "ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS"
        " (setweight(to_tsvector('english', coalesce(title, '')), 'A') || to_tsvector('english', text)) STORED",
        "CREATE INDEX ix_articles_tsv ON articles USING gin (tsv)",
    ],
}
SEARCH_DROP = {
    "sqlite": ["DROP TABLE IF EXISTS articles_fts"],
    "postgresql": ["DROP INDEX IF EXISTS ix_articles_tsv", "ALTER TABLE articles DROP COLUMN IF EXISTS tsv"],
}
