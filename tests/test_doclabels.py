"""Document labels: genre, frames, narratives (SemEval heads and user YAML taxonomies), their
scoring, submission formats and errors. Fixtures in tests/fixtures/doclabels are invented text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from slant import registry
from slant.analysers.narratives import OTHER, decode, load_semeval_taxonomy
from slant.analysers.segment import Segmenter
from slant.cli import main
from slant.errors import SlantError
from slant.readers.plain import parse_plain
from slant.tasks.scoring import genre_macro_f1, multilabel_micro, samples_f1
from slant import user_taxonomy

from conftest import EXAMPLES, FIXTURES

DL = FIXTURES / "doclabels"
MODELS = Path(__file__).resolve().parent.parent / "src" / "slant" / "models"
LANGS23 = ("en", "fr", "ge", "it", "po", "ru")


# --- scoring -----------------------------------------------------------------------------------


def test_genre_macro_f1_averages_every_genre():
    gold = ["opinion", "opinion", "reporting", "satire"]
    pred = ["opinion", "reporting", "reporting", "opinion"]
    f1, per = genre_macro_f1(gold, pred, ["reporting", "opinion", "satire"])
    assert per["opinion"] == pytest.approx(0.5)  # P 1/2, R 1/2
    assert per["reporting"] == pytest.approx(2 / 3)  # P 1/2, R 1
    assert per["satire"] == 0.0
    assert f1 == pytest.approx((0.5 + 2 / 3) / 3)


def test_frames_micro_f1_counts_article_frame_pairs():
    s = multilabel_micro([["A", "B"], ["C"]], [["A"], ["C", "D"]])
    assert (s.precision, s.recall) == pytest.approx((2 / 3, 2 / 3))
    assert s.n_gold == 3 and s.n_pred == 3


def test_samples_f1_is_the_mean_of_per_document_f1():
    mean, std = samples_f1([["A", "B"], ["Other"]], [["A"], ["Other"]])
    assert mean == pytest.approx((2 / 3 + 1.0) / 2)
    assert std == pytest.approx(1 / 6)


# --- narratives: taxonomy and decoding -----------------------------------------------------------


def test_semeval_taxonomy_file_holds_both_domains():
    tax = load_semeval_taxonomy()
    assert {n.split(":")[0] for n in tax} == {"URW", "CC"}
    assert "URW: Discrediting Ukraine: Ukraine is associated with nazism" in tax["URW: Discrediting Ukraine"]
    assert all(s.startswith(n + ": ") for n, subs in tax.items() for s in subs)


def test_decode_follows_the_label_hierarchy():
    parents = {"URW: A: x": "URW: A", "URW: A: y": "URW: A", "CC: B: z": "CC: B"}
    narr = {"URW: A": 0.9, "CC: B": 0.6, "CC: C": 0.1}
    subs = {"URW: A: x": 0.2, "URW: A: y": 0.8, "CC: B: z": 0.1}
    n, s = decode(narr, subs, parents, 0.5, 0.5)
    assert n == ["URW: A", "CC: B"]
    assert s == ["URW: A: y", "CC: B: Other"]  # B kept, none of its sub-narratives: "B: Other"
    assert decode({"URW: A": 0.3}, {}, parents, 0.5, 0.5) == ([OTHER], [OTHER])


# --- user taxonomies ----------------------------------------------------------------------------


def test_user_taxonomy_loads():
    tax = user_taxonomy.load(DL / "taxonomy.yaml")
    assert tax.name == "harbour-narratives"
    assert [n.name for n in tax.narratives] == ["Foreign takeover of the port", "Jobs will be lost",
                                                "Corruption at city hall"]
    assert tax.threshold == 0.2 and len(tax.narratives[0].examples) == 3


@pytest.mark.parametrize("name, message", [
    ("bad-missing-name.yaml", "line 7: narrative without a name"),
    ("bad-duplicate.yaml", "line 8: duplicate narrative name 'energy blackmail' (first on line 2)"),
    ("bad-empty-examples.yaml", "line 4: narrative 'Energy blackmail': examples must be a non-empty list"),
    ("bad-syntax.yaml", "not valid YAML"),
])
def test_bad_taxonomy_names_the_line(name, message):
    with pytest.raises(SlantError, match=message.replace("(", r"\(").replace(")", r"\)")):
        user_taxonomy.load(DL / name)


@pytest.mark.parametrize("name", ["bad-missing-name.yaml", "bad-duplicate.yaml", "bad-empty-examples.yaml"])
def test_bad_taxonomy_is_one_line_on_the_command_line(name, capsys):
    for argv in (["narratives", "check", str(DL / name)],
                 ["analyze", str(EXAMPLES / "harbour-deal-2023.txt"), "--narratives", str(DL / name)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("slant: error: ") and name in err and ", line " in err
        assert len(err.splitlines()) == 1


def test_user_taxonomy_end_to_end(tmp_path):
    out = tmp_path / "a.json"
    assert main(["analyze", str(EXAMPLES / "harbour-deal-2023.txt"), "--narratives", str(DL / "taxonomy.yaml"),
                 "--format", "json", "--out", str(out)]) == 0
    art = json.loads(out.read_text("utf-8"))
    labels = [lab for lab in art["labels"] if lab["task"] == "harbour-narratives"]
    assert labels, "no narrative of the user taxonomy reached its threshold"
    assert [lab["score"] for lab in labels] == sorted((lab["score"] for lab in labels), reverse=True)
    sentences = {(s["start"], s["end"]) for s in art["sentences"]}
    for lab in labels:
        assert 1 <= len(lab["evidence"]) <= 3
        assert all((e["start"], e["end"]) in sentences for e in lab["evidence"])
    # the harbour article is about a port handed to foreign operators and striking dockworkers
    assert {lab["label"] for lab in labels[:2]} & {"Foreign takeover of the port", "Jobs will be lost"}


def test_user_taxonomy_leaves_an_unrelated_article_unlabelled(tmp_path):
    """Matching is by what the text is about: a story on another subject reaches no harbour
    narrative, while the harbour article reaches two (above)."""
    story = tmp_path / "vaccine.txt"
    story.write_text(
        "Measles vaccination rates fall in rural schools\n\n"
        "Health officials warned on Monday that fewer children in rural districts received the measles "
        "vaccine this year. Doctors blamed long travel times to clinics and a shortage of nurses. "
        "The ministry plans mobile clinics for the spring, and parents can book a visit online.\n\n"
        "Paediatricians said the outbreak risk grows when coverage falls below 95 percent.", "utf-8")
    out = tmp_path / "b.json"
    assert main(["analyze", str(story), "--narratives", str(DL / "taxonomy.yaml"), "--format", "json",
                 "--out", str(out)]) == 0
    art = json.loads(out.read_text("utf-8"))
    assert not [lab for lab in art["labels"] if lab["task"] == "harbour-narratives"]


def test_narratives_check_reports_valid_file(capsys):
    assert main(["narratives", "check", str(DL / "taxonomy.yaml")]) == 0
    out = capsys.readouterr().out
    assert "taxonomy 'harbour-narratives' is valid: 3 narratives, 7 examples" in out
    assert "closest narratives" in out


# --- the SemEval heads on the sample article -------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    seg = Segmenter()
    art = seg(parse_plain((EXAMPLES / "harbour-deal-2023.txt").read_text("utf-8")))
    for name in ("genre", "frames", "narratives"):
        art = registry.get(name)()(art)
    return art


def test_sample_gets_a_genre_with_probabilities(sample):
    (g,) = [lab for lab in sample.labels if lab.task == "genre"]
    probs = {k: float(v) for k, v in g.extra.items()}
    assert set(probs) == {"reporting", "opinion", "satire"}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-3)
    assert g.label == max(probs, key=probs.get) and g.score == pytest.approx(probs[g.label], abs=1e-3)
    assert 1 <= len(g.evidence) <= 3


def test_sample_gets_frames_and_narratives_with_evidence(sample):
    sentences = {(s.start, s.end) for s in sample.sentences}
    frames = [lab for lab in sample.labels if lab.task == "frames"]
    narrs = [lab for lab in sample.labels if lab.task == "narratives"]
    subs = [lab for lab in sample.labels if lab.task == "subnarratives"]
    assert frames and narrs and subs
    assert {f.label for f in frames} <= set(json.loads((MODELS / "frames" / "head.json").read_text())["labels"])
    for lab in frames + narrs:
        assert 0.0 <= lab.score <= 1.0
        if lab.label != OTHER:
            assert 1 <= len(lab.evidence) <= 3
            assert all((e.start, e.end) in sentences for e in lab.evidence)


def test_genre_prior_moves_probability_to_reporting():
    from slant.analysers.genre import prior_shift

    cfg = json.loads((MODELS / "genre" / "head.json").read_text())
    feed, corpus = prior_shift(cfg, "feed"), prior_shift(cfg, "corpus")
    rep = cfg["labels"].index("reporting")
    assert feed[rep] - feed.mean() > corpus[rep] - corpus.mean()
    with pytest.raises(SlantError, match="unknown prior"):
        prior_shift(cfg, "tabloid")


def test_heads_skip_the_encoder_when_techniques_left_states(sample):
    """A head reuses ``art._encoded``: with states present, the encoder session is never loaded."""
    seg = Segmenter()
    art = seg(parse_plain("The port reopened on Monday. Ships queued outside the harbour."))
    head = registry.get("frames")()
    head.load()
    head.encoder.encode([art])
    other = registry.get("genre")()
    other.load()
    other(art)
    assert not other.encoder._sessions


# --- submission formats and label files ----------------------------------------------------------


def test_predict_genre_and_frames_formats(tmp_path):
    base = DL / "data" / "semeval2023-task3" / "en"
    out1, out2 = tmp_path / "st1.txt", tmp_path / "st2.txt"
    assert main(["predict", "semeval2023-st1", str(base / "train-articles-subtask-1"), "-o", str(out1)]) == 0
    assert main(["predict", "semeval2023-st2", str(base / "train-articles-subtask-2"), "-o", str(out2)]) == 0
    rows = [line.split("\t") for line in out1.read_text().splitlines()]
    assert [r[0] for r in rows] == ["7001", "7002"]
    assert all(len(r) == 2 and r[1] in {"reporting", "opinion", "satire"} for r in rows)
    frames = set(json.loads((MODELS / "frames" / "head.json").read_text())["labels"])
    rows = [line.split("\t") for line in out2.read_text().splitlines()]
    assert [r[0] for r in rows] == ["7001", "7002"]
    assert all(len(r) == 2 and r[1] and set(r[1].split(",")) <= frames for r in rows)


def test_predict_narratives_format(tmp_path):
    docs = DL / "data" / "semeval2025-task10" / "train" / "EN" / "raw-documents"
    out = tmp_path / "st2.txt"
    assert main(["predict", "semeval2025-st2", str(docs), "-o", str(out)]) == 0
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert [r[0] for r in rows] == ["EN_CC_700002.txt", "EN_UA_700001.txt"]
    tax = load_semeval_taxonomy()
    for _, narrs, subs in rows:
        for n in narrs.split(";"):
            assert n == OTHER or n in tax
        for s in subs.split(";"):
            assert s == OTHER or s.endswith(": Other") or any(s in v for v in tax.values())


def test_corpus_readers_on_fixtures():
    from slant.tasks import corpora

    g = corpora.semeval2023_doc_labels(DL / "data", 1)
    assert [(d.id, d.labels) for d in g] == [("7001", ["reporting"]), ("7002", ["opinion"])]
    f = corpora.semeval2023_doc_labels(DL / "data", 2)
    assert f[1].labels == ["Political", "Public_opinion"]
    n = corpora.semeval2025_narratives(DL / "data", "EN")
    assert n[0].id == "EN_UA_700001.txt" and len(n[0].labels) == 2 and n[1].sublabels == [OTHER]


def test_bad_label_file_is_one_line_error(capsys):
    assert main(["eval", "genre", "--data", str(DL / "bad-data")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("slant: error: ") and "train-labels-subtask-1.txt:2: expected id<TAB>label(s)" in err
    assert len(err.splitlines()) == 1


def test_shipped_heads_are_small_and_consistent():
    for name in ("genre", "frames", "narratives"):
        folder = MODELS / name
        cfg = json.loads((folder / "head.json").read_text())
        w = np.load(folder / "head.npz")["weight"]
        assert w.shape[1] == len(cfg["labels"])
        assert (folder / "MODEL_CARD.md").stat().st_size > 200
        assert sum(p.stat().st_size for p in folder.iterdir()) < 2_000_000


# --- against ../shared/data (skipped when absent) -----------------------------------------------


@pytest.mark.shared_data
def test_taxonomy_covers_every_english_label(shared_data):
    from slant.tasks import corpora

    tax = load_semeval_taxonomy()
    subs = {s for v in tax.values() for s in v}
    for d in corpora.semeval2025_narratives(shared_data, "EN"):
        assert all(n == OTHER or n in tax for n in d.labels), d.id
        assert all(s == OTHER or s.endswith(": Other") or s in subs for s in d.sublabels), d.id


@pytest.mark.shared_data
def test_validation_ids_exist_and_shipped_scores_meet_targets(shared_data):
    from slant.tasks import corpora

    cfg = {n: json.loads((MODELS / n / "head.json").read_text()) for n in ("genre", "frames", "narratives")}
    for name, subtask in (("genre", 1), ("frames", 2)):
        for lang, ids in cfg[name]["validation"].items():
            split = cfg[name]["validation_split"][lang]
            assert set(ids) <= {d.id for d in corpora.semeval2023_doc_labels(shared_data, subtask, lang, split)}, lang
    assert len(cfg["genre"]["validation"]["en"]) > 50 and set(cfg["genre"]["validation"]) == set(LANGS23)
    for lang, ids in cfg["narratives"]["validation"].items():
        split = cfg["narratives"]["validation_split"][lang]
        assert set(ids) <= {d.id for d in corpora.semeval2025_narratives(shared_data, lang, split)}, lang
    # the scores the trainer measured on those documents: every head beats the organisers' baseline
    # (or the trivial answer) in every language; English genre misses the 0.60 (docs)
    for lang, row in cfg["genre"]["scores"].items():
        assert row["feed"]["macro_f1"] > row["majority_macro_f1"], lang
        assert row["feed"]["macro_f1"] > row.get("baseline_macro_f1", 0), lang
    for lang, row in cfg["frames"]["scores"].items():
        assert row["micro_f1"] > max(row.get("baseline_micro_f1", 0), row["common_micro_f1"]), lang
    assert cfg["frames"]["scores"]["en"]["micro_f1"] >= 0.65
    for lang, row in cfg["narratives"]["scores"].items():
        assert row["narratives_f1"] > row["baseline_other_narratives_f1"], lang
    assert cfg["narratives"]["scores"]["EN"]["narratives_f1"] >= 0.45


def test_a_head_fitted_on_another_encoder_is_refused(tmp_path):
    """A new encoder of the same width gives features of the right shape and the wrong meaning:
    the head names the encoder weights it was fitted on, and another encoder is a one-line error."""
    import json
    import shutil

    from slant.analysers.genre import Genre
    from slant.doclabels import MODELS
    from slant.errors import SlantError

    enc = tmp_path / "encoder"
    shutil.copytree(MODELS / "techniques", enc)
    Genre(encoder=str(enc)).load()  # the same weights: accepted
    head = tmp_path / "genre"
    shutil.copytree(MODELS / "genre", head)
    cfg = json.loads((head / "head.json").read_text())
    cfg["encoder_sha"] = "0123456789abcdef"
    (head / "head.json").write_text(json.dumps(cfg))
    with pytest.raises(SlantError, match="fitted on another encoder.*slant train genre"):
        Genre(model=str(head), encoder=str(enc)).load()
