"""The corpus's story index: every stored article's story vector in a nearest-neighbour index, and
the stories (groups of articles telling one story) that ``slant ingest`` builds with it.

The vectors live in the store itself (table ``story_vectors``, on SQLite and PostgreSQL alike: the
source of truth); the index is a file beside it, an HNSW graph (usearch) keyed by the table's
``seq``. The file is a cache: when it is missing, unreadable, made for another model, or behind
the table (an ingest killed before it saved, rows written by another process), opening it catches
up from the table (the rows above its last key) or rebuilds it whole, so it survives restarts and
never disagrees with the store for long. Keys are never reused (a re-analysed article gets a new
row), so a key the table no longer holds is only skipped at query time, and the file is rebuilt
once such keys are more than a fifth of it.

Where the file is: beside a SQLite database file (``slant.db`` -> ``slant.db.stories.usearch``
plus a ``.json`` sidecar); for PostgreSQL (or an in-memory SQLite) in ``$SLANT_INDEX_DIR``, by
default ``~/.cache/slant/stories``, named after the database URL.

Stories: at ingest, each article is compared with its nearest stored neighbours (and the articles
before it in its own batch). Its ``nearest`` article is the most similar one above the "same event"
threshold, with the relation:

* ``copy``: the MinHash near-duplicate index (:mod:`slant.dupes`) put both in one group: the same
  text, lightly edited;
* ``retelling``: story cosine at least the model's "retelling" threshold: the same story told
  again, by another outlet or in another language;
* ``same event``: above the looser threshold: the same event, another story about it.

Copies and retellings join their neighbour's story group (named, like MinHash groups, by the id of
its first-stored member); :func:`stories` lists the groups ordered by date, earliest first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .article import StoryVector
from .errors import SlantError

log = logging.getLogger("slant.story_index")

DTYPE = np.dtype("<f2")  # stored and indexed as float16: half the bytes, cosines to about 1e-3
K = 10  # neighbours asked of the index per new article
GHOSTS = 0.2  # rebuild when keys the table no longer holds are this share of the index
SAVE_SECONDS = 30.0  # during an ingest, the file is saved at most this often (and at the end)
# Used when the story model names no thresholds (cosine of the story vectors).
DEFAULT_THRESHOLDS = {"retelling": 0.8, "same_event": 0.6}
RELATIONS = ("copy", "retelling", "same event")


class IndexError_(SlantError):  # noqa: N801 - IndexError is a builtin
    """The story index cannot be read or written."""


# --- the vector on the Article -------------------------------------------------------------------
def pack_vector(v: np.ndarray, model: str) -> StoryVector:
    """A unit vector as the Article carries it (float16, base64)."""
    v = np.asarray(v, dtype=np.float32).ravel()
    return StoryVector(model=model, dim=int(v.size), vector=base64.b64encode(v.astype(DTYPE).tobytes()).decode("ascii"))


def vector_bytes(sv: StoryVector) -> bytes:
    """The raw float16 bytes of an Article's story vector (what the store keeps), checked."""
    try:
        raw = base64.b64decode(sv.vector, validate=True)
    except ValueError as exc:
        raise SlantError(f"story vector of model {sv.model}: not base64 ({exc})") from None
    if len(raw) != sv.dim * DTYPE.itemsize:
        raise SlantError(f"story vector of model {sv.model}: {len(raw)} bytes for {sv.dim} float16 values")
    return raw


def unpack(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=DTYPE).astype(np.float32)


def unpack_vector(sv: StoryVector) -> np.ndarray:
    return unpack(vector_bytes(sv))


# --- where the file is ----------------------------------------------------------------------------
def index_path(url: str) -> Path:
    """The index file of the store at SQLAlchemy ``url``."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database + ".stories.usearch")
    folder = Path(os.environ.get("SLANT_INDEX_DIR") or Path.home() / ".cache" / "slant" / "stories")
    safe = u._replace(password=None).render_as_string(hide_password=True)
    name = f"{u.get_backend_name()}-{u.database or 'memory'}-{hashlib.sha1(safe.encode()).hexdigest()[:12]}"
    return folder / f"{name}.usearch"


# --- the index ------------------------------------------------------------------------------------
@dataclass
class Hit:
    seq: int
    similarity: float  # cosine of the two story vectors


class StoryIndex:
    """The HNSW index of one model's story vectors, keyed by ``story_vectors.seq``."""

    def __init__(self, path: Path | None, model: str, dim: int):
        from usearch.index import Index

        self.path, self.model, self.dim = path, model, dim
        self.index = Index(ndim=dim, metric="cos", dtype="f16")
        self.max_seq = 0
        self._saved_at = time.monotonic()
        self._dirty = False

    # --- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, store, model: str | None = None, path: Path | None | bool = True) -> StoryIndex | None:  # noqa: ANN001
        """The index of ``store`` for ``model`` (default: the model of the newest stored vector),
        loaded from its file and brought up to date with the table; None when the store has no
        vector of the model yet and no model is named. ``path``: True for the default place,
        None or False to keep it in memory only."""
        if model is None:
            model = newest_model(store)
            if model is None:
                return None
        dim = _dim(store, model)
        if path is True:
            path = index_path(str(store.engine.url))
        idx = cls(path or None, model, dim or 0)
        if dim:
            idx._load_or_build(store)
        return idx

    def _meta_path(self) -> Path:
        assert self.path is not None
        return self.path.with_suffix(self.path.suffix + ".json")

    def _load_or_build(self, store) -> None:  # noqa: ANN001
        stats = _table_stats(store, self.model)
        meta = self._read_meta()
        if meta is not None and meta.get("model") == self.model and meta.get("dim") == self.dim \
                and meta.get("max_seq", 0) <= stats["max_seq"]:
            try:
                self.index.load(str(self.path))
                self.max_seq = int(meta["max_seq"])
            except Exception as exc:  # noqa: BLE001 - a torn or foreign file is rebuilt, never fatal
                log.warning("story index %s unreadable (%s): rebuilding it", self.path, exc)
                self.index.reset()
                self.max_seq = 0
        added = self.catch_up(store)
        if len(self.index) - stats["count"] > GHOSTS * max(len(self.index), 1):
            log.info("story index %s: %d keys no longer stored: rebuilding", self.path, len(self.index) - stats["count"])
            self.index.reset()
            self.max_seq = 0
            added = self.catch_up(store)
        if added:
            self.save()

    def _read_meta(self) -> dict | None:
        if self.path is None or not self.path.is_file() or not self._meta_path().is_file():
            return None
        try:
            meta = json.loads(self._meta_path().read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def catch_up(self, store, batch: int = 20_000) -> int:  # noqa: ANN001
        """Add the table's vectors of this model above the last key held; returns how many."""
        from sqlalchemy import select

        from .store import schema

        t = schema.story_vectors
        added = 0
        while True:
            q = (select(t.c.seq, t.c.vector).where(t.c.model == self.model, t.c.seq > self.max_seq)
                 .order_by(t.c.seq).limit(batch))
            with store.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return added
            keys = np.fromiter((r.seq for r in rows), dtype=np.uint64, count=len(rows))
            vecs = np.frombuffer(b"".join(r.vector for r in rows), dtype=DTYPE).reshape(len(rows), self.dim)
            self.add(keys, vecs)
            added += len(rows)

    # --- using ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.index)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if not len(keys):
            return
        fresh = keys > self.max_seq  # a key held already is never added twice
        if not fresh.all():
            keys, vectors = keys[fresh], vectors[fresh]
            if not len(keys):
                return
        self.index.add(keys, np.asarray(vectors, dtype=np.float16), threads=0)
        self.max_seq = max(self.max_seq, int(keys.max()))
        self._dirty = True

    def search(self, vector: np.ndarray, k: int = K) -> list[Hit]:
        if not len(self.index):
            return []
        found = self.index.search(np.asarray(vector, dtype=np.float16), min(k, len(self.index)))
        return [Hit(int(key), round(1.0 - float(dist), 4)) for key, dist in zip(found.keys, found.distances)]

    def save(self, force: bool = True) -> None:
        """Write the file and its sidecar (atomically: a kill while saving leaves the old pair).
        ``force=False`` saves only when ``SAVE_SECONDS`` have passed since the last save."""
        if self.path is None or not self._dirty:
            return
        if not force and time.monotonic() - self._saved_at < SAVE_SECONDS:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            self.index.save(str(tmp))
            meta_tmp = self._meta_path().with_name(self._meta_path().name + ".tmp")
            meta_tmp.write_text(json.dumps({"format": 1, "model": self.model, "dim": self.dim,
                                            "max_seq": self.max_seq, "size": len(self.index)}), "utf-8")
            # The sidecar is removed before the file is replaced and written after it: a kill in
            # between leaves a file without a sidecar, which the next open rebuilds; a sidecar
            # never promises keys its file lacks, nor the other way round.
            self._meta_path().unlink(missing_ok=True)
            os.replace(tmp, self.path)
            os.replace(meta_tmp, self._meta_path())
        except OSError as exc:
            raise IndexError_(f"{self.path}: cannot save the story index ({exc.strerror or exc})") from None
        self._saved_at = time.monotonic()
        self._dirty = False


def newest_model(store) -> str | None:  # noqa: ANN001
    from sqlalchemy import select

    from .store import schema

    t = schema.story_vectors
    with store.connect() as conn:
        return conn.execute(select(t.c.model).order_by(t.c.seq.desc()).limit(1)).scalar()


def _dim(store, model: str) -> int | None:  # noqa: ANN001
    from sqlalchemy import func, select

    from .store import schema

    t = schema.story_vectors
    with store.connect() as conn:
        n = conn.execute(select(func.length(t.c.vector)).where(t.c.model == model).limit(1)).scalar()
    return int(n) // DTYPE.itemsize if n else None


def _table_stats(store, model: str) -> dict:  # noqa: ANN001
    from sqlalchemy import func, select

    from .store import schema

    t = schema.story_vectors
    with store.connect() as conn:
        count, top = conn.execute(select(func.count(), func.max(t.c.seq)).where(t.c.model == model)).one()
    return {"count": int(count or 0), "max_seq": int(top or 0)}


def relation(similarity: float, copy: bool, th: dict) -> str | None:
    """How a neighbour tells an article's story: ``copy`` (one MinHash near-duplicate group),
    ``retelling``, ``same event`` by the cosine thresholds ``th``, or None below them."""
    if copy:
        return "copy"
    if similarity >= th["retelling"]:
        return "retelling"
    if similarity >= th["same_event"]:
        return "same event"
    return None


# --- stories at ingest ----------------------------------------------------------------------------
@dataclass
class Link:
    """What an article's story vector says at ingest: its nearest stored article and its group."""

    vector: bytes
    model: str
    language: str | None
    group: str | None = None
    nearest: str | None = None
    similarity: float | None = None
    relation: str | None = None


@dataclass
class _Known:
    id: str
    group: str | None
    dupe_group: str | None


class StoryLinker:
    """Links each new article to the stored article nearest its story, and keeps the index up to
    date; used by the ingest writer thread only (one batch after another)."""

    def __init__(self, store, thresholds: dict | None = None, path: Path | None | bool = True):  # noqa: ANN001
        self.store = store
        self.thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        self.path = path
        self.index: StoryIndex | None = None
        self.groups: dict[str, str] = {}  # groups given or changed in this run (the store may lag)

    def _index_for(self, model: str, dim: int) -> StoryIndex:
        if self.index is None or self.index.model != model:
            if self.index is not None:
                self.index.save()
            idx = StoryIndex.open(self.store, model, self.path)
            assert idx is not None
            if not idx.dim:
                idx = StoryIndex(idx.path, model, dim)
            self.index = idx
        return self.index

    def link(self, arts, dupe_groups: dict[str, str | None]) -> tuple[dict[str, Link], list[tuple[str, str]]]:  # noqa: ANN001
        """Links of the batch's articles that carry a story vector, and the stored articles that
        become the first member of a new group ((id, group) updates)."""
        out: dict[str, Link] = {}
        promotes: list[tuple[str, str]] = []
        todo = [a for a in arts if a.story is not None]
        if not todo:
            return out, promotes
        model, dim = todo[0].story.model, todo[0].story.dim
        index = self._index_for(model, dim)
        batch_vecs: list[np.ndarray] = []
        batch_ids: list[str] = []
        hits_by_art = []
        seqs: set[int] = set()
        for a in todo:
            if a.story.model != model or a.story.dim != dim:
                continue  # another model in one batch: left without a link
            v = unpack_vector(a.story)
            hits = index.search(v)
            hits_by_art.append((a, v, hits))
            seqs.update(h.seq for h in hits)
        known = _lookup(self.store, seqs)
        for a, v, hits in hits_by_art:
            aid = a.meta.id
            cands: list[tuple[float, _Known]] = [(h.similarity, known[h.seq]) for h in hits if h.seq in known
                                                 and known[h.seq].id != aid]
            if batch_vecs:  # the articles before it in this batch are not in the index yet
                sims = np.stack(batch_vecs) @ v
                for j in np.argsort(-sims)[:K]:
                    bid = batch_ids[j]
                    cands.append((round(float(sims[j]), 4), _Known(bid, out[bid].group, dupe_groups.get(bid))))
            link = Link(vector_bytes(a.story), model, a.meta.language)
            best = self._best(cands, dupe_groups.get(aid))
            if best is not None:
                sim, other, relation = best
                link.nearest, link.similarity, link.relation = other.id, sim, relation
                if relation in ("copy", "retelling"):
                    group = self.groups.get(other.id, other.group)
                    if group is None:
                        group = other.id
                        self.groups[other.id] = group
                        if other.id in out:
                            out[other.id].group = group
                        else:
                            promotes.append((other.id, group))
                    link.group = group
            if link.group is not None:
                self.groups[aid] = link.group
            out[aid] = link
            batch_vecs.append(v)
            batch_ids.append(aid)
        return out, promotes

    def _best(self, cands: list[tuple[float, _Known]], dupe_group: str | None) -> tuple[float, _Known, str] | None:
        """The neighbour to link to: a MinHash copy first, else the most similar above "same event"."""
        best = None
        for sim, other in cands:
            rel = relation(sim, dupe_group is not None and other.dupe_group == dupe_group, self.thresholds)
            if rel is None:
                continue
            rank = (RELATIONS[::-1].index(rel), sim)  # a copy first, then the most similar
            if best is None or rank > best[0]:
                best = (rank, sim, other, rel)
        return None if best is None else best[1:]

    def stored(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """The batch is committed: its rows' keys and vectors go into the index."""
        if self.index is not None:
            self.index.add(keys, vectors)
            self.index.save(force=False)

    def close(self) -> None:
        if self.index is not None:
            self.index.save()


def _lookup(store, seqs: set[int]) -> dict[int, _Known]:  # noqa: ANN001
    if not seqs:
        return {}
    from sqlalchemy import select

    from .store import schema

    t, a = schema.story_vectors, schema.articles
    q = (select(t.c.seq, t.c.article_id, t.c.story_group, a.c.dupe_group)
         .join(a, a.c.id == t.c.article_id).where(t.c.seq.in_(sorted(seqs))))
    with store.connect() as conn:
        return {r.seq: _Known(r.article_id, r.story_group, r.dupe_group) for r in conn.execute(q)}


# --- reading the stories back ---------------------------------------------------------------------
@dataclass
class StoryMember:
    id: str
    title: str | None
    source: str | None
    date: str | None
    relation: str | None  # to its nearest earlier article: copy | retelling | same event (None: the first)
    nearest: str | None
    similarity: float | None
    retells: list[str] = field(default_factory=list)  # outlets the article says it retells


@dataclass
class Story:
    id: str
    earliest: StoryMember
    members: list[StoryMember]  # by date, then storage order; the earliest first
    languages: list[str] = field(default_factory=list)


def stories(store) -> list[Story]:  # noqa: ANN001
    """The story groups of a store, largest first; each ordered by date (then storage order) with
    its earliest article first, and each member with the outlets it says it retells
    (:func:`slant.sources.retold_in_store`, read for the groups' members only)."""
    from sqlalchemy import select

    from .sources import retold_in_store
    from .store import schema

    t, a = schema.story_vectors, schema.articles
    q = (select(a.c.id, a.c.title, a.c.source, a.c.date, a.c.num, a.c.language, t.c.story_group, t.c.nearest,
                t.c.similarity, t.c.relation)
         .join(t, t.c.article_id == a.c.id).where(t.c.story_group.is_not(None)).order_by(a.c.num))
    by_group: dict[str, list] = {}
    with store.connect() as conn:
        for row in conn.execute(q):
            by_group.setdefault(row.story_group, []).append(row)
    by_group = {gid: rows for gid, rows in by_group.items() if len(rows) >= 2}
    retells = retold_in_store(store, [r.id for rows in by_group.values() for r in rows])
    out = []
    for gid, rows in by_group.items():
        rows.sort(key=lambda r: (r.date or "9999", r.num))
        members = [StoryMember(r.id, r.title, r.source, r.date, r.relation if i else None, r.nearest if i else None,
                               r.similarity if i else None, retells.get(r.id, []))
                   for i, r in enumerate(rows)]
        langs = sorted({r.language for r in rows if r.language})
        out.append(Story(gid, members[0], members, langs))
    out.sort(key=lambda g: (-len(g.members), g.earliest.date or "9999", g.id))
    return out


@dataclass
class Neighbour:
    id: str
    title: str | None
    source: str | None
    date: str | None
    language: str | None
    similarity: float
    relation: str | None  # copy | retelling | same event, by the thresholds (None: below them)


def nearest(store, article_id: str, k: int = K, index: StoryIndex | None = None,  # noqa: ANN001
            thresholds: dict | None = None) -> list[Neighbour]:
    """The ``k`` stored articles whose stories are nearest that of ``article_id`` (not itself)."""
    from sqlalchemy import select

    from .store import schema

    t, a = schema.story_vectors, schema.articles
    with store.connect() as conn:
        row = conn.execute(select(t.c.model, t.c.vector, a.c.dupe_group).join(a, a.c.id == t.c.article_id)
                           .where(t.c.article_id == article_id)).first()
    if row is None:
        raise SlantError(f"article {article_id} has no story vector in {store.display} "
                         "(not stored, or stored by a pipeline without the stories analyser)")
    if index is None or index.model != row.model:
        index = StoryIndex.open(store, row.model)
    assert index is not None
    hits = index.search(unpack(row.vector), k + 1)
    if not hits:
        return []
    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    q = (select(t.c.seq, a.c.id, a.c.title, a.c.source, a.c.date, a.c.language, a.c.dupe_group)
         .join(a, a.c.id == t.c.article_id).where(t.c.seq.in_([h.seq for h in hits])))
    with store.connect() as conn:
        found = {r.seq: r for r in conn.execute(q)}
    out = []
    for h in hits:
        r = found.get(h.seq)
        if r is None or r.id == article_id:
            continue
        rel = relation(h.similarity, row.dupe_group is not None and r.dupe_group == row.dupe_group, th)
        out.append(Neighbour(r.id, r.title, r.source, r.date, r.language, h.similarity, rel))
    return out[:k]


def thresholds() -> dict:
    """The story model's index thresholds (cosine), or the defaults when it names none."""
    try:
        from .stories import StoryModel

        named = getattr(StoryModel(), "thresholds", None) or {}
    except SlantError:
        named = {}
    return {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in named.items() if k in DEFAULT_THRESHOLDS}}
