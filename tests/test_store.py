"""The corpus store against real SQLite files and a real PostgreSQL cluster (tests/_services.py)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from sqlalchemy import select, text, update

from corpus_helpers import records, write_jsonl
from slant import load
from slant.article import Actor, Article, DocLabel, Meta, Mention, Quote, Relation, Span, TechniqueSpan
from slant.dupes import groups
from slant.export import export
from slant.ingest import ingest
from slant.readers import iter_articles
from slant.search import Filters, search
from slant.stats import plot, stats
from slant.store import BatchCounts, Pending, StoreError, open_store, schema


def slant_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slant.cli", *args], capture_output=True, text=True, timeout=300,
                          **kw)


def test_migrations_build_the_schema_and_reopen_is_a_no_op(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with open_store(db_url) as store:
        with store.connect() as conn:
            ctx = MigrationContext.configure(conn)
            assert ctx.get_current_revision() == schema.REVISION
            from alembic.config import Config
            from alembic.script import ScriptDirectory

            from slant.store import _MIGRATIONS

            cfg = Config()
            cfg.set_main_option("script_location", str(_MIGRATIONS))
            assert ScriptDirectory.from_config(cfg).get_current_head() == schema.REVISION
            # The migrated database has exactly the tables and columns of schema.py, plus the
            # full-text index (schema.SEARCH_DDL), which is not part of the metadata.
            diffs = [d for d in compare_metadata(ctx, schema.metadata)
                     if "articles_fts" not in repr(d) and "tsv" not in repr(d)]
            assert diffs == []
    with open_store(db_url) as store:  # second open: nothing to migrate, still empty
        assert store.count() == 0


def test_ingest_stores_each_article_once_and_records_runs(db_url, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", records(30) + records(3))  # 3 repeated records
    first = ingest([feed], db_url, batch_size=8)
    assert (first.read, first.stored, first.skipped, first.errors) == (33, 30, 3, [])
    second = ingest([feed], db_url, batch_size=8)
    assert (second.read, second.stored, second.skipped) == (33, 0, 33)
    with open_store(db_url) as store:
        assert store.count() == 30
        runs = store.runs()
        assert [(r["status"], r["read"], r["stored"], r["skipped"]) for r in runs] == [
            ("done", 33, 30, 3), ("done", 33, 0, 33)]
        assert runs[0]["pipeline"] == "segment@1" and runs[0]["finished_at"] >= runs[0]["started_at"]
        assert json.loads(runs[0]["config"])["pipeline"]["analysers"] == ["segment"]
        # What is stored is exactly what the pipeline makes of the article, whole.
        expected: dict[str, bytes] = {}
        for a in load().pipe(a for a in iter_articles([feed]) if isinstance(a, Article)):
            expected.setdefault(a.meta.id, a.to_json())  # the first of a repeated record is kept
        stored = {a.meta.id: a.to_json() for a in store.articles()}
        assert stored == expected


def test_bad_inputs_are_logged_counted_and_the_run_goes_on(db_url, tmp_path):
    good = tmp_path / "in"
    good.mkdir()
    (good / "ok.txt").write_text("A title\n\nThe harbour reopened on Monday after repairs.", "utf-8")
    (good / "empty.txt").write_bytes(b"")
    (good / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    feed = good / "feed.jsonl"
    feed.write_text(json.dumps(records(1)[0]) + "\n{not json\n" + json.dumps({"title": "no text"}) + "\n", "utf-8")
    result = ingest([good, tmp_path / "missing"], db_url)
    assert result.stored == 2
    sources = {s.rsplit("/", 1)[-1] for s, _ in result.errors}
    assert {"empty.txt", "binary.txt", "missing"} <= sources
    assert any(s.endswith("feed.jsonl:2") for s, _ in result.errors)
    with open_store(db_url) as store:
        logged = store.run_errors(result.run_id)
        assert logged == result.errors and all(reason for _, reason in logged)
        assert store.runs()[-1]["errors"] == len(result.errors)


def _layered_article(i: int, technique: str, frame: str, narrative: str, actor: str, role: str) -> Article:
    body = f"{actor} said the harbour deal was a betrayal. Critics called it a disgrace number {i}."
    art = Article(text=body, meta=Meta(title=f"Layered {i}", source="wire", date=f"2024-0{i}-10"))
    name_end = len(actor)
    art.paragraphs = [Span(start=0, end=len(body))]
    art.techniques = [TechniqueSpan(start=name_end + 6, end=name_end + 40, technique=technique, confidence=0.9,
                                    paragraph=0)]
    art.labels = [DocLabel(task="frames", label=frame, score=0.8),
                  DocLabel(task="narratives", label=narrative, score=0.7)]
    art.entities = [Mention(start=0, end=name_end, type="PERSON", actor=0)]
    art.actors = [Actor(id=0, name=actor, type="PERSON", role=role, fine_roles=["Instigator"])]
    art.quotes = [Quote(start=name_end + 6, end=name_end + 40, kind="indirect", speaker=0)]
    art.relations = [Relation(subject=0, predicate="say", object=0, predicate_span=Span(start=name_end + 1,
                                                                                       end=name_end + 5), sentence=0)]
    return art


def _store_articles(store, arts: list[Article]) -> None:
    run = store.begin_run(slant_version="test", pipeline="test@1", config={}, engine="local", workers=1, inputs=[])
    store.write_batch(run, [Pending(a, a.to_json().decode()) for a in arts], BatchCounts(read=len(arts),
                                                                                          stored=len(arts)), "test@1")


def test_flat_tables_filters_and_stats_follow_the_layers(db_url, tmp_path):
    arts = [
        _layered_article(1, "Loaded_Language", "Economic", "URW: Blaming the war on others", "Irena Koval", "Antagonist"),
        _layered_article(2, "Name_Calling-Labeling", "Political", "CC: Criticism of institutions", "Tomas Berg", "Protagonist"),
        _layered_article(3, "Loaded_Language", "Political", "URW: Blaming the war on others", "Tomas Berg", "Antagonist"),
    ]
    with open_store(db_url) as store:
        _store_articles(store, arts)
        with store.connect() as conn:
            assert conn.execute(select(schema.quotes.c.speaker)).scalars().all() == ["Irena Koval", "Tomas Berg", "Tomas Berg"]
            assert conn.execute(select(schema.actors.c.fine_roles)).scalars().all() == ["Instigator"] * 3
        ids = lambda hits: sorted(h.title for h in hits)  # noqa: E731
        assert ids(search(store, filters=Filters(technique="loaded"))) == ["Layered 1", "Layered 3"]
        assert ids(search(store, filters=Filters(frame="political"))) == ["Layered 2", "Layered 3"]
        assert ids(search(store, filters=Filters(narrative="blaming the war"))) == ["Layered 1", "Layered 3"]
        assert ids(search(store, filters=Filters(actor="koval"))) == ["Layered 1"]
        assert ids(search(store, filters=Filters(date_from="2024-02-01", date_to="2024-02-10"))) == ["Layered 2"]
        assert ids(search(store, "betrayal", Filters(technique="Name_Calling"))) == ["Layered 2"]
        assert stats(store, "technique").rows == [("Loaded_Language", 2, 2), ("Name_Calling-Labeling", 1, 1)]
        assert stats(store, "frame").rows == [("Political", 2), ("Economic", 1)]
        assert stats(store, "narrative").rows[0] == ("URW: Blaming the war on others", 2)
        assert stats(store, "actor-role").rows == [("Antagonist", 2, 2), ("Protagonist", 1, 1)]
        assert stats(store, "month").rows == [("2024-01", 1), ("2024-02", 1), ("2024-03", 1)]
        # how one actor is cast, month by month: its own roles only, not its articles' other actors
        berg = stats(store, "actor-role", filters=Filters(actor="berg"))
        assert berg.columns == ["month", "Protagonist", "Antagonist", "Innocent", "uncast", "Antagonist share"]
        assert berg.rows == [("2024-02", 1, 0, 0, 0, "0%"), ("2024-03", 0, 1, 0, 0, "100%")]
        assert stats(store, "technique", filters=Filters(frame="political")).rows == [
            ("Loaded_Language", 1, 1), ("Name_Calling-Labeling", 1, 1)]
        png = plot(stats(store, "technique"), tmp_path / "tech.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_full_text_search_ranks_and_filters(db_url, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", records(12) + [
        {"title": "Pipeline explosion", "text": "An explosion damaged the gas pipeline near the border. "
         "Engineers inspected the pipeline overnight.", "date": "2022-09-27", "source": "northern-post"},
        {"title": "Farm subsidies", "text": "The explosion of farm subsidies worried economists.",
         "date": "2022-10-02", "source": "daily-ledger"}])
    ingest([feed], db_url)
    with open_store(db_url) as store:
        hits = search(store, "explosion")
        assert [h.title for h in hits][:2] == ["Pipeline explosion", "Farm subsidies"] or \
            {h.title for h in hits} == {"Pipeline explosion", "Farm subsidies"}
        assert len(hits) == 2 and "[" in hits[0].snippet
        assert [h.title for h in search(store, "gas pipeline")] == ["Pipeline explosion"]
        assert [h.title for h in search(store, "explosion", Filters(source="daily-ledger"))] == ["Farm subsidies"]
        assert search(store, "explosion", Filters(date_to="2022-09-30"))[0].title == "Pipeline explosion"
        assert search(store, "nonexistentword") == []
        assert len(search(store, 'odd "quote ( chars', limit=5)) == 0  # no query-syntax error
        assert {h.source for h in search(store, filters=Filters(source="harbour-times"), limit=100)} == {"harbour-times"}


def test_reanalyse_replaces_layers_when_the_pipeline_changed(db_url, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", records(10))
    ingest([feed], db_url)
    with open_store(db_url) as store, store.begin() as conn:  # as if stored by an older pipeline
        conn.execute(update(schema.articles).values(pipeline="segment@0"))
    again = ingest([feed], db_url)
    assert (again.stored, again.updated, again.skipped) == (0, 0, 10)  # without --reanalyse: left alone
    redo = ingest([feed], db_url, reanalyse=True)
    assert (redo.stored, redo.updated, redo.skipped) == (0, 10, 0)
    with open_store(db_url) as store:
        assert store.count() == 10
        with store.connect() as conn:
            assert set(conn.execute(select(schema.articles.c.pipeline)).scalars()) == {"segment@1"}
        assert len(search(store, "minister OR harbour", limit=50)) >= 0
        assert len(search(store, "Story", limit=50)) == 10  # the full-text index was rebuilt, not doubled


def test_near_duplicates_are_grouped_with_the_earliest_article(db_url, tmp_path):
    from slant.dupes import shingle_hashes

    base = records(1)[0]["text"]
    sentences = base.split(". ")
    sentences[2] = "A spokesman declined to comment on the report"
    edited = ". ".join(sentences) + " Additional reporting by the regional desk."
    a, b = set(shingle_hashes(base)), set(shingle_hashes(edited))
    jaccard = len(a & b) / len(a | b)
    assert 0.75 < jaccard < 0.95  # a near-copy, not a copy
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"title": "Copy late", "text": edited, "date": "2023-05-03", "source": "daily-ledger"},
        {"title": "Original", "text": base, "date": "2023-05-01", "source": "harbour-times"},
        *records(8, start=100),
    ])
    result = ingest([feed], db_url)
    assert result.duplicates == 1
    with open_store(db_url) as store:
        found = groups(store)
    assert len(found) == 1
    group = found[0]
    assert group.earliest.title == "Original" and group.earliest.date == "2023-05-01"
    assert [m.title for m in group.members] == ["Original", "Copy late"]
    assert abs(group.members[1].similarity - jaccard) < 0.15  # the MinHash estimate of the true Jaccard


def test_export_formats_round_trip(db_url, tmp_path):
    import pyarrow.parquet as pq

    arts = [_layered_article(i, "Loaded_Language", "Political", "URW: Blaming the war on others", "Tomas Berg",
                             "Antagonist") for i in (1, 2)]
    with open_store(db_url) as store:
        _store_articles(store, arts)
        assert export(store, "jsonl", tmp_path / "a.jsonl") == 2
        back = [Article.from_json(line) for line in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
        assert [a.to_json() for a in back] == [a.to_json() for a in arts]
        assert export(store, "parquet", tmp_path / "a.parquet", query="disgrace", filters=Filters(date_to="2024-01-31")) == 1
        table = pq.read_table(tmp_path / "a.parquet").to_pylist()
        assert table[0]["title"] == "Layered 1" and table[0]["techniques"] == ["Loaded_Language"]
        assert Article.from_json(table[0]["article_json"]).to_json() == arts[0].to_json()
        assert export(store, "csv", tmp_path / "a.csv") == 2
        import csv

        rows = list(csv.DictReader(open(tmp_path / "a.csv", encoding="utf-8")))
        assert rows[0]["frames"] == "Political" and rows[0]["actors"] == "Tomas Berg (Antagonist)"
        assert export(store, "brat", tmp_path / "brat") == 2
        aid = arts[0].meta.id
        ann = (tmp_path / "brat" / f"{aid}.ann").read_text("utf-8").splitlines()
        txt = (tmp_path / "brat" / f"{aid}.txt").read_text("utf-8")
        for line in ann:
            if line.startswith("T"):
                _, kind_span, covered = line.split("\t")
                kind, start, end = kind_span.split(" ")
                assert txt[int(start):int(end)] == covered
        assert "Loaded_Language" in (tmp_path / "brat" / "annotation.conf").read_text("utf-8")
        assert export(store, "label-studio", tmp_path / "ls.json") == 2
        tasks = json.loads((tmp_path / "ls.json").read_text("utf-8"))
        for t in tasks:
            for r in t["predictions"][0]["result"]:
                if r["type"] == "labels":
                    assert t["data"]["text"][r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]


def test_cli_corpus_commands(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", records(20))
    db = str(tmp_path / "c.db")
    run = slant_cli("ingest", str(feed), "--db", db, "--no-progress", "-a", "segment")
    assert run.returncode == 0, run.stderr
    assert "20 read, 20 stored" in run.stderr
    found = slant_cli("search", "minister", "--db", db, "--format", "jsonl", "--source", "harbour-times")
    assert found.returncode == 0 and found.stdout
    assert {json.loads(line)["source"] for line in found.stdout.splitlines()} == {"harbour-times"}
    by = slant_cli("stats", "--by", "source", "--db", db, "--plot", str(tmp_path / "s.png"))
    assert by.returncode == 0 and "harbour-times" in by.stdout and (tmp_path / "s.png").stat().st_size > 1000
    out = slant_cli("export", "--format", "jsonl", "--db", db, "--from", "2023-06-01")
    assert out.returncode == 0
    assert all(json.loads(line)["meta"]["date"] >= "2023-06-01" for line in out.stdout.splitlines())
    bad = slant_cli("stats", "--by", "colour", "--db", db)
    assert bad.returncode != 0 and bad.stderr.strip().startswith("slant: error: stats --by 'colour'")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_read_only_sqlite_gives_one_line_and_writes_nothing(tmp_path):
    db = tmp_path / "ro.db"
    ingest([write_jsonl(tmp_path / "a.jsonl", records(5))], str(db))
    before = db.read_bytes()
    os.chmod(db, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        run = slant_cli("ingest", str(write_jsonl(tmp_path / "b.jsonl", records(5, start=50))), "--db", str(db),
                        "--no-progress")
        assert run.returncode != 0
        lines = run.stderr.strip().splitlines()
        assert lines == [f"slant: error: {db}: database is read-only"], run.stderr
        assert db.read_bytes() == before
        # Reading a read-only store still works.
        with open_store(db) as store:
            assert store.count() == 5 and len(store.runs()) == 1
    finally:
        os.chmod(db, stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.postgres
def test_stopped_postgres_gives_one_line_and_writes_nothing(pg_cluster, tmp_path):
    url = pg_cluster.create_database("stopped_test")
    ingest([write_jsonl(tmp_path / "a.jsonl", records(5))], url)
    pg_cluster.stop()
    try:
        run = slant_cli("ingest", str(write_jsonl(tmp_path / "b.jsonl", records(5, start=50))), "--db",
                        url.replace("postgresql+psycopg://", "postgresql://"), "--no-progress")
    finally:
        pg_cluster.start()
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slant: error: postgresql"), run.stderr
    assert "cannot connect to the database server (is it running?)" in lines[0]
    with open_store(url) as store:
        assert store.count() == 5 and len(store.runs()) == 1


def test_store_errors_name_the_database(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "dir.db")
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://localhost/x")
    with open_store(tmp_path / "x.db") as store, store.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_chart_labels_keep_both_ends_of_a_long_name():
    from slant.stats import _short

    narrative = "URW: Discrediting the West, Diplomacy"
    sub = narrative + ": The West does not care about Ukraine, only about its interests"
    assert _short(narrative) == narrative
    short = _short(sub)
    assert len(short) <= 48 and short.startswith("URW: Discrediting") and short.endswith("its interests")
    head, tail = short.split("…")
    assert sub.startswith(head) and sub.endswith(tail)  # whole words at both ends
    assert sub[len(head)] == " " and sub[len(sub) - len(tail) - 1] == " "


# --- runs that died ------------------------------------------------------------------------------
# A process that begins a run and is then killed, as ``kill -9`` or the out-of-memory killer would.
_KILLED_RUN = """
import os, signal, sys
from slant.store import open_store
store = open_store(sys.argv[1])
print(store.begin_run(slant_version="test", pipeline="p", config={}, engine="local", workers=1, inputs=[]),
      flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _begin(store) -> int:  # noqa: ANN001
    return store.begin_run(slant_version="test", pipeline="p", config={}, engine="local", workers=1, inputs=[])


def test_a_run_whose_process_was_killed_is_marked_interrupted_by_the_next_run(db_url):
    import signal

    killed = subprocess.run([sys.executable, "-c", _KILLED_RUN, db_url], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    run_id = int(killed.stdout)
    with open_store(db_url) as store:
        assert store.run(run_id)["status"] == "running"  # nothing has looked at it yet
        live = _begin(store)  # the next run: finds the dead one
        dead = store.run(run_id)
        assert dead["status"] == "interrupted" and dead["finished_at"] == dead["heartbeat_at"]
        assert store.run(live)["status"] == "running"  # this process is alive: its run is left alone
        assert store.mark_dead_runs() == []
        store.finish_run(live)
        assert [r["status"] for r in store.runs()] == ["interrupted", "done"]


def test_a_run_on_another_host_is_judged_by_its_heartbeat(db_url):
    from datetime import datetime, timedelta, timezone

    from slant.store import STALE_AFTER

    with open_store(db_url) as store:
        quiet, beating = _begin(store), _begin(store)
        now = datetime.now(timezone.utc)
        r = schema.runs
        with store.begin() as conn:  # two runs of a machine this one cannot see into
            conn.execute(update(r).where(r.c.id == quiet).values(
                host="other-machine", pid=1, heartbeat_at=now - STALE_AFTER - timedelta(minutes=1)))
            conn.execute(update(r).where(r.c.id == beating).values(
                host="other-machine", pid=1, heartbeat_at=now - timedelta(minutes=1)))
        assert store.mark_dead_runs() == [quiet]
        assert store.run(beating)["status"] == "running"
        store.heartbeat(beating)
        assert store.mark_dead_runs(now + STALE_AFTER - timedelta(seconds=30)) == []  # it beat again


def test_an_ingest_beats_while_it_runs(db_url, monkeypatch):
    import time

    import slant.ingest

    monkeypatch.setattr(slant.ingest, "HEARTBEAT_SECONDS", 0.05)  # the interval, shortened for the test
    with open_store(db_url) as store:
        run_id = _begin(store)
        first = store.run(run_id)["heartbeat_at"]
        beat = slant.ingest._Heartbeat(store, run_id)
        try:
            time.sleep(0.5)
        finally:
            beat.stop()
        assert store.run(run_id)["heartbeat_at"] > first


def test_a_store_from_before_run_liveness_gains_it_and_its_old_running_run_is_interrupted(db_url):
    from datetime import datetime, timedelta, timezone

    with open_store(db_url) as store, store.begin() as conn:  # make it a revision-0002 store
        for col in ("host", "pid", "heartbeat_at"):
            conn.execute(text(f"ALTER TABLE runs DROP COLUMN {col}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0002_llm_cache'"))
        conn.execute(text("INSERT INTO runs (started_at, status, slant_version, pipeline, config, engine, workers, "
                          "inputs, read, stored, updated, skipped, duplicates, errors) VALUES "
                          "(:t, 'running', 'old', 'p', '{}', 'local', 1, '[]', 0, 0, 0, 0, 0, 0)"),
                     {"t": datetime.now(timezone.utc) - timedelta(days=2)})
    with open_store(db_url) as store:
        with store.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.REVISION
        _begin(store)
        old, new = store.runs()
        assert (old["status"], old["host"], new["status"]) == ("interrupted", None, "running")
