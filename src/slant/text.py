"""From bytes to the text slant shows: decoding and normalisation.

Every offset slant produces refers to the string returned by :func:`normalise`; readers call it
once, before anything measures positions, and never change the text afterwards.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import InputError

# Larger single-article files are refused: a news article is a few tens of kB, and a file of many
# megabytes is a dump, a binary or a mistake. Containers (JSONL, CSV, WARC) are streamed instead and
# this limit applies to each record.
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
# And the text read from one input is one article only up to this many characters (a long feature
# is 100,000): the parse needs about 1 GB of memory per 100,000 characters, and spaCy refuses longer.
MAX_ARTICLE_CHARS = 1_000_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab and newlines: their presence means binary data, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes, source: str, declared: str | None = None) -> str:
    """Decode bytes of an article to ``str``.

    UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are taken as they are; a declared charset
    (HTTP header, WARC record) is tried next; otherwise the encoding is detected with
    charset-normalizer. Binary data is refused rather than decoded into noise.
    """
    if not data.strip():
        raise InputError(source, "empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc)
    if b"\x00" in data[:8192]:
        raise InputError(source, "binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    western = _as_western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise InputError(source, "not text in any encoding slant can detect (binary file?)")
    text = data.decode(best.encoding, errors="strict")
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise InputError(source, "binary file, not text")
    return text


def _as_western(data: bytes) -> str | None:
    """Windows-1252 text, the commonest non-UTF-8 encoding of news copy, when it is plainly that:
    mostly ASCII with a few accented letters and typographic punctuation. Short samples mislead
    statistical detectors (a French paragraph comes out as a Baltic code page), so this case is
    settled first; text in other scripts has far more high bytes and goes to the detector."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [ch for ch in text if ord(ch) > 127]
    if len(high) > 0.08 * len(text):
        return None
    if any(not (ch.isalpha() or ch in _CP1252_PUNCT) for ch in high):
        return None
    return text


_CP1252_PUNCT = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb\u00b0\u20ac\u00a3\u00a7\u00b7")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def normalise(text: str) -> str:
    """The text slant shows and exports: NFC, Unix newlines, no zero-width or control characters,
    runs of spaces collapsed, lines stripped, paragraphs separated by exactly one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n ")


def check_length(text: str, source: str) -> None:
    """Refuse a text longer than one article can be (``MAX_ARTICLE_CHARS``)."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(source, f"text too long for one article ({len(text):,} characters > "
                                 f"{MAX_ARTICLE_CHARS:,}); split it into articles")


def check_text(text: str, source: str) -> None:
    """Refuse text that cannot be an article (nothing left after normalisation, or binary noise)."""
    if not text.strip():
        raise InputError(source, "no article text")
    sample = text[:8192]
    if len(_CONTROL.findall(sample)) > 8:
        raise InputError(source, "binary file, not text")
    letters = sum(ch.isalpha() for ch in sample)
    if letters < 0.3 * len(sample.replace(" ", "").replace("\n", "")):
        raise InputError(source, "does not look like text (too few letters; binary or data file?)")
