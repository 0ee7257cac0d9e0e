"""What the heads that share the techniques encoder add to the techniques analyser's time.

    python bench/heads.py [--articles 40] [--repeat 3]

Over the same articles (the project's examples and ../shared/examples, or the held-out SemEval
articles when ../shared/data is present), in one run: the time of the ``techniques`` analyser on
segmented articles, then of each later head (``subjectivity``, ``claims``, and ``genre``,
``frames``, ``narratives`` when installed) on the same articles, which reuse the encoder pass.
Prints each head's time as a share of the techniques time (targets: subjectivity and claims
together <= 10%, claims and the attribution tagger (the quotes analyser's learned part) together
<= 10%, all document labels together <= 20%, roles <= 10%; roles is timed on articles whose
actors the parse has found, untimed). The best of ``--repeat`` runs is kept for
each, to shave off scheduler noise. ``claims`` and the document heads pool the same sentence
features (``slant.doclabels``); each of ``claims`` and the first document head is timed with that
pooling to do, so neither is credited with the other's work.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

HEADS = ["subjectivity", "claims", "genre", "frames", "narratives", "roles"]
DOC_LABELS = {"genre", "frames", "narratives"}


def articles(limit: int):
    from slant.tasks import corpora
    from slant.analysers.segment import Segmenter
    from slant.readers.plain import parse_plain

    texts: list[str] = []
    root = corpora.data_dir(required=False)
    split = ROOT / "src" / "slant" / "models" / "techniques" / "split.json"
    if root is not None and split.is_file():
        parts = json.loads(split.read_text())
        # the English model's split names its held-out part "test"; the multilingual one's, per language, "eval"
        ids = set(parts["langs"]["en"]["eval"] if "langs" in parts else parts["test"])
        texts = [ta.article.text for ta in corpora.semeval2023_techniques(root) if ta.id in ids]
    for p in [*sorted((ROOT / "examples").glob("*.txt")), ROOT.parent / "shared" / "examples" / "belarus-putin-2020.txt"]:
        if p.is_file():
            texts.append(p.read_text("utf-8"))
    seg = Segmenter()
    arts = [seg(parse_plain(t)) for t in texts]
    while len(arts) < limit:
        arts = arts + arts
    return arts[:limit]


class TaggerHead:
    """The attribution tagger's share of the quotes analyser (tagger, decoding, linking) on the
    encoder pass; the rest of that analyser is the parse-based rules, which read no encoder."""

    name = "attributions"

    def __init__(self):
        from slant.attributions import Tagger

        self.tagger = Tagger()

    def load(self) -> None:
        self.tagger._open()

    def pipe(self, arts, batch_size: int = 16):
        from slant.attributions import attributions

        for a in arts:
            a.__dict__["_learned"] = attributions(a, self.tagger)
            yield a


def timed(analyser, arts) -> float:
    t0 = time.perf_counter()
    for _ in analyser.pipe(arts, batch_size=16):
        pass
    return time.perf_counter() - t0


def main() -> None:
    from slant import registry

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    base = articles(args.articles)
    words = sum(len(a.text.split()) for a in base)
    tech = registry.get("techniques")()
    tech.load()
    heads = []
    from slant.errors import SlantError

    for name in HEADS:
        if name in registry.available():
            h = registry.get(name)()
            try:
                h.load()
            except SlantError as exc:  # a head not (yet) refitted on the shipped encoder, say
                print(f"{name}: not timed: {exc}")
                continue
            heads.append(h)
    try:
        heads.append(TaggerHead())
        heads[-1].load()
    except SlantError as exc:
        heads.pop()
        print(f"attributions: not timed: {exc}")
    timed(tech, [copy.deepcopy(a) for a in base[:2]])  # warm-up
    t_tech = min(timed(tech, [copy.deepcopy(a) for a in base]) for _ in range(args.repeat))
    encoded = [copy.deepcopy(a) for a in base]
    for a in tech.pipe(encoded, batch_size=16):
        pass
    if any(h.name == "roles" for h in heads):  # roles casts the actors the parse found: find them first, untimed
        from slant.pipeline import Pipeline

        actors = Pipeline([registry.get("entities")(), registry.get("actors")()])
        encoded = list(actors.pipe(encoded))
    print(f"{len(base)} articles, {words} words; techniques analyser {t_tech:.2f} s "
          f"({len(base) / t_tech:.1f} articles/s)")
    print(f"{'head':16} {'seconds':>8} {'share of techniques':>20}")
    doc_total = 0.0
    sentence_total = 0.0
    fact_total = 0.0
    roles_total = 0.0
    pooled_by = None
    for h in heads:
        for a in encoded:  # heads reuse the encoder pass left on the article
            a.labels = []
        fresh = h.name == "claims" or (h.name in DOC_LABELS and pooled_by == "claims")
        if fresh:
            pooled_by = h.name

        def run(arts: list) -> float:
            if fresh:  # the sentence features claims and the document heads share, pooled afresh each run
                for a in arts:
                    a.__dict__.pop("_doclabel_features", None)
            return timed(h, arts)

        run(encoded[:2])
        t = min(run(encoded) for _ in range(args.repeat))
        if h.name in DOC_LABELS:
            doc_total += t
        if h.name in ("subjectivity", "claims"):
            sentence_total += t
        if h.name in ("claims", "attributions"):
            fact_total += t
        if h.name == "roles":
            roles_total = t
        print(f"{h.name:16} {t:8.3f} {t / t_tech:19.1%}")
    if sentence_total:
        print(f"{'sentence heads':16} {sentence_total:8.3f} {sentence_total / t_tech:19.1%}   "
              "(subjectivity + claims, target <= 10%)")
    if roles_total:
        print(f"{'roles':16} {roles_total:8.3f} {roles_total / t_tech:19.1%}   (target <= 10%)")
    if fact_total:
        print(f"{'claims + tagger':16} {fact_total:8.3f} {fact_total / t_tech:19.1%}   "
              "(check-worthy claims and the attribution tagger, target <= 10%)")
    if doc_total:
        print(f"{'document labels':16} {doc_total:8.3f} {doc_total / t_tech:19.1%}   (target <= 20%)")
    print("targets: subjectivity and claims together <= 10%, all document labels together <= 20%")


if __name__ == "__main__":
    main()
