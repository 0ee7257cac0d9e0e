"""Frames: which of the 14 Media Frames (Card et al., 2015) an article uses (SemEval-2023 Task 3
subtask 2), multi-label with a probability each.

One logistic head per frame over the article's pooled encoder states (``slant.doclabels``),
trained on the English subtask-2 articles by ``slant train frames`` (``models/frames``). A frame is
kept when its probability reaches the threshold tuned for micro-F1 (the task's measure) by
cross-validation on the training part; an article always gets at least its likeliest frame, as
every training article has one. Each frame carries the sentences that score highest for it.

Languages: any (``languages`` is None): the heads read the multilingual encoder's pass and were
fitted on SemEval-2023 en, fr, ge, it, po, ru together; the model card scores each of those languages.
"""

from __future__ import annotations

import numpy as np

from ..article import Article, DocLabel
from ..doclabels import DocHeadAnalyser, sigmoid, top_sentences
from .base import Analyser


class Frames(DocHeadAnalyser, Analyser):
    """Media frames of the article (14, multi-label) with probabilities and evidence."""

    name = "frames"
    needs = ("sentences",)
    adds = ("labels",)
    version = "1"
    folder_name = "frames"
    languages = None  # the multilingual encoder reads any language (trained and measured on those in its card)
    adds_tasks = ("frames",)

    def chosen(self, p: np.ndarray) -> list[int]:
        t = float(self.options.get("threshold", self.head.config.get("threshold", 0.5)))
        keep = [j for j in np.argsort(-p, kind="stable").tolist() if p[j] >= t]
        return keep or [int(np.argmax(p))]

    def decide(self, art: Article, doc: np.ndarray, sents: np.ndarray) -> list[DocLabel]:
        p = sigmoid(doc)
        return [DocLabel(task="frames", label=self.head.labels[j], score=round(float(p[j]), 4),
                         evidence=top_sentences(art, sents[:, j]) if len(sents) else [])
                for j in self.chosen(p)]
