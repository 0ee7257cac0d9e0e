"""The contract every analyser follows (the common test in tests/test_analysers.py checks it).

An analyser has a ``name`` (how slant.toml refers to it), the layers it ``needs`` and the layers it
``adds`` (names from ``slant.article.LAYERS``), and ``pipe(articles, batch_size)``, which yields the
same articles with its layers filled, in order. ``__init__`` only stores options; models are loaded
by ``load()``, which the pipeline calls once before the first article, so listing a pipeline or
checking a config never loads weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from ..article import Article


def batched(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Consecutive lists of at most ``size`` articles (the last may be shorter), in order."""
    batch: list[Article] = []
    for art in articles:
        batch.append(art)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Analyser:
    name: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ("text",)
    adds: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "1"
    # One line for `slant pipeline`; defaults to the first line of the class docstring.
    summary: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Load models or resources; called once before the first article. No-op by default."""

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        raise NotImplementedError

    def __call__(self, article: Article) -> Article:
        return next(iter(self.pipe([article], batch_size=1)))

    @classmethod
    def describe(cls) -> str:
        if cls.summary:
            return cls.summary
        doc = (cls.__doc__ or "").strip().splitlines()
        return doc[0] if doc else ""

    def __repr__(self) -> str:
        return f"<analyser {self.name} needs={list(self.needs)} adds={list(self.adds)}>"
