"""The story index at corpus scale: ingest with retellings known in advance, a kill and a resume, and
the index grown to a million entries, on SQLite and PostgreSQL.

    python bench/stories_scale.py corpus  --articles 10000 [--out runs/scale/corpus.jsonl]
    python bench/stories_scale.py ingest  [--engine local|ray] [--workers 2] [--kill-at 0.3] [--limit N]
    python bench/stories_scale.py overhead [--articles 300]
    python bench/stories_scale.py index   [--sizes 1000,10000,100000,1000000] [--stores sqlite,postgres]

corpus: real articles of ../shared/data (SemEval-2023 Task 3 in nine languages, SemEval-2025 Task 10
in five, PTC) and rewrites made from some of them by deleting, shuffling and substituting sentences
(substitutes come from other articles), plus SemEval-2022 Task 8's article texts; so which article
retells which is known; written as JSONL
with each record's url naming it (``bench://orig/17``, ``bench://rewrite/17/2``).

ingest: ``slant ingest`` of that corpus (analysers ``segment,techniques,stories`` by default: the
encoder pass, which dominates, and the story vector), SIGKILLed once ``--kill-at`` of it is stored,
then run again to the end; reports articles/s over both runs, the peak memory of the ingest
processes, that every article and vector is stored once and the index file holds every key once,
and the recall of known retellings: a rewrite counts as found when the index puts its original
among its 10 nearest stories, and as grouped when ingest put both in one story group.

overhead: what the story index adds to an ingest, batch by batch in one process: the analysis an
ingest runs anyway (``segment,techniques``), the stories analyser on the same Articles, the linking
and the index update; the ratio of the first to the sum (target: at least 0.9).

index: vectors derived from real ones (each stored vector of the ingest database plus Gaussian noise,
renormalised), written into a fresh store's ``story_vectors`` table up to each size, then the index
built from the table as ``slant`` builds it (``StoryIndex.open`` with no file), its file size, and the
latency of nearest-story queries (the 10 nearest of a perturbed real vector) with their recall@10
against an exact scan.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RUNS = ROOT / "runs" / "scale"
SOURCES = [
    *sorted((SHARED / "semeval2023-task3").glob("*/train-articles-subtask-1")),
    *sorted((SHARED / "semeval2023-task3").glob("*/dev-articles-subtask-1")),
    *sorted((SHARED / "semeval2023-task3").glob("*/test-articles-subtask-1")),
    *sorted((SHARED / "semeval2025-task10").glob("*/*/raw-documents")),
    SHARED / "ptc-semeval2020" / "articles",
]
_SENT = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _originals(limit: int, seed: int) -> list[tuple[str, str]]:
    """(name, text) of distinct real articles of at least 400 characters, shuffled."""
    seen, out = set(), []
    for folder in SOURCES:
        for f in sorted(folder.glob("*.txt")):
            text = f.read_text("utf-8", errors="replace").strip()
            key = text[:2000]
            if len(text) < 400 or key in seen:
                continue
            seen.add(key)
            out.append((f"{folder.parent.name}/{f.stem}", text))
    pairs = SHARED / "semeval2022-task8" / "train.jsonl"
    if pairs.is_file():
        for line in pairs.open(encoding="utf-8"):
            row = json.loads(line)
            for k in ("1", "2"):
                text = ((row.get(f"title{k}") or "") + "\n\n" + (row.get(f"text{k}") or "")).strip()
                key = text[:2000]
                if len(text) < 400 or key in seen:
                    continue
                seen.add(key)
                out.append((f"semeval2022-{row.get(f'lang{k}')}/{row['pair_id']}-{k}", text))
    random.Random(seed).shuffle(out)
    return out[:limit]


def rewrite(text: str, donor: str, rng: random.Random) -> str:
    """A retelling made by hand: about a quarter of the sentences deleted, neighbours swapped, and a
    few sentences replaced by sentences of another article."""
    paras = [p for p in text.split("\n") if p.strip()]
    title, body = paras[0], paras[1:] or [paras[0]]
    sents = [s for p in body for s in _SENT.split(p) if s.strip()]
    other = [s for s in _SENT.split(donor.replace("\n", " ")) if len(s) > 30]
    kept = [s for s in sents if rng.random() > 0.25] or sents[:1]
    for i in range(len(kept) - 1):
        if rng.random() < 0.2:
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
    for i in range(len(kept)):
        if other and rng.random() < 0.15:
            kept[i] = rng.choice(other)
    paras_out, step = [], max(2, len(kept) // max(len(body), 1))
    for i in range(0, len(kept), step):
        paras_out.append(" ".join(kept[i:i + step]))
    return "\n\n".join([title, *paras_out])


def cmd_corpus(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    n_rewrites = int(args.articles * args.rewrites)
    originals = _originals(args.articles - n_rewrites, args.seed)
    if len(originals) < args.articles - n_rewrites:  # fewer real articles than asked: more rewrites
        n_rewrites = args.articles - len(originals)
        if n_rewrites > 2 * len(originals):
            sys.exit(f"only {len(originals)} distinct articles under {SHARED}; ask for fewer")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for i, (name, text) in enumerate(originals):
            day = 1 + i % 28
            fh.write(json.dumps({"text": text, "url": f"bench://orig/{i}", "source": name.split("/")[0],
                                 "date": f"2022-01-{day:02d}"}) + "\n")
        for j in range(n_rewrites):
            i = rng.randrange(len(originals))
            donor = originals[rng.randrange(len(originals))][1]
            fh.write(json.dumps({"text": rewrite(originals[i][1], donor, rng), "url": f"bench://rewrite/{i}/{j}",
                                 "source": "rewriter", "date": "2022-02-15"}) + "\n")
    print(f"{out}: {len(originals)} originals + {n_rewrites} rewrites")


def _count(db: Path, table: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _slant(*args: str) -> list[str]:
    return [sys.executable, "-m", "slant.cli", *args]


def cmd_ingest(args: argparse.Namespace) -> None:
    corpus = Path(args.corpus)
    if args.limit:
        lines = corpus.read_text("utf-8").splitlines()
        keep = [ln for ln in lines if "bench://orig/" in ln][: int(args.limit * (1 - 0.3))]
        ids = {json.loads(ln)["url"].split("/")[3] for ln in keep}
        keep += [ln for ln in lines if "bench://rewrite/" in ln and json.loads(ln)["url"].split("/")[3] in ids]
        corpus = RUNS / f"corpus-{args.limit}.jsonl"
        corpus.write_text("\n".join(keep[: args.limit]) + "\n", "utf-8")
    total = sum(1 for _ in corpus.open("rb"))
    work = Path(args.db_dir or tempfile.mkdtemp(prefix="slant-scale-"))
    db = work / f"scale-{args.engine}.db"
    if args.report_only:
        _report(args, db, total, None, None, None)
        return
    for f in work.glob(db.name + "*"):
        f.unlink()
    cmd = _slant("ingest", str(corpus), "--db", str(db), "--engine", args.engine, "-w", str(args.workers),
                 "--batch-size", str(args.batch_size), "--no-progress", "-a", args.analysers)
    env = {**os.environ, "SLANT_INDEX_DIR": str(work)}
    started = time.perf_counter()
    killed_at = None
    if args.kill_at:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and _count(db, "story_vectors") < args.kill_at * total:
            time.sleep(0.2)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = _count(db, "story_vectors")
        proc.wait()
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if rerun.returncode != 0:
        sys.exit(f"ingest failed: {rerun.stderr.strip()}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    _report(args, db, total, killed_at, seconds, peak_mb)
    if not args.db_dir:
        shutil.rmtree(work, ignore_errors=True)


def _report(args: argparse.Namespace, db: Path, total: int, killed_at: int | None, seconds: float | None,
            peak_mb: float | None) -> None:
    from sqlalchemy import select

    from slant.store import open_store, schema
    from slant.story_index import StoryIndex, stories

    os.environ["SLANT_INDEX_DIR"] = str(db.parent)
    with open_store(db) as store:
        a, t = schema.articles, schema.story_vectors
        with store.connect() as conn:
            urls = dict(conn.execute(select(a.c.id, a.c.url)).all())
            seqs = dict(conn.execute(select(t.c.article_id, t.c.seq)).all())
            group = dict(conn.execute(select(t.c.article_id, t.c.story_group)).all())
            links = conn.execute(select(t.c.article_id, t.c.nearest, t.c.relation)
                                 .where(t.c.relation.in_(["copy", "retelling"]))).all()
        index = StoryIndex.open(store)
        keys = [int(k) for k in index.index.keys]
        n_groups = len(stories(store))
        by_url = {u: i for i, u in urls.items()}
        found = grouped = n = 0
        vec_of = {}
        with store.connect() as conn:
            for aid, raw in conn.execute(select(t.c.article_id, t.c.vector)):
                vec_of[aid] = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        seq_to_id = {s: i for i, s in seqs.items()}
        for aid, url in urls.items():
            if not url.startswith("bench://rewrite/"):
                continue
            orig = by_url.get(f"bench://orig/{url.split('/')[3]}")
            if orig is None or aid not in vec_of:
                continue
            n += 1
            near = {seq_to_id.get(h.seq) for h in index.search(vec_of[aid], 11)}
            found += orig in near
            grouped += group.get(aid) is not None and group.get(aid) == group.get(orig)
    def family(aid: str) -> str:  # the original an article is or retells
        return urls.get(aid, "").split("/")[3] if urls.get(aid, "").startswith("bench://") else aid

    right = sum(family(x) == family(y) for x, y, _ in links)
    print(f"engine {args.engine} x{args.workers}, analysers {args.analysers}, {total} articles "
          f"({n} rewrites of stored originals)")
    if killed_at is not None:
        print(f"  killed with {killed_at} vectors stored, then resumed")
    print(f"  {len(urls)} articles stored ({len(set(urls))} distinct), {len(seqs)} vectors, index keys "
          f"{len(keys)} ({len(set(keys))} distinct, equal to the table: {sorted(keys) == sorted(seqs.values())})")
    if seconds:
        print(f"  {total / seconds:.2f} articles/s over both runs ({seconds:.0f} s, model loading included); "
              f"peak memory of one ingest process {peak_mb:.0f} MB")
    print(f"  retellings found among the 10 nearest: {found}/{n} = {found / max(n, 1):.3f}; "
          f"grouped with their original: {grouped}/{n} = {grouped / max(n, 1):.3f}; {n_groups} story groups")
    print(f"  links made at ingest (copy or retelling): {len(links)}, to the article's own original or a "
          f"sibling rewrite: {right} = {right / max(len(links), 1):.3f} (precision)")


def cmd_overhead(args: argparse.Namespace) -> None:
    """What the story index adds to an ingest, batch by batch in one process (so both sides see the
    same load): the analysis an ingest runs anyway (``segment,techniques``: the encoder pass), then
    the stories analyser on the same Articles (the vector from the states already there), then the
    linking at ingest (index queries, neighbours looked up in the store) and the index update."""
    import slant
    from slant.errors import InputError
    from slant.readers import iter_articles
    from slant.store import open_store
    from slant.story_index import StoryLinker, thresholds, vector_bytes

    lines = [ln for ln in Path(args.corpus).read_text("utf-8").splitlines() if ln][: args.articles]
    feed = RUNS / f"overhead-{args.articles}.jsonl"
    feed.write_text("\n".join(lines) + "\n", "utf-8")
    arts = [a for a in iter_articles([feed]) if not isinstance(a, InputError)]
    base = slant.load(analysers=["segment", "techniques"])
    base.load()
    from slant.analysers.stories import Stories

    stories = Stories()
    stories.load()
    times = {"analysis": 0.0, "vector": 0.0, "link": 0.0}
    with tempfile.TemporaryDirectory() as work:
        os.environ["SLANT_INDEX_DIR"] = work
        with open_store(Path(work) / "o.db") as store:
            linker = StoryLinker(store, thresholds(), path=None)
            seq = 0
            for lo in range(0, len(arts), 16):
                batch = arts[lo:lo + 16]
                t0 = time.perf_counter()
                batch = list(base.pipe(batch))
                t1 = time.perf_counter()
                batch = list(stories.pipe(batch))
                t2 = time.perf_counter()
                linker.link(batch, {})
                keys = np.arange(seq + 1, seq + 1 + len(batch), dtype=np.uint64)
                seq += len(batch)
                linker.stored(keys, np.stack([np.frombuffer(vector_bytes(a.story), dtype="<f2") for a in batch]))
                t3 = time.perf_counter()
                times["analysis"] += t1 - t0
                times["vector"] += t2 - t1
                times["link"] += t3 - t2
    n = len(arts)
    for k, v in times.items():
        print(f"  {k:9s} {1000 * v / n:8.1f} ms an article")
    total = sum(times.values())
    print(f"ingest with story similarity / without: {times['analysis'] / total:.3f} (target >= 0.9; {n} articles; "
          f"the store's own writes, about 3 ms an article on both sides, left out)")


def _perturbed(base: np.ndarray, n: int, rng: np.random.Generator, sigma: float) -> np.ndarray:
    idx = rng.integers(0, len(base), n)
    v = base[idx] + rng.normal(scale=sigma, size=(n, base.shape[1])).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def cmd_index(args: argparse.Namespace) -> None:
    from sqlalchemy import insert, select

    from slant.store import open_store, schema
    from slant.story_index import StoryIndex, index_path

    with open_store(args.source_db) as store, store.connect() as conn:
        t = schema.story_vectors
        rows = conn.execute(select(t.c.model, t.c.vector)).all()
    if not rows:
        sys.exit(f"{args.source_db}: no story vectors; run the ingest stage with --db-dir first")
    model = rows[0].model
    base = np.stack([np.frombuffer(r.vector, dtype="<f2").astype(np.float32) for r in rows])
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    queries = _perturbed(base, args.queries, rng, args.sigma)
    for kind in args.stores.split(","):
        cluster = None
        work = Path(tempfile.mkdtemp(prefix=f"slant-index-{kind}-"))
        if kind == "sqlite":
            url = str(work / "index.db")
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            from _services import PgCluster, pg_unavailable

            why = pg_unavailable()
            if why:
                print(f"postgres: skipped ({why})")
                continue
            cluster = PgCluster()
            url = cluster.create_database("scale")
        os.environ["SLANT_INDEX_DIR"] = str(work)
        try:
            with open_store(url) as store:
                a, t = schema.articles, schema.story_vectors
                have = 0
                all_vecs = np.zeros((0, base.shape[1]), np.float16)
                print(f"{kind}: size, rows written (s), index build from the table (s), file MB, "
                      f"query p50/p95 ms, recall@10")
                for size in sizes:
                    t0 = time.perf_counter()
                    new = _perturbed(base, size - have, rng, args.sigma).astype(np.float16)
                    for lo in range(0, len(new), 20_000):
                        chunk = new[lo:lo + 20_000]
                        ids = [f"x{have + lo + i:015d}" for i in range(len(chunk))]
                        with store.begin() as conn:
                            conn.execute(insert(a), [{"id": i, "n_chars": 0, "text": "", "article_json": "{}",
                                                      "pipeline": "bench", "stored_at": _NOW} for i in ids])
                            conn.execute(insert(t), [{"article_id": i, "model": model, "vector": v.tobytes()}
                                                     for i, v in zip(ids, chunk)])
                    write_s = time.perf_counter() - t0
                    all_vecs = np.concatenate([all_vecs, new])
                    have = size
                    path = index_path(str(store.engine.url))
                    for f in path.parent.glob(path.name + "*"):
                        f.unlink()
                    t0 = time.perf_counter()
                    index = StoryIndex.open(store, model)
                    build_s = time.perf_counter() - t0
                    mb = path.stat().st_size / 1e6
                    lat, hits = [], 0
                    for q in queries:
                        s = time.perf_counter()
                        got = index.search(q, 10)
                        lat.append((time.perf_counter() - s) * 1000)
                        exact = _exact(all_vecs, q, 10)
                        hits += len({h.seq - 1 for h in got} & set(exact.tolist()))
                    p50, p95 = np.percentile(lat, [50, 95])
                    print(f"  {size:>9,d}  {write_s:8.1f}  {build_s:8.1f}  {mb:8.1f}  {p50:6.2f} / {p95:6.2f}  "
                          f"{hits / (10 * len(queries)):.3f}", flush=True)
        finally:
            if cluster is not None:
                cluster.destroy()
            shutil.rmtree(work, ignore_errors=True)


def _exact(vecs: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    best = np.zeros(0, np.int64)
    best_s = np.zeros(0, np.float32)
    for lo in range(0, len(vecs), 200_000):
        s = vecs[lo:lo + 200_000].astype(np.float32) @ q
        best = np.concatenate([best, np.arange(lo, lo + len(s))])
        best_s = np.concatenate([best_s, s])
        top = np.argsort(-best_s)[:k]
        best, best_s = best[top], best_s[top]
    return best


_NOW = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="stage", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--articles", type=int, default=10_000)
    c.add_argument("--rewrites", type=float, default=0.3, help="share of the corpus that is rewrites")
    c.add_argument("--seed", type=int, default=2026)
    c.add_argument("--out", default=str(RUNS / "corpus.jsonl"))
    i = sub.add_parser("ingest")
    i.add_argument("--corpus", default=str(RUNS / "corpus.jsonl"))
    i.add_argument("--limit", type=int, default=None, help="a smaller corpus: originals first, their rewrites")
    i.add_argument("--engine", default="local")
    i.add_argument("--workers", type=int, default=1)
    i.add_argument("--batch-size", type=int, default=64)
    i.add_argument("--analysers", default="segment,techniques,stories")
    i.add_argument("--kill-at", type=float, default=0.3, help="SIGKILL once this share is stored (0: no kill)")
    i.add_argument("--db-dir", default=None, help="keep the database here (the index stage reads its vectors)")
    i.add_argument("--report-only", action="store_true", help="report on the database kept in --db-dir")
    o = sub.add_parser("overhead")
    o.add_argument("--corpus", default=str(RUNS / "corpus.jsonl"))
    o.add_argument("--articles", type=int, default=300)
    x = sub.add_parser("index")
    x.add_argument("--source-db", default=str(RUNS / "db" / "scale-local.db"))
    x.add_argument("--sizes", default="1000,10000,100000,1000000")
    x.add_argument("--stores", default="sqlite,postgres")
    x.add_argument("--queries", type=int, default=200)
    x.add_argument("--sigma", type=float, default=0.02, help="noise added to each coordinate of a real vector")
    args = p.parse_args()
    {"corpus": cmd_corpus, "ingest": cmd_ingest, "overhead": cmd_overhead, "index": cmd_index}[args.stage](args)


if __name__ == "__main__":
    main()
