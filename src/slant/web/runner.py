"""The pipeline behind the server: loaded once, fed from one worker thread, in batches.

Analysers hold models that are not meant to be called from many threads at once, and the machine
has few cores anyway, so every request's Article goes through one thread. Requests that arrive
while a batch is running wait in a queue and go through together as the next batch: under load
the server runs the pipeline's fast path (``pipe`` over a batch) instead of one call per request.

``build_pipeline`` picks the analysers for ``slant serve`` when none are named: every registered
analyser whose model can be loaded, in an order that satisfies their ``needs``; the others are
skipped with the reason (a model not trained yet must not keep the server from starting).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field

from .. import registry
from ..article import BASE_LAYERS, Article
from ..errors import SlantError
from ..pipeline import Pipeline, check_order
from ..config import load_config

log = logging.getLogger("slant.web")

# The order a full pipeline runs in; analysers registered by other packages come after these.
PREFERRED = ("segment", "techniques", "subjectivity", "entities", "actors", "quotes", "relations", "roles")


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
    """Runs Articles through the pipeline on one thread; ``await runner.analyse(article)``."""

    def __init__(self, nlp: Pipeline, max_batch: int = 16):
        self.nlp = nlp
        self.max_batch = max_batch
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="slant-pipeline", daemon=True)
        self._thread.start()

    async def analyse(self, art: Article) -> Article:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._queue.put((art, loop, fut))
        return await fut

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
            for (_, loop, fut), res in zip(batch, results):
                loop.call_soon_threadsafe(_settle, fut, res)


def _settle(fut: asyncio.Future, res) -> None:  # noqa: ANN001
    if fut.done():
        return
    if isinstance(res, BaseException):
        fut.set_exception(res)
    else:
        fut.set_result(res)
