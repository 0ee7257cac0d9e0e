"""The corpus store: Articles and their layers in SQLite (default ``slant.db``) or PostgreSQL.

``open_store(url)`` opens (creating if need be) a database and brings its schema to the current
revision with the packaged Alembic migrations. A ``Store`` writes whole batches in one transaction
(``write_batch``), so a run that dies -- killed, out of disk, database gone -- leaves every batch
either stored completely or not at all, and a second run picks up where the first stopped because
articles already stored (same content hash) are skipped. A run records its host, process id and a
heartbeat, so that the next run can mark a run whose process died ``interrupted`` instead of
leaving it ``running`` for ever (``Store.mark_dead_runs``).

Errors from the database come out as ``StoreError``: one line naming the database and the reason
("read-only", "locked", "cannot connect"), never a driver traceback.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import bindparam, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from ..article import Article
from ..errors import SlantError
from . import schema

DEFAULT_DB = "slant.db"
# The store reports database failures itself, as one StoreError; psycopg's own "error ignored"
# warnings about the same lost connection would only add lines around it.
logging.getLogger("psycopg").addHandler(logging.NullHandler())
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(SlantError):
    """The database cannot be opened, read or written: names it and says why."""


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """A SQLAlchemy URL for ``db``: a file path (SQLite) or a URL; default $SLANT_DB or slant.db."""
    db = os.fspath(db) if db is not None else os.environ.get("SLANT_DB") or DEFAULT_DB
    if "://" not in db:
        return "sqlite:///" + str(Path(db).expanduser().resolve())
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):  # psycopg 3 is the driver slant installs
            return "postgresql+psycopg://" + db[len(prefix):]
    return db


@dataclass
class Pending:
    """One analysed article ready to be stored, with its near-duplicate verdict."""

    article: Article
    json: str
    minhash: bytes | None = None
    group: str | None = None
    similarity: float | None = None
    replace: bool = False  # stored already; its layers are replaced (--reanalyse)
    story: object | None = None  # slant.story_index.Link: the story vector and its group


@dataclass
class BatchCounts:
    read: int = 0
    stored: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


class Store:
    def __init__(self, engine: Engine, display: str, read_only: bool = False):
        self.engine = engine
        self.display = display
        self.dialect = engine.dialect.name
        self.read_only = read_only

    # --- opening ----------------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise StoreError(f"{self.display}: {_reason(exc)}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"{self.display}: {exc}") from None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading; any database error in the block, closing included, is a StoreError."""
        with self._errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction; committed when the block ends, rolled back on any error."""
        with self._errors(), self.engine.begin() as conn:
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest packaged revision (a no-op when it is there already)."""
        if self._revision() == schema.REVISION:
            return  # the usual case, and without importing Alembic (half a second)
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        if current is not None and current not in {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}:
            raise StoreError(f"{self.display}: written by a newer slant (schema revision {current}); upgrade slant")
        if self.read_only:
            raise StoreError(f"{self.display}: database is read-only and its schema needs migrating ({current} -> {head})")
        with self.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _revision(self) -> str | None:
        with self.connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except DBAPIError:
                return None  # no such table yet: a new database

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- runs -------------------------------------------------------------------------------------
    def begin_run(self, *, slant_version: str, pipeline: str, config: dict, engine: str, workers: int,
                  inputs: list[str]) -> int:
        """Record a new run (status ``running``, this host and process); runs that died before are
        marked ``interrupted`` first (:meth:`mark_dead_runs`)."""
        self.mark_dead_runs()
        now = _now()
        with self.begin() as conn:
            result = conn.execute(insert(schema.runs).values(
                started_at=now, status="running", slant_version=slant_version, pipeline=pipeline,
                config=json.dumps(config, default=str, sort_keys=True), engine=engine, workers=workers,
                inputs=json.dumps(inputs), read=0, stored=0, updated=0, skipped=0, duplicates=0, errors=0,
                host=_HOST, pid=os.getpid(), heartbeat_at=now,
            ))
            return int(result.inserted_primary_key[0])

    def heartbeat(self, run_id: int) -> None:
        """Say that the run is alive (an ingest does so every ``HEARTBEAT_SECONDS``)."""
        with self.begin() as conn:
            conn.execute(update(schema.runs).where(schema.runs.c.id == run_id).values(heartbeat_at=_now()))

    def mark_dead_runs(self, now: datetime | None = None) -> list[int]:
        """Mark ``interrupted`` the runs still ``running`` whose process is gone; their ids.

        A killed process (SIGKILL, out of memory, power cut) cannot record its own end. A run is
        dead when its process ran on this host and no process has its id any more, or, whatever
        the host (PostgreSQL is shared by machines whose processes this one cannot see), when its
        last heartbeat is older than ``STALE_AFTER``: a live ingest beats every
        ``HEARTBEAT_SECONDS``. The stale test also catches a process id reused by another program.
        """
        if self.read_only:
            return []  # nothing can be marked (and no run can begin)
        now = now or _now()
        r = schema.runs
        with self.connect() as conn:
            rows = conn.execute(select(r.c.id, r.c.host, r.c.pid, r.c.heartbeat_at, r.c.started_at)
                                .where(r.c.status == "running")).all()
        dead = []
        for row in rows:
            last = _aware(row.heartbeat_at or row.started_at)
            if (row.host == _HOST and row.pid is not None and not _pid_alive(row.pid)) or now - last > STALE_AFTER:
                dead.append((row.id, last))
        if dead:
            with self.begin() as conn:
                for run_id, last in dead:  # "still running" in the WHERE: a run that ends meanwhile keeps "done"
                    conn.execute(update(r).where(r.c.id == run_id, r.c.status == "running")
                                 .values(status="interrupted", finished_at=last))
        return [run_id for run_id, _ in dead]

    def finish_run(self, run_id: int, status: str = "done") -> None:
        with self.begin() as conn:
            conn.execute(update(schema.runs).where(schema.runs.c.id == run_id)
                         .values(finished_at=_now(), status=status))

    def run(self, run_id: int) -> dict:
        with self.connect() as conn:
            row = conn.execute(select(schema.runs).where(schema.runs.c.id == run_id)).mappings().one()
            return dict(row)

    def runs(self) -> list[dict]:
        with self.connect() as conn:
            return [dict(r) for r in conn.execute(select(schema.runs).order_by(schema.runs.c.id)).mappings()]

    def run_errors(self, run_id: int | None = None) -> list[tuple[str, str]]:
        q = select(schema.run_errors.c.source, schema.run_errors.c.reason).order_by(schema.run_errors.c.id)
        if run_id is not None:
            q = q.where(schema.run_errors.c.run_id == run_id)
        with self.connect() as conn:
            return [(r.source, r.reason) for r in conn.execute(q)]

    # --- writing ----------------------------------------------------------------------------------
    def existing(self, ids: Iterable[str]) -> dict[str, str]:
        """Of ``ids``, those stored already, with the pipeline signature each was analysed with."""
        ids = list(set(ids))
        if not ids:
            return {}
        a = schema.articles
        with self.connect() as conn:
            rows = conn.execute(select(a.c.id, a.c.pipeline).where(a.c.id.in_(ids)))
            return {r.id: r.pipeline for r in rows}

    def write_batch(self, run_id: int, items: list[Pending], counts: BatchCounts, pipeline: str,
                    group_updates: Iterable[tuple[str, str, float]] = (),
                    story_updates: Iterable[tuple[str, str]] = ()) -> dict[str, int]:
        """Store a batch and its run counts in one transaction: all of it, or nothing. Returns the
        ``story_vectors.seq`` of each article stored with a story vector (the index's keys)."""
        a = schema.articles
        now = _now()
        new = [p for p in items if not p.replace]
        old = [p for p in items if p.replace]
        with self.begin() as conn:
            if old:
                old_ids = [p.article.meta.id for p in old]
                if self.dialect == "sqlite":  # external-content FTS5: remove the old entries first
                    conn.execute(text("INSERT INTO articles_fts(articles_fts, rowid, title, text) "
                                      "SELECT 'delete', num, coalesce(title, ''), text FROM articles "
                                      "WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                                 {"ids": old_ids})
                for t in schema.FLAT_TABLES:
                    conn.execute(delete(t).where(t.c.article_id.in_(old_ids)))
                # A story vector goes with a new one, or with the article's own (re-analysed without
                # the stories analyser); an Article rewritten with its vector (layers corrected,
                # labels added) keeps its row, its key in the index and its story group.
                gone = [p.article.meta.id for p in old if p.story is not None or p.article.story is None]
                if gone:
                    conn.execute(delete(schema.story_vectors).where(schema.story_vectors.c.article_id.in_(gone)))
                stmt = (update(a).where(a.c.id == bindparam("b_id"))
                        .values({k: bindparam("b_" + k) for k in _article_row(old[0], run_id, pipeline, now)
                                 if k not in ("id", "minhash", "dupe_group", "dupe_similarity")}))
                conn.execute(stmt, [{"b_" + k: v for k, v in _article_row(p, run_id, pipeline, now).items()
                                     if k not in ("minhash", "dupe_group", "dupe_similarity")} for p in old])
            if new:
                conn.execute(insert(a), [_article_row(p, run_id, pipeline, now) for p in new])
            if self.dialect == "sqlite" and items:
                conn.execute(text("INSERT INTO articles_fts(rowid, title, text) "
                                  "SELECT num, coalesce(title, ''), text FROM articles WHERE id IN :ids")
                             .bindparams(bindparam("ids", expanding=True)),
                             {"ids": [p.article.meta.id for p in items]})
            group_updates = list(group_updates)
            if group_updates:
                conn.execute(update(a).where(a.c.id == bindparam("g_id"))
                             .values(dupe_group=bindparam("g_group"), dupe_similarity=bindparam("g_sim")),
                             [{"g_id": i, "g_group": g, "g_sim": s} for i, g, s in group_updates])
            sv = schema.story_vectors
            stories = [{"article_id": p.article.meta.id, "model": p.story.model, "language": p.story.language,
                        "vector": p.story.vector, "story_group": p.story.group, "nearest": p.story.nearest,
                        "similarity": p.story.similarity, "relation": p.story.relation}
                       for p in items if p.story is not None]
            seqs: dict[str, int] = {}
            if stories:
                conn.execute(insert(sv), stories)
                seqs = dict(conn.execute(select(sv.c.article_id, sv.c.seq).where(
                    sv.c.article_id.in_([r["article_id"] for r in stories]))).all())
            story_updates = list(story_updates)
            if story_updates:
                conn.execute(update(sv).where(sv.c.article_id == bindparam("s_id")).values(story_group=bindparam("s_group")),
                             [{"s_id": i, "s_group": g} for i, g in story_updates])
            rows: dict[str, list[dict]] = {t.name: [] for t in schema.FLAT_TABLES}
            for p in items:
                for name, rs in schema.flat_rows(p.article).items():
                    rows[name].extend(rs)
            for t in schema.FLAT_TABLES:
                if rows[t.name]:
                    conn.execute(insert(t), rows[t.name])
            if counts.errors:
                conn.execute(insert(schema.run_errors),
                             [{"run_id": run_id, "source": s, "reason": r} for s, r in counts.errors])
            r = schema.runs
            conn.execute(update(r).where(r.c.id == run_id).values(
                heartbeat_at=now, read=r.c.read + counts.read, stored=r.c.stored + counts.stored,
                updated=r.c.updated + counts.updated, skipped=r.c.skipped + counts.skipped,
                duplicates=r.c.duplicates + counts.duplicates, errors=r.c.errors + len(counts.errors),
            ))
        return seqs

    # --- reading ----------------------------------------------------------------------------------
    def count(self) -> int:
        with self.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.articles)).scalar_one()

    def ids(self) -> list[str]:
        with self.connect() as conn:
            return list(conn.execute(select(schema.articles.c.id).order_by(schema.articles.c.num)).scalars())

    def articles(self, query=None) -> Iterator[Article]:
        """Stored Articles, whole; ``query`` is a select of ``articles.c.article_json`` (default: all)."""
        if query is None:
            query = select(schema.articles.c.article_json).order_by(schema.articles.c.num)
        with self.connect() as conn:
            for row in conn.execution_options(yield_per=256).execute(query):
                yield Article.from_json(row[0])

    def article(self, article_id: str) -> Article | None:
        """One stored Article, as the model left it (None when there is no such article)."""
        a = schema.articles
        with self.connect() as conn:
            row = conn.execute(select(a.c.article_json).where(a.c.id == article_id)).first()
        return Article.from_json(row[0]) if row else None

    # --- corrections (slant.corrections) ----------------------------------------------------------
    def corrections(self, article_id: str | None = None, *, after_id: int | None = None,
                    since: datetime | None = None, author: str | None = None, layer: str | None = None,
                    limit: int | None = None) -> list[dict]:
        """Stored corrections, oldest first: of one article (its history), or of the whole store;
        ``after_id`` (those with a larger id: a cursor), ``since`` (made at or after), ``author``
        and ``layer`` narrow them. Rows as dicts, JSON fields decoded, times as ISO strings."""
        c = schema.corrections
        q = select(c).order_by(c.c.id)
        if article_id is not None:
            q = q.where(c.c.article_id == article_id)
        if after_id is not None:
            q = q.where(c.c.id > after_id)
        if since is not None:
            q = q.where(c.c.created_at >= since)
        if author is not None:
            q = q.where(c.c.author == author)
        if layer is not None:
            q = q.where(c.c.layer == layer)
        if limit is not None:
            q = q.limit(limit)
        with self.connect() as conn:
            return [_correction(r) for r in conn.execute(q).mappings()]

    def correction_version(self, article_id: str) -> int:
        """The article's version: how many corrections it has (its last ``seq``)."""
        c = schema.corrections
        with self.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(c.c.seq), 0))
                                    .where(c.c.article_id == article_id)).scalar_one())

    def add_corrections(self, article_id: str, base_version: int, rows: list[dict]) -> list[dict]:
        """Store corrections of one article made on its version ``base_version``, all or none, as
        versions ``base_version + 1`` onwards; returns them as stored. When the article is at
        another version (an analyst stored corrections meanwhile), raises :class:`StaleVersion`
        and stores nothing: the check and the unique (article_id, seq) index together refuse the
        second of two writers that saw the same version, whichever commits first."""
        from sqlalchemy.exc import IntegrityError

        if self.read_only:
            raise StoreError(f"{self.display}: database is read-only; corrections cannot be stored")
        c = schema.corrections
        now = _now()
        with self._errors():
            try:
                with self.engine.begin() as conn:
                    current = int(conn.execute(select(func.coalesce(func.max(c.c.seq), 0))
                                               .where(c.c.article_id == article_id)).scalar_one())
                    if current != base_version:
                        raise StaleVersion(article_id, current)
                    values = [{"article_id": article_id, "seq": base_version + k, "base_version": base_version,
                               "layer": r["layer"], "op": r["op"], "target": json.dumps(r.get("target") or {}),
                               "before": _json_or_none(r.get("before")), "after": _json_or_none(r.get("after")),
                               "note": r.get("note"), "author": r["author"], "created_at": now,
                               "model": r.get("model")} for k, r in enumerate(rows, 1)]
                    if values:
                        conn.execute(insert(c), values)
                    stored = conn.execute(select(c).where(c.c.article_id == article_id, c.c.seq > base_version)
                                          .order_by(c.c.seq)).mappings().all()
                    return [_correction(r) for r in stored]
            except IntegrityError as exc:
                if "foreign key" in str(exc.orig).lower():
                    raise StoreError(f"{self.display}: no article {article_id} to correct") from None
                raise StaleVersion(article_id, self.correction_version(article_id)) from None

    def signatures(self) -> Iterator[tuple[str, bytes | None, str | None]]:
        a = schema.articles
        with self.connect() as conn:
            yield from conn.execution_options(yield_per=1024).execute(
                select(a.c.id, a.c.minhash, a.c.dupe_group).order_by(a.c.num))


def _article_row(p: Pending, run_id: int, pipeline: str, now: datetime) -> dict:
    m = p.article.meta
    return {
        "id": m.id, "title": m.title, "byline": m.byline, "date": m.date, "source": m.source, "url": m.url,
        "language": m.language, "path": m.path, "input_format": m.input_format,
        "n_chars": len(p.article.text), "text": p.article.text, "article_json": p.json, "pipeline": pipeline,
        "run_id": run_id, "minhash": p.minhash, "dupe_group": p.group, "dupe_similarity": p.similarity,
        "stored_at": now,
    }


class StaleVersion(SlantError):
    """Corrections made on an older version of an article than the stored one."""

    def __init__(self, article_id: str, version: int):
        self.article_id = article_id
        self.version = version
        super().__init__(f"article {article_id} is at version {version}")


def _json_or_none(value) -> str | None:  # noqa: ANN001
    return None if value is None else json.dumps(value)


def _correction(row) -> dict:  # noqa: ANN001 - a row mapping of schema.corrections
    out = {str(k): v for k, v in row.items()}  # plain str keys (SQLAlchemy's are a str subclass)
    for k in ("target", "before", "after"):
        out[k] = json.loads(out[k]) if out[k] is not None else None
    out["created_at"] = _aware(out["created_at"]).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return out


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(t: datetime) -> datetime:
    """``t`` in UTC: SQLite gives back the naive UTC time that was stored."""
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


# How often a running ingest says it is alive, and after how long without a sign it is taken for
# dead: several beats, so that a busy database or a slow batch does not end a live run.
HEARTBEAT_SECONDS = 60
STALE_AFTER = timedelta(minutes=15)
_HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if os.name == "nt":  # os.kill there would end the process: say alive and leave it to the heartbeat
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, run by another user
    except OSError:
        return True
    return True


def _reason(exc: DBAPIError) -> str:
    msg = str(exc.orig) if exc.orig is not None else str(exc)
    low = msg.lower()
    if "readonly database" in low or "read-only" in low:
        return "database is read-only"
    if "database is locked" in low:
        return "database is locked by another process (try again when it is done)"
    if "disk is full" in low or "no space left" in low:
        return "disk is full; nothing of the failed batch was written"
    if "unable to open database" in low:
        return "cannot open the database file (does its folder exist and is it writable?)"
    if "connection refused" in low or "could not connect" in low or "connection failed" in low:
        return "cannot connect to the database server (is it running?)"
    if "terminating connection" in low or "server closed the connection" in low or "connection is closed" in low:
        return "the database server closed the connection; the batch in progress was not written"
    if "does not exist" in low and "database" in low:
        return msg.strip().splitlines()[0]
    return msg.strip().splitlines()[0] if msg.strip() else type(exc.orig).__name__


def _read_only_file(path: Path) -> bool:
    """True when the file may not be written: no permission, or (as root, who may write anything)
    no write bit at all -- the owner's way of saying "leave this file alone"."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    return not os.access(path, os.W_OK) or not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def open_store(db: str | os.PathLike | None = None, *, migrate: bool = True, create: bool = True) -> Store:
    """Open the store at ``db`` (a path or URL), creating and migrating it as needed. With
    ``create=False`` (the commands that only read a corpus) a SQLite file that does not exist is
    an error instead of a new empty corpus."""
    url_str = resolve_url(db)
    try:
        url = make_url(url_str)
    except ArgumentError:
        raise StoreError(f"{db}: not a database path or URL") from None
    display = url.render_as_string(hide_password=True)
    read_only = False
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        display = str(db) if db is not None and "://" not in str(db) else str(path)
        if not url.database or url.database == ":memory:":
            raise StoreError(f"{display}: an in-memory database cannot hold a corpus; give a file")
        if not create and not path.exists():
            raise StoreError(f"{display}: no such database (store articles first with `slant ingest --db {display}`)")
        if not path.parent.is_dir():
            raise StoreError(f"{display}: cannot create the database: folder {path.parent} does not exist")
        read_only = _read_only_file(path)
        if read_only:
            url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - driver connection
            cur = dbapi_conn.cursor()
            if not read_only:
                # WAL: readers never block the writer; NORMAL sync is safe with WAL (a power cut may
                # lose the last commits, never corrupt the file).
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    elif url.get_backend_name() == "postgresql":
        if "://" in str(db or ""):  # name it as the user wrote it (without the password)
            display = make_url(str(db)).render_as_string(hide_password=True)
        try:
            engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"{display}: {exc}") from None
    else:
        raise StoreError(f"{display}: unsupported database (use a SQLite file or postgresql://...)")
    store = Store(engine, display, read_only=read_only)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


__all__ = ["DEFAULT_DB", "HEARTBEAT_SECONDS", "STALE_AFTER", "BatchCounts", "Pending", "StaleVersion", "Store",
           "StoreError", "open_store", "resolve_url"]
