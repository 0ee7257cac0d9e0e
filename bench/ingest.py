"""Ingest throughput: store overhead, Ray overhead, SQLite vs PostgreSQL, as ratios measured in one run.

    python bench/ingest.py [-a ANALYSERS] [--limit N] [--workers 2] [--node-cores 16] [PATH ...]

On the ~1,100 English articles of ../shared/data (PTC, SemEval-2023 task 3, SemEval-2025 task 10)
unless paths are given. Every figure is articles per second over the same articles, each ingest into
a fresh database:

- analyze: read + pipeline + JSON out, in this process (what `slant analyze --format jsonl` does);
- ingest sqlite: the same plus the store (MinHash, flat tables, full-text index, one transaction
  per batch); target: at least 0.9 of analyze;
- store only: the Articles of the analyze step written again into a fresh database the way ingest
  writes them, nothing else (the per-article cost of the one store writer in the estimate);
- ingest local xN / ray xN: N worker processes vs a Ray Data actor pool of N (Ray's cluster start
  is not counted: a cluster is up before a run); target: ray at least 0.8 of local;
- ingest postgres: the same as sqlite into a throwaway PostgreSQL cluster, when its binaries exist.

Then an estimate of articles per hour on a cluster of 10 nodes from the measured per-article costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_PATHS = [
    SHARED / "ptc-semeval2020" / "articles",
    SHARED / "semeval2023-task3" / "en" / "train-articles-subtask-1",
    SHARED / "semeval2023-task3" / "en" / "test-articles-subtask-1",
    SHARED / "semeval2025-task10" / "train" / "EN" / "raw-documents",
]


def analyse_rate(paths: list[Path], analysers: list[str] | None) -> tuple[int, float]:
    import slant
    from slant.errors import InputError
    from slant.readers import iter_articles

    t = time.perf_counter()  # loading the models counts, as it does in every ingest below
    nlp = slant.load(**({"analysers": analysers} if analysers else {}))
    nlp.load()
    n = 0
    with open(os.devnull, "wb") as sink:
        for art in nlp.pipe(a for a in iter_articles(paths) if not isinstance(a, InputError)):
            sink.write(art.to_json() + b"\n")
            ANALYSED.append(art)
            n += 1
    return n, time.perf_counter() - t


ANALYSED: list = []  # the analyze step's Articles, written again by store_rate


def store_rate(arts: list, db: Path, batch: int = 64) -> tuple[int, float]:
    """Only the store: the analysed Articles written as ingest writes them (MinHash, near-duplicate
    index, flat tables, full-text index, one transaction per batch), no reading or analysis."""
    from slant import __version__
    from slant.dupes import DupeIndex
    from slant.ingest import _Batch, _write
    from slant.store import BatchCounts, open_store

    store = open_store(db)
    t = time.perf_counter()
    run_id = store.begin_run(slant_version=__version__, pipeline="bench", config={}, engine="local",
                             workers=1, inputs=[])
    index = DupeIndex.from_rows(store.signatures())
    seen: set[str] = set()
    n = 0
    for k in range(0, len(arts), batch):
        todo = [a for a in arts[k : k + batch] if a.meta.id not in seen]
        seen.update(a.meta.id for a in todo)
        _write(store, run_id, _Batch(BatchCounts(), todo, set()), todo, index, "bench")
        n += len(todo)
    store.finish_run(run_id, "done")
    store.close()
    return n, time.perf_counter() - t


def ingest_rate(paths, db, analysers, **kw) -> tuple[int, float]:  # noqa: ANN001
    from slant.ingest import ingest

    t = time.perf_counter()
    r = ingest(paths, db, analysers=analysers, **kw)
    return r.stored, time.perf_counter() - t


def subset(paths: list[Path], limit: int, out: Path) -> Path:
    """The first ``limit`` articles of ``paths`` as one JSONL file (text and metadata)."""
    import json
    from itertools import islice

    from slant.errors import InputError
    from slant.readers import iter_articles

    arts = islice((a for a in iter_articles(paths) if not isinstance(a, InputError)), limit)
    with open(out, "w", encoding="utf-8") as fh:
        for a in arts:
            fh.write(json.dumps({"text": a.text, "title": a.meta.title, "date": a.meta.date,
                                 "source": a.meta.source}) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("-a", "--analysers", help="Comma-separated analysers (default: the default pipeline).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--node-cores", type=int, default=16, help="Cores per node for the cluster estimate.")
    ap.add_argument("--limit", type=int, help="Only the first N articles (for slow pipelines).")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    paths = args.paths or [p for p in DEFAULT_PATHS if p.is_dir()]
    if not paths:
        sys.exit("no corpus: give paths, or put the shared data at ../shared/data")
    analysers = [a.strip() for a in args.analysers.split(",")] if args.analysers else None
    tmp = Path(tempfile.mkdtemp(prefix="slant-bench-"))
    if args.limit:
        paths = [subset(paths, args.limit, tmp / "subset.jsonl")]
    rows: list[tuple[str, int, float]] = []

    def row(name: str, n: int, secs: float) -> None:
        rows.append((name, n, secs))
        print(f"  {name:<22} {n:>6} articles {secs:>8.2f} s {n / secs:>9.1f} articles/s", flush=True)

    print(f"corpus: {', '.join(str(p) for p in paths)}\npipeline: {args.analysers or 'default'}; cores: {os.cpu_count()}")
    n, s = analyse_rate(paths, analysers)
    row("analyze", n, s)
    n, s = ingest_rate(paths, tmp / "a.db", analysers)
    row("ingest sqlite", n, s)
    n, s = store_rate(ANALYSED, tmp / "s.db")
    row("store only (sqlite)", n, s)
    n, s = ingest_rate(paths, tmp / "b.db", analysers, workers=args.workers)
    row(f"ingest local x{args.workers}", n, s)
    if not args.no_ray:
        try:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            import ray

            ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, configure_logging=False)
            n, s = ingest_rate(paths, tmp / "c.db", analysers, engine="ray", workers=args.workers)
            row(f"ingest ray x{args.workers}", n, s)
        except ImportError:
            print("  (ray not installed: pip install 'slant[scale]')")
    if not args.no_postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from _services import PgCluster, pg_unavailable

        reason = pg_unavailable()
        if reason:
            print(f"  (postgres skipped: {reason})")
        else:
            cluster = PgCluster()
            try:
                n, s = ingest_rate(paths, cluster.create_database("bench"), analysers)
                row("ingest postgres", n, s)
            finally:
                cluster.destroy()

    rate = {name: n / s for name, n, s in rows}
    print("\nratios (same run):")
    store_ratio = rate["ingest sqlite"] / rate["analyze"]
    print(f"  ingest sqlite / analyze      {store_ratio:.2f}   (target >= 0.90)")
    local = rate[f"ingest local x{args.workers}"]
    if f"ingest ray x{args.workers}" in rate:
        print(f"  ray x{args.workers} / local x{args.workers}          {rate[f'ingest ray x{args.workers}'] / local:.2f}   (target >= 0.80)")
    if "ingest postgres" in rate:
        print(f"  postgres / sqlite            {rate['ingest postgres'] / rate['ingest sqlite']:.2f}")

    # Cluster estimate: analysis scales with cores; the store is written by one driver, so its
    # per-article cost bounds the whole run unless results go to Parquet instead.
    analyse_ms = 1000 / rate["analyze"]
    store_ms = 1000 / rate["store only (sqlite)"]
    eff = rate.get(f"ingest ray x{args.workers}", local) / (args.workers * rate["analyze"])
    cores = 10 * args.node_cores
    analysis_per_hour = cores * 3600_000 / analyse_ms * min(eff, 1.0)
    store_per_hour = 3600_000 / store_ms
    print(f"\n10-node estimate ({args.node_cores} cores each): analysis {analyse_ms:.2f} ms/article/core, "
          f"store {store_ms:.2f} ms/article on the driver, parallel efficiency {eff:.2f} here")
    print(f"  analysis capacity {analysis_per_hour:,.0f} articles/h; one store writer {store_per_hour:,.0f} articles/h;"
          f" expected {min(analysis_per_hour, store_per_hour):,.0f} articles/h")


if __name__ == "__main__":
    main()
