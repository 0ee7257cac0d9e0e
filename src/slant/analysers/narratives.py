"""Narratives: which story an article tells, in the SemEval-2025 Task 10 taxonomy or the analyst's own.

SemEval-2025 (the default): one logistic head per narrative and per sub-narrative over the
article's pooled encoder states (``slant.doclabels``), trained on the English subtask-2 documents by
``slant train narratives`` (``models/narratives``). Decoding follows the task's label structure
(``data/narratives-semeval2025.yaml``): narratives whose probability reaches the narrative
threshold are kept; under each, the sub-narratives reaching theirs, else "<narrative>: Other"; an
article with no narrative is "Other". DocLabels get the tasks ``narratives`` and
``subnarratives``, each with its probability and the sentences that score highest for it.

A user taxonomy (option ``taxonomy = "my.yaml"``, or ``slant analyze --narratives my.yaml``) is
matched instead by embedding similarity with no training (``slant.user_taxonomy``); its labels get
the taxonomy's name as task.

Languages: the SemEval heads read the multilingual encoder's pass and were fitted on en, bg, hi, pt
and ru together (``languages`` is None: any language, measured on those five). A user taxonomy does
not depend on that encoder, and its WordLlama static vectors are not language-independent
(``TAXONOMY_LANGUAGES``): a Russian sentence and its English translation score 0.15-0.23, under the
0.3 default threshold, and any two Russian sentences score 0.45-0.68 whether they share a topic or
not (football against gas blackmail: 0.46), so neither an English nor a Russian taxonomy separates
Russian articles. With a user taxonomy the pipeline skips other languages and says so in provenance.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import user_taxonomy
from ..article import Article, DocLabel
from ..doclabels import DocHeadAnalyser, sigmoid, top_sentences
from .base import Analyser, batched, language_gap

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "narratives-semeval2025.yaml"
# What a user taxonomy's word vectors separate (see the module docstring); not the encoder's.
TAXONOMY_LANGUAGES = frozenset({"en"})
OTHER = "Other"


def load_semeval_taxonomy(path: Path = TAXONOMY_FILE) -> dict[str, list[str]]:
    """Narrative -> its sub-narratives' full labels ("URW: N: S"), in file order."""
    import yaml

    raw = yaml.safe_load(path.read_text("utf-8"))
    return {n["name"]: [f"{n['name']}: {s}" for s in n.get("subnarratives") or []] for n in raw["narratives"]}


def decode(narr_p: dict[str, float], sub_p: dict[str, float], parents: dict[str, str],
           t_narr: float, t_sub: float) -> tuple[list[str], list[str]]:
    """(narratives, sub-narratives) in the task's label form from per-label probabilities."""
    narrs = sorted((n for n, p in narr_p.items() if p >= t_narr), key=lambda n: -narr_p[n])
    if not narrs:
        return [OTHER], [OTHER]
    subs: list[str] = []
    for n in narrs:
        mine = sorted((s for s, p in sub_p.items() if parents.get(s) == n and p >= t_sub), key=lambda s: -sub_p[s])
        subs.extend(mine or [f"{n}: {OTHER}"])
    return narrs, subs


class Narratives(DocHeadAnalyser, Analyser):
    """Narratives and sub-narratives (SemEval-2025 taxonomy, or a user YAML) with evidence."""

    name = "narratives"
    needs = ("sentences",)
    adds = ("labels",)
    version = "1"
    folder_name = "narratives"
    languages = None  # the multilingual encoder reads any language (trained and measured on those in its card)
    adds_tasks = ("narratives", "subnarratives")

    def skip_reason(self, language: str | None) -> str | None:
        path = self.options.get("taxonomy")
        if path and str(path) != "semeval2025":
            return language_gap(language, TAXONOMY_LANGUAGES, "word vectors")
        return super().skip_reason(language)

    def load(self) -> None:
        path = self.options.get("taxonomy")
        if path and str(path) != "semeval2025":
            if getattr(self, "user", None) is None:
                self.user = user_taxonomy.load(path)
                self.vectors = user_taxonomy.WordVectors()
                self.vectors.load()
                self.adds_tasks = (self.user.name,)
            return
        self.user = None
        super().load()
        cfg = self.head.config
        self.parents = dict(cfg["parents"])
        self.n_narr = len(cfg["narratives"])

    def pipe(self, articles, batch_size: int = 32) -> Iterator[Article]:
        self.load()
        if self.user is None:
            yield from super().pipe(articles, batch_size)
            return
        user_taxonomy.prepare(self.user, self.vectors)
        for batch in batched(articles, batch_size):
            yield from self._run_user(batch)

    def _run_user(self, batch: list[Article]) -> Iterator[Article]:
        tax = self.user
        for art in batch:
            labels = []
            if art.sentences:
                sent = user_taxonomy.sentence_scores(tax, user_taxonomy.sentence_vectors(art, self.vectors))
                doc = user_taxonomy.article_scores(sent)
                for j in np.argsort(-doc, kind="stable").tolist():
                    if doc[j] >= tax.threshold:
                        labels.append(DocLabel(task=tax.name, label=tax.narratives[j].name,
                                               score=round(float(doc[j]), 4),
                                               evidence=top_sentences(art, sent[:, j]),
                                               extra={"rank": str(len(labels) + 1)}))
            art.labels = [lab for lab in art.labels if lab.task != tax.name] + labels
            art.record("labels", self.name, self.version, model=f"user taxonomy {tax.name}")
            yield art

    def decide(self, art: Article, doc: np.ndarray, sents: np.ndarray) -> list[DocLabel]:
        cfg = self.head.config
        p = sigmoid(doc)
        labels = self.head.labels
        narr_p = {labels[j]: float(p[j]) for j in range(self.n_narr)}
        sub_p = {labels[j]: float(p[j]) for j in range(self.n_narr, len(labels))}
        t_narr = float(self.options.get("threshold", cfg["threshold_narrative"]))
        t_sub = float(self.options.get("sub_threshold", cfg["threshold_subnarrative"]))
        narrs, subs = decode(narr_p, sub_p, self.parents, t_narr, t_sub)
        col = {lab: j for j, lab in enumerate(labels)}

        def label(task: str, name: str) -> DocLabel:
            if name in col:
                j = col[name]
                return DocLabel(task=task, label=name, score=round(float(p[j]), 4),
                                evidence=top_sentences(art, sents[:, j]) if len(sents) else [])
            if name == OTHER:  # nothing reached the threshold: score = 1 - the likeliest narrative
                return DocLabel(task=task, label=name, score=round(1.0 - max(narr_p.values(), default=0.0), 4))
            parent = name[: -len(f": {OTHER}")]  # "<narrative>: Other" borrows its narrative's evidence
            j = col.get(parent)
            return DocLabel(task=task, label=name, score=round(float(p[j]), 4) if j is not None else 0.0,
                            evidence=(top_sentences(art, sents[:, j]) if j is not None and len(sents) else []))

        return [label("narratives", n) for n in narrs] + [label("subnarratives", s) for s in subs]

