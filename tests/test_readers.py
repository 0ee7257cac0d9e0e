"""Readers: HTML, JSONL, CSV, WARC, the shared-task layouts, folders, and going on past failures.

Fixtures are invented articles under tests/fixtures; WARC archives are written by the tests.
"""

from __future__ import annotations

import gzip
import random
import shutil
from io import BytesIO
from pathlib import Path

import pytest

import slant
from slant.article import Article
from slant.errors import InputError
from slant.readers import guess_format, iter_articles, read_path
from slant.readers.html import parse_html
from slant.readers.tasks import align_gold_spans, parse_task_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HTML_PAGE = FIXTURES / "html" / "article_with_boilerplate.html"
TASKS = FIXTURES / "tasks"


def split(items) -> tuple[list[Article], list[InputError]]:
    items = list(items)
    arts = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert len(arts) + len(errors) == len(items)
    return arts, errors


# --- HTML ------------------------------------------------------------------------------------


def test_html_page_gives_title_date_byline_and_site():
    art = read_path(HTML_PAGE)[0]
    assert art.meta.title == "Greyhaven council caves to the Velmora lobby"
    assert art.meta.date == "2024-02-09"
    assert art.meta.byline == "Marta Quillfeather"
    assert art.meta.source == "The Coastline Courier"
    assert art.meta.url == "https://coastline-courier.example/politics/greyhaven-velmora-lobby"
    assert art.meta.language == "en"
    assert art.meta.input_format == "html"
    assert art.text.startswith("The Greyhaven town council has once again bowed")


def test_html_boilerplate_is_left_out_of_the_text():
    text = read_path(HTML_PAGE)[0].text
    for junk in ("cookies", "Politics section", "Subscribe today", "Most read", "Lighthouse keeper",
                 "newsletter", "All rights reserved", "Privacy policy"):
        assert junk not in text
    assert "Greyhaven council caves" not in text  # the title heads the page, not the body


def test_html_blocks_become_paragraphs_after_segmenter():
    art = slant.load()(HTML_PAGE)
    assert len(art.paragraphs) == 5
    last = art.span_text(art.paragraphs[-1])
    assert last.endswith("– Orrin Thale, speaking outside the town hall on Friday evening.")
    assert art.span_text(art.paragraphs[2]).startswith("“This council has sold our harbour")


def test_truncated_html_keeps_the_text_before_the_cut():
    data = HTML_PAGE.read_bytes()
    cut = data.index(b"a shameful betrayal") + len(b"a shameful betr")  # mid-paragraph, no closing tags
    art = parse_html(data[:cut], source="cut.html")
    assert art.meta.title == "Greyhaven council caves to the Velmora lobby"
    assert art.text.startswith("The Greyhaven town council")
    assert art.text.endswith("a shameful betr")
    mid_tag = data.index(b"<p>Critics") + 2  # cut inside a tag
    assert "three long years." in parse_html(data[:mid_tag], source="cut.html").text


def test_html_without_article_text_is_an_input_error():
    with pytest.raises(InputError, match=r"^empty\.html: no article text found in HTML$"):
        parse_html(b"<html><head><title>Home</title></head><body><script>x()</script></body></html>", "empty.html")


def test_html_declared_charset_decodes_legacy_bytes():
    body = "Министр Волков назвал протестующих «платными провокаторами». Оппозиция требует отставки."
    page = (b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            b"<title>\xcf\xf0\xee\xf2\xe5\xf1\xf2</title></head><body><article><p>"
            + body.encode("cp1251") + b"</p></article></body></html>")
    art = parse_html(page, "ru.html")
    assert art.text == body
    assert art.meta.language == "ru"


def test_html_dateline_in_a_block_of_its_own_opens_the_first_paragraph():
    page = ("<html><head><title>Senate passes budget</title></head><body><article><h1>Senate passes budget</h1>"
            "<p>WASHINGTON (AP) \u2014</p><p>The Senate passed the budget on Friday. Critics called it reckless.</p>"
            "<p>The House votes next week, officials said on Friday evening.</p></article></body></html>")
    art = parse_html(page.encode("utf-8"), "senate.html")
    assert art.text.startswith("WASHINGTON (AP) \u2014 The Senate passed the budget on Friday.")
    assert art.text.count("\n\n") == 1 and art.meta.extra["dateline"] == "WASHINGTON (AP)"


def test_html_fragment_and_fallback_date():
    art = parse_html("<p>The mayor called critics liars.</p><p>They plan to sue him.</p>", "frag",
                     url="https://x.example/a", fallback_date="2022-06-30")
    assert art.text == "The mayor called critics liars.\n\nThey plan to sue him."
    assert (art.meta.url, art.meta.date) == ("https://x.example/a", "2022-06-30")


# --- plain text, encodings -------------------------------------------------------------------


def test_cp1252_text_file_is_decoded():
    art = read_path(FIXTURES / "text" / "cp1252_article.txt")[0]
    assert art.meta.title == "Café owners in Saint-Aubrac defy the “reckless” quay levy"
    assert art.meta.byline == "Renée Lavallière"
    assert "“We are being bled dry to pay for the mayor’s vanity projects,” said Hélène Marchetti" in art.text
    assert art.text.endswith("– Gaëtan Rousseau, chairman of the traders’ association.")


# --- JSONL -----------------------------------------------------------------------------------

JSONL = FIXTURES / "jsonl" / "with_bad_line.jsonl"


def test_jsonl_bad_lines_are_reported_and_reading_goes_on():
    arts, errors = split(iter_articles([JSONL]))
    assert [a.meta.path for a in arts] == [f"{JSONL}#1", f"{JSONL}#3", f"{JSONL}#7"]
    assert [str(e) for e in errors] == [
        f"{JSONL}:2: not valid JSON (JSON is malformed: expected ',' or '}}' (byte 41))",
        f"{JSONL}:4: a JSON array, not an object",
        f"{JSONL}:5: no text field (looked for text, body, content, article, maintext)",
    ]


def test_jsonl_fields_map_to_meta_and_repeated_title_is_dropped():
    first, third, seventh = split(iter_articles([JSONL]))[0]
    assert first.meta.title == "Minister Vask blames 'foreign saboteurs' for grid collapse"
    assert first.text.startswith("Energy minister Ilse Vask")
    assert first.meta.byline == "Piet Aldring, Sofie Marken"
    assert (first.meta.date, first.meta.language, first.meta.source) == ("2023-11-07", "en", "Northern Ledger")
    assert first.meta.extra == {"record_id": "r-101"}
    assert third.meta.title == "Dockers vow to fight on"
    assert (third.meta.byline, third.meta.source) == ("Anna Roe", "Harbour Post")
    assert third.meta.date == "2024-03-12"
    assert seventh.meta.date == "2024-03-12"  # a Unix timestamp
    assert seventh.meta.extra == {"record_id": "106"}


def test_jsonl_text_field_option(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "ignored text here", "story": "The chosen field holds the story of the flood."}\n')
    from slant.readers import jsonl

    arts, errors = split(jsonl.read(path, b"", str(path), text_field="story"))
    assert not errors and arts[0].text == "The chosen field holds the story of the flood."


def test_jsonl_record_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"text": "' + "word " * 400 + '"}\n{"text": "A small record that fits."}\n')
    arts, errors = split(iter_articles([path], max_bytes=1000))
    assert [a.text for a in arts] == ["A small record that fits."]
    assert str(errors[0]).startswith(f"{path}:1: record too large")


def test_text_longer_than_one_article_is_refused_and_the_rest_read(tmp_path):
    from slant.text import MAX_ARTICLE_CHARS

    words = "word " * (MAX_ARTICLE_CHARS // 5 + 10)
    (tmp_path / "book.txt").write_text(words)
    (tmp_path / "feed.jsonl").write_text('{"text": "' + words + '"}\n{"text": "A short story that fits."}\n')
    arts, errors = split(iter_articles([tmp_path / "book.txt", tmp_path / "feed.jsonl"]))
    assert [a.text for a in arts] == ["A short story that fits."]
    assert len(errors) == 2 and all("text too long for one article" in str(e) for e in errors)
    assert str(errors[0]).startswith(f"{tmp_path / 'book.txt'}: text too long")
    assert str(errors[1]).startswith(f"{tmp_path / 'feed.jsonl'}#1: text too long")  # the record is named


def test_json_array_and_pretty_printed_object(tmp_path):
    array = tmp_path / "many.json"
    array.write_text('[\n  {"title": "One", "text": "The first story is short."},\n  "junk",\n'
                     '  {"text": "The second story is short too."}\n]\n')
    arts, errors = split(iter_articles([array]))
    assert [a.text for a in arts] == ["The first story is short.", "The second story is short too."]
    assert [a.meta.path for a in arts] == [f"{array}#1", f"{array}#3"]
    assert str(errors[0]) == f"{array}#2: a JSON string, not an object"
    single = tmp_path / "one.json"
    single.write_text('{\n  "headline": "Pretty",\n  "maintext": "A pretty-printed single article."\n}\n')
    assert read_path(single)[0].text == "A pretty-printed single article."


# --- CSV -------------------------------------------------------------------------------------

CSV = FIXTURES / "csv" / "articles.csv"


def test_csv_with_text_column_reads_rows_and_reports_bad_ones():
    arts, errors = split(iter_articles([CSV]))
    assert [a.meta.title for a in arts] == ["Council caves to lobby", "Strike called off"]
    assert arts[1].text.endswith('said the deal was "a victory for common sense".')
    assert (arts[1].meta.byline, arts[1].meta.date) == ("Ode Brann", "2024-05-10")
    assert [a.meta.path for a in arts] == [f"{CSV}#2", f"{CSV}#5"]  # the line each row starts on
    assert [str(e) for e in errors] == [
        f"{CSV}:8: row has 7 fields, the header 5 (an unquoted delimiter in the text?)",
        f"{CSV}:9: field 'text' is empty",
    ]


def test_csv_without_text_column_names_the_columns_it_has():
    path = FIXTURES / "csv" / "no_text_column.csv"
    arts, errors = split(iter_articles([path]))
    assert not arts
    assert [str(e) for e in errors] == [
        f"{path}: no text column (looked for text, body, content, article, maintext);"
        " the header has: id, headline, summary"
    ]


def test_tsv_and_semicolon_delimiters():
    tsv = read_path(FIXTURES / "csv" / "articles.tsv")[0]
    assert tsv.meta.language == "de" and tsv.text.endswith("ungeheuerlichen Lüge.")
    semi = read_path(FIXTURES / "csv" / "semicolons.csv")[0]
    assert (semi.meta.title, semi.meta.source) == ("Riverside protest grows", "Valley Times")


# --- WARC ------------------------------------------------------------------------------------

SECOND_PAGE = (
    "<html><head><title>Strike leaders branded agitators</title></head><body><article>"
    "<h1>Strike leaders branded agitators</h1>"
    "<p>Minister Halvard Oke called the dock strike a reckless stunt by paid agitators.</p>"
    "<p>The union said the claim was absurd and insulting to its members.</p>"
    "</article></body></html>"
).encode("cp1252")


def write_warc(path: Path, gz: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = [
        ("https://coastline-courier.example/greyhaven", HTML_PAGE.read_bytes(), "text/html; charset=utf-8"),
        ("https://coastline-courier.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        ("https://harbour-post.example/strike", SECOND_PAGE, "text/html; charset=windows-1252"),
    ]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "slant tests"}))
        for url, body, ctype in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": "2024-03-01T10:00:00Z"}))


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_reads_html_responses_and_skips_other_records(tmp_path, name):
    path = tmp_path / name
    write_warc(path, gz=name.endswith(".gz"))
    assert guess_format(path) == "warc"
    arts, errors = split(iter_articles([path]))
    assert not errors
    assert [a.meta.path for a in arts] == [f"{path}#2", f"{path}#4"]  # warcinfo is #1, the image #3
    first, second = arts
    assert first.meta.url == "https://coastline-courier.example/greyhaven"
    assert (first.meta.date, first.meta.byline) == ("2024-02-09", "Marta Quillfeather")
    assert second.meta.title == "Strike leaders branded agitators"
    assert second.meta.date == "2024-03-01"  # no date in the page: the WARC-Date
    assert second.text.startswith("Minister Halvard Oke called the dock strike a reckless stunt")
    assert second.meta.input_format == "warc"


def test_truncated_warc_gz_keeps_earlier_articles_and_names_the_record(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, gz=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 200])  # inside the last record
    arts, errors = split(iter_articles([cut]))
    assert [a.meta.path for a in arts] == [f"{cut}#2"]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{cut}#4: truncated archive: the file ends")


def test_broken_warc_record_stops_with_an_error_naming_it(tmp_path):
    path = tmp_path / "broken.warc"
    write_warc(path, gz=False)
    data = path.read_bytes()
    fourth = data.index(b"WARC/1.0", data.index(b"logo.png"))  # header of record 4
    path.write_bytes(data[:fourth] + b"WARX/1.0" + data[fourth + 8 :])
    arts, errors = split(iter_articles([path]))
    assert [a.meta.path for a in arts] == [f"{path}#2"]
    assert len(errors) == 1 and str(errors[0]).startswith(f"{path}#4: broken WARC record")


def test_file_that_is_not_a_warc_is_refused(tmp_path):
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(gzip.compress(b"just some words, not an archive\n" * 5))
    assert [str(e) for e in iter_articles([path])] == [
        f"{path}: not a WARC file (it does not start with a WARC/1.x or ARC header)"
    ]


# --- shared-task layouts ---------------------------------------------------------------------


def test_ptc_layout_keeps_the_file_text_and_bom_so_gold_offsets_apply():
    path = TASKS / "ptc" / "articles" / "article1001.txt"
    assert guess_format(path) == "ptc"
    art = read_path(path)[0]
    assert art.text == path.read_bytes().decode("utf-8") and art.text.startswith("\ufeffHarbour Deal")
    assert art.meta.title == "Harbour Deal Exposed as a Shameless Giveaway"
    assert (art.meta.extra["doc_id"], art.meta.language, art.meta.input_format) == ("1001", "en", "ptc")
    assert art.paragraphs[0].start == 1  # the paragraph spans leave the BOM out
    words = ["shameless giveaway", "the Velmora cartel", "betrayed every family",
             "Only a fool would believe the council's glossy promises"]
    labels = (TASKS / "ptc" / "labels" / "article1001.task2-TC.labels").read_text().splitlines()
    assert [art.text[int(line.split("\t")[2]) : int(line.split("\t")[3])] for line in labels] == words


def test_ptc_layout_gives_one_paragraph_a_line_after_segmenter():
    art = slant.load()(TASKS / "ptc" / "articles" / "article1001.txt")
    paras = [art.span_text(p) for p in art.paragraphs]
    assert len(paras) == 5  # the title, then one sentence a line
    assert paras[0] == "Harbour Deal Exposed as a Shameless Giveaway"  # no BOM in the span
    assert paras[-1] == "Everyone knows the real reason – said fisherman Orrin Thale."


def test_semeval2023_paragraphs_are_the_organisers_lines():
    art = read_path(TASKS / "semeval2023" / "ge" / "train-articles-subtask-3" / "article2001.txt")[0]
    lines = [art.text.count("\n", 0, p.start) + 1 for p in art.paragraphs]
    assert lines == [1, 3, 5, 6]  # the subheading on line 5 is not merged with line 6
    assert art.span_text(art.paragraphs[2]) == "Verrat an den Steuerzahlern"


def test_semeval2023_layout_language_and_split_from_folders():
    ge = read_path(TASKS / "semeval2023" / "ge" / "train-articles-subtask-3" / "article2001.txt")[0]
    assert (ge.meta.language, ge.meta.input_format) == ("de", "semeval2023")
    assert ge.meta.extra == {"doc_id": "2001", "split": "train"}
    assert ge.meta.title == "Berlin schweigt zum Skandal um die Hafenmilliarden"
    po = read_path(TASKS / "semeval2023" / "po" / "dev-articles-subtask-1" / "article3001.txt")[0]
    assert (po.meta.language, po.meta.extra["split"]) == ("pl", "dev")


def test_semeval2025_layout_uses_the_file_name_as_id():
    path = TASKS / "semeval2025" / "train" / "EN" / "raw-documents" / "EN_UA_900001.txt"
    art = read_path(path)[0]
    assert art.meta.extra == {"doc_id": "EN_UA_900001.txt", "split": "train"}
    assert art.text.startswith("\ufeffKremlin hawks")
    assert art.meta.title == "Kremlin hawks cheer as grain corridor collapses"  # stripped; the text is not
    bg = read_path(TASKS / "semeval2025" / "dev" / "BG" / "subtask-1-documents" / "BG_900002.txt")[0]
    assert (bg.meta.language, bg.meta.input_format, bg.meta.extra["split"]) == ("bg", "semeval2025", "dev")


def test_task_file_that_is_not_utf8_is_refused():
    with pytest.raises(InputError, match="not UTF-8"):
        parse_task_file("Caf\u00e9 story".encode("latin-1"), Path("articles/article9.txt"), "ptc")


def test_align_gold_spans_reads_offsets_counted_with_crlf_line_ends():
    text = "Title\n\nFirst line here.\nThe traitors sold the port.\n"
    crlf = text.replace("\n", "\r\n")
    start = crlf.index("traitors")
    gold = [(start, start + len("traitors") - 1)]  # end-inclusive, counted on the CRLF original
    where = text.index("traitors")
    assert align_gold_spans(text, gold, ["traitors"], end_inclusive=True) == [(where, where + 8)]
    assert align_gold_spans(text, [(start, start + 8)]) == [(where, where + 8)]
    assert align_gold_spans(crlf, [(start, start + 8)]) == [(start, start + 8)]  # a CRLF file: as written


@pytest.mark.shared_data
def test_gold_offsets_slice_the_annotated_words_in_shared_data(shared_data):
    """20 random gold spans of each corpus, read through the readers: the offsets slice the words."""
    rng = random.Random(2025)
    ptc = shared_data / "ptc-semeval2020"
    labels = sorted((ptc / "labels").glob("*.labels"))
    checked = 0
    for lab in rng.sample(labels, 20):
        line = rng.choice(lab.read_text().splitlines())
        _, _, s, e = line.split("\t")
        art = read_path(ptc / "articles" / f"{lab.name.split('.')[0]}.txt")[0]
        piece = art.text[int(s) : int(e)]
        assert piece and piece == piece.strip() and len(piece) == int(e) - int(s), (lab.name, piece)
        checked += 1
    # SemEval-2023 English: offsets as written.
    en = shared_data / "semeval2023-task3" / "en"
    for lab in rng.sample(sorted((en / "train-labels-subtask-3-spans").glob("*.txt")), 20):
        lines = [ln for ln in lab.read_text().splitlines() if ln.count("\t") >= 3]
        if not lines:
            continue
        _, _, s, e = rng.choice(lines).split("\t")[:4]
        art = read_path(en / "train-articles-subtask-3" / f"{lab.name.split('-')[0]}.txt")[0]
        assert art.meta.input_format == "semeval2023"
        piece = art.text[int(s) : int(e)]
        assert piece and piece == piece.strip(), (lab.name, piece)
        checked += 1
    # SemEval-2023 subtask 3 labels paragraphs by line: the reader's paragraphs are those lines.
    by_article: dict[str, set[int]] = {}
    for line in (en / "train-labels-subtask-3.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        by_article.setdefault(fields[0], set()).add(int(fields[1]))
    for aid in rng.sample(sorted(by_article), 20):
        art = read_path(en / "train-articles-subtask-3" / f"article{aid}.txt")[0]
        assert {art.text.count("\n", 0, p.start) + 1 for p in art.paragraphs} == by_article[aid], aid
    # SemEval-2025 subtask 1 gives the entity string: check it exactly (end-inclusive offsets).
    en25 = shared_data / "semeval2025-task10" / "train" / "EN"
    rows = [ln.split("\t") for ln in (en25 / "subtask-1-annotations.txt").read_text(encoding="utf-8").splitlines()]
    by_doc: dict[str, list[list[str]]] = {}
    for row in rows:
        by_doc.setdefault(row[0], []).append(row)
    for doc in rng.sample(sorted(by_doc), 20):
        art = read_path(en25 / "raw-documents" / doc)[0]
        assert art.meta.extra["doc_id"] == doc
        spans = [(int(r[2]), int(r[3])) for r in by_doc[doc]]
        surfaces = [r[1] for r in by_doc[doc]]
        aligned = align_gold_spans(art.text, spans, surfaces, end_inclusive=True)
        assert [art.text[s:e] for s, e in aligned] == surfaces, doc
        checked += 1
    assert checked >= 50


# --- folders and going on past failures ------------------------------------------------------


def test_mixed_folder_reads_every_format(tmp_path):
    shutil.copy(HTML_PAGE, tmp_path / "page.html")
    shutil.copy(CSV, tmp_path / "table.csv")
    shutil.copy(FIXTURES / "text" / "cp1252_article.txt", tmp_path / "note.txt")
    write_warc(tmp_path / "crawl.warc.gz", gz=True)
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # no readable suffix: skipped
    arts, errors = split(iter_articles([tmp_path]))
    assert sorted({a.meta.input_format for a in arts}) == ["csv", "html", "text", "warc"]
    assert len(arts) == 1 + 2 + 1 + 2
    assert all("table.csv" in str(e) for e in errors)  # only the CSV's own bad rows


def test_folder_with_nothing_readable_is_an_input_error(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("A hidden file is not read.")
    errors = list(iter_articles([tmp_path]))
    assert len(errors) == 1 and isinstance(errors[0], InputError)
    assert str(errors[0]).startswith(f"{tmp_path}: no readable article in this folder")


def test_iter_articles_goes_on_past_failures(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_text("")
    broken = tmp_path / "broken.html"
    broken.write_bytes(b"<html>\x00\x01\x02 a binary file with an .html name")
    items = list(iter_articles([tmp_path / "missing.txt", empty, broken, HTML_PAGE, JSONL]))
    kinds = [type(i).__name__ for i in items]
    assert kinds[:4] == ["InputError", "InputError", "InputError", "Article"]
    assert str(items[0]) == f"{tmp_path / 'missing.txt'}: no such file or directory"
    assert str(items[1]) == f"{empty}: empty file"
    assert str(items[2]) == f"{broken}: binary file (NUL bytes), not text"
    assert kinds[4:].count("Article") == 3  # the JSONL's good records after the failures
