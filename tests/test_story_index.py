"""The corpus's story index (slant.story_index): vectors kept in the store, the usearch file beside
it (built, reloaded, caught up, rebuilt), story groups at ingest (copy / retelling / same event,
earliest first), ``slant dupes`` and ``slant sources``, on SQLite and PostgreSQL.

Most tests ingest articles whose story vectors are set by a fixture analyser (``fixed_stories``,
below) from a line in their text, so the cosines are known exactly; the real ingest, store, linker
and index do the rest. One test runs the shipped stories analyser end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

import slant.ingest
from corpus_helpers import article_text, write_jsonl
from slant import registry
from slant.analysers.base import Analyser
from slant.article import StoryVector
from slant.errors import SlantError
from slant.ingest import ingest
from slant.store import open_store, schema
from slant.story_index import StoryIndex, index_path, nearest, pack_vector, stories, unpack_vector, vector_bytes

DIM = 32
THRESHOLDS = {"retelling": 0.8, "same_event": 0.5}


class FixedStories(Analyser):
    """Test fixture: the story vector is read off the text's first line, ``story A 0.95 7``: the
    unit vector at cosine 0.95 from story A's axis, turned towards a direction drawn with seed 7."""

    name = "fixed_stories"
    needs = ("text",)
    adds = ("story",)

    def pipe(self, articles, batch_size=32):  # noqa: ANN001, ANN201
        pause = float(os.environ.get("FIXED_STORIES_PAUSE", "0"))  # a slow model, for the kill test
        for art in articles:
            time.sleep(pause)
            _, story, cos, seed = art.text.split("\n", 1)[0].split()
            art.story = pack_vector(_vector(story, float(cos), int(seed)), "fixed@1")
            art.record("story", self.name, self.version, model="fixed@1")
            yield art


def _vector(story: str, cos: float, seed: int) -> np.ndarray:
    axis = np.zeros(DIM)
    axis[ord(story) - ord("A")] = 1.0
    noise = np.random.default_rng(seed).normal(size=DIM)
    noise -= (noise @ axis) * axis
    noise /= np.linalg.norm(noise)
    return cos * axis + np.sqrt(1 - cos * cos) * noise


@pytest.fixture
def fixed(monkeypatch, tmp_path):
    targets = {**registry._targets(), "fixed_stories": f"{__name__}:FixedStories"}
    monkeypatch.setattr(registry, "_targets", lambda: targets)
    monkeypatch.setattr(slant.ingest, "story_thresholds", lambda: dict(THRESHOLDS))
    monkeypatch.setenv("SLANT_INDEX_DIR", str(tmp_path / "index"))


def _rec(i: int, story: str, cos: float, date: str, text: str = "", source: str = "outlet") -> dict:
    body = text or f"Article {i} tells story {story} in its own words, sentence after sentence."
    return {"title": f"Article {i}", "text": f"story {story} {cos} {i}\n\n{body}", "date": date, "source": source}


def _ingest(db: str, recs: list[dict], tmp_path: Path, name: str, batch: int = 2):
    feed = write_jsonl(tmp_path / f"{name}.jsonl", recs)
    return ingest([feed], db, analysers=["fixed_stories"], batch_size=batch)


def _ids(db: str) -> dict[str, str]:
    a = schema.articles
    with open_store(db) as store, store.connect() as conn:
        return {r.title: r.id for r in conn.execute(select(a.c.id, a.c.title))}


def test_a_vector_survives_the_article_json_and_bad_bytes_are_refused():
    v = _vector("B", 0.9, 1)
    sv = pack_vector(v, "m@1")
    back = StoryVector(**json.loads(json.dumps({"model": sv.model, "dim": sv.dim, "vector": sv.vector})))
    assert np.allclose(unpack_vector(back), v, atol=2e-3)
    with pytest.raises(SlantError, match="bytes for 32 float16"):
        vector_bytes(StoryVector(model="m@1", dim=32, vector=sv.vector[:-8]))


def test_index_path_sits_beside_a_sqlite_file_and_in_the_cache_for_postgres(tmp_path, monkeypatch):
    monkeypatch.setenv("SLANT_INDEX_DIR", str(tmp_path / "idx"))
    assert index_path(f"sqlite:///{tmp_path}/c.db") == Path(f"{tmp_path}/c.db.stories.usearch")
    pg = index_path("postgresql+psycopg://me:secret@db.example/news")
    assert pg.parent == tmp_path / "idx" and pg.name.startswith("postgresql-news-") and "secret" not in pg.name


def test_ingest_groups_copies_retellings_and_same_events_earliest_first(db_url, tmp_path, fixed):
    body = article_text(5)
    recs = [
        _rec(1, "A", 0.97, "2020-09-21", source="politico"),  # the original
        _rec(2, "B", 0.97, "2020-09-20"),  # another story
        _rec(3, "A", 0.96, "2020-09-23", source="retold.example"),  # a retelling (cosine ~0.93 to 1)
        _rec(4, "A", 0.62, "2020-09-22"),  # same event, another story about it (cosine ~0.6)
        _rec(5, "C", 0.99, "2021-01-01", body),
        _rec(6, "C", 0.99, "2021-01-02", body + " One line added."),  # a MinHash copy of 5
        _rec(7, "D", 0.99, "2021-01-03"),
    ]
    _ingest(db_url, recs, tmp_path, "a")
    ids = _ids(db_url)
    with open_store(db_url) as store:
        found = {g.earliest.id: g for g in stories(store)}
        sv = schema.story_vectors
        with store.connect() as conn:
            rows = {r.article_id: r for r in conn.execute(select(sv))}
    a = found[ids["Article 1"]]
    assert [m.id for m in a.members] == [ids["Article 1"], ids["Article 3"]]  # by date; 4 is not a retelling
    assert [m.relation for m in a.members] == [None, "retelling"]
    assert rows[ids["Article 4"]].relation == "same event" and rows[ids["Article 4"]].story_group is None
    assert rows[ids["Article 4"]].nearest in (ids["Article 1"], ids["Article 3"])
    c = found[ids["Article 5"]]
    assert [m.relation for m in c.members] == [None, "copy"]
    assert len(found) == 2  # B and D are alone
    assert rows[ids["Article 7"]].nearest is None


def test_the_index_is_saved_reloaded_caught_up_and_rebuilt(db_url, tmp_path, fixed):
    first = [_rec(i, "AB"[i % 2], 0.9, f"2022-01-{i + 1:02d}") for i in range(6)]
    _ingest(db_url, first, tmp_path, "one")
    with open_store(db_url) as store:
        path = index_path(str(store.engine.url))
        assert path.is_file() and json.loads(path.with_name(path.name + ".json").read_text())["max_seq"] == 6
        idx = StoryIndex.open(store)
        assert len(idx) == 6 and idx.model == "fixed@1"
    # An index file left behind (a run killed before it saved): the next open catches up.
    shutil.copy(path, tmp_path / "old.usearch")
    shutil.copy(path.with_name(path.name + ".json"), tmp_path / "old.json")
    _ingest(db_url, [_rec(i, "C", 0.97, "2022-02-01") for i in range(10, 14)], tmp_path, "two")
    shutil.copy(tmp_path / "old.usearch", path)
    shutil.copy(tmp_path / "old.json", path.with_name(path.name + ".json"))
    with open_store(db_url) as store:
        idx = StoryIndex.open(store)
        assert len(idx) == 10 and idx.max_seq == 10  # the four missing keys added, none twice
        keys = sorted(int(k) for k in idx.index.keys)
        assert keys == list(range(1, 11))
    # A torn file: rebuilt from the table.
    path.write_bytes(b"not an index")
    with open_store(db_url) as store:
        idx = StoryIndex.open(store)
        assert len(idx) == 10
        ids = _ids(db_url)
        near = nearest(store, ids["Article 10"], k=3, index=idx, thresholds=THRESHOLDS)
    assert {n.id for n in near} == {ids[f"Article {i}"] for i in (11, 12, 13)}
    assert all(n.relation == "retelling" for n in near)


def test_a_reanalysed_article_gets_a_new_key_and_its_old_one_is_skipped(db_url, tmp_path, fixed):
    recs = [_rec(i, "A", 0.9, "2022-01-01") for i in range(3)]
    _ingest(db_url, recs, tmp_path, "one")
    feed = write_jsonl(tmp_path / "again.jsonl", recs)
    ingest([feed], db_url, analysers=["segment", "fixed_stories"], reanalyse=True)
    with open_store(db_url) as store:
        with store.connect() as conn:
            seqs = sorted(conn.execute(select(schema.story_vectors.c.seq)).scalars())
        assert seqs == [4, 5, 6]
        idx = StoryIndex.open(store)
        ids = _ids(db_url)
        near = nearest(store, ids["Article 0"], k=5, index=idx)
    assert sorted(n.id for n in near) == sorted([ids["Article 1"], ids["Article 2"]])  # no ghosts, no doubles


def test_cli_dupes_and_sources(tmp_path, fixed, capsys):
    from slant.cli import main

    db = str(tmp_path / "c.db")
    _ingest(db, [_rec(1, "A", 0.97, "2020-09-21"), _rec(2, "A", 0.97, "2020-09-25")], tmp_path, "a")
    capsys.readouterr()
    assert main(["dupes", "--db", db, "--kind", "stories"]) in (0, None)
    out = capsys.readouterr().out
    assert "1 story told more than once" in out and "earliest" in out and "retelling" in out
    ids = _ids(db)
    assert main(["dupes", "--db", db, "--like", ids["Article 1"]]) in (0, None)
    out = capsys.readouterr().out
    assert ids["Article 2"] in out and "retelling" in out
    assert main(["dupes", "--db", db, "--like", "nosuchid"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slant: error: article nosuchid has no story vector") and len(err.splitlines()) == 1
    assert main(["dupes", "--db", db, "--kind", "nonsense"]) == 2
    assert "--kind must be all, stories or copies" in capsys.readouterr().err
    assert main(["sources", "--db", db]) in (0, None)
    assert "no article attributes its story" in capsys.readouterr().out


_KILLABLE = """
import sys
sys.path.insert(0, {tests!r})
import test_story_index
from slant import registry
targets = {{**registry._targets(), "fixed_stories": "test_story_index:FixedStories"}}
registry._targets = lambda: targets
from slant.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigkill_mid_ingest_then_resume_leaves_each_vector_once_in_table_and_index(tmp_path, monkeypatch):
    from _services import wait_for

    monkeypatch.setenv("SLANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("FIXED_STORIES_PAUSE", "0.02")
    feed = write_jsonl(tmp_path / "feed.jsonl", [_rec(i, "ABCD"[i % 4], 0.95, "2022-03-01") for i in range(300)])
    db = tmp_path / "kill.db"
    script = _KILLABLE.format(tests=str(Path(__file__).resolve().parent))
    cmd = [sys.executable, "-c", script, "ingest", str(feed), "--db", str(db), "--batch-size", "4", "--no-progress",
           "-a", "fixed_stories"]

    def stored() -> int:
        import sqlite3

        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                return c.execute("SELECT count(*) FROM story_vectors").fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: stored() >= 60 or proc.poll() is not None, timeout=120, interval=0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert 0 < stored() < 300
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with open_store(db) as store:
        with store.connect() as conn:
            seqs = list(conn.execute(select(schema.story_vectors.c.seq)).scalars())
        idx = StoryIndex.open(store)
        keys = [int(k) for k in idx.index.keys]
        groups = stories(store)
    assert len(seqs) == len(set(seqs)) == 300
    assert sorted(keys) == sorted(seqs)  # nothing lost, nothing twice
    assert sorted(len(g.members) for g in groups) == [75, 75, 75, 75]  # four stories, whatever the kill split


def test_outlets_an_article_retells():
    from slant.sources import outlet_of

    assert outlet_of("Politico") == "Politico"
    assert outlet_of("Politico experts") == "Politico"
    assert outlet_of("the Reuters news agency") == "Reuters"
    assert outlet_of("RFE/RL") == "Radio Free Europe/Radio Liberty"
    assert outlet_of("NATO") is None and outlet_of("Svetlana Tikhanovskaya") is None and outlet_of(None) is None


def test_the_shipped_pipeline_groups_the_sample_with_the_text_it_retells(tmp_path, shared_example, monkeypatch):
    """The sample (a Russian site's retelling of a Politico piece) and an English text written in
    the manner of that piece are one story; an unrelated article is not in it; the sample says it
    retells Politico."""
    from typer.testing import CliRunner

    from slant.cli import app
    from slant.sources import sources as list_sources

    fixtures = Path(__file__).resolve().parent / "fixtures" / "stories"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(shared_example, folder / "sample.txt")
    shutil.copy(fixtures / "belarus-analysis-en.txt", folder / "analysis.txt")
    shutil.copy(Path(__file__).resolve().parents[1] / "examples" / "harbour-deal-2023.txt", folder / "harbour.txt")
    db = str(tmp_path / "c.db")
    ingest([folder], db, analysers=["segment", "stories", "entities", "actors", "quotes"])
    with open_store(db) as store:
        told = stories(store)
        with store.connect() as conn:
            n = conn.execute(select(func.count()).select_from(schema.story_vectors)).scalar_one()
        outlets = list_sources(store)
    assert n == 3
    assert len(told) == 1
    paths = {m.title for m in told[0].members}
    assert len(told[0].members) == 2 and not any("harbour" in (t or "").lower() for t in paths)
    assert [s.outlet for s in outlets] == ["Politico"]
    run = CliRunner().invoke(app, ["sources", "--db", db, "-f", "json"])
    assert run.exit_code == 0 and json.loads(run.output)[0]["outlet"] == "Politico"
