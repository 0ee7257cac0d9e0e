"""The actor graph of an article, and writers for it: JSON, GraphML and Graphviz DOT.

Nodes are the article's actors (name, type, role, fine roles, number of mentions); edges are its
relations merged by (subject, predicate, object), weighted by how many sentences state them and
keeping those sentences as evidence. GraphML and DOT are written by hand (both are small text
formats), so no graph library is needed; the GraphML opens in Gephi, yEd and networkx
(``networkx.read_graphml``), the DOT in Graphviz.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from .article import Article
from .errors import SlantError

FORMATS = ("json", "graphml", "dot")


@dataclass
class Edge:
    subject: int
    predicate: str
    object: int
    negated: bool
    weight: int = 0
    sentences: list[int] = field(default_factory=list)  # indices into Article.sentences


def edges(art: Article) -> list[Edge]:
    """Relations merged by (subject, predicate, object), in order of first appearance."""
    merged: dict[tuple[int, str, int], Edge] = {}
    for r in art.relations:
        key = (r.subject, r.predicate, r.object)
        e = merged.get(key)
        if e is None:
            e = merged[key] = Edge(r.subject, r.predicate, r.object, r.negated)
        e.weight += 1
        if r.sentence not in e.sentences:
            e.sentences.append(r.sentence)
    return list(merged.values())


def strongest(art: Article, n: int = 10) -> list[Edge]:
    """The ``n`` heaviest edges (most sentences), ties broken by first appearance: the report's
    "strongest relations"."""
    es = edges(art)
    order = {id(e): i for i, e in enumerate(es)}
    return sorted(es, key=lambda e: (-e.weight, order[id(e)]))[:n]


def mention_counts(art: Article) -> dict[int, int]:
    counts: dict[int, int] = {}
    for m in art.entities:
        if m.actor >= 0:
            counts[m.actor] = counts.get(m.actor, 0) + 1
    return counts


def to_dict(art: Article) -> dict:
    """Plain data of the graph: {"article", "nodes": [...], "edges": [...]}."""
    counts = mention_counts(art)
    nodes = [
        {"id": a.id, "name": a.name, "type": a.type, "aliases": list(a.aliases), "role": a.role,
         "fine_roles": list(a.fine_roles), "mentions": counts.get(a.id, 0)}
        for a in art.actors
    ]
    out_edges = []
    for e in edges(art):
        out_edges.append({
            "source": e.subject, "target": e.object, "predicate": e.predicate, "negated": e.negated,
            "weight": e.weight,
            "evidence": [art.span_text(art.sentences[i]) for i in e.sentences if 0 <= i < len(art.sentences)],
        })
    return {"article": art.meta.id, "title": art.meta.title, "nodes": nodes, "edges": out_edges}


def write_json(art: Article, out: TextIO) -> None:
    json.dump(to_dict(art), out, ensure_ascii=False, indent=2)
    out.write("\n")


_NODE_KEYS = (("name", "string"), ("type", "string"), ("role", "string"), ("fine_roles", "string"),
              ("aliases", "string"), ("mentions", "int"))
_EDGE_KEYS = (("predicate", "string"), ("negated", "boolean"), ("weight", "int"), ("evidence", "string"))


def write_graphml(art: Article, out: TextIO) -> None:
    g = to_dict(art)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for name, kind in _NODE_KEYS:
        out.write(f'  <key id="{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n')
    for name, kind in _EDGE_KEYS:
        out.write(f'  <key id="{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>\n')
    out.write(f'  <graph id={quoteattr(g["article"] or "article")} edgedefault="directed">\n')
    for n in g["nodes"]:
        out.write(f'    <node id="a{n["id"]}">\n')
        values = {"name": n["name"], "type": n["type"], "role": n["role"] or "",
                  "fine_roles": "; ".join(n["fine_roles"]), "aliases": "; ".join(n["aliases"]),
                  "mentions": str(n["mentions"])}
        for name, _ in _NODE_KEYS:
            out.write(f'      <data key="{name}">{escape(values[name])}</data>\n')
        out.write("    </node>\n")
    for i, e in enumerate(g["edges"]):
        out.write(f'    <edge id="e{i}" source="a{e["source"]}" target="a{e["target"]}">\n')
        values = {"predicate": e["predicate"], "negated": "true" if e["negated"] else "false",
                  "weight": str(e["weight"]), "evidence": " | ".join(e["evidence"])}
        for name, _ in _EDGE_KEYS:
            out.write(f'      <data key="{name}">{escape(values[name])}</data>\n')
        out.write("    </edge>\n")
    out.write("  </graph>\n</graphml>\n")


def _dot_str(s: str) -> str:
    """``s`` as a quoted DOT string; a line break becomes DOT's own ``\n`` (a centred new line)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_SHAPES = {"PERSON": "ellipse", "ORG": "box", "GPE": "hexagon", "NORP": "octagon"}
_ROLE_COLOURS = {"Protagonist": "#2b8a3e", "Antagonist": "#c92a2a", "Innocent": "#1971c2"}


def write_dot(art: Article, out: TextIO) -> None:
    g = to_dict(art)
    out.write(f"digraph {_dot_str(g['title'] or g['article'] or 'article')} {{\n")
    out.write("  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
    for n in g["nodes"]:
        label = n["name"] + (f"\n{n['role']}" if n["role"] else "")
        attrs = [f"label={_dot_str(label)}", f"shape={_SHAPES.get(n['type'], 'ellipse')}"]
        if n["role"] in _ROLE_COLOURS:
            attrs.append(f'color="{_ROLE_COLOURS[n["role"]]}"')
        out.write(f"  a{n['id']} [{', '.join(attrs)}];\n")
    for e in g["edges"]:
        attrs = [f"label={_dot_str(e['predicate'])}", f"penwidth={min(1 + e['weight'], 6)}"]
        if e["negated"]:
            attrs.append("style=dashed")
        out.write(f"  a{e['source']} -> a{e['target']} [{', '.join(attrs)}];\n")
    out.write("}\n")


WRITERS: dict[str, Callable[[Article, TextIO], None]] = {
    "json": write_json, "graphml": write_graphml, "dot": write_dot,
}


def write(art: Article, fmt: str, out: TextIO) -> None:
    """Write the actor graph of ``art`` to ``out`` in ``fmt`` (json, graphml or dot)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise SlantError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    writer(art, out)
