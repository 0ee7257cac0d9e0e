"""The contract every analyser follows (the common test in tests/test_analysers.py checks it).

An analyser has a ``name`` (how slant.toml refers to it), the layers it ``needs`` and the layers it
``adds`` (names from ``slant.article.LAYERS``), and ``pipe(articles, batch_size)``, which yields the
same articles with its layers filled, in order. ``__init__`` only stores options; models are loaded
by ``load()``, which the pipeline calls once before the first article, so listing a pipeline or
checking a config never loads weights.

Languages: ``languages`` is the set of ISO 639-1 codes the analyser can read (None: any language),
and ``skip_reason(language)`` says why it cannot read an article in ``language`` (None when it
can); an analyser whose answer depends on what is installed (a spaCy pipeline per language)
overrides the method. The pipeline asks before each article and, instead of running the analyser,
notes in the article's provenance that it was skipped and why (``Article.skip``). An article with no
language (an empty text, an Article built by hand) is read by every analyser, as before languages
were routed. ``pipe`` itself never refuses an article: called directly, an analyser reads whatever
it is given (the evaluation code does this on the shared tasks' data).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from .. import lang
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
    # ISO 639-1 codes of the languages the analyser reads; None: any language.
    languages: ClassVar[frozenset[str] | None] = None

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Load models or resources; called once before the first article. No-op by default."""

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        raise NotImplementedError

    def skip_reason(self, language: str | None) -> str | None:
        """Why this analyser cannot read an article in ``language`` (an ISO 639-1 code), or None
        when it can. An unknown language (None) is read."""
        return language_gap(language, self.languages)

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


def language_gap(language: str | None, languages: frozenset[str] | None, what: str = "model") -> str | None:
    """Why a ``what`` that reads ``languages`` (None: any) cannot read ``language``, or None when
    it can: "no model for Ukrainian (English only)"."""
    language = lang.normalise(language)
    if language is None or languages is None or language in languages:
        return None
    return f"no {what} for {lang.name(language)} ({_names(languages)} only)"


def _names(codes: frozenset[str]) -> str:
    """"English", "English and French", "English, French and German"."""
    names = sorted(lang.name(c) for c in codes)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
