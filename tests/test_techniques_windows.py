"""Window planning and merging of the shared encoder, and span decoding from token scores."""

import numpy as np
import pytest

from slant import encoder
from slant.analysers.techniques import Thresholds, decode_spans, token_runs, widen_to_words


@pytest.mark.parametrize("n", [0, 1, 10, 254, 255, 300, 1000, 5003])
def test_windows_cover_every_token_and_fit(n):
    plan = encoder.plan_windows(n, size=254, overlap=64)
    covered = set()
    for a, b in plan:
        assert 0 <= a < b <= n and b - a <= 254
        covered.update(range(a, b))
    assert covered == set(range(n))
    for (a0, b0), (a1, _) in zip(plan, plan[1:]):
        assert b0 - a1 >= 64  # neighbours overlap by at least the overlap


@pytest.mark.parametrize("n", [255, 300, 445, 446, 1000, 5003])
def test_windows_are_equal_and_as_few_as_fit(n):
    plan = encoder.plan_windows(n, size=254, overlap=64)
    assert len({b - a for a, b in plan}) == 1
    assert plan[0][0] == 0 and plan[-1][1] == n
    # one window fewer could not cover n tokens with the overlap kept
    k = len(plan)
    assert (k - 1) * 254 - (k - 2) * 64 < n


def test_just_over_the_window_costs_little():
    assert encoder.plan_windows(300, size=254, overlap=64) == [(0, 182), (118, 300)]


def test_short_text_is_one_window():
    assert encoder.plan_windows(40) == [(0, 40)]
    assert encoder.plan_windows(0) == []


def test_owner_cuts_tile_without_gaps():
    plan = encoder.plan_windows(1000, size=100, overlap=30)
    cuts = encoder.owner_cuts(plan)
    assert cuts[0][0] == 0 and cuts[-1][1] == 1000
    for (lo, hi), (a, b) in zip(cuts, plan):
        assert a <= lo < hi <= b
    for (_, hi), (lo, _) in zip(cuts, cuts[1:]):
        assert hi == lo


def test_merge_takes_each_token_from_the_window_where_it_is_central():
    n = 500
    plan = encoder.plan_windows(n, size=100, overlap=40)
    # each window reports its own index for every token, and the token's absolute position
    outs = [np.stack([np.full(b - a, w), np.arange(a, b)], axis=1).astype(np.float32)
            for w, (a, b) in enumerate(plan)]
    merged = encoder.merge_windows(plan, outs, n)
    assert merged.shape == (n, 2)
    assert (merged[:, 1] == np.arange(n)).all()  # rows land back at article positions
    for t in range(n):
        w = int(merged[t, 0])
        a, b = plan[w]
        margin = min(t - a, b - 1 - t)
        # no other window holding t has a larger margin around it (ties allowed)
        for a2, b2 in plan:
            if a2 <= t < b2:
                assert min(t - a2, b2 - 1 - t) <= margin + 1


def test_merged_spans_come_back_in_article_offsets():
    """A span predicted in a later window is placed at its article offsets after merging."""
    text = " ".join(f"w{i}" for i in range(600))
    offsets = []
    pos = 0
    for word in text.split(" "):
        offsets.append((pos, pos + len(word)))
        pos += len(word) + 1
    offsets = np.array(offsets, dtype=np.int32)
    plan = encoder.plan_windows(len(offsets), size=100, overlap=20)
    # the "model" marks tokens 410..415 in whichever window sees them
    outs = []
    for a, b in plan:
        col = np.zeros((b - a, 1), dtype=np.float32)
        for t in range(410, 416):
            if a <= t < b:
                col[t - a] = 0.9
        outs.append(col)
    probs = encoder.merge_windows(plan, outs, len(offsets))
    spans = decode_spans(text, offsets, probs, ["Loaded_Language"], {"Loaded_Language": 0.5})
    assert len(spans) == 1
    s, e, name, conf = spans[0]
    assert text[s:e] == "w410 w411 w412 w413 w414 w415"
    assert conf == pytest.approx(0.9)


def test_encoded_tokens_in_a_character_range():
    enc = encoder.Encoded(model="m", offsets=np.array([[0, 3], [4, 8], [9, 12], [13, 20]], dtype=np.int32),
                          outputs={"hidden": np.arange(8, dtype=np.float32).reshape(4, 2)})
    assert list(enc.tokens_in(4, 12)) == [1, 2]
    assert list(enc.tokens_in(21, 30)) == []
    pooled = encoder.pool_spans(enc, [(0, 8), (30, 40)])
    assert pooled.shape == (2, 4)
    assert list(pooled[0]) == [1.0, 2.0, 2.0, 3.0]  # mean then max
    assert not pooled[1].any()


def test_token_runs_join_single_gaps():
    mask = np.array([0, 1, 1, 0, 1, 0, 0, 1, 0], dtype=bool)
    assert token_runs(mask, gap=1) == [(1, 4), (7, 7)]
    assert token_runs(mask, gap=0) == [(1, 2), (4, 4), (7, 7)]
    assert token_runs(np.zeros(4, dtype=bool)) == []


def test_spans_widen_to_whole_words():
    text = "an unbelievably corrupt regime"
    assert widen_to_words(text, 5, 10) == (3, 15)  # "believ" inside "unbelievably"
    assert widen_to_words(text, 3, 15) == (3, 15)


def test_thresholds_are_per_technique():
    text = "aaa bbb ccc"
    offsets = np.array([[0, 3], [4, 7], [8, 11]], dtype=np.int32)
    probs = np.array([[0.6, 0.6], [0.1, 0.6], [0.1, 0.1]], dtype=np.float32)
    names = ["Doubt", "Slogans"]
    spans = decode_spans(text, offsets, probs, names, {"Doubt": 0.5, "Slogans": 0.7})
    assert [(s, e, t) for s, e, t, _ in spans] == [(0, 3, "Doubt")]
    spans = decode_spans(text, offsets, probs, names, {"Doubt": 0.7, "Slogans": 0.5})
    assert [(s, e, t) for s, e, t, _ in spans] == [(0, 7, "Slogans")]


def test_thresholds_file_round_trip(tmp_path):
    th = Thresholds(span={"Doubt": 0.3}, paragraph={"Doubt": 0.4}, paragraph_source="head+spans", gap=2)
    import json

    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({**th.to_json(), "span_default": 0.25, "paragraph_default": 0.35}))
    back = Thresholds.load(path, ["Doubt", "Slogans"])
    assert back.span == {"Doubt": 0.3, "Slogans": 0.25}
    assert back.paragraph == {"Doubt": 0.4, "Slogans": 0.35}
    assert back.paragraph_source == "head+spans" and back.gap == 2
    # without a file every technique falls back to 0.5
    assert Thresholds.load(tmp_path / "missing.json", ["Doubt"]).span == {"Doubt": 0.5}


def test_spans_stop_at_line_breaks():
    text = "aaa bbb\nccc ddd"
    offsets = np.array([[0, 3], [4, 7], [8, 11], [12, 15]], dtype=np.int32)
    probs = np.array([[0.9], [0.9], [0.9], [0.2]], dtype=np.float32)
    spans = decode_spans(text, offsets, probs, ["Loaded_Language"], {"Loaded_Language": 0.5})
    assert [text[s:e] for s, e, _, _ in spans] == ["aaa bbb", "ccc"]
    # a gap token just before the break is not part of the first piece
    probs = np.array([[0.9], [0.2], [0.9], [0.9]], dtype=np.float32)
    spans = decode_spans(text, offsets, probs, ["Loaded_Language"], {"Loaded_Language": 0.5})
    assert [text[s:e] for s, e, _, _ in spans] == ["aaa", "ccc ddd"]


def test_spans_of_one_technique_merge_and_others_overlap():
    from slant.analysers.techniques import merge_same_technique

    spans = [(0, 10, "Doubt", 0.4), (5, 20, "Doubt", 0.7), (25, 30, "Doubt", 0.5), (3, 8, "Slogans", 0.9)]
    assert merge_same_technique(spans) == [(0, 20, "Doubt", 0.7), (3, 8, "Slogans", 0.9), (25, 30, "Doubt", 0.5)]


def test_sentence_head_turns_sentences_into_spans():
    """A technique read from sentences gets the sentences its head scores over the threshold;
    with "both", a token run inside such a sentence merges into it."""
    from slant.analysers.techniques import TechniqueModel, sentence_spans_of

    model = TechniqueModel()
    names = model.names
    j = names.index("Doubt")
    text = "Is this true? Nobody knows. The sky is blue."
    sentences = sentence_spans_of(text, [(0, len(text))])
    assert [text[a:b] for a, b in sentences] == ["Is this true?", "Nobody knows.", "The sky is blue."]
    starts = [0, 3, 8, 14, 21, 28, 32, 36, 39]
    offsets = np.array([[s, s + len(w)] for s, w in zip(starts, text.split())], dtype=np.int32)
    k = len(names)
    enc = encoder.Encoded(model="m", offsets=offsets,
                          outputs={"hidden": np.zeros((len(offsets), 2), np.float32),
                                   "techniques": np.zeros((len(offsets), k), np.float32)})
    probs = np.full((len(offsets), k), 0.01, np.float32)
    probs[2, j] = 0.9  # "true?"
    # a head that reads only the sentence's strongest Doubt token: sigmoid(10 x max - 5)
    model.sent_w = np.zeros((2 * 2 + 2 * k + k, k), np.float32)
    model.sent_w[2 * 2 + 2 * k + j, j] = 10.0
    model.sent_b = np.full(k, -5.0, np.float32)
    sp = model.sentence_probs(enc, probs, sentences)
    assert sp[0, j] == pytest.approx(1 / (1 + np.exp(-4.0)), abs=1e-5) and sp[1, j] < 0.5

    th = Thresholds(span={n: 0.5 for n in names}, paragraph={n: 0.5 for n in names},
                    sentence={"Doubt": 0.5}, span_source={"Doubt": "sentences"})
    got = model.spans(text, enc, probs, sentences, th)
    assert [(text[s:e], t) for s, e, t, _ in got] == [("Is this true?", "Doubt")]
    th.span_source["Doubt"] = "tokens"
    assert [text[s:e] for s, e, _, _ in model.spans(text, enc, probs, sentences, th)] == ["true?"]
    th.span_source["Doubt"] = "both"
    probs[6, j] = 0.9  # "sky", in a sentence the head leaves out (its max is 0.9 too: raise the bar)
    th.sentence["Doubt"] = 0.99
    assert [text[s:e] for s, e, _, _ in model.spans(text, enc, probs, sentences, th)] == ["true?", "sky"]
    th.sentence["Doubt"] = 0.5
    got = model.spans(text, enc, probs, sentences, th)
    assert [text[s:e] for s, e, _, _ in got] == ["Is this true?", "The sky is blue."]


def test_thresholds_refuse_an_unknown_span_source(tmp_path):
    import json

    from slant.errors import SlantError

    path = tmp_path / "thresholds.json"
    th = Thresholds(span={"Doubt": 0.3}, paragraph={"Doubt": 0.4}, sentence={"Doubt": 0.6},
                    span_source={"Doubt": "both"})
    path.write_text(json.dumps(th.to_json()))
    back = Thresholds.load(path, ["Doubt", "Slogans"])
    assert back.sentence == {"Doubt": 0.6} and back.source("Doubt") == "both" and back.source("Slogans") == "tokens"
    path.write_text(json.dumps({**th.to_json(), "span_source": {"Doubt": "paragraphs"}}))
    with pytest.raises(SlantError, match="span_source must be one of"):
        Thresholds.load(path, ["Doubt"])


def test_reduce_rows_matches_slicing():
    """Sums and maxima over many token ranges at once (empty, overlapping, unordered, running to
    the last row) must equal reducing each slice alone."""
    rng = np.random.default_rng(3)
    arr = rng.normal(size=(30, 4)).astype(np.float32)
    lo = np.array([0, 5, 5, 29, 10, 12, 3, 0, 20])
    hi = np.array([30, 9, 5, 30, 11, 40, 8, 1, 30]).clip(max=30)
    for op in (np.add, np.maximum):
        got = encoder.reduce_rows(arr, lo, hi, op)
        for i, (a, b) in enumerate(zip(lo, hi)):
            want = op.reduce(arr[a:b], axis=0) if b > a else np.zeros(4)
            assert got[i] == pytest.approx(want, abs=1e-5)


def test_pool_spans_of_character_ranges():
    offsets = np.array([[0, 3], [4, 9], [10, 12], [13, 20]], dtype=np.int32)
    states = np.arange(8, dtype=np.float32).reshape(4, 2)
    enc = encoder.Encoded(model="m", offsets=offsets, outputs={"hidden": states})
    pooled = encoder.pool_spans(enc, [(0, 9), (10, 20), (3, 4), (4, 20)])
    assert pooled[0] == pytest.approx([1, 2, 2, 3])  # tokens 0 and 1: mean then max
    assert pooled[1] == pytest.approx([5, 6, 6, 7])
    assert pooled[2] == pytest.approx([0, 0, 0, 0])  # no token begins in a space
    assert pooled[3] == pytest.approx([4, 5, 6, 7])


def test_stream_count_follows_threads_then_env_then_cores(monkeypatch):
    from slant.analysers.techniques import MODEL_DIR

    monkeypatch.delenv("SLANT_THREADS", raising=False)
    assert encoder.OnnxEncoder(MODEL_DIR, threads=3).streams == 3
    monkeypatch.setattr(encoder.os, "cpu_count", lambda: 64)
    assert encoder.OnnxEncoder(MODEL_DIR).streams == encoder.DEFAULT_STREAMS  # not 64 sessions
    monkeypatch.setattr(encoder.os, "cpu_count", lambda: 1)
    assert encoder.OnnxEncoder(MODEL_DIR).streams == 1
    monkeypatch.setenv("SLANT_THREADS", "2")  # what an engine gives each worker
    assert encoder.OnnxEncoder(MODEL_DIR).streams == 2


def test_a_run_of_function_words_alone_is_not_a_span():
    from slant.analysers.techniques import only_function_words

    text = "The corrupt elite, who lied, said none of the truth"
    words = text.split()
    starts = [text.index(w, sum(len(x) + 1 for x in words[:i])) for i, w in enumerate(words)]
    offsets = np.array([[a, a + len(w)] for a, w in zip(starts, words)], dtype=np.int32)
    probs = np.zeros((len(words), 1), np.float32)
    probs[[1, 2], 0] = 0.9  # "corrupt elite,"
    probs[[7, 8], 0] = 0.9  # "of the"
    spans = decode_spans(text, offsets, probs, ["Loaded_Language"], {"Loaded_Language": 0.5})
    assert [text[s:e] for s, e, _, _ in spans] == ["corrupt elite,"]
    assert only_function_words("of the") and only_function_words("") and not only_function_words("the usurper")


def test_a_span_does_not_end_on_a_conjunction_or_preposition():
    from slant.analysers.techniques import trim_trailing_words

    text = "Lukashenko, as a politician and supporter of the Kremlin"
    s = text.index("a politician")

    def trimmed(span: str) -> str:
        return text[s : trim_trailing_words(text, s, s + len(span))]

    assert trimmed("a politician and") == "a politician"
    assert trimmed("a politician and supporter of the") == "a politician and supporter"
    assert trimmed("a politician and supporter of the Kremlin") == "a politician and supporter of the Kremlin"
    assert trimmed("a") == "a"  # a span keeps its first word
