"""CSV and TSV files of articles: a header row, then one article a row.

The spreadsheet form of a dataset. The columns follow the JSONL reader's field rules (text from
``text``/``body``/``content``/``article``/``maintext`` or the column named by ``text_field=``;
title, date, author, source, url, language and id columns to the metadata), and each row's text
goes through the plain-text reader. A file with no text column is refused with one error that
lists the columns it has, so the user can pass the right ``text_field``.

The delimiter is a tab for ``.tsv``; otherwise it is read off the header row, where no long quoted
text field can mislead the count (``csv.Sniffer`` on a sample of article text often picks a comma
or a semicolon from inside the prose). The file is streamed; the encoding (UTF-8, with or without
BOM, or a legacy code page a spreadsheet exported) is settled on its first 64 kB, and a stray
undecodable byte later on becomes U+FFFD rather than stopping the file. ``csv.field_size_limit``
is raised well above the per-article limit (the 128 kB default is shorter than a long article).

A row with more fields than the header (an unquoted delimiter in the text, most often) or an
unparsable row gives an ``InputError`` naming ``file:line`` (the line where the row starts; the
header is line 1) and the reading goes on. ``meta.path`` is ``file#line``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..article import Article, Meta
from ..errors import InputError
from ..text import MAX_ARTICLE_BYTES, stream_encoding
from .jsonl import TEXT_FIELDS, record_article, text_key

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024


def read(
    path: Path,
    data: bytes,
    source: str,
    meta: Meta | None = None,
    max_bytes: int = MAX_ARTICLE_BYTES,
    text_field: str | None = None,
) -> Iterator[Article | InputError]:
    """Articles of a CSV/TSV file, with an ``InputError`` in place of each bad row."""
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    encoding = stream_encoding(sample, source)  # the rules of slant.text.decode, on the first 64 kB
    _raise_field_limit(max_bytes)
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        header_line = fh.readline()
        if not header_line.strip():
            yield InputError(source, "no header row (the first line is empty)")
            return
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(header_line)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except csv.Error as exc:
            yield InputError(f"{source}:1", f"unreadable header row ({exc})")
            return
        key = text_key(header, text_field)
        if key is None:
            looked = text_field or ", ".join(TEXT_FIELDS)
            yield InputError(source, f"no text column (looked for {looked}); the header has: {', '.join(header)}")
            return
        yield from _rows(reader, header, source, max_bytes, text_field)


def _rows(reader, header: list[str], source: str, max_bytes: int, text_field: str | None):
    while True:
        start = reader.line_num + 1
        where = f"{source}:{start}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(where, f"unreadable CSV row ({exc})")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield InputError(
                where, f"row has {len(row)} fields, the header {len(header)} (an unquoted delimiter in the text?)"
            )
            continue
        record = dict(zip(header, row))  # missing trailing fields are simply absent
        size = sum(len(cell.encode("utf-8")) for cell in row)
        if size > max_bytes:
            yield InputError(where, f"record too large (over the {max_bytes / 1e6:.1f} MB limit per article)")
            continue
        try:
            yield record_article(record, where, f"{source}#{start}", "csv", text_field)
        except InputError as exc:
            yield exc


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _raise_field_limit(max_bytes: int) -> None:
    # Generous on purpose: a row over max_bytes is read whole and refused by the size check, which
    # names it and goes on; the csv module's own limit error leaves the parser mid-field, and the
    # rows after it would come out scrambled.
    limit = 4 * max_bytes
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
