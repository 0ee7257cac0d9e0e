"""A real ``slant serve`` for the web tests: a uvicorn process on a free loopback port, over a small
corpus stored by ``slant.ingest``, and Debian's Chromium driven by Playwright.

Everything here is real: the server is started as the ``slant serve`` command, the store is a
SQLite file, the browser is /usr/bin/chromium. Screenshots go to test-output/web/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "harbour-deal-2023.txt"
CHROMIUM = "/usr/bin/chromium"
ANALYSERS = "segment,techniques,entities,actors,quotes,relations"
INGEST_ANALYSERS = ANALYSERS + ",stories"  # the corpus keeps story vectors: stories, nearest
SHOTS = ROOT / "test-output" / "web"

# An article built to attack the page: markup in the title and the text must show as text.
XSS_TITLE = 'Harbour <script>window.__pwned = "title"</script> report'
XSS_TEXT = (
    'Officials said <script>window.__pwned = "script"</script> nothing.\n\n'
    'The minister <img src=x onerror="window.__pwned = \'img\'"> called critics traitors and liars. '
    '"We are "><svg onload="window.__pwned = \'svg\'"> proud," she said.'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 240, headers: dict | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not come up")


@dataclass
class Served:
    url: str
    proc: subprocess.Popen

    def wait(self, timeout: float = 240, headers: dict | None = None) -> str:
        wait_up(self.url, self.proc, timeout, headers)
        return self.url


@contextmanager
def slant_serve(*args: str) -> Iterator[Served]:
    """The ``slant serve ARGS`` command on a free loopback port (``$SLANT_TOKEN`` unset), stopped
    at the end. It loads its models while the caller goes on; ``.wait()`` blocks until it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SLANT_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "slant.cli", "serve", "--port", str(port), *args], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield Served(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def in_thread(app) -> Iterator[str]:  # noqa: ANN001 - a FastAPI app
    """``app`` served by uvicorn in a thread of this process, on a free port; yields its URL."""
    import threading

    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{srv.config.port}"
    finally:
        srv.should_exit = True
        t.join(10)


def corpus_records() -> list[dict]:
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus_helpers import records

    recs = records(8)
    sample = SAMPLE.read_text("utf-8")
    recs.append({"title": "Why does Brussels pretend the Varnia harbour deal is a triumph?", "text": sample,
                 "date": "2023-03-14", "source": "selka-observer"})
    # A retelling: the same story lightly edited by another outlet (a near-duplicate group).
    recs.append({"title": "Varnia harbour deal: a triumph?", "text": sample.replace("third week", "fourth week")
                 .replace("Monday", "Tuesday"), "date": "2023-03-15", "source": "northern-post"})
    recs.append({"title": XSS_TITLE, "text": XSS_TEXT, "date": "2023-04-01", "source": "harbour-times"})
    return recs


def add_labels(db: Path) -> None:
    """Give the stored sample document labels and sentence scores, as the genre, frames, narratives
    and subjectivity analysers would (their models are not part of these tests), through the store."""
    from slant.article import DocLabel, SentenceScore, Span
    from slant.store import BatchCounts, Pending, open_store

    with open_store(db) as store:
        art = next(a for a in list(store.articles()) if a.meta.source == "selka-observer")
        s = art.sentences
        art.labels = [
            DocLabel(task="genre", label="opinion", score=0.91, evidence=[Span(start=s[3].start, end=s[3].end)]),
            DocLabel(task="frames", label="Political", score=0.74, evidence=[Span(start=s[6].start, end=s[6].end)]),
            DocLabel(task="narratives", label="EU betrays the nation", score=0.66,
                     evidence=[Span(start=s[-1].start, end=s[-1].end)]),
            DocLabel(task="frames", label="Economic", score=0.58, paragraph=2),
            # Long names, as the SemEval labels are: humanised on the page, fitted in the charts.
            DocLabel(task="frames", label="Legality_Constitutionality_and_jurisprudence", score=0.52,
                     evidence=[Span(start=s[2].start, end=s[2].end)]),
            DocLabel(task="narratives", label="URW: Discrediting the West, Diplomacy: The West does not care "
                     "about Ukraine, only about its interests", score=0.41),
        ]
        art.subjectivity = [SentenceScore(start=s[1].start, end=s[1].end, sentence=1, label="SUBJ", score=0.83)]
        # One check-worthy claim, on a sentence that holds technique spans (its mark must not hide
        # them), and one sentence the claims head passed over.
        k = next(i for i, x in enumerate(s) if any(x.start <= t.start < x.end for t in art.techniques))
        other = next(i for i in range(len(s)) if i != k)
        art.claims = [SentenceScore(start=s[k].start, end=s[k].end, sentence=k, label="check-worthy", score=0.87),
                      SentenceScore(start=s[other].start, end=s[other].end, sentence=other, label="not check-worthy",
                                    score=0.12)]
        run = store.begin_run(slant_version="test", pipeline="labels", config={}, engine="test", workers=1, inputs=[])
        store.write_batch(run, [Pending(art, art.to_json().decode(), replace=True)], BatchCounts(), "labels")
        store.finish_run(run)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    """Base URL of a running ``slant serve --db corpus.db`` on 127.0.0.1.

    The server starts (and loads its models) while this process stores the corpus into the same
    SQLite file with ``slant.ingest``: the two model loads overlap, which halves the set-up time.
    """
    from slant.ingest import ingest
    from slant.store import open_store

    folder = tmp_path_factory.mktemp("corpus")
    src = folder / "articles.jsonl"
    records = corpus_records()
    src.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    db = folder / "corpus.db"
    open_store(db).close()  # created and migrated before the server opens it
    with slant_serve("--db", str(db), "--analysers", ANALYSERS) as served:
        result = ingest([src], str(db), analysers=INGEST_ANALYSERS.split(","), batch_size=16)
        assert result.stored == len(records), result
        add_labels(db)
        yield served.wait()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("console", lambda msg: pg.errors.append(msg.text) if msg.type == "error" else None)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def sample_url(server) -> str:
    """The stored sample article's page (analysed at ingest: no analysis per test)."""
    hit = httpx.get(server + "/api/articles", params={"q": "Varnia", "source": "selka-observer"}).json()["items"][0]
    return server + "/articles/" + hit["id"]


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text("utf-8")


def has_chromium() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None
