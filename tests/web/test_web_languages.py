"""The article page in a real browser says which layers were not run for the article's language,
where their panels would have been empty (Debian's Chromium, driven by Playwright, against
``slant serve``; see conftest.py)."""

from __future__ import annotations

from pathlib import Path

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "text"


def analyse(page, server: str, name: str) -> None:
    page.goto(server + "/")
    page.fill("#text", (TEXTS / name).read_text("utf-8"))
    page.click("#analyse-button")
    page.wait_for_selector("#article-text")


def test_a_ukrainian_article_shows_one_note_and_no_empty_panels(page, server, shots):
    analyse(page, server, "lang-uk-mist-golosuvannia.txt")
    note = page.locator("#not-run")
    assert note.is_visible()
    text = note.inner_text()
    assert "Not run for this article's language (uk, Ukrainian)" in text
    assert "entities, actors, quotes, relations — no spaCy pipeline for Ukrainian" in text
    assert "techniques" not in text  # the multilingual encoder reads Ukrainian
    # The text is there, the panels that would be empty are not.
    assert "Міська рада Заріччя" in page.inner_text("#article-text")
    assert page.locator("#actors, #quotes, .graph-panel").count() == 0
    assert page.locator(".provenance tr.skipped").count() == 4
    page.screenshot(path=str(shots / "article-not-run-uk.png"), full_page=True)
    assert not page.errors, page.errors


def test_a_french_article_shows_its_actors_and_quotes_and_notes_the_rest(page, server):
    analyse(page, server, "lang-fr-pont-vote.txt")
    text = page.inner_text("#not-run")
    assert "(fr, French)" in text and "relations — no rules for French (English only)" in text
    assert "entities" not in text
    assert page.locator("details.actor", has_text="Sophie Marchand").count() == 1
    assert "Martin Lefèvre" in page.inner_text("#quotes")
    assert not page.errors, page.errors


def test_an_english_article_has_no_note(page, sample_url):
    page.goto(sample_url)
    assert page.locator("#not-run").count() == 0
