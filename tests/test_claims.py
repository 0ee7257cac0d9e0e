"""Check-worthy claims: the CheckThat! 2024 reader and its errors, slant's split and passages, the
official measure, the submission writer, the analyser on an article (with a head fitted here, and
with the shipped one), the CLI."""

import io
import json
from pathlib import Path

import numpy as np
import pytest

from slant import cli
from slant.analysers.claims import MODEL_DIR, NEGATIVE, POSITIVE, Claims, fragment
from slant.article import Article, SentenceScore
from slant.doclabels import ENCODER_DIR
from slant.errors import SlantError
from slant.tasks import corpora
from slant.tasks.claims import passage_article, write_checkworthy
from slant.tasks.corpora import LabelledSentence, checkworthy_split, read_checkworthy_tsv, sentence_passages
from slant.tasks.scoring import checkworthy_scores

FIX = Path(__file__).parent / "fixtures" / "claims"
needs_encoder = pytest.mark.skipif(not (ENCODER_DIR / "model.onnx").is_file(),
                                   reason=f"shared encoder not built ({ENCODER_DIR / 'model.onnx'})")
needs_head = pytest.mark.skipif(not (MODEL_DIR / "head.npz").is_file(),
                                reason=f"claims head not built ({MODEL_DIR}); run `slant train claims`")
DATA = corpora.data_dir(required=False)
needs_data = pytest.mark.skipif(DATA is None or not (DATA / corpora.CHECKWORTHY_DIR).is_dir(),
                                reason="../shared/data/checkthat2024-checkworthiness is not here")


def test_reader_unwraps_csv_quoted_texts():
    rows = read_checkworthy_tsv(FIX / "sentences.tsv")
    assert [r.id for r in rows] == ["80", "81", "82", "84", "120"]
    assert [r.label for r in rows] == ["Yes", "No", "No", "Yes", "No"]
    assert rows[1].text.startswith("Now, let's balance") and rows[1].text.endswith("environment.")
    assert rows[4].text == 'You know, I saw a movie - "Crocodile Dundee."'
    assert rows[0].text == "We're consuming 50 percent of the world's cocaine."  # untouched


def test_reader_without_labels_and_its_errors():
    rows = read_checkworthy_tsv(FIX / "unlabelled.tsv")
    assert [(r.id, r.label) for r in rows] == [("7", None), ("8", None)]
    with pytest.raises(SlantError, match="no class_label column"):
        read_checkworthy_tsv(FIX / "unlabelled.tsv", labelled=True)
    with pytest.raises(SlantError) as err:
        read_checkworthy_tsv(FIX / "bad_label.tsv")
    assert "line 3" in str(err.value) and "Maybe" in str(err.value)


def test_official_measure_is_f1_of_yes():
    gold = ["Yes", "Yes", "No", "No", "No"]
    pred = ["Yes", "No", "Yes", "No", "No"]
    sc = checkworthy_scores(gold, pred)
    assert sc["p"] == pytest.approx(0.5) and sc["r"] == pytest.approx(0.5) and sc["f1"] == pytest.approx(0.5)
    assert sc["accuracy"] == pytest.approx(0.6)
    assert checkworthy_scores(["No"], ["No"])["f1"] == 0.0
    with pytest.raises(ValueError):
        checkworthy_scores(["No"], [])


def _sents(ids):
    return [LabelledSentence(str(i), f"sentence {i}", "Yes" if i % 3 == 0 else "No") for i in ids]


def test_split_keeps_the_last_ids_apart_and_halves_dev():
    train, dev = _sents(range(1, 100)), _sents(range(100, 140, 2))
    split = checkworthy_split(train, dev, apart=10)
    assert sorted(map(int, split["apart"])) == list(range(120, 140, 2))  # the last 10 ids (dev ones here)
    parts = [set(v) for v in split.values()]
    assert sum(map(len, parts)) == len(set().union(*parts)) == len(train) + len(dev)  # disjoint, complete
    assert len(split["tune"]) == len(split["test"]) == 5  # 20 dev ids, 10 of them apart
    assert split == checkworthy_split(train, dev, apart=10)  # reproducible


def test_passages_follow_consecutive_ids():
    sents = _sents([5, 1, 2, 3, 9, 10, 11, 12, 40])
    got = [[s.id for s in p] for p in sentence_passages(sents, gap=3, size=3)]
    # 3 -> 5 is a gap of 2 (inside a passage), 5 -> 9 of 4 (a new one); at most 3 sentences each
    assert got == [["1", "2", "3"], ["5"], ["9", "10", "11"], ["12"], ["40"]]


def test_passage_article_keeps_each_sentence():
    sents = read_checkworthy_tsv(FIX / "sentences.tsv")
    art = passage_article(sents)
    assert [art.text[s.start:s.end] for s in art.sentences] == [s.text for s in sents]


def test_submission_writer_layout():
    out = io.StringIO()
    assert write_checkworthy(out, [("80", True), ("81", False)]) == 2
    assert out.getvalue() == "Sentence_id\tclass_label\n80\tYes\n81\tNo\n"


def test_claims_layer_round_trips():
    art = Article(text="Taxes rose 5%. Fine.")
    art.claims = [SentenceScore(start=0, end=14, sentence=0, label=POSITIVE, score=0.91)]
    assert Article.from_json(art.to_json()) == art
    assert json.loads(art.to_json())["claims"][0]["label"] == POSITIVE


@pytest.mark.parametrize("text, why", [
    ("– says Politico, speaking about the loss of Putin’s policy – he supports the dictator.", "attribution"),
    ("— said union leader Marek Dobrin at a rally outside the port gates on Monday.", "attribution"),
    ("-- noted the minister before the meeting in Sochi.", "attribution"),
    ("Trump tweeted.", "short"), ("WaPo reports:", "short"), ("Dalton Trumbo.", "short"), ("–Newsweek", "short"),
    ("* * *", "short"), ("2", "short"), ("Iranian Aggression Intensifies", "short"),
    ("More than 500 injured.", None), ("Unemployment fell to 3.5 percent.", None),
    ("– Unemployment fell to 3.5 percent in May, the ministry said.", None),  # a dash, then a capital: a sentence
    ("The talks – said to be secret – ended on Monday.", None),
])
def test_fragments_are_told_apart(text, why):
    assert fragment(text) == why


def _fitted_head(tmp_path: Path, threshold: float = 0.5) -> Path:
    """A claims head fitted here (least squares on the shipped encoder's features of the fixture
    sentences, read off one pass over them all): it scores the two sentences with figures high."""
    from slant.doclabels import features
    from slant.encoder import OnnxEncoder
    from slant.train.doclabels import encoder_key

    sents = read_checkworthy_tsv(FIX / "sentences.tsv")
    art = passage_article(sents)
    (enc,) = OnnxEncoder(ENCODER_DIR).encode([art])
    x = features(enc, [(s.start, s.end) for s in art.sentences])
    y = np.asarray([4.0 if s.label == "Yes" else -4.0 for s in sents])
    mu = x.mean(axis=0)
    w = np.linalg.lstsq(np.c_[x - mu, np.ones(len(x))], y, rcond=None)[0]
    weight, bias = w[:-1], w[-1] - mu @ w[:-1]
    folder = tmp_path / "claims"
    folder.mkdir()
    np.savez(folder / "head.npz", weight=weight[:, None].astype(np.float32), bias=np.asarray([bias], np.float32))
    (folder / "head.json").write_text(json.dumps({"labels": [POSITIVE], "threshold": threshold, "version": "t",
                                                  "encoder_sha": encoder_key(ENCODER_DIR)}))
    return folder


@needs_encoder
def test_analyser_reads_the_techniques_pass(tmp_path):
    from slant.analysers.techniques import Techniques

    folder = _fitted_head(tmp_path)
    art = Techniques()(passage_article(read_checkworthy_tsv(FIX / "sentences.tsv")))
    encoded = art._encoded
    art = Claims(model=str(folder))(art)
    assert art._encoded is encoded  # no second pass
    assert [c.sentence for c in art.claims] == list(range(len(art.sentences)))
    assert [(c.start, c.end) for c in art.claims] == [(s.start, s.end) for s in art.sentences]
    assert [c.label for c in art.claims] == [POSITIVE, NEGATIVE, NEGATIVE, POSITIVE, NEGATIVE]
    assert all(0.0 <= c.score <= 1.0 and (c.label == POSITIVE) == (c.score >= 0.5) for c in art.claims), art.claims
    assert any(p.layer == "claims" and p.analyser == "claims" and p.model == "claims@t" for p in art.provenance)


@needs_encoder
def test_analyser_refuses_a_head_of_another_encoder(tmp_path):
    folder = _fitted_head(tmp_path)
    cfg = json.loads((folder / "head.json").read_text())
    (folder / "head.json").write_text(json.dumps({**cfg, "encoder_sha": "0" * 16}))
    with pytest.raises(SlantError, match="another encoder"):
        Claims(model=str(folder)).load()


@needs_encoder
def test_lexical_layer_is_added_and_fragments_score_zero(tmp_path):
    import slant
    from slant.analysers.claims import LEXICAL_FILE, ClaimsModel
    from slant.tfidf import TfidfLinear

    folder = _fitted_head(tmp_path)
    x = np.zeros((2, ClaimsModel(folder).head.weight.shape[0]), np.float32)
    plain = ClaimsModel(folder).probs(x)
    TfidfLinear(["percent"], np.ones(1), np.asarray([[6.0]]), np.zeros(1), [POSITIVE]).save(folder / LEXICAL_FILE)
    cfg = json.loads((folder / "head.json").read_text())
    (folder / "head.json").write_text(json.dumps({**cfg, "fusion": {"head": 1.0, "lexical": 1.0}}))
    model = ClaimsModel(folder)
    mixed = model.probs(x, ["Taxes rose 5 percent.", "We thank you all."])
    assert mixed[0] > plain[0] and mixed[1] == pytest.approx(plain[1])  # the word adds 6 to the logit
    with pytest.raises(SlantError, match="texts"):
        model.probs(x)

    text = ("Belarusians have always considered Russians to be their brothers, but this may change.\n\n"
            "– emphasized the member of the opposition council Svetlana Alexievich.\n\nTrump tweeted.")
    nlp = slant.load(analysers=["segment", "techniques"])
    art = Claims(model=str(folder), threshold=0.0)(nlp(text))  # threshold 0: every real sentence is marked
    got = [(art.text[c.start:c.end][:12], c.label, c.score) for c in art.claims]
    assert got[0][1] == POSITIVE
    assert got[1:] == [("– emphasized", NEGATIVE, 0.0), ("Trump tweete", NEGATIVE, 0.0)]


@needs_head
def test_shipped_head_scores_the_sample_article(sample_path):
    import slant

    nlp = slant.load(analysers=["segment", "techniques", "claims"])
    art = nlp(sample_path)
    model = next(a for a in nlp.analysers if a.name == "claims").model
    assert len(art.claims) == len(art.sentences) > 5
    assert all((c.label == POSITIVE) == (c.score >= model.threshold) for c in art.claims)
    cfg = json.loads((MODEL_DIR / "head.json").read_text())
    assert cfg["scores"]["test"]["f1"] > 0.5 and cfg["threshold"] == model.threshold


@needs_head
def test_cli_predict_writes_the_task_format(tmp_path):
    out = tmp_path / "pred.tsv"
    assert cli.main(["predict", "checkthat-checkworthiness", str(FIX / "sentences.tsv"), "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "Sentence_id\tclass_label"
    assert [line.split("\t")[0] for line in lines[1:]] == ["80", "81", "82", "84", "120"]
    assert {line.split("\t")[1] for line in lines[1:]} <= {"Yes", "No"}


def test_cli_bad_tsv_is_one_line_and_nonzero(capsys):
    code = cli.main(["predict", "checkthat-checkworthiness", str(FIX / "bad_label.tsv")])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.count("\n") == 0 and err.startswith("slant: error:") and "line 3" in err


@needs_data
def test_the_shared_files_read_whole():
    train = corpora.checkthat_checkworthiness(DATA, "train")
    dev = corpora.checkthat_checkworthiness(DATA, "dev")
    assert (len(train), len(dev)) == (22501, 1032)
    split = checkworthy_split(train, dev)
    assert {k: len(v) for k, v in split.items()} == {"train": 21901, "tune": 516, "test": 516, "apart": 600}


def test_corpus_filter_has_check_worthy_claims(tmp_path):
    from slant.article import Meta, Sentence, Span
    from slant.search import Filters, search
    from slant.store import BatchCounts, Pending, open_store

    def article(title: str, label: str) -> Article:
        text = "Unemployment fell to 3.5 percent. We thank you" + ("." if label == POSITIVE else "!")
        art = Article(text=text, meta=Meta(title=title, source="wire"))
        art.paragraphs = [Span(start=0, end=len(text))]
        art.sentences = [Sentence(start=0, end=33, paragraph=0), Sentence(start=34, end=len(text), paragraph=0)]
        art.claims = [SentenceScore(start=0, end=33, sentence=0, label=label, score=0.8 if label == POSITIVE else 0.3),
                      SentenceScore(start=34, end=len(text), sentence=1, label=NEGATIVE, score=0.05)]
        return art

    arts = [article("with a claim", POSITIVE), article("without", NEGATIVE)]
    with open_store(str(tmp_path / "c.db")) as store:
        run = store.begin_run(slant_version="test", pipeline="t", config={}, engine="local", workers=1, inputs=[])
        store.write_batch(run, [Pending(a, a.to_json().decode()) for a in arts], BatchCounts(read=2, stored=2), "t")
        assert [h.title for h in search(store, filters=Filters(claims=True))] == ["with a claim"]
        assert sorted(h.title for h in search(store, filters=Filters())) == ["with a claim", "without"]
        # The exports carry the check-worthy sentences.
        from slant.export import export

        export(store, "label-studio", tmp_path / "ls.json", filters=Filters(claims=True))
        (task,) = json.loads((tmp_path / "ls.json").read_text())
        regions = [r for r in task["predictions"][0]["result"] if r["value"].get("labels") == ["Check-worthy claim"]]
        assert [(r["value"]["text"], r["score"]) for r in regions] == [("Unemployment fell to 3.5 percent.", 0.8)]
        export(store, "brat", tmp_path / "brat", filters=Filters(claims=True))
        ann = next((tmp_path / "brat").glob("*.ann")).read_text()
        assert "\tCheck-worthy_claim 0 33\tUnemployment fell to 3.5 percent." in ann
        export(store, "csv", tmp_path / "c.csv")
        import csv

        rows = {r["title"]: r["claims"] for r in csv.DictReader((tmp_path / "c.csv").open())}
        assert rows == {"with a claim": "Unemployment fell to 3.5 percent.", "without": ""}


def test_report_lists_the_check_worthy_sentences_strongest_first():
    from slant.article import Sentence, Span
    from slant.sinks.report import ReportSink

    text = "Thank you all. Unemployment rose by 4% in 2023. The deficit doubled in four years."
    bounds = [(0, 14), (15, 47), (48, len(text))]
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))],
                  sentences=[Sentence(start=a, end=b, paragraph=0) for a, b in bounds])

    def page() -> str:
        buf = io.StringIO()
        ReportSink(buf, width=200).write(art)
        return buf.getvalue()

    assert "Check-worthy" not in page()  # the layer was not run
    art.claims = [SentenceScore(start=a, end=b, sentence=i, label=lab, score=p) for i, ((a, b), lab, p) in
                  enumerate(zip(bounds, [NEGATIVE, POSITIVE, POSITIVE], [0.02, 0.61, 0.93]))]
    out = page()
    assert "Check-worthy claims: 2 of 3 sentences" in out
    table = out.split("Check-worthy claims")[1]
    assert table.index("0.93") < table.index("0.61") and table.index("The deficit doubled") < table.index("Unemployment rose")
    assert "Thank you all" not in table
    art.claims = [SentenceScore(start=a, end=b, sentence=i, label=NEGATIVE, score=0.1) for i, (a, b) in enumerate(bounds)]
    assert "Check-worthy claims: none of 3 sentences" in page()
