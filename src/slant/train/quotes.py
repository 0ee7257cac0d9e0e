"""``slant train quotes``: harvest the attribution cue lexicon from PolNeAR train.

The quotes analyser's rules (:mod:`slant.analysers.quotes`) read reported speech off the parse:
a cue verb, its subject (the source) and the clause or object it governs (the content). Which verbs
cue an attribution is learned here from the data: every gold cue of PolNeAR train
(:func:`slant.tasks.corpora.polnear`) is tagged with spaCy and its main verb's lemma counted; so
is every verb of the training texts outside quotation marks (a verb inside one is never a cue to
the analyser). A lemma's *precision* is the share of its verb occurrences
that are a gold cue. Written to ``src/slant/data/attribution-cues.tsv`` (lemma, cue count, verb
count, precision, object occurrences, object precision; see :func:`harvest`), which the analyser loads; lemmas seen fewer than ``min_count`` times as a cue
are left out. Only train is read: dev stays for ``slant eval quotes``.

Notes: the cue-lexicon approach follows Pareti (2012) and Newell, Margolin & Ruths (2018), whose
PolNeAR is the corpus read here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

LEXICON = Path(__file__).resolve().parents[1] / "data" / "attribution-cues.tsv"


def _object(t):
    """What a verb governs that is not a clause: its infinitive, object or prepositional object
    (the analyser's object path, :meth:`slant.analysers.quotes.QuoteFinder._reported`)."""
    if any(c.dep_ == "ccomp" for c in t.children):
        return None
    obj = next((c for c in t.children if c.dep_ in ("xcomp", "dobj") and c.i > t.i), None)
    if obj is None:
        prep = next((c for c in t.children if c.dep_ == "prep" and c.i == t.i + 1), None)
        obj = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None) if prep is not None else None
    return obj


def harvest(items, nlp, min_count: int = 3) -> list[tuple]:
    """(lemma, as cue, as verb, precision, object seen, object precision) for every verb lemma
    that cues at least ``min_count`` gold attributions of ``items`` (PolNeAR articles), most
    frequent first. *Object precision*: of the lemma's occurrences that govern an object rather
    than a clause ("promised military assistance", "told reporters"), the share whose object lies
    in the content of an attribution the verb cues (so "told reporters", whose object is the
    addressee, scores low)."""
    from ..analysers.quotes import quote_marks
    from ..tasks.corpora import task_lines

    as_cue: Counter[str] = Counter()
    as_verb: Counter[str] = Counter()
    obj_seen: Counter[str] = Counter()
    obj_hit: Counter[str] = Counter()
    texts = [it.article.text for it in items]
    for it, doc in zip(items, nlp.pipe(texts, batch_size=16), strict=True):
        cue_tokens: dict[int, list[tuple[int, int]]] = {}
        for g in it.attributions:
            for s, e in g.cue:
                span = doc.char_span(s, e, alignment_mode="expand")
                if span is None:
                    continue
                verb = next((t for t in span if t.pos_ == "VERB"), None)
                if verb is not None:
                    cue_tokens.setdefault(verb.i, []).extend(g.content)
        quoted = [(a, b) for p in task_lines(it.article.text)[0] for a, b in quote_marks(it.article.text, p.start, p.end)]
        for t in doc:
            # A verb inside a quotation is what someone said, and the analyser never reads it as a
            # cue: it is not counted either way.
            if t.pos_ == "VERB" and not any(a <= t.idx < b for a, b in quoted):
                lemma = t.lemma_.lower()
                as_verb[lemma] += 1
                if t.i in cue_tokens:
                    as_cue[lemma] += 1
                obj = _object(t) if doc.has_annotation("DEP") else None
                if obj is not None:
                    obj_seen[lemma] += 1
                    a, b = doc[obj.left_edge.i].idx, doc[obj.right_edge.i].idx + len(doc[obj.right_edge.i])
                    obj_hit[lemma] += any(min(b, e) > max(a, s) for s, e in cue_tokens.get(t.i, ()))
    rows = [(lem, n, as_verb[lem], n / as_verb[lem], obj_seen[lem], obj_hit[lem] / obj_seen[lem] if obj_seen[lem] else 0.0)
            for lem, n in as_cue.items() if n >= min_count]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def write_lexicon(rows, path: Path = LEXICON) -> None:
    lines = ["lemma\tas_cue\tas_verb\tprecision\tobject_seen\tobject_precision"] + [
        f"{lem}\t{n}\t{v}\t{p:.3f}\t{os_}\t{op:.3f}" for lem, n, v, p, os_, op in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def train(data_dir: Path, out_dir: Path | None = None, min_count: int = 3, **options) -> None:
    from ..analysers import parse
    from ..tasks.corpora import polnear

    nlp = parse.load_nlp(parse.MODEL)
    items = polnear(data_dir, split="train")
    with nlp.select_pipes(disable=[p for p in ("ner",) if p in nlp.pipe_names]):
        rows = harvest(items, nlp, min_count)
    path = Path(out_dir) / LEXICON.name if out_dir else LEXICON
    write_lexicon(rows, path)
    print(f"{len(rows)} cue lemmas from {len(items)} PolNeAR train articles -> {path}")
