"""The pages in a real browser: Debian's Chromium, driven by Playwright, against ``slant serve``."""

from __future__ import annotations

import re

import httpx
import pytest


def analyse_via_page(page, server: str, text: str) -> None:
    page.goto(server + "/")
    page.fill("#text", text)
    page.click("#analyse-button")
    page.wait_for_selector("#article-text")


def test_analyse_the_sample_shows_highlights_tooltips_and_badges(page, server, sample_text, shots):
    analyse_via_page(page, server, sample_text)
    assert page.inner_text("#article-title") == "Why does Brussels pretend the Varnia harbour deal is a triumph?"
    marks = page.locator("#article-text mark.hl")
    assert marks.count() > 0
    # Every highlight is drawn: a coloured underline, not a transparent one.
    colour = marks.first.evaluate("m => getComputedStyle(m).borderBottomColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    # Overlapping techniques are visible: where the model's spans overlap, some piece carries the
    # marks of several spans, nested (which spans overlap depends on the shipped model).
    spans = sorted((t["start"], t["end"]) for t in
                   httpx.post(server + "/api/analyze", json={"text": sample_text}, timeout=120).json()["techniques"])
    if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
        assert page.locator("#article-text mark.hl mark.hl").count() > 0 or page.locator(".pc[data-s*=' ']").count() > 0
    assert page.locator(".para .badges .badge").count() > 0
    page.screenshot(path=str(shots / "article-sample.png"), full_page=True)

    # Hover shows technique, confidence and definition.
    piece = page.locator(".pc[data-s]").first
    piece.hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "%" in text and len(text) > 40
    page.screenshot(path=str(shots / "article-tooltip.png"))
    # Focus (keyboard) shows it too.
    page.mouse.move(0, 0)
    page.locator(".pc[data-s]").nth(1).focus()
    assert page.locator("#tip").is_visible()
    assert not page.errors, page.errors


def test_toggling_a_category_hides_its_highlights(page, sample_url):
    page.goto(sample_url)
    box = page.locator(".toolbar input[data-cat]").first
    cat = box.get_attribute("data-cat")
    mark = page.locator(f"#article-text mark.hl.c{cat}").first
    before = mark.evaluate("m => getComputedStyle(m).borderBottomColor")
    box.uncheck()
    assert f"hide-c{cat}" in page.evaluate("document.body.className")
    after = mark.evaluate("m => getComputedStyle(m).borderBottomColor")
    assert after == "rgba(0, 0, 0, 0)" and before != after
    box.check()
    assert mark.evaluate("m => getComputedStyle(m).borderBottomColor") == before


def test_opening_an_actor_marks_its_mentions_and_graph_node(page, sample_url, shots):
    page.goto(sample_url)
    koval = page.locator("details.actor", has_text="Irena Koval")
    assert page.locator("details.actor .aliases").count() > 0
    assert page.locator(".pc.actor-on").count() == 0
    koval.locator("summary").click()
    page.wait_for_selector(".pc.actor-on")
    marked = page.locator(".pc.actor-on").all_inner_texts()
    assert any("Koval" in t for t in marked)
    assert "premier" in koval.locator(".aliases").inner_text()
    # The actor graph is drawn in SVG, and the open actor's node is selected.
    page.wait_for_selector("#graph[data-drawn]")
    assert page.locator("#graph .node circle").count() >= 2
    assert page.locator("#graph .edge line").count() >= 1
    assert page.locator("#graph .node.sel").count() == 1
    page.locator("section.graph-panel").screenshot(path=str(shots / "actor-graph.png"))
    # Clicking a graph node opens its actor.
    koval.locator("summary").click()
    node = page.locator("#graph .node").first
    actor_id = node.get_attribute("data-id")
    node.locator("circle").click()
    assert page.locator(f"#actor-{actor_id}").evaluate("d => d.open")


def test_quote_evidence_link_scrolls_to_the_sentence(page, sample_url):
    page.goto(sample_url)
    assert page.locator("#quotes tbody tr").count() >= 1
    link = page.locator("#quotes a.ev").last
    sent = link.get_attribute("data-sent")
    link.click()
    target = page.locator(f"#s-{sent}")
    page.wait_for_function(f"document.getElementById('s-{sent}').classList.contains('flash')")
    # the scroll is smooth: the sentence comes to rest inside the viewport within a few frames
    height = page.viewport_size["height"]
    for _ in range(50):
        box = target.bounding_box()
        if box is not None and 0 <= box["y"] < height:
            break
        page.wait_for_timeout(100)
    assert box is not None and 0 <= box["y"] < height


def test_article_text_with_markup_runs_nothing(page, server, shots):
    from .conftest import XSS_TEXT, XSS_TITLE

    # Pasted into the analyse page ...
    analyse_via_page(page, server, XSS_TITLE + "\n\n" + XSS_TEXT)
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in page.inner_text("#article-title")
    body = page.inner_text("#article-text")
    assert "onerror=" in body and "<script>" in body
    assert page.locator("#article-text img, #article-text script, #article-text svg").count() == 0
    # ... and stored in the corpus, shown from the store.
    hits = httpx.get(server + "/api/articles", params={"q": "minister traitors"}).json()["items"]
    assert hits
    page.goto(server + "/articles/" + hits[0]["id"])
    page.wait_for_selector("#article-text")
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in page.inner_text("#article-title")
    assert page.locator("main script:not([type='application/json']):not([src])").count() == 0
    assert not page.dialogs
    page.screenshot(path=str(shots / "article-xss.png"), full_page=True)


def test_corpus_page_draws_charts_searches_and_lists_dupes(page, server, shots):
    page.goto(server + "/corpus")
    page.wait_for_selector(".chart-svg[data-drawn]")
    assert page.locator(".chart-svg[data-drawn]").count() >= 3
    assert page.locator("figure[data-by=technique] rect.bar").count() >= 1
    assert page.locator("figure[data-by=month] rect.bar").count() >= 3
    assert page.locator(".dupes details.group").count() >= 1
    page.screenshot(path=str(shots / "corpus.png"), full_page=True)
    page.fill("input[name=q]", "harbour deal")
    page.fill("input[name=source]", "selka-observer")
    page.click("#search-form button")
    page.wait_for_selector(".hits li")
    assert page.locator(".hits li").count() == 1
    page.click(".hits li a")
    page.wait_for_selector("#article-text mark.hl")
    assert not page.errors, page.errors


def test_article_page_notes_when_it_is_ready(page, server, sample_url):
    """The page marks the moment text, highlights and handlers are in place (bench/serve.py times
    it; no time limit is asserted here)."""
    page.goto(sample_url, wait_until="commit")
    page.wait_for_selector("body[data-ready] #article-text mark.hl")
    assert float(page.get_attribute("body", "data-ready")) > 0


def test_labels_link_to_their_evidence_and_paragraph_badges_show(page, sample_url, shots):
    page.goto(sample_url)
    labels = page.locator("#labels")
    assert "opinion" in labels.inner_text() and "EU betrays the nation" in labels.inner_text()
    assert [h.lower() for h in labels.locator("h3").all_inner_texts()] == ["genre", "frames", "narratives"]
    assert page.locator("#p-2 .badges .badge.lab", has_text="Economic").count() == 1
    assert page.locator("#s-1 + .sscore", has_text="SUBJ").count() == 1
    link = labels.locator("a.ev").last  # the narrative's evidence: the last sentence, far below
    sent = link.get_attribute("data-sent")
    link.click()
    page.wait_for_function(f"document.getElementById('s-{sent}').classList.contains('flash')")
    # the scroll may be smooth: wait until the sentence has arrived in the viewport
    for _ in range(50):
        box = page.locator(f"#s-{sent}").bounding_box()
        if 0 <= box["y"] < page.viewport_size["height"]:
            break
        page.wait_for_timeout(200)
    assert 0 <= box["y"] < page.viewport_size["height"]
    page.screenshot(path=str(shots / "article-labels.png"))


def test_chart_labels_fit_and_labels_read_as_names(page, server, sample_url, shots):
    """No chart label is clipped at the chart's edge (long SemEval names once were), and frames
    show their human names, as techniques do."""
    page.goto(server + "/corpus")
    page.wait_for_selector(".chart-svg[data-drawn]")
    labels = page.evaluate("""() => Array.from(document.querySelectorAll("figure.chart:not([data-by=month]) svg"))
        .flatMap(svg => Array.from(svg.querySelectorAll("text[text-anchor=end]")).map(t => {
            const b = t.getBBox();
            return {shown: t.firstChild.nodeValue, full: t.querySelector("title").textContent,
                    left: b.x, right: b.x + b.width, width: svg.viewBox.baseVal.width};
        }))""")
    assert len(labels) >= 5
    for lab in labels:
        assert 0 <= lab["left"] and lab["right"] <= lab["width"], lab
        if lab["shown"] != lab["full"]:  # shortened: both ends kept, whole words, an ellipsis between
            head, tail = lab["shown"].split("\u2026")
            assert lab["full"].startswith(head) and lab["full"].endswith(tail), lab
    shown = {lab["full"] for lab in labels}
    assert "Legality Constitutionality and jurisprudence" in shown
    assert not any("_" in name for name in shown)
    page.screenshot(path=str(shots / "corpus-charts.png"), full_page=True)
    page.goto(sample_url)
    assert "Legality Constitutionality and jurisprudence" in page.inner_text("#labels")
    assert not page.errors, page.errors


def test_claims_are_marked_in_the_margin_without_hiding_techniques(page, sample_url, shots):
    page.goto(sample_url)
    claim = page.locator("#article-text .sent.claim")
    assert claim.count() == 1 and claim.first.get_attribute("data-claim") == "0.87"
    claim.first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "article-claims.png"))
    # One badge, for the check-worthy sentence only (the other scored sentence shows nothing).
    assert page.locator("#article-text .sscore.claim-score").count() == 1
    assert page.locator("#article-text .sscore.claim-score").inner_text() == "claim 0.87"
    # The mark sits in the paragraph's left margin, beside the lines of the sentence, and is drawn.
    mark = page.locator("#article-text .claim-mark")
    assert mark.count() == 1
    m, c = mark.bounding_box(), claim.first.bounding_box()
    assert m["width"] > 0 and m["height"] > 0 and m["x"] + m["width"] <= c["x"]
    assert c["y"] - 6 <= m["y"] <= c["y"] + c["height"]  # on the line where the sentence starts
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    # The technique underlines inside the claim are still drawn.
    inner = claim.locator("mark.hl")
    assert inner.count() > 0
    assert inner.first.evaluate("m => getComputedStyle(m).borderBottomColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert not page.errors, page.errors


@pytest.fixture(scope="module")
def compare_server(tmp_path_factory):
    """A ``slant serve`` over its own corpus of two stored articles: an English text in the manner
    of a Politico piece (tests/fixtures/stories) and the shared example that retells it. (Its own
    store: the session corpus's counts are other tests' expectations.) Yields (url, id of the
    original, id of the retelling)."""
    from slant.ingest import ingest
    from slant.store import open_store

    from .conftest import ANALYSERS, ROOT, slant_serve

    retelling = ROOT.parent / "shared" / "examples" / "belarus-putin-2020.txt"
    if not retelling.is_file():
        pytest.skip(f"shared example not found at {retelling}")
    folder = tmp_path_factory.mktemp("compare")
    original = ROOT / "tests" / "fixtures" / "stories" / "belarus-analysis-en.txt"
    db = folder / "compare.db"
    open_store(db).close()
    with slant_serve("--db", str(db), "--analysers", ANALYSERS) as served:
        result = ingest([original, retelling], str(db),
                        analysers=["segment", "techniques", "stories", "entities", "actors", "quotes"])
        assert result.stored == 2, result
        url = served.wait()
        items = httpx.get(url + "/api/articles", params={"limit": 10}).json()["items"]
        ids = {h["title"]: h["id"] for h in items}
        yield (url, ids["Putin's Belarus gamble could cost him the Belarusians"],
               ids["Why do the West believe that Putin lost in Belarus?"])


def test_compare_page_aligns_paragraphs_and_highlights_the_retellings_additions(page, browser, compare_server, shots):
    url, original, retelling = compare_server
    page.goto(f"{url}/compare?a={original}&b={retelling}")
    # The summary: counts, then what only the retelling has, its loaded words first.
    assert "kept" in page.inner_text("#counts") and int(page.inner_text("#counts .n-added")) > 0
    loaded = page.locator("#only-loaded .chip").all_inner_texts()
    assert {"sweaty", "usurper", "dictator-same"} <= set(loaded)
    assert any("usurper" in q for q in page.locator("#only-quotes li").all_inner_texts())
    # Aligned rows: the retold NATO sentence sits on the row of the paragraph it retells.
    nato = page.locator("td.side-b .cs.kept", has_text="Now he warns about NATO")
    row = page.locator("tr", has=nato)
    assert row.get_attribute("class") == "aligned"
    assert "Now he warns of a NATO threat" in row.locator("td.side-a").inner_text()
    # Each paragraph of either article is shown once, and the aligned rows keep both orders.
    assert page.locator("[id^='a-p-']").count() == 9 and page.locator("[id^='b-p-']").count() == 10
    pairs = page.eval_on_selector_all(
        "tr.aligned", "rows => rows.map(r => [r.querySelector('.side-a .para').id, r.querySelector('.side-b .para').id]"
        ".map(id => +id.split('-')[2]))")
    assert len(pairs) >= 4 and pairs == sorted(pairs)
    # Additions are highlighted: added sentences, and the retelling's own words inside kept ones.
    usurper = page.locator("td.side-b ins.cs.added mark.only", has_text="usurper")
    assert usurper.count() == 1
    assert page.locator("td.side-b .cs.kept mark.only", has_text="sweaty").count() == 1
    bg = usurper.evaluate("m => getComputedStyle(m).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("td.side-a del.cs.dropped").count() > 0 and page.locator("td.side-a ins").count() == 0
    assert page.locator("td.side-b mark.hl").count() > 0  # technique spans underlined as on the article page
    page.set_viewport_size({"width": 1280, "height": 1150})
    page.screenshot(path=str(shots / "compare-page.png"))  # docs/img/compare-page.png, quantised
    # Hovering a kept sentence lights the one it retells.
    nato.hover()
    assert page.locator(".cs.linked").count() >= 2
    assert "Now he warns of a NATO threat" in page.locator("td.side-a .cs.linked").first.inner_text()
    # A chip leads to its sentence.
    page.locator("#only-loaded .chip", has_text="usurper").click()
    target = page.evaluate("location.hash")
    assert target.startswith("#b-s-") and "usurper" in page.locator(target).inner_text()
    assert not page.errors, page.errors
    # The page reads the same without scripts (rendered by the server).
    ctx = browser.new_context(java_script_enabled=False)
    bare = ctx.new_page()
    bare.goto(f"{url}/compare?a={original}&b={retelling}")
    assert bare.locator("td.side-b ins.cs.added mark.only", has_text="usurper").count() == 1
    ctx.close()


def test_compare_page_names_an_unknown_article_and_offers_the_form(page, compare_server):
    url, original, _ = compare_server
    response = page.goto(f"{url}/compare?a={original}&b=no-such-article")
    assert response.status == 404 and "no article 'no-such-article'" in page.inner_text("main")
    r = httpx.get(f"{url}/api/compare", params={"a": "nope", "b": original})
    assert r.status_code == 404 and r.json()["detail"] == "no article 'nope' in the corpus"
    data = httpx.get(f"{url}/api/compare", params={"a": original, "b": original}, timeout=60).json()
    assert not data["added"] and not data["dropped"] and all(r["aligned"] for r in data["rows"])
    page.goto(f"{url}/compare")
    page.fill("#a_text", "Harbour talks end\n\nThe port authority and the union met on Monday in the city hall. "
                         "The talks about wages lasted nine hours and ended without an agreement.\n\n"
                         "Both sides said they would meet again next week.")
    page.fill("#b_text", "Harbour talks fail\n\nThe port authority and the union met on Monday in the city hall. "
                         "The talks about wages lasted nine hours and ended without an agreement.\n\n"
                         "The usurper who runs the union walked out and shouted at the reporters.")
    page.click("#compare-button")
    page.wait_for_selector("#compare-table")
    assert page.locator("td.side-b mark.only", has_text="usurper").count() == 1


def test_a_retelling_page_lists_its_source_and_opens_the_comparison(page, compare_server, shots):
    """Stored with their story vectors, the sample and the English text it retells are one story:
    each article's page lists the other, and the link puts the earlier one on the left."""
    url, original, retelling = compare_server
    page.goto(f"{url}/articles/{retelling}")
    row = page.locator("#tellings tbody tr")
    assert row.count() == 1
    assert row.locator("td").nth(4).inner_text() == "retelling"
    assert row.locator("a").first.get_attribute("href") == f"/articles/{original}"
    page.click("#tellings a:has-text('compare side by side')")
    page.wait_for_selector("#counts")
    assert f"a={original}" in page.url and f"b={retelling}" in page.url  # the original is dated four days earlier
    page.goto(f"{url}/corpus")
    group = page.locator(".stories details.group")
    assert group.count() == 1
    group.locator("summary").click()
    assert group.locator("tr", has_text="retelling").count() == 1
    assert not page.errors, page.errors


# --- reviewing and correcting (#21): the article page's tools, two analysts, the corpus's review panel ---

ALICE, BOB = "alice-7f3c9a1e2b4d", "bob-0c8e5d2a9f61"
HARBOUR_TITLE = "Harbour deal splits the council"


def serve_corrections_corpus(folder, tokens: dict[str, str] | None = None):
    """A ``slant serve --db`` (segmenter only: nothing to load) over its own store of the three short
    articles of the corrections tests (tests/correction_helpers.py), with analysts' tokens or
    without. Yields (url, {title: id})."""
    from correction_helpers import store_corpus

    from slant.store import open_store

    from .conftest import slant_serve

    db = folder / "review.db"
    with open_store(db) as store:
        ids = {a.meta.title: a.meta.id for a in store_corpus(store)}
    args = ["--db", str(db), "--analysers", "segment"]
    if tokens:
        (folder / "analysts.txt").write_text("".join(f"{name} {token}\n" for name, token in tokens.items()), "utf-8")
        args += ["--tokens", str(folder / "analysts.txt")]
    with slant_serve(*args) as served:
        # with tokens every request needs one, the health check too
        yield served.wait(headers={"x-slant-token": next(iter(tokens.values()))} if tokens else None), ids


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    """Analysts who give their name (no tokens)."""
    yield from serve_corrections_corpus(tmp_path_factory.mktemp("review"))


@pytest.fixture(scope="module")
def tokens_server(tmp_path_factory):
    """Two analysts, each with a token (slant serve --tokens)."""
    yield from serve_corrections_corpus(tmp_path_factory.mktemp("tokens"), {"alice": ALICE, "bob": BOB})


def page_data(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('article-data').textContent)")


def techniques_of(page) -> set[tuple[str, str]]:
    """(technique, words) of every span the page shows."""
    data = page_data(page)
    text = page.evaluate("""(spans) => spans.map(t => {
        const paras = Array.from(document.querySelectorAll('#article-text .para[data-o]'));
        const p = paras.filter(x => +x.dataset.o <= t.start).pop();
        return p.querySelector('p').textContent.slice(t.start - +p.dataset.o, t.end - +p.dataset.o);
    })""", data["techniques"])
    return {(t["technique"], words) for t, words in zip(data["techniques"], text)}


def select_words(page, words: str) -> None:
    """Drag the mouse over ``words`` of the article text, as an analyst selects them."""
    points = page.evaluate("""(words) => {
        const root = document.getElementById('article-text'), nodes = [];
        const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let n, all = '';
        while ((n = w.nextNode())) { nodes.push([n, all.length]); all += n.nodeValue; }
        const at = all.indexOf(words);
        function rect(k) {
            const [node, base] = nodes.filter(([x, b]) => b <= k).pop();
            const r = document.createRange();
            r.setStart(node, k - base); r.setEnd(node, k - base + 1);
            r.startContainer.parentElement.scrollIntoView({block: 'center'});
            return r.getBoundingClientRect();
        }
        rect(at);
        const a = rect(at), b = rect(at + words.length - 1);
        return {x0: a.left + 1, y0: a.top + a.height / 2, x1: b.right - 1, y1: b.top + b.height / 2};
    }""", words)
    page.mouse.move(points["x0"], points["y0"])
    page.mouse.down()
    page.mouse.move(points["x1"], points["y1"], steps=8)
    page.mouse.up()


def actor(page, name: str):
    """The actor card of ``name``."""
    name_is = page.locator(":scope > summary .actor-name", has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator("details.actor", has=name_is)


def go_review(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-review-ready]")


def wait_reloaded(page, action) -> None:
    """Run ``action`` (a click that stores a correction) and wait for the page it reloads."""
    with page.expect_navigation():
        action()
    page.wait_for_selector("body[data-review-ready]")


def test_an_analyst_labels_a_selection_rejects_a_span_recasts_an_actor_and_sees_it_all_after_a_reload(
        page, review_server, shots):
    url, ids = review_server
    article = f"{url}/articles/{ids[HARBOUR_TITLE]}"
    page.set_viewport_size({"width": 1280, "height": 900})
    go_review(page, article)
    assert "Not reviewed yet" in page.inner_text("#review-bar")
    assert ("Doubt", "It is a good deal for the port") in techniques_of(page)
    # Review mode: the page asks the analyst's name once (the server has no tokens).
    page.click("#review-toggle")
    assert page.get_attribute("#review-toggle", "aria-pressed") == "true"
    page.fill("#author-name", "ana")
    page.press("#author-name", "Enter")
    assert page.inner_text("#review-author").startswith("correcting as ana")

    # Select words the model missed and label them.
    select_words(page, "sold the harbour")
    page.wait_for_selector("#review-pop[data-mode=add]")
    assert "\u201csold the harbour\u201d" in page.inner_text("#review-pop")
    page.select_option("#pop-technique", "Loaded_Language")
    page.screenshot(path=str(shots / "review-add.png"))
    wait_reloaded(page, lambda: page.click("#review-pop .act-add"))
    assert "Added Loaded Language" in page.inner_text("#review-msg")
    assert ("Loaded_Language", "sold the harbour") in techniques_of(page)
    assert page.evaluate("document.body.classList.contains('reviewing')")  # review mode is remembered

    # The keyboard: n goes to the first span, a accepts it and goes on; then to Doubt, r rejects it.
    page.keyboard.press("n")
    assert "Name Calling" in page.inner_text("#review-pop h3")
    page.keyboard.press("a")
    page.wait_for_function("() => document.getElementById('review-msg').textContent.startsWith('Accepted')")
    for _ in range(6):
        if "Doubt" in page.inner_text("#review-pop h3"):
            break
        page.keyboard.press("j")
    assert "Doubt" in page.inner_text("#review-pop h3")
    page.screenshot(path=str(shots / "review-span.png"))
    page.keyboard.press("r")
    page.wait_for_function("() => document.getElementById('review-msg').textContent.startsWith('Rejected Doubt')")
    assert page.locator("#article-text .pc", has_text="good deal").locator("mark.hl.rej").count() == 1
    assert page.inner_text("#review-version") == "3"
    page.keyboard.press("Escape")
    assert page.locator("#review-pop").is_hidden()

    # Recast an actor: Berg defends the deal, the model made him the antagonist.
    berg = actor(page, "Tomas Berg")
    berg.locator(":scope > summary").click()
    berg.locator("select.fix-role").select_option("Protagonist")
    berg.locator(".fix-fines label", has_text="Peacemaker").locator("input").check()
    berg.locator("fieldset.fix").screenshot(path=str(shots / "review-actor.png"))
    wait_reloaded(page, lambda: berg.locator("button.fix-save-role").click())

    # Reloaded: everything the analyst did is there, marked, and the history says it.
    page.reload()
    page.wait_for_selector("body[data-review-ready]")
    spans = techniques_of(page)
    assert ("Loaded_Language", "sold the harbour") in spans and not any(t == "Doubt" for t, _ in spans)
    assert page.locator("#article-text .pc", has_text="sold the harbour").locator("mark.hl.ok").count() == 1
    assert page.locator("#article-text .pc", has_text="traitors").locator("mark.hl.ok").count() == 1
    berg = actor(page, "Tomas Berg")
    assert berg.locator(":scope > summary .role").inner_text() == "Protagonist"
    assert berg.locator(".fixed-mark").count() == 1
    assert "Peacemaker" in berg.locator("dl").text_content()
    rows = page.locator("#history tbody tr").all_inner_texts()
    assert len(rows) == 4 and all("ana" in r for r in rows)
    assert "added Loaded Language \u201csold the harbour\u201d" in rows[0]
    assert "rejected Doubt" in rows[2] and "Tomas Berg: Antagonist \u2192 Protagonist (Peacemaker)" in rows[3]
    bar = page.inner_text("#review-bar")
    assert "Corrected by 1 analyst" in bar and "(ana)" in bar and "version 4" in bar

    # The model's original on request: as stored, no tools.
    page.click("#show-original")
    page.wait_for_selector("#review-bar.original")
    assert "original=1" in page.url and "The model's original" in page.inner_text("#review-bar")
    spans = techniques_of(page)
    assert ("Doubt", "It is a good deal for the port") in spans and ("Loaded_Language", "sold the harbour") not in spans
    assert actor(page, "Tomas Berg").locator(":scope > summary .role").inner_text().startswith(
        "Antagonist")
    assert page.locator("#review-toggle").count() == 0 and page.locator("script[src='/static/review.js']").count() == 0
    page.click("#show-corrected")
    page.wait_for_selector("body[data-review-ready]")
    assert not page.errors, page.errors


def test_the_page_fixes_a_quotes_speaker_labels_and_merges_and_splits_actors(page, review_server):
    url, ids = review_server
    go_review(page, f"{url}/articles/{ids[HARBOUR_TITLE]}")
    page.click("#review-toggle")
    page.fill("#author-name", "ben")
    page.click("#name-form button")
    # The quote "It is a good deal ..." is Berg's, not Koval's.
    row = page.locator("#quotes tbody tr", has_text="good deal for the port")
    assert "Irena Koval" in row.locator("td").first.inner_text()
    row.locator("select.fix-speaker").select_option(label="Tomas Berg")
    wait_reloaded(page, lambda: row.locator("button.fix-speaker-button").click())
    row = page.locator("#quotes tbody tr", has_text="good deal for the port")
    assert "Tomas Berg" in row.locator("td").first.inner_text() and row.locator(".fixed-mark").count() == 1
    # Genre and frames.
    page.locator("select.fix-label[data-task=genre]").select_option("opinion")
    wait_reloaded(page, lambda: page.locator(".label-add", has=page.locator("[data-task=genre]"))
                  .locator("button").click())
    assert page.locator("ul[data-task=genre] li").all_inner_texts()[0].startswith("opinion")
    wait_reloaded(page, lambda: page.click("ul[data-task=frames] li[data-label=Morality] button.remove"))
    assert page.locator("ul[data-task=frames] li[data-label=Morality]").count() == 0
    page.locator("select.fix-label[data-task=narratives]").select_option(index=1)
    wait_reloaded(page, lambda: page.locator(".label-add", has=page.locator("[data-task=narratives]"))
                  .locator("button").click())
    assert page.locator("ul[data-task=narratives] li.fixed").count() == 1
    # Split "The minister" off Tomas Berg, then merge it back.
    berg = actor(page, "Tomas Berg")
    berg.locator(":scope > summary").click()
    berg.locator(".fix-split summary").click()
    berg.locator(".fix-mentions label", has_text="[The minister]").locator("input").check()
    berg.locator("input.fix-split-name").fill("the minister")
    wait_reloaded(page, lambda: berg.locator("button.fix-split-button").click())
    minister = actor(page, "the minister")
    assert minister.count() == 1 and minister.locator(".fixed-mark").count() == 1
    minister.locator(":scope > summary").click()
    minister.locator("select.fix-merge").select_option(label="Tomas Berg")
    wait_reloaded(page, lambda: minister.locator("button.fix-merge-button").click())
    assert actor(page, "the minister").count() == 0
    history = [r.split("\t")[4] for r in page.locator("#history tbody tr", has_text="ben").all_inner_texts()]
    assert history[-2:] == ["the minister split off Tomas Berg (1 mention)", "the minister merged into Tomas Berg"]
    assert not page.errors, page.errors


def test_a_second_analysts_stale_edit_gets_409_and_the_page_shows_the_current_state(browser, tokens_server, shots):
    url, ids = tokens_server
    article = f"{url}/articles/{ids[HARBOUR_TITLE]}"
    pages = {}
    for name, token in (("alice", ALICE), ("bob", BOB)):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = ctx.new_page()
        pg.errors = []
        pg.on("pageerror", lambda exc, pg=pg: pg.errors.append(str(exc)))
        pg.goto(f"{url}/?token={token}")  # sets the token's cookie
        go_review(pg, article)
        pg.click("#review-toggle")
        assert pg.inner_text("#review-author") == f"correcting as {name}"  # named by the token: no name asked
        assert pg.locator("#author-name").count() == 0
        pages[name] = pg
    alice, bob = pages["alice"], pages["bob"]
    # Both opened version 0. Alice rejects Doubt and relabels the flag-waving bankers.
    alice.click("#article-text .pc[data-s]:has-text('good deal')")
    assert "Doubt" in alice.inner_text("#review-pop h3")
    alice.click("#review-pop .act-reject")
    alice.wait_for_function("() => document.getElementById('review-msg').textContent.startsWith('Rejected Doubt')")
    alice.keyboard.press("Escape")
    alice.click("#article-text .pc[data-s]:has-text('foreign bankers')")
    alice.select_option("#pop-technique", "Loaded_Language")
    wait_reloaded(alice, lambda: alice.click("#review-pop .act-relabel"))
    assert alice.inner_text("#review-version") == "2"
    # Bob, still on version 0, recasts Koval: refused with 409; his page reloads at the current state.
    koval = actor(bob, "Irena Koval")
    koval.locator(":scope > summary").click()
    koval.locator("select.fix-role").select_option("Innocent")
    koval.locator(".fix-fines label", has_text="Victim").locator("input").check()
    wait_reloaded(bob, lambda: koval.locator("button.fix-save-role").click())
    note = bob.inner_text("#review-msg")
    assert "Not saved: alice corrected this article while you had it open (2 corrections, now version 2)" in note
    assert "alice: rejected Doubt" in note and "alice: Flag Waving \u2192 Loaded Language" in note
    assert bob.locator("#history tr.new").count() == 2 and bob.inner_text("#review-version") == "2"
    spans = techniques_of(bob)
    assert ("Loaded_Language", "foreign bankers") in spans and not any(t == "Doubt" for t, _ in spans)
    assert actor(bob, "Irena Koval").locator(":scope > summary .role").inner_text().startswith(
        "Protagonist")  # nothing of Bob's was stored
    bob.set_viewport_size({"width": 1280, "height": 560})
    bob.evaluate("window.scrollTo(0, 0)")
    bob.screenshot(path=str(shots / "review-conflict.png"))
    # Bob sends his correction again, on the current version: stored.
    wait_reloaded(bob, lambda: bob.click("#review-msg button.again"))
    koval = actor(bob, "Irena Koval")
    assert koval.locator(":scope > summary .role").inner_text() == "Innocent"
    assert koval.locator(".fixed-mark").count() == 1
    assert "Corrected by 2 analysts" in bob.inner_text("#review-bar") and bob.inner_text("#review-version") == "3"
    assert [r.split("\t")[1] for r in bob.locator("#history tbody tr").all_inner_texts()] == ["alice", "alice", "bob"]
    for pg in pages.values():
        assert not pg.errors, pg.errors
        pg.context.close()


def test_the_corpus_page_shows_how_far_review_has_gone_and_the_techniques_most_often_rejected(
        page, review_server, shots):
    url, ids = review_server
    from correction_helpers import PIPELINE, at

    def span(words: str, technique: str) -> dict:
        s, e = at(PIPELINE, words)
        return {"start": s, "end": e, "technique": technique}

    aid = ids["Pipeline vote delayed again"]
    version = httpx.get(f"{url}/api/articles/{aid}/corrections").json()["version"]
    fixes = [{"layer": "techniques", "op": "reject", "target": span("third time", "Repetition")},
             {"layer": "techniques", "op": "relabel", "target": span("a disgrace", "Loaded_Language"),
              "after": {"technique": "Name_Calling-Labeling"}},
             {"layer": "techniques", "op": "accept", "target": span("cowardly surrender", "Name_Calling-Labeling")}]
    r = httpx.post(f"{url}/api/articles/{aid}/corrections",
                   json={"base_version": version, "author": "cleo", "corrections": fixes})
    assert r.status_code == 201, r.text
    summary = httpx.get(f"{url}/api/corrections/summary").json()
    page.goto(f"{url}/corpus")
    page.wait_for_selector("#rejected-chart[data-drawn]")
    panel = page.locator("#review")
    assert page.inner_text("#reviewed-count") == str(summary["reviewed"]) and page.inner_text("#reviewed-of") == "3"
    authors = {r.split("\t")[0]: r.split("\t")[1] for r in panel.locator("#review-authors tbody tr").all_inner_texts()}
    assert authors["cleo"] == "3" and set(authors) == {a["author"] for a in summary["authors"]}
    bars = page.locator("#rejected-chart rect.bar")
    rejected = [t for t in summary["techniques"] if t["rejected"] + t["relabelled"]]
    assert bars.count() == len(rejected) >= 2
    names = page.eval_on_selector_all("#rejected-chart text[text-anchor=end]",
                                      "ts => ts.map(t => t.firstChild.nodeValue)")
    assert "Repetition" in names and "Loaded Language" in names
    assert "Name Calling" not in " ".join(names)  # accepted, never rejected: not in the chart
    assert "1 (100%)" in page.text_content("#rejected-chart")
    panel.screenshot(path=str(shots / "review-corpus.png"))
    assert not page.errors, page.errors


def test_a_pasted_article_has_no_correcting_tools(page, review_server):
    url, _ = review_server
    analyse_via_page(page, url, "Harbour talks end\n\nThe port authority and the union met on Monday.")
    assert page.locator("#review-bar").count() == 0 and page.locator("script[src='/static/review.js']").count() == 0
    assert not page.errors, page.errors
