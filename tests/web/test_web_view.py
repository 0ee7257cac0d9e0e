"""The article page's layout of technique underlines (no server needed)."""

from __future__ import annotations

from slant.article import Article, Span, TechniqueSpan
from slant.web.view import layout, underline_lanes


def test_a_span_that_overlaps_no_other_sits_in_the_first_lane_whatever_its_category():
    lanes = underline_lanes([(0, 5, 0), (10, 16, 5), (20, 30, 7)])
    assert {c: [r[2] for r in runs] for c, runs in lanes.items()} == {0: [0], 5: [0], 7: [0]}


def test_overlapping_categories_stack_and_one_category_fuses():
    lanes = underline_lanes([(0, 20, 5), (5, 10, 1), (8, 12, 2), (15, 25, 5), (30, 40, 1)])
    assert lanes[5] == [(0, 25, 0)]  # two spans of one category: one run
    assert lanes[1] == [(5, 10, 1), (30, 40, 0)]  # stacked only where it overlaps
    assert lanes[2] == [(8, 12, 2)]


def test_the_page_marks_a_lone_span_in_lane_zero():
    text = "The corrupt elite lied again today."
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))])
    art.techniques = [TechniqueSpan(start=4, end=11, technique="Loaded_Language", confidence=0.3, paragraph=0),
                      TechniqueSpan(start=4, end=17, technique="Name_Calling-Labeling", confidence=0.6,
                                    paragraph=0)]
    html = "".join(str(p.html()) for p in layout(art))
    loaded = next(p for p in layout(art)[0].sentences[0].pieces if p.text == "corrupt")
    assert len(loaded.cats) == 2 and sorted(loaded.lanes) == [0, 1]
    assert "l0" in html and "l1" in html
    elite = next(p for p in layout(art)[0].sentences[0].pieces if "elite" in p.text)
    assert elite.lanes == [loaded.lanes[loaded.cats.index(elite.cats[0])]]  # a run keeps its lane


def test_a_paragraphs_subjectivity_badge_reads_as_a_share():
    from slant.article import DocLabel

    text = "It is a disgrace. Prices rose."
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))])
    art.labels = [DocLabel(task="subjectivity", label="SUBJ", score=0.5, paragraph=0)]
    (badge,) = layout(art)[0].badges
    assert badge["label"] == "subjective" and badge["shown"] == "50%"


def test_the_articles_subjectivity_reads_as_a_share_in_the_labels_panel():
    from slant.article import DocLabel
    from slant.web.view import labels_by_task

    art = Article(text="It is a disgrace. Prices rose.")
    art.labels = [DocLabel(task="subjectivity", label="SUBJ", score=0.32)]
    (item,) = labels_by_task(art)["subjectivity"]
    assert item["label"] == "subjective sentences" and item["shown"] == "32%"


def test_the_actor_panel_shows_each_role_with_its_probability():
    """The page renders an analysed article's actors with the roles model's probability, as the
    terminal report does (the model is weak, so its doubt is shown)."""
    import re
    from pathlib import Path

    from fastapi.testclient import TestClient

    from slant.web import create_app

    text = (Path(__file__).resolve().parents[2] / "examples" / "harbour-deal-2023.txt").read_text("utf-8")
    app = create_app(analysers=["segment", "entities", "actors", "roles"])
    with TestClient(app) as client:
        r = client.post("/analyze", content=text.encode("utf-8"), headers={"content-type": "text/plain"})
    assert r.status_code == 200
    roles = re.findall(r'<span class="role role-\w+"[^>]*>(\w+) (\d\.\d\d)</span>', r.text)
    assert roles and all(name in ("Protagonist", "Antagonist", "Innocent") for name, _ in roles)
    assert all(0 < float(p) <= 1 for _, p in roles)


def test_frames_and_narratives_show_their_human_names_like_techniques():
    """Raw frame names ("Legality_Constitutionality_and_jurisprudence") are one unbreakable word on
    the page; they are shown as techniques are, with spaces."""
    from slant.article import DocLabel
    from slant.web.view import labels_by_task

    text = "The court ruled the law void. Protests followed."
    art = Article(text=text, paragraphs=[Span(start=0, end=len(text))], sentences=[])
    art.labels = [DocLabel(task="frames", label="Legality_Constitutionality_and_jurisprudence", score=0.7,
                           evidence=[Span(start=0, end=29)]),
                  DocLabel(task="frames", label="Crime_and_punishment", score=0.6, paragraph=0)]
    (item,) = labels_by_task(art)["frames"]
    assert (item["label"], item["name"]) == ("Legality Constitutionality and jurisprudence",
                                             "Legality_Constitutionality_and_jurisprudence")
    (badge,) = layout(art)[0].badges
    assert badge["label"] == "frames: Crime and punishment"


def test_corpus_charts_get_human_labels_and_keep_the_keys_for_filters(tmp_path):
    from slant.article import DocLabel, Meta
    from slant.store import BatchCounts, Pending, open_store
    from slant.web.corpus import Corpus

    text = "The court ruled the law void. Protests followed."
    art = Article(text=text, meta=Meta(id="a1", title="Court", source="[wire]"),
                  paragraphs=[Span(start=0, end=len(text))])
    art.labels = [DocLabel(task="frames", label="Legality_Constitutionality_and_jurisprudence", score=0.7)]
    art.techniques = [TechniqueSpan(start=4, end=9, technique="Name_Calling-Labeling", confidence=0.6, paragraph=0)]
    with open_store(tmp_path / "c.db") as store:
        run = store.begin_run(slant_version="t", pipeline="t", config={}, engine="t", workers=1, inputs=[])
        store.write_batch(run, [Pending(art, art.to_json().decode())], BatchCounts(read=1, stored=1), "t")
        corpus = Corpus(store)
        frames, techniques, sources = (corpus.stats(by, None, corpus_filters()) for by in
                                       ("frame", "technique", "source"))
    assert frames["rows"][0][0] == "Legality_Constitutionality_and_jurisprudence"  # what a filter takes
    assert frames["labels"] == ["Legality Constitutionality and jurisprudence"]  # what the chart shows
    assert techniques["labels"] == ["Name Calling / Labeling"]
    assert sources["labels"] == ["[wire]"]


def corpus_filters():  # noqa: ANN201
    from slant.search import Filters

    return Filters()


def _comparison_of(a, b, b_status, a_status, b_links, additions):
    """A hand-made comparison of two one-paragraph articles: every sentence's status and links."""
    from slant.compare import Comparison, ParagraphMatch, Row, SentenceMatch

    def sentences(art, status, linked):
        return [SentenceMatch(s.start, s.end, art.text[s.start:s.end], linked[k][0] if linked[k] else None, 0.6,
                              [], 0, status[k], 2.0, linked[k]) for k, s in enumerate(art.sentences)]

    a_links = [[i for i, js in enumerate(b_links) if j in js] for j in range(len(a.sentences))]
    bs, as_ = sentences(b, b_status, b_links), sentences(a, a_status, a_links)
    return Comparison(1.0, 1.0, [m for m in bs if m.status == "kept"], [m for m in bs if m.status == "added"],
                      [m for m in as_ if m.status == "dropped"], as_, bs, additions,
                      [ParagraphMatch(0, 0, len(b.text), [0], 1, 1)], [Row([0], [0], True)], ("en", "en"))


def test_the_compare_page_wraps_sentences_by_status_and_marks_what_only_the_retelling_has():
    from markupsafe import escape

    from slant.article import Sentence
    from slant.compare import Addition
    from slant.web.compare_view import page

    a = Article(text="Putin met <b>Lukashenko</b>. The talks were long.", paragraphs=[Span(start=0, end=48)])
    a.sentences = [Sentence(start=0, end=28, paragraph=0), Sentence(start=29, end=48, paragraph=0)]
    b = Article(text="Putin met <b>sweaty</b> Lukashenko. The usurper must go.", paragraphs=[Span(start=0, end=56)])
    b.sentences = [Sentence(start=0, end=35, paragraph=0), Sentence(start=36, end=56, paragraph=0)]
    k = b.text.index("usurper")
    b.techniques = [TechniqueSpan(start=k, end=k + 7, technique="Name_Calling-Labeling", confidence=0.4)]
    only = [Addition("loaded", ["Name_Calling-Labeling"], k, k + 7, "usurper", 1, "techniques")]
    result = _comparison_of(a, b, ["kept", "added"], ["kept", "dropped"], [[0], []], only)
    ctx = page(a, b, result)
    (row,) = ctx["rows"]
    a_html, b_html = str(row["a"][0]["html"]), str(row["b"][0]["html"])
    assert '<span class="cs kept" id="b-s-0" data-links="a-s-0"' in b_html
    assert '<ins class="cs added" id="b-s-1">' in b_html and '<del class="cs dropped" id="a-s-1">' in a_html
    assert 'data-links="b-s-0"' in a_html  # the source side links back
    # the loaded word: underlined as on the article page, and marked as the retelling's own
    assert '<mark class="only"><span class="pc" title="Name Calling / Labeling"><mark class="hl c' in b_html
    # article text is escaped, in the text and in the tooltip naming the retold sentence
    assert "<b>" not in a_html + b_html and str(escape("<b>sweaty</b>")) in b_html
    assert ctx["summary"]["kept"] == 1 and ctx["summary"]["added"] == 1 and ctx["summary"]["dropped"] == 1
    assert [x["text"] for x in ctx["loaded"]] == ["usurper"] and ctx["loaded"][0]["paragraph"] == 0


def test_the_review_marks_what_the_analysts_confirmed_and_says_each_correction_in_words():
    """The article page's marks and history come from the corrections applied, in order: a span
    rejected after it was added is no longer marked; a relabelled span is marked with the
    technique it was; an actor recast is marked by name."""
    from correction_helpers import HARBOUR, at, harbour

    from slant.corrections import Correction, replay
    from slant.web.review_view import confirmed_spans, describe, marks, page

    def span(words: str, technique: str) -> dict:
        s, e = at(HARBOUR, words)
        return {"start": s, "end": e, "technique": technique}

    art = harbour()
    added = span("sold the harbour", "Loaded_Language")
    fixes = [
        Correction(layer="techniques", op="add", after=added, author="ana", seq=1),
        Correction(layer="techniques", op="relabel", target=span("foreign bankers", "Flag_Waving"),
                   after={"technique": "Loaded_Language"}, author="ana", seq=2),
        Correction(layer="techniques", op="reject", target=added, author="ben", seq=3),
        Correction(layer="actors", op="role", target={"actor": 1, "name": "Tomas Berg"},
                   after={"role": "Protagonist", "fine_roles": ["Peacemaker"]}, author="ben", seq=4,
                   before={"actor": 1, "name": "Tomas Berg", "role": "Antagonist", "fine_roles": ["Corrupt"]}),
        Correction(layer="labels", op="set", target={"task": "genre"}, after={"label": "opinion"}, author="ana", seq=5),
    ]
    rp = replay(art, fixes)
    review = page(art, fixes, rp, show_original=False)
    mk = review["marks"]
    bankers = tuple(span("foreign bankers", "Loaded_Language").values())
    assert mk.spans == {bankers: {"op": "relabel", "author": "ana", "from": "Flag_Waving"}}
    assert mk.actors == {"Tomas Berg": {"op": "role", "author": "ben"}}
    assert mk.labels == {("genre", "opinion"): {"op": "set", "author": "ana"}}
    assert [rp.article.techniques[i].technique for i in confirmed_spans(rp.article, review)] == ["Loaded_Language"]
    assert (review["version"], review["authors"], review["count"]) == (5, ["ana", "ben"], 5)
    words = [describe(c, art.text) for c in fixes]
    assert words[0] == "added Loaded Language \u201csold the harbour\u201d"
    assert words[1] == "Flag Waving \u2192 Loaded Language \u201cforeign bankers\u201d"
    assert words[3] == "Tomas Berg: Antagonist \u2192 Protagonist (Peacemaker)" and words[4] == "genre: opinion"
    # The model's original shows no marks.
    assert page(art, fixes, rp, show_original=True)["marks"].spans == {}
