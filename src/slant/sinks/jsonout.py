"""Article JSON out: one object (or an array of several) for --format json, a line each for jsonl.

The JSON is the published schema (``slant schema``); ``Article.from_json`` reads it back.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..article import Article


class JsonSink:
    """Pretty JSON: a single object for one article, an array for several."""

    def __init__(self, fh: TextIO, to_terminal: bool = False):
        self.fh = fh
        self.items: list[dict] = []

    def write(self, article: Article) -> None:
        self.items.append(article.to_dict())

    def close(self) -> None:
        if not self.items:
            return
        doc = self.items[0] if len(self.items) == 1 else self.items
        self.fh.write(json.dumps(doc, ensure_ascii=False, indent=2))
        self.fh.write("\n")
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
