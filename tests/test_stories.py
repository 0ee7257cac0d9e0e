"""Story similarity (slant.stories): the profile of an article, its language-neutral views (per-language
centres), the pair features, the heads, the index thresholds, the
SemEval-2022 Task 8 plumbing (pairs, split, predict), and the shipped model on small real texts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from slant.article import Article
from slant.encoder import Encoded
from slant.stories import FEATURES, LEXICAL, Head, Story, StoryModel, compose, language_code, numbers
from slant.tasks.stories import Pair, narrative_grade, NarrativeDoc, pearson, read_pairs, split_pairs
from slant.train.stories import best_threshold, fit_head, fit_neutral, ridge, threshold_scores, token_idf

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stories"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_compose_puts_the_title_first_once():
    assert compose("Title", "Body text.") == "Title\n\nBody text."
    assert compose("Title", "Title\n\nBody text.") == "Title\n\nBody text."
    assert compose(None, "  Body.  ") == "Body."


def test_numbers_ignore_separators():
    assert numbers("1,500 troops on 9 August; 1.500 Soldaten") == {"1500", "9"}
    assert numbers("عام ٢٠٢٠") == {"2020"}


def test_read_pairs_keeps_ids_languages_and_gold(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [{"pair_id": "1_2", "lang1": "de", "lang2": "en", "title1": "T", "text1": "Ein Text.", "text2": "A text.",
             "Overall": 2.5}, {"pair_id": "3_4", "lang1": "en", "lang2": "en", "text1": "x", "text2": "y"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    pairs = read_pairs(path)
    assert [(p.pair_id, p.cross, p.overall) for p in pairs] == [("1_2", True, 2.5), ("3_4", False, None)]
    assert pairs[0].text1 == "T\n\nEin Text."


def test_read_pairs_names_the_line_of_a_bad_row(tmp_path):
    from slant.errors import InputError

    path = tmp_path / "bad.jsonl"
    path.write_text('{"pair_id": "1", "text1": "a"}\n', "utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:1: .*need pair_id"):
        read_pairs(path)


def test_split_is_fixed_about_a_fifth_and_keeps_shared_articles_together():
    pairs = [Pair(f"p{i}", "en", "en", f"text {i}", f"text {i + 1000}", 1.0) for i in range(200)]
    pairs += [Pair("s1", "en", "en", "shared", "other 1", 2.0), Pair("s2", "en", "en", "shared", "other 2", 3.0)]
    held = split_pairs(pairs)
    assert held == split_pairs(pairs)  # same seed, same split
    assert 35 <= len(held) <= 45
    assert ("s1" in held) == ("s2" in held)


def test_pearson_is_nan_on_a_constant():
    assert pearson([1, 2, 3], [2, 4, 6.5]) == pytest.approx(0.9986, abs=1e-3)
    assert np.isnan(pearson([1, 1, 1], [1, 2, 3]))


def test_narrative_grades():
    def doc(domain, narr=(), sub=(), lang="EN"):
        return NarrativeDoc("d", lang, "", domain, frozenset(narr), frozenset(sub))

    a = doc("URW", ["URW: Blaming the war on others"], ["URW: Blaming the war on others: The West"])
    assert narrative_grade(a, doc("CC", ["CC: Hoax"])) == 4
    assert narrative_grade(a, doc("URW", ["URW: Praise of Russia"])) == 3
    assert narrative_grade(a, doc("URW", ["URW: Blaming the war on others"], ["x"])) == 2
    assert narrative_grade(a, doc("URW", [], ["URW: Blaming the war on others: The West"], "RU")) == 1


def test_ridge_recovers_a_linear_rule():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 3))
    y = z @ np.array([1.0, -2.0, 0.5]) + 3.0
    w, b = ridge(z, y, 1e-6)
    assert np.allclose(w, [1.0, -2.0, 0.5], atol=1e-4) and b == pytest.approx(3.0, abs=1e-4)


def test_token_idf_ranks_rare_ids_higher():
    idf = token_idf([np.array([1, 2]), np.array([1, 3]), np.array([1])], vocab=5)
    assert idf[1] < idf[2] == idf[3] < idf[4]


# --- a tiny model built from synthetic encoder states (no encoder, no data) ----------------------


def _encoded(text: str, seed: int, d: int = 8) -> Encoded:
    """States of whitespace tokens: each word's state is a fixed function of the word, so two texts
    sharing words share states (what an encoder does, roughly)."""
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
    ids = np.array([sum(map(ord, text[a:b])) % 97 for a, b in words], dtype=np.int32)
    table = np.random.default_rng(seed).normal(size=(97, d)).astype(np.float32)
    return Encoded(model="test", offsets=np.array(words, dtype=np.int32).reshape(-1, 2),
                   outputs={"hidden": table[ids], "techniques": np.zeros((len(ids), 2), np.float32)}, ids=ids)


def _tiny_model(folder: Path, d: int = 8) -> StoryModel:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, len(FEATURES)))
    y = np.clip(2.5 - x[:, 0] - x[:, FEATURES.index("terms")], 1, 4)  # closer dense and lexical views, lower (more similar) score
    same, _ = fit_head(x, y, list(range(len(FEATURES))))
    cross, _ = fit_head(x, y, [i for i, f in enumerate(FEATURES) if f not in LEXICAL])
    folder.mkdir()
    np.savez(folder / "model.npz", idf=np.ones(97, np.float16), centre_mean=np.zeros(d, np.float32),
             centre_lead=np.zeros(d, np.float32), centre_idf_mean=np.zeros(d, np.float32),
             **same.to_arrays("same"), **cross.to_arrays("cross"))
    (folder / "model.json").write_text(json.dumps({"version": "test", "validation": []}), "utf-8")
    return StoryModel(folder)


def test_a_story_from_synthetic_states(tmp_path):
    model = _tiny_model(tmp_path / "m")
    text = "Minsk talks. Putin met Lukashenko in Sochi on 14 September."
    art = Article(text=text)
    art._encoded = _encoded(text, 0)
    s = model.story(art)
    assert s.sentences.shape == (2, 8) and s.n_tokens == 10 and s.numbers == {"14"}
    assert all(np.isclose(np.linalg.norm(w), 1.0) for _, w in s.terms.values())
    assert model.story(art) is s  # kept on the article
    v = model.vector(s)
    assert v.dtype == np.float32 and np.isclose(np.linalg.norm(v), 1.0)


def test_pair_scores_are_symmetric_bounded_and_rank_the_same_story_first(tmp_path):
    model = _tiny_model(tmp_path / "m")
    texts = ["Putin met Lukashenko in Sochi as protests went on in Minsk.",
             "In Sochi Putin met Lukashenko while Minsk protests went on.",
             "The harbour deal was signed in Brussels by the prime minister."]
    stories = []
    for t in texts:
        art = Article(text=t)
        art._encoded = _encoded(t, 0)
        stories.append(model.story(art))
    a, b, c = stories
    assert model.overall(a, b) == pytest.approx(model.overall(b, a))
    assert 1.0 <= model.overall(a, c) <= 4.0
    assert model.overall(a, b) < model.overall(a, c)
    assert model.overall(a, a) <= model.overall(a, b)
    f = model.pair_features(a, a)
    assert f[FEATURES.index("terms")] == pytest.approx(1.0) and f[FEATURES.index("mean")] == pytest.approx(1.0)


def test_empty_article_has_a_story(tmp_path):
    model = _tiny_model(tmp_path / "m")
    art = Article(text="")
    art._encoded = Encoded(model="test", offsets=np.zeros((0, 2), np.int32),
                           outputs={"hidden": np.zeros((0, 8), np.float32)}, ids=np.zeros(0, np.int32))
    s = model.story(art)
    assert s.n_tokens == 0
    other = Article(text="Some words here.")
    other._encoded = _encoded(other.text, 0)
    assert 1.0 <= model.overall(s, model.story(other)) <= 4.0


def test_head_arrays_round_trip():
    h = Head(np.array([0, 2]), np.zeros(2), np.ones(2), np.arange(5, dtype=np.float64), 1.5)
    back = Head.from_arrays(h.to_arrays("same"), "same")
    x = np.array([[1.0, 9.0, 2.0]])
    assert back.predict(x) == pytest.approx(h.predict(x))


def test_language_codes():
    assert [language_code(x) for x in ("en", "EN", "pt-BR", "de_AT", " fr ", "", None)] == \
        ["en", "en", "pt", "de", "fr", None, None]


def _dense_story(v: np.ndarray, language: str | None) -> Story:
    """A Story whose every dense view is ``v`` (one sentence), nothing else."""
    v = np.asarray(v, np.float32)
    return Story(v, v, v, v[None, :], np.zeros(0, np.float32), {}, frozenset(), 10, language_code(language))


def _two_language_stories(n: int = 40, d: int = 16, seed: int = 0):
    """Articles in two languages: the same topics (random content vectors), each language adding its
    own large offset, as the encoder's final states do; returns ({lang: [Story]}, offsets, topics)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n, d))
    offsets = {"en": 6 * rng.normal(size=d), "de": 6 * rng.normal(size=d)}
    by = {lang: [_dense_story(t + off + 0.1 * rng.normal(size=d), lang) for t in topics] for lang, off in offsets.items()}
    return by, offsets, topics


def test_per_language_centres_make_a_retelling_closer_than_an_unrelated_article(tmp_path):
    by, offsets, topics = _two_language_stories()
    arrays, counts = fit_neutral(by, min_articles=10, k_languages=1, k_shrunk=0)
    assert counts == {"de": 40, "en": 40} and list(arrays["languages"]) == ["de", "en"]
    model = StoryModel.from_arrays({"idf": np.ones(5, np.float16), **arrays}, {"index": {"retelling": 0.8}})
    de, en, other = by["de"][0], by["en"][0], by["en"][1]
    cos = lambda a, b: float(model.vector(a) @ model.vector(b))
    assert cos(de, en) > 0.9 > cos(en, other)
    # with one centre for both, the language would decide: same language, other story, is closer
    plain = lambda a, b: float(np.dot(a.idf_mean, b.idf_mean) / np.linalg.norm(a.idf_mean) / np.linalg.norm(b.idf_mean))
    assert plain(de, en) < plain(en, other)
    assert model.thresholds == {"retelling": 0.8}


def test_an_unknown_language_falls_back_to_the_mean_of_the_centres():
    by, offsets, topics = _two_language_stories()
    arrays, _ = fit_neutral(by, min_articles=10, k_languages=0, k_shrunk=0)
    model = StoryModel.from_arrays({"idf": np.ones(5, np.float16), **arrays})
    v = by["en"][0].idf_mean
    centre = (arrays["lang_centre_idf_mean"][0] + arrays["lang_centre_idf_mean"][1]) / 2
    assert np.allclose(model.centres["idf_mean"], centre, atol=1e-5)
    for language in ("xx", None):  # a language without a centre, or none known
        assert np.allclose(model.view(_dense_story(v, language), "idf_mean"), v - centre, atol=1e-5)
    own = arrays["lang_centre_idf_mean"][list(arrays["languages"]).index("en")]
    assert np.allclose(model.view(_dense_story(v, "EN-GB"), "idf_mean"), v - own, atol=1e-5)


def test_a_language_with_too_few_articles_gets_no_centre():
    by, _, _ = _two_language_stories()
    by["ka"] = by["de"][:3]
    arrays, counts = fit_neutral(by, min_articles=10)
    assert "ka" not in counts and "ka" not in list(arrays["languages"])
    with pytest.raises(Exception, match="at least two languages"):
        fit_neutral({"en": by["en"]}, min_articles=10)


def test_shrunk_directions_keep_the_vector_size_and_scale_below_one():
    by, _, _ = _two_language_stories(d=16)
    arrays, _ = fit_neutral(by, min_articles=10, k_languages=1, k_shrunk=3)
    basis, scale = arrays["basis_idf_mean"], arrays["basis_scale_idf_mean"]
    assert basis.shape == (16, 4) and np.allclose(basis.T @ basis, np.eye(4), atol=1e-4)
    assert scale[0] == 0.0 and np.all((scale[1:] > 0) & (scale[1:] <= 1.0))


def test_index_threshold_is_the_best_f1_on_the_given_pairs():
    cos = np.array([0.95, 0.9, 0.85, 0.6, 0.5, 0.2])
    same = np.array([True, True, True, False, True, False])
    t = best_threshold(cos, same)
    assert t == 0.5  # all four positives, one false positive: F1 0.89 (0.85 gives 0.86)
    sc = threshold_scores(cos, same, t)
    assert sc == {"precision": 0.8, "recall": 1.0, "f1": 0.889, "pairs": 4}


def test_missing_model_folder_says_how_to_rebuild(tmp_path):
    from slant.errors import SlantError

    with pytest.raises(SlantError, match="slant train similarity"):
        StoryModel(tmp_path)


# --- the shipped model and encoder on real texts ------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    from slant.stories import STORIES_DIR, load

    if not (STORIES_DIR / "model.npz").is_file():
        pytest.skip("no story model in the package (slant train similarity)")
    return load()


def _article(path: Path, language: str = "en") -> Article:
    art = Article(text=path.read_text("utf-8"))
    art.meta.language = language
    return art


def test_a_retelling_is_closer_than_an_unrelated_article(shipped, shared_example):
    from slant.stories import story_similarity, story_vector

    model, encoder = shipped
    retold, original = _article(shared_example), _article(FIXTURES / "belarus-analysis-en.txt")
    unrelated = _article(EXAMPLES / "harbour-deal-2023.txt")
    close = story_similarity(retold, original, model, encoder)
    far = story_similarity(original, unrelated, model, encoder)
    assert 0.0 <= far < close <= 1.0
    v = story_vector(retold, model, encoder)
    assert v.shape == (model.centres["idf_mean"].shape[0],) and np.isclose(np.linalg.norm(v), 1.0)


def test_across_languages_the_same_story_is_closer(shipped):
    from slant.stories import story_similarity

    model, encoder = shipped
    en, de = _article(FIXTURES / "belarus-analysis-en.txt"), _article(FIXTURES / "belarus-kurz-de.txt", "de")
    unrelated = _article(EXAMPLES / "harbour-deal-2023.txt")
    assert story_similarity(de, en, model, encoder) > story_similarity(de, unrelated, model, encoder)


def test_story_vectors_rank_a_german_retelling_above_unrelated_english(shipped):
    """The index's view: the German summary's vector is closer to the English article it retells
    than to an unrelated English one, and closer than the two English articles are to each other
    (one centre for every language gave -0.16 against 0.73)."""
    from slant.stories import story_vector

    model, encoder = shipped
    en, de = _article(FIXTURES / "belarus-analysis-en.txt"), _article(FIXTURES / "belarus-kurz-de.txt", "de")
    unrelated = _article(EXAMPLES / "harbour-deal-2023.txt")
    v_en, v_de, v_un = (story_vector(a, model, encoder) for a in (en, de, unrelated))
    assert float(v_de @ v_en) > float(v_de @ v_un) and float(v_de @ v_en) > float(v_en @ v_un)
    assert "de" in model.languages and "en" in model.languages


def test_shipped_model_names_the_index_thresholds(shipped):
    model, _ = shipped
    th = model.thresholds
    assert set(th) >= {"retelling", "same_event"}
    assert 0.0 < th["same_event"] < th["retelling"] < 1.0  # the same story asks more than the same event


def test_predict_semeval2022_writes_pair_ids_and_scores(shipped, tmp_path):
    from slant.cli import main

    en = (FIXTURES / "belarus-analysis-en.txt").read_text("utf-8")
    retold = (FIXTURES / "belarus-kurz-de.txt").read_text("utf-8")
    other = (EXAMPLES / "harbour-deal-2023.txt").read_text("utf-8")
    rows = [{"pair_id": "a_b", "lang1": "en", "lang2": "en", "text1": en, "text2": en.replace("Putin", "Mr Putin")},
            {"pair_id": "a_c", "lang1": "en", "lang2": "en", "text1": en, "text2": other, "title2": "Harbour"},
            {"pair_id": "a_d", "lang1": "en", "lang2": "de", "text1": en, "text2": retold}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    out = tmp_path / "out.tsv"
    assert main(["predict", "semeval2022-task8", str(path), "-o", str(out)]) == 0
    lines = [line.split("\t") for line in out.read_text("utf-8").splitlines()]
    assert [pid for pid, _ in lines] == ["a_b", "a_c", "a_d"]
    scores = [float(s) for _, s in lines]
    assert all(1.0 <= s <= 4.0 for s in scores) and scores[0] < scores[1]


def test_eval_similarity_scores_the_validation_split(shipped, shared_data):
    from slant.stories import STORIES_DIR

    held = json.loads((STORIES_DIR / "model.json").read_text("utf-8"))["validation"]
    from slant.tasks.stories import semeval2022_pairs

    pairs = semeval2022_pairs(shared_data)
    assert held == sorted(split_pairs(pairs))  # the shipped model was scored on today's split


def test_compare_keeps_retold_sentences_and_lists_slanted_additions_first(shipped, shared_example):
    from slant.compare import analyse, compare

    model, encoder = shipped
    a, b = analyse(_article(FIXTURES / "belarus-analysis-en.txt"), _article(shared_example))
    result = compare(a, b, model=model, encoder=encoder)
    kept = {m.text for m in result.kept}
    assert "Now he warns about NATO attack and calls the protesters Western agents." in kept
    assert result.added and result.added[0].techniques  # the retelling's own loaded lines lead
    tagged = [len(m.techniques) > 0 for m in result.added]
    assert tagged == sorted(tagged, reverse=True)
    assert len(result.kept) + len(result.added) == len(b.sentences)
    assert all(0 <= m.match < len(a.sentences) for m in result.kept)


def test_compare_in_the_terminal(capsys, tmp_path):
    """`slant compare A B` on the English analysis and its short German retelling: a similarity and
    the three lists; a missing file is a one-line error, not a traceback."""
    from slant.cli import main

    fixtures = Path(__file__).resolve().parent / "fixtures" / "stories"
    code = main(["compare", str(fixtures / "belarus-analysis-en.txt"), str(fixtures / "belarus-kurz-de.txt"), "-n", "3"])
    out = capsys.readouterr().out
    assert code in (0, None) and "story similarity" in out
    assert "kept" in out.lower() and "added" in out.lower() and "dropped" in out.lower()
    code = main(["compare", str(tmp_path / "missing.txt"), str(fixtures / "belarus-kurz-de.txt")])
    err = capsys.readouterr().err
    assert code not in (0, None) and "Traceback" not in err and len(err.strip().splitlines()) == 1
