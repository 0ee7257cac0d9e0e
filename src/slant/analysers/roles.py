"""Roles: how the story casts each actor, in the taxonomy of SemEval-2025 Task 10 subtask 1.

Each actor gets a main role (Protagonist, Antagonist, Innocent), fine roles under it (Guardian,
Tyrant, Victim, ...), the probabilities behind them, and as evidence the sentences that cast it
that way most strongly. Where the text casts one actor two ways (a victim in one paragraph, a
villain in another) both castings are kept, each with its own sentences (``Actor.castings``).

How: a role depends on the article's stance, which the words around a name alone do not show, so
the model reads each mention *in its article* from the shared encoder pass (``art._encoded``, left
by the techniques analyser; :func:`slant.doclabels.encode_missing` runs the encoder only when it
has not): the hidden states pooled over the mention, a window of tokens around it, its sentence,
its paragraph, the whole article and the actor's other mentions, with the technique logits of the
window, the sentence and the article (the article's own framing signals). A small two-layer
network (``RoleModel``, numpy only) maps them to a main role (softmax over three) and fine roles
(22 sigmoids); fine roles are decoded inside the chosen main role, so they never contradict it.

Actors: every mention of an actor is scored; the actor's role is the mean of its mentions'
probabilities. A mention that casts the actor in another main role with high confidence (``TWO_WAYS``)
opens a second casting, kept beside the first rather than averaged away. Evidence: the sentences of
the mentions that score highest for the casting's role (the model's per-mention scores).

Languages: any the encoder reads (multilingual-e5 underneath, trained on English, Bulgarian, Hindi,
Portuguese and Russian mentions); which actors exist is still the parse-based actors analyser's
call, so in the pipeline roles are cast where there are actors (English and French today).
``slant predict semeval2025-st1`` casts given mentions in any language.

Notes: the taxonomy and the exact-match measure are those of Piskorski et al. (2025),
"SemEval-2025 Task 10: Multilingual Characterization and Extraction of Narratives from Online
News"; reading a mention through pooled states of a frozen encoder is the usual probing set-up
for entity-level tasks on a shared pass.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..article import Article, Casting, Span
from ..encoder import Encoded, reduce_rows, span_rows
from ..errors import SlantError
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
# fine-role columns under each main role
FINE_UNDER = {m: np.array([FINE_ROLES.index(f) for f in fs]) for m, fs in TAXONOMY.items()}

LANGUAGES = ("en", "bg", "hi", "pt", "ru")  # the training languages, a one-hot feature each
CONTEXT = 24  # tokens on each side of a mention in its window
NEAR = 8  # tokens just before and just after a mention (who does what to whom)
TWO_WAYS = 0.75  # a mention this sure of another main role opens a second casting


def _rows(enc: Encoded, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token rows [lo, hi) of each span; a span no token begins in (inside a word) gets the
    token that holds its start."""
    lo, hi = span_rows(enc, spans)
    empty = hi <= lo
    if empty.any():
        starts = enc.offsets[:, 0]
        at = np.clip(np.searchsorted(starts, np.asarray(spans, dtype=np.int64).reshape(-1, 2)[:, 0], "right") - 1,
                     0, max(len(enc) - 1, 0))
        lo = np.where(empty, at, lo)
        hi = np.where(empty, np.minimum(at + 1, len(enc)), hi)
    return lo, hi


def _mean(arr, lo, hi):
    return reduce_rows(arr, lo, hi, np.add) / np.maximum(hi - lo, 1)[:, None]


def _enclosing(spans: Sequence, offsets: np.ndarray) -> list[tuple[int, int] | None]:
    """For each offset, the (start, end) of the span of ``spans`` (sorted) that holds it."""
    starts = [s.start for s in spans]
    out: list[tuple[int, int] | None] = []
    for o in offsets.tolist():
        k = bisect_right(starts, o) - 1
        out.append((spans[k].start, spans[k].end) if k >= 0 and o < spans[k].end else None)
    return out


def mention_features(enc: Encoded, text_length: int, sentences: Sequence, paragraphs: Sequence,
                     spans: Sequence[tuple[int, int]], groups: Sequence[int], language: str | None = None
                     ) -> np.ndarray:
    """(n, d) features of each mention span, read off one encoder pass.

    Hidden states: the mention's mean and max; the mean over its window of ``CONTEXT`` tokens
    each side, its sentence, its paragraph, the article, the mention states of its group (the
    same actor), and the ``NEAR`` tokens just before and just after it; technique logits (max over the window, mean and max over the
    sentence, mean over the article); the article's language, one-hot over ``LANGUAGES``.
    ``sentences``/``paragraphs`` are spans sorted by start (a mention outside them falls back
    to its window)."""
    hid = enc.hidden
    n_tok = len(enc)
    n = len(spans)
    tech = enc.outputs.get("techniques")
    lo, hi = _rows(enc, spans)
    w_lo, w_hi = np.maximum(lo - CONTEXT, 0), np.minimum(hi + CONTEXT, n_tok)
    starts = np.asarray([s for s, _ in spans], dtype=np.int64)

    def rows_of(container):
        got = _enclosing(container, starts)
        cs = [g if g is not None else (-1, -1) for g in got]
        c_lo, c_hi = span_rows(enc, cs) if cs else (np.zeros(0, np.int64), np.zeros(0, np.int64))
        miss = np.asarray([g is None for g in got], dtype=bool) | (c_hi <= c_lo)
        return np.where(miss, w_lo, c_lo), np.where(miss, w_hi, c_hi)

    s_lo, s_hi = rows_of(sentences)
    p_lo, p_hi = rows_of(paragraphs)
    all_lo, all_hi = np.zeros(n, np.int64), np.full(n, n_tok, np.int64)
    m_mean = _mean(hid, lo, hi)
    groups = np.asarray(groups)
    g_mean = np.zeros_like(m_mean)
    for g in np.unique(groups):
        sel = groups == g
        g_mean[sel] = m_mean[sel].mean(axis=0)
    doc = hid.mean(axis=0, keepdims=True).repeat(n, 0) if n_tok else np.zeros((n, hid.shape[1]), np.float32)
    before, after = np.maximum(lo - NEAR, 0), np.minimum(hi + NEAR, n_tok)
    parts = [m_mean, reduce_rows(hid, lo, hi, np.maximum), _mean(hid, w_lo, w_hi), _mean(hid, s_lo, s_hi),
             _mean(hid, p_lo, p_hi), doc, g_mean, _mean(hid, before, lo), _mean(hid, hi, after)]
    if tech is not None:
        parts += [reduce_rows(tech, w_lo, w_hi, np.maximum), _mean(tech, s_lo, s_hi),
                  reduce_rows(tech, s_lo, s_hi, np.maximum), _mean(tech, all_lo, all_hi)]
    one_hot = np.zeros((n, len(LANGUAGES)), np.float32)
    if language in LANGUAGES:
        one_hot[:, LANGUAGES.index(language)] = 1.0
    parts.append(one_hot)
    return np.concatenate(parts, axis=1).astype(np.float32)


def task_article(text: str, language: str | None) -> Article:
    """The Article the analyser would see for a shared-task document: one paragraph a line,
    sentences by the segmenter's rules."""
    from ..article import Meta
    from ..readers.tasks import line_paragraphs
    from .segment import Segmenter

    art = Article(text=text, meta=Meta(language=(language or "").lower() or None), paragraphs=line_paragraphs(text))
    return next(iter(Segmenter().pipe([art])))


def occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``surface`` in ``text``."""
    out, at = [], text.find(surface) if surface else -1
    while at >= 0:
        out.append((at, at + len(surface)))
        at = text.find(surface, at + 1)
    return out


def document_features(text: str, enc: Encoded, language: str | None, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Features of given mention ``spans`` of a shared-task document (training, ``slant eval
    roles`` and ``slant predict semeval2025-st1``). With no actors layer, a mention's group (the
    analyser's "same actor") is every occurrence of its surface string in the text."""
    art = task_article(text, language)
    allspans: list[tuple[int, int]] = []
    groups: list[int] = []
    keys: dict[str, int] = {}
    for s, e in spans:
        allspans.append((s, e))
        groups.append(keys.setdefault(text[s:e], len(keys)))
    seen = set(allspans)
    for surface, g in list(keys.items()):
        for sp in occurrences(text, surface):
            if sp not in seen:
                seen.add(sp)
                allspans.append(sp)
                groups.append(g)
    x = mention_features(enc, len(text), art.sentences, art.paragraphs, allspans, groups, art.meta.language)
    return x[: len(spans)]


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


class RoleModel:
    """The trained heads: ``weights.npz`` (one or more members, averaged) + ``model.json``.

    Each member is ``h = relu(x @ w1 + b1)``, main logits ``h @ wm + bm``, fine logits
    ``h @ wf + bf``; the features' standardisation is folded into ``w1``/``b1``."""

    def __init__(self, folder: str | Path = MODEL_DIR):
        self.folder = Path(folder)
        self.members: list[dict[str, np.ndarray]] = []
        self.fine_threshold = 0.5
        self.version = ""
        self.config: dict = {}

    def load(self) -> RoleModel:
        if self.members:
            return self
        cfg, weights = self.folder / "model.json", self.folder / "weights.npz"
        if not cfg.is_file() or not weights.is_file():
            raise SlantError(f"no roles model in {self.folder}: run `slant train roles` to build it")
        self.config = json.loads(cfg.read_text("utf-8"))
        self.fine_threshold = float(self.config.get("fine_threshold", 0.5))
        self.version = self.config.get("version", "")
        with np.load(weights) as z:
            k = int(self.config.get("members", 1))
            self.members = [{name: z[f"{name}_{i}"].astype(np.float32) for name in ("w1", "b1", "wm", "bm", "wf", "bf")}
                            for i in range(k)]
        return self

    @property
    def n_features(self) -> int:
        return self.load().members[0]["w1"].shape[0]

    def probabilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(main-role probabilities (n, 3), fine-role probabilities (n, 22)) of feature rows."""
        self.load()
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise SlantError(f"roles model in {self.folder} expects {self.n_features} features, got "
                             f"{x.shape[-1]}: retrain it with `slant train roles`")
        main = np.zeros((len(x), len(MAIN_ROLES)), np.float32)
        fine = np.zeros((len(x), len(FINE_ROLES)), np.float32)
        for m in self.members:
            h = np.maximum(x @ m["w1"] + m["b1"], 0.0)
            main += _softmax(h @ m["wm"] + m["bm"])
            fine += _sigmoid(h @ m["wf"] + m["bf"])
        return main / len(self.members), fine / len(self.members)

    def decide(self, main_p: np.ndarray, fine_p: np.ndarray, main: str | None = None) -> tuple[str, list[str]]:
        """The main role (the most probable, unless given), and its fine roles: those of that main
        role whose probability passes ``fine_threshold``, and always the best of them."""
        main = main or MAIN_ROLES[int(np.argmax(main_p))]
        cols = FINE_UNDER[main]
        order = cols[np.argsort(-fine_p[cols], kind="stable")]
        keep = [FINE_ROLES[i] for i in order if fine_p[i] >= self.fine_threshold]
        return main, keep or [FINE_ROLES[order[0]]]


class Roles(Analyser):
    """Main and fine roles of each actor (SemEval-2025 Task 10 entity framing), with evidence."""

    name = "roles"
    needs = ("sentences", "actors")
    adds = ()  # fills role, fine_roles, scores, evidence and castings of the actors layer
    version = "2"
    languages = None  # the encoder is multilingual; the actors analyser decides which actors exist

    def __init__(self, model: str | Path | None = None, evidence: int = 2, encoder: str | Path | None = None,
                 **options):
        super().__init__(model=model, evidence=evidence, encoder=encoder, **options)
        self.model = RoleModel(model or MODEL_DIR)
        self.evidence = evidence
        self.encoder_dir = encoder
        self.encoder = None

    def skip_reason(self, language: str | None) -> str | None:
        """The roles of a language cast the actors its parse finds: with no spaCy pipeline, the
        reason is the parse's, as for the actors analyser (the model itself reads any language)."""
        from . import parse

        return parse.skip_reason(language)

    def load(self) -> None:
        if self.encoder is None:
            from ..doclabels import ENCODER_DIR, check_encoder
            from ..encoder import OnnxEncoder

            self.model.load()
            self.encoder = OnnxEncoder(Path(self.encoder_dir or ENCODER_DIR), threads=self.options.get("threads"))
            check_encoder(self.model, self.encoder)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        from ..doclabels import encode_missing
        from .base import batched

        from ..encoder import blas_on_one_thread

        self.load()
        for batch in batched(articles, batch_size):
            encode_missing(self.encoder, [a for a in batch if a.actors])
            # small products: OpenBLAS's own threads would only spin on the cores (encoder.py)
            with blas_on_one_thread():
                for art in batch:
                    cast_actors(art, self.model, self.evidence)
                    art.record("roles", self.name, self.version, model=f"roles {self.model.version}")
            yield from batch


PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})


def _only_a_setting(actor, mentions, doc) -> bool:
    """A place the story only happens in ("the meeting in Sochi"): every mention the object of a
    locative preposition. It is not cast, so it gets no role (a capital that acts, "Moscow
    warned", is the state's metonym and belongs to the state actor). Needs the parse the actors
    analyser left (``art._doc``); without it every actor is cast."""
    from .actors import _is_locative

    if actor.type not in PLACE_TYPES or doc is None:
        return False
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or not len(span) or not _is_locative(span.root):
            return False
    return True


def score_mentions(art: Article, model: RoleModel, spans: Sequence[tuple[int, int]], groups: Sequence[int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-mention (main, fine) probabilities of character spans of ``art`` (``art._encoded`` set)."""
    enc = art._encoded
    if not len(spans) or not len(enc):
        return np.zeros((0, len(MAIN_ROLES)), np.float32), np.zeros((0, len(FINE_ROLES)), np.float32)
    x = mention_features(enc, len(art.text), art.sentences, art.paragraphs, spans, groups,
                         (art.meta.language or "").lower() or None)
    return model.probabilities(x)


def cast(main_p: np.ndarray, fine_p: np.ndarray, model: RoleModel, two_ways: float = TWO_WAYS
         ) -> list[tuple[str, list[str], float, np.ndarray, np.ndarray]]:
    """The castings of one actor from its mentions' probabilities: (main role, fine roles, its
    probability, fine-role probabilities, per-mention evidence score).

    The first is the mean over mentions. Another main role is kept as a second casting when some
    mention gives it at least ``two_ways`` (a strong, not a marginal, disagreement); its
    probability is the mean over the mentions that cast it so. A mention is evidence only for a
    casting it supports (its most probable role, or the sure mentions of a second casting): its
    evidence score is its probability of that role, and -1 elsewhere."""
    mean_main, mean_fine = main_p.mean(axis=0), fine_p.mean(axis=0)
    first, fines = model.decide(mean_main, mean_fine)
    r0 = MAIN_ROLES.index(first)
    own = main_p.argmax(axis=1) == r0
    ev = np.where(own, main_p[:, r0], -1.0) if own.any() else main_p[:, r0]
    out = [(first, fines, float(mean_main[r0]), mean_fine, ev)]
    for r, role in enumerate(MAIN_ROLES):
        if role == first:
            continue
        sure = main_p[:, r] >= two_ways
        if sure.any():
            f = fine_p[sure].mean(axis=0)
            _, fs = model.decide(main_p[sure].mean(axis=0), f, main=role)
            out.append((role, fs, float(main_p[sure, r].mean()), f, np.where(sure, main_p[:, r], -1.0)))
    return out


def evidence_sentences(art: Article, starts: Sequence[int], scores: np.ndarray, k: int) -> list[Span]:
    """The sentences of the ``k`` mentions with the highest ``scores`` (one per sentence; a
    negative score is no evidence), in text order."""
    sent_starts = [s.start for s in art.sentences]
    best: dict[int, float] = {}
    for o, sc in zip(starts, scores.tolist(), strict=True):
        i = bisect_right(sent_starts, o) - 1
        if sc >= 0 and i >= 0 and o < art.sentences[i].end:
            best[i] = max(best.get(i, -1.0), sc)
    top = sorted(best, key=lambda i: -best[i])[:k]
    return [Span(start=art.sentences[i].start, end=art.sentences[i].end) for i in sorted(top)]


def cast_actors(art: Article, model: RoleModel, n_evidence: int = 2) -> None:
    """Fill role, fine roles, scores, evidence and castings of every actor of ``art``."""
    if not art.actors or getattr(art, "_encoded", None) is None:
        return
    mentions = [m for m in art.entities if 0 <= m.actor < len(art.actors)]
    if not mentions:
        return
    doc = getattr(art, "_doc", None)
    doc = doc if doc is not None and doc.text == art.text else None
    main_p, fine_p = score_mentions(art, model, [(m.start, m.end) for m in mentions], [m.actor for m in mentions])
    if not len(main_p):
        return
    for actor in art.actors:
        mine = [i for i, m in enumerate(mentions) if m.actor == actor.id]
        if not mine or _only_a_setting(actor, [mentions[i] for i in mine], doc):
            continue
        castings = []
        for role, fines, p, fp, per_mention in cast(main_p[mine], fine_p[mine], model):
            ev = evidence_sentences(art, [mentions[i].start for i in mine], per_mention, n_evidence)
            scores = {role: round(p, 4), **{f: round(float(fp[FINE_ROLES.index(f)]), 4) for f in fines}}
            castings.append(Casting(role=role, fine_roles=fines, scores=scores, evidence=ev))
        first = castings[0]
        actor.role, actor.fine_roles, actor.evidence = first.role, first.fine_roles, first.evidence
        mean_main = main_p[mine].mean(axis=0)
        actor.scores = {r: round(float(p), 4) for r, p in zip(MAIN_ROLES, mean_main, strict=True)}
        actor.scores.update({f: s for f, s in first.scores.items() if f in FINE_ROLES})
        actor.castings = castings if len(castings) > 1 else []
