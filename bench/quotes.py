"""Attribution on PolNeAR dev: slant's quotes analyser beside textacy's ``direct_quotations``.

    python bench/quotes.py [--data DIR] [--limit N]

Both run on the same PolNeAR dev articles (:func:`slant.tasks.corpora.polnear`) and are scored
with the same matcher (:func:`slant.tasks.scoring.attribution_scores`, GenderGapTracker's rules:
content overlap >= 0.3 / 0.8 of the longer span, one to one; speaker accuracy over matched pairs).
textacy (``pip install 'slant[bench]'``) reads the same spaCy parse slant uses; its speaker span is
the DQTriple's speaker tokens. Without textacy, or without ../shared/data/polnear, the textacy row
is skipped and the reason printed. Prints one table and the seconds each system took.

Notes: textacy's extractor (chartbeat-labs/textacy, ``extract/triples.py``) finds direct quotations
in quotation marks with a speech-verb cue outside them; it reads no indirect speech, so it is the
reference point for what quotation marks alone give on PolNeAR.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def textacy_attributions(items, nlp):
    """textacy's direct quotations of each article, as the attribution scorer takes them."""
    from textacy.extract.triples import direct_quotations

    from slant.tasks.scoring import AttributionSpan

    out = {}
    for it, doc in zip(items, nlp.pipe(it.article.text for it in items), strict=True):
        rows = []
        try:
            triples = list(direct_quotations(doc))
        except ValueError:  # textacy bails out on unbalanced quotation marks (its documented refusal)
            triples = []
        for dq in triples:
            content = dq.content
            speaker = tuple((t.idx, t.idx + len(t)) for t in dq.speaker)
            rows.append(AttributionSpan(content[0].idx, content[-1].idx + len(content[-1]), speaker, "direct"))
        out[it.id] = rows
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="the corpora folder (default: $SLANT_DATA or ../shared/data)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N dev articles")
    args = ap.parse_args(argv)

    from slant.analysers import parse
    from slant.errors import SlantError
    from slant.tasks import corpora
    from slant.tasks import quotes as tq
    from slant.tasks.scoring import attribution_scores

    try:
        items = corpora.polnear(args.data, split="dev", limit=args.limit)
    except SlantError as e:
        print(f"skipped: {e}")
        return 0
    gold = tq.gold_attributions(items)
    rows, times = [], []
    t = time.perf_counter()
    rows.append(("slant quotes", attribution_scores(gold, tq.polnear_predictions(items))))
    times.append(("slant quotes", time.perf_counter() - t))
    try:
        import textacy  # noqa: F401
    except ImportError:
        print("textacy row skipped: textacy is not installed (pip install 'slant[bench]')")
    else:
        t = time.perf_counter()
        rows.append((f"textacy {textacy.__version__} direct_quotations",
                     attribution_scores(gold, textacy_attributions(items, parse.load_nlp(parse.MODEL)))))
        times.append(("textacy", time.perf_counter() - t))
    n = sum(len(v) for v in gold.values())
    print(tq.attribution_report(rows, f"PolNeAR dev: {n} attributions in {len(items)} articles"))
    print("seconds: " + ", ".join(f"{name} {s:.1f}" for name, s in times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
