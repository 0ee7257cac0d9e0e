"""Subjectivity: the scorer, the TSV reader and its errors, the analyser on articles, the task format."""

import io
from pathlib import Path

import pytest

from slant import cli
from slant.tasks import formats
from slant.analysers.subjectivity import HEAD_FILE, MODEL_DIR, summarise
from slant.article import Article, Sentence, SentenceScore, Span
from slant.tasks.corpora import read_subjectivity_tsv
from slant.errors import SlantError
from slant.tasks.scoring import subjectivity_scores

FIX = Path(__file__).parent / "fixtures" / "subjectivity"
needs_model = pytest.mark.skipif(not (MODEL_DIR / HEAD_FILE).is_file(),
                                 reason=f"subjectivity head not built ({MODEL_DIR / HEAD_FILE})")


def test_scores_follow_the_official_measure():
    gold = ["SUBJ", "SUBJ", "OBJ", "OBJ", "OBJ"]
    pred = ["SUBJ", "OBJ", "OBJ", "OBJ", "SUBJ"]
    sc = subjectivity_scores(gold, pred)
    # SUBJ: tp 1, fp 1, fn 1 -> F1 0.5; OBJ: tp 2, fp 1, fn 1 -> F1 2/3
    assert sc["subj_f1"] == pytest.approx(0.5)
    assert sc["obj_f1"] == pytest.approx(2 / 3)
    assert sc["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert sc["accuracy"] == pytest.approx(0.6)
    assert subjectivity_scores(["OBJ"], ["OBJ"])["subj_f1"] == 0.0
    with pytest.raises(ValueError):
        subjectivity_scores(["OBJ"], [])


def test_reader_takes_the_task_layout():
    rows = read_subjectivity_tsv(FIX / "sentences.tsv")
    assert [r.id for r in rows] == ["s1", "s2", "s3", "s4"]
    assert [r.label for r in rows] == ["OBJ", "SUBJ", "OBJ", "SUBJ"]
    assert rows[1].text.startswith("This shameful deal")


@pytest.mark.parametrize("name, words", [("bad_label.tsv", ["line 3", "MAYBE"]),
                                         ("missing_column.tsv", ["line 3", "columns"])])
def test_reader_errors_name_the_line(name, words):
    with pytest.raises(SlantError) as err:
        read_subjectivity_tsv(FIX / name)
    assert all(w in str(err.value) for w in words)


def test_cli_bad_tsv_is_one_line_and_nonzero(capsys):
    code = cli.main(["predict", "checkthat-subjectivity", str(FIX / "bad_label.tsv")])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.count("\n") == 0 and err.startswith("slant: error:") and "line 3" in err


def test_summary_shares_and_evidence():
    text = "A said. B felt. C saw.\n\nD wept."
    art = Article(text=text, paragraphs=[Span(start=0, end=22), Span(start=24, end=31)],
                  sentences=[Sentence(start=0, end=7, paragraph=0), Sentence(start=8, end=15, paragraph=0),
                             Sentence(start=16, end=22, paragraph=0), Sentence(start=24, end=31, paragraph=1)])
    scores = [SentenceScore(start=s.start, end=s.end, sentence=i, label=lab, score=p)
              for i, (s, lab, p) in enumerate(zip(art.sentences, ["OBJ", "SUBJ", "SUBJ", "SUBJ"], [0.1, 0.6, 0.9, 0.7]))]
    labels = summarise(art, scores, k=2)
    whole = labels[0]
    assert whole.paragraph == -1 and whole.score == pytest.approx(0.75)
    assert [(e.start, e.end) for e in whole.evidence] == [(16, 22), (24, 31)]  # strongest first
    per_para = {lab.paragraph: lab.score for lab in labels[1:]}
    assert per_para == {0: pytest.approx(2 / 3, abs=1e-4), 1: pytest.approx(1.0)}


@needs_model
def test_analyser_scores_every_sentence(sample_path):
    import slant

    nlp = slant.load(analysers=["segment", "techniques", "subjectivity"])
    art = nlp(sample_path)
    assert len(art.subjectivity) == len(art.sentences) > 5
    model = next(a for a in nlp.analysers if a.name == "subjectivity").model
    for i, (s, sc) in enumerate(zip(art.sentences, art.subjectivity)):
        assert (sc.start, sc.end, sc.sentence) == (s.start, s.end, i)
        assert 0.0 <= sc.score <= 1.0
        assert sc.label == ("SUBJ" if sc.score >= model.thresholds["context"] else "OBJ")
    summary = [lab for lab in art.labels if lab.task == "subjectivity"]
    assert summary[0].paragraph == -1
    assert len(summary) == 1 + len({s.paragraph for s in art.sentences})
    # the same numbers without the techniques analyser before it (the head encodes by itself)
    alone = slant.load(analysers=["segment", "subjectivity"])(sample_path)
    assert [s.score for s in alone.subjectivity] == pytest.approx([s.score for s in art.subjectivity], abs=1e-4)
    assert "_encoded" not in art.to_json().decode()
    prov = next(p for p in art.provenance if p.layer == "subjectivity")
    assert prov.model.endswith(":context-head")


@needs_model
def test_sentence_head_option_encodes_each_sentence_alone(sample_path):
    """in_context = false: each sentence through the encoder on its own, read by the sentence head,
    exactly the numbers of SubjectivityModel.sentence_probs on the sentence texts."""
    import slant

    cfg = {"pipeline": {"analysers": ["segment", "subjectivity"]},
           "analysers": {"subjectivity": {"in_context": False}}}
    nlp = slant.load(cfg)
    art = nlp(sample_path)
    model = nlp.analysers[1].model
    expect = model.sentence_probs([art.text[s.start:s.end] for s in art.sentences])
    assert [s.score for s in art.subjectivity] == pytest.approx([float(p) for p in expect], abs=1e-4)
    assert all(s.label == model.label(s.score, "sentence") for s in art.subjectivity)
    prov = next(p for p in art.provenance if p.layer == "subjectivity")
    assert prov.model.endswith(":sentence-head")


def test_context_head_fit_helpers():
    """The logistic fit recovers a separable rule from soft targets, and the teacher's shifted
    probabilities put its threshold at 0.5 and keep their order."""
    import numpy as np

    from slant.train.subjectivity import fit_logistic, shifted

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6)) * np.array([1, 2, 3, 1, 1, 5]) + 3.0  # unscaled, off-centre
    truth = x[:, 0] - 0.5 * x[:, 2] + 1.0
    y = 1.0 / (1.0 + np.exp(-2 * truth))
    w, b = fit_logistic(x, y, np.ones(len(y)), l2=1e-4, steps=800)
    pred = (x @ w + b) > 0
    assert (pred == (truth > 0)).mean() > 0.95
    p = np.array([0.5, 0.86, 0.9, 0.99, 0.1])
    q = shifted(p, 0.86)
    assert q[1] == pytest.approx(0.5)
    assert list(np.argsort(q)) == list(np.argsort(p))
    assert q[0] < 0.5 < q[2]


@needs_model
def test_predict_writes_the_task_format():
    buf = io.StringIO()
    n = formats.predict("checkthat-subjectivity", [FIX / "sentences.tsv"], buf)
    lines = buf.getvalue().splitlines()
    assert n == 4 and lines[0] == "sentence_id\tlabel"
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["s1", "s2", "s3", "s4"]
    assert all(ln.split("\t")[1] in ("SUBJ", "OBJ") for ln in lines[1:])


@needs_model
def test_clear_opinions_score_above_plain_reports():
    from slant.analysers.subjectivity import SubjectivityModel

    m = SubjectivityModel()
    m.load()
    rows = read_subjectivity_tsv(FIX / "sentences.tsv")
    p = m.sentence_probs([r.text for r in rows])
    subj = [pi for pi, r in zip(p, rows) if r.label == "SUBJ"]
    obj = [pi for pi, r in zip(p, rows) if r.label == "OBJ"]
    assert min(subj) > max(obj)


def test_report_names_only_the_sentence_layers_it_shows():
    from slant.sinks.report import ReportSink

    text = "The plan is a disgrace. Unemployment rose by 4% in 2023."
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))],
                  sentences=[Sentence(start=0, end=23, paragraph=0), Sentence(start=24, end=len(text), paragraph=0)])
    art.subjectivity = [SentenceScore(start=0, end=23, sentence=0, label="SUBJ", score=0.9)]

    def page() -> str:
        buf = io.StringIO()
        ReportSink(buf, width=200).write(art)
        return buf.getvalue()

    assert "Sentences: subjectivity (top 5)" in page() and "claims" not in page()
    art.claims = [SentenceScore(start=24, end=len(text), sentence=1, label="check-worthy", score=0.8)]
    assert "Sentences: subjectivity (top 5)" in page() and "Check-worthy claims: 1 of 1 sentence" in page()
