"""Genre: is the article reporting, opinion or satire (SemEval-2023 Task 3 subtask 1)?

A multinomial logistic head over the article's pooled encoder states (``slant.doclabels``), trained
on the English subtask-1 articles by ``slant train genre`` (``models/genre``, see its MODEL_CARD).
The training articles are mostly opinion pieces (318 of 365) while the feeds slant reads are mostly
news reports, so the head is trained with balanced class weights and its probabilities are then
moved to a deployment prior by Bayes' rule (Saerens et al., 2002, "Adjusting the outputs of a
classifier to new a priori probabilities"): ``p'(c) ∝ p(c) * prior(c) / train_prior(c)``. The
prior is ``feed`` (reporting-heavy, the default) or ``corpus`` (the task's own mix), set with the
``prior`` option or given as a table ``{reporting = 0.7, opinion = 0.25, satire = 0.05}``.

One DocLabel (task ``genre``) names the most probable genre; its ``extra`` holds every genre's
probability and its evidence the sentences that read most like that genre.

Languages: any (``languages`` is None): the heads read the multilingual encoder's pass and were
fitted on SemEval-2023 en, fr, ge, it, po, ru together; the model card scores each of those languages.
"""

from __future__ import annotations

import numpy as np

from ..article import Article, DocLabel
from ..doclabels import DocHeadAnalyser, softmax, top_sentences
from ..errors import ConfigError
from .base import Analyser


def prior_shift(config: dict, prior) -> np.ndarray:
    """log(prior / train prior) per label, the additive correction of the logits."""
    labels = config["labels"]
    train = np.asarray([config["train_prior"][c] for c in labels], dtype=np.float64)
    if isinstance(prior, str):
        if prior not in config.get("priors", {}):
            raise ConfigError(f"genre: unknown prior {prior!r}; known: {', '.join(config.get('priors', {}))}")
        prior = config["priors"][prior]
    if not isinstance(prior, dict) or set(prior) != set(labels):
        raise ConfigError(f"genre: a prior gives a probability to each of {', '.join(labels)}")
    target = np.asarray([float(prior[c]) for c in labels], dtype=np.float64)
    target = target / target.sum()
    return np.log(np.maximum(target, 1e-6)) - np.log(train)


class Genre(DocHeadAnalyser, Analyser):
    """Genre of the article (reporting, opinion, satire) with probabilities and evidence."""

    name = "genre"
    needs = ("sentences",)
    adds = ("labels",)
    version = "1"
    folder_name = "genre"
    languages = None  # the multilingual encoder reads any language (trained and measured on those in its card)
    adds_tasks = ("genre",)

    def load(self) -> None:
        super().load()
        self.shift = prior_shift(self.head.config, self.options.get("prior", self.head.config.get("prior", "feed")))

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits + self.shift)

    def decide(self, art: Article, doc: np.ndarray, sents: np.ndarray) -> list[DocLabel]:
        p = self.probabilities(doc)
        j = int(np.argmax(p))
        labels = self.head.labels
        ev = sents[:, j] - sents.mean(axis=1) if len(sents) else sents
        return [DocLabel(task="genre", label=labels[j], score=round(float(p[j]), 4),
                         evidence=top_sentences(art, ev),
                         extra={c: f"{float(q):.4f}" for c, q in zip(labels, p, strict=True)})]
