"""What a retelling kept, added and dropped (slant.compare): the relative links, the paragraph rows,
the spans only the retelling has, and the shipped model on the shared example against an English
text in the manner of the piece it retells (and a German summary of it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from slant.article import Article, Quote, Sentence, Span, TechniqueSpan
from slant.compare import Row, additions, layout_rows, links, paragraph_matches, relative_scores

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stories"


# --- links: relative to the pair -----------------------------------------------------------------
def _noise(n_b: int, n_a: int, level: float, seed: int = 0) -> np.ndarray:
    return level + 0.02 * np.random.default_rng(seed).standard_normal((n_b, n_a))


def test_sentences_that_stand_out_are_linked_at_any_level():
    """The same pattern at a high (one language) and a low (two languages) level of scores gives
    the same links: thresholds are relative to the pair."""
    for level in (0.5, 0.25):
        s = _noise(6, 5, level)
        for i, j in ((0, 0), (1, 2), (3, 3), (5, 4)):
            s[i, j] += 0.25
        assert links(s) == [(0, 0), (1, 2), (3, 3), (5, 4)]


def test_a_flat_matrix_links_nothing():
    """Two unrelated articles: every score near the median, so no best match clears the floor."""
    assert links(_noise(6, 5, 0.3)) == []


def test_one_sentence_may_retell_two():
    s = _noise(4, 5, 0.3)
    s[1, 1] += 0.3  # B1 retells A1 ...
    s[1, 2] += 0.28  # ... and A2, which nothing else retells
    s[3, 4] += 0.3
    found = links(s)
    assert (1, 1) in found and (1, 2) in found and (3, 4) in found
    assert not any(i in (0, 2) for i, _ in found)


def test_a_hub_is_discounted():
    """An A sentence close to every B sentence (a generic one) is not every B sentence's match."""
    s = _noise(5, 4, 0.3)
    s[:, 0] += 0.15  # the hub
    s[2, 3] += 0.2
    assert (s[[0, 1, 3, 4]].argmax(axis=1) == 0).all()  # the raw scores would give it four sentences
    z = relative_scores(s)
    assert z[2].argmax() == 3
    assert len([i for i, j in links(s) if j == 0]) <= 1  # at most its own best match


def test_empty_and_tiny_matrices():
    assert links(np.zeros((0, 3))) == [] and links(np.zeros((2, 0))) == []
    # one sentence against one or two: the raw score alone decides
    assert links(np.array([[0.9]])) == [(0, 0)] and links(np.array([[0.3]])) == []
    assert links(np.array([[0.2, 0.7]])) == [(0, 1)]
    assert relative_scores(np.ones((2, 2))).tolist() == [[0.0, 0.0], [0.0, 0.0]]


# --- paragraphs ----------------------------------------------------------------------------------
def test_paragraph_matches_heaviest_first():
    w = np.array([[0.0, 2.0, 3.5], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert paragraph_matches(w) == [[2, 1], [], [0]]


def test_rows_follow_the_longest_run_in_order():
    assert layout_rows([0, 1, 2], 3) == [Row([0], [0], True), Row([1], [1], True), Row([2], [2], True)]
    # A0 has no partner (a leading row of its own); B1 retells nothing; B3 goes back to A1: it sits
    # in the gap rather than breaking the order.
    rows = layout_rows([1, None, 2, 1, 3], 4)
    assert rows == [Row([0], [], False), Row([1], [0], True), Row([], [1], False), Row([2], [2], True),
                    Row([], [3], False), Row([3], [4], True)]


def test_a_paragraph_alone_joins_the_row_that_retells_it_too():
    """B0 retells A1 and, less, A0: A0 is not left on a row of its own above them."""
    assert layout_rows([1, 2], 3, [[1, 0], [2]]) == [Row([0, 1], [0], True), Row([2], [1], True)]
    # A1 between two anchors, retold by neither, keeps its own row
    assert layout_rows([0, 2], 3, [[0], [2]]) == [Row([0], [0], True), Row([1], [], False), Row([2], [1], True)]


def test_rows_hold_each_paragraph_once():
    """Two B paragraphs retelling one A paragraph share its row, with what B put between them."""
    rows = layout_rows([0, 1, None, 1, 2], 4)
    assert rows == [Row([0], [0], True), Row([1], [1, 2, 3], True), Row([2], [4], True), Row([3], [], False)]
    for primary, n_a in (([2, 0, 1, None, 1, 0], 3), ([None, None], 2), ([], 1)):
        rows = layout_rows(primary, n_a, [[p, 0, 1] if p is not None else [] for p in primary])
        assert sorted(k for r in rows for k in r.a) == list(range(n_a))
        assert sorted(k for r in rows for k in r.b) == list(range(len(primary)))


# --- what only the retelling has -----------------------------------------------------------------
def _article(text: str, language: str) -> Article:
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))])
    art.meta.language = language
    starts = [0] + [k + 2 for k in range(len(text)) if text[k] == "." and k + 2 < len(text)]
    ends = starts[1:] + [len(text) + 1]
    art.sentences = [Sentence(start=s, end=e - 1, paragraph=0) for s, e in zip(starts, ends)]
    return art


def _span(art: Article, word: str, technique: str) -> TechniqueSpan:
    k = art.text.index(word)
    return TechniqueSpan(start=k, end=k + len(word), technique=technique, confidence=0.5)


def _spans(art: Article) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in art.sentences]


def test_only_the_retellings_loaded_words_and_quotes_are_additions():
    a = _article("The vote was rigged, critics say. Putin met the leader in Sochi. "
                 "\"Time is short,\" a diplomat said.", "en")
    b = _article("The vote was rigged. The sweaty leader met Putin. The usurper must go. "
                 "\"Time is short,\" a diplomat said. \"He is finished,\" an activist said.", "en")
    b.techniques = [_span(b, "rigged", "Loaded_Language"), _span(b, "sweaty", "Loaded_Language"),
                    _span(b, "must go", "Slogans")]
    a.quotes = [Quote(start=a.text.index("Time"), end=a.text.index("short") + 5, kind="direct")]
    b.quotes = [Quote(start=b.text.index("Time"), end=b.text.index("short") + 5, kind="direct"),
                Quote(start=b.text.index("He is"), end=b.text.index("finished") + 8, kind="direct")]
    b_links = [[0], [1], [], [2], []]  # B0 retells A0, B1 A1, B3 A2; B2 and B4 are new
    found = additions(a, b, _spans(a), _spans(b), b_links, same_language=True)
    got = [(x.kind, x.text, x.labels[0], x.source) for x in found]
    assert got == [("loaded", "usurper", "Name_Calling-Labeling", "word list"),  # name-calling first
                   ("loaded", "sweaty", "Loaded_Language", "techniques"),
                   ("technique", "must go", "Slogans", "techniques"),
                   ("quote", "He is finished", "direct", "quotes")]
    assert [x.sentence for x in found] == [2, 1, 2, 4]
    # "rigged" is in the original too, and the diplomat's quote is retold: neither is an addition.


def test_across_languages_a_span_is_the_retellings_when_its_source_sentence_lacks_the_technique():
    a = _article("Der Präsident traf Putin. Die Wahl war umstritten.", "de")
    b = _article("The usurper met Putin. The vote was a sham. The puppet smiled.", "en")
    b.techniques = [_span(b, "sham", "Loaded_Language")]
    a.techniques = [_span(a, "umstritten", "Loaded_Language")]
    found = additions(a, b, _spans(a), _spans(b), [[0], [1], []], same_language=False)
    # "sham" retells a sentence with Loaded_Language; the word list's epithets are B's own.
    assert [(x.text, x.labels) for x in found] == [("usurper", ["Name_Calling-Labeling"]),
                                                   ("puppet", ["Name_Calling-Labeling"])]


def test_the_word_list_reads_english_only():
    a = _article("Er traf Putin.", "de")
    b = _article("Der Usurpator traf den dictator.", "de")
    assert additions(a, b, _spans(a), _spans(b), [[]], same_language=True) == []


# --- the shipped model on the shared example -----------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    from slant.stories import STORIES_DIR, load

    if not (STORIES_DIR / "model.npz").is_file():
        pytest.skip("no story model in the package (slant train similarity)")
    return load()


def _read(path: Path, language: str) -> Article:
    from slant.readers import read_path

    (art,) = read_path(path)
    art.meta.language = language
    return art


@pytest.fixture(scope="module")
def sample_vs_english(shipped, shared_example_module):
    from slant.compare import analyse, compare

    a, b = analyse(_read(FIXTURES / "belarus-analysis-en.txt", "en"), _read(shared_example_module, "en"))
    model, encoder = shipped
    return a, b, compare(a, b, model=model, encoder=encoder)


@pytest.fixture(scope="module")
def shared_example_module() -> Path:
    """The shared example (../shared/examples), as the ``shared_example`` fixture finds it, once a module."""
    path = Path(__file__).resolve().parents[2] / "shared" / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path}")
    return path


def test_the_samples_added_loaded_words_are_listed_first(sample_vs_english):
    a, b, result = sample_vs_english
    loaded = {x.text: x for x in result.additions if x.kind == "loaded"}
    assert {"sweaty", "usurper", "dictator-same"} <= set(loaded)
    assert "Name_Calling-Labeling" in loaded["usurper"].labels and "Loaded_Language" in loaded["sweaty"].labels
    kinds = [x.kind for x in result.additions]
    assert kinds == sorted(kinds, key=["loaded", "technique", "quote"].index)  # loaded words first
    assert "rigged" not in loaded  # the original says it too
    quotes = [x for x in result.additions if x.kind == "quote" and x.labels == ["direct"]]
    assert any("usurper" in q.text for q in quotes)  # Tikhanovskaya's quote is the retelling's own
    # The sentences that carry them: "sweaty" is in a kept sentence (the retold Sochi pictures),
    # "usurper" in an added one.
    assert result.b_sentences[loaded["sweaty"].sentence].status == "kept"
    assert result.b_sentences[loaded["usurper"].sentence].status == "added"


def test_the_sample_keeps_its_retold_sentences_and_paragraphs(sample_vs_english):
    a, b, result = sample_vs_english
    nato = next(m for m in result.b_sentences if m.text.startswith("Now he warns about NATO"))
    assert nato.status == "kept" and result.a_sentences[nato.match].text.startswith("Now he warns of a NATO threat")
    tikh = next(m for m in result.b_sentences if "noted opposition leader Svetlana Tikhanovskaya" in m.text)
    assert "Tikhanovskaya said before the Sochi meeting" in result.a_sentences[tikh.match].text
    added = {m.text.split()[0] for m in result.added}
    assert any(m.text.startswith("This is what Politico experts") for m in result.added)
    assert any(m.text.startswith("Belarusians have always considered") for m in result.added)
    assert len(result.kept) + len(result.added) == len(b.sentences) and added
    # The paragraph with the NATO sentence retells the original's paragraph with it.
    assert result.paragraphs[nato.paragraph].matches[0] == result.a_sentences[nato.match].paragraph
    # Rows: every paragraph once, the aligned ones in the order of both articles.
    assert sorted(k for r in result.rows for k in r.a) == list(range(len(a.paragraphs)))
    assert sorted(k for r in result.rows for k in r.b) == list(range(len(b.paragraphs)))
    aligned = [(r.a[0], r.b[0]) for r in result.rows if r.aligned]
    assert len(aligned) >= 4 and aligned == sorted(aligned)


def test_a_german_summary_is_aligned_across_languages(shipped):
    from slant.compare import analyse, compare

    a, d = analyse(_read(FIXTURES / "belarus-analysis-en.txt", "en"), _read(FIXTURES / "belarus-kurz-de.txt", "de"))
    result = compare(a, d, model=shipped[0], encoder=shipped[1])
    pairs = {m.text.split()[0]: result.a_sentences[m.match].text for m in result.kept}
    assert pairs["Heute"].startswith("Now he warns of a NATO threat")
    assert pairs["Moskau"].startswith("Moscow has offered a loan")
    assert pairs["Die"].startswith("Opposition leader Svetlana Tikhanovskaya")
    assert len(result.kept) >= 0.7 * len(result.b_sentences)
    assert result.languages == ("en", "de")


def test_compare_prints_the_additions_and_the_paragraphs(capsys, shared_example_module):
    from slant.cli import main

    code = main(["compare", str(FIXTURES / "belarus-analysis-en.txt"), str(shared_example_module), "-n", "30"])
    out = capsys.readouterr().out
    assert code in (0, None)
    only = out[out.index("only in the retelling"):out.index("paragraphs (")]
    assert '"usurper"' in only and '"sweaty"' in only and "word list" in only
    assert only.index('"usurper"') < only.index("quote")
    assert re.search(r"¶\d+ +<- ¶\d+", out[out.index("paragraphs ("):])  # a paragraph and what it retells
    code = main(["compare", str(FIXTURES / "belarus-analysis-en.txt"), str(shared_example_module), "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert {x["text"] for x in data["additions"] if x["kind"] == "loaded"} >= {"sweaty", "usurper"}
    assert data["rows"] and data["paragraphs"] and len(data["b_sentences"]) == len(data["kept"]) + len(data["added"])
