"""Actors: the participants of a story, each with every way the text refers to it.

Mentions found by ``entities`` are grouped into actors in four steps, each a rule an analyst would
apply by hand:

1. **Known names.** A name the gazetteer or the analyst's aliases file knows goes to its canonical
   actor ("EU" -> European Union). A seat of power or capital used as an agent ("the Kremlin
   said", "Moscow remains the only lifeline") is a *metonym* of its state; used as a place ("flew
   to Brussels" is kept as "in/at/into ..." only) it stays a place. Aliases in the analyst's file
   are searched in the text as written, so an epithet the NER misses ("Batka") still counts.
2. **Short names.** A person named by surname alone joins the full name that ends with it
   ("Lukashenko" -> "Alexander Lukashenko"; with two candidates, the one mentioned last before);
   an organisation's head noun or acronym joins its full name ("the Commission" -> "European
   Commission", "NATO" <- "North Atlantic Treaty Organization").
3. **Descriptions.** A definite description headed by a person noun ("the Belarusian leader",
   "the besieged ruler", "the prime minister") refers to a person already in the story: the one
   whose title it repeats ("Prime Minister Irena Koval"), the one it stands in apposition to, or
   else the most salient person of the last two sentences. Gazetteer descriptions ("the bloc")
   refer to their body when it has been named.
4. **Pronouns.** he/him/his/she/her/hers go to the most salient person of the current and the
   previous sentence, but only when the parse is clear: that person must be clearly ahead of the
   next one (salience ratio 1.5) and of the pronoun's gender when one is already known.

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
    blogger incumbent challenger nominee negotiator commissioner premier head
    """.split()
)
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "iobj", "pobj", "poss", "appos", "attr", "dative"})
# Prepositions before a capital or seat of power that make it a place, not its state.
LOCATIVE_PREPS = frozenset({"in", "at", "near", "outside", "inside", "into", "across", "around", "throughout", "via", "through"})
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m",
                  "she": "f", "her": "f", "hers": "f", "herself": "f"}
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
    gender: str | None = None


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
                    if (person and words[-1] == short and it.type in ("PERSON", "ORG", "NORP")) or (
                        org and it.type == "ORG" and (words[-1] == short or (
                            _ACRONYM.match(it.surface) and "".join(w[0] for w in words if w[0].isalpha()) == short))
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
        return {k: g for k, g in groups.items() if sum(g.surfaces.values()) > 0}

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
                found.append((score(k, si), k))
            return sorted(found, reverse=True)

        for tok in doc:
            it = by_root.get(tok.i)
            if it is not None:
                if it.key:
                    bump(it.key, tok)
                continue
            if tok.i in covered:
                continue
            si = sent_of[tok.i]
            low = tok.lower_
            if low in PRONOUN_GENDER and tok.tag_ in ("PRP", "PRP$") and not _in_quotes(doc, text, tok.i):
                gender = PRONOUN_GENDER[low]
                cands = ranked(si, 1, gender)
                if cands and (len(cands) == 1 or cands[0][0] >= PRONOUN_RATIO * cands[1][0]) and cands[0][0] > 0:
                    key = cands[0][1]
                    groups[key].gender = groups[key].gender or gender
                    out.append(_Item(tok.idx, tok.idx + len(tok), "PERSON", "pronoun", key, tok.text, tok.i))
                    bump(key, tok)
                continue
            desc = _description(doc, tok)
            if desc is None:
                continue
            start, end = desc
            lemma = tok.lemma_.lower()
            key = None
            if lemma in PERSON_NOUNS:
                phrase = doc[start : end].text
                words = " ".join(w.lower() for w in phrase.split()[1:])
                titled = [k for k in persons if words and words in groups[k].titles]
                if len(titled) == 1:
                    key = titled[0]
                elif tok.dep_ == "appos" and tok.head.i in by_root and by_root[tok.head.i].key in persons:
                    key = by_root[tok.head.i].key
                elif any(c.dep_ == "appos" and c.i in by_root and by_root[c.i].key in persons for c in tok.children):
                    key = next(by_root[c.i].key for c in tok.children if c.dep_ == "appos" and c.i in by_root)
                else:
                    cands = ranked(si, DESCRIPTION_WINDOW, None)
                    if cands and cands[0][0] > 0 and (len(cands) == 1 or cands[0][0] > cands[1][0]):
                        key = cands[0][1]
                kind_type = "PERSON"
            elif lemma in self.gaz.descriptions and self.gaz.descriptions[lemma] in named_bodies:
                key = named_bodies[self.gaz.descriptions[lemma]]
                kind_type = self._type(groups[key])
            if key is None:
                continue
            s_char = doc[start].idx
            e_char = doc[end - 1].idx + len(doc[end - 1])
            out.append(_Item(s_char, e_char, kind_type, "description", key, doc[start:end].text, tok.i))
            covered.update(range(start, end))
            bump(key, tok)
        return out

    @staticmethod
    def _type(g: _Group) -> str:
        if g.type:
            return g.type
        if g.types["PERSON"] > 0 and any(" " in s for s in g.surfaces if g.surfaces[s] > 0):
            return "PERSON"
        return g.types.most_common(1)[0][0]

    def _finish(self, art: Article, items: list[_Item], groups: dict[str, _Group]):
        items.sort(key=lambda it: (it.start, it.end))
        order: list[str] = []
        for it in items:
            if it.key and it.key in groups and it.key not in order:
                order.append(it.key)
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
