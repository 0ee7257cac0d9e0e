"""Engines: run one pipeline over a stream of article batches, here or on a Ray cluster.

An engine is built from the pipeline's *description* (the merged config and the analyser names),
not from a loaded pipeline, because each worker loads its own copy once and keeps it for the
whole run. ``engine.map(batches)`` takes an iterator of lists of Articles and yields the analysed
lists in the same order, so the caller (``slant.ingest``) can write them batch by batch.

- ``local``: ``workers <= 1`` runs in this process; more uses a pool of processes, each with the
  pipeline loaded once by the pool's initializer, and at most ``2 * workers`` batches in flight.
- ``ray``: Ray Data ``map_batches`` with an actor pool (``ActorPoolStrategy``): each actor loads the
  pipeline in its constructor and analyses many batches, one block (at most a batch of articles,
  at least two blocks per actor) at a time. The stream is cut into chunks of
  ``chunk`` articles, one Ray dataset each, so memory stays bounded on a long run.

In both, a worker's ONNX sessions get its share of the cores (``SLANT_THREADS``), not all of them.

Articles cross process boundaries as their JSON (the published schema), which is lossless, so both
engines give the same Articles as analysing in this process.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .article import Article
from .errors import SlantError
from .pipeline import Pipeline

ENGINES = ("local", "ray")


def build(name: str, config: dict, analysers: list[str] | None, workers: int = 1, address: str | None = None,
          batch_size: int = 32) -> LocalEngine | RayEngine:
    if name == "local":
        return LocalEngine(config, analysers, workers, batch_size)
    if name == "ray":
        return RayEngine(config, analysers, max(1, workers), address, batch_size)
    raise SlantError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


def _pipeline(config: dict, analysers: list[str] | None) -> Pipeline:
    overrides = {"analysers": analysers} if analysers else {}
    nlp = Pipeline.from_config(config, **overrides)
    nlp.load()
    return nlp


def _analyse_json(nlp: Pipeline, payload: list[bytes], batch_size: int) -> list[bytes]:
    arts = [Article.from_json(b) for b in payload]
    return [a.to_json() for a in nlp.pipe(arts, batch_size=batch_size)]


# --- local ----------------------------------------------------------------------------------------
# The pipeline of a pool worker: set once by the pool's initializer, read by every task it runs.
_WORKER: dict[str, Any] = {}


def _threads_per_worker(cpus: float | None) -> None:
    """Give each worker's ONNX sessions and numpy's BLAS its share of the cores (unless
    SLANT_THREADS says otherwise): N workers each running threads as wide as the machine would
    fight over the same cores."""
    if cpus and "SLANT_THREADS" not in os.environ:
        os.environ["SLANT_THREADS"] = str(max(1, int(cpus)))
    if cpus:
        from threadpoolctl import threadpool_limits

        # for the life of the worker process, which runs nothing else
        _WORKER["blas"] = threadpool_limits(limits=max(1, int(cpus)), user_api="blas")


def _worker_init(config: dict, analysers: list[str] | None, batch_size: int, cpus: float | None = None) -> None:
    _threads_per_worker(cpus)
    _WORKER["nlp"] = _pipeline(config, analysers)
    _WORKER["batch_size"] = batch_size


def _worker_run(payload: list[bytes]) -> list[bytes]:
    return _analyse_json(_WORKER["nlp"], payload, _WORKER["batch_size"])


class LocalEngine:
    name = "local"

    def __init__(self, config: dict, analysers: list[str] | None, workers: int = 1, batch_size: int = 32):
        self.config, self.analysers, self.workers, self.batch_size = config, analysers, workers, batch_size

    def map(self, batches: Iterator[list[Article]]) -> Iterator[list[Article]]:
        if self.workers <= 1:
            nlp = None  # loaded with the first batch that has articles: a run of bad inputs loads nothing
            for batch in batches:
                if batch and nlp is None:
                    nlp = _pipeline(self.config, self.analysers)
                yield list(nlp.pipe(batch, batch_size=self.batch_size)) if batch else []
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # forkserver: workers start from a clean process, not a fork of one holding threads and
        # database connections.
        ctx = mp.get_context("forkserver")
        cpus = (os.cpu_count() or self.workers) / self.workers
        with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=(self.config, self.analysers, self.batch_size, cpus)) as pool:
            inflight: deque = deque()
            for batch in batches:
                inflight.append(pool.submit(_worker_run, [a.to_json() for a in batch]))
                if len(inflight) >= 2 * self.workers:
                    yield [Article.from_json(b) for b in inflight.popleft().result()]
            while inflight:
                yield [Article.from_json(b) for b in inflight.popleft().result()]


# --- ray ------------------------------------------------------------------------------------------
class _RayAnalyser:
    """A Ray Data actor: loads the pipeline once, then analyses every batch it is given."""

    def __init__(self, config: dict, analysers: list[str] | None, batch_size: int):
        import ray

        _threads_per_worker(ray.get_runtime_context().get_assigned_resources().get("CPU"))
        self.nlp = _pipeline(config, analysers)
        self.batch_size = batch_size

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = _analyse_json(self.nlp, [bytes(b) for b in batch["json"]], self.batch_size)
        return {"seq": batch["seq"], "json": np.array(out, dtype=object)}


def plan_blocks(rows: int, workers: int, batch_size: int) -> tuple[int, int]:
    """(number of blocks, rows per block) for one chunk: no block larger than a batch, and at least
    two blocks per actor when there are rows enough, so that no actor waits while another works
    through a long block (60 articles once made one block: one actor did all the work)."""
    if rows <= 0:
        return 1, 1
    blocks = min(rows, max(2 * workers, -(-rows // batch_size)))
    return blocks, -(-rows // blocks)


class RayEngine:
    name = "ray"

    def __init__(self, config: dict, analysers: list[str] | None, workers: int = 2, address: str | None = None,
                 batch_size: int = 32, chunk: int = 4096):
        self.config, self.analysers, self.workers = config, analysers, workers
        self.address, self.batch_size, self.chunk = address, batch_size, chunk

    def _init(self):
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            import ray
        except ImportError:
            raise SlantError("the ray engine needs Ray: pip install 'slant[scale]'") from None
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise SlantError(f"ray: cannot start or reach the cluster{' at ' + self.address if self.address else ''}: {exc}") from None
        return ray

    def map(self, batches: Iterator[list[Article]]) -> Iterator[list[Article]]:
        ray = self._init()
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # results come back in input order
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        batches = iter(batches)
        while True:
            # Gather about `chunk` articles (whole batches) into one dataset.
            chunk: list[list[Article]] = []
            n = 0
            for batch in batches:
                chunk.append(batch)
                n += len(batch)
                if n >= self.chunk:
                    break
            if not chunk:
                return
            yield from self._run_chunk(ray, chunk)

    def _run_chunk(self, ray, chunk: list[list[Article]]) -> Iterator[list[Article]]:  # noqa: ANN001
        rows = [{"seq": i, "json": a.to_json()} for i, a in enumerate(a for b in chunk for a in b)]
        if not rows:
            yield from chunk
            return
        blocks, per_block = plan_blocks(len(rows), self.workers, self.batch_size)
        ds = ray.data.from_items(rows, override_num_blocks=blocks)
        ds = ds.map_batches(
            _RayAnalyser,
            fn_constructor_kwargs={"config": self.config, "analysers": self.analysers, "batch_size": self.batch_size},
            batch_size=per_block,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1,
        )
        results = iter(
            Article.from_json(bytes(b))
            for out in ds.iter_batches(batch_size=self.batch_size, batch_format="numpy")
            for b in out["json"]
        )
        for batch in chunk:
            yield list(islice(results, len(batch)))
