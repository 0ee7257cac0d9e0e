"""Paragraphs and sentences, as character spans.

Paragraphs are separated by blank lines; text without any blank line but with several lines (one
sentence or paragraph a line, as in the PTC corpus) is split at every line. A reader that knows the
structure better (HTML blocks) may fill ``paragraphs`` itself, and then this analyser keeps them.

Sentences are found by rule, which is fast and predictable on edited news text: a boundary is
sentence-final punctuation (with any closing quotes or brackets) followed by space and a token that
can open a sentence (capital letter, digit, opening quote, dash). The rule does not split after
honorifics and other common abbreviations ("Dr.", "Gen.", "Jan."), single initials ("George W.
Bush"), or dotted acronyms ("U.S.") unless the next word typically opens a sentence ("... in the
U.S. The president ..."). Line breaks inside a paragraph always end a sentence.

Notes: the abbreviation handling follows the observations behind Punkt (Kiss & Strunk, 2006,
"Unsupervised Multilingual Sentence Boundary Detection"), written here as fixed lists rather than
learned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..article import Article, Sentence, Span
from .base import Analyser

_PARA_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"[^\n]+")
# End of a candidate sentence: terminal punctuation, then closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"(?:[.!?\u2026]+|\.\.\.)[\"'\u201d\u2019\u00bb)\]]*(?=\s)")
# What may open the next sentence.
_OPENER = re.compile(r"\s+([\"'\u201c\u2018\u00ab(\[\u2013\u2014-]?[A-Z\u00c0-\u00de\u0400-\u042f0-9])")

# Lower-cased, without the final period. Honorifics and titles, months, corporate and Latin
# abbreviations, military and political ranks common in news copy.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st sr jr rev hon fr gen lt col maj capt cpt sgt cmdr adm brig gov sen rep pres
    atty supt insp det amb sec dir mgr dept univ assn bros inc ltd co corp plc llc no nos vol vols
    fig figs p pp ed eds approx est etc vs viz al cf ca jan feb mar apr jun jul aug sep sept oct nov
    dec mon tue tues wed thu thur thurs fri sat sun ave blvd rd mt ft ste e.g i.e a.m p.m u.s u.k
    u.n e.u u.s.a d.c
    """.split()
)
# Words that almost always open a new sentence: after a dotted acronym such as "U.S." they signal
# that the acronym's period also ended the sentence.
_SENTENCE_STARTERS = frozenset(
    """
    The A An This That These Those It He She They We I You His Her Their Its Our But And Yet So
    However Meanwhile Still In On At As If When While After Before Since Although There Here What
    Why How Who Some Many Most Such Now Then Today Yesterday
    """.split()
)
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}$")
_INITIAL = re.compile(r"^[A-Z]$")


def split_paragraphs(text: str) -> list[Span]:
    """Paragraph spans of ``text`` (stripped of surrounding whitespace)."""
    if _PARA_BREAK.search(text):
        spans = []
        pos = 0
        for m in _PARA_BREAK.finditer(text):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, len(text)))
    else:
        spans = [(m.start(), m.end()) for m in _LINE.finditer(text)]
    return [s for a, b in spans if (s := _strip(text, a, b)) is not None]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans within ``text[start:end]``, in article offsets."""
    end = len(text) if end is None else end
    out: list[Span] = []
    for line in _LINE.finditer(text, start, end):
        seg_start = line.start()
        for m in _BOUNDARY.finditer(text, line.start(), line.end()):
            if _is_boundary(text, m.start(), m.end(), line.end()):
                span = _strip(text, seg_start, m.end())
                if span is not None:
                    out.append(span)
                seg_start = m.end()
        span = _strip(text, seg_start, line.end())
        if span is not None:
            out.append(span)
    return out


def _is_boundary(text: str, punct_start: int, punct_end: int, limit: int) -> bool:
    nxt = _OPENER.match(text, punct_end, limit)
    if nxt is None:
        return False
    if text[punct_start] != ".":
        return True  # ! ? and ellipses followed by a capital end the sentence
    # The word the period belongs to (back to the previous whitespace).
    ws = max(text.rfind(" ", 0, punct_start), text.rfind("\n", 0, punct_start))
    word = text[ws + 1 : punct_start + 1].lstrip("\"'\u201c\u2018(\u00ab[")
    bare = word[:-1] if word.endswith(".") else word
    if _DOTTED_ACRONYM.search(word):
        next_word = re.match(r"\S+", text[nxt.start(1) : limit])
        return bool(next_word) and next_word.group(0).strip("\"'\u201c\u2018(") in _SENTENCE_STARTERS
    if _INITIAL.match(bare):
        return False  # "George W. Bush", "J. K. Rowling"
    if bare.lower() in ABBREVIATIONS:
        return False
    return True


def _strip(text: str, a: int, b: int) -> Span | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return Span(start=a, end=b) if b > a else None


class Segmenter(Analyser):
    """Paragraph and sentence spans for every article."""

    name = "segment"
    needs = ("text",)
    adds = ("paragraphs", "sentences")
    version = "1"

    def pipe(self, articles: Iterable[Article], batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            if not art.paragraphs:
                art.paragraphs = split_paragraphs(art.text)
            sentences: list[Sentence] = []
            for i, para in enumerate(art.paragraphs):
                for s in split_sentences(art.text, para.start, para.end):
                    sentences.append(Sentence(start=s.start, end=s.end, paragraph=i))
            art.sentences = sentences
            art.record("paragraphs", self.name, self.version)
            art.record("sentences", self.name, self.version)
            yield art
