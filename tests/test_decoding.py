"""Decoding: UTF-8 with a few bad bytes is read as UTF-8 and said so; a legacy encoding is taken only
when the whole file reads better that way; never a silent mojibake.

The files are written by the tests, byte by byte, from small texts; the shared example and the saved
news pages (../shared) are the real inputs, and the tests that read them skip when they are absent.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from slant.cli import main
from slant.errors import DecodeWarning
from slant.readers import read_path
from slant.readers.html import declared_charset
from slant.text import decode

SHARED = Path(__file__).resolve().parents[2] / "shared"
NEWS_PAGES = SHARED / "data" / "news-pages"

# Dashes and curly quotes: what a legacy code page turns into mojibake first ("‚Äì" for "–").
DASHED = ("Harbour talks collapse\n\n"
          "The minister \u2013 who had promised a deal \u2013 left the talks early.\n\n"
          "\u201cWe will not sign,\u201d said the union\u2019s chairman. Nobody expected more.\n")


def _decoded(data: bytes, source: str = "t.txt") -> tuple[str, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = decode(data, source)
    return text, [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)]


def test_a_stray_latin1_byte_in_utf8_is_replaced_and_reported():
    good = DASHED.encode("utf-8")
    at = good.index(b"left")
    text, said = _decoded(good[:at] + b"\xe9" + good[at:])
    assert text == DASHED[:DASHED.index("left")] + "\ufffd" + DASHED[DASHED.index("left"):]
    assert said == [f"t.txt: 1 byte not valid UTF-8, the first at byte offset {at}; "
                    "read as UTF-8 with it replaced by U+FFFD (\ufffd)"]


def test_invalid_bytes_in_ascii_text_are_not_read_as_a_legacy_code_page():
    """b"\\xff\\xfe\\xc3(" once came out as "ÿþÃ(" without a word: three accented letters with no
    unaccented one beside them are not Windows-1252 text."""
    data = b"Officials said the port would reopen.\n\nThe strike \xff\xfe\xc3( ended on Monday after talks."
    text, said = _decoded(data)
    assert "strike \ufffd\ufffd\ufffd( ended" in text and "\u00ff" not in text
    first = data.index(b"\xff")
    assert said == [f"t.txt: 3 bytes not valid UTF-8, the first at byte offset {first}; "
                    "read as UTF-8 with each replaced by U+FFFD (\ufffd)"]


def test_a_windows_1252_file_is_read_as_such_without_a_warning():
    raw = ("Caf\u00e9 owners in S\u00e8te protest\n\nThe caf\u00e9 owners of S\u00e8te say the \u201creckless\u201d "
           "levy \u2013 voted on Monday \u2013 will ruin them, and they will take it \u00e0 la mairie.")
    text, said = _decoded(raw.encode("cp1252"))
    assert text == raw and said == []


def test_a_legacy_file_with_a_few_utf8_sequences_says_they_may_be_mojibake():
    raw = ("Caf\u00e9 owners in S\u00e8te protest against the levy on the quay, which the mayor defends. "
           "The owners of every caf\u00e9 in S\u00e8te say the r\u00e9forme will ruin them this summer.")
    data = raw.encode("cp1252") + " The mayor\u2019s office declined to comment.".encode("utf-8")
    text, said = _decoded(data)
    assert text.startswith("Caf\u00e9 owners in S\u00e8te")
    assert said == ["t.txt: read as cp1252, which most of it is; 1 UTF-8 sequence in it may show as mojibake"]


def test_cyrillic_in_a_legacy_code_page_is_still_detected():
    raw = ("\u041c\u0438\u043d\u0438\u0441\u0442\u0440 \u0412\u043e\u043b\u043a\u043e\u0432 \u043d\u0430\u0437\u0432\u0430\u043b "
           "\u043f\u0440\u043e\u0442\u0435\u0441\u0442\u0443\u044e\u0449\u0438\u0445 \u00ab\u043f\u043b\u0430\u0442\u043d\u044b\u043c\u0438 "
           "\u043f\u0440\u043e\u0432\u043e\u043a\u0430\u0442\u043e\u0440\u0430\u043c\u0438\u00bb. \u041e\u043f\u043f\u043e\u0437\u0438\u0446\u0438\u044f "
           "\u0442\u0440\u0435\u0431\u0443\u0435\u0442 \u043e\u0442\u0441\u0442\u0430\u0432\u043a\u0438 \u043c\u0438\u043d\u0438\u0441\u0442\u0440\u0430.")
    text, said = _decoded(raw.encode("cp1251"))
    assert text == raw and said == []


def test_the_cli_warns_once_per_file_and_exits_zero(tmp_path, capsys):
    good = DASHED.encode("utf-8")
    bad = tmp_path / "stray.txt"
    bad.write_bytes(good.replace(b"early", b"early\xe9"))
    clean = tmp_path / "clean.txt"
    clean.write_bytes(good)
    code = main(["analyze", str(bad), str(clean), "-f", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.strip().splitlines() == [
        f"slant: warning: {bad}: 1 byte not valid UTF-8, the first at byte offset {good.index(b'early') + 5}; "
        "read as UTF-8 with it replaced by U+FFFD (\ufffd)"]
    arts = [json.loads(line) for line in out.splitlines()]
    assert arts[0]["meta"]["title"] == arts[1]["meta"]["title"] == "Harbour talks collapse"
    assert "\u2013 who had promised a deal \u2013" in arts[0]["text"]


def test_the_shared_example_with_a_stray_byte_keeps_its_dashes_quotes_and_speakers(shared_example, tmp_path, capsys):
    data = shared_example.read_bytes()
    at = data.index(b"Putin\xe2\x80\x99s speech") + len("Putin\u2019s".encode())
    stray = tmp_path / "belarus-stray.txt"
    stray.write_bytes(data[:at] + b"\xe9" + data[at:])
    analysers = "segment,entities,actors,quotes"
    code = main(["analyze", str(shared_example), str(stray), "-f", "jsonl", "-a", analysers])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.strip().splitlines() == [
        f"slant: warning: {stray}: 1 byte not valid UTF-8, the first at byte offset {at}; "
        "read as UTF-8 with it replaced by U+FFFD (\ufffd)"]
    clean, read = (json.loads(line) for line in out.splitlines())
    assert read["text"].count("\u2013") == clean["text"].count("\u2013") == 7
    assert "\u201a\u00c4" not in read["text"]  # no "‚Äì": the file was not read as mac_roman

    def quotes(art: dict) -> list[tuple[str, str]]:
        names = [a["name"] for a in art["actors"]]
        return [(art["text"][q["start"]:q["end"]], names[q["speaker"]] if q.get("speaker", -1) >= 0 else "")
                for q in art["quotes"] if q["kind"] == "direct"]

    # the three dash quotes, the same in both (the indirect attributions around them too)
    assert len(quotes(read)) == 3 and quotes(read) == quotes(clean)
    assert len(read["quotes"]) == len(clean["quotes"])
    actor_names = {a["name"] for a in read["actors"]}
    assert "Alexander Lukashenko" in actor_names and not any("\u00c4" in n for n in actor_names)


@pytest.fixture
def news_pages() -> Path:
    if not NEWS_PAGES.is_dir():
        pytest.skip(f"saved news pages not found at {NEWS_PAGES}")
    return NEWS_PAGES


def test_every_saved_news_page_decodes_without_a_warning(news_pages):
    """45 real pages: UTF-8 ones as UTF-8, the two ISO-8859-1 ones (an Austrian and a German paper)
    in their declared charset, none with a replaced byte."""
    legacy = []
    for page in sorted(news_pages.glob("*.html")):
        data = page.read_bytes()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            text = decode(data, page.name, declared=declared_charset(data))  # as the HTML reader does
        assert not [w for w in caught if issubclass(w.category, DecodeWarning)] and "\ufffd" not in text, page.name
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            legacy.append(page.name)
    assert legacy == ["0b96fc66e2c94f45a1b923ec9a31fcf2.html", "badische-zeitung.de-Wohnungssuche.html"]


def test_a_latin1_news_page_reads_its_umlauts(news_pages):
    (art,) = read_path(news_pages / "badische-zeitung.de-Wohnungssuche.html")
    assert "f\u00fcrs Studium" in art.text and "\u00c3" not in art.text


def test_a_csv_file_is_streamed_in_the_encoding_its_first_bytes_decide(tmp_path):
    """A CSV is streamed, so its encoding is settled on its first 64 kB, by the same rules: UTF-8
    with a stray byte stays UTF-8 (read as Windows-1252 every dash was "â€“"), and says so."""
    from slant.readers import iter_articles

    rows = "".join(f'"Story {i}","The minister \u2013 again \u2013 said no, for the {i}th time."\n' for i in range(5))
    data = ("title,text\n" + rows).encode("utf-8").replace(b"again", b"ag\xe9in", 1)
    path = tmp_path / "feed.csv"
    path.write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arts = list(iter_articles([path]))
    assert [a.meta.title for a in arts] == [f"Story {i}" for i in range(5)]
    assert all("\u2013" in a.text and "\u00e2\u20ac" not in a.text for a in arts)
    assert arts[0].text.startswith("The minister \u2013 ag\ufffdin \u2013")
    at = data.index(b"\xe9")
    assert [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)] == [
        f"{path}: 1 byte not valid UTF-8 in its first {len(data):,} bytes, the first at byte offset {at}; "
        "read as UTF-8 with it replaced by U+FFFD (\ufffd)"]
