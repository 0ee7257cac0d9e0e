"""The technique taxonomy as data: names, categories, colours and the mapping to SemEval-2020."""

import pytest

from slant import taxonomy
from slant.errors import SlantError


def test_twenty_three_techniques_in_six_categories():
    tax = taxonomy.load()
    assert len(tax) == 23
    assert set(tax.categories) == {
        "Attack on reputation", "Justification", "Simplification", "Distraction", "Call", "Manipulative wording"
    }
    assert {t.category for t in tax.techniques} == set(tax.categories)
    assert all(t.definition.endswith(".") for t in tax.techniques)


def test_spelled_as_in_the_2023_label_files():
    names = set(taxonomy.names())
    for n in ("Name_Calling-Labeling", "Appeal_to_Fear-Prejudice", "False_Dilemma-No_Choice",
              "Obfuscation-Vagueness-Confusion", "Exaggeration-Minimisation", "Flag_Waving", "Doubt"):
        assert n in names


def test_mapping_to_the_fourteen_2020_labels():
    tax = taxonomy.load()
    assert len(tax.semeval2020_labels) == 14
    assert tax.to_semeval2020("Name_Calling-Labeling") == "Name_Calling,Labeling"
    assert tax.to_semeval2020("False_Dilemma-No_Choice") == "Black-and-White_Fallacy"
    assert tax.to_semeval2020("Conversation_Killer") == "Thought-terminating_Cliches"
    assert tax.to_semeval2020("Appeal_to_Fear-Prejudice") == "Appeal_to_fear-prejudice"
    # obfuscation was dropped from the 2020 task; the new 2023 techniques have no counterpart
    assert tax.to_semeval2020("Obfuscation-Vagueness-Confusion") is None
    assert tax.to_semeval2020("Appeal_to_Values") is None
    assert sorted(tax.from_semeval2020("Whataboutism,Straw_Men,Red_Herring")) == [
        "Appeal_to_Hypocrisy", "Red_Herring", "Straw_Man", "Whataboutism"]


def test_colour_follows_the_category():
    tax = taxonomy.load()
    assert tax.colour("Loaded_Language") == tax.colour("Repetition") == tax.colours["Manipulative wording"]
    assert tax.colour("Doubt") != tax.colour("Slogans")


def test_normalise_repairs_a_typo_and_refuses_garbage():
    tax = taxonomy.load()
    assert tax.normalise("Appeal_to_Fear-Prejudi-čce") == "Appeal_to_Fear-Prejudice"
    assert tax.normalise(" Doubt ") == "Doubt"
    with pytest.raises(SlantError):
        tax.normalise("Totally_Made_Up")
