"""WARC archives (``.warc``, ``.warc.gz``, and ARC): the HTML pages a crawl fetched, as articles.

Web crawls (Common Crawl, Heritrix, wget ``--warc-file``, Browsertrix) store what they fetched as
WARC records (ISO 28500). The archive is streamed with warcio's ``ArchiveIterator``, one record at
a time, so its size does not matter. ``response`` records (and ``resource`` records, which some
tools write for pages) whose content type is HTML and whose HTTP status is 2xx go through the HTML
reader (:func:`slant.readers.html.parse_html`): the URL is the record's ``WARC-Target-URI``, the
charset of the HTTP ``Content-Type`` header is the declared encoding, and the record's
``WARC-Date`` is the date when the page gives none. Every other record (requests, metadata,
redirects, images, scripts) is skipped without a word.

Records are numbered from 1 in archive order, counting every record; ``meta.path`` is
``file#n``, and an error about a record names ``file#n``. A page the HTML reader cannot read
gives that error and the reading goes on; a broken record or an archive cut short (a truncated
download) ends the reading with one error naming the record where it broke, keeping the articles
read before it: the records after a broken one cannot be found reliably.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..article import Article, Meta
from ..errors import InputError
from ..text import MAX_ARTICLE_BYTES
from .html import parse_html

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HEADER_CUT = "truncated archive: the file ends inside this record's header"


def read(
    path: Path,
    data: bytes,
    source: str,
    meta: Meta | None = None,
    max_bytes: int = MAX_ARTICLE_BYTES,
) -> Iterator[Article | InputError]:
    """Articles of the HTML pages in a WARC archive, with an ``InputError`` for each failure."""
    from warcio.archiveiterator import ArchiveIterator

    n = end = 0
    with open(path, "rb") as fh:
        if not _starts_like_warc(fh):
            yield InputError(source, "not a WARC file (it does not start with a WARC/1.x or ARC header)")
            return
        records = ArchiveIterator(fh, arc2warc=True)
        while True:
            where = f"{source}#{n + 1}"
            page = skipped = None
            try:
                record = next(records)
                n += 1
                _check_header(record)
                try:
                    page = _html_page(record, max_bytes, where)
                except InputError as exc:  # this record only: go on with the next
                    skipped = exc
                _check_complete(record)
                end = records.get_record_offset() + records.get_record_length()
            except StopIteration:
                if _leftover(fh, end):
                    # warcio takes a header cut off by the end of the file for the end of the file.
                    yield InputError(where, f"{_HEADER_CUT}; stopped here")
                    return
                break
            except _Broken as exc:
                yield InputError(where, f"{exc}; stopped here")
                return
            except Exception as exc:  # noqa: BLE001
                # warcio meets malformed bytes with ArchiveLoadFailed, zlib and I/O errors, but
                # also with AttributeError or IndexError from half-read headers: any failure here
                # is the archive's, and the records after it cannot be found reliably.
                yield InputError(where, f"broken WARC record ({_reason(exc)}); stopped here")
                return
            if skipped is not None:
                yield skipped
                continue
            if page is None:
                continue
            content, charset, url, date = page
            try:
                meta = Meta(path=where, input_format="warc")
                yield parse_html(content, source=where, meta=meta, url=url, encoding=charset, fallback_date=date)
            except InputError as exc:
                yield exc
    if n == 0:
        yield InputError(source, "no WARC records in this file")


def _html_page(record, max_bytes: int, where: str) -> tuple[bytes, str | None, str | None, str | None] | None:
    """(content, charset, url, ISO date) of an HTML page record, or None for any other record."""
    if record.rec_type not in ("response", "resource"):
        return None
    if record.rec_type == "response":
        http = record.http_headers
        if http is None:  # a response to something other than HTTP (dns:, ftp:)
            return None
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return None  # redirects and error pages hold no article
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    if not content_type.lower().startswith(_HTML_TYPES):
        return None
    # content_stream() undoes chunked transfer and gzip/deflate content encoding.
    content = record.content_stream().read(max_bytes + 1)
    if len(content) > max_bytes:
        raise InputError(where, f"page too large for one article (over the {max_bytes / 1e6:.1f} MB limit)")
    url = record.rec_headers.get_header("WARC-Target-URI")
    warc_date = record.rec_headers.get_header("WARC-Date") or ""
    return content, _charset(content_type), url, warc_date[:10] or None


def _starts_like_warc(fh: BinaryIO) -> bool:
    """True when the file, gunzipped if need be, starts as a WARC or ARC file; leaves fh at 0.

    warcio reads almost anything as a run of malformed ARC records, so a file that is not an
    archive at all is refused here, before it gets the chance."""
    magic = fh.read(2)
    fh.seek(0)
    try:
        if magic == b"\x1f\x8b":
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(fh.read(4096), 64)
        else:
            head = fh.read(64)
    except zlib.error:
        head = b""
    fh.seek(0)
    return head.lstrip().startswith((b"WARC/", b"filedesc://"))


def _leftover(fh: BinaryIO, end: int) -> bool:
    """True when something other than blank lines follows the last whole record."""
    fh.seek(end)
    return bool(fh.read(1 << 16).strip())


class _Broken(Exception):
    """A record that ends the reading: cut off by the end of the file, or malformed."""


def _check_header(record) -> None:
    """Every WARC record declares its length; warcio takes a header cut short by the end of the
    file for a whole header without one, and reads on to the end of the file as its content."""
    declared = record.rec_headers.get_header("Content-Length") or ""
    if declared.strip().isdigit():
        return
    if record.raw_stream.read(1):
        raise _Broken("broken WARC record (no Content-Length in its header)")
    raise _Broken(_HEADER_CUT)


def _check_complete(record) -> None:
    """Read the rest of the record and check that its whole declared length was there.

    warcio ends the iteration quietly when a file stops inside a record (a truncated download,
    a cut ``.warc.gz``), so the record's ``Content-Length`` is the only sign of it.
    """
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    missing = getattr(stream, "limit", 0)
    if missing > 0:
        declared = record.rec_headers.get_header("Content-Length")
        raise _Broken(f"truncated archive: the file ends {missing} bytes short of the record's length ({declared})")


def _charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header value."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
