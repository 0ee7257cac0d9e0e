"""Ingest: read inputs, analyse what is not stored yet, and store it, one transaction per batch.

The run is idempotent and resumable because an article's id is the hash of its text: before a
batch is analysed, the ids already in the store are dropped from it (or, with ``reanalyse``, kept
when the stored copy was made by a different pipeline, and their layers replaced). A batch is
written in one transaction together with the run's counts, so a run killed at any moment leaves
whole batches only, and the next run stores exactly the rest.

Articles analysed with the ``stories`` analyser carry a story vector: the writer links each to the
stored article nearest its story (copy, retelling, same event; :mod:`slant.story_index`), stores
the vector with the batch, and adds it to the nearest-neighbour index once the batch is committed,
so the index never holds an article the store lacks; a killed run leaves an index file that the
next open brings up to date from the table.

Inputs that cannot be read, and bad records inside containers, are recorded in ``run_errors`` with
their path and reason and counted; the run goes on.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from . import __version__
from .article import Article
from .config import load_config
from .dupes import THRESHOLD, DupeIndex, minhash, to_bytes
from .engines import build as build_engine
from .errors import InputError, SlantError
from .pipeline import Pipeline
from .readers import CONTAINERS, check_inputs, guess_format, iter_articles
from .store import HEARTBEAT_SECONDS, BatchCounts, Pending, Store, open_store
from .story_index import DTYPE as VECTOR_DTYPE, StoryLinker, thresholds as story_thresholds


@dataclass
class IngestResult:
    run_id: int
    read: int = 0
    stored: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


@dataclass
class _Batch:
    """A batch on its way through: the articles to analyse and what the reader saw around them."""

    counts: BatchCounts
    todo: list[Article]
    replace: set[str]


def pipeline_signature(nlp: Pipeline) -> str:
    """What made an article's layers: the analysers and their versions, in order."""
    return ",".join(f"{a.name}@{a.version}" for a in nlp.analysers)


def ingest(
    paths: Iterable[str | Path],
    db: str | Store | None = None,
    *,
    config: str | Path | dict | None = None,
    analysers: list[str] | None = None,
    engine: str = "local",
    workers: int = 1,
    address: str | None = None,
    batch_size: int = 64,
    reanalyse: bool = False,
    input_format: str | None = None,
    dupe_threshold: float = THRESHOLD,
    on_progress: Callable[[int], None] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> IngestResult:
    """Analyse and store every article of ``paths``; returns the run's counts."""
    paths = [str(p) for p in paths]
    if batch_size < 1 or workers < 1:
        raise SlantError(f"--batch-size and --workers must be at least 1 (got {batch_size} and {workers})")
    check_inputs(paths, input_format)  # before the pipeline is built, the store opened, a model loaded
    cfg = config if isinstance(config, dict) else load_config(config)
    # Built here to check the config and to sign the run; workers build their own and load it.
    nlp = Pipeline.from_config(cfg, **({"analysers": analysers} if analysers else {}))
    signature = pipeline_signature(nlp)
    max_bytes = int(cfg.get("reader", {}).get("max_bytes", 5 * 1024 * 1024))
    eng = build_engine(engine, cfg, analysers, workers, address, nlp.batch_size)

    store = db if isinstance(db, Store) else open_store(db)
    alive = None
    try:
        run_id = store.begin_run(slant_version=__version__, pipeline=signature, config=cfg, engine=engine,
                                 workers=workers, inputs=paths)
        result = IngestResult(run_id)
        alive = _Heartbeat(store, run_id)
        index = DupeIndex.from_rows(store.signatures(), dupe_threshold)
        linker = StoryLinker(store, story_thresholds() if "stories@" in signature else None)
        seen: set[str] = set()
        started = time.perf_counter()

        def batches() -> Iterator[_Batch]:
            items = iter(iter_articles(paths, input_format, max_bytes))
            while raw := list(islice(items, batch_size)):
                counts = BatchCounts(read=0)
                arts = []
                for item in raw:
                    if isinstance(item, InputError):
                        counts.errors.append((item.source, item.reason))
                        if on_error:
                            on_error(item.source, item.reason)
                    else:
                        counts.read += 1
                        arts.append(item)
                stored = store.existing(a.meta.id for a in arts)
                todo, replace = [], set()
                for a in arts:
                    aid = a.meta.id
                    if aid in seen:
                        counts.skipped += 1
                    elif aid in stored and not (reanalyse and stored[aid] != signature):
                        counts.skipped += 1
                    else:
                        if aid in stored:
                            replace.add(aid)
                        todo.append(a)
                    seen.add(aid)
                yield _Batch(counts, todo, replace)

        queue: list[_Batch] = []

        def todo_lists() -> Iterator[list[Article]]:
            for b in batches():
                queue.append(b)
                yield b.todo

        def write(b: _Batch, analysed: list[Article]) -> None:
            _write(store, run_id, b, analysed, index, signature, linker)
            for key in ("read", "stored", "updated", "skipped", "duplicates"):
                setattr(result, key, getattr(result, key) + getattr(b.counts, key))
            result.errors.extend(b.counts.errors)
            if on_progress:
                on_progress(b.counts.read + len(b.counts.errors))

        # One writer thread, batches in order: signatures, near-duplicates and the transaction of
        # batch k overlap the reading and analysis of batch k+1 (SQLite and PostgreSQL do their
        # work outside the GIL). At most two batches wait, so memory stays bounded.
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="slant-store") as writer:
                pending: deque[Future] = deque()
                try:
                    for analysed in eng.map(todo_lists()):
                        pending.append(writer.submit(write, queue.pop(0), analysed))
                        while len(pending) > 2 or (pending and pending[0].done()):
                            pending.popleft().result()  # re-raises a store error here, in order
                    while pending:
                        pending.popleft().result()
                finally:
                    for f in pending:  # after an error: the batches behind it are not written
                        f.cancel()
        except BaseException as exc:
            alive.stop()  # no beat after the run has ended
            try:
                store.finish_run(run_id, "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
            except SlantError:
                pass  # the database itself is what failed
            raise
        alive.stop()
        linker.close()  # the story index file, saved with every key of the run
        result.seconds = time.perf_counter() - started
        store.finish_run(run_id, "done")
        return result
    finally:
        if alive is not None:
            alive.stop()
        if not isinstance(db, Store):
            store.close()


class _Heartbeat:
    """A thread that tells the store, every ``HEARTBEAT_SECONDS``, that the run is alive, so that a
    run whose process died is told from one busy with a long batch (``Store.mark_dead_runs``)."""

    def __init__(self, store: Store, run_id: int):
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(store, run_id), name="slant-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self, store: Store, run_id: int) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                store.heartbeat(run_id)
            except SlantError:
                pass  # the database is busy or gone: the batch writes will say so

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def _write(store: Store, run_id: int, b: _Batch, analysed: list[Article], index: DupeIndex, signature: str,
           linker: StoryLinker) -> None:
    items, promotes, dupe_groups = [], [], {}
    for art in analysed:
        aid = art.meta.id
        replace = aid in b.replace
        m = minhash(art.text)
        group, sim, promote = index.add(aid, m)
        dupe_groups[aid] = group
        if promote:
            promotes.append(promote)
            dupe_groups[promote[0]] = promote[1]
        if group is not None and not replace:
            b.counts.duplicates += 1
        items.append(Pending(art, art.to_json().decode("utf-8"), to_bytes(m), group, sim, replace))
        if replace:
            b.counts.updated += 1
        else:
            b.counts.stored += 1
    links, story_promotes = linker.link(analysed, dupe_groups)
    for p in items:
        p.story = links.get(p.article.meta.id)
    seqs = store.write_batch(run_id, items, b.counts, signature, promotes, story_promotes)
    if seqs:  # committed: now the index may hold them
        order = [p for p in items if p.story is not None]
        keys = np.array([seqs[p.article.meta.id] for p in order], dtype=np.uint64)
        linker.stored(keys, np.frombuffer(b"".join(p.story.vector for p in order), dtype=VECTOR_DTYPE)
                      .reshape(len(order), -1))


def count_inputs(paths: Iterable[str | Path], input_format: str | None = None) -> int | None:
    """A quick estimate of how many articles ``paths`` hold (for the progress bar), or None."""
    total = 0
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")) if p.is_dir() else [p]
        for f in files:
            fmt = input_format or guess_format(f)
            if fmt is None:
                continue
            if fmt in ("jsonl", "csv"):
                try:
                    with open(f, "rb") as fh:
                        n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
                except OSError:
                    continue
                total += max(0, n - (1 if fmt == "csv" else 0))
            elif fmt in CONTAINERS:
                return None  # WARC: no cheap count
            else:
                total += 1
    return total
