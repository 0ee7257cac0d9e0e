"""Grounding: find the words an LLM quoted in the article, as character offsets.

An LLM copies text imperfectly: it changes curly quotes to straight ones, drops or doubles spaces,
changes case, trims the end, or stitches two pieces with an ellipsis. ``locate`` tries, in order:

1. the quote verbatim;
2. the quote and the text both normalised (quotes, dashes, whitespace, case), offsets mapped back
   to the original text;
3. the longest piece of a quote cut at ellipses, normalised;
4. when ``sentences`` are given, the sentence most like the quote (``difflib`` ratio at least
   ``min_ratio``): the LLM paraphrased a sentence, and the sentence is the evidence.

A quote found nowhere gives None: the caller reports it rather than inventing an offset.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ..article import Span

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")
_STRIP = " \t\r\n\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


def normalise(text: str) -> tuple[str, list[int]]:
    """``text`` folded (quotes, dashes, whitespace runs to one space, lower case) and, for every
    character of the result, the offset in ``text`` it came from."""
    out: list[str] = []
    index: list[int] = []
    space = False
    for i, ch in enumerate(text.translate(_TRANSLATE)):
        if ch.isspace():
            if out and not space:
                out.append(" ")
                index.append(i)
            space = True
            continue
        space = False
        for c in ch.lower():
            out.append(c)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def _find(text: str, quote: str, lo: int, hi: int) -> Span | None:
    i = text.find(quote, lo, hi)
    return Span(start=i, end=i + len(quote)) if i >= 0 and quote else None


def locate(text: str, quote: str, *, within: tuple[int, int] | None = None,
           sentences: Sequence[Span] = (), min_ratio: float = 0.75, min_chars: int = 3) -> Span | None:
    """Offsets of ``quote`` in ``text`` (inside ``within`` when given), or None."""
    lo, hi = within if within is not None else (0, len(text))
    quote = (quote or "").strip(_STRIP)
    if len(quote) < min_chars:
        return None
    found = _find(text, quote, lo, hi)
    if found:
        return found
    norm, index = normalise(text[lo:hi])
    pieces = [quote] + sorted((p for p in _ELLIPSIS.split(quote) if p.strip(_STRIP)), key=len, reverse=True)
    for piece in pieces:
        nq, _ = normalise(piece.strip(_STRIP))
        nq = nq.rstrip(".")  # a sentence quoted with a full stop the text does not have there
        if len(nq) < max(min_chars, 12 if piece is not quote else min_chars):
            continue
        j = norm.find(nq)
        if j >= 0:
            return Span(start=lo + index[j], end=lo + index[j + len(nq) - 1] + 1)
    best, best_ratio = None, min_ratio
    nq, _ = normalise(quote)
    for s in sentences:
        if s.start < lo or s.end > hi:
            continue
        ns, _ = normalise(text[s.start : s.end])
        ratio = difflib.SequenceMatcher(None, nq, ns, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = s, ratio
    return Span(start=best.start, end=best.end) if best is not None else None
