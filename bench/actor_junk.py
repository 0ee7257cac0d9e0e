"""Junk rate of the actors layer on real news pages: the share of actors a careful reader rejects.

    python bench/actor_junk.py                 # every page in a language with a spaCy pipeline
    python bench/actor_junk.py --lang en       # English pages only
    python bench/actor_junk.py --show          # each page's actors with their verdicts
    python bench/actor_junk.py --unjudged      # only actors no verdict in the judgement file covers
    python bench/actor_junk.py --record after  # also write each page's counts under "counts" -> "after"

Reads the saved pages of ../shared/data/news-pages (trafilatura's evaluation pages, see its
SOURCE.txt) with slant's HTML reader, runs ``segment``, ``entities`` and ``actors`` on those whose
language has a spaCy pipeline (English and French), and looks each actor up in the judgements
kept beside this script, ``bench/actor_junk.json``. That file holds, per page, the verdict a
careful reader gave each actor the layer produced ("NAME [TYPE]" -> "ok" or a reason it is
junk), and the criteria those verdicts follow. An actor no verdict covers is counted apart as
*unjudged*: judge it by hand (``--unjudged`` lists them) and add it to the file before quoting a
rate.

The junk rate of a page is junk actors / all actors; the line at the end pools the pages (micro
average) and gives the mean of the page rates too, since one long page would otherwise weigh
most. To measure another version of slant (the "before" of the docs), put its source first on
the path: ``PYTHONPATH=/tmp/before/src python bench/actor_junk.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "data" / "news-pages"
JUDGEMENTS = Path(__file__).with_suffix(".json")


def key(actor) -> str:
    """How a verdict names an actor: its name and type ("Netflix [GPE]" is judged apart from
    "Netflix [ORG]", since a wrong type is one of the things a reader rejects)."""
    return f"{actor.name} [{actor.type}]"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", action="append", help="only pages in this language (repeatable)")
    ap.add_argument("--show", action="store_true", help="print every page's actors and verdicts")
    ap.add_argument("--unjudged", action="store_true", help="print only the actors without a verdict")
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--record", metavar="NAME", help="write the per-page counts into the judgement file as NAME")
    args = ap.parse_args()
    if not args.pages.is_dir():
        print(f"no pages at {args.pages} (the project's ../shared folder is absent)", file=sys.stderr)
        return 2

    import slant
    from slant.analysers import parse
    from slant.pipeline import load
    from slant.readers import read_path

    judgements = json.loads(JUDGEMENTS.read_text("utf-8")) if JUDGEMENTS.is_file() else {"pages": {}}
    verdicts = judgements["pages"]
    recorded: dict[str, dict] = {}
    pipe = load(analysers=["segment", "entities", "actors"])
    print(f"slant at {Path(slant.__file__).parent}")
    totals: dict[str, Counter] = {}
    rates: dict[str, list[float]] = {}
    for path in sorted(args.pages.glob("*.html")):
        art = read_path(path)[0]
        language = art.meta.language or "en"
        if (args.lang and language not in args.lang) or parse.skip_reason(language) is not None:
            continue
        art = pipe(art)
        judged = verdicts.get(path.name, {})
        mentions = Counter(m.actor for m in art.entities if m.actor >= 0)
        counts: Counter = Counter()
        rows = []
        for a in art.actors:
            v = judged.get(key(a))
            counts["actors"] += 1
            counts["unjudged" if v is None else "ok" if v == "ok" else "junk"] += 1
            if args.show or (args.unjudged and v is None):
                aliases = ", ".join(a.aliases[:6]) + (" ..." if len(a.aliases) > 6 else "")
                rows.append(f"  {v or '??':<12.12} {key(a)!r:40} {mentions[a.id]:>3}  {aliases}")
        rate = counts["junk"] / counts["actors"] if counts["actors"] else 0.0
        rates.setdefault(language, []).append(rate)
        totals.setdefault(language, Counter()).update(counts)
        totals[language]["pages"] += 1
        recorded[path.name] = {"language": language, "actors": counts["actors"], "junk": counts["junk"],
                               "unjudged": counts["unjudged"]}
        print(f"{path.name} [{language}] actors {counts['actors']}, junk {counts['junk']} ({rate:.0%})"
              + (f", unjudged {counts['unjudged']}" if counts["unjudged"] else ""))
        for r in rows:
            print(r)
    print()
    for language, t in sorted(totals.items()):
        n, r = t["actors"], rates[language]
        print(f"{language}: {t['pages']} pages, {n} actors, junk {t['junk']} ({t['junk'] / max(n, 1):.1%} pooled, "
              f"{sum(r) / max(len(r), 1):.1%} mean of pages), unjudged {t['unjudged']}")
    if args.record:
        judgements.setdefault("counts", {})[args.record] = recorded
        JUDGEMENTS.write_text(json.dumps(judgements, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"counts written to {JUDGEMENTS} as {args.record!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
