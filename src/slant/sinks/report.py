"""The terminal report: one readable page per article, showing every layer that is present.

Layout: a header with the metadata, the text paragraph by paragraph with its spans highlighted
(techniques coloured by coarse category and tagged with the technique; quotes underlined; actor
mentions in bold), then one table per layer. Layers that are empty are left out, so the report
grows with the pipeline and needs no change when an analyser is added. Analysers the pipeline did
not run for the article's language are named on one line under the header, with the reason, so an
absent table never reads as "nothing found".

Every piece of the article or its metadata goes to rich as a ``Text``, never as a string, which rich
would read as console markup ("a string of [mass] shootings" would lose "[mass]"). Techniques,
frames and narratives are shown by their human names, and excerpts are cut at a word boundary with
an ellipsis (``slant.display``). The actors table fits 100 columns: the sentences that cast each
actor in its role are a table of their own below it, a line or two each.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO

from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..analysers.claims import POSITIVE as CLAIM
from ..article import Article
from ..display import ACTORS_SHOWN, human_label, plural, shorten

_FALLBACK_COLOURS = ["red", "magenta", "yellow", "cyan", "green", "blue", "bright_red", "bright_magenta"]
_EXCERPT = 90


def technique_style(technique: str) -> tuple[str, str]:
    """(coarse category, rich colour) of a technique; uses the packaged taxonomy when present."""
    try:
        from .. import taxonomy

        return taxonomy.category_of(technique), taxonomy.colour_of(technique)
    except (ImportError, AttributeError, KeyError):
        return "", _FALLBACK_COLOURS[sum(map(ord, technique)) % len(_FALLBACK_COLOURS)]


class ReportSink:
    def __init__(self, fh: TextIO, to_terminal: bool = False, width: int | None = None):
        self.console = Console(
            file=fh,
            force_terminal=to_terminal or None,
            no_color=not to_terminal,
            width=width or (None if to_terminal else 100),
            highlight=False,
            soft_wrap=False,
        )
        self.count = 0

    def write(self, article: Article) -> None:
        if self.count:
            self.console.print()
        self.console.print(render(article))
        self.count += 1

    def close(self) -> None:
        pass


def render(art: Article) -> Group:
    parts: list = [_header(art)]
    note = not_run_line(art)
    if note:
        parts.append(Text(note, style="yellow"))
    parts.append(Rule("Text", align="left"))
    parts.extend(_paragraphs(art))
    for section in (
        _techniques_table,
        _paragraph_techniques_table,
        _labels_table,
        _actors_table,
        _quotes_table,
        _relations_table,
        _sentence_scores_table,
        _claims_table,
        _llm_section,
    ):
        table = section(art)
        if table is not None:
            parts.append(table)
    return Group(*parts)


def _header(art: Article) -> Panel:
    m = art.meta
    title = Text(m.title or "(untitled)", style="bold")
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="dim")
    rows.add_column()
    for key, value in (
        ("date", m.date),
        ("byline", m.byline),
        ("source", m.source),
        ("url", m.url),
        ("language", m.language),
        ("file", m.path),
        ("id", m.id),
    ):
        if value:
            rows.add_row(key, Text(str(value)))
    words = len(art.text.split())
    rows.add_row("size", f"{plural(len(art.paragraphs), 'paragraph')}, {plural(len(art.sentences), 'sentence')}, "
                         f"{plural(words, 'word')}")
    layers = list(dict.fromkeys(p.layer for p in art.provenance if p.status == "ran"))  # labels has several writers
    if layers:
        rows.add_row("layers", ", ".join(layers))
    return Panel(Group(title, rows), title="slant", title_align="left", border_style="dim")


def not_run_line(art: Article) -> str:
    """"not run for this article's language (uk): techniques, genre — no model for Ukrainian
    (English only); entities, actors — no spaCy pipeline for Ukrainian", or "" when every
    analyser ran."""
    groups = art.not_run()
    if not groups:
        return ""
    language = f" ({art.meta.language})" if art.meta.language else ""
    return f"not run for this article's language{language}: " + "; ".join(
        f"{', '.join(names)} — {reason}" for reason, names in groups)


def _paragraphs(art: Article) -> list[Text]:
    """Each paragraph with its spans highlighted and techniques tagged at the span end."""
    paras = art.paragraphs or ([_whole(art)] if art.text else [])
    tags_at: dict[int, list[tuple[str, str]]] = defaultdict(list)
    styles: list[tuple[int, int, str]] = []
    for t in art.techniques:
        _cat, colour = technique_style(t.technique)
        styles.append((t.start, t.end, f"{colour} reverse" if t.confidence >= 0.5 else colour))
        tags_at[t.end].append((t.technique, colour))
    for q in art.quotes:
        styles.append((q.start, q.end, "underline"))
    for e in art.entities:
        styles.append((e.start, e.end, "bold"))
    out = []
    for i, p in enumerate(paras):
        line = Text(f"¶{i + 1} ", style="dim")
        body = Text()
        cursor = p.start
        # Cut the paragraph at every tag position so the tags can be inserted inline.
        cuts = sorted({pos for pos in tags_at if p.start < pos < p.end} | {p.end})
        pieces = []
        for pos in cuts:
            pieces.append((cursor, pos))
            cursor = pos
        for a, b in pieces:
            seg = Text(art.text[a:b])
            for s, e, style in styles:
                lo, hi = max(s, a), min(e, b)
                if lo < hi:
                    seg.stylize(style, lo - a, hi - a)
            body.append_text(seg)
            for name, colour in tags_at.get(b, []):
                body.append(f"[{human_label(name)}]", style=f"{colour} italic")
        line.append_text(body)
        badges = _paragraph_badges(art, i)
        if badges:
            line.append("  ")
            line.append_text(badges)
        out.append(line)
    return out


def _whole(art: Article):
    from ..article import Span

    return Span(start=0, end=len(art.text))


def _paragraph_badges(art: Article, index: int) -> Text | None:
    for pt in art.paragraph_techniques:
        if pt.paragraph == index and pt.techniques:
            t = Text()
            for name in sorted(pt.techniques, key=pt.techniques.get, reverse=True):
                _cat, colour = technique_style(name)
                t.append(f" {human_label(name)} ", style=f"{colour} reverse")
                t.append(" ")
            return t
    return None


def _excerpt(art: Article, start: int, end: int, width: int = _EXCERPT) -> str:
    return shorten(art.text[start:end], width)


def _techniques_table(art: Article) -> Table | None:
    if not art.techniques:
        return None
    t = Table(title="Persuasion techniques", title_justify="left", expand=False)
    for col in ("¶", "technique", "category", "conf.", "text"):
        t.add_column(col)
    for s in sorted(art.techniques, key=lambda s: (s.start, -s.end)):
        cat, colour = technique_style(s.technique)
        t.add_row(str(s.paragraph + 1), Text(human_label(s.technique), style=colour), Text(cat),
                  f"{s.confidence:.2f}", Text(_excerpt(art, s.start, s.end)))
    return t


def _paragraph_techniques_table(art: Article) -> Table | None:
    rows = [pt for pt in art.paragraph_techniques if pt.techniques]
    if not rows or art.techniques:  # with spans present, the badges beside each paragraph suffice
        return None
    t = Table(title="Techniques by paragraph", title_justify="left")
    t.add_column("¶")
    t.add_column("techniques")
    for pt in rows:
        t.add_row(str(pt.paragraph + 1), Text(", ".join(f"{human_label(k)} {v:.2f}" for k, v in pt.techniques.items())))
    return t


def _labels_table(art: Article) -> Table | None:
    labels = [lab for lab in art.labels if lab.task != "subjectivity"]  # shown with the sentences
    if not labels:
        return None
    t = Table(title="Document labels", title_justify="left")
    for col in ("task", "label", "score", "evidence"):
        t.add_column(col)
    for lab in sorted(labels, key=lambda l: (l.task, -l.score)):
        ev = "\n".join(f"“{_excerpt(art, e.start, e.end)}”" for e in lab.evidence[:3])
        t.add_row(Text(lab.task), Text(human_label(lab.label)), f"{lab.score:.2f}", Text(ev))
    return t


def _actors_table(art: Article) -> Group | Table | None:
    if not art.actors:
        return None
    counts: dict[int, int] = defaultdict(int)
    for m in art.entities:
        counts[m.actor] += 1
    from ..analysers.roles import PLACE_TYPES

    cast = any(a.evidence for a in art.actors)  # the roles analyser ran: show the sentences that cast them
    # With roles, a place the roles analyser left uncast is where the story happens ("the meeting in
    # Sochi"), not an actor: one line under the table instead of a row.
    settings = [a for a in art.actors if cast and not a.role and a.type in PLACE_TYPES]
    caption = "settings, places the story only happens in: " + ", ".join(
        f"{a.name} ({counts[a.id]})" for a in sorted(settings, key=lambda a: -counts[a.id])) if settings else None
    ranked = sorted((a for a in art.actors if a not in settings), key=lambda a: (not a.role, -counts[a.id]))
    # A page with hundreds of names: the actors that matter (a role, then mentions) get rows, the
    # rest one line (the JSON keeps them all).
    shown, folded = ranked[:ACTORS_SHOWN], ranked[ACTORS_SHOWN:]
    if folded:
        names = ", ".join(a.name for a in folded[:8]) + (", …" if len(folded) > 8 else "")
        more = f"{plural(len(folded), 'more actor')}, mentioned less: {names} (all in --format json)"
        caption = f"{caption}\n{more}" if caption else more
    t = Table(title="Actors", title_justify="left", caption=Text(caption) if caption else None,
              caption_justify="left")
    # The name is what a reader looks for: never squeezed below its longest word (or 24 columns).
    name_width = min(24, max((len(w) for a in shown for w in a.name.split()), default=5))
    t.add_column("actor", min_width=max(5, name_width), overflow="fold")
    t.add_column("type", no_wrap=True)
    t.add_column("role", no_wrap=True)
    t.add_column("fine roles")
    t.add_column("mentions", justify="right", no_wrap=True)
    t.add_column("aliases")
    for a in shown:
        # the role with its probability: the roles model is weak (README), so its doubt is shown
        role = f"{a.role} {a.scores[a.role]:.2f}" if a.role and a.role in a.scores else (a.role or "")
        for c in a.castings[1:]:  # cast another way too (a victim here, a villain there): both shown
            role += f"\nalso {c.role} {c.scores.get(c.role, 0):.2f}"
        t.add_row(Text(a.name), Text(a.type or ""), Text(role), Text(", ".join(a.fine_roles)), str(counts[a.id]),
                  Text(", ".join(a.aliases)))
    if not cast:
        return t
    # The sentences that cast each actor: a table of two columns, so that each reads across the page.
    why = Table(title="Cast by (the sentences behind each role)", title_justify="left")
    why.add_column("actor", min_width=max(5, name_width), overflow="fold")
    why.add_column("sentence", ratio=1)
    for a in shown:
        for k, e in enumerate(a.evidence):
            why.add_row(Text(a.name if k == 0 else ""), Text(f"“{_excerpt(art, e.start, e.end, 160)}”"))
        for c in a.castings[1:]:
            for k, e in enumerate(c.evidence):
                why.add_row(Text(f"  as {c.role}" if k == 0 else ""), Text(f"“{_excerpt(art, e.start, e.end, 160)}”"))
    return Group(t, why) if why.row_count else t


def _actor_name(art: Article, index: int) -> str:
    for a in art.actors:
        if a.id == index:
            return a.name
    return "?"


def _quotes_table(art: Article) -> Table | None:
    if not art.quotes:
        return None
    t = Table(title="Quotes", title_justify="left")
    for col in ("speaker", "cue", "kind", "quote"):
        t.add_column(col)
    for q in art.quotes:
        if q.speaker >= 0:
            speaker = _actor_name(art, q.speaker)
        elif q.speaker_span is not None:
            speaker = art.span_text(q.speaker_span)
        else:
            speaker = "?"
        t.add_row(Text(speaker), Text(q.cue_text or ""), q.kind, Text(_excerpt(art, q.start, q.end)))
    return t


def _relations_table(art: Article) -> Table | None:
    if not art.relations:
        return None
    from ..graph import strongest

    t = Table(title="Who does what to whom (strongest relations)", title_justify="left")
    for col in ("subject", "predicate", "object", "sentences", "first sentence"):
        t.add_column(col)
    for e in strongest(art, 20):
        pred = ("not " if e.negated else "") + e.predicate
        k = e.sentences[0] if e.sentences else -1
        first = _excerpt(art, art.sentences[k].start, art.sentences[k].end) if 0 <= k < len(art.sentences) else ""
        t.add_row(Text(_actor_name(art, e.subject)), Text(pred), Text(_actor_name(art, e.object)), str(e.weight),
                  Text(first))
    return t


def _llm_section(art: Article) -> Table | None:
    """What the LLM said (slant.llm): explanations with their quoted evidence, second opinions,
    what it replaced, and the errors of uses that produced nothing."""
    if not art.llm:
        return None
    t = Table(title=Text(f"LLM reader ({art.llm[0].model}; never mixed into the layers above unless replaced)"),
              title_justify="left")
    for col in ("use", "about", "says", "evidence"):
        t.add_column(col)
    for r in art.llm:
        about = Text(" ".join(human_label(x) if x == r.label else x for x in (r.target, r.label) if x))
        if r.error and not r.text:
            says = Text(f"error: {r.error}", style="red")
        else:
            says = Text(((r.verdict + ": ") if r.verdict else "") + r.text)
        ev = "\n".join(f"“{_excerpt(art, e.start, e.end)}” [{e.start}:{e.end}]" for e in r.evidence[:3])
        t.add_row(r.use, about, says, Text(ev))
    return t


def _subjectivity_line(art: Article) -> str:
    """'Subjective sentences: 40% of the article; by paragraph ¶1 0%, ¶2 50%, ...'."""
    whole = [lab for lab in art.labels if lab.task == "subjectivity" and lab.paragraph < 0]
    paras = sorted((lab for lab in art.labels if lab.task == "subjectivity" and lab.paragraph >= 0),
                   key=lambda lab: lab.paragraph)
    if not whole:
        return ""
    by_para = ", ".join(f"¶{lab.paragraph + 1} {lab.score:.0%}" for lab in paras)
    return f"subjective sentences: {whole[0].score:.0%} of the article" + (f"; by paragraph {by_para}" if by_para else "")


def _sentence_scores_table(art: Article) -> Table | None:
    if not art.subjectivity:
        return None
    t = Table(title="Sentences: subjectivity (top 5)", title_justify="left",
              caption=_subjectivity_line(art) or None, caption_justify="left")
    for col in ("layer", "label", "score", "sentence"):
        t.add_column(col)
    for s in sorted(art.subjectivity, key=lambda s: -s.score)[:5]:
        t.add_row("subjectivity", Text(s.label), f"{s.score:.2f}", Text(_excerpt(art, s.start, s.end)))
    return t


CLAIMS_SHOWN = 10


def _claims_table(art: Article) -> Table | Text | None:
    """The sentences the claims head marks check-worthy (CheckThat! 2024), strongest first."""
    if not art.has("claims"):
        return None
    worthy = sorted((c for c in art.claims if c.label == CLAIM), key=lambda c: -c.score)
    if not worthy:
        return Text(f"Check-worthy claims: none of {plural(len(art.claims), 'sentence')}", style="dim")
    more = len(worthy) - CLAIMS_SHOWN
    t = Table(title=f"Check-worthy claims: {len(worthy)} of {plural(len(art.claims), 'sentence')}",
              title_justify="left", caption=f"and {more} more" if more > 0 else None, caption_justify="left")
    for col in ("score", "¶", "sentence"):
        t.add_column(col)
    for c in worthy[:CLAIMS_SHOWN]:
        para = art.sentences[c.sentence].paragraph if 0 <= c.sentence < len(art.sentences) else -1
        t.add_row(f"{c.score:.2f}", str(para + 1) if para >= 0 else "", Text(_excerpt(art, c.start, c.end)))
    return t
