"""Named entities (people, organisations, states, places, groups) as character spans.

The mentions are spaCy's NER (en_core_web_sm, see :mod:`slant.analysers.parse`) with the
corrections news copy needs before mentions can be grouped into actors. First, the span:

* a leading "the" and a trailing possessive are left out of the span ("the Kremlin's" -> Kremlin),
  so one actor's mentions share one surface form; so are trailing symbols and a trailing year
  ("Patti Smith +", "Thomson Reuters 2020") and, in French, an elided word at either end
  ("qu'Emmanuel" -> Emmanuel);
* a non-person entity written directly before a person's name is a title, not a participant
  ("Belarus Nobel Laureate Svetlana Alexievich", "Kremlin spokesman Dmitry Peskov" keeps Kremlin,
  since "spokesman" stands between) and is dropped.

Then what is not a name at all is dropped (:func:`junk_reason` says which rule and why). The small
NER model takes for names many things a reader never would, and news pages add their own:

* e-mail addresses, web addresses, hashtags and handles;
* a span that runs over a line break (``chris.green.mp@parliament.uk`` + blank line + ``Boston``):
  lines and paragraphs are units of the page, a name never crosses one;
* a span that starts with a lowercase word ("post-Brexit", "environmental news group"), bar the
  particles of names ("de Gaulle", "bin Salman") and "iPhone" forms, or ends with a function
  word ("U.S. Agency for": a name cut short); a single letter ("A", "B" in "journals rated A, B
  or C");
* a capitalised common word that is a name only because it opens a sentence, a line or a
  headline ("Heartfelt thanks ...", "Turnout was ...", "Flint flake tool ..."): a one-word entity in
  such a place that the dictionary knows as a common word (the lemmatizer's word index,
  :func:`parse.word_classes`; see ``_Page.common``) and that the text never writes capitalised
  anywhere else;
* the first word of a longer name the NER cut short ("Super" of "Super Tuesday": a common word
  directly before a capitalised date or event);
* bylines, datelines and credits: "By Jane Doe", "Written by:", "WASHINGTON —", "LONDON (Reuters)
  -", "Photo: AP", "Credit: ...", "© ...", "Courtesy of ...", "(via ...)", "This article originally
  appeared on ...", links to other stories ("Read more: ..."), and the two-line signature under a
  reader's letter ("Gary Sloane / San
  Leandro"): the people and places named there wrote, filed or photographed the story, they do
  not take part in it;
* what the gazetteer lists as never an actor (file formats, currencies, products, events:
  "JPEG", "Bitcoin", "Brexit").

Last, the type, where slant knows better than the small model:

* a name the built-in gazetteer knows gets the gazetteer's type: the small model often tags an
  outlet ("Politico") as a person, a company ("Netflix", "Spotify") or a country ("Belarus") as
  a place or an organisation;
* a "person" whose head word is plural is a group ("Indigenous Peoples", "the Clintons": NORP);
* a name that ends as streets and squares do is a facility ("Lake Chabot Road", "Petersallee",
  "Nachtigalplatz": FAC);
* a one-word place or organisation that the dictionary knows only as an adjective is a group
  ("Indigenous"; French "Américains", "Européens", which French capitalises as nouns: NORP).

Languages: English and French, the languages with a spaCy pipeline (:mod:`slant.analysers.parse`);
for any other language the pipeline skips it and says so in provenance. French mentions come from
fr_core_news_sm, whose NER is trained on WikiNER with four types: PER is read as PERSON, ORG and
LOC keep their names (a country is LOC, not GPE, as the French model does not tell states from
places), and MISC (events, works, nationalities mixed together) is left out. The corrections
above work the same on French text, except that no article is trimmed: in French it is part of
names ("Le Monde", "La Haye").

Notes: NER types follow OntoNotes 5 (Weischedel et al., 2013); only the types that can act in a
story are kept. The junk rules were read off the actors of real news pages
(``bench/actor_junk.py``, ``docs/analysers/entities.md`` gives the measured junk rate).
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
_APOSTROPHES = ("'", "\u2019")
# Lowercase words that begin names: particles of surnames ("de Gaulle", "van der Leyen", "bin
# Salman", "al-Assad").
PARTICLES = frozenset("de del della der den di da das dos du la le van von ter ten al el bin ibn ben".split())
# Types of the entities a cut-short name runs into ("Super" + "Tuesday").
_NAME_TAILS = frozenset({"DATE", "EVENT", "TIME", "PRODUCT", "WORK_OF_ART", "LAW", "MISC"})
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_PAGE_REFERENCE = re.compile(r"^(?:page|p\.|pp\.|s\.|seite)\s*[A-Z]?\d", re.I)  # "Page A8", "p. 12"
# Ends of the names of streets and squares ("Lake Chabot Road", "Petersallee", "Nachtigalplatz"): FAC.
_STREET = re.compile(
    r"(?:^(?:street|road|avenue|lane|boulevard|square|highway)|(?:allee|stra(?:ss|ß)e|platz|gasse))$", re.I)
# Head nouns of names of peoples and groups ("Indigenous Peoples", "Bashkir people").
GROUP_NOUNS = frozenset("people peoples tribe tribes citizens natives peuples".split())

# Credits, bylines and datelines: a match says from where on its line the names are credits.
# "Photo:" and "Image:" are credits only before a short rest of line ("Photo: AP"); before a
# sentence they label a caption, whose names are the story's.
_CREDIT = re.compile(
    r"(?:(?:^|(?<=[\s(\[|/]))(?:"
    r"\u00a9|\(c\)|copyright\b|credits?\s*:|courtesy\s+of\b|originally\s+(?:appeared|published|ran)\s+(?:on|in|at)\b"
    # markers that only open a line or a bracket ("a letter written by Putin" is no credit)
    r")|(?:^|(?<=[(\[|;]))\s*(?:"
    r"(?:additional\s+)?reporting\s+by\b|(?:editing|writing|written|illustrations?)\s+by\b|via\b|"
    r"auteure?\s*:|[ée]dition\s*:|texte\s*:|r[ée]daction\s*:|autor(?:in)?\s*:|foto\s*:"
    r"))",
    re.I,
)
_CAPTION_LABEL = re.compile(r"(?:^|(?<=[\s(\[|]))(?:photo(?:graph)?s?|images?|pictures?|video)(?:\s+by)?\s*:\s*", re.I)
_BYLINE = re.compile(r"^\s*(?:by|par|von|por)\s+(?=[A-Z\u00c0-\u00dd])(?P<names>[^\n]{1,100})$", re.I)
_BYLINE_LINK = frozenset("and & et und y e of".split())
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z'.\-]+(?:\s+[A-Z][A-Z'.\-]+)*"  # WASHINGTON, NEW YORK, ST. LOUIS
    r"(?:\s*,\s*[A-Z][\w.]*(?:\s+[A-Z]?[\w.]+)?)?"  # , Ukraine / , March 3
    r"\s*(?:\([^)\n]{1,30}\))?"  # (AP) / (Reuters)
    r"\s*[\u2014\u2013-]+(?=\s|$)"
)


def mentions_from_doc(doc, gazetteer: gaz.Gazetteer | None = None,
                      words: dict[str, frozenset[str]] | None = None) -> list[Mention]:
    """The mentions of a parsed text, corrected as the module docstring says. ``words`` are the
    common words of the language by part of speech (``parse.word_classes``; by default those of
    the pipeline for ``doc.lang_``)."""
    gazetteer = gazetteer or gaz.load()
    text = doc.text  # spaCy builds this string anew on every access: once, not per entity
    if words is None:
        words = parse.word_classes(parse.PIPELINES.get(doc.lang_, parse.MODEL))
    page = _Page(doc, text, words)
    all_ents = list(doc.ents)
    ents = [(e, TYPES.get(e.label_, e.label_)) for e in all_ents]
    ents = [(e, t) for e, t in ents if t in KEEP]
    french = doc.lang_ == "fr"
    trim = frozenset() if french else _TRIM_START
    out: list[Mention] = []
    for i, (ent, label) in enumerate(ents):
        nxt = ents[i + 1][0] if i + 1 < len(ents) else None
        if (
            label != "PERSON" and nxt is not None and ents[i + 1][1] == "PERSON"
            and nxt.start == ent.end and text[ent.end_char : nxt.start_char] == " "
        ):
            continue  # a title before a name
        start, end = ent.start, ent.end
        while start < end and (doc[start].text in trim or doc[start].is_space or doc[start].is_punct
                               or (french and _elided(doc[start]))):
            start += 1
        while end > start and (doc[end - 1].text in _TRIM_END or doc[end - 1].is_space or _symbol(doc[end - 1])
                               or (french and _elided(doc[end - 1]))
                               or (end - start > 1 and _YEAR.match(doc[end - 1].text))):
            end -= 1
        if end <= start:
            continue
        span = doc[start:end]
        s_char, e_char = span.start_char, span.end_char
        tail = _POSSESSIVE_TAIL.search(text, s_char, e_char)
        if tail is not None and tail.start() > s_char:
            e_char = tail.start()  # "McCarthy‘s" kept as one token by the tokenizer
        entry = gazetteer.lookup(text[s_char:e_char])
        if entry is not None and entry.type == gaz.NOT_AN_ACTOR:
            continue
        if junk_reason(span, page, known=entry is not None, label=label) is not None:
            continue
        if entry is not None and entry.kind == "name":
            label = entry.type
        elif entry is None:
            label = page.retype(span, label)
        out.append(Mention(start=s_char, end=e_char, type=label))
    return out


def junk_reason(span, page: _Page, known: bool = False, label: str = "") -> str | None:
    """Why the entity ``span`` (a spaCy Span, trimmed) is not a name of an actor, or None. A name
    the gazetteer knows (``known``) is still dropped where it stands (an address, a credit, a
    dateline: "WASHINGTON —"), not for how it is written."""
    doc, text = span.doc, page.text
    first, last = span[0], span[-1]
    surface = text[span.start_char : span.end_char]
    if any(t.like_email or t.like_url for t in span) or "@" in surface or "://" in surface:
        return "an e-mail or web address"
    before = doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.text in ("#", "@") and before.idx + len(before) == first.idx:
        return "a hashtag or handle"
    if "\n" in surface:
        return "runs over a line break"
    where = page.credit(span.start_char)
    if where is not None and where[0] <= span.start_char < where[1]:
        return "in a byline, dateline or credit"
    if known:
        return None
    if sum(c.isalnum() for c in surface) < 2:
        return "a single letter"
    if _lower_start(first.text) and not (first.lower_ in PARTICLES and len(span) > 1):
        return "starts with a lowercase word"
    if _PAGE_REFERENCE.match(surface):
        return "a page reference"
    if len(span) > 1 and last.is_stop and last.text[:1].islower():
        return "ends with a function word: a name cut short"
    if page.label(span):
        return "a caption label"
    if len(span) == 1 and page.common(first, label):
        if page.initial(first) and first.text not in page.capitalised_elsewhere:
            return "a capitalised common word opening a sentence, line or headline"
        if span.end < len(doc) and doc[span.end].ent_type_ in _NAME_TAILS and doc[span.end].text[:1].isupper():
            return "the first word of a longer name"
    return None


class _Page:
    """What the junk rules need to know about a parsed text, computed once: its lines, which of
    them are headlines in title case, where credits begin, the language's common words and the
    capitalised words the text writes in the middle of a sentence."""

    def __init__(self, doc, text: str, classes: dict[str, frozenset[str]]):
        self.doc, self.text, self.classes = doc, text, classes
        self.lowercase_words = frozenset(t.text for t in doc if t.text[:1].islower())
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines = text.split("\n")
        self._credit = [self._credit_start(i, line) for i, line in enumerate(self.lines)]
        self._title_line = [_title_case(line) for line in self.lines]
        self.capitalised_elsewhere = frozenset(
            t.text for t in doc if t.text[:1].isupper() and not self.initial(t))

    def line_of(self, offset: int) -> int:
        return bisect_right(self.line_starts, offset) - 1

    def credit(self, offset: int) -> tuple[int, int] | None:
        """The stretch of the line holding ``offset`` that is a byline, dateline or credit, or None."""
        return self._credit[self.line_of(offset)]

    def _credit_start(self, i: int, line: str) -> tuple[int, int] | None:
        base = self.line_starts[i]
        end = base + len(line)
        m = _DATELINE.match(line)
        if m is not None:
            return base, base + m.end()  # "KHARKIV - Russia pounded ...": the place, not the story
        m = _BYLINE.match(line)
        if (m is not None and _names_only(m.group("names"))) or self._signature(i):
            return base, end
        m = _CREDIT.search(line)
        if m is not None:
            return base + m.start(), end
        m = _CAPTION_LABEL.search(line)
        if m is not None and len(line[m.end():].split()) <= 5:
            return base + m.start(), end
        return None

    def _signature(self, i: int) -> bool:
        """Whether line ``i`` is part of a two-line paragraph that signs a letter: a name over a
        place, each a few capitalised words ("Gary Sloane" / "San Leandro")."""
        lines = self.lines
        if not lines[i].strip():
            return False
        top = bottom = i
        while top > 0 and lines[top - 1].strip():
            top -= 1
        while bottom + 1 < len(lines) and lines[bottom + 1].strip():
            bottom += 1
        if bottom - top != 1:
            return False
        return all(_names_only(p) and len(p.split()) <= 4 and p.strip()[-1:] not in ".!?:"
                   for p in lines[top : bottom + 1])

    def label(self, span) -> bool:
        """A caption label written as a name ("Header Image: People have lived ...")."""
        end = span.end_char
        return self.text[end : end + 1] == ":" and bool(_CAPTION_LABEL.search(self.text[span.start_char : end + 1]))

    def common(self, tok, label: str = "") -> bool:
        """Whether the token, written in title case, is a common word: one the dictionary knows
        as an adjective, verb or adverb ("Heartfelt", "Flint"), the plural of a noun it knows
        ("Tributes"), or a noun it knows that the text also writes in lower case ("Turnout" ...
        "turnout"). A noun alone is not enough: the dictionary (WordNet for English) lists cities
        and famous people as nouns too ("Boston", "Putin"). A group (NORP) is named with a
        capitalised plural ("Ukrainians"), and an all-capitals word is an acronym or a shouted
        headline: neither is a capitalised common word."""
        text = tok.text
        if label == "NORP" or not (text[:1].isupper() and (len(text) == 1 or not text[1:].isupper())):
            return False
        forms = _forms(tok)
        classes = self.classes
        if any(w in classes.get(pos, ()) for pos in ("adj", "verb", "adv") for w in forms):
            return True
        nouns = classes.get("noun", frozenset())
        low = tok.lower_
        if low not in nouns and any(w in nouns for w in forms - {low}):
            return True  # an inflected form: "Shortcomings"
        return (low in nouns or tok.lemma_.lower() in nouns) and low in self.lowercase_words

    def initial(self, tok) -> bool:
        """Whether capitals say nothing about ``tok``: it opens its sentence or line (after
        opening quotes, brackets, dashes), or stands in a headline written in title case."""
        if self._title_line[self.line_of(tok.idx)]:
            return True
        doc = tok.doc
        i = tok.i
        while i > 0:
            prev = doc[i - 1]
            if "\n" in prev.text:
                return True
            if not (prev.is_punct or prev.is_space or prev.text in ("-", "\u2013", "\u2014", "\u2022", "*")):
                return tok.is_sent_start or doc[i].is_sent_start
            i -= 1
        return True

    def retype(self, span, label: str) -> str:
        """The type of an entity the gazetteer does not know, where the words say more than the
        NER: a plural person is a group, an adjective used as a place or body is a group."""
        head = span[-1]
        if len(span) > 1 and head.lower_ in GROUP_NOUNS:
            return "NORP"  # "Indigenous Peoples", whatever the NER made of it in each sentence
        street = _STREET.search(head.text.split("-")[-1]) and head.text[:1].isupper()
        if street and (len(span) > 1 or len(head.text) > 8):
            return "FAC"  # a street or a square, not a person or an organisation
        if label == "PERSON" and (head.tag_ in ("NNPS", "NNS") or (
                head.doc.lang_ != "en" and "Plur" in head.morph.get("Number") and head.pos_ == "NOUN")):
            return "NORP"
        if label in ("GPE", "LOC", "ORG") and len(span) == 1 and self.common(head):
            adj, nouns = self.classes.get("adj", frozenset()), self.classes.get("noun", frozenset())
            forms = _forms(head)
            # English: only what the dictionary knows as an adjective alone ("Indigenous"; not "Nice");
            # French: a capitalised plural adjective, the way French writes a people ("Américains").
            if any(w in adj for w in forms) and (
                    not any(w in nouns for w in forms) if head.doc.lang_ == "en" else head.lower_.endswith("s")):
                return "NORP"
        return label


def _forms(tok) -> set[str]:
    """The dictionary forms a token may stand for: itself, its lemma, and without a plural -s
    (the French parser often leaves capitalised words unlemmatised: "Américains")."""
    low = tok.lower_
    forms = {low, tok.lemma_.lower()}
    if low.endswith("s") and len(low) > 3:
        forms.add(low[:-1])
    if tok.doc.lang_ == "fr" and low.endswith("ons") and len(low) > 5:
        forms.add(low[:-3] + "er")  # "Rappelons" -> rappeler
    return forms


def _title_case(line: str) -> bool:
    """A headline or subheading in title case: two words or more, nearly every longer word
    capitalised ("The Amazon Is on Fire and the Smoke Can Be Seen from Space")."""
    words = re.findall(r"[^\W\d_][\w'\u2019-]*", line)
    longer = [w for w in words if len(w) > 3]
    if len(words) < 2 or len(words) > 20 or not longer:
        return False
    return sum(w[0].isupper() for w in longer) >= 0.8 * len(longer) and sum(w[0].isupper() for w in words) >= 2 \
        and line.rstrip()[-1:] not in (".", ",", ";")


def _names_only(s: str) -> bool:
    """Whether ``s`` is only names: capitalised words, initials, links ("and", "et") and
    punctuation ("Jane Doe and John Roe, Reuters")."""
    tokens = re.findall(r"[^\s,;|/]+", s)
    return bool(tokens) and all(t[:1].isupper() or t.lower() in _BYLINE_LINK or not t[:1].isalpha() for t in tokens)


def _lower_start(word: str) -> bool:
    """Whether a word starts lowercase as a common word does ("post-Brexit"), not as "iPhone"."""
    return word[:1].islower() and not (len(word) > 1 and word[1:2].isupper())


def _symbol(tok) -> bool:
    return tok.is_punct or not any(c.isalnum() for c in tok.text)


def _elided(tok) -> bool:
    """A French elided word ("qu’", "d’", "L’", "jusqu’"): it is never part of a name."""
    return tok.text.endswith(_APOSTROPHES) and 1 < len(tok.text) <= 8 and tok.text[:-1].isalpha() \
        and (tok.text[:1].islower() or len(tok.text) == 2)


class Entities(Analyser):
    """Named entities (people, organisations, states, places, groups) from spaCy NER."""

    name = "entities"
    needs = ("text",)
    adds = ("entities",)
    version = "2"

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
            model = parse.model_of(art, self.model)
            art.entities = mentions_from_doc(doc, gazetteer, parse.word_classes(model))
            art.record("entities", self.name, self.version, model=model)
            yield art
