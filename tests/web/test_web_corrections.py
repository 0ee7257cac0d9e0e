"""Corrections over HTTP: real uvicorn servers (in a thread, and ``slant serve --tokens`` as a
process) over real SQLite and PostgreSQL corpora. Two clients correcting one article at once: one
is stored, the other gets 409 with the current state, and nothing is lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from correction_helpers import HARBOUR, at, store_corpus
from slant.analysers.segment import Segmenter
from slant.pipeline import Pipeline
from slant.store import open_store

from .conftest import in_thread, slant_serve

ALICE, BOB, SHARED = "alice-token-0123456789", "bob-token-9876543210", "shared-secret-abcdef"


@contextmanager
def serving(**kw) -> Iterator[str]:
    from slant.web import create_app

    with in_thread(create_app(pipeline=Pipeline([Segmenter()]), **kw)) as url:
        yield url


@pytest.fixture
def corpus(db_url) -> tuple[str, list]:
    with open_store(db_url) as store:
        arts = store_corpus(store)
    return db_url, arts


def span(words: str, technique: str) -> dict:
    s, e = at(HARBOUR, words)
    return {"start": s, "end": e, "technique": technique}


REJECT_DOUBT = {"layer": "techniques", "op": "reject", "target": span("It is a good deal for the port", "Doubt")}
RELABEL = {"layer": "techniques", "op": "relabel", "target": span("foreign bankers", "Flag_Waving"),
           "after": {"technique": "Loaded_Language"}, "note": "bankers are not a flag"}


def test_an_analyst_corrects_and_the_models_output_stays(corpus):
    db, arts = corpus
    aid = arts[0].meta.id
    with serving(db=db) as url, httpx.Client(base_url=url, timeout=30) as c:
        assert c.get("/api/whoami").json() == {"author": None, "named_by": "name"}
        first = c.get(f"/api/articles/{aid}/corrections").json()
        assert first == {"article_id": aid, "version": 0, "reviewed": [], "corrections": [], "skipped": []}
        r = c.post(f"/api/articles/{aid}/corrections", json={"base_version": 0, "author": "ana",
                                                               "correction": REJECT_DOUBT})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["version"] == 1 and body["corrections"][0]["seq"] == 1
        stored = body["corrections"][0]
        assert (stored["author"], stored["before"]["confidence"], stored["model"]) == (
            "ana", 0.3, "techniques@4 (techniques-e5 20261201)")
        r = c.post(f"/api/articles/{aid}/corrections", json={"base_version": 1, "author": "ana", "corrections": [
            RELABEL, {"layer": "labels", "op": "set", "target": {"task": "genre"}, "after": {"label": "opinion"}}]})
        assert r.status_code == 201 and r.json()["version"] == 3
        view = c.get(f"/api/articles/{aid}/corrections", params={"apply": "true"}).json()
        assert view["version"] == 3 and view["reviewed"] == ["labels", "labels:genre", "techniques"]
        assert [x["note"] for x in view["corrections"] if "note" in x] == ["bankers are not a flag"]
        techniques = {(t["start"], t["end"], t["technique"]) for t in view["article"]["techniques"]}
        assert tuple(span("foreign bankers", "Loaded_Language").values()) in techniques
        assert not any(t[2] in ("Doubt", "Flag_Waving") for t in techniques)
        assert [x["label"] for x in view["article"]["labels"] if x["task"] == "genre"] == ["opinion"]
        original = c.get(f"/api/articles/{aid}").json()  # the model's output, as stored
        assert {t["technique"] for t in original["techniques"]} >= {"Doubt", "Flag_Waving"}
        mine = c.get(f"/api/articles/{aid}/corrections", params={"apply": "true", "author": "nobody"}).json()
        assert mine["version"] == 3 and mine["corrections"] == [] and len(mine["article"]["techniques"]) == 4
        # across the corpus: a cursor, a date, an author
        page = c.get("/api/corrections", params={"limit": 2}).json()
        assert [x["seq"] for x in page["items"]] == [1, 2] and page["next"] == page["items"][-1]["id"]
        rest = c.get("/api/corrections", params={"since": page["next"]}).json()
        assert [x["seq"] for x in rest["items"]] == [3] and rest["next"] is None
        assert len(c.get("/api/corrections", params={"since": "2000-01-01"}).json()["items"]) == 3
        assert c.get("/api/corrections", params={"author": "bob"}).json()["items"] == []
        summary = c.get("/api/corrections/summary").json()
        assert (summary["articles"], summary["reviewed"], summary["corrections"]) == (3, 1, 3)
        assert summary["authors"][0]["author"] == "ana"
        doubt = next(t for t in summary["techniques"] if t["technique"] == "Doubt")
        assert (doubt["rejected"], doubt["reject_rate"], doubt["label"]) == (1, 1.0, "Doubt")


def test_two_analysts_at_once_one_is_stored_the_other_gets_409_and_nothing_is_lost(corpus):
    db, arts = corpus
    aid = arts[0].meta.id
    with serving(db=db) as url, httpx.Client(base_url=url, timeout=60) as ana, \
            httpx.Client(base_url=url, timeout=60) as ben:
        version = 0
        for round_ in range(4):
            barrier = threading.Barrier(2)
            got: dict[str, httpx.Response] = {}

            def post(name: str, client: httpx.Client, fix: dict, seen: int = version) -> None:
                barrier.wait()
                got[name] = client.post(f"/api/articles/{aid}/corrections",
                                        json={"base_version": seen, "author": name, "correction": fix})

            fixes = {"ana": {"layer": "techniques", "op": "review", "note": f"ana {round_}"},
                     "ben": {"layer": "quotes", "op": "review", "note": f"ben {round_}"}}
            threads = [threading.Thread(target=post, args=(n, cl, fixes[n])) for n, cl in (("ana", ana), ("ben", ben))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert sorted(r.status_code for r in got.values()) == [201, 409], {k: r.text for k, r in got.items()}
            winner = next(n for n, r in got.items() if r.status_code == 201)
            loser = "ben" if winner == "ana" else "ana"
            stale = got[loser].json()
            assert stale["version"] == version + 1 and stale["base_version"] == version
            assert [(x["author"], x["note"]) for x in stale["corrections"]] == [(winner, f"{winner} {round_}")]
            assert "version" in stale["detail"]
            # the loser corrects again on the version they were given: stored
            again = (ana if loser == "ana" else ben).post(
                f"/api/articles/{aid}/corrections",
                json={"base_version": stale["version"], "author": loser, "correction": fixes[loser]})
            assert again.status_code == 201 and again.json()["version"] == version + 2
            version += 2
        history = ana.get(f"/api/articles/{aid}/corrections").json()["corrections"]
        assert [x["seq"] for x in history] == list(range(1, 9))
        assert sorted(x["note"] for x in history) == sorted(f"{n} {k}" for n in ("ana", "ben") for k in range(4))


def test_bad_correction_requests_get_clear_4xx(corpus):
    db, arts = corpus
    aid = arts[0].meta.id
    with serving(db=db, max_body=4096) as url, httpx.Client(base_url=url, timeout=30) as c:
        path = f"/api/articles/{aid}/corrections"
        cases = [
            ("/api/articles/nope/corrections", {"base_version": 0, "author": "ana", "correction": REJECT_DOUBT}, 404,
             "no article 'nope'"),
            (path, {"base_version": 0, "correction": REJECT_DOUBT}, 400, "give your name as author"),
            (path, {"base_version": 0, "author": "<script>", "correction": REJECT_DOUBT}, 400, "author '<script>'"),
            (path, {"base_version": 0, "author": "ana"}, 400, "either corrections (a list) or correction (one)"),
            (path, {"base_version": 0, "author": "ana", "correction": {**REJECT_DOUBT, "target": span("traitors", "Doubt")}},
             400, "correction 1 (techniques reject): no Doubt span at"),
            (path, {"base_version": 0, "author": "ana", "correction": {"layer": "actors", "op": "reject"}}, 400,
             "actors has no op 'reject'"),
            (path, {"author": "ana", "correction": REJECT_DOUBT}, 422, "base_version"),
            (path, {"base_version": -1, "author": "ana", "correction": REJECT_DOUBT}, 422, "base_version"),
            (path, {"base_version": 0, "author": "ana", "correction": {**REJECT_DOUBT, "layer": "story"}}, 422, "layer"),
            (path, {"base_version": 0, "author": "ana", "correction": {**REJECT_DOUBT, "note": "x" * 5000}}, 413,
             "request body over 4096 bytes"),
        ]
        for where, body, status, words in cases:
            r = c.post(where, json=body)
            assert r.status_code == status, (body, r.text)
            detail = r.json()["detail"]
            assert words in detail and "\n" not in detail and "Traceback" not in detail, detail
        assert c.get(path).json()["version"] == 0  # nothing of the refused requests was stored
        assert c.get("/api/corrections", params={"since": "yesterday"}).status_code == 400
        assert c.get("/api/articles/nope/corrections").status_code == 404
    with serving() as url:  # no corpus: the routes say so
        r = httpx.get(url + "/api/corrections")
        assert r.status_code == 404 and "--db" in r.json()["detail"]


def test_each_analysts_token_names_the_author(tmp_path):
    db = tmp_path / "slant.db"
    with open_store(db) as store:
        aid = store_corpus(store)[0].meta.id
    tokens = {ALICE: "alice", BOB: "bob"}
    path = f"/api/articles/{aid}/corrections"
    with serving(db=str(db), tokens=tokens, token=SHARED) as url:
        assert httpx.get(url + "/api/whoami").status_code == 401
        assert httpx.get(url + "/api/whoami", headers={"authorization": "Bearer alice-token-wrong"}).status_code == 401

        def as_(token: str) -> dict:
            return {"authorization": f"Bearer {token}"}

        assert httpx.get(url + "/api/whoami", headers=as_(ALICE)).json() == {"author": "alice", "named_by": "token"}
        assert httpx.get(url + "/api/whoami", headers=as_(SHARED)).json() == {"author": None, "named_by": "name"}
        r = httpx.post(url + path, headers=as_(ALICE), json={"base_version": 0, "correction": REJECT_DOUBT})
        assert r.status_code == 201 and r.json()["corrections"][0]["author"] == "alice"
        r = httpx.post(url + path, headers=as_(ALICE), json={"base_version": 1, "author": "bob", "correction": RELABEL})
        assert r.status_code == 403 and r.json()["detail"] == "this token is alice's: it cannot correct as 'bob'"
        r = httpx.post(url + path, headers={"x-slant-token": BOB}, json={"base_version": 1, "author": "bob",
                                                                          "correction": RELABEL})
        assert r.status_code == 201 and r.json()["corrections"][0]["author"] == "bob"
        r = httpx.post(url + path, headers=as_(SHARED), json={"base_version": 2, "correction": REJECT_DOUBT})
        assert r.status_code == 400 and "author" in r.json()["detail"]
        r = httpx.post(url + path, headers=as_(SHARED), json={"base_version": 2, "author": "carol",
                                                               "correction": {"layer": "quotes", "op": "review"}})
        assert r.status_code == 201 and r.json()["corrections"][0]["author"] == "carol"
        # a browser: ?token= once, then the cookie carries the analyst's own token
        with httpx.Client(base_url=url) as browser:
            assert "alice-token" in browser.get("/api/health", params={"token": ALICE}).headers["set-cookie"]
            assert browser.get("/api/whoami").json()["author"] == "alice"
        spec = httpx.get(url + "/openapi.json", headers=as_(BOB)).json()
        assert spec["security"] == [{"token": []}]
    with open_store(db) as store:
        assert [c["author"] for c in store.corrections()] == ["alice", "bob", "carol"]


def test_openapi_documents_the_correction_routes(tmp_path):
    db = tmp_path / "slant.db"
    open_store(db).close()
    with serving(db=str(db)) as url:
        spec = httpx.get(url + "/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/articles/{article_id}/corrections", "/api/corrections", "/api/corrections/summary",
            "/api/whoami"} <= set(paths)
    post = paths["/api/articles/{article_id}/corrections"]["post"]
    assert {"201", "400", "403", "404", "409", "422"} <= set(post["responses"])
    assert post["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/CorrectionConflict")
    got = paths["/api/articles/{article_id}/corrections"]["get"]["responses"]["200"]["content"]["application/json"]
    assert got["schema"]["properties"]["article"]["$ref"] == "#/components/schemas/Article"
    assert {"CorrectionIn", "CorrectionOut", "ReviewSummary"} <= set(spec["components"]["schemas"])


def test_slant_serve_tokens_file(tmp_path):
    """``slant serve --tokens FILE``: the command an operator runs, with the file they write."""
    db = tmp_path / "slant.db"
    with open_store(db) as store:
        store_corpus(store)
    tokens = tmp_path / "analysts.txt"
    tokens.write_text(f"# analysts of the desk\nalice\t{ALICE}\n\nbob   {BOB}\n", "utf-8")
    with slant_serve("--db", str(db), "--analysers", "segment", "--tokens", str(tokens)) as served:
        url = served.wait(120, headers={"authorization": f"Bearer {BOB}"})
        assert httpx.get(url + "/api/whoami", headers={"authorization": f"Bearer {BOB}"}).json()["author"] == "bob"
        assert httpx.get(url + "/api/health").status_code == 401
    bad = tmp_path / "bad.txt"
    bad.write_text("alice short\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SLANT_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "slant.cli", "serve", "--tokens", str(bad)], capture_output=True,
                       text=True, timeout=60, env=env)
    assert r.returncode == 2 and r.stderr.strip() == (f"slant: error: {bad}:1: the token of alice is shorter than "
                                                      "12 characters")


@pytest.mark.parametrize("text, message", [
    ("alice\n", ":1: expected NAME and TOKEN separated by a tab or spaces"),
    ("al ice alice-token-0123456789\n", ":1: expected NAME and TOKEN"),
    ("<alice> alice-token-0123456789\n", ":1: name '<alice>': use letters, digits"),
    ("alice alice-token;0123456789\n", ":1: the token of alice may hold letters, digits and . _ ~ - only"),
    (f"alice {ALICE}\nbob {ALICE}\n", ":2: the token of bob is also alice's; give each its own"),
    ("# nobody yet\n\n", ": no tokens in the file"),
])
def test_a_bad_tokens_file_is_one_line(text, message, tmp_path):
    from slant.errors import SlantError
    from slant.web.security import read_tokens

    path = tmp_path / "analysts.txt"
    path.write_text(text, "utf-8")
    with pytest.raises(SlantError) as err:
        read_tokens(path)
    assert str(err.value) == f"{path}{message}" or str(err.value).startswith(f"{path}{message}")
