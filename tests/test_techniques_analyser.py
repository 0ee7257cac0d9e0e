"""The techniques analyser with the shipped ONNX model, on small invented texts (no training)."""

import io
import re
from pathlib import Path

import numpy as np
import pytest

from slant.tasks import formats
from slant.analysers.techniques import MODEL_DIR, Techniques
from slant.article import Article, Span, TechniqueSpan
from slant.readers.plain import parse_plain

FIX = Path(__file__).parent / "fixtures" / "techniques"

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "model.onnx").is_file(), reason=f"technique model not built ({MODEL_DIR}/model.onnx)"
)


@pytest.fixture(scope="module")
def analyser():
    a = Techniques()
    a.load()
    return a


def _article(text: str) -> Article:
    from slant.analysers.segment import Segmenter

    return Segmenter()(parse_plain(text))


def test_spans_and_paragraph_sets(analyser):
    text = (FIX / "articles" / "article9001.txt").read_text("utf-8")
    art = analyser(_article(text))
    assert len(art.paragraph_techniques) == len(art.paragraphs)
    for t in art.techniques:
        assert 0 <= t.start < t.end <= len(art.text)
        assert 0.0 <= t.confidence <= 1.0
        assert t.paragraph == art.paragraph_of(t.start)
    for pt in art.paragraph_techniques:
        assert all(0.0 <= v <= 1.0 for v in pt.techniques.values())
    assert {p.layer for p in art.provenance} >= {"techniques", "paragraph_techniques"}


def test_encoder_output_is_cached_for_later_heads(analyser):
    art = _article("The corrupt elite betrayed us all.\n\nThey will pay for this disgrace.")
    analyser(art)
    enc = art._encoded
    assert enc.hidden.shape == (len(enc), 384)
    assert enc.outputs["techniques"].shape == (len(enc), len(analyser.model.names))
    analyser(art)  # a second head on the same article reuses the pass
    assert art._encoded is enc
    assert "_encoded" not in art.to_json().decode()


def test_long_article_is_read_in_windows(analyser):
    para = "The so-called experts lied to the nation again, and the shameful cover-up goes on."
    text = "\n\n".join(f"{i}. {para}" for i in range(120))
    art = analyser(_article(text))
    enc = art._encoded
    assert len(enc.windows) > 2
    assert enc.offsets.shape[0] == enc.outputs["techniques"].shape[0]
    assert (np.diff(enc.offsets[:, 0]) > 0).all()  # tokens in article order after merging
    assert len(art.paragraph_techniques) == 120
    assert all(0 <= t.start < t.end <= len(text) for t in art.techniques)
    # the same sentence far apart gets (nearly) the same scores: the windows line up
    first = art.paragraph_techniques[1].techniques
    last = art.paragraph_techniques[118].techniques
    assert set(first) == set(last)


def test_empty_and_whitespace_articles(analyser):
    art = analyser(Article(text=""))
    assert art.techniques == [] and art.paragraph_techniques == []
    art = analyser(Article(text="   \n  ", paragraphs=[Span(start=0, end=6)]))
    assert art.techniques == []


def test_batch_equals_one_by_one(analyser):
    texts = ["Traitors! They sold the harbour for nothing.", "The ferry leaves at seven.",
             "Only a fool would believe the minister, a known liar."]
    one = [analyser(_article(t)) for t in texts]
    many = list(analyser.pipe([_article(t) for t in texts], batch_size=3))
    for a, b in zip(one, many):
        assert [(t.start, t.end, t.technique) for t in a.techniques] == \
               [(t.start, t.end, t.technique) for t in b.techniques]


def test_streams_and_prefetch_change_nothing():
    """Windows run on several one-thread sessions side by side, and the next batch is encoded while
    this one is decoded: the outputs must be exactly those of one session, one batch at a time."""
    texts = [(FIX / "articles" / f).read_text("utf-8") for f in ("article9001.txt", "article9002.txt")]
    texts += ["Traitors! They sold the harbour for nothing.", "The ferry leaves at seven.",
              " ".join(["The so-called experts lied to the nation again."] * 200)]  # 10 windows: shared
    serial = Techniques(threads=1)
    parallel = Techniques(threads=2)
    assert serial.load() is None and parallel.load() is None
    assert serial.model.encoder.streams == 1 and parallel.model.encoder.streams == 2
    a = list(serial.pipe([_article(t) for t in texts], batch_size=2))
    b = list(parallel.pipe([_article(t) for t in texts], batch_size=2))  # three batches, prefetched
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x._encoded.hidden, y._encoded.hidden)
        assert x.techniques == y.techniques and x.paragraph_techniques == y.paragraph_techniques
    # start() hands the windows to the worker streams and returns; result() joins them, and
    # articles already encoded by this encoder are not encoded again
    fresh = [_article(t) for t in texts]
    pending = parallel.model.encoder.start(fresh)
    encs = pending.result()
    assert [e.model for e in encs] == [parallel.model.encoder.id] * len(texts)
    assert all(x is y for x, y in zip(pending.result(), encs, strict=True))
    assert parallel.model.encoder.start(fresh).runs is None
    for x, e in zip(a, encs, strict=True):
        assert np.array_equal(x._encoded.hidden, e.hidden)
    # run_all keeps the order of its batches whichever stream ran them
    enc = parallel.model.encoder
    assert len(enc._sessions) == 2  # the second session opened for the long article
    ids = [np.array([[enc.cls_id] + [2000 + i] * (3 + i) + [enc.sep_id]]) for i in range(12)]
    outs = enc.run_all([(x, np.ones_like(x)) for x in ids])
    for x, out in zip(ids, outs, strict=True):
        assert out["hidden"].shape[1] == x.shape[1]
        assert np.array_equal(out["hidden"], enc.run(x, np.ones_like(x))["hidden"])


def test_predict_st3_writes_every_line(analyser):
    out = io.StringIO()
    n = formats.predict("semeval2023-st3", [FIX / "articles"], out, model=analyser.model)
    lines = out.getvalue().splitlines()
    assert n == len(lines) == 5 + 3  # non-empty lines of the two fixture articles
    assert [tuple(line.split("\t")[:2]) for line in lines][:3] == [("9001", "1"), ("9001", "2"), ("9001", "4")]
    names = set(analyser.model.names)
    for line in lines:
        doc, num, techs = line.split("\t")
        assert techs == "" or set(techs.split(",")) <= names


def test_predict_flc_and_tc(analyser):
    from slant import taxonomy

    labels = set(taxonomy.load().semeval2020_labels)
    out = io.StringIO()
    formats.predict("semeval2020-flc", [FIX / "articles"], out, model=analyser.model)
    for line in out.getvalue().splitlines():
        assert re.fullmatch(r"900[12]\t[^\t]+\t\d+\t\d+", line)
        assert line.split("\t")[1] in labels
    out = io.StringIO()
    n = formats.predict("semeval2020-tc", [FIX / "articles"], out, template=FIX / "tc-template.txt",
                        model=analyser.model)
    rows = [line.split("\t") for line in out.getvalue().splitlines()]
    assert n == 3 and [(r[0], r[2], r[3]) for r in rows] == [("9001", "77", "96"), ("9001", "215", "243"),
                                                             ("9002", "0", "5")]
    assert all(r[1] in labels for r in rows)


def test_report_highlights_by_category():
    from slant import taxonomy
    from slant.sinks.report import ReportSink

    text = "They are traitors, all of them."
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))])
    art.techniques = [TechniqueSpan(start=9, end=17, technique="Name_Calling-Labeling", confidence=0.8,
                                    paragraph=0)]
    buf = io.StringIO()
    ReportSink(buf).write(art)
    page = buf.getvalue()
    assert "traitors[Name Calling / Labeling]" in page  # tagged with the humanised name
    assert taxonomy.category_of("Name_Calling-Labeling") in page


def test_report_tags_a_span_ending_with_its_paragraph_once():
    from slant.sinks.report import ReportSink

    text = "Is it true? Nobody knows.\n\nThey lied."
    art = Article(text=text, paragraphs=[Span(start=0, end=25), Span(start=27, end=len(text))])
    art.techniques = [TechniqueSpan(start=12, end=25, technique="Doubt", confidence=0.6, paragraph=0),
                      TechniqueSpan(start=32, end=36, technique="Loaded_Language", confidence=0.3, paragraph=1)]
    buf = io.StringIO()
    ReportSink(buf, width=200).write(art)
    page = buf.getvalue()
    assert page.count("[Doubt]") == 1 and "knows.[Doubt]" in page
    assert page.count("[Loaded Language]") == 1 and "lied[Loaded Language]" in page


def test_worker_streams_never_share_a_session():
    """With three streams and batch lists queued behind running ones, each session still runs one
    window at a time, and the outputs are those of a single stream."""
    import threading

    long_text = " ".join(["The so-called experts lied to the nation again."] * 200)  # 10 windows
    texts = [long_text, "Traitors! They sold the harbour for nothing.", long_text, long_text]
    one = Techniques(threads=1)
    one.load()
    three = Techniques(threads=3)
    three.load()
    enc = three.model.encoder
    busy: dict[int, bool] = {}
    clashes = []
    lock = threading.Lock()
    plain_run = enc.run

    def watched(ids, mask, stream=0):
        with lock:
            clashes.append(busy.get(stream, False))
            busy[stream] = True
        try:
            return plain_run(ids, mask, stream)
        finally:
            with lock:
                busy[stream] = False

    enc.run = watched
    a = list(one.pipe([_article(t) for t in texts], batch_size=1))
    b = list(three.pipe([_article(t) for t in texts], batch_size=1))
    assert len(enc._sessions) == 3 and len(clashes) > 30 and not any(clashes)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x._encoded.hidden, y._encoded.hidden) and x.techniques == y.techniques


def test_batched_decoding_equals_article_by_article(analyser):
    """``annotate_many`` stacks a batch's token rows and runs each model once; it must give what
    the per-article functions that training tunes the thresholds on (``token_probs``, ``spans``,
    ``paragraph_scores``) give each article alone, also for articles with no token and for
    paragraphs holding none."""
    texts = [p.read_text("utf-8") for p in sorted((FIX / "articles").iterdir())]
    sample = Path(__file__).resolve().parent.parent / "examples"
    texts += [p.read_text("utf-8") for p in sorted(sample.glob("*.txt"))]
    texts += ["Shameful!\n\n \n\nThe traitors lied, and the corrupt elite knows it."]
    arts = [_article(t) for t in texts]
    arts += [Article(text="", paragraphs=[]), Article(text="   \n\n  ", paragraphs=[Span(start=0, end=3)]),
             Article(text="Liars! \n  ", paragraphs=[Span(start=0, end=7), Span(start=8, end=11)])]
    model = analyser.model
    model.encoder.encode(arts)
    model.annotate_many(arts)
    th = model.thresholds
    for art in arts:
        enc = art._encoded
        probs = model.token_probs(enc, art.text)
        spans = model.spans(art.text, enc, probs, model.sentences_of(art))
        assert [(t.start, t.end, t.technique) for t in art.techniques] == [(s, e, n) for s, e, n, _ in spans]
        assert np.allclose([t.confidence for t in art.techniques], [c for *_, c in spans], atol=1e-4)
        scores = model.paragraph_scores(enc, probs, [(p.start, p.end) for p in art.paragraphs], text=art.text)
        assert [sorted(p.techniques) for p in art.paragraph_techniques] == \
            [sorted(n for j, n in enumerate(model.names) if row[j] >= th.paragraph[n]) for row in scores]
    assert any(a.techniques for a in arts) and any(p.techniques for a in arts for p in a.paragraph_techniques)


def test_blas_keeps_to_one_thread_while_batches_are_in_flight(analyser):
    """numpy's BLAS threads would spin on the cores the encoder's sessions run on: the analyser
    holds BLAS to one thread until its last article is out, then gives the old setting back."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        arts = analyser.pipe([_article("The corrupt elite lied.") for _ in range(3)], batch_size=2)
        next(arts)
        assert blas_threads() and set(blas_threads()) == {1}
        list(arts)
        assert blas_threads() == before


def test_blas_limit_is_lifted_when_the_last_of_overlapping_blocks_ends():
    """Two pipelines in two threads: the first to finish must not lift the limit under the other,
    and the last must give back the old setting."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from slant.encoder import blas_on_one_thread

    def blas_threads():
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        a, b = blas_on_one_thread(), blas_on_one_thread()
        a.__enter__()
        b.__enter__()
        a.__exit__(None, None, None)  # the first ends while the second still runs
        assert blas_threads() == {1}
        b.__exit__(None, None, None)
        assert blas_threads() == before
