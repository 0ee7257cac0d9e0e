"""Named entities (people, organisations, states, places, groups) as character spans.

The mentions are spaCy's NER (en_core_web_sm, see :mod:`slant.analysers.parse`) with three
corrections that news copy needs before mentions can be grouped into actors:

* a leading "the" and a trailing possessive are left out of the span ("the Kremlin's" -> Kremlin),
  so one actor's mentions share one surface form;
* a name the built-in gazetteer knows gets the gazetteer's type: the small model often tags an
  outlet ("Politico") as a person or a country ("Belarus") as an organisation;
* a non-person entity written directly before a person's name is a title, not a participant
  ("Belarus Nobel Laureate Svetlana Alexievich", "Kremlin spokesman Dmitry Peskov" keeps Kremlin,
  since "spokesman" stands between) and is dropped.

Languages: English and French, the languages with a spaCy pipeline (:mod:`slant.analysers.parse`);
for any other language the pipeline skips it and says so in provenance. French mentions come from
fr_core_news_sm, whose NER is trained on WikiNER with four types: PER is read as PERSON, ORG and
LOC keep their names (a country is LOC, not GPE, as the French model does not tell states from
places), and MISC (events, works, nationalities mixed together) is left out. The three corrections
above work the same on French text, except that no article is trimmed: in French it is part of
names ("Le Monde", "La Haye").

Notes: NER types follow OntoNotes 5 (Weischedel et al., 2013); only the types that can act in a
story are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .. import gazetteer as gaz
from ..article import Article, Mention
from . import parse
from .base import Analyser

KEEP = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
# Other pipelines' NER types, as OntoNotes names them (fr_core_news_sm: WikiNER's PER, ORG, LOC, MISC).
TYPES = {"PER": "PERSON"}
_TRIM_START = frozenset({"the", "The", "THE"})
_TRIM_END = frozenset({"'s", "\u2019s", "\u2018s", "'", "\u2019"})
_POSSESSIVE_TAIL = re.compile(r"['\u2019\u2018]s?$")


def mentions_from_doc(doc, gazetteer: gaz.Gazetteer | None = None) -> list[Mention]:
    gazetteer = gazetteer or gaz.load()
    text = doc.text  # spaCy builds this string anew on every access: once, not per entity
    ents = [(e, TYPES.get(e.label_, e.label_)) for e in doc.ents]
    ents = [(e, t) for e, t in ents if t in KEEP]
    trim = _TRIM_START if doc.lang_ == "en" else frozenset()
    out: list[Mention] = []
    for i, (ent, label) in enumerate(ents):
        nxt = ents[i + 1][0] if i + 1 < len(ents) else None
        if (
            label != "PERSON" and nxt is not None and ents[i + 1][1] == "PERSON"
            and nxt.start == ent.end and text[ent.end_char : nxt.start_char] == " "
        ):
            continue  # a title before a name
        start, end = ent.start, ent.end
        while start < end and (doc[start].text in trim or doc[start].is_space or doc[start].is_punct):
            start += 1
        while end > start and (doc[end - 1].text in _TRIM_END or doc[end - 1].is_space or doc[end - 1].is_punct):
            end -= 1
        if end <= start:
            continue
        span = doc[start:end]
        s_char, e_char = span.start_char, span.end_char
        tail = _POSSESSIVE_TAIL.search(text, s_char, e_char)
        if tail is not None and tail.start() > s_char:
            e_char = tail.start()  # "McCarthy‘s" kept as one token by the tokenizer
        entry = gazetteer.lookup(text[s_char:e_char])
        if entry is not None and entry.kind == "name":
            label = entry.type
        out.append(Mention(start=s_char, end=e_char, type=label))
    return out


class Entities(Analyser):
    """Named entities (people, organisations, states, places, groups) from spaCy NER."""

    name = "entities"
    needs = ("text",)
    adds = ("entities",)
    version = "1"

    def __init__(self, model: str = parse.MODEL, **options) -> None:
        super().__init__(model=model, **options)
        self.model = model

    def skip_reason(self, language: str | None) -> str | None:
        return parse.skip_reason(language, self.model)

    def load(self) -> None:
        parse.load_nlp(self.model)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        arts = list(articles)
        gazetteer = gaz.load()
        for art, doc in zip(arts, parse.docs(arts, self.model, batch_size), strict=True):
            art.entities = mentions_from_doc(doc, gazetteer)
            art.record("entities", self.name, self.version, model=parse.model_of(art, self.model))
            yield art
