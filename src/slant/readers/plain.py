"""Plain-text articles: a title line, an optional byline/date line, then the body.

The layout is the one news copy pasted into a file usually has::

    Why do the West believe that Putin lost in Belarus?

    By | September 21, 2020
    Why do the West believe that Putin lost in Belarus?

    As the protest sentiment ...

The first line is the title when it looks like one (short, not ending in a full stop) and more
text follows. Where paragraphs are separated by blank lines, a single line break is only a wrap, so
a title that runs over two lines and is followed by a blank line is the title whole ("Why do the
West believe\nthat Putin lost in Belarus?"); where every line is a paragraph (no blank line in the
file, as in the PTC corpus) the title is the first line alone. A byline/date line right after it
("By Jane Doe | September 21, 2020", "Published 21 Sep 2020") goes to the metadata, and a
repetition of the title at the top of the body, as copy-paste from web pages often leaves, is
dropped. ``Article.text`` is the body alone.

A wire-copy dateline that opens the body on a line of its own ("WASHINGTON —", "KYIV, Ukraine
(AP) —") is joined to the paragraph it opens, as print does, instead of standing as a paragraph
(and a sentence, and an actor) of its own; the dateline, inline or not, is kept in
``meta.extra["dateline"]``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..article import Article, Meta
from ..dates import find_date
from ..lang import detect_language
from ..text import check_text, decode, normalise

_MAX_TITLE_CHARS = 250
_MAX_BYLINE_CHARS = 160
# A dateline: a place in capitals, optionally a region and the agency in brackets, then a dash.
_DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?)(?:, ?[^\W\d_][\w .'-]{0,30}?)?"
    r"(?: ?\([^()\n]{1,40}\))?) ?[\u2014\u2013-]{1,2}(?: |$)"
)
_BYLINE_START = re.compile(r"^(?:by\b|written by\b|posted by\b|author:|published\b|updated\b|posted\b)", re.I)


def read(path: Path, data: bytes, source: str, meta: Meta | None = None):
    yield parse_plain(decode(data, source), source=source, meta=meta)


def parse_plain(raw: str, source: str = "<text>", meta: Meta | None = None) -> Article:
    """Article of a plain-text layout (see the module docstring)."""
    text = normalise(raw)
    check_text(text, source)
    meta = meta or Meta()
    lines = text.split("\n")
    body_start = 0

    wraps = "" in lines  # blank lines separate paragraphs: a single line break is a wrap
    title = None
    if meta.title:  # the container gave a title: drop it where the text repeats it on top
        n = _repeats_title(lines, 0, meta.title, wraps)
        body_start = n
    elif n := _title_lines(lines, wraps):
        title = " ".join(lines[:n])
        body_start = n
    body_start = _skip_blank(lines, body_start)

    # Byline / dateline: at most two short lines right below the title.
    for _ in range(2):
        if body_start >= len(lines):
            break
        byline = _parse_byline(lines[body_start])
        if byline is None:
            break
        author, date = byline
        meta.byline = meta.byline or author
        meta.date = meta.date or date
        body_start = _skip_blank(lines, body_start + 1)

    # A repeated title at the top of the body.
    if title and (n := _repeats_title(lines, body_start, title, wraps)):
        body_start = _skip_blank(lines, body_start + n)

    body = _fold_dateline(lines[body_start:], meta)
    if not body:  # a single line or only a title: the text is all there is
        body, title = text, None
    meta.title = meta.title or title
    meta.language = meta.language or detect_language(body)
    meta.input_format = meta.input_format or "text"
    if meta.path is None and source != "<text>":
        meta.path = source
    return Article(text=body, meta=meta)


def _title_lines(lines: list[str], wraps: bool) -> int:
    """How many lines on top are the title: 0 (none), 1, or 2 where a single line break is a wrap
    and the first two lines, followed by a blank line, read as one heading."""
    if len(lines) < 3 or not lines[0] or not _heading_like(lines[0]):
        return 0
    # The next non-blank line must exist: a title heads something.
    if not any(line for line in lines[1:]):
        return 0
    if (wraps and len(lines) > 3 and lines[1] and not lines[2] and any(lines[3:])
            and _heading_like(lines[1]) and len(lines[0]) + len(lines[1]) < _MAX_TITLE_CHARS
            and _parse_byline(lines[1]) is None and not _DATELINE.match(lines[1])):
        return 2
    return 1


def _heading_like(line: str) -> bool:
    return len(line) <= _MAX_TITLE_CHARS and not line.endswith((".", ",", ";", ":"))


def _repeats_title(lines: list[str], i: int, title: str, wraps: bool) -> int:
    """Lines at ``i`` that repeat ``title`` (one, or two where lines wrap), else 0."""
    if i >= len(lines):
        return 0
    if _same_title(lines[i], title):
        return 1
    if wraps and i + 1 < len(lines) and lines[i + 1] and _same_title(f"{lines[i]} {lines[i + 1]}", title):
        return 2
    return 0


def _fold_dateline(lines: list[str], meta: Meta) -> str:
    """The body, with a dateline standing on its own line joined to the paragraph it opens."""
    body = "\n".join(lines).strip()
    first, _, rest = body.partition("\n")
    m = _DATELINE.match(first)
    if m is None or not _dateline_place(m.group("place")):
        return body
    alone = m.end() >= len(first.rstrip())
    # Inline, a capitalised word and a dash may be an acronym opening a sentence ("NATO — the
    # alliance ..."): only the agency or a region ("(AP)", ", Ukraine") makes it a dateline.
    if not alone and not re.search(r"[(,]", m.group("dateline")):
        return body
    meta.extra = {**meta.extra, "dateline": m.group("dateline")}
    if alone and rest.strip():
        return f"{first.rstrip()} {rest.lstrip()}"
    return body


def _dateline_place(place: str) -> bool:
    """A dateline's place is in capitals ("WASHINGTON", "NEW YORK", "SÃO PAULO"), more than an initial."""
    letters = [ch for ch in place if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def _parse_byline(line: str) -> tuple[str | None, str | None] | None:
    """(author, ISO date) when ``line`` is a byline or dateline, else None."""
    if not line or len(line) > _MAX_BYLINE_CHARS:
        return None
    found = find_date(line)
    starts_like_byline = bool(_BYLINE_START.match(line))
    if not starts_like_byline:
        if found is None:
            return None
        # A bare dateline: little besides the date ("September 21, 2020", "Monday, 21 Sep 2020 | 10:04").
        rest = line[: found[1].start()] + line[found[1].end() :]
        if len(re.findall(r"[A-Za-z]{3,}", rest)) > 3:
            return None
    if found is not None:
        # Only a time, a zone or a label may follow the date on a dateline, not running text.
        tail = re.findall(r"[A-Za-z]{2,}", line[found[1].end() :])
        if len(tail) > 3:
            return None
    date = found[0] if found else None
    author_part = line[: found[1].start()] if found else line
    author_part = _BYLINE_START.sub("", author_part.strip(), count=1)
    author = author_part.strip(" |,;:-\u2013\u2014\u00b7/")
    author = re.sub(r"\s*\|\s*$", "", author).strip() or None
    if author and not _looks_like_names(author):
        return None  # "By the evening of March 3 ..." opens a sentence, not a byline
    return author, date


_NAME_PARTICLES = {"and", "de", "del", "der", "van", "von", "da", "di", "la", "le", "bin", "al"}


def _looks_like_names(s: str) -> bool:
    """Author names: a few capitalised words, joined by commas, "and" or name particles."""
    words = re.findall(r"[^\s,&]+", s)
    if not words or len(words) > 12:
        return False
    return all(w[0].isupper() or w.lower() in _NAME_PARTICLES or not w[0].isalpha() for w in words)


def _same_title(line: str, title: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    return key(line) == key(title)


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i
