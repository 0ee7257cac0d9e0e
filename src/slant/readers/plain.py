"""Plain-text articles: a title line, an optional byline/date line, then the body.

The layout is the one news copy pasted into a file usually has::

    Why do the West believe that Putin lost in Belarus?

    By | September 21, 2020
    Why do the West believe that Putin lost in Belarus?

    As the protest sentiment ...

The first line is the title when it looks like one (short, one line, not ending in a full stop)
and more text follows. A byline/date line right after it ("By Jane Doe | September 21, 2020",
"Published 21 Sep 2020") goes to the metadata, and a repetition of the title at the top of the
body, as copy-paste from web pages often leaves, is dropped. ``Article.text`` is the body alone.
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

    title = None
    if meta.title:  # the container gave a title: drop it where the text repeats it on top
        if _same_title(lines[0], meta.title):
            body_start = 1
    elif _looks_like_title(lines):
        title = lines[0]
        body_start = 1
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
    if title and body_start < len(lines) and _same_title(lines[body_start], title):
        body_start = _skip_blank(lines, body_start + 1)

    body = "\n".join(lines[body_start:]).strip()
    if not body:  # a single line or only a title: the text is all there is
        body, title = text, None
    meta.title = meta.title or title
    meta.language = meta.language or detect_language(body)
    meta.input_format = meta.input_format or "text"
    if meta.path is None and source != "<text>":
        meta.path = source
    return Article(text=body, meta=meta)


def _looks_like_title(lines: list[str]) -> bool:
    if len(lines) < 3 or not lines[0]:
        return False
    first = lines[0]
    if len(first) > _MAX_TITLE_CHARS or first.endswith((".", ",", ";", ":")):
        return False
    # The next non-blank line must exist: a title heads something.
    return any(line for line in lines[1:])


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
