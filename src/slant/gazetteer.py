"""Names, metonyms and descriptions of actors that news copy refers to in many ways.

"The Kremlin said", "Moscow warned" and "Russia announced" name one actor: a state acting through
its seat of power or its capital (the metonymies political text relies on; see Markert & Nissim,
2007, "SemEval-2007 Task 08: Metonymy Resolution at SemEval-2007", whose "place-for-people" class
these are). The built-in list (``data/gazetteer.yaml``) covers states, international bodies,
news outlets and companies that the small NER model mistypes as places ("Netflix", "Spotify"),
and one entry of type ``NONE`` whose names are never actors ("JPEG", "Bitcoin", "Brexit"); an
analyst's aliases file (:mod:`slant.aliases`) is laid over it and wins.

Lookups take a surface string as the text has it and ignore a leading "the" and a possessive
ending, so "the Kremlin's" finds Russia.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .aliases import AliasTable
from .errors import SlantError

DEFAULT_PATH = Path(__file__).parent / "data" / "gazetteer.yaml"
# The type of the gazetteer's entry for words the NER tags as names but that never act in a story
# (file formats, units, currencies, events): the entities layer drops their mentions.
NOT_AN_ACTOR = "NONE"

_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:['\u2019\u2018]s|['\u2019])$")


def normalise(surface: str) -> str:
    """The lookup key of a surface string: no leading "the", no possessive ending, single spaces."""
    s = " ".join(surface.split())
    s = _LEADING_THE.sub("", s)
    s = _POSSESSIVE.sub("", s)
    return s


@dataclass(frozen=True)
class Entry:
    name: str  # canonical actor name
    type: str  # entity type of the actor
    kind: str  # "name" | "metonym" | "alias"


class Gazetteer:
    def __init__(self, entries: dict[str, Entry], descriptions: dict[str, str], types: dict[str, str],
                 outlets: frozenset[str] = frozenset()):
        self.entries = entries  # normalised surface -> Entry
        self.descriptions = descriptions  # lower-case head noun -> canonical name
        self.types = types  # canonical name -> type
        self.outlets = outlets  # canonical names of news outlets

    def lookup(self, surface: str) -> Entry | None:
        key = normalise(surface)
        return self.entries.get(key) or self.entries.get(key.casefold())

    def with_aliases(self, table: AliasTable | None) -> Gazetteer:
        """This gazetteer with an analyst's aliases laid over it (theirs win)."""
        if table is None or not table.entries:
            return self
        entries = dict(self.entries)
        types = dict(self.types)
        for e in table.entries:
            t = e.type or types.get(e.name) or "PERSON"
            types[e.name] = t
            entries[normalise(e.name)] = Entry(e.name, t, "name")
            for a in e.aliases:
                entries[normalise(a)] = Entry(e.name, t, "alias")
        return Gazetteer(entries, dict(self.descriptions), types, self.outlets)


@lru_cache(maxsize=4)
def load(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer in ``path`` (the built-in one by default), read once per path."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SlantError(f"{path}: cannot read the gazetteer ({exc})") from None
    entries: dict[str, Entry] = {}
    descriptions: dict[str, str] = {}
    types: dict[str, str] = {}
    outlets: set[str] = set()
    for name, spec in data.items():
        spec = spec or {}
        t = spec.get("type", "ORG")
        types[name] = t
        if spec.get("outlet"):
            outlets.add(name)
        entries[normalise(name)] = Entry(name, t, "name")
        for n in spec.get("names", []):
            entries[normalise(n)] = Entry(name, t, "name")
        for m in spec.get("metonyms", []):
            entries[normalise(m)] = Entry(name, t, "metonym")
        for d in spec.get("descriptions", []):
            descriptions[d.lower()] = name
    return Gazetteer(entries, descriptions, types, frozenset(outlets))
