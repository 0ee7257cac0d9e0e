"""The numpy TF-IDF model gives scikit-learn's numbers, and the repetition cues count what they say."""

from __future__ import annotations

import numpy as np
import pytest

from slant.tfidf import TfidfLinear, repetition, terms

TRAIN = [
    ("The so-called reform is a shameless betrayal of every honest worker.", 1),
    ("Traitors in the capital sold our harbour for a handful of coins.", 1),
    ("Wake up: the corrupt elite will take everything you own.", 1),
    ("The shameless elite betrayed the workers again, the traitors.", 1),
    ("The ministry published the quarterly port figures on Tuesday.", 0),
    ("Dock traffic rose four percent compared with the previous year.", 0),
    ("The council will meet on Thursday to discuss the harbour budget.", 0),
    ("Officials said the figures would be revised in the spring.", 0),
]


def test_terms_are_sklearn_unigrams_and_bigrams():
    assert terms("The U.S. port, a port!") == ["the", "port", "port", "the port", "port port"]


def test_repetition_marks_trigrams_shared_with_other_paragraphs():
    paras = ["they will never stop us", "nothing new here at all", "they will never stop us now, they will never"]
    rep = repetition(paras)
    assert rep[0, 0] == pytest.approx(1.0) and rep[1, 0] == 0.0
    assert 0.0 < rep[2, 0] < 1.0 and rep[2, 1] == 2  # "they will never" twice in the third


def test_numpy_model_matches_sklearn_and_survives_save(tmp_path):
    sk = pytest.importorskip("sklearn", reason="scikit-learn is what the model is exported from")
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    assert sk
    texts = [t for t, _ in TRAIN]
    y = np.array([lab for _, lab in TRAIN])
    extra = repetition(texts)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    x = hstack([vec.fit_transform(texts), csr_matrix(extra)]).tocsr()
    lr = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    model = TfidfLinear(vocab, vec.idf_, lr.coef_.T, lr.intercept_, ["Loaded"])

    new = ["Shameless traitors sold the harbour, the so-called reform.", "The council published figures.",
           "Words the model never saw at all."]
    new_extra = repetition(new)
    want = lr.predict_proba(hstack([vec.transform(new), csr_matrix(new_extra)]).tocsr())[:, 1]
    got = model.probs(new, new_extra)[:, 0]
    assert got == pytest.approx(want, abs=1e-6)
    assert got[0] > 0.5 > got[1]

    model.save(tmp_path / "m.npz", lexical_weight=0.7)
    again, meta = TfidfLinear.load(tmp_path / "m.npz")
    assert meta == {"lexical_weight": pytest.approx(0.7)} and again.labels == ["Loaded"]
    assert again.probs(new, new_extra)[:, 0] == pytest.approx(want, abs=2e-3)  # float16 weights on disk
    with pytest.raises(ValueError, match="2 extra features"):
        again.probs(new)
    # texts scored together get what each gets alone (rows are normalised one by one)
    together = again.probs(new, new_extra)
    for i, text in enumerate(new):
        assert again.probs([text], new_extra[i : i + 1])[0] == pytest.approx(together[i], abs=1e-12)


def test_word_tagger_sums_the_weights_of_each_words_features(tmp_path):
    from slant.word_tagger import WordTagger, word_features, words

    text = "The corrupt elite lied. The council met."
    ws = words(text)
    assert [w for *_, w in ws] == ["the", "corrupt", "elite", "lied", "the", "council", "met"]
    feats = word_features(ws, text)
    assert feats[1]["w=corrupt"] == 1.0 and feats[1]["pw=the|corrupt"] == 1.0 and feats[0]["p=<s>"] == 1.0
    assert feats[0]["cap"] == 1.0 and "cap" not in feats[1]  # a zero feature is left out
    vocab = ["w=corrupt", "wn=corrupt|elite", "w=council", "cap"]
    dense = np.array([[2.0, 0.0], [1.0, 0.5], [0.0, 3.0], [0.001, 0.0]])
    tagger = WordTagger.from_dense(vocab, dense, np.array([-1.0, -2.0]), ["Loaded", "Other"], min_weight=0.01)
    assert set(tagger.table) == {"w=corrupt", "wn=corrupt|elite", "w=council"}  # "cap" pruned
    _, p = tagger.probs(text)
    z = np.array([-1.0, -2.0]) + dense[0] + dense[1]  # "corrupt": its word and its bigram with "elite"
    assert p[1] == pytest.approx(1 / (1 + np.exp(-z)))
    assert p[5, 1] == pytest.approx(1 / (1 + np.exp(-(-2.0 + 3.0))))
    assert p[3] == pytest.approx(1 / (1 + np.exp(-np.array([-1.0, -2.0]))))  # "lied": nothing known
    tagger.save(tmp_path / "w.npz", encoder_weight=0.3)
    again, meta = WordTagger.load(tmp_path / "w.npz")
    assert meta == {"encoder_weight": pytest.approx(0.3)}
    assert again.probs(text)[1] == pytest.approx(p, abs=2e-3)


def test_piece_tables_give_the_logits_of_the_word_and_neighbour_vectors(tmp_path):
    """The tagger stores its embedding weights multiplied out per word piece; a word's logit must be
    what the linear model fitted on mean piece vectors of the word and its neighbours gives."""
    from slant.word_tagger import WordTagger, dense_features, dense_logits, piece_means, words

    text = "An usurper-king ruled. Then peace."
    ws = words(text)
    assert [w for *_, w in ws] == ["an", "usurper-king", "ruled", "then", "peace"]
    # word pieces as a WordPiece tokenizer cuts them: "usurper-king" -> us ##ur ##per - king
    offsets = np.array([[0, 2], [3, 5], [5, 7], [7, 10], [10, 11], [11, 15], [16, 21], [21, 22],
                        [23, 27], [28, 33], [33, 34]])
    ids = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7])
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 4))
    means = piece_means(ws, ids, offsets, vectors)
    assert means[1] == pytest.approx(vectors[1:6].mean(axis=0))  # five pieces, "-" included
    assert means[2] == pytest.approx(vectors[6])  # "." is in no word
    feats = dense_features(ws, ids, offsets, vectors)
    assert feats.shape == (5, 12)
    assert feats[0, 4:8] == pytest.approx(0.0) and feats[4, 8:] == pytest.approx(0.0)  # no neighbour
    assert feats[2, 4:8] == pytest.approx(means[1]) and feats[2, 8:] == pytest.approx(means[3])
    weight = rng.normal(size=(12, 2))
    tables = np.stack([vectors @ weight[4 * i : 4 * (i + 1)] for i in range(3)])
    assert dense_logits(ws, ids, offsets, tables) == pytest.approx(feats @ weight)

    bias = np.array([-1.0, 0.5])
    tagger = WordTagger.from_dense(["w=ruled"], np.array([[2.0, 0.0]]), bias, ["A", "B"], piece_tables=tables)
    _, p = tagger.probs(text, (ids, offsets))
    z = bias + feats @ weight
    z[2, 0] += 2.0
    assert p == pytest.approx(1 / (1 + np.exp(-z)))
    with pytest.raises(ValueError, match="word pieces"):
        tagger.probs(text)
    # twice in one batch: the second "an" must not read the first text's "peace" as its neighbour
    both = tagger.probs_many([text, text], [(ids, offsets), (ids, offsets)])
    assert both[0][1] == pytest.approx(p) and both[1][1] == pytest.approx(p)
    tagger.save(tmp_path / "w.npz")
    again, _ = WordTagger.load(tmp_path / "w.npz")
    assert again.probs(text, (ids, offsets))[1] == pytest.approx(p, abs=5e-3)  # float16 on disk


def test_batched_tagger_gives_what_each_text_gives_alone(tmp_path):
    """``probs_many`` looks features up by word id over texts laid end to end; it must give, for
    every text, the numbers of the feature-name reference, with no neighbour leaking across texts."""
    from slant.word_tagger import WordTagger, feature_columns, word_features, words

    texts = ["The corrupt elite lied.", "", "Traitors!", "So-called experts lied again, the corrupt elite said.",
             "Elite", "the council met the elite", "The dictator-same usurper's tyrant cabal"]
    lexicon = {"corrupt": "loaded", "traitors": "epithet", "usurper": "epithet", "dictator": "epithet",
               "tyrant": "epithet"}
    # every feature the texts have, from every template, plus some no text has
    names = sorted({n for t in texts for col, _ in feature_columns(words(t), t, lexicon) for n in col}
                   | {"w=absent", "pw=the|absent", "suf=zzz"})
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(len(names), 3)) * (rng.random((len(names), 1)) < 0.7)
    dense[names.index("lex=epithet")] = [2.0, 0.0, 0.0]
    tagger = WordTagger.from_dense(names, dense, rng.normal(size=3), ["A", "B", "C"], lexicon=lexicon)
    many = tagger.probs_many(texts)
    assert len(many) == len(texts)
    for text, (ws, p) in zip(texts, many):
        ws_ref, p_ref = tagger.probs_reference(text)
        assert ws == ws_ref and p.shape == (len(ws), 3)
        assert p == pytest.approx(p_ref, abs=1e-12)
    # "lied" never begins a text in the batch, yet alone "Elite" must still see "<s>" and "</s>"
    assert tagger.probs("Elite")[1] == pytest.approx(many[4][1])
    # listed words and hyphenated or possessive forms of them carry their kind's weight
    feats = word_features(words(texts[-1]), texts[-1], lexicon)
    assert feats[1]["lex=epithet"] == 1.0 and feats[2]["lex=epithet"] == 1.0  # dictator-same, usurper's
    assert feats[3]["plex=epithet"] == 1.0 and "lex=epithet" not in feats[0]
    tagger.save(tmp_path / "w.npz")
    again, _ = WordTagger.load(tmp_path / "w.npz")
    assert again.lexicon == lexicon  # the list the weights were fitted with travels with them
    assert again.probs(texts[-1])[1] == pytest.approx(many[-1][1], abs=5e-3)


def test_word_lexicon_file_and_its_errors(tmp_path):
    from slant.word_tagger import LEXICON_FILE, read_lexicon

    lexicon = read_lexicon(LEXICON_FILE)
    assert lexicon["usurper"] == "epithet" and set(lexicon.values()) == {"epithet", "loaded", "intensifier"}
    bad = tmp_path / "lex.tsv"
    bad.write_text("# kinds\nliar\tepithet\nno kind here\n", "utf-8")
    with pytest.raises(ValueError, match="lex.tsv:3"):
        read_lexicon(bad)
