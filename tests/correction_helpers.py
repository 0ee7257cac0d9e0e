"""A small corpus with every layer a correction can change, stored as the analysers would store it.

The articles are real short news texts, segmented by the real segmenter; their technique spans,
actors, quotes and labels are written here (the models' own output would change with every
retraining, and the tests are about what corrections do to whatever the model wrote).
"""

from __future__ import annotations

from slant.analysers.segment import Segmenter
from slant.article import Actor, Article, DocLabel, Meta, Mention, Quote, Relation, Span, TechniqueSpan
from slant.store import BatchCounts, Pending

HARBOUR = (
    "Harbour deal splits the council\n\n"
    "The traitors in parliament sold the harbour to foreign bankers, said Irena Koval on Monday.\n\n"
    "Koval called the deal a shameful betrayal of every family in the town. "
    "The minister Tomas Berg defended it in a statement.\n\n"
    "\"It is a good deal for the port and for its workers,\" Berg said."
)
PIPELINE = (
    "Pipeline vote delayed again\n\n"
    "Parliament postponed the vote on the gas pipeline for the third time this year.\n\n"
    "Critics called the delay a disgrace and a cowardly surrender to foreign pressure.\n\n"
    "Wake up, patriots: our nation will never kneel to Brussels!"
)
GRAIN = (
    "Grain quota announced\n\n"
    "The ministry announced the grain export quota on Tuesday after weeks of talks.\n\n"
    "Farmers in the north said the quota was a catastrophe that would ruin them all."
)


def at(text: str, words: str, nth: int = 0) -> tuple[int, int]:
    """(start, end) of the ``nth`` occurrence of ``words`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return start, start + len(words)


def span(text: str, words: str, technique: str, confidence: float = 0.7, nth: int = 0) -> TechniqueSpan:
    s, e = at(text, words, nth)
    return TechniqueSpan(start=s, end=e, technique=technique, confidence=confidence)


def _finish(art: Article) -> Article:
    for t in art.techniques:
        t.paragraph = art.paragraph_of(t.start)
    from slant.corrections import paragraph_techniques

    art.paragraph_techniques = paragraph_techniques(art)
    return art


def harbour() -> Article:
    t = HARBOUR
    art = Segmenter()(Article(text=t, meta=Meta(title="Harbour deal splits the council", source="harbour-times",
                                                date="2024-03-04", language="en")))
    art.techniques = [
        span(t, "traitors", "Name_Calling-Labeling", 0.9),
        span(t, "foreign bankers", "Flag_Waving", 0.4),  # the model's mistake: relabelled by the analysts
        span(t, "shameful betrayal", "Loaded_Language", 0.8),
        span(t, "It is a good deal for the port", "Doubt", 0.3),  # rejected by the analysts
    ]
    mentions = [("Irena Koval", 0, "name"), ("Koval", 0, "name"), ("Tomas Berg", 1, "name"),
                ("The minister", 1, "description"), ("Berg", 1, "name")]
    art.entities = []
    for words, actor, kind in mentions:
        nth = 1 if words == "Berg" else 0  # "Berg" alone: its second occurrence, after "Tomas Berg"
        nth = 1 if words == "Koval" else nth
        s, e = at(t, words, nth)
        art.entities.append(Mention(start=s, end=e, type="PERSON", actor=actor, kind=kind))
    art.entities.sort(key=lambda m: m.start)
    art.actors = [
        Actor(id=0, name="Irena Koval", type="PERSON", aliases=["Koval"], role="Protagonist", fine_roles=["Guardian"],
              scores={"Protagonist": 0.6, "Guardian": 0.55}),
        Actor(id=1, name="Tomas Berg", type="PERSON", aliases=["Berg"], role="Antagonist", fine_roles=["Corrupt"],
              scores={"Antagonist": 0.7, "Corrupt": 0.6}),
    ]
    qs, qe = at(t, "It is a good deal for the port and for its workers")
    ks, ke = at(t, "The traitors in parliament sold the harbour to foreign bankers")
    irena = at(t, "Irena Koval")
    said = at(t, "said", 0)
    art.quotes = [
        Quote(start=ks, end=ke, kind="indirect", speaker=0, speaker_span=Span(start=irena[0], end=irena[1]),
              cue=Span(start=said[0], end=said[1]), cue_text="said"),
        Quote(start=qs, end=qe, kind="direct", speaker=0),  # the wrong speaker: corrected to Berg
    ]
    defended = at(t, "defended")
    sent = next(i for i, s in enumerate(art.sentences) if s.start <= defended[0] < s.end)
    art.relations = [Relation(subject=1, predicate="defend", object=1, predicate_span=Span(start=defended[0],
                                                                                        end=defended[1]),
                              sentence=sent)]
    art.labels = [DocLabel(task="genre", label="reporting", score=0.6),
                  DocLabel(task="frames", label="Political", score=0.7),
                  DocLabel(task="frames", label="Morality", score=0.4)]
    for layer, analyser, version, model in (("techniques", "techniques", "4", "techniques-e5 20261201"),
                                            ("paragraph_techniques", "techniques", "4", "techniques-e5 20261201"),
                                            ("entities", "entities", "2", None), ("actors", "actors", "3", None),
                                            ("roles", "roles", "2", "roles multi-2026-11-30"),
                                            ("quotes", "quotes", "5", None), ("labels", "genre", "1", "genre 20261206"),
                                            ("labels", "frames", "1", "frames 20261206")):
        art.record(layer, analyser, version, model)
    return _finish(art)


def pipeline() -> Article:
    t = PIPELINE
    art = Segmenter()(Article(text=t, meta=Meta(title="Pipeline vote delayed again", source="northern-post",
                                                date="2024-03-05", language="en")))
    art.techniques = [span(t, "a disgrace", "Loaded_Language", 0.8),
                      span(t, "cowardly surrender", "Name_Calling-Labeling", 0.5),
                      span(t, "third time", "Repetition", 0.2)]
    art.record("techniques", "techniques", "4", "techniques-e5 20261201")
    return _finish(art)


def grain() -> Article:
    t = GRAIN
    art = Segmenter()(Article(text=t, meta=Meta(title="Grain quota announced", source="daily-ledger",
                                                date="2024-03-06", language="en")))
    art.techniques = [span(t, "a catastrophe that would ruin them all", "Appeal_to_Fear-Prejudice", 0.6)]
    art.record("techniques", "techniques", "4", "techniques-e5 20261201")
    return _finish(art)


def store_corpus(store) -> list[Article]:  # noqa: ANN001
    """Store the three articles, as one ingest run would."""
    arts = [harbour(), pipeline(), grain()]
    run = store.begin_run(slant_version="test", pipeline="fixture@1", config={}, engine="local", workers=1, inputs=[])
    store.write_batch(run, [Pending(a, a.to_json().decode()) for a in arts],
                      BatchCounts(read=len(arts), stored=len(arts)), "fixture@1")
    store.finish_run(run)
    return arts
