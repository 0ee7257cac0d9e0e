"""JSON Lines (and JSON) files of articles: one JSON object per line, each one article.

The common shape of scraper output and datasets (news-please, NewsAPI dumps, Hugging Face
exports). The file is streamed a line at a time, so its size does not matter; each record is
limited to ``max_bytes``. A line that is not JSON, not an object, or has no text gives an
``InputError`` naming ``file:line`` and the reading goes on with the next line. A ``.json`` file
may also hold one object, or an array of objects, possibly pretty-printed over many lines: such a
file is loaded whole (its records are then numbered 1, 2, ... rather than by line).

Field rules, shared with the CSV reader: datasets name their fields in many ways, so the text is
taken from the first of a few common names (``text``, ``body``, ``content``, ``article``,
``maintext``: the last is news-please's) unless the caller names the field (``text_field=``), and
a handful of other names map to the metadata (title; date/published/publish_date; author, byline or
a list of authors; source/outlet/site; url/link; language/lang; the record's id goes to
``meta.extra["record_id"]``). Other keys are left out. The text then goes through the plain-text
reader with that metadata, so a title the record repeats at the top of its text is dropped, as it
is for a pasted file. ``meta.path`` is ``file#line``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import msgspec

from ..article import Article, Meta
from ..dates import parse_date
from ..errors import InputError
from ..text import MAX_ARTICLE_BYTES, decode
from .plain import parse_plain

TEXT_FIELDS = ("text", "body", "content", "article", "maintext")
# Meta field -> record keys that fill it, first present wins.
META_FIELDS = {
    "title": ("title", "headline"),
    "date": ("date", "published", "publish_date", "date_publish", "published_at", "pubdate"),
    "byline": ("author", "byline", "authors"),
    "source": ("source", "outlet", "site", "sitename", "source_domain"),
    "url": ("url", "link"),
    "language": ("language", "lang"),
}
ID_FIELDS = ("id", "record_id")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
# A .json file that is not JSON Lines is loaded whole; past this size it should be JSONL.
MAX_JSON_FILE_BYTES = 1 << 30
_BOM = b"\xef\xbb\xbf"


def read(
    path: Path,
    data: bytes,
    source: str,
    meta: Meta | None = None,
    max_bytes: int = MAX_ARTICLE_BYTES,
    text_field: str | None = None,
) -> Iterator[Article | InputError]:
    """Articles of a JSONL / JSON file, with an ``InputError`` in place of each bad record."""
    with open(path, "rb") as fh:
        if _whole_json(fh, path):
            yield from _read_whole(fh, source, max_bytes, text_field)
        else:
            yield from _read_lines(fh, source, max_bytes, text_field)


def _whole_json(fh: BinaryIO, path: Path) -> bool:
    """True for a ``.json`` file holding an array, or one object pretty-printed over several
    lines (its first line is not a whole JSON value). Other files are read a line at a time, so
    that a bad line costs that line only. Leaves ``fh`` at the start."""
    if path.suffix.lower() != ".json":
        return False
    head = fh.read(4096).removeprefix(_BOM).lstrip()
    fh.seek(0)
    if head.startswith(b"["):
        return True
    if not head.startswith(b"{"):
        return False
    first = fh.readline(1 << 20)
    fh.seek(0)
    try:
        msgspec.json.decode(first.removeprefix(_BOM))
    except msgspec.DecodeError:
        return True
    return False


def _read_lines(fh: BinaryIO, source: str, max_bytes: int, text_field: str | None):
    lineno = 0
    while line := fh.readline(max_bytes + 1):
        lineno += 1
        where = f"{source}:{lineno}"
        if len(line) > max_bytes and not line.endswith(b"\n"):
            _skip_rest_of_line(fh)
            yield InputError(where, f"record too large (over the {max_bytes / 1e6:.1f} MB limit per article)")
            continue
        if lineno == 1:
            line = line.removeprefix(_BOM)
        if not line.strip():
            continue
        try:
            obj = _decode_json(line, where)
            yield _article(obj, where, f"{source}#{lineno}", text_field)
        except InputError as exc:
            yield exc


def _read_whole(fh: BinaryIO, source: str, max_bytes: int, text_field: str | None):
    data = fh.read(MAX_JSON_FILE_BYTES + 1)
    if len(data) > MAX_JSON_FILE_BYTES:
        yield InputError(source, "JSON file too large to load whole (write it as JSON Lines, one object a line)")
        return
    try:
        obj = _decode_json(data.removeprefix(_BOM), source)
    except InputError as exc:
        yield exc
        return
    if isinstance(obj, dict):
        items = [obj]
    elif isinstance(obj, list):
        items = obj
    else:
        yield InputError(source, f"JSON file holds a {_kind(obj)}, not an object or an array of objects")
        return
    for n, item in enumerate(items, 1):
        where = f"{source}#{n}"
        try:
            if isinstance(item, dict) and len(msgspec.json.encode(item)) > max_bytes:
                raise InputError(where, f"record too large (over the {max_bytes / 1e6:.1f} MB limit per article)")
            yield _article(item, where, where, text_field)
        except InputError as exc:
            yield exc


def _decode_json(data: bytes, where: str) -> object:
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # Not UTF-8, as JSON must be: a legacy export. Decode as text, then parse.
            try:
                return msgspec.json.decode(decode(data, where).encode("utf-8"))
            except msgspec.DecodeError:
                pass
        raise InputError(where, f"not valid JSON ({exc})") from None


def _article(obj: object, where: str, path: str, text_field: str | None) -> Article:
    if not isinstance(obj, dict):
        raise InputError(where, f"a JSON {_kind(obj)}, not an object")
    return record_article(obj, where, path, "jsonl", text_field)


def _kind(obj: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(obj), "number")


def _skip_rest_of_line(fh: BinaryIO) -> None:
    while chunk := fh.readline(1 << 20):
        if chunk.endswith(b"\n"):
            return


def text_key(keys, text_field: str | None = None) -> str | None:
    """The key holding the article text among ``keys`` (matched without regard to case)."""
    by_lower = {str(k).strip().lower(): k for k in keys}
    wanted = (text_field.lower(),) if text_field else TEXT_FIELDS
    for name in wanted:
        if name in by_lower:
            return by_lower[name]
    return None


def record_article(
    record: Mapping,
    source: str,
    path: str,
    input_format: str,
    text_field: str | None = None,
) -> Article:
    """Article of one record (a JSON object or a CSV row); raises ``InputError`` naming ``source``."""
    key = text_key(record.keys(), text_field)
    if key is None:
        looked = text_field or ", ".join(TEXT_FIELDS)
        raise InputError(source, f"no text field (looked for {looked})")
    text = record[key]
    if not isinstance(text, str):
        raise InputError(source, f"field {key!r} is not a string")
    if not text.strip():
        raise InputError(source, f"field {key!r} is empty")
    meta = record_meta(record)
    meta.path = path
    meta.input_format = input_format
    return parse_plain(text, source=source, meta=meta)


def record_meta(record: Mapping) -> Meta:
    """Meta read off the known keys of a record; unknown keys are left out."""
    by_lower = {str(k).strip().lower(): v for k, v in record.items()}
    found: dict[str, object] = {}
    for field, keys in META_FIELDS.items():
        for k in keys:
            value = by_lower.get(k)
            if value not in (None, "", []):
                found[field] = value
                break
    meta = Meta(
        title=_string(found.get("title")),
        byline=_names(found.get("byline")),
        date=_date(found.get("date")),
        source=_name(found.get("source")),
        url=_string(found.get("url")),
        language=_language(found.get("language")),
    )
    for k in ID_FIELDS:
        value = by_lower.get(k)
        if value not in (None, ""):
            meta.extra = {"record_id": str(value)}
            break
    return meta


def _string(value: object) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _name(value: object) -> str | None:
    """A name given as a string or as an object with a name (NewsAPI: {"id": .., "name": ..})."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("title") or value.get("id")
    return _string(value)


def _names(value: object) -> str | None:
    """Authors as a string, a list of strings, or a list of objects with names."""
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    return _name(value)


def _date(value: object) -> str | None:
    """ISO date (YYYY-MM-DD) of a date string, or of a Unix timestamp in seconds or milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    value = _string(value)
    if value is None:
        return None
    if _ISO_DATETIME.match(value):
        return parse_date(value[:10])
    return parse_date(value)


def _language(value: object) -> str | None:
    """ISO 639-1 code from "en", "EN", "en-GB", "en_US"."""
    value = _string(value)
    if value is None:
        return None
    code = re.split(r"[-_]", value.lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
