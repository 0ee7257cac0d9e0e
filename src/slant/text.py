"""From bytes to the text slant shows: decoding and normalisation.

Every offset slant produces refers to the string returned by :func:`normalise`; readers call it
once, before anything measures positions, and never change the text afterwards.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import warnings

from .errors import DecodeWarning, InputError

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
    """Decode bytes of an article to ``str``, deciding per file between UTF-8 and a legacy encoding.

    UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are taken as they are. A file that is not
    valid UTF-8 is one of two things, told apart by the bytes themselves:

    - UTF-8 with a few bad bytes (a stray Latin-1 byte pasted in, a file cut mid-character): its
      valid multi-byte sequences are at least as many as its bad bytes, or the bad bytes are a
      handful in a file of ASCII. It is decoded as UTF-8, each bad byte shown as U+FFFD, and a
      :class:`~slant.errors.DecodeWarning` says how many bytes and where the first one is.
      Decoding the whole file in a legacy code page instead would turn every dash and quote into
      mojibake ("Putin ‚Äì" for "Putin –" in mac_roman).
    - Text in a legacy encoding: the declared charset (HTTP header, WARC record, ``<meta>``) if it
      decodes; Windows-1252 when the text plainly is that (see ``_as_western``); else the encoding
      charset-normalizer detects. A legacy reading is taken only when the file has no valid UTF-8
      sequences or fewer of them than bad bytes, and when it still turns some UTF-8 sequences into
      mojibake it says so with a warning.

    Binary data is refused rather than decoded into noise.
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
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    encoding, n_seq, n_bad = _choose(data, source, declared)
    if encoding == "utf-8":
        _warn_replaced(source, n_bad, first_bad)
        return data.decode("utf-8", errors="replace")
    # A code page decodes every byte but a few undefined ones, which only bytes of UTF-8 sequences
    # (already warned of as mojibake) can be: replaced rather than refused.
    text = data.decode(encoding, errors="replace")
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise InputError(source, "binary file, not text")
    _warn_legacy(source, encoding, n_seq)
    return text


def stream_encoding(sample: bytes, source: str) -> str:
    """The encoding to read a streamed file (CSV) in, chosen on its first bytes by the rules of
    :func:`decode`, with the same warnings; the file is then read with bad bytes replaced."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = _whole_characters(sample)
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    encoding, n_seq, n_bad = _choose(sample, source, None)
    if encoding == "utf-8":
        _warn_replaced(source, n_bad, first_bad, f" in its first {len(sample):,} bytes")
    else:
        _warn_legacy(source, encoding, n_seq)
    return encoding


def _choose(data: bytes, source: str, declared: str | None) -> tuple[str, int, int]:
    """(encoding, valid UTF-8 sequences, bad UTF-8 bytes) of bytes that are not valid UTF-8;
    "utf-8" means UTF-8 with the bad bytes replaced (see :func:`decode`)."""
    n_seq, n_bad = _utf8_evidence(data)
    if n_seq >= n_bad:
        return "utf-8", n_seq, n_bad
    declared = _codec(declared)
    if declared and declared != "utf-8":
        try:
            data.decode(declared)
            return declared, n_seq, n_bad
        except UnicodeDecodeError:
            pass
    # Judged without the UTF-8 sequences, which read as mojibake in any code page (and say so).
    if _as_western(_UTF8_SEQ.sub(b"", data) if n_seq else data) is not None:
        return "cp1252", n_seq, n_bad
    if n_bad <= max(_FEW_BAD_BYTES, _FEW_BAD_SHARE * len(data)):
        return "utf-8", n_seq, n_bad
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise InputError(source, "not text in any encoding slant can detect (binary file?)")
    return best.encoding, n_seq, n_bad


def _whole_characters(sample: bytes) -> bytes:
    """``sample`` without a UTF-8 character cut off at its end (a file's first N bytes)."""
    for back in range(1, min(4, len(sample)) + 1):
        byte = sample[-back]
        if byte < 0x80:
            return sample
        if byte >= 0xC0:  # the lead byte of the last character: is the character whole?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return sample[:-back] if needed > back else sample
    return sample


# A few bad bytes in a file of ASCII are stray bytes, not a legacy encoding: at most this many, or
# this share of the file (text in another script has far more high bytes: most of its letters).
_FEW_BAD_BYTES = 4
_FEW_BAD_SHARE = 0.02
# Well-formed UTF-8 multi-byte sequences (RFC 3629, section 4; no overlongs, no surrogates).
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH = bytes(range(128, 256))


def _utf8_evidence(data: bytes) -> tuple[int, int]:
    """(valid UTF-8 multi-byte sequences, bytes above 127 outside them) of ``data``."""
    n_seq = n_seq_bytes = 0
    for m in _UTF8_SEQ.finditer(data):
        n_seq += 1
        n_seq_bytes += m.end() - m.start()
    n_high = len(data) - len(data.translate(None, _HIGH))
    return n_seq, n_high - n_seq_bytes


def _warn_replaced(source: str, n_bad: int, first_bad: int, scope: str = "") -> None:
    warnings.warn(DecodeWarning(
        source, f"{n_bad} byte{'s' if n_bad != 1 else ''} not valid UTF-8{scope}, the first at byte offset "
                f"{first_bad}; read as UTF-8 with {'each' if n_bad != 1 else 'it'} replaced by U+FFFD (\ufffd)"),
        stacklevel=3)


def _warn_legacy(source: str, encoding: str, n_seq: int) -> None:
    """A legacy reading says so when UTF-8 sequences in the file become mojibake in it."""
    if n_seq:
        warnings.warn(DecodeWarning(
            source, f"read as {encoding}, which most of it is; {n_seq} UTF-8 sequence{'s' if n_seq != 1 else ''} "
                    f"in it may show as mojibake"), stacklevel=3)


def _codec(name: str | None) -> str | None:
    """Python's name for a declared charset, or None when Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _as_western(data: bytes) -> str | None:
    """Windows-1252 text, the commonest non-UTF-8 encoding of news copy, when it is plainly that:
    mostly ASCII with a few accented letters and typographic punctuation. Short samples mislead
    statistical detectors (a French paragraph comes out as a Baltic code page), so this case is
    settled first; text in other scripts has far more high bytes and goes to the detector.

    Accented letters must sit in words that also have an unaccented letter ("café", "Müller") or be
    words of one letter ("à"): a run of accented letters alone ("ÿþÃ", or Cyrillic read as
    cp1252, "Ïóòèí") is what bytes of something else look like in cp1252."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [ch for ch in text if ord(ch) > 127]
    if len(high) > 0.08 * len(text):
        return None
    if any(not (ch.isalpha() or ch in _CP1252_PUNCT) for ch in high):
        return None
    for word in _HIGH_WORD.findall(text):
        if len(word) > 1 and all(ord(ch) > 127 for ch in word):
            return None
    return text


_HIGH_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")
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
