"""Shared-task corpus layouts: PTC (SemEval-2020 Task 11), SemEval-2023 Task 3, SemEval-2025 Task 10.

The organisers' labels are character offsets into their article files, so ``Article.text`` here is
the file's bytes decoded as UTF-8 and nothing else: no normalisation, no stripping, line ends as
they are. The gold spans then slice the annotated words with no conversion. In particular:

* **BOM kept.** A few files start with a UTF-8 byte order mark (2 PTC articles, the same 2 in the
  SemEval-2023 English set, 24 SemEval-2025 documents). The organisers counted it as a character:
  in PTC ``article705409419.txt`` the Loaded_Language span 138-158 is "a devastating letter" with
  the BOM kept and " devastating letter " without it. So the text is decoded with ``utf-8``, not
  ``utf-8-sig``, and begins with U+FEFF; only ``meta.title`` is stripped of it.
* **Line ends kept.** A file with CRLF line ends keeps them, because the offsets of the
  organisers' own files count both characters.

Layouts (folder names as the organisers ship them; ``slant.readers.guess_format`` recognises them):

* ``ptc``: ``articles/articleID.txt`` beside ``labels/``; title, blank line, one sentence a line.
* ``semeval2023``: ``LANG/{train,dev,test}-articles-subtask-N/articleID.txt``; title, blank
  line, paragraphs. Language folders ``en fr ge it po ru es gr ka`` (``ge`` is German, ``po``
  Polish, ``gr`` Greek).
* ``semeval2025``: ``{train,dev}/LANG/raw-documents/*.txt`` and
  ``dev/LANG/subtask-N-documents/*.txt``; the document id is the file name ("EN_CC_100013.txt").

``meta.title`` is the first line; ``meta.extra["doc_id"]`` is the id the label files use (the
number of ``articleNNN.txt``, or the SemEval-2025 file name) and ``meta.extra["split"]`` the
split the folder names; ``meta.language`` comes from the language folder, else is detected.
``Article.paragraphs`` is one span per non-blank line (without surrounding whitespace or the BOM).
That is the organisers' unit: SemEval-2023 subtask 3 labels paragraphs by line number, and a
line directly under another (a subheading over its paragraph) is a paragraph of its own, which
the segmenter's blank-line rule would merge; in PTC each line is a sentence. The line number of a
paragraph is ``text.count("\n", 0, span.start) + 1``.

Gold offsets in the copies at ``../shared/data``: PTC and the English SemEval-2023 spans slice the
file text exactly. SemEval-2025 subtask-1 offsets are end-inclusive (``text[start:end + 1]`` is
the entity). And many SemEval-2023 (non-English) and SemEval-2025 documents were annotated on
files with CRLF line ends that reached this copy with LF only (git's line-end conversion), so
their offsets run ahead by one per line break before the span. That is a property of the copy,
not of the layout, so this reader does not alter the text; :func:`align_gold_spans` maps such
offsets onto the text, deciding per document which way they were counted (with it, all 5,775
SemEval-2025 subtask-1 entities of the copy slice exactly). Once aligned, the non-English
SemEval-2023 spans still end one character short in about a quarter of cases (a span running
to the end of a sentence stops before its last letter: "... eskaliere|n."); that is in the
organisers' labels, and the span-F1 scorers with partial credit absorb it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path

from ..article import Article, Meta, Span
from ..errors import InputError
from ..lang import detect_language

LAYOUTS = ("ptc", "semeval2023", "semeval2025")
# Language folder names that are not ISO 639-1 codes.
_FOLDER_LANGUAGE = {"ge": "de", "po": "pl", "gr": "el"}
_ARTICLE_ID = re.compile(r"^article(\w+)\.txt$")
_SPLIT_2023 = re.compile(r"^(train|dev|test)-articles-subtask-\d+$")
_SPLITS = ("train", "dev", "test")
_LINE = re.compile(r"[^\n]+")


def read(path: Path, data: bytes, source: str, meta: Meta | None = None, layout: str = "ptc"):
    yield parse_task_file(data, path, layout, source=source, meta=meta)


def parse_task_file(
    data: bytes, path: Path, layout: str, source: str | None = None, meta: Meta | None = None
) -> Article:
    """Article of one shared-task article file, its text exactly as the file holds it."""
    if layout not in LAYOUTS:
        raise InputError(str(layout), f"unknown shared-task layout; known: {', '.join(LAYOUTS)}")
    source = source or str(path)
    try:
        text = data.decode("utf-8")  # not utf-8-sig: the organisers' offsets count the BOM
    except UnicodeDecodeError as exc:
        raise InputError(
            source, f"not UTF-8 (byte {exc.start}); shared-task files are UTF-8, read others as --input-format text"
        ) from None
    if not text.strip("\ufeff \t\r\n"):
        raise InputError(source, "empty file")

    meta = meta or Meta()
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    meta.title = meta.title or first_line or None
    extra = dict(meta.extra)
    extra["doc_id"] = _doc_id(path, layout)
    split = _split(path, layout)
    if split:
        extra["split"] = split
    meta.extra = extra
    meta.language = meta.language or _folder_language(path, layout) or detect_language(text)
    meta.input_format = layout
    meta.path = meta.path or source
    return Article(text=text, meta=meta, paragraphs=line_paragraphs(text))


def line_paragraphs(text: str) -> list[Span]:
    """One span per non-blank line of ``text``, without surrounding whitespace or a leading BOM.

    A line holding nothing but a stray U+FEFF (files the organisers concatenated; 6 in the
    SemEval-2023 English set) is a paragraph too: their subtask-3 labels number it.
    """
    spans = []
    for m in _LINE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        if text[start] == "\ufeff" and text[start + 1 : end].strip():
            start += 1
            while text[start].isspace():
                start += 1
        spans.append(Span(start=start, end=end))
    return spans


def _doc_id(path: Path, layout: str) -> str:
    if layout == "semeval2025":
        return path.name
    m = _ARTICLE_ID.match(path.name)
    return m.group(1) if m else path.stem


def _split(path: Path, layout: str) -> str | None:
    if layout == "semeval2023":
        m = _SPLIT_2023.match(path.parent.name)
        return m.group(1) if m else None
    if layout == "semeval2025":
        split = path.parent.parent.parent.name
        return split if split in _SPLITS else None
    return None


def _folder_language(path: Path, layout: str) -> str | None:
    """ISO 639-1 code of the language folder the file sits in (PTC is English throughout)."""
    if layout == "ptc":
        return "en"
    folder = path.parent.parent.name.lower()
    if len(folder) != 2 or not folder.isalpha():
        return None
    return _FOLDER_LANGUAGE.get(folder, folder)


# --- gold offsets -----------------------------------------------------------------------------


def align_gold_spans(
    text: str,
    spans: Sequence[tuple[int, int]],
    surfaces: Sequence[str] | None = None,
    *,
    end_inclusive: bool = False,
) -> list[tuple[int, int] | None]:
    """The organisers' (start, end) offsets of one document as offsets into ``text``.

    ``text`` is the Article text this reader made; ``spans`` are all the gold spans of the
    document; ``surfaces`` the annotated strings where the labels give them (SemEval-2025
    subtask 1); ``end_inclusive`` for label files whose end offset is the last character.

    Offsets are read either as written or as counted on the same text with CRLF line ends (see
    the module docstring), whichever fits more spans of the document: the one that makes more of
    them equal their surface strings, or, without surfaces, the one where more spans begin at a
    word and have no whitespace at either edge; ties go to the offsets as written. Without
    surfaces the document's reading holds for every span, and a span outside the text is None.
    With surfaces, a span the chosen reading does not fit is tried in the other, then looked for
    nearby (the organisers' files sometimes mixed line ends); one not found is None.
    """
    if not spans:
        return []
    ends = [(s, e + 1 if end_inclusive else e) for s, e in spans]
    readings = [ends]
    if "\n" in text and "\r" not in text:
        to_lf = _crlf_mapper(text)
        readings.append([(to_lf(s), to_lf(e)) for s, e in ends])

    def fits(span: tuple[int, int], i: int) -> bool:
        s, e = span
        if surfaces is not None:
            return text[s:e] == surfaces[i]
        return _plausible_span(text, s, e)

    scores = [sum(fits(span, i) for i, span in enumerate(r)) for r in readings]
    order = sorted(range(len(readings)), key=lambda k: -scores[k])  # stable: as written wins ties
    out: list[tuple[int, int] | None] = []
    for i in range(len(ends)):
        if surfaces is None:
            # Nothing to check a single span against: the document's reading holds for all.
            s, e = readings[order[0]][i]
            out.append((s, e) if 0 <= s < e <= len(text) else None)
            continue
        found = next((readings[k][i] for k in order if fits(readings[k][i], i)), None)
        out.append(found or _search_near(text, surfaces[i], ends[i][0]))
    return out


def _crlf_mapper(text: str):
    """Function mapping an offset counted on ``text`` with every "\\n" written "\\r\\n" to an
    offset into ``text`` (a position on the "\\r" or the "\\n" maps to the "\\n")."""
    # In the CRLF text, the j-th newline's "\n" sits at newlines[j] + j + 1; every character after
    # it has moved j + 1 places.
    marks = [pos + j + 1 for j, pos in enumerate(m.start() for m in re.finditer("\n", text))]

    def to_lf(offset: int) -> int:
        return offset - bisect_right(marks, offset)

    return to_lf


def _plausible_span(text: str, s: int, e: int) -> bool:
    if not (0 <= s < e <= len(text)):
        return False
    piece = text[s:e]
    if piece != piece.strip():
        return False
    return s == 0 or not (text[s - 1].isalnum() and text[s].isalnum())


def _search_near(text: str, surface: str, start: int) -> tuple[int, int] | None:
    """The occurrence of ``surface`` nearest ``start``, within one place per line break before it."""
    if not surface:
        return None
    window = text.count("\n", 0, max(0, min(start, len(text)))) + 2
    best = None
    pos = text.find(surface, max(0, start - window))
    while pos != -1 and pos <= start + window:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        pos = text.find(surface, pos + 1)
    return (best, best + len(surface)) if best is not None else None
