"""How slant shows names and text to a person: in the terminal report, the command tables, the web
pages and the charts.

- ``shorten`` cuts a text to a width at a word boundary and marks the cut with an ellipsis, so a
  shortened title or piece of evidence never ends mid-word and never passes for the whole text.
- ``shorten_middle`` keeps both ends of a long label instead: a narrative and its sub-narratives
  share their beginning ("URW: Discrediting the West, Diplomacy: ...") and differ at the end.
- ``plural`` counts in English: "1 article", "2 articles".
- ``human_label`` is the name a reader sees for a technique, frame or narrative label: the
  taxonomy's name for a technique ("Name Calling / Labeling"), the label with its underscores as
  spaces otherwise ("Legality Constitutionality and jurisprudence"), which a page can also wrap.

The stored layers, the JSON and the filters keep the labels as the tasks spell them; only what is
shown goes through here.
"""

from __future__ import annotations

ELLIPSIS = "\u2026"
# A cut goes back to the start of the word it falls in unless that word is long (a URL, a chemical
# name): then more than this many characters, or this share of the width, would be lost.
_MAX_DROP = 15
_MAX_DROP_SHARE = 0.4
_TRAILING = " ,;:\u2013\u2014-([{\u201c\u2018\"'"


def shorten(text: str, width: int) -> str:
    """``text`` on one line (runs of white space as one space), at most ``width`` characters; when it
    is longer, cut at the last word boundary that fits and ended with an ellipsis."""
    s = " ".join(text.split())
    if len(s) <= width:
        return s
    if width <= 1:
        return ELLIPSIS[:width]
    cut = s[: width - 1]
    if s[width - 1] != " ":  # the cut falls inside a word: go back to its start
        space = cut.rfind(" ")
        if space > 0 and width - space <= max(_MAX_DROP, _MAX_DROP_SHARE * width):
            cut = cut[:space]
    return cut.rstrip(_TRAILING) + ELLIPSIS


def shorten_middle(text: str, width: int) -> str:
    """``text`` at most ``width`` characters, keeping its beginning and its end, cut at word
    boundaries, with an ellipsis between them."""
    s = " ".join(text.split())
    if len(s) <= width:
        return s
    room = width - 1
    head_room = (room + 1) // 2
    head = s[:head_room]
    if s[head_room] != " " and head.rfind(" ") > 0:  # whole words; what the head gives up, the tail gets
        head = head[: head.rfind(" ")]
    head = head.rstrip(_TRAILING)
    tail_room = room - len(head)
    tail = s[len(s) - tail_room:]
    if s[len(s) - tail_room - 1] != " " and 0 <= tail.find(" ") < len(tail) - 1:
        tail = tail[tail.find(" ") + 1:]
    return head + ELLIPSIS + tail.lstrip(_TRAILING)


ACTORS_SHOWN = 20  # actors listed open in the report and on the page; the rest are folded


def plural(n: int, noun: str) -> str:
    """"1 article", "2 articles", "1,024 articles"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def human_label(name: str) -> str:
    """The name a reader sees for a technique, frame or narrative label."""
    from . import taxonomy

    tax = taxonomy.load()
    if name in tax:
        return tax[name].label
    return " ".join(name.replace("_", " ").split())


__all__ = ["ELLIPSIS", "human_label", "plural", "shorten", "shorten_middle"]
