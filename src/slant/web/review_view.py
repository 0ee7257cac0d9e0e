"""The article page's review: the corrected article, what the analysts changed, and what the page's
correcting tools (``static/review.js``) need.

A stored article's page shows the corrected article (``slant.corrections.replay`` of the stored one)
by default and the model's original on request (``?original=1``); the model's output is never
changed. What an analyst confirmed or changed is marked on the page: spans accepted, added or
relabelled, actors recast, merged or split, quotes given a speaker, labels set. Marks are read off
the corrections that were applied, in order, so a later correction overrides an earlier one as it
does in the corrected article.

Everything here is plain data for the template (which escapes it) and for the page's JSON block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysers.roles import TAXONOMY as ROLES
from ..article import Article
from ..corrections import LABEL_TASKS, Correction, Replay, label_vocabulary
from ..display import human_label, shorten
from .view import sentence_of, technique_info

SpanKey = tuple[int, int, str]


@dataclass
class Marks:
    """What the analysts did to the corrected article, by the objects' names in it."""

    spans: dict[SpanKey, dict] = field(default_factory=dict)  # (start, end, technique) -> {op, author, from?}
    actors: dict[str, dict] = field(default_factory=dict)  # actor name -> {op, author}
    quotes: dict[tuple[int, int], dict] = field(default_factory=dict)  # (start, end) -> {op, author}
    labels: dict[tuple[str, str], dict] = field(default_factory=dict)  # (task, label) -> {op, author}


def marks(applied: list[Correction]) -> Marks:
    out = Marks()
    for c in applied:
        t, a = c.target or {}, c.after or {}
        who = {"op": c.op, "author": c.author or ""}
        try:
            if c.layer == "techniques":
                key = (t.get("start"), t.get("end"), t.get("technique"))
                if c.op == "accept":
                    out.spans[key] = who
                elif c.op == "reject":
                    out.spans.pop(key, None)
                elif c.op == "relabel":
                    out.spans.pop(key, None)
                    new = (a.get("start", key[0]), a.get("end", key[1]), a.get("technique"))
                    out.spans[new] = {**who, "from": key[2]}
                elif c.op == "add":
                    out.spans[(a.get("start"), a.get("end"), a.get("technique"))] = who
            elif c.layer == "actors" and c.op in ("role", "fine_roles", "merge", "split"):
                out.actors[str(t.get("name"))] = who
                if c.op in ("merge", "split") and isinstance(a.get("name"), str):
                    out.actors[a["name"].strip()] = who
            elif c.layer == "quotes" and c.op == "speaker":
                out.quotes[(t.get("start"), t.get("end"))] = who
            elif c.layer == "labels" and c.op == "set":
                if t.get("task") == "genre":
                    out.labels = {k: v for k, v in out.labels.items() if k[0] != "genre"}
                out.labels[(str(t.get("task")), str(a.get("label")))] = who
            elif c.layer == "labels" and c.op == "remove":
                out.labels.pop((str(t.get("task")), str(t.get("label"))), None)
        except TypeError:  # a target of an unexpected shape (the store checked it): no mark
            continue
    return out


# --- the history, in words ---------------------------------------------------------------------


def _quoted(text: str, span: object, limit: int = 60) -> str:
    if isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
        return "\u201c" + shorten(text[span["start"]:span["end"]], limit) + "\u201d"
    return ""


def _tech(name: object) -> str:
    return technique_info().get(str(name), {}).get("label") or human_label(str(name))


def describe(c: Correction, text: str) -> str:
    """One correction in words, for the page's history: what it changed, from what, to what."""
    t, a, b = c.target or {}, c.after or {}, c.before
    if c.op == "review":
        task = t.get("task")
        return f"reviewed {task or c.layer}: nothing to change"
    if c.layer == "techniques":
        if c.op == "add":
            return f"added {_tech(a.get('technique'))} {_quoted(text, a)}"
        if c.op == "relabel":
            where = a if "start" in a else t
            return f"{_tech(t.get('technique'))} \u2192 {_tech(a.get('technique'))} {_quoted(text, where)}"
        return f"{'accepted' if c.op == 'accept' else 'rejected'} {_tech(t.get('technique'))} {_quoted(text, t)}"
    if c.layer == "actors":
        name = t.get("name")
        if c.op == "role":
            was = (b or {}).get("role") if isinstance(b, dict) else None
            now = a.get("role") or "no role"
            fines = f" ({', '.join(a['fine_roles'])})" if a.get("fine_roles") else ""
            return f"{name}: {was or 'no role'} \u2192 {now}{fines}"
        if c.op == "fine_roles":
            return f"{name}: fine roles {', '.join(a.get('fine_roles') or []) or 'none'}"
        if c.op == "merge":
            return f"{name} merged into {a.get('name')}"
        if c.op == "split":
            n = len(a.get("mentions") or [])
            return f"{a.get('name') or 'a new actor'} split off {name} ({n} mention{'s' if n != 1 else ''})"
    if c.layer == "quotes" and c.op == "speaker":
        if a.get("actor") is not None:
            who = a.get("name")
        elif isinstance(a.get("span"), dict):
            who = _quoted(text, a["span"], 40)
        else:
            who = "no speaker"
        return f"speaker of {_quoted(text, t)} \u2192 {who}"
    if c.layer == "labels":
        if c.op == "set":
            return f"{t.get('task')}: {human_label(str(a.get('label')))}"
        if c.op == "remove":
            return f"{t.get('task')}: removed {human_label(str(t.get('label')))}"
    return c.describe()


def history_view(original: Article, past: list[Correction], rp: Replay) -> list[dict]:
    skipped = {id(c): why for c, why in rp.skipped}
    return [{"seq": c.seq, "author": c.author or "", "when": (c.created_at or "")[:16].replace("T", " "),
             "layer": c.layer, "op": c.op, "what": describe(c, original.text), "note": c.note or "",
             "skipped": skipped.get(id(c))} for c in past]


# --- the page ----------------------------------------------------------------------------------


def page(original: Article, past: list[Correction], rp: Replay, show_original: bool) -> dict:
    """The review part of a stored article's page: the bar's state, the history and, for the
    corrected view, the marks and the data of the correcting tools."""
    authors = list(dict.fromkeys(c.author or "" for c in past))
    return {"article": original.meta.id, "version": max((c.seq or 0 for c in past), default=0),
            "original": show_original, "count": len(past), "authors": authors,
            "reviewed": sorted(x for x in rp.reviewed if ":" not in x), "skipped": len(rp.skipped),
            "history": history_view(original, past, rp),
            "marks": Marks() if show_original else marks(rp.applied)}


def mention_context(art: Article, start: int, end: int, room: int = 28) -> str:
    """The words around a mention, to tell "Berg" from "Berg" when choosing mentions to split off."""
    left = art.text[max(0, start - room):start].split("\n")[-1]
    right = art.text[end:end + room].split("\n")[0]
    if start - room > 0 and " " in left:
        left = "\u2026" + left[left.index(" ") + 1:]
    if end + room < len(art.text) and " " in right:
        right = right[:right.rindex(" ")] + "\u2026"
    return f"{left}[{art.text[start:end]}]{right}"


def tools_data(art: Article, review: dict) -> dict:
    """What review.js needs to build its tools: the article's version, the vocabularies (23
    techniques, roles and fine roles, the label heads' labels), and the actors, quotes and labels
    of the corrected article as corrections name them."""
    mentions: dict[int, list[dict]] = {}
    for m in art.entities:
        if m.actor >= 0:
            mentions.setdefault(m.actor, []).append({"start": m.start, "end": m.end, "text": art.text[m.start:m.end],
                                                     "context": mention_context(art, m.start, m.end),
                                                     "sentence": sentence_of(art, m.start)})
    vocab = label_vocabulary()
    labels: dict[str, list[str]] = {}
    for lab in art.labels:
        if lab.paragraph < 0 and lab.task in LABEL_TASKS:
            labels.setdefault(lab.task, []).append(lab.label)
    return {
        "article": review["article"], "version": review["version"],
        "techniques": list(technique_info()),
        "roles": {k: list(v) for k, v in ROLES.items()},
        "actors": [{"index": i, "name": a.name, "role": a.role, "fine_roles": a.fine_roles,
                    "mentions": mentions.get(i, [])} for i, a in enumerate(art.actors)],
        "quotes": [{"start": q.start, "end": q.end, "speaker": q.speaker} for q in art.quotes],
        "tasks": list(LABEL_TASKS), "labels": labels,
        "vocab": {task: [{"name": x, "label": human_label(x)} for x in sorted(vocab.get(task, ()))]
                  for task in LABEL_TASKS},
    }


def decorate(ctx: dict, art: Article, review: dict) -> None:
    """Put the review's marks on the page's plain data: spans, actors, quotes and labels an
    analyst confirmed or changed, and the tools' data (corrected view only)."""
    mk: Marks = review["marks"]
    for t in ctx["data"]["techniques"]:
        by = mk.spans.get((t["start"], t["end"], t["technique"]))
        if by is not None:
            t["by"] = by
    for a in ctx["actors"]:
        a["fixed"] = mk.actors.get(a["name"])
    for q in ctx["quotes"]:
        q["fixed"] = mk.quotes.get((q["start"], q["end"]))
    for task, items in ctx["labels"].items():
        for item in items:
            item["fixed"] = mk.labels.get((task, item["name"]))
    if not review["original"]:
        ctx["data"]["review"] = tools_data(art, review)


def confirmed_spans(art: Article, review: dict | None) -> set[int]:
    """Indices of the corrected article's spans an analyst accepted, added or relabelled."""
    if review is None:
        return set()
    mk: Marks = review["marks"]
    return {i for i, t in enumerate(art.techniques) if (t.start, t.end, t.technique) in mk.spans}
