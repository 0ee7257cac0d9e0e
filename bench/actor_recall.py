"""Actor recall: how many of the entities a news analyst annotated the actors layer finds.

    python bench/actor_recall.py [--split train] [--lang EN] [--limit N] [--misses 20]

Gold: SemEval-2025 Task 10 subtask 1 (Piskorski et al., 2025), ``../shared/data/semeval2025-task10``:
every entity mention the organisers gave a role (Protagonist, Antagonist, Innocent), with its
character offsets (end inclusive; aligned onto the text with ``align_gold_spans``, which handles
the copy's CRLF drift). These are the mentions a story's participants are cast through, so an
actors layer that cleans away junk must still hold them.

A gold mention is *found* when a mention the actors layer grouped into an actor (``actor >= 0``)
contains it (the measure the issue asks for: the gold span falls inside a slant actor's mention),
and *touched* when such a mention overlaps it at all (gold "Bashkir people", slant "Bashkir").
Each language folder of the split is run when slant has a spaCy pipeline for it; the others are
listed as not run and why. (The task's languages are BG, EN, HI, PT, RU; slant parses English
and French, so English is the one measured.)

To measure another version of slant (the "before" of the docs), put its source first on the
path: ``PYTHONPATH=/tmp/before/src python bench/actor_recall.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "semeval2025-task10"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--split", default="train", choices=("train", "dev"))
    ap.add_argument("--lang", action="append", help="language folder (BG, EN, ...); default all")
    ap.add_argument("--limit", type=int, default=0, help="at most this many documents per language")
    ap.add_argument("--misses", type=int, default=0, help="print this many gold mentions not found")
    args = ap.parse_args()
    root = args.data / args.split
    if not root.is_dir():
        print(f"no SemEval-2025 data at {root} (the project's ../shared folder is absent)", file=sys.stderr)
        return 2

    import slant
    from slant import lang
    from slant.analysers import parse
    from slant.pipeline import load
    from slant.readers.tasks import align_gold_spans, parse_task_file
    from slant.tasks.roles import read_st1_mentions

    print(f"slant at {Path(slant.__file__).parent}")
    pipe = load(analysers=["segment", "entities", "actors"])
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        code = folder.name.lower()
        if args.lang and folder.name not in args.lang:
            continue
        labels = folder / "subtask-1-annotations.txt"
        docs_dir = folder / "raw-documents"
        if not labels.is_file() or not docs_dir.is_dir():
            continue
        reason = parse.skip_reason(code)
        if reason is not None:
            print(f"{folder.name}: not run ({reason})")
            continue
        gold: dict[str, list[tuple[str, int, int]]] = {}
        for doc, entity, start, end in read_st1_mentions(labels):
            gold.setdefault(doc, []).append((entity, start, end))
        names = sorted(gold)[: args.limit or None]
        arts = [parse_task_file((docs_dir / n).read_bytes(), docs_dir / n, "semeval2025") for n in names]
        total = inside = touched = 0
        misses = []
        for name, art in zip(names, pipe.pipe(arts), strict=True):
            rows = gold[name]
            spans = align_gold_spans(art.text, [(s, e) for _, s, e in rows], [g for g, _, _ in rows],
                                     end_inclusive=True)
            grouped = [m for m in art.entities if m.actor >= 0]
            for (entity, _, _), span in zip(rows, spans, strict=True):
                if span is None:
                    continue  # not located in the text: not counted either way
                s, e = span
                total += 1
                if any(m.start <= s and e <= m.end for m in grouped):
                    inside += 1
                    touched += 1
                elif any(m.start < e and s < m.end for m in grouped):
                    touched += 1
                else:
                    misses.append((name, entity, art.text[max(0, s - 40) : e + 40].replace("\n", " / ")))
        print(f"{folder.name} ({lang.name(code)}): {len(names)} documents, {total} gold mentions; "
              f"found {inside / max(total, 1):.1%} ({inside}), touched {touched / max(total, 1):.1%} ({touched})")
        for doc, entity, ctx in misses[: args.misses]:
            print(f"  missed {entity!r} in {doc}: ...{ctx}...")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
