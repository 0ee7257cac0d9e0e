"""slant: read news articles the way a disinformation analyst does.

    >>> import slant
    >>> nlp = slant.load()
    >>> art = nlp("Title\\n\\nBody text. More text.")
    >>> [art.span_text(s) for s in art.sentences]
    ['Body text.', 'More text.']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .article import SCHEMA_VERSION, Article, Meta
from .pipeline import Pipeline, load

try:
    __version__ = version("slant")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["Article", "Meta", "Pipeline", "SCHEMA_VERSION", "load", "__version__"]
