"""The shared tasks' official scoring rules, on plain data (no models, no files).

Every scorer takes gold and predicted annotations keyed by article id and returns a :class:`Score`
(or a dict of them per label), so ``slant eval`` and the tests call the same code. Spans are
``(start, end)`` character offsets, end exclusive; labelled spans are ``(start, end, label)``.

Notes: the span metrics follow Da San Martino et al. (2019), "Fine-Grained Analysis of Propaganda
in News Articles" (EMNLP), as used at SemEval-2020 Task 11 (Da San Martino et al., 2020); the
paragraph metrics follow SemEval-2023 Task 3 subtask 3 (Piskorski et al., 2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Spans = Sequence[tuple[int, int]]
LabelledSpans = Sequence[tuple[int, int, str]]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    n_gold: int = 0
    n_pred: int = 0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "n_gold": self.n_gold, "n_pred": self.n_pred}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching-by-overlap spans fused into one: [(0, 5), (3, 8)] -> [(0, 8)].

    SemEval-2020 SI is technique-agnostic, so the official scorer fuses overlapping spans of an
    article (gold and predicted alike) before scoring; otherwise one stretch of text annotated with
    two techniques would count twice.
    """
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in spans if e > s):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _overlap_credit(pred: Spans, gold: Spans) -> tuple[float, float]:
    """Sum over predicted spans of |s∩t|/|s| and over gold spans of |s∩t|/|t| (all pairs).

    Both lists are merged (non-overlapping, sorted), so a sweep over the two is enough.
    """
    p_credit = 0.0
    g_credit = 0.0
    for s0, s1 in pred:
        for t0, t1 in gold:
            inter = min(s1, t1) - max(s0, t0)
            if inter > 0:
                p_credit += inter / (s1 - s0)
                g_credit += inter / (t1 - t0)
    return p_credit, g_credit


def span_identification(gold: Mapping[str, Spans], pred: Mapping[str, Spans]) -> Score:
    """SemEval-2020 Task 11 SI: span F1 with partial-overlap credit, technique-agnostic.

    Rule (Da San Martino et al., 2019, eq. 1-3): with S the predicted and T the gold spans of an
    article, C(s, t, h) = |s ∩ t| / h. Precision = Σ_s Σ_t C(s, t, |s|) / |S| and recall =
    Σ_s Σ_t C(s, t, |t|) / |T|, both summed over all articles before dividing (micro average);
    F1 is their harmonic mean. Overlapping spans are merged first within each article.
    """
    p_credit = g_credit = 0.0
    n_pred = n_gold = 0
    for doc in set(gold) | set(pred):
        g = merge_spans(gold.get(doc, ()))
        p = merge_spans(pred.get(doc, ()))
        n_gold += len(g)
        n_pred += len(p)
        pc, gc = _overlap_credit(p, g)
        p_credit += pc
        g_credit += gc
    precision = p_credit / n_pred if n_pred else 0.0
    recall = g_credit / n_gold if n_gold else 0.0
    return Score(precision, recall, _f1(precision, recall), n_gold, n_pred)


def span_labelling(
    gold: Mapping[str, LabelledSpans], pred: Mapping[str, LabelledSpans], labels: Sequence[str] | None = None
) -> tuple[Score, dict[str, Score]]:
    """Span + label F1 with partial-overlap credit (the FLC measure of SemEval-2020 Task 11 / the
    NLP4IF-2019 shared task): micro over all labels, and per label.

    Rule (Da San Martino et al., 2019): as :func:`span_identification`, with
    C(s, t, h) = |s ∩ t| / h · δ(l(s), l(t)): a predicted span earns credit only from gold spans of
    its own technique. Spans of one technique that overlap are merged within an article, so a
    doubly annotated stretch cannot earn more than full credit; spans of different techniques may
    overlap freely.
    """
    names = sorted({lab for spans in gold.values() for *_, lab in spans}
                   | {lab for spans in pred.values() for *_, lab in spans}) if labels is None else list(labels)
    per: dict[str, Score] = {}
    totals = [0.0, 0.0, 0, 0]
    for lab in names:
        g = {d: [(s, e) for s, e, x in spans if x == lab] for d, spans in gold.items()}
        p = {d: [(s, e) for s, e, x in spans if x == lab] for d, spans in pred.items()}
        pc = gc = 0.0
        ng = np_ = 0
        for doc in set(g) | set(p):
            gm = merge_spans(g.get(doc, ()))
            pm = merge_spans(p.get(doc, ()))
            ng += len(gm)
            np_ += len(pm)
            a, b = _overlap_credit(pm, gm)
            pc += a
            gc += b
        prec = pc / np_ if np_ else 0.0
        rec = gc / ng if ng else 0.0
        per[lab] = Score(prec, rec, _f1(prec, rec), ng, np_)
        totals[0] += pc
        totals[1] += gc
        totals[2] += ng
        totals[3] += np_
    prec = totals[0] / totals[3] if totals[3] else 0.0
    rec = totals[1] / totals[2] if totals[2] else 0.0
    return Score(prec, rec, _f1(prec, rec), int(totals[2]), int(totals[3])), per


def technique_classification(gold: Sequence[str], pred: Sequence[str]) -> float:
    """SemEval-2020 Task 11 TC: micro-averaged F1 over given spans, one label each.

    With exactly one gold and one predicted label per span, micro precision, recall and F1 all
    equal the share of spans labelled correctly (Da San Martino et al., 2020, section 4).
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two annotators' labels for the same items: their agreement beyond what
    their own label frequencies would give by chance, (p_o - p_e) / (1 - p_e) (Cohen, 1960, "A
    coefficient of agreement for nominal scales"). Two annotators who used one label throughout
    and agree get 1.0; no items, 0.0."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} labels of one annotator but {len(b)} of the other")
    n = len(a)
    if not n:
        return 0.0
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((list(a).count(lab) / n) * (list(b).count(lab) / n) for lab in set(a) | set(b))
    if pe >= 1.0:
        return 1.0 if po == 1.0 else 0.0
    return (po - pe) / (1 - pe)


def paragraph_labels(
    gold: Mapping[tuple[str, int], Iterable[str]],
    pred: Mapping[tuple[str, int], Iterable[str]],
    labels: Sequence[str],
) -> tuple[Score, float, dict[str, Score]]:
    """SemEval-2023 Task 3 subtask 3: micro-F1 (the ranking measure) and macro-F1 over paragraph
    label sets, plus per-label scores.

    Rule (Piskorski et al., 2023): every (article, paragraph) of the gold file is one multi-label
    example; a prediction missing for a gold paragraph counts as the empty set. Micro-F1 counts
    true/false positives and false negatives over all (paragraph, label) pairs; macro-F1 averages
    the per-label F1 over the full label list of the task (``labels``), a label neither in the
    gold nor predicted scoring 0, as the official scorer's binarised ``f1_score`` does.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    tp = [0] * len(labels)
    fp = [0] * len(labels)
    fn = [0] * len(labels)
    for key, g in gold.items():
        gs = {x for x in g if x in index}
        ps = {x for x in pred.get(key, ()) if x in index}
        for x in gs & ps:
            tp[index[x]] += 1
        for x in ps - gs:
            fp[index[x]] += 1
        for x in gs - ps:
            fn[index[x]] += 1
    per: dict[str, Score] = {}
    for lab, i in index.items():
        p = tp[i] / (tp[i] + fp[i]) if tp[i] + fp[i] else 0.0
        r = tp[i] / (tp[i] + fn[i]) if tp[i] + fn[i] else 0.0
        per[lab] = Score(p, r, _f1(p, r), tp[i] + fn[i], tp[i] + fp[i])
    TP, FP, FN = sum(tp), sum(fp), sum(fn)
    p = TP / (TP + FP) if TP + FP else 0.0
    r = TP / (TP + FN) if TP + FN else 0.0
    micro = Score(p, r, _f1(p, r), TP + FN, TP + FP)
    macro = sum(s.f1 for s in per.values()) / len(per) if per else 0.0
    return micro, macro, per


def subjectivity_scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """CheckThat! 2025 Task 1: macro-F1 over SUBJ and OBJ (the official measure), plus SUBJ
    precision, recall and F1 and accuracy. ``gold`` and ``pred`` are aligned label lists."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    out: dict[str, float] = {}
    f1s = []
    for cls in ("SUBJ", "OBJ"):
        tp = sum(g == cls and p == cls for g, p in zip(gold, pred))
        fp = sum(g != cls and p == cls for g, p in zip(gold, pred))
        fn = sum(g == cls and p != cls for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(_f1(prec, rec))
        key = cls.lower()
        out[f"{key}_p"], out[f"{key}_r"], out[f"{key}_f1"] = prec, rec, f1s[-1]
    out["macro_f1"] = sum(f1s) / 2
    out["accuracy"] = sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0
    return out


def checkworthy_scores(gold: Sequence[str], pred: Sequence[str], positive: str = "Yes") -> dict[str, float]:
    """CLEF CheckThat! 2024 Task 1: F1 of the positive class (check-worthy, "Yes"), the official
    measure, with its precision and recall and the accuracy. ``gold`` and ``pred`` are aligned
    label lists."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    tp = sum(g == positive and p == positive for g, p in zip(gold, pred))
    fp = sum(g != positive and p == positive for g, p in zip(gold, pred))
    fn = sum(g == positive and p != positive for g, p in zip(gold, pred))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"p": prec, "r": rec, "f1": _f1(prec, rec),
            "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0}


# --- document labels: SemEval-2023 Task 3 subtasks 1-2, SemEval-2025 Task 10 subtask 2 -----------


def genre_macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> tuple[float, dict[str, float]]:
    """SemEval-2023 Task 3 subtask 1: macro-F1 over the genres (one label per article); also the
    F1 of each genre. A genre absent from both gold and predictions scores 0 (as scikit-learn's
    ``f1_score(average="macro", labels=...)`` that the organisers' scorer calls)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    per = {}
    for c in labels:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[c] = _f1(prec, rec)
    return (sum(per.values()) / len(per) if per else 0.0), per


def multilabel_micro(gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]]) -> Score:
    """SemEval-2023 Task 3 subtask 2: micro-averaged P, R, F1 over (article, frame) pairs."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred, strict=True):
        g, p = set(g), set(p)
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return Score(prec, rec, _f1(prec, rec), tp + fn, tp + fp)


def samples_f1(gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]]) -> tuple[float, float]:
    """SemEval-2025 Task 10 subtask 2: the F1 of each document's predicted label set against its
    gold set, averaged over documents ("samples" F1; the organisers also report its standard
    deviation, returned second). A document with both sets empty scores 1."""
    scores = []
    for g, p in zip(gold, pred, strict=True):
        g, p = set(g), set(p)
        if not g and not p:
            scores.append(1.0)
            continue
        tp = len(g & p)
        scores.append(2 * tp / (len(g) + len(p)))
    if not scores:
        return 0.0, 0.0
    mean = sum(scores) / len(scores)
    std = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    return mean, std


# --- attribution: quotes with speakers (GenderGapTracker's evaluation, on PolNeAR) ------------------

LENIENT = 0.3  # share of the longer content span two attributions must share to match (lenient)
STRICT = 0.8  # the same, strict


@dataclass(frozen=True)
class AttributionSpan:
    """An attribution as the scorer sees it: the content span, the speaker's spans (gold: the
    source; predicted: the speaker phrase and every mention of the speaker's actor) and its kind."""

    start: int
    end: int
    speaker: tuple[tuple[int, int], ...] = ()
    kind: str = ""


def content_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Characters two content spans share, as a share of the longer one (0 when disjoint)."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    longer = max(a[1] - a[0], b[1] - b[0])
    return inter / longer if inter > 0 and longer > 0 else 0.0


def match_attributions(gold: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]],
                       threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs ``(gold index, predicted index)`` whose content spans overlap by at least
    ``threshold`` of the longer span, the best-overlapping pairs taken first (ties: earlier gold,
    then earlier prediction), so no span counts twice."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            r = content_overlap(g, p)
            if r >= threshold and r > 0:
                cands.append((-r, gi, pi))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in sorted(cands):
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def _touches(spans_a: Sequence[tuple[int, int]], spans_b: Sequence[tuple[int, int]]) -> bool:
    return any(min(a1, b1) > max(a0, b0) for a0, a1 in spans_a for b0, b1 in spans_b)


def attribution_scores(gold: Mapping[str, Sequence[AttributionSpan]],
                       pred: Mapping[str, Sequence[AttributionSpan]]) -> dict:
    """Quote/attribution extraction scored the way GenderGapTracker evaluates its quote extractor
    (Asr et al., 2021, "The Gender Gap Tracker", PLOS ONE; its ``evaluate_quotes`` rules).

    A predicted attribution matches a gold one when their content spans overlap by at least 0.3
    of the longer span (lenient) or 0.8 (strict), one to one (:func:`match_attributions`).
    Returned, micro-averaged over documents: ``lenient`` and ``strict`` :class:`Score`;
    ``direct_recall`` (lenient, strict): the share of gold direct quotes matched; ``speaker``
    (lenient, strict): speaker accuracy over matched pairs whose gold attribution names a source,
    a pair being right when any of the predicted speaker's spans overlaps the gold source; and
    ``speaker_pairs``: how many pairs that accuracy is over."""
    out: dict = {}
    n_gold = sum(len(v) for v in gold.values())
    n_pred = sum(len(v) for v in pred.values())
    n_direct = sum(1 for v in gold.values() for g in v if g.kind == "direct")
    for name, thr in (("lenient", LENIENT), ("strict", STRICT)):
        tp = direct = right = judged = 0
        for doc in set(gold) | set(pred):
            gs, ps = list(gold.get(doc, ())), list(pred.get(doc, ()))
            pairs = match_attributions([(g.start, g.end) for g in gs], [(p.start, p.end) for p in ps], thr)
            tp += len(pairs)
            for gi, pi in pairs:
                direct += gs[gi].kind == "direct"
                if gs[gi].speaker:
                    judged += 1
                    right += _touches(gs[gi].speaker, ps[pi].speaker)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        out[name] = Score(prec, rec, _f1(prec, rec), n_gold, n_pred)
        out.setdefault("direct_recall", []).append(direct / n_direct if n_direct else 0.0)
        out.setdefault("speaker", []).append(right / judged if judged else 0.0)
        out.setdefault("speaker_pairs", []).append(judged)
    for k in ("direct_recall", "speaker", "speaker_pairs"):
        out[k] = tuple(out[k])
    out["n_direct"] = n_direct
    return out
