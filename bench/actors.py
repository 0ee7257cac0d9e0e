"""Throughput of the actors layer beside the bare spaCy pipeline it parses with.

    python bench/actors.py [--articles 60] [--repeat 3]

All runs happen in one invocation over the same articles (the English raw documents of
../shared/data/semeval2025-task10 when present, else the project's examples repeated), in
batches of 32, each run on fresh Article objects so that no parse is reused between runs:

1. ``spaCy nlp.pipe``: the bare en_core_web_sm pipeline (every component, as slant loads it)
   over the article texts: the floor any parse-based actors layer pays;
2. ``segment``: slant's rule segmenter alone (paragraphs and sentences);
3. ``actors layer``: segment, entities, actors, roles, quotes and relations, end to end, with the
   Article records: everything this layer adds, each analyser reading the one cached parse;
4. the same without roles, and entities + actors alone, to show where the time goes.

Runs are interleaved and repeated; each line reports the best of the repeats (least disturbed by
other processes on the machine), as articles per second and as a ratio to the bare spaCy pass.
The issue's target: the actors layer >= 0.7 x the throughput of the bare spaCy pipeline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CHAINS = {
    "segment": ["segment"],
    "entities + actors": ["segment", "entities", "actors"],
    "actors layer without roles": ["segment", "entities", "actors", "quotes", "relations"],
    "actors layer (all)": ["segment", "entities", "actors", "roles", "quotes", "relations"],
}


def texts(limit: int) -> tuple[list[str], str]:
    raw = ROOT.parent / "shared" / "data" / "semeval2025-task10" / "train" / "EN" / "raw-documents"
    if raw.is_dir():
        files = sorted(raw.glob("*.txt"))[:limit]
        return [f.read_text("utf-8") for f in files], f"{len(files)} SemEval-2025 EN documents"
    examples = sorted((ROOT / "examples").glob("*.txt"))
    out = [examples[i % len(examples)].read_text("utf-8") for i in range(limit)]
    return out, f"{limit} copies of the project's examples"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from slant.analysers import parse
    from slant.pipeline import load
    from slant.readers.plain import parse_plain

    docs, what = texts(args.articles)
    chars = sum(map(len, docs))
    nlp = parse.load_nlp()
    pipes = {name: load(analysers=chain) for name, chain in CHAINS.items()}
    for p in pipes.values():
        p.load()

    def run_spacy() -> None:
        for _ in nlp.pipe(docs, batch_size=32):
            pass

    def run_chain(p) -> None:
        arts = [parse_plain(t) for t in docs]
        for _ in p.pipe(arts, batch_size=32):
            pass

    runs = {"spaCy nlp.pipe (bare)": run_spacy, **{n: (lambda p=p: run_chain(p)) for n, p in pipes.items()}}
    best = {n: float("inf") for n in runs}
    run_chain(pipes["entities + actors"])  # warm-up: first calls pay lazy imports and vocab growth
    for _ in range(args.repeat):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)

    base = best["spaCy nlp.pipe (bare)"]
    print(f"{what}, {chars / 1000:.0f}k characters, batch 32, best of {args.repeat} interleaved runs")
    print(f"{'engine':<30}{'seconds':>9}{'articles/s':>12}{'x bare spaCy':>14}")
    for name, t in best.items():
        print(f"{name:<30}{t:9.2f}{len(docs) / t:12.1f}{base / t:14.2f}")
    ratio = base / best["actors layer (all)"]
    print(f"\nactors layer / bare spaCy throughput: {ratio:.2f} (target >= 0.70)")


if __name__ == "__main__":
    main()
