"""The actor graph: who does what to whom, as actor -> predicate -> actor triples.

Each verb of the dependency parse is read for its logical subject and object, both of which must
be mentions of actors (names, descriptions, resolved pronouns, metonyms):

* subject: ``nsubj``; in the passive the ``agent`` ("supported *by Lukashenko*") is the subject
  and ``nsubjpass`` the object; a verb without a subject of its own takes the subject of the verb
  it depends on (control and coordination: "The Kremlin can buy time by *keeping* Lukashenko in
  power" -> Kremlin keep Lukashenko);
* object: ``dobj`` and ``dative``, or the object of a preposition attached to the verb, which then
  joins the predicate ("play along with", "accuse ... of");
* conjoined subjects and objects each give a triple ("Russia and Belarus signed ...");
* a negated verb ("did not recognise") gives ``negated=True`` and a predicate starting with "not".

Every triple keeps the verb's span and the index of its sentence in ``Article.sentences`` as
evidence. Notes: this is subject-verb-object extraction over Universal/ClearNLP dependencies as
in textacy's ``subject_verb_object_triples``, extended with passives, prepositional objects and
inherited subjects, and restricted to actors (the "actor networks" of Hamborg et al., 2019,
"Automated identification of media bias by word choice and labeling in news articles").

Languages: English only. The rules read ClearNLP labels of the English parser (``dobj``, ``pobj``,
``agent``, ``prt``, ``neg``); the French pipeline writes Universal Dependencies (``obj``, ``obl``
with ``case``), on which they would find almost nothing, so the pipeline skips every language but
English and says so in provenance rather than show an empty graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..article import Article, Relation, Span
from . import parse
from .actors import LOCATIVE_PREPS, MOTION_VERBS
from .base import Analyser, language_gap

_INHERIT = ("xcomp", "advcl", "conj", "pcomp", "acl", "relcl")


def _conjuncts(tok) -> list:
    out = [tok]
    for c in tok.children:
        if c.dep_ == "conj":
            out.extend(_conjuncts(c))
    return out


def _subjects(verb, depth: int = 0) -> list:
    subj = [c for c in verb.children if c.dep_ == "nsubj"]
    agents = [p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    found = subj or agents
    if found:
        return [t for s in found for t in _conjuncts(s)]
    if depth >= 3 or verb.dep_ not in _INHERIT or verb.head is verb:
        return []
    if any(c.dep_ == "nsubjpass" for c in verb.children):
        return []  # a passive without an agent: no one is said to act
    head = verb.head
    if verb.dep_ == "pcomp" and head.pos_ == "ADP":
        head = head.head  # "by keeping": the verb the preposition hangs on
    if verb.dep_ in ("acl", "relcl"):
        return []  # the noun it modifies is the subject only of relative clauses: too loose
    if head.pos_ in ("ADJ", "NOUN") and head.dep_ in ("acomp", "attr"):
        head = head.head  # "Putin is reluctant to play along with ...": the copula's subject
        if not [c for c in head.children if c.dep_ == "nsubj"]:
            return []
        return _subjects(head, depth + 1)
    return _subjects(head, depth + 1)


def _objects(verb) -> list[tuple[object, str]]:
    """(object token, preposition or "") pairs."""
    out = []
    passive = any(c.dep_ == "nsubjpass" for c in verb.children) and any(c.dep_ == "agent" for c in verb.children)
    for c in verb.children:
        if c.dep_ in ("dobj", "dative") or (passive and c.dep_ == "nsubjpass"):
            out.extend((t, "") for t in _conjuncts(c))
        elif c.dep_ == "prep" and c.lower_ != "by" and not _is_place_prep(verb, c):
            for p in c.children:
                if p.dep_ == "pobj":
                    out.extend((t, c.lower_) for t in _conjuncts(p))
    return out


def _is_place_prep(verb, prep) -> bool:
    """"flew to Brussels", "met in Minsk": a place, not a party to the act."""
    return prep.lower_ in LOCATIVE_PREPS or (prep.lower_ in ("to", "from") and verb.lemma_.lower() in MOTION_VERBS)


def relations_from_doc(art: Article, doc) -> list[Relation]:
    actor_of: dict[int, int] = {}
    for m in art.entities:
        if m.actor < 0:
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        for t in span:
            actor_of.setdefault(t.i, m.actor)
    if not actor_of:
        return []
    sent_index = parse.sentence_index(art)
    out: list[Relation] = []
    seen = set()
    for verb in doc:
        if verb.pos_ not in ("VERB",):
            continue
        subjects = [actor_of[t.i] for t in _subjects(verb) if t.i in actor_of]
        if not subjects:
            continue
        objects = [(actor_of[t.i], prep) for t, prep in _objects(verb) if t.i in actor_of]
        if not objects:
            continue
        negated = any(c.dep_ == "neg" for c in verb.children)
        particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
        base = verb.lemma_.lower() + (" " + particle if particle else "")
        for s in subjects:
            for o, prep in objects:
                if s == o:
                    continue
                pred = base + (" " + prep if prep else "")
                if negated:
                    pred = "not " + pred
                key = (s, pred, o, verb.i)
                if key in seen:
                    continue
                seen.add(key)
                out.append(Relation(subject=s, predicate=pred, object=o,
                                    predicate_span=Span(start=verb.idx, end=verb.idx + len(verb)),
                                    sentence=max(sent_index(verb.idx), 0) if art.sentences else -1,
                                    negated=negated))
    return out


class Relations(Analyser):
    """Actor -> predicate -> actor triples from the dependency parse, each with its sentence."""

    name = "relations"
    needs = ("sentences", "actors")
    adds = ("relations",)
    version = "1"
    languages = frozenset({"en"})  # rules over the English parser's labels (see the module docstring)

    def __init__(self, model: str = parse.MODEL, **options) -> None:
        super().__init__(model=model, **options)
        self.model = model

    def skip_reason(self, language: str | None) -> str | None:
        return parse.skip_reason(language, self.model) or language_gap(language, self.languages, "rules")

    def load(self) -> None:
        parse.load_nlp(self.model)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        arts = list(articles)
        for art, doc in zip(arts, parse.docs(arts, self.model, batch_size), strict=True):
            art.relations = relations_from_doc(art, doc)
            art.record("relations", self.name, self.version, model=self.model)
            yield art
