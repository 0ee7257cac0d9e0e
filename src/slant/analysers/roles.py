"""Roles: how the story casts each actor, in the taxonomy of SemEval-2025 Task 10 subtask 1.

Each actor gets a main role (Protagonist, Antagonist, Innocent), fine roles under it (Guardian,
Tyrant, Victim, ...), the probabilities behind them, and as evidence the sentences that cast it
that way most strongly.

The model is two linear classifiers over sparse features read off the spaCy parse (no encoder, no
torch): the words of the mention's sentence and of the sentences around it, the verb the mention
depends on and how (``nsubj`` of "accuse", object of "attack"), its modifiers, the name itself,
and the same words pooled over every mention of the actor in the article (the task annotates a
mention, but an article casts an entity consistently). One softmax layer predicts the main role;
a second predicts the fine roles within it, and every fine role whose probability is within
``FINE_RATIO`` of the best is kept (the task allows several). Weights, vocabulary and thresholds
are files in ``models/roles/`` with a model card; ``slant train roles`` rebuilds them.

Languages: English only. The features are English lemmas and the English parser's labels, and
the weights were fitted on the English part of the task's data, so a French article (which has a
parse) would be scored on its names alone; the pipeline skips every language but English and says
so in provenance ("model for English only", or "no spaCy pipeline for ..." where there is no
parse either).

Notes: the taxonomy and the exact-match measure are those of Piskorski et al. (2025),
"SemEval-2025 Task 10: Multilingual Characterization and Extraction of Narratives from Online
News"; the feature design follows the "entity framing" baselines of that task.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..article import Article, Span
from ..errors import SlantError
from . import parse
from .base import Analyser

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "roles"

TAXONOMY: dict[str, tuple[str, ...]] = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": ("Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy", "Saboteur",
                   "Corrupt", "Incompetent", "Terrorist", "Deceiver", "Bigot"),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}
MAIN_ROLES = tuple(TAXONOMY)
FINE_ROLES = tuple(f for fs in TAXONOMY.values() for f in fs)
MAIN_OF = {f: m for m, fs in TAXONOMY.items() for f in fs}

_CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "PROPN", "ADV"})


def _words(tokens, prefix: str, out: dict[str, float], weight: float = 1.0) -> None:
    for t in tokens:
        if t.pos_ in _CONTENT_POS and not t.is_stop and t.is_alpha:
            key = prefix + t.lemma_.lower()
            out[key] = max(out.get(key, 0.0), weight)


def _sentence_of(doc, sent_starts: list[int], i: int):
    from bisect import bisect_right

    k = bisect_right(sent_starts, i) - 1
    return k


def mention_features(doc, start: int, end: int, sents: list | None = None) -> dict[str, float]:
    """Features of the mention ``doc.text[start:end]`` (character offsets) alone."""
    span = doc.char_span(start, end, alignment_mode="expand")
    feats: dict[str, float] = {}
    if span is None or not len(span):
        return feats
    sents = sents if sents is not None else list(doc.sents)
    starts = [s.start for s in sents]
    k = _sentence_of(doc, starts, span.start)
    sent = sents[k]
    inside = set(range(span.start, span.end))
    _words((t for t in sent if t.i not in inside), "s:", feats)
    for j in (k - 1, k + 1):
        if 0 <= j < len(sents):
            _words(sents[j], "c:", feats, 0.5)
    name = " ".join(t.lower_ for t in span if t.is_alpha)
    if name:
        feats["N:" + name] = 1.0
    for t in span:
        if t.is_alpha:
            feats["n:" + t.lower_] = 1.0
    root = span.root
    feats["dep:" + root.dep_] = 1.0
    head = root.head
    hops = 0
    while head.pos_ not in ("VERB", "AUX") and head.head is not head and hops < 3:
        head = head.head
        hops += 1
    if head.pos_ in ("VERB", "AUX"):
        feats["v:" + head.lemma_.lower()] = 1.0
        feats[f"vd:{head.lemma_.lower()}:{root.dep_}"] = 1.0
        if any(c.dep_ == "neg" for c in head.children):
            feats["neg"] = 1.0
    for c in root.children:
        if c.dep_ in ("amod", "compound", "appos", "acl", "relcl") and c.i not in inside:
            feats["m:" + c.lemma_.lower()] = 1.0
    return feats


def actor_features(local: Sequence[dict[str, float]]) -> dict[str, float]:
    """Pooled features of every mention of one actor: words of their sentences, prefixed "a:"."""
    pooled: dict[str, float] = {}
    for f in local:
        for k, v in f.items():
            if k.startswith(("s:", "v:", "vd:", "m:")):
                key = "a" + k
                pooled[key] = max(pooled.get(key, 0.0), v)
    return pooled


class RoleModel:
    """The trained weights: vocabulary, main-role and fine-role layers, thresholds."""

    def __init__(self, folder: str | Path = MODEL_DIR):
        self.folder = Path(folder)
        self.vocab: dict[str, int] = {}
        self.main_w = self.main_b = self.fine_w = self.fine_b = None
        self.fine_ratio = 0.5
        self.version = ""

    def load(self) -> RoleModel:
        if self.main_w is not None:
            return self
        cfg = self.folder / "model.json"
        weights = self.folder / "weights.npz"
        if not cfg.is_file() or not weights.is_file():
            raise SlantError(f"no roles model in {self.folder}: run `slant train roles` to build it")
        meta = json.loads(cfg.read_text("utf-8"))
        self.vocab = {w: i for i, w in enumerate(meta["vocabulary"])}
        self.fine_ratio = float(meta.get("fine_ratio", 0.5))
        self.version = meta.get("version", "")
        with np.load(weights) as z:
            self.main_w, self.main_b = z["main_w"], z["main_b"]
            self.fine_w, self.fine_b = z["fine_w"], z["fine_b"]
        return self

    def vectorise(self, feats: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        idx, val = [], []
        for k, v in feats.items():
            i = self.vocab.get(k)
            if i is not None:
                idx.append(i)
                val.append(v)
        idx_a = np.asarray(idx, dtype=np.int64)
        val_a = np.asarray(val, dtype=np.float32)
        norm = float(np.sqrt((val_a**2).sum())) or 1.0
        return idx_a, val_a / norm

    def probabilities(self, feats: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(main-role probabilities over MAIN_ROLES, fine-role probabilities over FINE_ROLES)."""
        self.load()
        idx, val = self.vectorise(feats)
        main = self.main_w[:, idx] @ val + self.main_b
        fine = self.fine_w[:, idx] @ val + self.fine_b
        return _softmax(main), _softmax(fine)

    def decide(self, main_p: np.ndarray, fine_p: np.ndarray) -> tuple[str, list[str]]:
        """The main role, and its fine roles: the best within the main role, and any other of the
        same main role within ``fine_ratio`` of it."""
        main = MAIN_ROLES[int(np.argmax(main_p))]
        allowed = [i for i, f in enumerate(FINE_ROLES) if MAIN_OF[f] == main]
        best = max(allowed, key=lambda i: fine_p[i])
        fines = [FINE_ROLES[i] for i in sorted(allowed, key=lambda i: -fine_p[i])
                 if fine_p[i] >= self.fine_ratio * fine_p[best]]
        return main, fines


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    return z / z.sum()


def features_for_spans(doc, spans: Sequence[tuple[int, int]], groups: Sequence[int] | None = None) -> list[dict[str, float]]:
    """Full features of each mention span: its own features plus the pooled features of the
    mentions in the same group (the same actor; by default the same lower-cased surface)."""
    sents = list(doc.sents)
    local = [mention_features(doc, s, e, sents) for s, e in spans]
    if groups is None:
        text = doc.text
        keys: dict[str, int] = {}
        groups = [keys.setdefault(text[s:e].lower(), len(keys)) for s, e in spans]
    pooled: dict[int, dict[str, float]] = {}
    for g in set(groups):
        pooled[g] = actor_features([f for f, gg in zip(local, groups, strict=True) if gg == g])
    return [{**f, **pooled[g]} for f, g in zip(local, groups, strict=True)]


class Roles(Analyser):
    """Main and fine roles of each actor (SemEval-2025 Task 10 entity framing), with evidence."""

    name = "roles"
    needs = ("sentences", "actors")
    adds = ()  # fills role, fine_roles, scores and evidence of the actors layer
    version = "1"
    languages = frozenset({"en"})  # English features and weights (see the module docstring)

    def __init__(self, model: str | Path | None = None, evidence: int = 2, spacy_model: str = parse.MODEL, **options):
        super().__init__(model=model, evidence=evidence, spacy_model=spacy_model, **options)
        self.model = RoleModel(model or MODEL_DIR)
        self.evidence = evidence
        self.spacy_model = spacy_model

    def skip_reason(self, language: str | None) -> str | None:
        return parse.skip_reason(language, self.spacy_model) or super().skip_reason(language)

    def load(self) -> None:
        self.model.load()
        parse.load_nlp(self.spacy_model)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.model.load()
        arts = list(articles)
        for art, doc in zip(arts, parse.docs(arts, self.spacy_model, batch_size), strict=True):
            cast_actors(art, doc, self.model, self.evidence)
            art.record("roles", self.name, self.version, model=f"roles {self.model.version}")
            yield art


PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})


def _only_a_setting(actor, mentions, doc) -> bool:
    """A place the story only happens in ("the meeting in Sochi"): every mention the object of a
    locative preposition. It is not cast, so it gets no role (a capital that acts, "Moscow
    warned", is the state's metonym and belongs to the state actor)."""
    from .actors import _is_locative

    if actor.type not in PLACE_TYPES:
        return False
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or not len(span) or not _is_locative(span.root):
            return False
    return True


def cast_actors(art: Article, doc, model: RoleModel, n_evidence: int = 2) -> None:
    """Fill role, fine roles, scores and evidence of every actor of ``art``."""
    if not art.actors:
        return
    mentions = [m for m in art.entities if m.actor >= 0]
    if not mentions:
        return
    sents = list(doc.sents)
    local = [mention_features(doc, m.start, m.end, sents) for m in mentions]
    sent_index = parse.sentence_index(art)
    for actor in art.actors:
        mine = [i for i, m in enumerate(mentions) if m.actor == actor.id]
        if not mine or _only_a_setting(actor, [mentions[i] for i in mine], doc):
            continue
        pooled = actor_features([local[i] for i in mine])
        # The actor's role: from its first named mention with everything pooled.
        first = next((i for i in mine if mentions[i].kind in ("name", "alias", "metonym")), mine[0])
        main_p, fine_p = model.probabilities({**local[first], **pooled})
        role, fines = model.decide(main_p, fine_p)
        actor.role = role
        actor.fine_roles = fines
        actor.scores = {r: round(float(p), 4) for r, p in zip(MAIN_ROLES, main_p, strict=True)}
        for f in fines:
            actor.scores[f] = round(float(fine_p[FINE_ROLES.index(f)]), 4)
        # Evidence: the sentences whose mention alone leans most to the chosen role.
        r = MAIN_ROLES.index(role)
        ranked: dict[int, float] = {}
        for i in mine:
            k = sent_index(mentions[i].start)
            if k < 0:
                continue
            p = model.probabilities(local[i])[0][r]
            ranked[k] = max(ranked.get(k, 0.0), float(p))
        best = sorted(ranked, key=lambda k: -ranked[k])[:n_evidence]
        actor.evidence = [Span(start=art.sentences[k].start, end=art.sentences[k].end) for k in sorted(best)]
