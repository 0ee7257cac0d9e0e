"""Ingest under faults and at scale: SIGKILL in the middle and resume; local processes and Ray give
the same store as analysing in one process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import select

from _services import wait_for
from corpus_helpers import records, write_jsonl
from slant.ingest import ingest
from slant.store import open_store, schema


def _stored(db) -> dict[str, tuple]:  # noqa: ANN001
    """Every stored article: JSON, pipeline, near-duplicate group."""
    a = schema.articles
    with open_store(db) as store, store.connect() as conn:
        rows = conn.execute(select(a.c.id, a.c.article_json, a.c.pipeline, a.c.dupe_group, a.c.minhash))
        return {r.id: (r.article_json, r.pipeline, r.dupe_group, r.minhash) for r in rows}


def _count(db) -> int:  # noqa: ANN001
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_sigkill_in_the_middle_then_resume_stores_each_article_exactly_once(tmp_path):
    recs = records(500)
    feed = write_jsonl(tmp_path / "feed.jsonl", recs)
    db = tmp_path / "kill.db"
    cmd = [sys.executable, "-m", "slant.cli", "ingest", str(feed), "--db", str(db), "--batch-size", "4",
           "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: _count(db) >= 40 or proc.poll() is not None, timeout=120, interval=0.002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    partial = _count(db)
    assert 0 < partial < 500
    assert partial % 4 == 0  # whole batches only: each batch is one transaction

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with open_store(db) as store:
        ids = store.ids()
        runs = store.runs()
    assert len(ids) == len(set(ids)) == 500
    from slant.article import content_id

    assert set(ids) == {content_id(r["text"]) for r in recs}
    # The killed run could not record its end; the rerun found its process gone and marked it, with
    # its last sign of life (its last batch) as the time it ended.
    assert runs[0]["status"] == "interrupted"
    assert runs[0]["started_at"] <= runs[0]["finished_at"] == runs[0]["heartbeat_at"] <= runs[1]["started_at"]
    assert runs[0]["stored"] == partial  # its counts were committed with its batches
    assert (runs[1]["status"], runs[1]["stored"], runs[1]["skipped"]) == ("done", 500 - partial, partial)


def _corpus(tmp_path):
    # Near-duplicates included, so the groups are compared too.
    recs = records(60)
    recs.append({**recs[3], "text": recs[3]["text"] + " Updated with reaction from the ministry.",
                 "source": "daily-ledger"})
    return write_jsonl(tmp_path / "feed.jsonl", recs)


def test_local_processes_give_the_same_store_as_one_process(tmp_path):
    feed = _corpus(tmp_path)
    one = ingest([feed], tmp_path / "one.db", batch_size=8)
    two = ingest([feed], tmp_path / "two.db", batch_size=8, workers=2)
    assert (one.stored, two.stored) == (61, 61)
    assert one.duplicates == two.duplicates == 1
    assert _stored(tmp_path / "one.db") == _stored(tmp_path / "two.db")


@pytest.mark.ray
def test_ray_engine_gives_the_same_store_as_local(ray_cluster, tmp_path):
    feed = _corpus(tmp_path)
    local = ingest([feed], tmp_path / "local.db", batch_size=8)
    on_ray = ingest([feed], tmp_path / "ray.db", batch_size=8, engine="ray", workers=2)
    assert (on_ray.read, on_ray.stored, on_ray.duplicates) == (local.read, local.stored, local.duplicates)
    assert _stored(tmp_path / "ray.db") == _stored(tmp_path / "local.db")
    with open_store(tmp_path / "ray.db") as store:
        assert store.runs()[0]["engine"] == "ray"
    again = ingest([feed], tmp_path / "ray.db", batch_size=8, engine="ray", workers=2)
    assert (again.stored, again.skipped) == (0, 61)


@pytest.mark.postgres
def test_postgres_stopped_mid_run_leaves_whole_batches_only(pg_cluster, tmp_path):
    import psycopg

    url = pg_cluster.create_database("midrun_test")
    feed = write_jsonl(tmp_path / "feed.jsonl", records(500))
    dsn = f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=midrun_test"

    def count() -> int:
        try:
            with psycopg.connect(dsn, connect_timeout=2) as c:
                return c.execute("SELECT count(*) FROM articles").fetchone()[0]
        except psycopg.Error:
            return 0

    cmd = [sys.executable, "-m", "slant.cli", "ingest", str(feed), "--db", url, "--batch-size", "4", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: count() >= 20 or proc.poll() is not None, timeout=120, interval=0.01)
        pg_cluster._run("pg_ctl", "stop", "-D", str(pg_cluster.data), "-w", "-m", "immediate")
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        pg_cluster.start()
    assert proc.returncode not in (0, None), "the run finished before the server was stopped"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slant: error: postgresql"), err
    with open_store(url) as store:
        stored = store.count()
        run = store.runs()[0]
    assert 0 < stored < 500 and stored % 4 == 0  # whole batches only
    assert run["stored"] == stored  # the run's counts were committed with the batches


@pytest.mark.parametrize("rows,workers,batch", [(60, 2, 32), (1118, 2, 32), (3, 2, 32), (1, 4, 64), (4096, 8, 64)])
def test_ray_blocks_keep_every_actor_busy(rows, workers, batch):
    from slant.engines import plan_blocks

    blocks, per_block = plan_blocks(rows, workers, batch)
    assert per_block <= batch and blocks * per_block >= rows  # no block over a batch, every row placed
    assert blocks >= min(rows, 2 * workers)  # two blocks per actor when there are rows enough
    assert (blocks - 1) * per_block < rows  # no empty block


def test_a_worker_gets_its_share_of_the_cores_for_onnx_and_blas(tmp_path):
    """A pool worker's encoder sessions and numpy's BLAS both keep to the worker's share of the
    cores (checked in a fresh process, as a pool worker starts)."""
    code = (
        "import os, numpy\n"
        "os.environ.pop('SLANT_THREADS', None)\n"
        "from threadpoolctl import threadpool_info\n"
        "from slant import engines\n"
        "engines._threads_per_worker(1.0)\n"
        "blas = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print(os.environ['SLANT_THREADS'], blas)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "1"
    assert "".join(out[1:]) == "[1]"
