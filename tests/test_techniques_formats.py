"""Submission formats of the technique tasks: paragraph numbering, writers, the 2020 mapping."""

import io
from pathlib import Path

import pytest

from slant.tasks import corpora, formats, techniques
from slant.article import Article, ParagraphTechniques, TechniqueSpan
from slant.errors import SlantError

FIX = Path(__file__).parent / "fixtures" / "techniques"


def test_task_lines_number_non_empty_lines_from_one():
    text = "Title\nSubtitle\n\nFirst paragraph.\n\n\n  Indented one.  \n"
    spans, numbers = corpora.task_lines(text)
    assert numbers == [1, 2, 4, 7]
    assert [text[s.start:s.end] for s in spans] == ["Title", "Subtitle", "First paragraph.", "Indented one."]


def test_task_lines_skip_whitespace_but_not_bom_only_lines():
    # the organisers' templates list a line holding only U+FEFF, but not one of spaces
    spans, numbers = corpora.task_lines("\ufeff\nTitle\n   \nBody")
    assert numbers == [1, 2, 4]


def test_st3_rows_and_writer():
    art = Article(text="A\n\nB\n\nC")
    art.paragraphs, numbers = corpora.task_lines(art.text)
    art.paragraph_techniques = [
        ParagraphTechniques(paragraph=0, techniques={}),
        ParagraphTechniques(paragraph=1, techniques={"Loaded_Language": 0.9, "Name_Calling-Labeling": 0.7}),
    ]
    out = io.StringIO()
    n = techniques.write_st3(techniques.st3_rows("42", art, numbers), out)
    assert n == 3
    # techniques in taxonomy order, empty set written as an empty third column
    assert out.getvalue() == "42\t1\t\n42\t3\tName_Calling-Labeling,Loaded_Language\n42\t5\t\n"


def test_flc_rows_map_to_2020_labels_and_drop_the_unmapped():
    art = Article(text="x" * 50)
    art.techniques = [
        TechniqueSpan(start=0, end=5, technique="False_Dilemma-No_Choice", confidence=0.8),
        TechniqueSpan(start=10, end=20, technique="Straw_Man", confidence=0.6),
        TechniqueSpan(start=10, end=20, technique="Red_Herring", confidence=0.6),  # same 2020 label
        TechniqueSpan(start=30, end=40, technique="Appeal_to_Values", confidence=0.9),  # none in 2020
    ]
    out = io.StringIO()
    assert techniques.write_flc(techniques.flc_rows("7", art), out) == 2
    assert out.getvalue() == "7\tBlack-and-White_Fallacy\t0\t5\n7\tWhataboutism,Straw_Men,Red_Herring\t10\t20\n"


def test_article_files_and_ids():
    files = techniques._article_files([FIX / "articles"])
    assert [techniques._doc_id(f) for f in files] == ["9001", "9002"]
    with pytest.raises(SlantError):
        techniques._article_files([FIX / "nowhere"])


def test_task_articles_keep_text_exact():
    arts = techniques._task_articles([FIX / "articles"], "semeval2023")
    doc, art, numbers = arts[0]
    assert doc == "9001"
    assert art.text == (FIX / "articles" / "article9001.txt").read_text("utf-8")
    assert numbers == [1, 2, 4, 6, 9]
    assert art.text[art.paragraphs[1].start:art.paragraphs[1].end] == "A subtitle sits right under the headline"


def test_tc_template_reader(tmp_path):
    rows = techniques.read_tc_template(FIX / "tc-template.txt")
    assert rows[0] == ("9001", 77, 96)
    text = (FIX / "articles" / "article9001.txt").read_text("utf-8")
    assert text[77:96] == "so-called reformers"
    bad = tmp_path / "bad.txt"
    bad.write_text("9001\tstart\tend\n")
    with pytest.raises(SlantError, match="bad.txt:1"):
        techniques.read_tc_template(bad)


def test_tc_needs_a_template():
    with pytest.raises(SlantError, match="--template"):
        formats.predict("semeval2020-tc", [FIX / "articles"], io.StringIO())


@pytest.mark.shared_data
@pytest.mark.parametrize("lang,split", [("en", "train"), ("en", "test"), ("fr", "test"), ("ge", "test"),
                                        ("it", "test"), ("po", "test"), ("ru", "test")])
def test_line_numbers_match_the_organisers_template(shared_data, lang, split):
    """Every (id, line) of an organisers' template is a paragraph of task_lines, and back.

    (The non-English *training* templates leave out the title line of some articles, unlike their
    test templates; submissions follow the test templates, checked here.)"""
    base = shared_data / "semeval2023-task3" / lang
    template = base / f"{split}-labels-subtask-3.template"
    if not template.is_file():
        pytest.skip(f"no {template}")
    want = {}
    for row in template.read_text("utf-8").splitlines():
        doc, line, *_ = row.split("\t")
        want.setdefault(doc, []).append(int(line))
    arts = techniques._task_articles([base / f"{split}-articles-subtask-3"], "semeval2023")
    assert len(arts) == len(want)
    bad = [doc for doc, _, numbers in arts if numbers != want[doc]]
    assert not bad, f"line numbering differs from the template for {len(bad)} articles, e.g. {bad[:3]}"
