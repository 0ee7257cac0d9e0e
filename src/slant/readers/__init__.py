"""Readers: bytes -> Article. One module per input format; this module picks one per input.

``iter_articles(paths)`` walks files, folders and containers and yields an ``Article`` for each
article it reads and an ``InputError`` for each input or record it cannot read, so a caller can
report the failure and go on with the rest of the run. Every reader module has
``read(path, data, source, meta) -> Iterator[Article | InputError]``; a reader of a single article
raises ``InputError`` instead of yielding it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib import import_module
from pathlib import Path

from ..article import Article
from ..errors import InputError
from ..text import MAX_ARTICLE_BYTES, check_length

# Format name -> module under slant.readers.
FORMATS = {
    "text": "plain",
    "html": "html",
    "jsonl": "jsonl",
    "csv": "csvfile",
    "warc": "warc",
    "ptc": "tasks",
    "semeval2023": "tasks",
    "semeval2025": "tasks",
}
# Formats that hold many articles and are streamed; the size limit applies to their records.
CONTAINERS = {"jsonl", "csv", "warc"}

_SUFFIXES = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".warc": "warc", ".arc": "warc",
}
_COMPRESSED = {".gz"}


def guess_format(path: Path, head: bytes = b"") -> str | None:
    """Input format of ``path`` from its name, where it sits, and its first bytes."""
    name = path.name.lower()
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] in (".warc", ".arc"):
            return "warc"
        return None
    suffix = suffixes[-1] if suffixes else ""
    fmt = _SUFFIXES.get(suffix)
    if fmt == "text":
        return _task_layout(path) or "text"
    if fmt is not None:
        return fmt
    # No telling suffix: look at the content.
    start = head.lstrip()[:64].lower()
    if start.startswith(b"warc/"):
        return "warc"
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<article", b"<div", b"<p")):
        return "html"
    if start.startswith(b"{"):
        return "jsonl"
    if not suffix or name.count(".") == 0:
        return "text"
    return None


def _task_layout(path: Path) -> str | None:
    """Shared-task corpus layouts, recognised by their folder names."""
    parent = path.parent.name
    if parent.startswith(("train-articles-subtask-", "dev-articles-subtask-", "test-articles-subtask-")):
        return "semeval2023"
    if parent == "raw-documents" or (parent.startswith("subtask-") and parent.endswith("-documents")):
        return "semeval2025"
    if parent == "articles" and (path.parent.parent / "labels").is_dir():
        return "ptc"
    return None


def iter_articles(
    paths: Iterable[str | Path],
    input_format: str | None = None,
    max_bytes: int = MAX_ARTICLE_BYTES,
) -> Iterator[object]:
    """Articles of every input, in order, with an ``InputError`` in place of each failure (an
    article whose text is longer than ``slant.text.MAX_ARTICLE_CHARS`` is one)."""
    if input_format is not None and input_format not in FORMATS:
        raise InputError(str(input_format), f"unknown input format; known: {', '.join(FORMATS)}")
    for p in paths:
        path = Path(p)
        if path.is_dir():
            items = _read_dir(path, input_format, max_bytes)
        elif path.exists():
            items = _read_file(path, input_format, max_bytes)
        else:
            items = iter([InputError(str(path), "no such file or directory")])
        for item in items:
            if isinstance(item, Article):
                try:
                    check_length(item.text, item.meta.path or str(path))
                except InputError as exc:
                    item = exc
            yield item


def check_inputs(paths: list[str | Path], input_format: str | None = None) -> None:
    """Refuse at once what no run could read, before a model loads or a store opens: no input, an
    unknown input format, or inputs none of which exist. (Of several inputs, one that is missing is
    reported in its turn like any unreadable input, and the others are read.)"""
    if input_format is not None and input_format not in FORMATS:
        raise InputError(str(input_format), f"unknown input format; known: {', '.join(FORMATS)}")
    if not paths:
        raise InputError("<inputs>", "no input given")
    if not any(Path(p).exists() for p in paths):
        raise InputError(str(paths[0]), "no such file or directory" if len(paths) == 1
                         else f"no such file or directory, nor any of the other {len(paths) - 1} inputs")


def read_path(path: str | Path, input_format: str | None = None) -> list:
    """Every article of one path; raises the first ``InputError`` met."""
    out = []
    for item in iter_articles([path], input_format):
        if isinstance(item, InputError):
            raise item
        out.append(item)
    return out


def _read_dir(root: Path, input_format: str | None, max_bytes: int) -> Iterator[object]:
    found = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            path = Path(dirpath) / fn
            fmt = input_format or guess_format(path)
            if fmt is None or (input_format is None and not _has_known_suffix(path)):
                continue  # in a folder, only files that announce a readable format
            found += 1
            yield from _read_file(path, fmt, max_bytes)
    if not found:
        known = ", ".join(sorted({*_SUFFIXES, ".warc.gz"}))
        yield InputError(str(root), f"no readable article in this folder (looked for {known})")


def _has_known_suffix(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in _SUFFIXES) or name.endswith((".warc.gz", ".arc.gz"))


def _read_file(path: Path, input_format: str | None, max_bytes: int) -> Iterator[object]:
    source = str(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(4096)
        fmt = input_format or guess_format(path, head)
        if fmt is None:
            raise InputError(source, "unknown file type (use --input-format)")
        if fmt not in CONTAINERS and size > max_bytes:
            raise InputError(
                source, f"file too large for one article ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit)"
            )
        if size == 0:
            raise InputError(source, "empty file")
        module = import_module(f"{__name__}.{FORMATS[fmt]}")
        data = b"" if fmt in CONTAINERS else path.read_bytes()
        kwargs = {"max_bytes": max_bytes} if fmt in CONTAINERS else {}
        if fmt in ("ptc", "semeval2023", "semeval2025"):
            kwargs["layout"] = fmt
        yield from module.read(path, data, source, None, **kwargs)
    except InputError as exc:
        yield exc
    except PermissionError:
        yield InputError(source, "permission denied")
    except IsADirectoryError:
        yield InputError(source, "is a directory")
    except OSError as exc:
        yield InputError(source, f"cannot read: {exc.strerror or exc}")
