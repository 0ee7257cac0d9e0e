"""Paragraph and sentence segmentation: offsets and the abbreviation rules."""

from __future__ import annotations

import pytest

from slant.analysers.segment import Segmenter, split_paragraphs, split_sentences
from slant.article import Article


def sents(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Officials in the U.S. rejected the plan. Critics cheered.",
         ["Officials in the U.S. rejected the plan.", "Critics cheered."]),
        ("Dr. Vela and Mr. Orsk met Gen. Tamm on Jan. 5. They talked.",
         ["Dr. Vela and Mr. Orsk met Gen. Tamm on Jan. 5.", "They talked."]),
        ("Troops left the U.S. The president spoke later.",
         ["Troops left the U.S.", "The president spoke later."]),
        ("George W. Bush visited. So did J. K. Marlow.", ["George W. Bush visited.", "So did J. K. Marlow."]),
        ('"Stop the lies!" he shouted. Nobody moved.', ['"Stop the lies!" he shouted.', "Nobody moved."]),
        ("Is this a betrayal? Yes. It is.", ["Is this a betrayal?", "Yes.", "It is."]),
        ("The deal, e.g. the port clause, is vague. It fails.", ["The deal, e.g. the port clause, is vague.", "It fails."]),
        ("Prices rose 3.5 percent. Wages did not.", ["Prices rose 3.5 percent.", "Wages did not."]),
        ("He said “enough.” Then he left.", ["He said “enough.”", "Then he left."]),
        ("– noted the union leader Marek Dobrin.", ["– noted the union leader Marek Dobrin."]),
    ],
)
def test_sentence_rules(text, expected):
    assert sents(text) == expected


def test_line_breaks_end_sentences_and_blank_lines_end_paragraphs():
    text = "Title line\n\nFirst sentence of one\nSecond line here\n\nLast paragraph."
    paras = split_paragraphs(text)
    assert [text[p.start : p.end] for p in paras] == ["Title line", "First sentence of one\nSecond line here", "Last paragraph."]
    art = Segmenter()(Article(text=text))
    assert [text[s.start : s.end] for s in art.sentences] == [
        "Title line", "First sentence of one", "Second line here", "Last paragraph."]
    assert [s.paragraph for s in art.sentences] == [0, 1, 1, 2]


def test_text_without_blank_lines_is_split_per_line():
    text = "One sentence a line.\nAnother one.\nA third."
    assert len(split_paragraphs(text)) == 3


def test_offsets_slice_exactly_and_skip_whitespace():
    text = "  Leading space. Then more.  \n\n\n  Next para!  "
    art = Segmenter()(Article(text=text))
    for s in art.sentences + art.paragraphs:
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
    assert [text[s.start : s.end] for s in art.sentences] == ["Leading space.", "Then more.", "Next para!"]


def test_empty_text_gives_no_spans():
    art = Segmenter()(Article(text=""))
    assert art.paragraphs == [] and art.sentences == []


def test_paragraphs_from_a_reader_are_kept():
    from slant.article import Span

    text = "A b. C d. E f."
    art = Article(text=text, paragraphs=[Span(start=0, end=4), Span(start=5, end=14)])
    Segmenter()(art)
    assert [(p.start, p.end) for p in art.paragraphs] == [(0, 4), (5, 14)]
    assert [s.paragraph for s in art.sentences] == [0, 1, 1]
