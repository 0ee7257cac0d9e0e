"""The pipeline behind the server: loaded once, fed from one worker thread, in batches.

Analysers hold models that are not meant to be called from many threads at once, and the machine
has few cores anyway, so every request's Article goes through one thread. Requests that arrive
while a batch is running wait in a queue and go through together as the next batch: under load
the server runs the pipeline's fast path (``pipe`` over a batch) instead of one call per request.

The queue is bounded: past ``depth`` articles accepted and not yet answered, ``analyse`` raises
``QueueFull`` at once (the server answers 503 with a Retry-After) instead of letting every client
wait longer. A queue that only grows helps no one: the pipeline's throughput is fixed by the
cores, so each article queued past what it clears in a few seconds only adds to every later
client's wait, until the clients time out and the work done for them is thrown away.

``build_pipeline`` picks the analysers for ``slant serve`` when none are named: every registered
analyser whose model can be loaded, in an order that satisfies their ``needs``; the others are
skipped with the reason (a model not trained yet must not keep the server from starting).
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from .. import registry
from ..article import BASE_LAYERS, Article
from ..errors import SlantError
from ..pipeline import Pipeline, check_order
from ..config import load_config

log = logging.getLogger("slant.web")

# The order a full pipeline runs in; analysers registered by other packages come after these.
PREFERRED = ("segment", "techniques", "subjectivity", "stories", "entities", "actors", "quotes", "relations", "roles")

# Articles accepted and not yet answered, at most. Two full batches: one in the pipeline, the next
# one gathering, so the fast path (``pipe`` over MAX_BATCH articles) never runs short under load and
# the pipeline never waits for clients to come back. The last article accepted waits about
# QUEUE_DEPTH / throughput: 5 s at 7 articles/s, 22 s at the 1.4 articles/s of the full default
# pipeline on 2 busy cores (docs/benchmarks.md); a server that must answer sooner sets a smaller
# --queue-depth.
MAX_BATCH = 16
QUEUE_DEPTH = 2 * MAX_BATCH
# Throughput is measured over the last batches: recent enough to follow a change of load (a burst
# of long articles), long enough not to swing with one batch.
RECENT_BATCHES = 8
# No estimate sends a client away for longer than this.
MAX_RETRY_AFTER = 300


class QueueFull(Exception):
    """The pipeline's queue is full: come back in ``retry_after`` seconds.

    Not a SlantError: nothing is wrong with the request, and the web routes, which turn
    SlantErrors into 400, let it through to the app's handler (503 and a Retry-After)."""

    def __init__(self, length: int, depth: int, retry_after: int):
        self.length, self.depth, self.retry_after = length, depth, retry_after
        super().__init__(f"the server is busy: {length} articles are waiting for analysis (the queue holds "
                         f"{depth}); try again in {retry_after} s")


@dataclass
class PipelineInfo:
    pipeline: Pipeline
    skipped: dict[str, str] = field(default_factory=dict)  # analyser -> why it is not running


def build_pipeline(config=None, analysers: list[str] | None = None) -> PipelineInfo:  # noqa: ANN001
    """The server's pipeline: ``analysers`` as named, or the pipeline of an explicit ``config``
    (errors are fatal either way), or else every analyser whose model loads."""
    cfg = config if isinstance(config, dict) else load_config(config)
    if analysers or config is not None:  # named, or the pipeline of a config given explicitly
        nlp = Pipeline.from_config(cfg, **({"analysers": analysers} if analysers else {}))
        nlp.load()
        return PipelineInfo(nlp)
    names = [n for n in PREFERRED if n in registry.available()]
    names += [n for n in registry.available() if n not in names]
    options = cfg.get("analysers", {})
    chosen, skipped, have = [], {}, set(BASE_LAYERS)
    pending = list(names)
    progress = True
    while pending and progress:  # a third-party analyser may need a layer added after it in the list
        progress = False
        for name in list(pending):
            try:
                a = registry.get(name)(**options.get(name, {}))
            except Exception as exc:  # noqa: BLE001 - any failure means: not this one
                skipped[name] = str(exc) or type(exc).__name__
                pending.remove(name)
                continue
            if not set(a.needs) <= have:
                continue
            try:
                a.load()
            except Exception as exc:  # noqa: BLE001 - a model missing or being rebuilt
                skipped[name] = str(exc) or type(exc).__name__
                pending.remove(name)
                continue
            chosen.append(a)
            have.update(a.adds)
            pending.remove(name)
            progress = True
    for name in pending:
        skipped[name] = "needs layers no loadable analyser adds"
    check_order(chosen)
    nlp = Pipeline(chosen, batch_size=int(cfg.get("pipeline", {}).get("batch_size", 32)), config=cfg)
    nlp._loaded = True  # every analyser was loaded above
    for name, why in skipped.items():
        log.warning("analyser %s skipped: %s", name, why)
    return PipelineInfo(nlp, skipped)


class Runner:
    """Runs Articles through the pipeline on one thread; ``await runner.analyse(article)``.

    ``depth`` bounds the articles accepted and not yet answered (0: no bound)."""

    def __init__(self, nlp: Pipeline, max_batch: int = MAX_BATCH, depth: int = QUEUE_DEPTH):
        self.nlp = nlp
        self.max_batch = max_batch
        self.depth = depth
        self.accepted = 0
        self.rejected = 0
        self._pending = 0  # accepted, not yet answered: waiting, or in the running batch
        self._lock = threading.Lock()
        self._recent: deque[tuple[int, float]] = deque(maxlen=RECENT_BATCHES)  # (articles, seconds)
        self._running: tuple[int, float] | None = None  # the batch in the pipeline: (articles, start)
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="slant-pipeline", daemon=True)
        self._thread.start()

    def status(self) -> dict:
        with self._lock:
            return {"length": self._pending, "depth": self.depth, "accepted": self.accepted,
                    "rejected": self.rejected, "throughput": round(self._throughput() or 0.0, 2)}

    def check(self) -> None:
        """Raise QueueFull now if the queue is full: lets a route refuse before reading the body.
        ``analyse`` checks again (and alone decides) when the article is ready."""
        with self._lock:
            if self.depth and self._pending >= self.depth:
                raise self._refuse()

    async def analyse(self, art: Article) -> Article:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        with self._lock:
            if self.depth and self._pending >= self.depth:
                raise self._refuse()
            self._pending += 1
            self.accepted += 1
        # Counted until the worker answers, even if the client goes away: the pipeline still runs it.
        self._queue.put((art, loop, fut))
        return await fut

    def _refuse(self) -> QueueFull:  # with the lock held
        self.rejected += 1
        return QueueFull(self._pending, self.depth, self._retry_after())

    def _throughput(self) -> float | None:
        """Articles per second of pipeline time over the last batches (with the lock held). Before
        any batch has finished, the running batch's time so far stands in: an upper bound."""
        n, secs = sum(b[0] for b in self._recent), sum(b[1] for b in self._recent)
        if n and secs > 0:
            return n / secs
        if self._running is not None:
            size, start = self._running
            elapsed = time.perf_counter() - start
            return size / elapsed if elapsed > 0 else None
        return None

    def _retry_after(self) -> int:
        """Seconds until the articles now accepted are answered, at the recent throughput: by then
        the queue is empty, so clients sent away together do not all come back to a full one."""
        rate = self._throughput()
        if not rate:
            return 1
        return max(1, min(MAX_RETRY_AFTER, math.ceil(self._pending / rate)))

    def close(self) -> None:
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            start = time.perf_counter()
            with self._lock:
                self._running = (len(batch), start)
            try:
                results: list = list(self.nlp.pipe([b[0] for b in batch], batch_size=len(batch)))
            except Exception:  # noqa: BLE001 - find the article that failed, run the others alone
                results = []
                for b in batch:
                    try:
                        results.append(next(self.nlp.pipe([b[0]], batch_size=1)))
                    except Exception as exc:  # noqa: BLE001
                        log.exception("pipeline failed on article %s", b[0].meta.id)
                        results.append(exc if isinstance(exc, SlantError) else
                                       SlantError(f"analysis failed: {type(exc).__name__}: {exc}"))
            with self._lock:
                self._recent.append((len(batch), time.perf_counter() - start))
                self._running = None
                self._pending -= len(batch)
            for (_, loop, fut), res in zip(batch, results):
                loop.call_soon_threadsafe(_settle, fut, res)


def _settle(fut: asyncio.Future, res) -> None:  # noqa: ANN001
    if fut.done():
        return
    if isinstance(res, BaseException):
        fut.set_exception(res)
    else:
        fut.set_result(res)
