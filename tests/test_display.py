"""What slant shows: text cut at word boundaries with an ellipsis, human names of labels, article
text never read as console markup, and a report that reads at 100 columns."""

from __future__ import annotations

import io
import json

import pytest

from slant import load
from slant.article import Actor, Article, DocLabel, Meta, Mention, Quote, Span, TechniqueSpan
from slant.cli import main
from slant.display import human_label, shorten, shorten_middle
from slant.sinks.report import ReportSink

SENTENCE = "As the protest sentiment in the streets of Belarus continued unabated, Alexander Lukashenko turned east."


@pytest.mark.parametrize("width", [12, 30, 47, 60, 90])
def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis(width):
    short = shorten(SENTENCE, width)
    assert len(short) <= width and short.endswith("\u2026")
    kept = short[:-1]
    assert SENTENCE.startswith(kept) and SENTENCE[len(kept)] in " ,"  # whole words only


def test_shorten_leaves_short_text_whole_and_cuts_one_long_word_inside():
    assert shorten("  Harbour\n deal  signed ", 40) == "Harbour deal signed"
    assert shorten("https://example.org/a/very/long/address/without/spaces", 20) == "https://example.org\u2026"


def test_shorten_middle_keeps_both_ends_in_whole_words():
    sub = "URW: Discrediting the West, Diplomacy: The West does not care about Ukraine, only about its interests"
    short = shorten_middle(sub, 48)
    assert short == "URW: Discrediting the\u2026only about its interests"
    assert shorten_middle("Political", 48) == "Political"


@pytest.mark.parametrize("name, shown", [
    ("Name_Calling-Labeling", "Name Calling / Labeling"),  # a technique: the taxonomy's name
    ("Legality_Constitutionality_and_jurisprudence", "Legality Constitutionality and jurisprudence"),  # a frame
    ("URW: Blaming the war on others", "URW: Blaming the war on others"),  # a narrative, already spelled out
])
def test_human_labels(name, shown):
    assert human_label(name) == shown


def _bracketed_article() -> Article:
    """An article whose text, title, names and labels hold square brackets, as news text does
    ("[mass]" in an edited quote, "[sic]"), and would lose them if read as markup."""
    text = ('Police said a string of deadly [mass] shootings had shaken the town. '
            '"We [the council] will act," said Mayor Ann [sic] Hale.')
    q_start = text.index("We [the")
    q_end = text.index(' will act,"') + len(" will act,")
    name = "Ann [sic] Hale"
    n_start = text.index(name)
    art = Article(text=text, meta=Meta(title="A [bold] title about [red]shootings[/red]", byline="[i]Reporter[/i]"))
    art = load(analysers=["segment"])(art)
    art.entities = [Mention(start=n_start, end=n_start + len(name), type="PERSON", actor=0)]
    art.actors = [Actor(id=0, name="Mayor " + name, type="PERSON", aliases=["the [town] mayor"], role="Protagonist",
                        scores={"Protagonist": 0.7}, evidence=[Span(start=0, end=len(text))])]
    art.quotes = [Quote(start=q_start, end=q_end, kind="direct", speaker=0, cue_text="[said]")]
    art.techniques = [TechniqueSpan(start=text.index("deadly"), end=text.index(" shootings"),
                                    technique="Loaded_Language", confidence=0.9, paragraph=0)]
    art.labels = [DocLabel(task="frames", label="Crime_and_punishment", score=0.8,
                           evidence=[Span(start=0, end=text.index(" had shaken"))])]
    return art


def _report(art: Article, width: int = 100) -> str:
    out = io.StringIO()
    sink = ReportSink(out, width=width)
    sink.write(art)
    return out.getvalue()


def test_the_report_shows_square_brackets_in_article_text_as_text():
    shown = _report(_bracketed_article())
    for piece in ("A [bold] title about [red]shootings[/red]", "[i]Reporter[/i]", "deadly [mass] shootings",
                  "We [the council] will act", "Mayor Ann [sic] Hale", "the [town] mayor", "[said]"):
        assert piece in shown, piece
    # labels by their human names, in the tables and the paragraph tags
    assert "Crime and punishment" in shown and "Crime_and_punishment" not in shown
    assert "[Loaded Language]" in shown and "Loaded_Language" not in shown
    assert "1 paragraph, 2 sentences, 22 words" in shown


def test_the_actors_table_reads_at_100_columns():
    """The sentences that cast an actor once shared a row with seven columns: each name ran down
    10 to 20 lines. Now a name takes at most two lines and each sentence a few."""
    text = " ".join(f"Sentence {i} says that Alexander Lukashenko and the Kremlin argued about the protests "
                    f"in Minsk for a long while, as observers noted." for i in range(6))
    art = load(analysers=["segment"])(Article(text=text, meta=Meta(title="Long")))
    sents = art.sentences
    art.actors = [Actor(id=i, name=name, type="PERSON", role="Antagonist", fine_roles=["Deceiver", "Tyrant"],
                        scores={"Antagonist": 0.6}, aliases=["the Belarusian leader", "the besieged ruler", "Batka"],
                        evidence=[Span(start=s.start, end=s.end) for s in sents[i:i + 2]])
                  for i, name in enumerate(["Alexander Lukashenko", "Svetlana Tikhanovskaya", "Vladimir Putin"])]
    shown = _report(art)
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 100
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("Actors")):]
    rows = [line for line in table if line.startswith("│")]
    for name in ("Alexander Lukashenko", "Svetlana Tikhanovskaya", "Vladimir Putin"):
        assert any(name in row for row in rows), name  # on one line
    cast = shown[shown.index("Cast by"):]
    assert cast.count("Sentence 1 says") == 2  # Lukashenko's second and Tikhanovskaya's first
    cast_rows = [line for line in cast.splitlines() if line.startswith("│")]
    assert len(cast_rows) <= 6 * 2  # six sentences, at most two lines each


def test_search_shows_square_brackets_and_the_hit(tmp_path, capsys):
    from corpus_helpers import write_jsonl

    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"title": "Town [update] in shock", "text": "Police said a string of deadly shootings had shaken the town.",
         "source": "[wire]", "date": "2024-05-01"},
        {"title": "Council", "text": "The council said a string of [mass] shootings was deadly for trade.",
         "date": "2024-05-02"},
    ])
    db = tmp_path / "c.db"
    assert main(["ingest", str(feed), "--db", str(db), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["search", "deadly", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.replace("│", " ").split())
    assert "2 articles" in out
    assert "a string of [deadly] shootings" in flat  # the hit, marked
    assert "[mass]" in flat and "Town [update] in shock" in flat and "[wire]" in flat


def test_search_without_a_query_cuts_the_opening_at_a_word_boundary(tmp_path, capsys):
    from corpus_helpers import article_text, write_jsonl

    text = article_text(1).replace(" ", "\n\n", 30)  # collapsed to one space each in the snippet
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"title": "One", "text": text, "date": "2024-05-01"}])
    db = tmp_path / "c.db"
    assert main(["ingest", str(feed), "--db", str(db), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["search", "--db", str(db), "-f", "jsonl"]) == 0
    snippet = json.loads(capsys.readouterr().out)["snippet"]
    assert snippet.endswith("\u2026") and len(snippet) <= 120
    flat = " ".join(text.split())
    assert flat.startswith(snippet[:-1]) and flat[len(snippet) - 1] in " ,"


def _crowded() -> Article:
    """An article naming 30 people: Ada Zero with a role, the others with fewer mentions the later
    they come (person 29 is mentioned once, person 1 29 times)."""
    names = ["Ada Zero"] + [f"Person{i} Name" for i in range(1, 30)]
    text = " ".join(names) + "."
    art = Article(text=text)
    art.actors = [Actor(id=i, name=n, type="PERSON", role="Protagonist" if i == 0 else None)
                  for i, n in enumerate(names)]
    starts = [text.index(n) for n in names]
    art.entities = [Mention(start=starts[i], end=starts[i] + len(names[i]), type="PERSON", actor=i)
                    for i in range(1, 30) for _ in range(30 - i)] + [
        Mention(start=0, end=8, type="PERSON", actor=0)]
    return art


def test_a_page_with_many_names_lists_those_that_matter_and_folds_the_rest():
    from slant.display import ACTORS_SHOWN
    from slant.web.view import actors_view

    art = _crowded()
    order = [a["name"] for a in actors_view(art)]
    assert order[0] == "Ada Zero"  # a role first, though mentioned once
    assert order[1:4] == ["Person1 Name", "Person2 Name", "Person3 Name"]  # then by mentions
    shown = _report(art)
    table = shown[shown.index("Actors"):]
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(rows) == ACTORS_SHOWN
    assert "Person29 Name" not in "".join(rows)
    assert "10 more actors, mentioned less: Person20 Name, Person21 Name" in " ".join(table.split())


class _Crowd:
    """A user analyser that names the 30 people of ``_crowded`` in any text it is given."""

    name = "crowd"
    needs = ()
    adds = ("entities", "actors")
    version = "1"
    languages = None

    def __init__(self, **options):
        self.options = options

    def skip_reason(self, language):
        return None

    def load(self):
        pass

    def pipe(self, articles, batch_size=32):
        for art in articles:
            crowd = _crowded()
            art.text, art.actors, art.entities = crowd.text, crowd.actors, crowd.entities
            art.record("actors", self.name, self.version)
            yield art


def test_the_article_page_folds_the_actors_after_the_first_twenty():
    from fastapi.testclient import TestClient

    from slant.pipeline import Pipeline
    from slant.web import create_app

    with TestClient(create_app(pipeline=Pipeline([_Crowd()]))) as client:
        page = client.post("/analyze", content=b"anything", headers={"content-type": "text/plain"})
    assert page.status_code == 200
    html = page.text
    fold = html.index('<details class="more-actors" id="more-actors">')
    assert "10 more, mentioned less" in html
    card = lambda i: html.index(f'id="actor-{i}"')  # noqa: E731
    assert card(0) < card(1) < card(19) < fold < card(20) < card(29)
