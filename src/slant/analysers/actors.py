"""Actors: the participants of a story, each with every way the text refers to it.

Mentions found by ``entities`` are grouped into actors in four steps, each a rule an analyst would
apply by hand:

1. **Known names.** A name the gazetteer or the analyst's aliases file knows goes to its canonical
   actor ("EU" -> European Union). A seat of power or capital used as an agent ("the Kremlin
   said", "Moscow remains the only lifeline") is a *metonym* of its state; used as a place ("flew
   to Brussels" is kept as "in/at/into ..." only) it stays a place. Aliases in the analyst's file
   are searched in the text as written, so an epithet the NER misses ("Batka") still counts.
2. **Short names.** A person named by surname alone joins the full name that ends with it,
   whatever type the NER gave the surname ("Lukashenko" -> "Alexander Lukashenko", "According to
   Parrington" tagged a place; with two candidates, the one mentioned last before); an
   organisation's head noun or acronym joins its full name ("the Commission" -> "European
   Commission", "NATO" <- "North Atlantic Treaty Organization"). Then a "person" the text writes
   as a place ("to sail to Redonda", "São Paulo, Brazil") more often than as a person becomes one.
3. **Descriptions.** A definite description headed by a person noun ("the Belarusian leader",
   "the besieged ruler", "the prime minister") refers to at most one person already in the
   story, the nearest that fits (``_person_described``): gender (the noun's and the person's,
   where the text gives it: "the congressman", "Prince Harry") and clause (never the subject or
   object of its own verb, nor who reports it). It is the one whose title it repeats ("Prime
   Minister Irena Koval"), the one it stands in apposition to, or else, for a lower-case
   description, the clearly most salient person of the last two sentences; a capitalised title
   ("the Queen", "the Prime Minister") or a crown names an office holder who may not be in the
   story, and refers to no one without a title or an apposition. One description is one actor
   per article (``_one_actor_per_description``). Gazetteer descriptions ("the bloc") refer to
   their body when it has been named.
4. **Pronouns.** he/him/his/she/her/hers go to the most salient person of the current and the
   previous sentence, but only when the parse is clear: that person must be clearly ahead of the
   next one (salience ratio 1.5; a person whose title gives the pronoun's gender counts double),
   of the pronoun's gender when one is already known, and not another argument of its verb.
   Names inside quotation marks add no salience: they are what someone said.

Actors are listed by importance: most mentions first, then first mentioned, so a page with
hundreds of names starts with the ones that matter. ``genders`` gives the layers after this one
the gender the text gives each actor (quotes resolve "he said" with it).

Salience follows the centering idea that subjects are the likeliest antecedents (Grosz, Joshi &
Weinstein, 1995, "Centering: a framework for modeling the local coherence of discourse";
weights after Lappin & Leass, 1994, "An algorithm for pronominal anaphora resolution"): each
mention adds 2 as a subject, 1 as an object or possessor, 0.5 otherwise, and halves per sentence.

Languages: English and French (the languages with a spaCy pipeline, :mod:`slant.analysers.parse`);
the pipeline skips any other and says so in provenance. In French, steps 1 and 2 work as in
English (the gazetteer's names are English, so it knows fewer French forms); steps 3 and 4 and the
"flew to Brussels" rule read English words and English parse labels (person nouns, he/she, the
preposition "in"), so French descriptions and pronouns stay unresolved, and a seat of power the
gazetteer knows ("Kremlin", "Washington") joins its state even where it is only a place ("à
Washington"). French articles get fewer grouped mentions than English ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import gazetteer as gaz
from ..aliases import AliasTable, load_aliases
from ..article import Actor, Article, Mention
from . import parse
from .base import Analyser

# Singular nouns that name a person by position or character; "the X" with one of these heads is a
# description of a person.
PERSON_NOUNS = frozenset(
    """
    leader ruler president premier minister chancellor dictator tyrant autocrat strongman despot
    usurper king queen monarch prince princess emperor sultan ayatollah pope patriarch general
    commander spokesman spokeswoman spokesperson secretary senator congressman congresswoman
    governor mayor chief chairman chairwoman politician activist dissident opponent ambassador envoy
    diplomat prosecutor judge candidate lawmaker billionaire tycoon oligarch founder journalist
    blogger incumbent challenger nominee negotiator commissioner premier head duke duchess countess earl
    baron baroness empress lord lady dame businessman businesswoman
    """.split()
)
# Nouns of a crown or a see: "the queen" is the holder, never the nearest woman in the story.
ROYAL_NOUNS = frozenset("king queen monarch emperor empress sultan tsar czar pope patriarch ayatollah".split())
# Person nouns that are no office: "the Belarusian leader" repeats no one's title "opposition leader".
GENERIC_PERSON_NOUNS = frozenset(
    """leader ruler dictator tyrant autocrat strongman despot usurper politician activist dissident opponent
    candidate incumbent challenger billionaire tycoon oligarch founder blogger journalist negotiator head chief
    businessman businesswoman""".split()
)
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "iobj", "pobj", "poss", "appos", "attr", "dative"})
# Prepositions before a capital or seat of power that make it a place, not its state.
LOCATIVE_PREPS = frozenset({"in", "at", "near", "outside", "inside", "into", "across", "around", "throughout", "via", "through"})
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m",
                  "she": "f", "her": "f", "hers": "f", "herself": "f"}
# Words that give a person's gender where the text writes them: honorifics and titles before a
# name ("Prince Harry", "Mrs. Jones"), nouns of descriptions ("the Queen", "the congressman").
GENDER_WORDS = {
    **{w: "m" for w in """mr mr. sir lord king prince duke earl baron count emperor sultan pope father brother
       son husband uncle nephew grandfather congressman spokesman chairman businessman statesman
       councilman alderman monsieur m. herr señor signor""".split()},
    **{w: "f" for w in """mrs mrs. ms ms. miss dame lady queen princess duchess countess baroness empress
       mother sister daughter wife aunt niece grandmother congresswoman spokeswoman chairwoman
       businesswoman stateswoman councilwoman alderwoman madame mme mme. frau señora signora""".split()},
}
# Nouns that make a proper name a place: "the island of Redonda", "the states of Mato Grosso and
# Paraná", "Redonda island".
PLACE_NOUNS = frozenset(
    """island islands city cities town towns village villages state states province provinces region regions
    county counties district districts country countries capital republic municipality suburb neighbourhood
    neighborhood area port coast valley peninsula archipelago""".split()
)
# Nouns after which "in X" names a person's field, not a place ("confidence in Powell").
_ABSTRACT_IN = frozenset("confidence faith trust belief interest hope stake role part investment".split())
# Prepositions that make their object a place when it is a proper name (besides LOCATIVE_PREPS).
_PLACE_PREPS = frozenset("above below off beyond along between on".split())
# "on X" is about a person after these ("pressure on Putin", "a report on Biden").
_ABOUT_ON = frozenset(
    """pressure sanction attack focus spy depend rely call vote report comment agree insist count
    impose blame pass take turn weigh press war crackdown criticism view""".split())
# Words before "to X" / "from X" that make X a place ("visitors to Redonda", "locals from Antigua").
_TRAVEL = frozenset(
    """sail visitor visitors trip trips flight flights journey visit route road way back ferry local locals
    resident residents native natives tourist tourists refugee refugees migrant migrants""".split())
# "much of X", "parts of X": a share of a place.
_SHARE_OF = frozenset("much most part parts rest all half north south east west centre center interior".split())
PRONOUN_RATIO = 1.5
DESCRIPTION_WINDOW = 2  # sentences back a description may look
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")


@dataclass
class _Item:
    start: int
    end: int
    type: str
    kind: str
    key: str  # group key; actors are the distinct keys
    surface: str
    root: int  # token index of the span's head


@dataclass
class _Group:
    key: str
    name: str | None = None  # canonical name when known (gazetteer, aliases)
    type: str | None = None
    surfaces: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)
    titles: set = field(default_factory=set)  # lower-cased titles written before the name
    gender: str | None = None  # "m" | "f" where the text gives it (a title, a resolved pronoun)
    titled_gender: bool = False  # the gender comes from an honorific or title ("Prince Harry")


# Verbs of motion: "flew to Brussels", "returned from Moscow" name places.
MOTION_VERBS = frozenset("go come fly travel return arrive move head drive sail flee walk march rush".split())


def _is_locative(tok) -> bool:
    if tok.dep_ != "pobj":
        return False
    prep = tok.head
    if prep.lower_ in LOCATIVE_PREPS:
        return True
    return prep.lower_ in ("to", "from") and prep.head.lemma_.lower() in MOTION_VERBS


def _weight(tok) -> float:
    if tok.dep_ in SUBJECT_DEPS:
        return 2.0
    if tok.dep_ in OBJECT_DEPS:
        return 1.0
    return 0.5


def _alias_pattern(table: AliasTable | None) -> re.Pattern | None:
    if table is None or not table.entries:
        return None
    forms = sorted(table.forms(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "iobj", "dative"})


def _clause_mates(tok, key_at: dict[int, str], reported: bool = False) -> set[str]:
    """Actors that are other arguments of the verb ``tok`` is an argument of (its subject, its
    object), and for the subject of reported speech the one who reports it: a description or a
    pronoun there is someone else ("The congressman attacked the governor", "Carter praised him",
    "Markle said the queen ..."; binding theory's principles B and C). A possessive ("his team")
    may be the subject, so it has no clause-mates here. The reported-speech part is for
    descriptions only (``reported``): in "he said he ..." the second "he" is the speaker."""
    if tok.dep_ in _ARGUMENTS:
        verb = tok.head
    elif tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.head.pos_ in ("VERB", "AUX"):
        verb = tok.head.head
    else:
        return set()
    mates = {key_at[c.i] for c in verb.children if c.dep_ in _ARGUMENTS and c.i != tok.i and c.i in key_at}
    if reported and tok.dep_ in ("nsubj", "nsubjpass") and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in _SPEECH:
        # "Markle said the queen had been kind": who speaks does not call herself "the queen".
        mates |= {key_at[c.i] for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass") and c.i in key_at}
    return mates


def _initials(g: _Group, key: str) -> str:
    """The acronym of a group's name: its capitalised words' first letters ("National Oceanic and
    Atmospheric Administration" -> NOAA)."""
    name = max(g.surfaces, key=len) if g.surfaces else key[2:]
    return "".join(w[0] for w in name.split() if w[0].isupper()).casefold()


def _place_context(tok) -> bool:
    """Whether the name whose head is ``tok`` is written as a place: after "in", "near",
    "above" ... or a verb of motion's "to"/"from"; as "the island / state / city of X"; before
    "island", "province" ...; or followed by ", <state>" ("São Paulo, Brazil"). A name joined by
    "and" to such a name is one too ("the states of Mato Grosso and Paraná")."""
    for _ in range(3):
        if tok.dep_ == "conj" and tok.head is not tok and any(
                c.dep_ == "cc" and tok.head.i < c.i < tok.i for c in tok.head.children):
            tok = tok.head
        else:
            break
    head = tok.head
    if tok.dep_ == "pobj":
        prep, governor = head.lower_, head.head.lemma_.lower()
        if prep == "on":
            return governor not in _ABOUT_ON
        if prep in LOCATIVE_PREPS or prep in _PLACE_PREPS:
            return not (prep in ("in", "into") and governor in _ABSTRACT_IN)
        if prep in ("to", "from") and (governor in MOTION_VERBS or governor in _TRAVEL or head.head.lower_ in _TRAVEL):
            return True
        if prep == "of" and (governor in PLACE_NOUNS or governor in _SHARE_OF):
            return True
    if tok.dep_ == "compound" and head.lemma_.lower() in PLACE_NOUNS:
        return True
    doc = tok.doc
    right = tok.i + 1
    if right + 1 < len(doc) and doc[right].text == "," and doc[right + 1].ent_type_ == "GPE":
        return True
    return False


_SPEECH = frozenset("say tell add write think believe argue ask explain".split())


def _person_signs(doc, it: _Item) -> bool:
    """Whether a name mention reads as a person's, whatever the parse made of it: the subject of
    a verb of speech or thought, a name directly followed by one ("Nadella said"), or a name right
    after a person noun ("Chief Executive Satya Nadella")."""
    tok = doc[it.root]
    if tok.dep_ in SUBJECT_DEPS and tok.head.lemma_.lower() in _SPEECH:
        return True
    span = doc.char_span(it.start, it.end, alignment_mode="expand")
    if span is None:
        return False
    after = doc[span.end] if span.end < len(doc) else None
    before = [t.lower_ for t in doc[max(span.start - 2, 0) : span.start]]
    return (after is not None and after.lemma_.lower() in _SPEECH) or any(w in PERSON_NOUNS for w in before)


def _title_before(doc, span) -> str:
    """Title words written as a compound before a person's name ("Prime Minister", "opposition
    leader"), lower-cased, or ""."""
    i = span.start
    words = []
    while i > 0:
        t = doc[i - 1]
        if t.dep_ == "compound" and t.head.i >= span.start and t.head.i < span.end and not t.is_punct:
            words.append(t.lower_)
            i -= 1
        else:
            break
    return " ".join(reversed(words))


class ActorFinder:
    """Groups one parsed article's mentions into actors (see the module docstring)."""

    def __init__(self, gazetteer: gaz.Gazetteer, aliases: AliasTable | None = None):
        self.gaz = gazetteer.with_aliases(aliases)
        self.alias_re = _alias_pattern(aliases)

    def __call__(self, art: Article, doc) -> tuple[list[Mention], list[Actor]]:
        if not art.text:
            return [], []
        items = self._names(art, doc)
        groups = self._group(items, doc)
        items += self._references(doc, items, groups)
        return self._finish(art, items, groups)

    # --- step 1 and 2: names ---------------------------------------------------------------------
    def _names(self, art: Article, doc) -> list[_Item]:
        base = [m for m in art.entities if m.kind in ("name", "metonym")]
        alias_spans: list[tuple[int, int, gaz.Entry]] = []
        if self.alias_re is not None:
            for m in self.alias_re.finditer(art.text):
                entry = self.gaz.lookup(m.group(0))
                if entry is not None:
                    alias_spans.append((m.start(), m.end(), entry))
        items: list[_Item] = []
        for s, e, entry in alias_spans:
            span = doc.char_span(s, e, alignment_mode="expand")
            root = span.root.i if span is not None and len(span) else 0
            kind = "alias" if entry.kind == "alias" else "name"
            items.append(_Item(s, e, entry.type, kind, "g:" + entry.name, art.text[s:e], root))
        for m in base:
            if any(s < m.end and m.start < e for s, e, _ in alias_spans):
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            root = span.root
            surface = art.text[m.start : m.end]
            entry = self.gaz.lookup(surface)
            if entry is not None and entry.kind == "metonym" and _is_locative(root):
                entry = None  # the place itself
            if m.type == "NORP" and entry is None and (root.dep_ in ("amod", "compound") or root.tag_ == "JJ"):
                key = ""  # an adjective ("Russian troops"): a mention, not an actor
            elif entry is not None:
                key = "g:" + entry.name
            else:
                key = "c:" + gaz.normalise(surface).casefold()
            kind = entry.kind if entry is not None and entry.kind != "name" else "name"
            items.append(_Item(m.start, m.end, entry.type if entry else m.type, kind, key, surface, root.i))
        items.sort(key=lambda it: it.start)
        return items

    def _group(self, items: list[_Item], doc) -> dict[str, _Group]:
        groups: dict[str, _Group] = {}
        for it in items:
            if not it.key:
                continue
            g = groups.setdefault(it.key, _Group(it.key))
            g.surfaces[it.surface] += 1
            g.types[it.type] += 1
            if it.key.startswith("g:"):
                g.name = it.key[2:]
                g.type = self.gaz.types.get(g.name, it.type)
            if it.type == "PERSON":
                span = doc.char_span(it.start, it.end, alignment_mode="expand")
                if span is not None:
                    title = _title_before(doc, span)
                    if title:
                        g.titles.add(title)
                    for word in (title.split()[:1] if title else []) + [span[0].lower_]:
                        if word in GENDER_WORDS:
                            g.gender = GENDER_WORDS[word]  # "Prince Harry", "Mrs. Jones"
                            g.titled_gender = True
        # Short forms: a surname, an organisation's head noun or its acronym joins the full name.
        full = {k: g for k, g in groups.items() if " " in k}
        remap: dict[int, str] = {}
        last_seen: dict[str, int] = {}
        for n, it in enumerate(items):
            if it.key.startswith("c:") and " " not in it.key[2:]:
                short = it.key[2:]
                cands = []
                for k, g in full.items():
                    words = k[2:].casefold().split()
                    person = g.types["PERSON"] > 0
                    org = g.types["ORG"] > 0
                    # A surname joins its person whatever type the NER gave it ("Parrington" as a
                    # place after "Mark Parrington"); an acronym is made of the capitalised words.
                    if (person and words[-1] == short and it.type in ("PERSON", "ORG", "NORP", "GPE", "LOC")) or (
                        org and it.type == "ORG" and (words[-1] == short or (
                            _ACRONYM.match(it.surface) and _initials(g, k) == short))
                    ):
                        cands.append(k)
                if cands:
                    before = [k for k in cands if k in last_seen]
                    pick = max(before, key=last_seen.__getitem__) if before else min(
                        cands, key=lambda k: next(i for i, x in enumerate(items) if x.key == k))
                    remap[n] = pick
            if it.key:
                last_seen[remap.get(n, it.key)] = n
        for n, key in remap.items():
            it = items[n]
            old = groups[it.key]
            old.surfaces[it.surface] -= 1
            old.types[it.type] -= 1
            it.key = key
            groups[key].surfaces[it.surface] += 1
            if it.type == groups[key].types.most_common(1)[0][0]:
                groups[key].types[it.type] += 1
            elif groups[key].types["PERSON"] > 0:
                it.type = "PERSON"  # the surname of a person is a person
        groups = {k: g for k, g in groups.items() if sum(g.surfaces.values()) > 0}
        # A "person" the text writes as a place ("to sail to Redonda", "the sky above São Paulo,
        # Brazil") in a quarter of its names or more, more often than as a person (a title, a
        # gender, speech), is a place: the small NER model tags many foreign place names as people.
        as_person: dict[str, list[_Item]] = {}
        for it in items:
            if it.key in groups and it.type == "PERSON":
                as_person.setdefault(it.key, []).append(it)
        for k, its in as_person.items():
            g = groups[k]
            places = sum(_place_context(doc[it.root]) for it in its)
            person = sum(_person_signs(doc, it) for it in its) + 2 * bool(g.titles) + 2 * bool(g.gender)
            if g.name is None and places and places * 4 >= len(its) and places > person and self._type(g) == "PERSON":
                g.type = "LOC"
                for it in its:
                    it.type = "LOC"
        return groups

    # --- step 3 and 4: descriptions and pronouns ---------------------------------------------------
    def _references(self, doc, items: list[_Item], groups: dict[str, _Group]) -> list[_Item]:
        text = doc.text  # spaCy builds this string anew on every access
        sent_of = [0] * len(doc)
        for si, s in enumerate(doc.sents):
            for t in range(s.start, s.end):
                sent_of[t] = si
        by_root: dict[int, _Item] = {}
        covered = set()
        for it in items:
            span = doc.char_span(it.start, it.end, alignment_mode="expand")
            if span is not None:
                covered.update(range(span.start, span.end))
                by_root[it.root] = it
        key_at = {root: it.key for root, it in by_root.items() if it.key}  # token -> actor, as resolved so far
        persons = {k for k, g in groups.items() if self._type(g) == "PERSON"}
        named_bodies = {g.name: k for k, g in groups.items() if g.name}
        salience: dict[str, tuple[float, int]] = {}
        out: list[_Item] = []

        def score(key: str, si: int) -> float:
            val, at = salience.get(key, (0.0, -99))
            return val * 0.5 ** (si - at)

        def bump(key: str, tok) -> None:
            si = sent_of[tok.i]
            salience[key] = (score(key, si) + _weight(tok), si)

        def ranked(si: int, window: int, gender: str | None) -> list[tuple[float, str]]:
            found = []
            for k in persons:
                val, at = salience.get(k, (0.0, -99))
                if at < si - window or at > si:
                    continue
                if gender and groups[k].gender and groups[k].gender != gender:
                    continue
                # A person whose title gives this gender counts double against one of unknown
                # gender ("Oprah Winfrey pressed Prince Harry on his family": not clear enough).
                # (A gender learnt from earlier pronouns does not: it would draw every pronoun
                # to whoever was resolved first.)
                weight = 2.0 if gender and groups[k].titled_gender and groups[k].gender == gender else 1.0
                found.append((score(k, si) * weight, k))
            return sorted(found, reverse=True)

        for tok in doc:
            it = by_root.get(tok.i)
            if it is not None:
                # A name inside a quotation is the quoted speaker's word, not the story's focus:
                # it does not make its actor the antecedent of the narration's next "he".
                if it.key and not _in_quotes(doc, text, tok.i):
                    bump(it.key, tok)
                continue
            if tok.i in covered:
                continue
            si = sent_of[tok.i]
            low = tok.lower_
            if low in PRONOUN_GENDER and tok.tag_ in ("PRP", "PRP$") and not _in_quotes(doc, text, tok.i):
                gender = PRONOUN_GENDER[low]
                mates = _clause_mates(tok, key_at)
                cands = [c for c in ranked(si, 1, gender) if c[1] not in mates]
                if cands and (len(cands) == 1 or cands[0][0] >= PRONOUN_RATIO * cands[1][0]) and cands[0][0] > 0:
                    key = cands[0][1]
                    groups[key].gender = groups[key].gender or gender
                    out.append(_Item(tok.idx, tok.idx + len(tok), "PERSON", "pronoun", key, tok.text, tok.i))
                    key_at[tok.i] = key
                    bump(key, tok)
                continue
            desc = _description(doc, tok)
            if desc is None:
                continue
            start, end = desc
            lemma = tok.lemma_.lower()
            key = None
            if lemma in PERSON_NOUNS:
                mates = _clause_mates(tok, key_at, reported=True)
                key = self._person_described(doc, tok, start, by_root, persons - mates, groups,
                                             [c for c in ranked(si, DESCRIPTION_WINDOW, None) if c[1] not in mates])
                kind_type = "PERSON"
            elif lemma in self.gaz.descriptions and self.gaz.descriptions[lemma] in named_bodies:
                key = named_bodies[self.gaz.descriptions[lemma]]
                kind_type = self._type(groups[key])
            if key is None:
                continue
            s_char = doc[start].idx
            e_char = doc[end - 1].idx + len(doc[end - 1])
            out.append(_Item(s_char, e_char, kind_type, "description", key, doc[start:end].text, tok.i))
            key_at[tok.i] = key
            covered.update(range(start, end))
            bump(key, tok)
        return _one_actor_per_description(out, groups)

    @staticmethod
    def _person_described(doc, tok, start: int, by_root: dict, persons: set, groups: dict, ranked: list):
        """The person a description headed by ``tok`` refers to, or None.

        The description must fit the person: its noun's gender ("the Queen", "the congressman")
        must not contradict the gender the text gives the person. Then, in order: the person
        whose title it repeats ("the prime minister" after "Prime Minister Irena Koval", "the
        former mayor" after "former New York Mayor Rudy Giuliani"), the nearest of them when
        several; the person it stands in apposition to; else, for a lower-case description only,
        the clearly most salient person of the last two sentences ("the besieged ruler"). A
        capitalised title used as a name ("the Queen", "the Prime Minister") names the holder of
        the office, who may not be in the story at all, and so does a crown in any case ("the
        queen", "the pope"): it refers to no one unless a title or an apposition says who."""
        noun_gender = GENDER_WORDS.get(tok.lower_) or GENDER_WORDS.get(tok.lemma_.lower())

        def fits(k: str) -> bool:
            return not (noun_gender and groups[k].gender and groups[k].gender != noun_gender)

        # The title it repeats: all its words ("the opposition leader"), or for an office its
        # noun and the nouns before it ("the former mayor" ~ "former New York Mayor").
        words = " ".join(t.lower_ for t in doc[start + 1 : tok.i + 1])
        office = " ".join(t.lower_ for t in doc[start : tok.i + 1] if t.dep_ == "compound" or t.i == tok.i)
        phrases = [words] if tok.lemma_.lower() in GENERIC_PERSON_NOUNS else [words, office]
        titled = [k for k in persons if fits(k) and any(
            re.search(r"(?:^|\s)" + re.escape(p) + r"(?:\s|$)", title) for p in phrases for title in groups[k].titles)]
        if titled:
            score = {k: v for v, k in ranked}
            best = sorted(titled, key=lambda k: -score.get(k, 0.0))
            if len(best) == 1 or score.get(best[0], 0.0) > score.get(best[1], 0.0):
                return best[0]
            return None
        if tok.dep_ == "appos" and tok.head.i in by_root and by_root[tok.head.i].key in persons:
            k = by_root[tok.head.i].key
            return k if fits(k) else None
        for c in tok.children:
            if c.dep_ == "appos" and c.i in by_root and by_root[c.i].key in persons:
                k = by_root[c.i].key
                return k if fits(k) else None
        if tok.text[:1].isupper() or tok.lemma_.lower() in ROYAL_NOUNS:
            return None
        cands = [(v, k) for v, k in ranked if fits(k)]
        if cands and cands[0][0] > 0 and (len(cands) == 1 or cands[0][0] > cands[1][0]):
            return cands[0][1]
        return None

    @staticmethod
    def _type(g: _Group) -> str:
        if g.type:
            return g.type
        if g.types["PERSON"] > 0 and any(" " in s for s in g.surfaces if g.surfaces[s] > 0):
            return "PERSON"
        return g.types.most_common(1)[0][0]

    def _finish(self, art: Article, items: list[_Item], groups: dict[str, _Group]):
        items.sort(key=lambda it: (it.start, it.end))
        # Actors that matter first: by the number of their mentions (names, descriptions,
        # pronouns), then by their first mention. The report and the page list actors in this
        # order, so on a page with hundreds of names the first rows are the story's cast.
        first: dict[str, int] = {}
        mentions: Counter = Counter()
        for it in items:
            if it.key and it.key in groups:
                first.setdefault(it.key, len(first))
                mentions[it.key] += 1
        order = sorted(first, key=lambda k: (-mentions[k], first[k]))
        index = {k: i for i, k in enumerate(order)}
        actors: list[Actor] = []
        for k in order:
            g = groups[k]
            names = [it.surface for it in items if it.key == k and it.kind in ("name", "alias", "metonym")]
            if g.name:
                name = g.name
            else:
                counts = Counter(names)
                name = max(counts, key=lambda s: (len(s.split()), counts[s], -names.index(s)))
            aliases: list[str] = []
            for it in items:
                if it.key == k and it.kind != "pronoun":
                    s = gaz.normalise(it.surface) if it.kind != "description" else _lower_the(it.surface)
                    if s != name and s not in aliases:
                        aliases.append(s)
            actors.append(Actor(id=len(actors), name=name, type=self._type(g), aliases=aliases))
        mentions = [
            Mention(start=it.start, end=it.end, type=it.type if it.kind == "name" else actors[index[it.key]].type
                    if it.key in index else it.type, actor=index.get(it.key, -1), kind=it.kind)
            for it in items
        ]
        return mentions, actors


def _one_actor_per_description(refs: list[_Item], groups: dict[str, _Group]) -> list[_Item]:
    """``refs`` with each description phrase kept for one actor only: the one most of its
    occurrences went to ("the congressman" went to five people on one page; a reader takes it for
    one). When two actors share the most, the phrase is ambiguous and refers to neither."""
    by_phrase: dict[str, Counter] = {}
    for it in refs:
        if it.kind == "description":
            by_phrase.setdefault(_lower_the(it.surface).lower(), Counter())[it.key] += 1
    keep: dict[str, str | None] = {}
    for phrase, votes in by_phrase.items():
        top = votes.most_common(2)
        keep[phrase] = top[0][0] if len(top) == 1 or top[0][1] > top[1][1] else None
    return [it for it in refs if it.kind != "description" or keep[_lower_the(it.surface).lower()] == it.key]


def genders(art: Article) -> dict[int, str]:
    """The gender the text gives each actor (index -> "m" | "f"), for the layers after this one
    (quotes resolve "he said" with it): the honorifics and titles written before or in its names
    ("Prince Harry", "Mrs. Jones"), the nouns of its descriptions ("the Duchess"), and the
    pronouns resolved to it; a title counts double, the majority wins, a tie gives none."""
    votes: dict[int, Counter] = {}
    text = art.text
    for m in art.entities:
        if m.actor < 0:
            continue
        surface = text[m.start : m.end].lower()
        if m.kind == "pronoun":
            g, weight = PRONOUN_GENDER.get(surface), 1
        elif m.kind == "description":
            g, weight = GENDER_WORDS.get(surface.split()[-1]), 2
        else:
            before = text[max(0, m.start - 12) : m.start].split()
            honorific = [before[-1].lower()] if before and text[m.start - 1 : m.start] == " " else []
            words = honorific + surface.split()[:1]
            g = next((GENDER_WORDS[w] for w in words if w in GENDER_WORDS), None)
            weight = 2
        if g is not None:
            votes.setdefault(m.actor, Counter())[g] += weight
    out = {}
    for actor, c in votes.items():
        top = c.most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            out[actor] = top[0][0]
    return out


def _lower_the(surface: str) -> str:
    s = " ".join(surface.split())
    return "the" + s[3:] if s.startswith("The ") else s


def _in_quotes(doc, text: str, i: int) -> bool:
    """Whether token ``i`` sits inside a quotation (an odd number of quote marks before it in its
    paragraph of ``text``, the doc's text): first and third persons there speak for the quoted
    speaker, not the story."""
    pos = doc[i].idx
    para = text.rfind("\n", 0, pos) + 1
    seg = text[para:pos]
    return (seg.count("\u201c") > seg.count("\u201d")) or seg.count('"') % 2 == 1


def _description(doc, tok) -> tuple[int, int] | None:
    """Token range [start, end) of a definite description headed by ``tok`` ("the besieged ruler"),
    or None. Singular common nouns only, not part of a title written before a name."""
    if tok.tag_ not in ("NN", "NNP") or tok.dep_ == "compound":
        return None
    det = [c for c in tok.children if c.dep_ == "det" and c.lower_ == "the" and c.i < tok.i]
    if not det:
        return None
    start = det[0].i
    for c in tok.children:
        if c.i < tok.i and c.dep_ in ("amod", "compound", "nmod", "det", "advmod") and c.i < start:
            start = c.i
    return start, tok.i + 1


class Actors(Analyser):
    """Mentions grouped into actors: names, surnames, descriptions, pronouns, metonyms and aliases."""

    name = "actors"
    needs = ("entities",)
    adds = ("actors",)
    version = "1"

    def __init__(self, aliases: str | Path | AliasTable | None = None, model: str = parse.MODEL, **options) -> None:
        super().__init__(aliases=aliases, model=model, **options)
        self.aliases = aliases
        self.model = model
        self._finder: ActorFinder | None = None

    def load(self) -> None:
        table = self.aliases
        if table is not None and not isinstance(table, AliasTable):
            table = load_aliases(table)
        self._finder = ActorFinder(gaz.load(), table)
        parse.load_nlp(self.model)

    def skip_reason(self, language: str | None) -> str | None:
        return parse.skip_reason(language, self.model)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        if self._finder is None:
            self.load()
        arts = list(articles)
        for art, doc in zip(arts, parse.docs(arts, self.model, batch_size), strict=True):
            art.entities, art.actors = self._finder(art, doc)
            art.record("actors", self.name, self.version, model=parse.model_of(art, self.model))
            yield art
