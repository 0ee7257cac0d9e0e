"""The plain-text reader: title, byline/date line, repeated title, body offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

import slant
from slant.errors import InputError
from slant.readers import read_path
from slant.readers.plain import parse_plain


def test_shared_example_gives_title_date_and_ten_paragraphs(shared_example):
    art = slant.load()(shared_example)
    assert art.meta.title == "Why do the West believe that Putin lost in Belarus?"
    assert art.meta.date == "2020-09-21"
    assert art.meta.language == "en"
    assert art.text.startswith("As the protest sentiment in the streets of Belarus")
    assert "By |" not in art.text and "Why do the West believe" not in art.text
    assert len(art.paragraphs) == 10
    for s in art.sentences:
        piece = art.text[s.start : s.end]
        assert piece and piece == piece.strip()
        assert art.paragraphs[s.paragraph].start <= s.start < s.end <= art.paragraphs[s.paragraph].end
    assert art.text[art.sentences[-1].start : art.sentences[-1].end].startswith("– emphasized the member")


def test_own_sample_reads_byline_author_and_date(sample_path):
    art = slant.load()(sample_path)
    assert art.meta.title == "Why does Brussels pretend the Varnia harbour deal is a triumph?"
    assert art.meta.byline == "Tomas Reiter"
    assert art.meta.date == "2023-03-14"
    assert len(art.paragraphs) == 7
    assert art.text.startswith("While dockworkers")


@pytest.mark.parametrize(
    "line, byline, date",
    [
        ("By | September 21, 2020", None, "2020-09-21"),
        ("By Ana Petrova | 3 March 2021", "Ana Petrova", "2021-03-03"),
        ("Published 2022-11-05 10:30", None, "2022-11-05"),
        ("Sept. 9, 2019", None, "2019-09-09"),
        ("By Lena Moor", "Lena Moor", None),
    ],
)
def test_byline_and_date_lines(line, byline, date):
    art = parse_plain(f"A headline about a harbour\n\n{line}\n\nThe body starts here. It goes on.")
    assert (art.meta.byline, art.meta.date) == (byline, date)
    assert art.text == "The body starts here. It goes on."


def test_text_without_title_keeps_everything():
    raw = "The minister spoke today. Critics were furious.\n\nA second paragraph follows."
    art = parse_plain(raw)
    assert art.meta.title is None
    assert art.text == raw


def test_a_body_sentence_after_the_title_is_not_taken_for_a_byline():
    art = parse_plain("Harbour strike enters third week\n\nBy the evening of March 3, 2023 the strikers had blocked every gate and the port stood still.")
    assert art.meta.date is None
    assert art.text.startswith("By the evening")


def test_given_title_is_dropped_where_the_body_repeats_it():
    from slant.article import Meta

    art = parse_plain("Harbour deal signed\n\nThe deal was signed.", meta=Meta(title="Harbour deal signed"))
    assert art.text == "The deal was signed."


def test_windows_newlines_and_odd_spaces_are_normalised(tmp_path: Path):
    p = tmp_path / "crlf.txt"
    p.write_bytes("Headline here\r\n\r\n\r\nFirst\u00a0 paragraph.\r\nSame  paragraph.\r\n\r\nSecond.\r\n".encode())
    (art,) = read_path(p)
    assert art.text == "First paragraph.\nSame paragraph.\n\nSecond."


def test_latin1_file_is_decoded(tmp_path: Path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Caf\u00e9 owners protest\n\nThe caf\u00e9 owners of S\u00e8te said the r\u00e9forme is a disaster for everyone who works here.".encode("cp1252"))
    (art,) = read_path(p)
    assert "café owners of Sète" in art.text


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty file"), (b"   \n\n ", "empty file"), (b"\x00\x01\x02binary\x00data" * 50, "binary")],
)
def test_unreadable_text_files(tmp_path: Path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=reason) as exc:
        read_path(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB, sparse: cheap to make
    with pytest.raises(InputError, match="too large"):
        read_path(p)


def test_language_is_detected():
    fr = parse_plain("Le gouvernement a annoncé que la réforme des retraites sera votée avant la fin de l'année, malgré les grèves qui se poursuivent dans tout le pays.")
    de = parse_plain("Die Regierung hat angekündigt, dass die Reform noch in diesem Jahr beschlossen wird, obwohl die Streiks im ganzen Land weitergehen.")
    en = parse_plain("The government announced that the reform will be passed this year, despite the strikes that go on across the country.")
    assert (fr.meta.language, de.meta.language, en.meta.language) == ("fr", "de", "en")


# --- titles over two lines, datelines ----------------------------------------------------------


def test_a_title_wrapped_over_two_lines_is_kept_whole():
    """Where blank lines separate paragraphs, a single line break is a wrap: the heading's second
    line is part of the title, not the first line of the body."""
    art = parse_plain("Why do the West believe that Putin\nlost in Belarus?\n\nBy | September 21, 2020\n"
                      "Why do the West believe that Putin\nlost in Belarus?\n\nAs the protest sentiment grew, "
                      "the Kremlin stayed silent.\n\nA second paragraph.")
    assert art.meta.title == "Why do the West believe that Putin lost in Belarus?"
    assert art.meta.date == "2020-09-21"
    assert art.text == "As the protest sentiment grew, the Kremlin stayed silent.\n\nA second paragraph."


def test_where_every_line_is_a_paragraph_the_title_is_the_first_line_only():
    art = parse_plain("Harbour strike enters third week\nDockworkers blocked every gate on Monday.\n"
                      "The minister called them saboteurs.")
    assert art.meta.title == "Harbour strike enters third week"
    assert art.text.startswith("Dockworkers blocked")


@pytest.mark.parametrize("second", ["By Lena Moor", "The deal was signed on Monday by both sides."])
def test_a_byline_or_a_sentence_under_the_title_is_not_part_of_it(second):
    art = parse_plain(f"Harbour deal signed\n{second}\n\nThe body starts here. It goes on.")
    assert art.meta.title == "Harbour deal signed"


def test_a_given_title_wrapped_in_the_text_is_dropped_whole():
    from slant.article import Meta

    art = parse_plain("Harbour deal signed after\nweeks of talks\n\nThe deal was signed.",
                      meta=Meta(title="Harbour deal signed after weeks of talks"))
    assert art.text == "The deal was signed."


@pytest.mark.parametrize("dateline", ["WASHINGTON \u2014", "WASHINGTON (AP) \u2014", "KYIV, Ukraine (AP) \u2014",
                                      "NEW YORK --"])
@pytest.mark.parametrize("gap", ["\n\n", "\n"])
def test_a_dateline_on_its_own_line_opens_the_first_paragraph(dateline, gap):
    art = slant.load(analysers=["segment"])(
        parse_plain(f"Senate passes the budget\n\n{dateline}{gap}The Senate passed the budget on Friday. "
                    "Critics called it reckless.\n\nThe House votes next week."))
    assert art.text.startswith(f"{dateline} The Senate passed the budget")
    assert len(art.paragraphs) == 2  # not a paragraph of its own
    first = art.text[art.sentences[0].start:art.sentences[0].end]
    assert first.startswith(dateline) and first.endswith("on Friday.")  # nor a sentence of its own
    assert art.meta.extra["dateline"] == dateline.rstrip(" -\u2014")


def test_an_inline_dateline_is_recorded_and_an_acronym_opening_a_sentence_is_not():
    art = parse_plain("Budget passes\n\nWASHINGTON (AP) \u2014 The Senate passed the budget on Friday.")
    assert art.text.startswith("WASHINGTON (AP) \u2014 The Senate")
    assert art.meta.extra["dateline"] == "WASHINGTON (AP)"
    art = parse_plain("Summit ends\n\nNATO \u2014 the alliance of 31 states \u2014 closed its summit on Friday.")
    assert "dateline" not in art.meta.extra
