"""The Article schema: lossless JSON round trip, the published JSON Schema, versioning."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slant
from slant.article import (
    SCHEMA_VERSION,
    Actor,
    Article,
    DocLabel,
    Mention,
    Meta,
    ParagraphTechniques,
    Provenance,
    Quote,
    Relation,
    Sentence,
    SentenceScore,
    Span,
    TechniqueSpan,
    json_schema,
)

SCHEMA_FILE = Path(slant.__file__).parent / "schema" / "article.schema.json"

text_st = st.text(max_size=200)
name_st = st.text(min_size=1, max_size=20)
off_st = st.integers(min_value=0, max_value=10_000)
# JSON numbers: finite floats only (NaN and infinities are not JSON).
score_st = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def spans(draw, cls=Span, **fields):
    a = draw(off_st)
    b = draw(st.integers(min_value=a, max_value=a + 500))
    return cls(start=a, end=b, **{k: draw(v) for k, v in fields.items()})


meta_st = st.builds(
    Meta,
    id=st.text(min_size=1, max_size=16),
    title=st.none() | text_st,
    byline=st.none() | text_st,
    date=st.none() | st.dates().map(lambda d: d.isoformat()),
    source=st.none() | text_st,
    url=st.none() | text_st,
    language=st.none() | st.sampled_from(["en", "fr", "de"]),
    path=st.none() | text_st,
    input_format=st.none() | st.sampled_from(["text", "html"]),
    extra=st.dictionaries(name_st, text_st, max_size=3),
)

articles_st = st.builds(
    Article,
    text=st.text(max_size=500),
    meta=meta_st,
    paragraphs=st.lists(spans(), max_size=4),
    sentences=st.lists(spans(Sentence, paragraph=st.integers(0, 5)), max_size=4),
    techniques=st.lists(
        spans(TechniqueSpan, technique=name_st, confidence=score_st, paragraph=st.integers(-1, 5)), max_size=4
    ),
    paragraph_techniques=st.lists(
        st.builds(ParagraphTechniques, paragraph=st.integers(0, 5), techniques=st.dictionaries(name_st, score_st, max_size=3)),
        max_size=3,
    ),
    entities=st.lists(
        spans(Mention, type=st.sampled_from(["PERSON", "ORG", "GPE"]), actor=st.integers(-1, 5),
              kind=st.sampled_from(["name", "description", "pronoun", "alias", "metonym"])),
        max_size=4,
    ),
    actors=st.lists(
        st.builds(Actor, id=st.integers(0, 5), name=name_st, type=name_st, aliases=st.lists(name_st, max_size=3),
                  role=st.none() | st.sampled_from(["Protagonist", "Antagonist", "Innocent"]),
                  fine_roles=st.lists(name_st, max_size=2), scores=st.dictionaries(name_st, score_st, max_size=2),
                  evidence=st.lists(spans(), max_size=2)),
        max_size=3,
    ),
    quotes=st.lists(
        spans(Quote, kind=st.sampled_from(["direct", "indirect"]), speaker=st.integers(-1, 5),
              speaker_span=st.none() | spans(), cue=st.none() | spans(), cue_text=st.none() | name_st),
        max_size=3,
    ),
    relations=st.lists(
        st.builds(Relation, subject=st.integers(0, 5), predicate=name_st, object=st.integers(0, 5),
                  predicate_span=spans(), sentence=st.integers(0, 5), negated=st.booleans()),
        max_size=3,
    ),
    claims=st.lists(spans(SentenceScore, sentence=st.integers(0, 5), label=name_st, score=score_st), max_size=3),
    subjectivity=st.lists(spans(SentenceScore, sentence=st.integers(0, 5), label=st.sampled_from(["SUBJ", "OBJ"]),
                                score=score_st), max_size=3),
    labels=st.lists(
        st.builds(DocLabel, task=name_st, label=name_st, score=score_st, evidence=st.lists(spans(), max_size=3),
                  extra=st.dictionaries(name_st, text_st, max_size=2)),
        max_size=3,
    ),
    provenance=st.lists(
        st.builds(Provenance, layer=name_st, analyser=name_st, version=name_st, model=st.none() | name_st), max_size=3
    ),
)


@settings(max_examples=150, deadline=None)
@given(articles_st)
def test_json_round_trip_is_lossless(art):
    assert Article.from_json(art.to_json()) == art
    assert Article.from_dict(json.loads(art.to_json())) == art


@settings(max_examples=60, deadline=None)
@given(articles_st)
def test_serialised_articles_validate_against_published_schema(art):
    jsonschema.validate(json.loads(art.to_json()), _published())


def _published() -> dict:
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_published_schema_file_matches_the_model():
    # When this fails, the model changed: bump SCHEMA_VERSION and run `slant schema --write <file>`.
    assert _published() == json.loads(json.dumps(json_schema(), sort_keys=True))
    assert SCHEMA_VERSION in _published()["title"]


def test_content_id_is_stable_and_text_based():
    a = Article(text="The same words.")
    b = Article(text="The same words.", meta=Meta(title="Another title"))
    c = Article(text="Other words.")
    assert a.meta.id == b.meta.id != c.meta.id
    assert len(a.meta.id) == 16


def test_other_major_schema_version_is_refused():
    data = json.loads(Article(text="x").to_json())
    data["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="schema version 2.0"):
        Article.from_dict(data)


def test_transient_attributes_are_not_serialised():
    art = Article(text="Some text.")
    art._cache = object()
    assert "_cache" not in art.to_json().decode()
    assert Article.from_json(art.to_json()) == art


def test_record_replaces_provenance_of_the_same_layer():
    art = Article(text="x")
    art.record("sentences", "segment", "1")
    art.record("sentences", "segment", "2")
    assert [(p.layer, p.version) for p in art.provenance] == [("sentences", "2")]
    assert art.has("sentences") and not art.has("quotes")


def test_each_analyser_that_writes_a_shared_layer_keeps_its_provenance():
    """genre, frames, narratives and subjectivity all add to ``labels``: the note of each stays, with
    its own version and model (the last writer used to replace the others')."""
    art = Article(text="x")
    art.record("labels", "genre", "1", model="genre@1")
    art.record("labels", "frames", "2", model="frames@2")
    art.record("labels", "genre", "3", model="genre@3")
    assert [(p.analyser, p.version, p.model) for p in art.provenance] == [("frames", "2", "frames@2"),
                                                                           ("genre", "3", "genre@3")]
    assert Article.from_json(art.to_json()).provenance == art.provenance
