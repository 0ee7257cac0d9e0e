"""``slant eval techniques --lang xx``: the organisers' dev split of a language, scored with the
official rules beside the organisers' baseline output; both kinds of ``split.json``."""

from __future__ import annotations

import json

import pytest

from slant.cli import main
from slant.errors import SlantError
from slant.tasks import techniques

TEXTS = [
    "Le gouvernement ment encore\n\nCes traîtres ont vendu le pays.\nLe conseil a voté mardi.\n",
    "Un scandale honteux\n\nLa marionnette de Bruxelles parle encore.\nIl pleuvait à Lyon.\n",
]


@pytest.fixture()
def french_dev(tmp_path):
    base = tmp_path / "semeval2023-task3" / "fr"
    (base / "dev-articles-subtask-3").mkdir(parents=True)
    (base / "dev-labels-subtask-3-spans").mkdir()
    gold = []
    for k, text in enumerate(TEXTS):
        doc = str(500 + k)
        (base / "dev-articles-subtask-3" / f"article{doc}.txt").write_text(text, encoding="utf-8")
        word = "traîtres" if k == 0 else "marionnette"
        at = text.index(word)
        (base / "dev-labels-subtask-3-spans" / f"article{doc}-labels-subtask-3.txt").write_text(
            f"{doc}\tName_Calling-Labeling\t{at}\t{at + len(word)}\n", encoding="utf-8")
        gold += [f"{doc}\t1\t", f"{doc}\t3\tName_Calling-Labeling", f"{doc}\t4\t"]
    (base / "dev-labels-subtask-3.txt").write_text("\n".join(gold) + "\n", encoding="utf-8")
    baselines = tmp_path / "semeval2023-task3" / "baselines"
    baselines.mkdir()
    # the baseline finds the first article's label and adds a wrong one: P 1/2, R 1/2
    (baselines / "baseline-output-subtask3-dev-fr.txt").write_text(
        "500\t3\tName_Calling-Labeling\n501\t4\tDoubt\n", encoding="utf-8")
    return tmp_path


def test_the_baseline_output_is_scored_against_the_same_gold(french_dev):
    from slant.tasks import corpora

    tasks = corpora.semeval2023_techniques(french_dev, "fr", "dev")
    base = techniques.baseline_scores(french_dev, tasks, "fr")
    assert base["paragraph_micro"].f1 == pytest.approx(0.5)
    assert techniques.baseline_scores(french_dev, tasks, "ru") is None


def test_eval_techniques_in_french_prints_slant_beside_the_baseline(french_dev, capsys):
    code = main(["eval", "techniques", "--lang", "fr", "--data", str(french_dev)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Persuasion techniques, French, dev (organisers') split: 2 articles, 6 paragraphs")
    assert "0.500 (organisers' baseline output, same articles)" in out


def test_unknown_or_unlabelled_languages_are_one_line_errors(french_dev, capsys):
    for args, words in ((["--lang", "es"], "es, gr and ka have no labels"),
                        (["--lang", "de"], "en, fr, ge, it, po, ru"),):
        code = main(["eval", "techniques", "--data", str(french_dev), *args])
        _, err = capsys.readouterr()
        assert code != 0 and words in err and len(err.strip().splitlines()) == 1
    code = main(["eval", "roles", "--lang", "fr", "--data", str(french_dev)])
    _, err = capsys.readouterr()
    assert code != 0 and "roles is scored in English only so far" in err


def test_both_kinds_of_split_file(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"seed": 1, "train": ["1"], "dev": ["2"], "test": ["3"]}))
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"seed": 1, "langs": {"en": {"train": ["1"], "val": ["2"], "eval": ["3"]},
                                                   "fr": {"train": ["7"], "val": ["8"], "eval": ["9"]}}}))
    assert techniques.split_ids(old, "dev") == techniques.split_ids(new, "dev") == {"2"}
    assert techniques.split_ids(old, "test") == techniques.split_ids(new, "test") == {"3"}
    assert techniques.split_ids(new, "val", "fr") == {"8"}
    with pytest.raises(SlantError, match="no 'val' part for French"):
        techniques.split_ids(old, "val", "fr")
