"""Analysers by name, found through the ``slant.analysers`` entry-point group.

slant registers its own analysers in pyproject.toml under that group; any installed package can add
more the same way and name them in slant.toml. Built-in names are also known without entry-point
metadata, so a source checkout run without installing still works.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points

from .errors import ConfigError

GROUP = "slant.analysers"

_BUILTIN = {
    "segment": "slant.analysers.segment:Segmenter",
    "entities": "slant.analysers.entities:Entities",
    "actors": "slant.analysers.actors:Actors",
    "quotes": "slant.analysers.quotes:Quotes",
    "relations": "slant.analysers.relations:Relations",
    "roles": "slant.analysers.roles:Roles",
    "stories": "slant.analysers.stories:Stories",
    "techniques": "slant.analysers.techniques:Techniques",
    "subjectivity": "slant.analysers.subjectivity:Subjectivity",
    "claims": "slant.analysers.claims:Claims",
    "genre": "slant.analysers.genre:Genre",
    "frames": "slant.analysers.frames:Frames",
    "narratives": "slant.analysers.narratives:Narratives",
}


@lru_cache(maxsize=1)
def _targets() -> dict[str, str]:
    targets = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        targets[ep.name] = ep.value
    return targets


def available() -> list[str]:
    """Names of every analyser slant can build."""
    return sorted(_targets())


def get(name: str) -> type:
    """The analyser class registered as ``name``."""
    try:
        target = _targets()[name]
    except KeyError:
        raise ConfigError(f"unknown analyser {name!r}; available: {', '.join(available())}") from None
    module, _, attr = target.partition(":")
    try:
        cls = getattr(import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"analyser {name!r} ({target}) cannot be loaded: {exc}") from exc
    return cls
