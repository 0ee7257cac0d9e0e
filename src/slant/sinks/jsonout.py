"""Article JSON out: one object (or an array of several) for --format json, a line each for jsonl.

The JSON is the published schema (``slant schema``); ``Article.from_json`` reads it back.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..article import Article


class JsonSink:
    """Pretty JSON: a single object for one article, an array for several. Streams: only the
    first article is held back, until it is known whether an array is needed."""

    def __init__(self, fh: TextIO, to_terminal: bool = False):
        self.fh = fh
        self.first: dict | None = None
        self.count = 0

    def _dump(self, doc: dict) -> str:
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def write(self, article: Article) -> None:
        self.count += 1
        if self.count == 1:
            self.first = article.to_dict()
            return
        if self.count == 2:
            self.fh.write("[\n" + self._dump(self.first))
            self.first = None
        self.fh.write(",\n" + self._dump(article.to_dict()))
        self.fh.flush()

    def close(self) -> None:
        if self.count == 1:
            self.fh.write(self._dump(self.first) + "\n")
        elif self.count > 1:
            self.fh.write("\n]\n")
        self.fh.flush()


class JsonlSink:
    """One compact Article JSON a line, written as each article is done."""

    def __init__(self, fh: TextIO, to_terminal: bool = False):
        self.fh = fh

    def write(self, article: Article) -> None:
        self.fh.write(article.to_json().decode("utf-8"))
        self.fh.write("\n")
        self.fh.flush()

    def close(self) -> None:
        pass
