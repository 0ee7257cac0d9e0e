"""Corrections (slant.corrections): each op on a copy of the stored Article, refusals in one line, the
history and versions in real SQLite and PostgreSQL stores, two writers on one version, the review
summary, the export in the shared tasks' formats read back by their readers, agreement between
analysts, and the training loop: corrections retrain a small model that ``slant eval --gold`` scores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from correction_helpers import GRAIN, HARBOUR, PIPELINE, at, grain, harbour, store_corpus
from slant.corrections import (Conflict, Correction, CorrectionError, apply, history, prepare, replay,
                               review_summary, submit)
from slant.store import StaleVersion, open_store, schema
from slant.tasks import scoring


def slant_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slant.cli", *args], capture_output=True, text=True, timeout=600, **kw)


def tech(words: str, technique: str, source: str = HARBOUR, nth: int = 0) -> dict:
    s, e = at(source, words, nth)
    return {"start": s, "end": e, "technique": technique}


def C(layer: str, op: str, target: dict | None = None, after: dict | None = None, author: str | None = None) -> Correction:
    return Correction(layer=layer, op=op, target=target or {}, after=after, author=author)


def keys(art) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(art.text[t.start:t.end], t.technique) for t in art.techniques]


# --- the ops, on the Article alone -----------------------------------------------------------------


def test_every_op_changes_a_copy_and_the_model_output_stays_as_it_was():
    model = harbour()
    stored = model.to_json()
    berg_said = at(HARBOUR, "Berg", 1)
    fixes = [
        C("techniques", "accept", tech("traitors", "Name_Calling-Labeling")),
        C("techniques", "reject", tech("It is a good deal for the port", "Doubt")),
        C("techniques", "relabel", tech("foreign bankers", "Flag_Waving"), {"technique": "Loaded_Language"}),
        C("techniques", "add", after=tech("sold the harbour", "Causal_Oversimplification")),
        C("actors", "role", {"actor": 1, "name": "Tomas Berg"}, {"role": "Protagonist", "fine_roles": ["Peacemaker"]}),
        C("actors", "fine_roles", {"actor": 0, "name": "Irena Koval"}, {"fine_roles": ["Guardian", "Virtuous"]}),
        C("quotes", "speaker", dict(zip(("start", "end"), at(HARBOUR, "It is a good deal for the port and for its workers"))),
          {"actor": 1, "name": "Tomas Berg"}),
        C("labels", "set", {"task": "genre"}, {"label": "opinion"}),
        C("labels", "remove", {"task": "frames", "label": "Morality"}),
        C("labels", "set", {"task": "frames"}, {"label": "Economic"}),
        C("quotes", "review"),
    ]
    done = replay(model, fixes, strict=True)
    art = done.article
    assert model.to_json() == stored  # nothing the model wrote is overwritten
    assert keys(art) == [("traitors", "Name_Calling-Labeling"), ("sold the harbour", "Causal_Oversimplification"),
                         ("foreign bankers", "Loaded_Language"), ("shameful betrayal", "Loaded_Language")]
    # paragraph techniques follow the corrected spans (SemEval-2023 ST3: the techniques of its spans)
    assert {p.paragraph: set(p.techniques) for p in art.paragraph_techniques} == {
        0: set(), 1: {"Name_Calling-Labeling", "Causal_Oversimplification", "Loaded_Language"},
        2: {"Loaded_Language"}, 3: set()}
    berg, koval = art.actors[1], art.actors[0]
    assert (berg.role, berg.fine_roles, berg.scores) == ("Protagonist", ["Peacemaker"], {})
    assert koval.fine_roles == ["Guardian", "Virtuous"]
    quote = art.quotes[1]
    assert quote.speaker == 1 and (quote.speaker_span.start, quote.speaker_span.end) == berg_said
    assert sorted((x.task, x.label) for x in art.labels) == [("frames", "Economic"), ("frames", "Political"),
                                                              ("genre", "opinion")]
    assert done.reviewed == {"techniques", "actors", "quotes", "labels", "labels:genre", "labels:frames"}
    noted = {(p.layer, p.analyser, p.version) for p in art.provenance if p.analyser == "corrections"}
    assert noted == {("techniques", "corrections", "4"), ("paragraph_techniques", "corrections", "4"),
                     ("actors", "corrections", "2"), ("quotes", "corrections", "2"), ("labels", "corrections", "3")}
    # before: the target as its author saw it, filled in by prepare (never trusted from the client)
    ready = prepare(model, [], fixes[:3])
    assert ready[1].before == {**tech("It is a good deal for the port", "Doubt"), "confidence": 0.3}
    assert ready[0].model == "techniques@4 (techniques-e5 20261201)"
    assert prepare(model, [], fixes[4:5])[0].model == "roles@2 (roles multi-2026-11-30)"
    assert prepare(model, [], fixes[8:9])[0].model == "frames@1 (frames 20261206)"


def test_merge_and_split_renumber_the_actors_and_keep_every_reference():
    model = harbour()
    minister = at(HARBOUR, "The minister")
    split = replay(model, [C("actors", "split", {"actor": 1, "name": "Tomas Berg"},
                             {"mentions": [dict(zip(("start", "end"), minister))], "name": "the minister"})],
                   strict=True).article
    assert [a.name for a in split.actors] == ["Irena Koval", "Tomas Berg", "the minister"]
    assert [a.id for a in split.actors] == [0, 1, 2]
    assert next(m.actor for m in split.entities if (m.start, m.end) == minister) == 2
    merged = replay(model, [C("actors", "merge", {"actor": 0, "name": "Irena Koval"}, {"actor": 1, "name": "Tomas Berg"})],
                    strict=True).article
    assert [(a.id, a.name) for a in merged.actors] == [(0, "Tomas Berg")]
    assert "Irena Koval" in merged.actors[0].aliases
    assert {m.actor for m in merged.entities} == {0}
    assert [q.speaker for q in merged.quotes] == [0, 0] and (merged.relations[0].subject, merged.relations[0].object) == (0, 0)
    # a correction made after the merge names the actor by its new index, or finds it by name
    again = replay(model, [C("actors", "merge", {"actor": 0, "name": "Irena Koval"}, {"actor": 1, "name": "Tomas Berg"}),
                           C("actors", "role", {"actor": 1, "name": "Tomas Berg"}, {"role": None})], strict=True).article
    assert again.actors[0].role is None and again.actors[0].fine_roles == []


@pytest.mark.parametrize("fix, message", [
    (C("techniques", "reject", tech("traitors", "Loaded_Language")), "no Loaded_Language span at"),
    (C("techniques", "add", after={"start": 5, "end": 2, "technique": "Doubt"}), "is not a span of the text"),
    (C("techniques", "add", after={"start": 0, "end": 5, "technique": "Propaganda"}), "unknown technique 'Propaganda'"),
    (C("techniques", "add", after={"start": "0", "end": 5, "technique": "Doubt"}), "must be a character offset"),
    (C("techniques", "merge"), "techniques has no op 'merge'"),
    (C("actors", "role", {"actor": 0, "name": "Someone Else"}, {"role": "Innocent"}), "no actor 0 named 'Someone Else'"),
    (C("actors", "role", {"actor": 0, "name": "Irena Koval"}, {"role": "Villain"}), "unknown role 'Villain'"),
    (C("actors", "role", {"actor": 0, "name": "Irena Koval"}, {"role": "Innocent", "fine_roles": ["Tyrant"]}),
     "fine role 'Tyrant' is not one of Innocent's"),
    (C("actors", "merge", {"actor": 0, "name": "Irena Koval"}, {"actor": 0, "name": "Irena Koval"}), "into itself"),
    (C("actors", "split", {"actor": 0, "name": "Irena Koval"},
       {"mentions": [dict(zip(("start", "end"), at(HARBOUR, "Irena Koval"))),
                     dict(zip(("start", "end"), at(HARBOUR, "Koval", 1)))]}), "every mention of 'Irena Koval' would move"),
    (C("quotes", "speaker", {"start": 0, "end": 3}, {"actor": None}), "no quote at 0-3"),
    (C("labels", "set", {"task": "genre"}, {"label": "poetry"}), "unknown genre label 'poetry'"),
    (C("labels", "remove", {"task": "frames", "label": "Economic"}), "has no frames label 'Economic'"),
    (C("labels", "set", {"task": "mood"}, {"label": "sad"}), "unknown label task 'mood'"),
    (C("stories", "review"), "unknown layer 'stories'"),
])
def test_a_correction_that_cannot_be_made_is_refused_in_one_line(fix, message):
    with pytest.raises(CorrectionError) as err:
        prepare(harbour(), [], [C("techniques", "review"), fix])
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(("correction 2 (", "correction 2:"))


def test_judgements_of_the_models_spans_are_independent_and_the_latest_wins():
    model = harbour()
    relabel = C("techniques", "relabel", tech("foreign bankers", "Flag_Waving"), {"technique": "Loaded_Language"}, "ana")
    accept = C("techniques", "accept", tech("foreign bankers", "Flag_Waving"), author="ben")  # ben saw the model's span
    assert ("foreign bankers", "Flag_Waving") in keys(apply(model, [relabel, accept], strict=True))
    reject = C("techniques", "reject", tech("traitors", "Name_Calling-Labeling"))
    twice = apply(model, [reject, reject], strict=True)  # the second analyst agrees: nothing left to remove
    assert ("traitors", "Name_Calling-Labeling") not in keys(twice)
    back = apply(model, [reject, C("techniques", "accept", tech("traitors", "Name_Calling-Labeling"))], strict=True)
    assert keys(back) == keys(model)
    # the article re-analysed since: a correction whose span the model no longer writes is skipped, and said so
    model.techniques = [t for t in model.techniques if t.technique != "Doubt"]
    done = replay(model, [C("techniques", "reject", tech("It is a good deal for the port", "Doubt")), reject])
    s, e = at(HARBOUR, "It is a good deal for the port")
    assert [why for _, why in done.skipped] == [f"no Doubt span at {s}-{e} in the article"]
    assert len(done.applied) == 1


def test_cohen_kappa_matches_the_textbook():
    # 50 items, two raters, yes/no: agree yes 20, agree no 15, 5 + 10 disagreements -> kappa 0.40
    a = ["yes"] * 20 + ["no"] * 15 + ["yes"] * 5 + ["no"] * 10
    b = ["yes"] * 20 + ["no"] * 15 + ["no"] * 5 + ["yes"] * 10
    assert scoring.cohen_kappa(a, b) == pytest.approx(0.4)
    assert scoring.cohen_kappa(["keep"] * 4, ["keep"] * 4) == 1.0
    assert scoring.cohen_kappa([], []) == 0.0


# --- the store ---------------------------------------------------------------------------------------


def test_history_versions_and_a_stale_version_in_the_store(db_url):
    with open_store(db_url) as store:
        arts = store_corpus(store)
        aid = arts[0].meta.id
        version, stored = submit(store, aid, 0, [C("techniques", "reject", tech("It is a good deal for the port", "Doubt")),
                                                 C("labels", "set", {"task": "genre"}, {"label": "opinion"})], "ana")
        assert version == 2 and [c.seq for c in stored] == [1, 2] and {c.base_version for c in stored} == {0}
        assert stored[0].before["technique"] == "Doubt" and stored[1].before == ["reporting"]
        assert stored[1].model == "genre@1 (genre 20261206)" and stored[0].author == "ana"
        assert stored[0].created_at.endswith("Z")
        with pytest.raises(Conflict) as err:
            submit(store, aid, 1, [C("techniques", "review")], "ben")
        assert (err.value.version, [c.seq for c in err.value.since]) == (2, [2])
        with pytest.raises(Conflict):  # a version from the future is stale too
            submit(store, aid, 5, [C("techniques", "review")], "ben")
        with pytest.raises(CorrectionError, match="correction 1 .* unknown genre label"):
            submit(store, aid, 2, [C("labels", "set", {"task": "genre"}, {"label": "poetry"})], "ben")
        with pytest.raises(CorrectionError, match="author"):
            submit(store, aid, 2, [C("techniques", "review")], "  ")
        assert store.correction_version(aid) == 2  # refused corrections leave nothing behind
        version, _ = submit(store, arts[1].meta.id, 0, [C("techniques", "review")], "ben")
        assert version == 1
        # the stored article is still the model's, whole
        assert store.article(aid).to_json() == arts[0].to_json()
        assert [c.op for c in history(store, aid)] == ["reject", "set"]
        everything = store.corrections()
        assert [r["id"] for r in store.corrections(after_id=everything[0]["id"])] == [r["id"] for r in everything[1:]]
        assert [r["author"] for r in store.corrections(author="ben")] == ["ben"]
        assert len(store.corrections(layer="labels")) == 1 and len(store.corrections(limit=2)) == 2


def test_two_writers_on_one_version_one_wins_and_none_is_lost(db_url):
    """The database itself refuses the second writer: both read version v, both insert v + 1."""
    with open_store(db_url) as store:
        aid = store_corpus(store)[0].meta.id
        row = {"layer": "techniques", "op": "review", "target": {}, "author": "x"}
        for round_ in range(6):
            barrier = threading.Barrier(2)
            results: list = []

            def write(who: str, version: int = round_) -> None:
                barrier.wait()
                try:
                    results.append(store.add_corrections(aid, version, [{**row, "author": who}]))
                except StaleVersion as exc:
                    results.append(exc)

            threads = [threading.Thread(target=write, args=(w,)) for w in ("ana", "ben")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            won = [r for r in results if isinstance(r, list)]
            lost = [r for r in results if isinstance(r, StaleVersion)]
            assert len(won) == 1 and len(lost) == 1, results
            assert lost[0].version == round_ + 1
        assert [r["seq"] for r in store.corrections(aid)] == list(range(1, 7))


def test_revision_0005_adds_the_table_to_an_older_store(db_url):
    with open_store(db_url) as store, store.begin() as conn:  # make it a revision-0004 store
        conn.execute(text("DROP TABLE corrections"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0004_story_vectors'"))
    with open_store(db_url) as store:
        with store.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.REVISION == "0005_corrections"
        aid = store_corpus(store)[0].meta.id
        assert submit(store, aid, 0, [C("techniques", "review")], "ana")[0] == 1


# --- what review tells: the summary, agreement ------------------------------------------------------


def _reviewed_corpus(store) -> list:  # noqa: ANN001
    """Two analysts on the harbour article (independently, each from the model's output), one on the
    pipeline article, nobody on the grain article."""
    arts = store_corpus(store)
    h, p = arts[0].meta.id, arts[1].meta.id
    submit(store, h, 0, [C("techniques", "reject", tech("It is a good deal for the port", "Doubt")),
                         C("techniques", "relabel", tech("foreign bankers", "Flag_Waving"), {"technique": "Loaded_Language"}),
                         C("techniques", "accept", tech("traitors", "Name_Calling-Labeling")),
                         C("actors", "role", {"actor": 1, "name": "Tomas Berg"},
                           {"role": "Protagonist", "fine_roles": ["Peacemaker"]})], "ana")
    submit(store, h, 4, [C("techniques", "reject", tech("It is a good deal for the port", "Doubt")),
                         C("techniques", "reject", tech("foreign bankers", "Flag_Waving")),
                         C("techniques", "add", after=tech("sold the harbour", "Causal_Oversimplification"))], "ben")
    submit(store, p, 0, [C("techniques", "reject", tech("third time", "Repetition", PIPELINE)),
                         C("techniques", "add", after=tech("Wake up, patriots", "Flag_Waving", PIPELINE))], "ana")
    return arts


def test_review_summary_counts_articles_analysts_and_rejected_techniques(db_url):
    with open_store(db_url) as store:
        _reviewed_corpus(store)
        s = review_summary(store)
        assert (s["articles"], s["reviewed"], s["corrections"]) == (3, 2, 9)
        assert s["layers"] == [{"layer": "actors", "articles": 1}, {"layer": "techniques", "articles": 2}]
        assert [(a["author"], a["corrections"], a["articles"]) for a in s["authors"]] == [("ana", 6, 2), ("ben", 3, 1)]
        top = {t["technique"]: t for t in s["techniques"]}
        assert s["techniques"][0]["technique"] in ("Doubt", "Flag_Waving")
        assert (top["Doubt"]["rejected"], top["Doubt"]["reject_rate"]) == (2, 1.0)
        assert (top["Flag_Waving"]["rejected"], top["Flag_Waving"]["relabelled"], top["Flag_Waving"]["added"]) == (1, 1, 1)
        assert (top["Name_Calling-Labeling"]["accepted"], top["Name_Calling-Labeling"]["reject_rate"]) == (1, 0.0)
        assert review_summary(store, author="ben")["corrections"] == 3
        assert review_summary(store, since="2000-01-01")["corrections"] == 9
        assert review_summary(store, since="3000-01-01T00:00:00Z")["corrections"] == 0
        with pytest.raises(CorrectionError, match="since 'last week'"):
            review_summary(store, since="last week")


def test_agreement_between_two_analysts_of_one_article(db_url):
    from slant.tasks.corrections import agreement, corrected_articles

    with open_store(db_url) as store:
        _reviewed_corpus(store)
        agree = agreement(corrected_articles(store, layer="techniques"))
    (pair,) = agree["pairs"]
    # the model's four harbour spans: ana keep/relabel/keep/reject, ben keep/reject/keep/reject (sorted by offset)
    assert pair["pair"] == ("ana", "ben") and (pair["articles"], pair["spans"]) == (1, 4)
    assert pair["kappa"] == pytest.approx(scoring.cohen_kappa(["keep", "relabel", "keep", "reject"],
                                                              ["keep", "reject", "keep", "reject"]))
    # their readings: ana {traitors, bankers as Loaded, betrayal}, ben {traitors, sold the harbour, betrayal}
    assert pair["span_f1"] == pytest.approx(2 / 3)
    assert agree["all"]["kappa"] == pair["kappa"]


# --- out and back in: export, eval, train ----------------------------------------------------------------


def test_export_writes_the_shared_task_formats_and_their_readers_read_them_back(db_url, tmp_path):
    from slant.corrections import corrected
    from slant.tasks.corpora import semeval2023_techniques
    from slant.train.roles import read_gold

    with open_store(db_url) as store:
        arts = _reviewed_corpus(store)
        want = {a.meta.id: corrected(store, a.meta.id)[2].article for a in arts[:2]}
    out = tmp_path / "reviewed"
    r = slant_cli("export", "--db", db_url, "-f", "corrections", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "exported 2 articles" in r.stderr
    back = {t.id: t for t in semeval2023_techniques(out / "semeval2023-task3" / "en", "en", "train")}
    assert set(back) == set(want)
    for aid, art in want.items():
        got = back[aid].article
        assert got.text == art.text  # the offsets count every character of the file
        assert [(t.start, t.end, t.technique) for t in got.techniques] == [(t.start, t.end, t.technique)
                                                                          for t in art.techniques]
        by_line = {back[aid].line_numbers[p.paragraph]: set(p.techniques) for p in got.paragraph_techniques}
        for t in art.techniques:
            line = art.text.count("\n", 0, t.start) + 1
            assert t.technique in by_line[line]
    texts, gold = read_gold(out, "EN", "train")  # SemEval-2025 Task 10 subtask 1, end offsets inclusive
    harbour_file = f"{arts[0].meta.id}.txt"
    assert set(texts) == {harbour_file}
    assert sorted((g.entity, g.main, tuple(g.fine)) for g in gold) == [
        ("Berg", "Protagonist", ("Peacemaker",)), ("Irena Koval", "Protagonist", ("Guardian",)),
        ("Koval", "Protagonist", ("Guardian",)), ("Tomas Berg", "Protagonist", ("Peacemaker",))]
    assert all(texts[g.doc][g.start:g.end] == g.entity for g in gold)
    lines = [json.loads(x) for x in (out / "corrections.jsonl").read_text("utf-8").splitlines()]
    assert [x["id"] for x in lines] == [arts[0].meta.id, arts[1].meta.id]
    first = lines[0]
    assert (first["version"], first["authors"], len(first["corrections"])) == (7, ["ana", "ben"], 7)
    assert first["original"]["techniques"] == json.loads(arts[0].to_json())["techniques"]  # the model's, beside
    assert "Doubt" not in {t["technique"] for t in first["article"]["techniques"]}
    # only the articles of a search
    r = slant_cli("export", "--db", db_url, "-f", "corrections", "-o", str(tmp_path / "some"), "pipeline")
    assert r.returncode == 0 and "exported 1 articles" in r.stderr, r.stderr
    r = slant_cli("export", "--db", db_url, "-f", "corrections")
    assert r.returncode == 2 and r.stderr.strip() == "slant: error: --format corrections needs --out (a folder)"


def test_reviews_command_prints_the_summary_and_draws_it(tmp_path):
    db = tmp_path / "slant.db"
    with open_store(db) as store:
        _reviewed_corpus(store)
    png = tmp_path / "rejected.png"
    r = slant_cli("reviews", "--db", str(db), "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert "2 of 3 articles reviewed, 9 corrections" in r.stdout
    assert "techniques most often rejected" in r.stdout and "Doubt" in r.stdout and "100%" in r.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = slant_cli("reviews", "--db", str(db), "--author", "nobody")
    assert r.returncode == 0 and "0 of 3 articles reviewed, 0 corrections by nobody" in r.stdout
    r = slant_cli("reviews", "--db", str(tmp_path / "missing.db"))
    assert r.returncode == 2 and r.stderr.startswith("slant: error: ") and "no such database" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["eval", "techniques", "--gold", "{tmp}/missing.db"], "no such database"),
    (["eval", "genre", "--gold", "{db}"], "--gold: genre is not scored on corrections"),
    (["eval", "techniques", "--gold", "{empty}"], "no article's techniques have been corrected yet"),
    (["train", "genre", "--corrections", "{db}"], "--corrections: genre does not learn from corrections"),
    (["train", "techniques", "--corrections", "{tmp}/missing.db"], "no such database"),
    (["serve", "--db", "{db}", "--tokens", "{tmp}/missing.txt"], "cannot read the tokens file"),
])
def test_bad_corrections_options_are_one_line(args, message, tmp_path):
    db, empty = tmp_path / "slant.db", tmp_path / "empty.db"
    with open_store(db) as store:
        _reviewed_corpus(store)
    with open_store(empty) as store:
        store_corpus(store)
    r = slant_cli(*(a.format(tmp=tmp_path, db=db, empty=empty) for a in args))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slant: error: ") and message in lines[0]


def test_eval_roles_on_the_corrected_actors(tmp_path):
    db = tmp_path / "slant.db"
    with open_store(db) as store:
        _reviewed_corpus(store)
    r = slant_cli("eval", "roles", "--gold", str(db))
    assert r.returncode == 0, r.stderr
    assert "Entity roles against the analysts' corrections" in r.stdout and "4 mentions of 1 articles" in r.stdout
    assert "EMR" in r.stdout


def test_role_rows_from_corrections_train_with_their_weight(tmp_path):
    """The corrected actors become training rows through the shipped encoder, and a heavier
    weight pulls the heads towards them."""
    import numpy as np

    from slant.tasks.corrections import role_features
    from slant.train.roles import Params, fit_heads, model_of, predict

    db = tmp_path / "slant.db"
    with open_store(db) as store:
        _reviewed_corpus(store)
    gold, x, where = role_features(str(db), log=lambda *a: None)
    assert where == str(db) and len(gold) == 4 and x.shape[0] == 4 and np.isfinite(x).all()
    assert {g.split for g in gold} == {"corrections"}
    # the same features twice, told two stories: the weightier one wins
    xx = np.concatenate([x, x])
    from dataclasses import replace

    told = gold + [replace(g, main="Innocent", fine=["Victim"]) for g in gold]
    p = Params(hidden=16, epochs=60, lr=1e-2, dropout_in=0.0, dropout=0.0, batch=8)
    heavy = np.array([5.0] * 4 + [1.0] * 4, np.float32)
    assert {m for m, _ in predict(model_of(fit_heads(xx, told, p, weights=heavy)), x)} == {"Protagonist"}
    assert {m for m, _ in predict(model_of(fit_heads(xx, told, p, weights=heavy[::-1].copy())), x)} == {"Innocent"}
    same = fit_heads(xx, told, p, weights=np.ones(8, np.float32))
    assert all(np.array_equal(a[k], b[k]) for a, b in zip(same, fit_heads(xx, told, p), strict=True) for k in a)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """A SemEval-2023 Task 3 folder of a few English articles (as tests/test_multilingual_training.py makes)."""
    root = tmp_path_factory.mktemp("data")
    base = root / "semeval2023-task3" / "en"
    arts, spans = base / "train-articles-subtask-3", base / "train-labels-subtask-3-spans"
    arts.mkdir(parents=True)
    spans.mkdir(parents=True)
    rows = []
    for k, body in enumerate((HARBOUR, PIPELINE, GRAIN, HARBOUR.replace("Monday", "Friday"))):
        doc = str(500 + k)
        (arts / f"article{doc}.txt").write_text(body, encoding="utf-8")
        s, e = at(body, "traitors") if "traitors" in body else at(body, "disgrace") if "disgrace" in body else (0, 5)
        (spans / f"article{doc}-labels-subtask-3.txt").write_text(f"{doc}\tLoaded_Language\t{s}\t{e}\n", encoding="utf-8")
        start = 0  # paragraph labels: the technique on the line its span is on
        for n, line in enumerate(body.split("\n"), 1):
            if line.strip():
                rows.append(f"{doc}\t{n}\t{'Loaded_Language' if s < start + len(line) and start < e else ''}")
            start += len(line) + 1
    (base / "train-labels-subtask-3.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_corrections_retrain_a_small_model_and_eval_gold_scores_it(tiny_data, tmp_path):
    """The loop of the issue: analysts correct, the corrections retrain a (one-layer, one-epoch)
    model, and ``slant eval techniques --gold DB --model`` scores it on their corrections."""
    pytest.importorskip("torch", reason="training needs pip install 'slant[train]' (torch)")
    pytest.importorskip("onnx", reason="the export needs pip install 'slant[train]' (onnx)")
    from slant.tasks.corpora import semeval2023_techniques
    from slant.train import multilingual

    db = tmp_path / "slant.db"
    with open_store(db) as store:
        arts = _reviewed_corpus(store)
    # the exported corrections are a corpus the trainer reads like the organisers'
    assert slant_cli("export", "--db", str(db), "-f", "corrections", "-o", str(tmp_path / "reviewed")).returncode == 0
    assert len(semeval2023_techniques(tmp_path / "reviewed", "en", "train")) == 2
    work = tmp_path / "work"
    multilingual.fit(tiny_data, work, epochs=1, batch=2, layers=1, langs=("en",), subj_langs=(), save_minutes=1000,
                     threads=1, corrections=str(db), corrections_weight=3.0)
    split = json.loads((work / "split.json").read_text())
    assert split["corrections"] == {"db": str(db), "weight": 3.0, "articles": [arts[0].meta.id, arts[1].meta.id]}
    model = multilingual.export(work, tmp_path / "model", quantize=False).parent
    r = slant_cli("eval", "techniques", "--gold", str(db), "--model", str(model))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"against the analysts' corrections in {db}: 2 reviewed articles" in out
    for measure in ("paragraph micro-F1 (SemEval-2023 ST3)", "span identification F1 (SemEval-2020 SI)",
                    "span+label partial-overlap F1 (23 labels)"):
        assert measure in out
    assert "Loaded_Language" in out  # a technique of the gold, with its scores
    pair = next(line for line in out.splitlines() if line.startswith("ana / ben"))
    assert pair.split()[3:5] == ["1", "4"]  # one article, four model spans judged by both


def test_window_weights_weigh_the_loss():
    torch = pytest.importorskip("torch", reason="training needs pip install 'slant[train]' (torch)")
    from slant.train.techniques import technique_loss, window_weights

    docs = [{"weight": 1.0}, {"weight": 3.0}]
    assert window_weights([{}, {}], [(0, 0, 1), (1, 0, 1)]) is None
    w = window_weights(docs, [(0, 0, 4), (1, 0, 4)])
    assert w.tolist() == [1.0, 3.0]

    class Head(torch.nn.Module):
        def paragraphs(self, pooled):  # noqa: ANN001, ANN202
            return pooled[:, :2]

    torch.manual_seed(0)
    logits, y = torch.randn(2, 4, 2), torch.zeros(2, 4, 2)
    mask, hidden = torch.ones(2, 4, dtype=torch.long), torch.randn(2, 4, 2)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    plain = technique_loss(Head(), hidden, logits, mask, y, [], bce)
    ones = technique_loss(Head(), hidden, logits, mask, y, [], bce, torch.ones(2))
    assert torch.allclose(plain, ones)
    row1 = technique_loss(Head(), hidden, logits, mask, y, [], bce, torch.tensor([0.0, 1.0]))
    heavy = technique_loss(Head(), hidden, logits, mask, y, [], bce, torch.tensor([0.0, 3.0]))
    assert torch.allclose(heavy, 3 * row1)


def test_grain_is_never_gold_until_reviewed(tmp_path):
    from slant.tasks.corrections import technique_tasks

    with open_store(tmp_path / "slant.db") as store:
        arts = store_corpus(store)
        assert technique_tasks(store) == []
        submit(store, arts[2].meta.id, 0, [C("techniques", "review")], "ana")  # the model was right
        ((lang, task),) = technique_tasks(store)
        assert store.article(arts[2].meta.id).to_json() == grain().to_json()  # the model's output, untouched
    assert lang == "en" and task.id == arts[2].meta.id and task.article.text == GRAIN
    assert [(t.technique, t.confidence) for t in task.article.techniques] == [("Appeal_to_Fear-Prejudice", 1.0)]
