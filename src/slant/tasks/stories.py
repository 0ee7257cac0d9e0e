"""``slant eval similarity`` and ``slant predict semeval2022-task8``: story similarity scored as
SemEval-2022 Task 8 scores it.

The task (Chen et al., 2022) rates pairs of news articles on a 4-point scale, 1 = very similar
stories, 4 = very dissimilar; its official measure is Pearson's correlation between the predicted
and the annotators' Overall scores. The shared copy (``semeval2022-task8/train.jsonl``) holds the
training pairs only, every one in a single language, so slant keeps a validation split of them
(:func:`split_pairs`, 20% by pair, fixed seed; pairs that share an article fall on one side) and
fits on the rest.

Cross-lingual pairs are not in the copy. :func:`narrative_pairs` builds a stand-in from SemEval-2025
Task 10 (news in five languages on the Ukraine war and on climate change, each document labelled
with its narratives and sub-narratives): two documents sharing a sub-narrative are graded 1, a
narrative 2, the same domain only 3, different domains 4. It is coarser than the Overall score, so
its correlations are lower; what it measures is the gap between pairs drawn in one language and
pairs drawn across two, built the same way (same grades, same numbers).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import InputError, SlantError

SEED = 2022
VALIDATION = 0.2
PAIRS_FILE = Path("semeval2022-task8") / "train.jsonl"


@dataclass
class Pair:
    pair_id: str
    lang1: str
    lang2: str
    text1: str  # title, blank line, body (stories.compose)
    text2: str
    overall: float | None = None  # gold Overall score, 1..4, when known

    @property
    def cross(self) -> bool:
        return self.lang1 != self.lang2


def read_pairs(path: str | Path) -> list[Pair]:
    """Pairs from a JSON Lines file in the shared copy's fields (``pair_id``, ``lang1``, ``lang2``,
    ``text1``, ``text2``; ``title1``, ``title2`` and ``Overall`` when present)."""
    from ..stories import compose

    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such file")
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                pid = str(row["pair_id"])
                pair = Pair(pid, str(row.get("lang1") or ""), str(row.get("lang2") or ""),
                            compose(row.get("title1"), row["text1"]), compose(row.get("title2"), row["text2"]),
                            float(row["Overall"]) if row.get("Overall") is not None else None)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InputError(f"{path}:{n}", f"not a pair of SemEval-2022 Task 8 ({exc!r}); "
                                 "need pair_id, lang1, lang2, text1, text2") from None
            out.append(pair)
    return out


def semeval2022_pairs(data_dir: str | Path) -> list[Pair]:
    path = Path(data_dir) / PAIRS_FILE
    if not path.is_file():
        raise SlantError(f"no SemEval-2022 Task 8 pairs at {path}")
    return read_pairs(path)


def split_pairs(pairs: Sequence[Pair], seed: int = SEED, share: float = VALIDATION) -> set[str]:
    """The pair ids held out for validation: ``share`` of the pairs, drawn by pair with a fixed
    seed, except that pairs sharing an article (the same text) are kept on one side, so no article
    is seen in fitting and then scored."""
    parent = list(range(len(pairs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, p in enumerate(pairs):
        for text in (p.text1, p.text2):
            j = first.setdefault(text, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[str]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(find(i), []).append(p.pair_id)
    order = sorted(groups.values(), key=lambda g: g[0])
    random.Random(seed).shuffle(order)
    want, held = round(share * len(pairs)), set()
    for g in order:
        if len(held) >= want:
            break
        held.update(g)
    return held


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r (the task's official measure); nan when either side is constant."""
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


# --- the cross-lingual stand-in: SemEval-2025 Task 10 narratives ---------------------------------

NARRATIVE_LANGS = ("EN", "BG", "HI", "PT", "RU")


@dataclass
class NarrativeDoc:
    id: str
    language: str
    text: str
    domain: str  # "URW" or "CC"
    narratives: frozenset[str]
    subnarratives: frozenset[str]


def narrative_docs(data_dir: str | Path, langs: Sequence[str] = NARRATIVE_LANGS) -> list[NarrativeDoc]:
    """SemEval-2025 Task 10 documents with their narratives (train and dev of every language)."""
    from .corpora import semeval2025_narratives

    out = []
    for lang in langs:
        for split in ("train", "dev"):
            try:
                docs = semeval2025_narratives(data_dir, lang, split)
            except SlantError:
                continue
            for d in docs:
                narr = frozenset(x for x in d.labels if x != "Other")
                sub = frozenset(x for x in (d.sublabels or []) if not x.endswith("Other") and x != "Other")
                upper = d.id.upper()
                domain = "CC" if "_CC_" in upper or "-CC-" in upper else "URW"
                named = {x.split(":", 1)[0].strip() for x in narr}
                # the narratives name the domain; a document labelled in both (one English one) keeps
                # its file name's, so the pairs do not depend on the order of a set (hash seed)
                if len(named) == 1:
                    domain = named.pop()
                out.append(NarrativeDoc(d.id, lang, d.article.text, domain, narr, sub))
    return out


def narrative_grade(a: NarrativeDoc, b: NarrativeDoc) -> int:
    """1 = a sub-narrative in common, 2 = a narrative, 3 = the same domain only, 4 = different."""
    if a.domain != b.domain:
        return 4
    if a.subnarratives & b.subnarratives:
        return 1
    if a.narratives & b.narratives:
        return 2
    return 3


def narrative_pairs(docs: Sequence[NarrativeDoc], per_grade: int = 150, seed: int = SEED
                    ) -> dict[str, list[tuple[NarrativeDoc, NarrativeDoc, int]]]:
    """``same`` and ``cross`` language pairs, each with ``per_grade`` pairs of every grade (or as
    many as exist in both), drawn with a fixed seed: same grades and counts on both sides."""
    rng = random.Random(seed)
    pools: dict[str, dict[int, list]] = {"same": {g: [] for g in (1, 2, 3, 4)}, "cross": {g: [] for g in (1, 2, 3, 4)}}
    labelled = [d for d in docs if d.narratives or d.domain]
    for i, a in enumerate(labelled):
        for b in labelled[i + 1:]:
            if not a.narratives or not b.narratives:
                continue  # "Other" documents say nothing about how close two stories are
            side = "cross" if a.language != b.language else "same"
            pools[side][narrative_grade(a, b)].append((a, b))
    out: dict[str, list] = {"same": [], "cross": []}
    for g in (1, 2, 3, 4):
        n = min(per_grade, len(pools["same"][g]), len(pools["cross"][g]))
        for side in ("same", "cross"):
            out[side] += [(a, b, g) for a, b in rng.sample(pools[side][g], n)]
    return out


# --- predict ---------------------------------------------------------------------------------------


def predict_semeval2022(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2022-task8 PAIRS.jsonl``: ``pair_id<TAB>Overall`` per pair, on the
    task's scale (1 = very similar .. 4 = very dissimilar). Each article is encoded once, however
    many pairs it is in."""
    from ..article import Article
    from ..stories import STORIES_DIR, load

    model, encoder = load(options.get("model") or STORIES_DIR)
    pairs = [p for path in inputs for p in read_pairs(path)]
    arts: dict[str, Article] = {}
    for p in pairs:
        for text, lang in ((p.text1, p.lang1), (p.text2, p.lang2)):
            if text not in arts:
                arts[text] = Article(text=text)
                arts[text].meta.language = lang or None
    todo = list(arts.values())
    for k in range(0, len(todo), 16):
        encoder.encode(todo[k:k + 16])
    for p in pairs:
        a, b = model.story(arts[p.text1], encoder), model.story(arts[p.text2], encoder)
        out.write(f"{p.pair_id}\t{model.overall(a, b, cross=p.cross):.4f}\n")
    return len(pairs)


# --- eval --------------------------------------------------------------------------------------------


def summary_counts(pairs: Sequence[Pair]) -> str:
    return ", ".join(f"{k} {v}" for k, v in Counter(p.lang1 for p in pairs).most_common())
